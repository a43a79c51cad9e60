// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers shared by the scheduler stages; not part of the public API.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "clone.hpp"
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
// The checks handle_rsc_config_changes and unpacking left for after
// assignment (WorkingSet::param_checks).
void run_param_checks(WorkingSet& ws);
void assign_resources(WorkingSet& ws);
void schedule_probes(WorkingSet& ws);
void create_resource_actions(WorkingSet& ws);
void schedule_fencing_and_shutdowns(WorkingSet& ws);
void apply_orderings(WorkingSet& ws);
void update_action_for_orderings(WorkingSet& ws, Action* then);

// Where a resource is active (Pacemaker's pe__find_active_on), counting
// the nodes it is active on and those of them that are clean.
Node* find_active_on(const Resource* rsc, unsigned* count_all, unsigned* count_clean);
// Whether any of a resource's tree has the flag (`any`), or all of it.
bool is_set_recursive(const Resource* rsc, std::uint32_t flag, bool any);
// A resource's place for colocations and orderings: assigned (current=false)
// or active (current=true) node when it is on exactly one.
Node* rsc_location(const Resource* rsc, bool current);
// The nodes sorted as Pacemaker's pcmk__sort_nodes (score, then fewer
// resources, then the active node, then name).
std::vector<Node*> sorted_allowed_nodes(WorkingSet& ws, Resource* rsc);
// Records `chosen` as the resource's node (null: none, and the actions that
// need a node become unrunnable); unless forced, an unavailable node is none.
bool finalize_assignment(WorkingSet& ws, Resource* rsc, Node* chosen, bool force);
// crm_simulate's score lines for a resource and its children.
void show_scores(WorkingSet& ws, Resource* rsc, const char* fn);

// Status output (status_output.cpp): the lines of a resource in "Full List
// of Resources" (exit_text, an OCF exit code in words: vigil/pengine/output.hpp).
// One primitive's status line; a bundle replica's shows `name` and `node`.
std::string primitive_line(const WorkingSet& ws, const Resource* r, bool show_pending,
                           const std::string* name = nullptr, const Node* node = nullptr);
// `details`: crm_mon's --show-detail (see cluster_status_text).
void resource_lines(const WorkingSet& ws, const Resource* r, const std::string& indent,
                    std::string& out, bool show_pending, bool details = false);

// Per-resource methods.
Node* assign(WorkingSet& ws, Resource* rsc, Node* prefer);
void create_actions(WorkingSet& ws, Resource* rsc);
void internal_constraints(WorkingSet& ws, Resource* rsc);
std::uint32_t action_flags(Action* action, const Node* node);
// What an ordering update changed.
constexpr std::uint32_t kUpdatedFirst = 1, kUpdatedThen = 2;
// The primitive's way (Pacemaker's pcmk__update_ordered_actions).
std::uint32_t primitive_update_ordered_actions(WorkingSet& ws, Action* first, Action* then,
                                               const Node* node, std::uint32_t flags,
                                               std::uint32_t filter, std::uint32_t type);
std::uint32_t update_ordered_actions(WorkingSet& ws, Action* first, Action* then, const Node* node,
                                     std::uint32_t flags, std::uint32_t filter, std::uint32_t type);
// The same through `variant`'s method (a clone's or group's walks `then`'s
// children, a primitive's none).
std::uint32_t update_ordered_actions_as(WorkingSet& ws, const Resource* variant, Action* first,
                                        Action* then, const Node* node, std::uint32_t flags,
                                        std::uint32_t filter, std::uint32_t type);
// The ordering types primitive_update_ordered_actions reacts to; with none
// of them an update changes no action of any resource (an optional or
// one-or-more ordering between a primitive and a clone's or group's action).
constexpr std::uint32_t kOrderTypesThatUpdate =
    kOrderAsymmetrical | kOrderImpliesFirst | kOrderPromotedImpliesFirst |
    kOrderImpliesFirstMigratable | kOrderPseudoLeft | kOrderRunnableLeft | kOrderImpliesThen |
    kOrderRestart;
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
// Whether a history entry ran with other parameters than the resource has
// now (its digest differs; false when it has none to compare).
bool params_changed_since(WorkingSet& ws, Resource* rsc, const cib::OpHistory& op, Node* node);

// Node attribute lookup (node->attrs).
const std::string* node_attr(const Node* node, const std::string& name);

// What rules in a resource's sets see: now and its agent (no node).
rules::RuleInput rsc_rule_input(WorkingSet& ws, const Resource* rsc);

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

