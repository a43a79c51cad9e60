// SPDX-License-Identifier: GPL-2.0-or-later
// Parsing steps shared by the whole-document reader (cib.cpp) and the
// streaming one (stream.cpp); not part of the public API.
#pragma once

#include <libxml/tree.h>

#include "vigil/cib/cib.hpp"

namespace vigil::cib::detail {

// One <node_state> element of the status section into the model.
Result<NodeState> parse_node_state(const xmlNode* ns, const rules::IdResolver& resolve);

}  // namespace vigil::cib::detail
