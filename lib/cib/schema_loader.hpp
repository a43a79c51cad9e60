// SPDX-License-Identifier: GPL-2.0-or-later
// Loads an embedded RelaxNG schema as one self-contained document: every
// <include href="x.rng"/> is replaced by the contents of the embedded x.rng
// (RelaxNG's own include semantics, overrides included), so libxml2 never
// looks for a schema file on disk.
#pragma once

#include <string_view>

#include "vigil/common/result.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::cib::detail {

// Fails with kInternal when a file is missing from the embedded set, an
// override names a definition the included file lacks, or the schema uses
// externalRef (which Vigil's schemas do not need).
Result<xml::DocPtr> load_schema(std::string_view name);

}  // namespace vigil::cib::detail
