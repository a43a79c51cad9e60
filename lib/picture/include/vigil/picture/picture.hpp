// SPDX-License-Identifier: GPL-2.0-or-later
// Pictures through Graphviz: the cluster as nodes holding their resources
// (`vigil status --png`), and any DOT text (the transition graph of
// `vigil-simulate --png`) rendered as PNG by Debian's `dot`.
#pragma once

#include <string>
#include <string_view>

#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"

namespace vigil::pengine {
class WorkingSet;
}

namespace vigil::picture {

// The cluster's state as DOT: one box per node (its state in the label),
// the resources active there inside it (groups and clones as nested boxes,
// colour by state: started, promoted, failed, unmanaged, pending), and the
// resources active nowhere in a box of their own. `ws` must be unpacked.
std::string cluster_dot(const pengine::WorkingSet& ws, std::string_view title);

// Renders `dot_text` to a PNG file at `path` with Graphviz's dot, found on
// PATH. Errors: dot is not installed (kNotFound, naming the package), dot
// failed or ran past `timeout` (kFailed, with what it printed). Nothing is
// written at `path` on error.
Status render_png(std::string_view dot_text, const std::string& path,
                  Duration timeout = Duration(120'000));

}  // namespace vigil::picture
