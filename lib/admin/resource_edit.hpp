// SPDX-License-Identifier: GPL-2.0-or-later
// Private to lib/admin: the primitive editing that `resource` and `stonith`
// commands share (resource.cpp).
#pragma once

#include <libxml/tree.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {

// A resource element (primitive, group, clone ...) with this id inside
// <resources>, or nullptr.
xmlNode* find_resource(xmlDoc* doc, std::string_view id);

// An error of pcs's library layer: the message, then its summary line.
Status lib_error(const std::string& msg);

// 'a', 'b', 'c'
std::string quoted_list(const std::vector<std::string>& items);

// Forceable errors (ending ", use --force to override"): into `problems`,
// or with --force into warnings on ctx.notes, without the tail.
void note_forceable(Context& ctx, const std::vector<std::string>& errors,
                    std::vector<std::string>& problems);

// <element id=set_id> with one nvpair per pair, sorted by name, under
// `parent` (nothing when `pairs` is empty).
void append_nvset(xmlDoc* doc, xmlNode* parent, const char* element, const std::string& set_id,
                  std::vector<KeyValue> pairs);

// Sets (or with an empty value removes) `name` in the first `element` set
// of `rsc`; a missing set is created, first child when `first`, else last
// (stonith.cpp).
void set_nvpair(xmlDoc* doc, xmlNode* rsc, const char* element, const std::string& name,
                const std::string& value, bool first);

// pcs's is_true: true, on, yes, y, 1 (any case).
bool is_true(std::string_view value);

// A node of the cluster: in the CIB's <nodes>, or (live) in corosync.conf's
// nodelist.
bool is_cluster_node(const Context& ctx, const std::string& name);

// The clone or master holding `r` (a primitive, possibly in a group, or a
// group), or nullptr (clone.cpp).
xmlNode* clone_ancestor(xmlNode* r);

// `resource create ... clone|promotable`: pcs's library checks of the clone
// options against the agent (non-ocf agents cannot be globally-unique or
// promotable; OCF 1.1 agents without promote/demote cannot be promotable,
// which --force turns into a warning). Errors go to `problems`.
void check_clone_agent(Context& ctx, const AgentName& agent, const AgentMetadata& md,
                       const std::vector<KeyValue>& clone_meta, std::vector<std::string>& problems);

// Puts `child` (already under <resources>) into a new <clone id=clone_id>
// appended to <resources>, with the meta attributes sorted after it.
xmlNode* wrap_in_clone(xmlDoc* doc, xmlNode* child, const std::string& clone_id,
                       const std::vector<KeyValue>& meta);

// `resource clone|promotable RSC|GROUP [ID] [k=v...]`, `resource unclone ID`.
Status clone_resource(Context& ctx, std::vector<std::string> args, bool promotable);
Status unclone_resource(Context& ctx, const std::vector<std::string>& args);

// `resource update CLONE [k=v...]`: the words as `resource clone` reads
// them, set as the clone's meta attributes (sorted, appended).
Status update_clone(Context& ctx, xmlNode* clone, const std::vector<std::string>& args);

// `resource meta CLONE k=v...`: pcs's check of the options against the
// clone's members (what `resource clone` checks).
Status clone_meta(Context& ctx, xmlNode* clone, const std::vector<KeyValue>& meta);

// pcs's validate_constraint_resource: the resource exists and is not
// inside a clone or bundle (constraint.cpp).
Status check_location_resource(xmlDoc* doc, const std::string& id);

// `constraint location RSC rule [options] EXPRESSION` (location_rule.cpp).
Status location_rule(Context& ctx, std::string rsc, std::vector<std::string> words);

// `resource ban|move-with-constraint|clear|move` (resource_move.cpp).
Status resource_move_command(Context& ctx, const std::string& cmd,
                             const std::vector<std::string>& args);

