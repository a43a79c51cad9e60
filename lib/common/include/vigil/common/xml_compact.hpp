// SPDX-License-Identifier: GPL-2.0-or-later
// parse_string for a large document that is kept for long and changed only
// through libxml2's own tree functions (lib/pengined's held CIB): short text
// stays inside its node (XML_PARSE_COMPACT), no allocation of its own. Apart
// from that it is parse_string: the same guards, slices and errors. Kept out
// of xml.hpp, which nearly every file includes.
#pragma once

#include <string>
#include <string_view>

#include "vigil/common/xml.hpp"

namespace vigil::xml {

Result<DocPtr> parse_string_compact(std::string_view text, const std::string& what);

}  // namespace vigil::xml
