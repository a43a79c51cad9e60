// SPDX-License-Identifier: GPL-2.0-or-later
// Private to lib/admin: pcs's usage texts for `constraint`, `node`, `tag`, `alert` and `acl`
// (pcs_usage.cpp; acl's in acl.cpp), printed when the words of a command do not parse.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "vigil/admin/commands.hpp"

namespace vigil::admin {

// The family's usage ("constraint", "node", "tag"), cut as pcs cuts it: the
// sections whose command starts with `words` (joined by spaces), or with
// fewer of them when none does.
std::string pcs_sub_usage(std::string_view family, const std::vector<std::string>& words);

// pcs's `acl` usage (acl.cpp).
std::string_view acl_usage_text();

// pcs's refusal of words that do not parse: the hint (if any), then the
// usage, printed as they are (no "Error: "), exit code 1; a message (if
// any) comes first, as an error.
Status usage_error(Context& ctx, std::string_view family, const std::vector<std::string>& words,
                   const std::string& hint = "", const std::string& message = "");

}  // namespace vigil::admin