// `resource enable|disable|meta|update` (resource_meta.cpp).
Status resource_enable(Context& ctx, const std::vector<std::string>& ids, bool enable);
Status resource_meta(Context& ctx, const std::vector<std::string>& args);
Status resource_update(Context& ctx, const std::vector<std::string>& args);
// `resource why RSC [NODE]` (Vigil): the scheduler's reasons for where RSC is.
Status resource_why(Context& ctx, const std::vector<std::string>& args);
// `resource relocate show|dry-run|run [RSC...]` (resource_relocate.cpp).
Status resource_relocate(Context& ctx, const std::vector<std::string>& args);
// --wait (cluster_wait.cpp): what keeps the cluster from being settled, as
// crm_resource --wait sees it: the scheduler's pending actions ("Action 12:
// A_start_0\ton node2") and operations in flight; empty when settled.
Result<std::vector<std::string>> unsettled_work(xmlDoc* doc, EpochSeconds now);
// pcs's --wait[=N] value in seconds ("" is crm_resource's default, an hour).
Result<int> wait_timeout_seconds(const std::string& value);
// --wait on live resource commands (resource_wait.cpp): the commands it
// is done for, and the poll (every 2 s until settled or `timeout_s`).
bool resource_wait_supported(const std::string& sub, const std::string& sub2);
// pcs's checks of --wait against -f and of its value, in the command's words
// and order (resource_wait_more.cpp): before the command runs, or, for
// those that look their resource up first (meta, unclone, group remove,
// ungroup), called by the command once it did; `subject` is the resource
// whose state is reported afterwards.
Status check_wait_option(Context& ctx, const std::string& sub, const std::string& sub2);
Status check_wait_late(Context& ctx, const std::string& subject);
class LiveCib;
struct WaitOutcome {
  bool timed_out = false;
  std::vector<std::string> pending;  // the last poll's unsettled work
  std::string error;                 // reading the CIB failed
  xml::DocPtr doc;                   // the settled CIB
};
WaitOutcome settle(LiveCib& cib, int timeout_s);

// `resource create` (stonith false) or `stonith create` (the agent is a
// bare fence agent name, class stonith, options checked as the fencer's).
Status create_primitive(Context& ctx, const std::vector<std::string>& args, bool stonith);

// `resource config|group list|group remove|ungroup|utilization|manage|
// unmanage` (resource_config.cpp).
Status run_resource_listing(Context& ctx, const std::string& cmd,
                            const std::vector<std::string>& args);

// `resource failcount|relocate|restart|debug-*` (resource_failcount.cpp):
// failcount show and relocate clear read the CIB; the rest need a running
// cluster (refused with -f, as pcs does).
Status run_resource_runtime(Context& ctx, const std::string& cmd,
                            const std::vector<std::string>& args);
// `resource restart RSC [NODE]` on a running cluster (resource_restart.cpp),
// and the CIB a cluster would reach from `doc` if every action the scheduler
// plans on it succeeded (its transition simulated). `role_changes`, when
// given, receives the primitive ids of the transition's start, stop,
// promote, demote and migrate operations in action order (as pcs reads
// crm_simulate's graph: resource move).
Status resource_restart(Context& ctx, std::vector<std::string> args);
Result<xml::DocPtr> simulate_cluster_reaction(xmlDoc* doc, EpochSeconds now,
                                              std::vector<std::string>* role_changes = nullptr);

// `resource op add|delete|remove|defaults` (resource_op.cpp) and
// `resource [op] defaults ...` (defaults.cpp; `op` for op_defaults).
// pcs's error for instance attributes an agent does not take (names sorted;
// "there are no options allowed" for an agent without parameters), ending
// ", use --force to override".
std::string invalid_options_message(std::vector<std::string> bad,
                                    const std::set<std::string>& allowed);
// `resource standards|providers|agents|describe` (resource_agents.cpp).
Status run_resource_agents(Context& ctx, const std::string& sub,
                           const std::vector<std::string>& args);
Status run_resource_op(Context& ctx, const std::vector<std::string>& args);
Status run_defaults(Context& ctx, const std::vector<std::string>& args, bool op);

// `resource config --output-format=cmd` of these resources
// (resource_config_cmd.cpp), "vigil ..." where pcs prints "pcs ...".
std::string resources_as_commands(const std::vector<xmlNode*>& primitives,
                                  const std::vector<xmlNode*>& groups,
                                  const std::vector<xmlNode*>& clones);

// `resource config --output-format=json` of these resources
// (resource_config_export.cpp); `masters_last`: <master> elements after the
// <clone> ones, as pcs lists all resources.
Result<std::string> resources_as_json(const std::vector<xmlNode*>& primitives,
                                      const std::vector<xmlNode*>& groups,
                                      std::vector<xmlNode*> clones, bool masters_last);
// pcs's check of --output-format's value (text, cmd or json).
Status check_config_output_format(const std::string& format);
// `stonith config --output-format=cmd|json [ID...]` of these devices (all
// fence devices, in document order).
Status stonith_config_export(Context& ctx, const std::vector<std::string>& ids,
                             std::vector<xmlNode*> devices);

// pcs's quoting of a name or value holding '=' or a blank, and "name=value"
// with both quoted so (resource_config.cpp).
std::string pcs_quote(const std::string& s);
std::string name_value(const std::string& name, const std::string& value);

// Removes the constraints naming each of `ids`, noting pcs's "Removing
// Constraint - ID" lines when `print` (resource.cpp).
void remove_constraints_of(Context& ctx, const std::vector<std::string>& ids, bool print = true);

// `resource delete|remove ID`: the resource, its constraints, pcs's notes.
Status delete_resource(Context& ctx, const std::vector<std::string>& args);

}  // namespace vigil::admin
