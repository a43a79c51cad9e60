// SPDX-License-Identifier: GPL-2.0-or-later
// Private to lib/admin: ids as pcs's library sees them and pcs's refusal of
// options a command does not take (acl.cpp), shared by acl and alert.
#pragma once

#include <libxml/tree.h>

#include <string>
#include <string_view>
#include <vector>

#include "vigil/admin/commands.hpp"

namespace vigil::admin {

// The first element (document order) owning `id` in the CIB outside status
// (pcs's get_configuration_elements_by_id: not acl_target, role, obj_ref,
// resource_ref; a primitive owns its remote-node name), or nullptr.
const xmlNode* id_owner(xmlDoc* doc, std::string_view id);
// pcs's find_unique_id over those ids: candidate, candidate-1, ...
std::string free_id(xmlDoc* doc, const std::string& candidate);
// How pcs names an element type in its messages ("primitive": "resource").
std::string type_word(std::string_view tag);
// pcs's element search inside `section`: the element of type `tag` with this
// id, else nullptr with pcs's reason in `problems` ("alert 'x' does not
// exist", "'A' is not a alert" ...). `expected` names the types (the tag
// when empty); with `quiet_if_unused`, an id nobody owns is no problem.
xmlNode* find_in_section(xmlDoc* doc, xmlNode* section, std::string_view tag, const std::string& id,
                         std::vector<std::string>& problems, std::vector<std::string> expected = {},
                         bool quiet_if_unused = false);

// "Specified option '--x' is not supported in this command" for every flag
// given but -f (and --autodelete, --force where allowed).
Status only_pcs_options(const Context& ctx, bool autodelete_allowed, bool force_allowed);

}  // namespace vigil::admin