// Tickets (tickets.cpp).
// The ticket states of the status section (unpack); a ticket named only by a
// constraint is added, not granted, when the constraint is unpacked.
void unpack_tickets(WorkingSet& ws);
Ticket* find_or_add_ticket(WorkingSet& ws, const std::string& id);
// One rsc_ticket (unpack_constraints, in document order): bans, fencing and
// freezing for the tickets not granted or in standby.
void unpack_rsc_ticket(WorkingSet& ws, const cib::TicketConstraint& t);
// For promotable clones, when promotion scores are merged: bans `rsc` from
// every node while a ticket its promoted role depends on is not granted or in
// standby.
void require_promotion_tickets(WorkingSet& ws, Resource* rsc);
// The resources an id in a constraint stands for: a resource, or every
// resource a tag or template names; false when it names none of them.
bool expand_constraint_ref(WorkingSet& ws, const std::string& id, std::vector<Resource*>& out,
                           bool* is_tag);
// Utilization and placement-strategy (utilization.cpp).
enum class PlacementStrategy { kDefault, kUtilization, kMinimal, kBalanced };
PlacementStrategy placement_strategy(WorkingSet& ws);
// Before assignment: the resource order of a strategy other than default,
// and "Original" capacities (-U). After it: "Remaining" capacities.
void begin_utilization(WorkingSet& ws);
void end_utilization(WorkingSet& ws);
// Negative when `a` has more free capacity than `b`, positive when less.
int compare_node_capacities(WorkingSet& ws, const Node* a, const Node* b);
// Which of two nodes assignment prefers (negative: `a`), given their scores
// for the resource: score, then by strategy free capacity, resources
// assigned so far and the active node, then name (pcmk__sort_nodes).
int compare_nodes(WorkingSet& ws, const Node* a, int score_a, const Node* b, int score_b,
                  const Node* active);
// A resource's allowed nodes as Pacemaker lists its table of them (keyed by
// node id): comparisons of free capacity are not transitive, so a balanced
// sort depends on that order.
std::vector<Node*> allowed_nodes_listed(WorkingSet& ws, const Resource* rsc);
// A primitive assigned to or taken off a node uses or frees its capacity.
void consume_node_capacity(WorkingSet& ws, Node* node, Resource* rsc);
void release_node_capacity(WorkingSet& ws, Node* node, Resource* rsc);
// Bans `rsc` from nodes without room for it and the resources colocated with
// it (or, when no node has room for all, for it alone); returns the node with
// the most free capacity in that second case, null otherwise.
Node* ban_insufficient_capacity(WorkingSet& ws, Resource* rsc);
// load_stopped_NODE pseudo actions ordered after its stops and before its
// starts and migrations (a primitive with utilization, strategy not default).
void create_utilization_constraints(WorkingSet& ws, Resource* rsc);
// Drops load orderings into migrate_to that would close a loop in the graph.
void disable_load_ordering_loops(WorkingSet& ws);
// GLib's g_list_sort (a top-down merge sort taking the left element on ties):
// what Pacemaker's sorts give even when `cmp` (<0, 0, >0) is not a strict
// weak order, as capacity comparisons are not.
template <class T, class Cmp>
void list_sort_run(T* v, T* scratch, size_t n, Cmp& cmp) {
  if (n < 2) return;
  size_t half = n / 2;  // g_list_sort's split
  list_sort_run(v, scratch, half, cmp);
  list_sort_run(v + half, scratch, n - half, cmp);
  std::copy(v, v + half, scratch);
  size_t i = 0, j = half, k = 0;  // k <= j: the merge never overwrites unread elements
  while (i < half && j < n) v[k++] = cmp(scratch[i], v[j]) <= 0 ? scratch[i++] : v[j++];
  while (i < half) v[k++] = scratch[i++];
}
template <class T, class Cmp>
void list_sort(std::vector<T>& v, Cmp cmp) {
  if (v.size() < 2) return;
  std::vector<T> scratch(v.size() / 2);
  list_sort_run(v.data(), scratch.data(), v.size(), cmp);
}
// Whether the graph takes the ordering `input` of `action` (graph.cpp; it may
// turn the ordering off, as Pacemaker does).
bool graph_should_add_input(const Action* action, ActionLink& input);
// Whether a colocation would place `dependent` relative to `primary`, before
// either is assigned (Pacemaker's preview).
bool colocation_affects_location(const Resource* dependent, const Resource* primary,
                                 const Colocation& c);

enum ColocFlags : std::uint32_t {
  kColocSelectActive = 1u << 0,
  kColocSelectNonnegative = 1u << 1,
  kColocSelectThisWith = 1u << 2
};

inline Resource* last_group_member(Resource* g) {
  return g->children.empty() ? nullptr : g->children.back();
}

}  // namespace vigil::pengine
