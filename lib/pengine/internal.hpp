// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers shared by the scheduler stages; not part of the public API.
#pragma once

#include <string>
#include <vector>

#include "remote.hpp"
#include "vigil/pengine/digest.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::pengine {

// Operation keys: "rsc_task_interval".
std::string op_key(const std::string& rsc, const std::string& task, std::int64_t interval_ms);
// Splits "rsc_task_interval"; false when malformed.
bool parse_op_key(const std::string& key, std::string* rsc, std::string* task,
                  std::int64_t* interval_ms);

bool is_true(const std::string& v);
inline bool is_true(const std::string* v) {
  return v && is_true(*v);
}
const std::string* lookup(const AttrMap& m, const std::string& key);

// Actions.
Action* custom_action(WorkingSet& ws, Resource* rsc, const std::string& key,
                      const std::string& task, Node* node, bool optional, bool save = true);
Action* pseudo_op(WorkingSet& ws, const std::string& name);
// Asks the controller to run the scheduler again by `when` (epoch seconds)
// when that is later than now and earlier than any time already asked for.
void update_recheck_time(WorkingSet& ws, EpochSeconds when);
// A CIB-only erase of the resource's history on the node (lrm_delete).
Action* clear_resource_history(WorkingSet& ws, Resource* rsc, Node* node);
// Whether the action carries its resource's shutdown lock into the graph.
bool action_keeps_shutdown_lock(const Action* a);
// Changes an action's task, keeping the resource's index right.
void retask(Action* a, const std::string& task);
Action* rsc_pseudo_action(WorkingSet& ws, Resource* rsc, const std::string& task, bool optional,
                          bool runnable);
Action* fence_op(WorkingSet& ws, Node* node, const std::string& op, bool optional,
                 const std::string& reason, bool priority_delay);
void set_reason(Action* a, const std::string& reason, bool overwrite);
std::vector<Action*> find_actions(const std::vector<Action*>& list, const std::string& key,
                                  const Node* node);
std::vector<Action*> find_actions_exact(const std::vector<Action*>& list, const std::string& key,
                                        const Node* node);
// The same lookups over a resource's own actions, through its indexes.
std::vector<Action*> find_actions(const Resource* rsc, const std::string& key, const Node* node);
std::vector<Action*> find_actions_exact(const Resource* rsc, const std::string& key,
                                        const Node* node);
Action* find_first_action(const Resource* rsc, const std::string* uuid, const std::string* task,
                          const Node* node);
std::vector<Action*> rsc_actions(const Resource* rsc, const Node* node, const std::string& task,
                                 bool require_node);
Action* find_first_action(const std::vector<Action*>& list, const std::string* uuid,
                          const std::string* task, const Node* node);
Action* stop_action(WorkingSet& ws, Resource* rsc, Node* node, bool optional);
Action* start_action(WorkingSet& ws, Resource* rsc, Node* node, bool optional);
Action* promote_action(WorkingSet& ws, Resource* rsc, Node* node, bool optional);
Action* demote_action(WorkingSet& ws, Resource* rsc, Node* node, bool optional);
bool order_actions(WorkingSet& ws, Action* first, Action* then, std::uint32_t type);

// Orderings by resource and task.
void new_ordering(WorkingSet& ws, Resource* first_rsc, std::string first_task, Action* first_action,
                  Resource* then_rsc, std::string then_task, Action* then_action,
                  std::uint32_t flags);
void order_migration_equivalents(WorkingSet& ws, const Ordering& order);
void order_rsc_actions(WorkingSet& ws, Resource* first, const std::string& first_task,
                       Resource* then, const std::string& then_task, std::uint32_t flags);

// Location scores: adds `score` to the resource (and its children) on `node`,
// or on every node when null; a node not in a table enters it at its weight.
void resource_location(WorkingSet& ws, Resource* rsc, Node* node, int score, const Cause& why);
bool node_available(const Node* node, bool consider_score_weight, int weight);
// Over a ScoreTable or a ScoreDraft.
template <class Table>
bool any_node_available(const Table& allowed, const WorkingSet& ws) {
  for (const auto& n : ws.nodes) {
    const auto& s = allowed[n->index];
    if (s.present && node_available(n.get(), true, s.weight)) return true;
  }
  return false;
}

// Failure counts (from node attributes fail-count-RSC#OP_INTERVAL).
// `op` (may be null) is the history entry being considered, for on-fail=block.
// Note: like Pacemaker, a conflicting on-fail=block disables failure-timeout.
int failcount(const WorkingSet& ws, const Node* node, Resource* rsc, EpochSeconds* last_failure,
              bool effective, const cib::OpHistory* op = nullptr);
// Dotted version comparison ("3.0.13" < "3.16.0").
int compare_version(const std::string& a, const std::string& b);
Action* clear_failcount(WorkingSet& ws, Resource* rsc, Node* node, const std::string& reason);

