// SPDX-License-Identifier: GPL-2.0-or-later
// Private to lib/admin: what `resource ban|move-with-constraint|clear`
// (resource_move.cpp) and the live `resource move` (resource_move_live.cpp)
// share: the cli-ban-* / cli-prefer-* location constraints crm_resource
// writes.
#pragma once

#include <libxml/tree.h>

#include <string>
#include <vector>

#include "vigil/admin/commands.hpp"

namespace vigil::admin {

// pcs's error for an id that names no resource: another element's id, or
// nothing at all.
std::string not_a_resource(xmlDoc* doc, const std::string& id);

// A promotable clone: <master>, or <clone> with meta promotable=true.
bool is_promotable_clone(xmlNode* r);

// Sets the location constraint `id` (updated where it is, else appended to
// <constraints>), its attributes in crm_resource's order.
void put_location(xmlDoc* doc, const std::string& id, const std::string& rsc,
                  const std::string& role, const std::string& node, const std::string& score);

// `resource move RSC [NODE] [--promoted] [--strict] [--wait[=N]]` on a
// running cluster, as pcs 0.11's move_autoclean: the move constraint is
// created, the cluster waited for, then the constraint removed again once
// the scheduler's simulation shows the resource stays where it went.
Status resource_move_live(Context& ctx, std::vector<std::string> args);

}  // namespace vigil::admin
