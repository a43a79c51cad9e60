// SPDX-License-Identifier: GPL-2.0-or-later
// Private to lib/admin: what `resource ban|move-with-constraint|clear`
// (resource_move.cpp) and the live `resource move` (resource_move_live.cpp)
// share: the cli-ban-* / cli-prefer-* location constraints crm_resource
// writes.
#pragma once

#include <libxml/tree.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/admin/commands.hpp"
#include "vigil/common/time.hpp"

namespace vigil::pengine {
class WorkingSet;
struct Resource;
struct Node;
}  // namespace vigil::pengine

namespace vigil::admin {

// pcs's error for an id that names no resource: another element's id, or
// nothing at all.
std::string not_a_resource(xmlDoc* doc, const std::string& id);

// A promotable clone: <master>, or <clone> with meta promotable=true.
bool is_promotable_clone(xmlNode* r);

// pcs's validate_move (resource_move_live.cpp): stonith devices are
// deprecated here, bundles and clones cannot move, a promotable clone moves
// by its own id, --promoted needs one. Errors are added to `problems`.
void validate_move(Context& ctx, xmlNode* r, std::vector<std::string>& problems);

// crm_resource --move's refusals to move `rsc` to `node` (not found, active
// in several places, already there) as pcs reports them, from the CIB `ws`
// was unpacked from; ok when it would write its constraint.
Status crm_move_refusal(xmlDoc* doc, const pengine::WorkingSet& ws, const std::string& rsc,
                        const std::string& node, bool promoted);

// Sets the location constraint `id` (updated where it is, else appended to
// <constraints>), its attributes in crm_resource's order.
void put_location(xmlDoc* doc, const std::string& id, const std::string& rsc,
                  const std::string& role, const std::string& node, const std::string& score);

// Where a resource is active, as crm_resource --move/--ban count it: the
// active locations (clean ones, unless it needs fencing), its current node,
// and for a promotable clone its promoted instances (the last of them, the
// subject, and its node).
struct Activity {
  unsigned active = 0;
  const pengine::Node* current = nullptr;
  bool promotable = false;
  unsigned promoted = 0;
  const pengine::Resource* subject = nullptr;
  const pengine::Node* promoted_on = nullptr;
};
Activity activity_of(const pengine::Resource* r);

// crm_resource's choice of the node to ban when none is named: the single
// node `rsc` is active on, else the node of a promotable clone's single
// promoted instance. Otherwise (not found, or active in 0 or several
// places) crm_resource's error lines, which `active` tells apart.
struct BanTarget {
  std::string node;     // "" when there is none
  unsigned active = 0;  // the active locations counted
  std::string failure;  // crm_resource's lines when node is ""
};
BanTarget ban_target(const pengine::WorkingSet& ws, const std::string& rsc);

// lifetime= (resource_lifetime.cpp). The duration as crm_resource reads it
// (nullopt: invalid), and the date_expression's end: `now` plus it on the
// wall clock `utc_offset_s` east of UTC, in crm_time_as_string's format.
std::optional<IsoDuration> parse_cli_lifetime(std::string_view text);
std::string lifetime_end(EpochSeconds now, long utc_offset_s, const IsoDuration& d);
long local_utc_offset(EpochSeconds t);
// The end for this host's clock, or crm_resource's "Invalid duration" lines.
Result<std::string> lifetime_end_for(const std::string& lifetime, EpochSeconds now);

// A cli-ban/cli-prefer constraint in its timed form: a rule matching the
// node by #uname until `end`, merged into the constraint as a CIB update.
struct TimedLocation {
  std::string id, rule_id, expr_id, date_id;
  std::string rsc, role, node, score, end;
};
Status put_timed_location(xmlDoc* doc, const TimedLocation& t);

// `resource move RSC [NODE] [--promoted] [--strict] [--wait[=N]]` on a
// running cluster, as pcs 0.11's move_autoclean: the move constraint is
// created, the cluster waited for, then the constraint removed again once
// the scheduler's simulation shows the resource stays where it went.
Status resource_move_live(Context& ctx, std::vector<std::string> args);

}  // namespace vigil::admin