// Stages.
void unpack_config(WorkingSet& ws);
void unpack_nodes(WorkingSet& ws);
Status unpack_resources(WorkingSet& ws);
void unpack_status(WorkingSet& ws);
void unpack_constraints(WorkingSet& ws);
void apply_node_health(WorkingSet& ws);
void apply_locations(WorkingSet& ws);
void apply_node_criteria(WorkingSet& ws);
void create_internal_constraints(WorkingSet& ws);
void handle_rsc_config_changes(WorkingSet& ws);
void assign_resources(WorkingSet& ws);
void schedule_probes(WorkingSet& ws);
void create_resource_actions(WorkingSet& ws);
void schedule_fencing_and_shutdowns(WorkingSet& ws);
void apply_orderings(WorkingSet& ws);
void update_action_for_orderings(WorkingSet& ws, Action* then);

// Per-resource methods.
Node* assign(WorkingSet& ws, Resource* rsc, Node* prefer);
void create_actions(WorkingSet& ws, Resource* rsc);
void internal_constraints(WorkingSet& ws, Resource* rsc);
std::uint32_t action_flags(Action* action, const Node* node);
std::uint32_t update_ordered_actions(WorkingSet& ws, Action* first, Action* then, const Node* node,
                                     std::uint32_t flags, std::uint32_t filter, std::uint32_t type);
void create_recurring_actions(WorkingSet& ws, Resource* rsc);
void apply_coloc_score(WorkingSet& ws, Resource* dependent, Resource* primary, const Colocation& c,
                       bool for_dependent);
void add_colocated_node_scores(WorkingSet& ws, Resource* rsc, const std::string& log_id,
                               ScoreDraft& nodes, bool nodes_null, const std::string& attr,
                               float factor, std::uint32_t flags);
bool colocation_has_influence(const Colocation& c, const Resource* rsc);
void block_colocation_dependents(WorkingSet& ws, Action* action);

// The colocation made, or null when there is none to make.
Colocation* new_colocation(WorkingSet& ws, const std::string& id, const std::string& node_attr_name,
                           int score, Resource* dependent, Resource* primary,
                           const std::string& dependent_role, const std::string& primary_role,
                           bool influence);
// Colocation lists kept in Pacemaker's order (by priority, kind and id).
void add_this_with(Resource* rsc, Colocation* c);
void add_with_this(Resource* rsc, Colocation* c);
void pe_fence_node(WorkingSet& ws, Node* node, const std::string& reason, bool priority_delay);
bool can_fence(const WorkingSet& ws, const Node* node);
void order_vs_fence(WorkingSet& ws, Action* stonith);

void schedule_cleanup(WorkingSet& ws, Resource* rsc, Node* node, bool optional);

// Node attribute lookup (node->attrs).
const std::string* node_attr(const Node* node, const std::string& name);

// Evaluated resource parameters for a node (instance_attributes with rules).
AttrMap rsc_params(const WorkingSet& ws, const Resource* rsc, const Node* node);

// Unfencing (unfencing.cpp, config_changes.cpp).
// Pacemaker's own parameters of fence devices (pcmk_host_list ...).
bool is_fence_param(std::string_view name);
struct FencingDigests {
  std::string all, secure;
};
// A fence device's parameter digests as unfencing records them on a node.
FencingDigests fencing_digests(WorkingSet& ws, Resource* rsc, Node* node);
// Requires unfencing of `node` (when `rsc` is none, or a fence device), or,
// when that node cannot be unfenced now, of every node the device may run on.
void trigger_unfencing(WorkingSet& ws, Resource* rsc, Node* node, const std::string& reason);
// Whether `node` has been unfenced (its #node-unfenced attribute is not 0).
bool node_unfenced(const Node* node);
// Unfencing ("on" fencing) of `node` ordered before `action` of `rsc` when
// unfencing applies to it, and required when the node never was.
void order_vs_unfence(WorkingSet& ws, Resource* rsc, Node* node, Action* action,
                      std::uint32_t order);
// Stops of `rsc` on `node` before its unfencing, starts after it.
void order_restart_vs_unfence(WorkingSet& ws, Resource* rsc, Node* node);
// The device digests an "on" fencing action carries (CRM_meta_digests_*);
// clears *optional when a device's definition changed since the node was
// last unfenced.
void add_unfencing_digests(WorkingSet& ws, Node* node, Action* fencing, bool* optional);

enum ColocFlags : std::uint32_t {
  kColocSelectActive = 1u << 0,
  kColocSelectNonnegative = 1u << 1,
  kColocSelectThisWith = 1u << 2
};

inline Resource* last_group_member(Resource* g) {
  return g->children.empty() ? nullptr : g->children.back();
}

}  // namespace vigil::pengine
