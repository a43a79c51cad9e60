// SPDX-License-Identifier: GPL-2.0-or-later
// Clones (Pacemaker's clone variant): the settings of a clone and the hooks
// the shared stages call for one. Instances are ordinary resources ("id:N",
// a primitive or a group) under the clone; these functions decide what only
// a clone decides: numbering, which instance a node's history belongs to,
// how instances are spread over nodes, and the clone's own pseudo-actions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vigil/pengine/working_set.hpp"

namespace vigil::pengine {

struct NotifyData;  // clone_notify.cpp

struct CloneData {
  int clone_max = 1, clone_node_max = 1, clone_min = 0;
  bool ordered = false, notify = false;
  // Promotable clones (promotable.cpp): promoted-max, promoted-node-max.
  bool promotable = false;
  int promoted_max = 1, promoted_node_max = 1;
  bool promotion_added = false;        // promotion scores added to the instances' scores
  bool promotion_constrained = false;  // the clone's node weights merged for promotion
  // Nodes (by index) the clone's probing dropped from its allowed nodes as
  // not exclusively discoverable: notifications do not list them available.
  std::vector<char> probe_dropped;
  // Each instance's promotion sort index (Pacemaker's sort_index), while roles are chosen.
  std::unordered_map<const Resource*, int> sort_index;
  // Locations with role=Promoted naming the clone or one of its instances
  // (collect_promoted_locations).
  std::vector<const Location*> promoted_locations;
  int total = 0;  // instances made so far (the next instance number)
  const cib::ResourceConfig* child_config = nullptr;
  // The graph meta every action of the clone or an instance carries.
  std::string max_text, node_max_text, unique_text, notify_text;
  // ...and, for a promotable clone, promoted-max and promoted-node-max.
  std::string promoted_max_text, promoted_node_max_text;
  // Instances assigned per node index while the clone is being assigned.
  std::vector<int> count;
  // Notifications of the clone's start and stop (notify=true).
  std::shared_ptr<NotifyData> start_notify, stop_notify, promote_notify, demote_notify;
  // clone_action_flags' results per clone action and node (slot 0: no
  // node), each valid while the clone's actions_epoch is unchanged.
  struct FlagsMemo {
    std::uint64_t epoch = ~std::uint64_t{0};
    std::uint32_t flags = 0;
  };
  std::unordered_map<const Action*, std::vector<FlagsMemo>> flags_memo;
};

inline bool is_anonymous_clone(const Resource* rsc) {
  return rsc && rsc->is_clone() && !rsc->is(kRscUnique);
}
// The clone above `rsc` (itself included), if any.
Resource* parent_clone(Resource* rsc);
const Resource* parent_clone(const Resource* rsc);
// A resource's name without the ":N" instance suffix.
std::string clone_strip(const std::string& id);

// Unpacking (clone_unpack.cpp).
// What Pacemaker refuses in a clone's configuration, or what this version
// does not do yet (promotable clones, notifications): a clear error.
Status check_clone_config(const WorkingSet& ws, const cib::ResourceConfig& rc);
// The clone's settings and its clone-max instances (unpack_tree calls it).
void unpack_clone_instances(WorkingSet& ws, Resource* clone);
// The resource a node's history entry `id` belongs to: itself, or for an
// anonymous clone the instance active there, a free one, or a new orphan.
Resource* find_history_resource(WorkingSet& ws, Node* node, const std::string& id);
// The resources a history entry `id` names: the one with that id and
// clone instances whose history uses that name, newest first (Pacemaker's
// pcmk__rscs_matching_id).
std::vector<Resource*> resources_named_by_history(const WorkingSet& ws, const std::string& id);
// The top resource (a clone) one of whose instances' history is recorded
// under `id`, for a constraint naming an anonymous clone's primitive
// (Pacemaker's lookup with pe_find_renamed); null when none.
Resource* clone_named_by_history(const WorkingSet& ws, const std::string& id);
// Builds a resource tree from its configuration (unpack.cpp); `incarnation`
// makes a clone instance ("id:N").
Resource* unpack_tree(WorkingSet& ws, const cib::ResourceConfig* rc, Resource* parent,
                      const std::string& incarnation);

// Assignment (clone_assign.cpp).
Node* clone_assign(WorkingSet& ws, Resource* clone, Node* prefer);
// Places `instances` (sorted here) of `parent`, whose CloneData gives the
// limits: a clone's instances, or a bundle's containers.
void assign_instances(WorkingSet& ws, Resource* parent, std::vector<Resource*>& instances);
// A colocation whose primary is a clone, for a primitive dependent.
void clone_apply_coloc_score(WorkingSet& ws, Resource* dependent, Resource* primary,
                             const Colocation& c);
// A mandatory colocation `c` with a collective's instances: `dependent`
// banned (-INFINITY) from every node not marked in `allowed` (by node index).
void ban_outside_instances(WorkingSet& ws, Resource* dependent, const std::vector<char>& allowed,
                           const Colocation& c);
// The instance of `primary` on the node `dependent` is on (assigned, or
// active with `current`), or would best be on (Pacemaker's find_compatible_child).
Resource* find_compatible_instance(WorkingSet& ws, Resource* dependent, const Resource* primary,
                                   Role filter, bool current);
// Pacemaker's pcmk__cmp_instance: <0 when instance `a` is to be assigned
// first. One object serves one sort: it keeps each instance's colocated
// score on its current node, which a sort's comparisons ask for again and again.
class InstanceComparer {
 public:
  explicit InstanceComparer(WorkingSet& ws) : ws_(ws) {}
  int operator()(Resource* a, Resource* b);

 private:
  int colocated_score(Resource* inst);
  WorkingSet& ws_;
  std::unordered_map<const Resource*, int> known_;
};
// Instances sorted as Pacemaker's pcmk__cmp_instance_number does.
void sort_instances_by_number(Resource* clone);

// Orderings after a clone (clone_actions.cpp): how many instances of
// `first` must be runnable for "then" (clone-min, or 1 for a deprecated
// require-all=false), 0 for the ordinary ordering.
int clone_min_first_instances(const Resource& first, const std::string& require_all);
// "then" once `min` instances of the clone have done `first_task`.
void order_after_clone_min(WorkingSet& ws, const std::string& id, Resource* first,
                           const std::string& first_task, Resource* then,
                           const std::string& then_task, std::uint32_t flags, int min);

// Actions (clone_actions.cpp).
// One step up (start, promote) and down (stop, demote) of an instance:
// between the clone's `task` and `done` pseudo-actions, with these flags,
// and after (up) or before (down) the instance `last` of an ordered clone.
struct CloneStep {
  const char* task;
  const char* done;
  std::uint32_t before, after;
};
void order_instance_steps(WorkingSet& ws, Resource* clone, Resource* inst, Resource* last,
                          const CloneStep& up, const CloneStep& down);
void clone_internal_constraints(WorkingSet& ws, Resource* clone);
void clone_create_actions(WorkingSet& ws, Resource* clone);
// The start/running/stop/stopped pseudo-actions of a clone or a bundle,
// from its instances' (made first when `create`); notifications with
// `notify`'s settings, if any.
void collective_pseudo_actions(WorkingSet& ws, Resource* rsc,
                               const std::vector<Resource*>& instances, bool create,
                               CloneData* notify);
std::uint32_t clone_action_flags(Action* action, const Node* node);
// A clone-level action's flags from those of `instances`.
std::uint32_t summary_action_flags(Action* action, const std::vector<Resource*>& instances,
                                   const Node* node);
// What a clone's or bundle's actions stand for: its instances, or a
// bundle's containers.
std::vector<Resource*> collective_instances(const Resource* rsc);
std::uint32_t clone_update_ordered_actions(WorkingSet& ws, Action* first, Action* then,
                                           const Node* node, std::uint32_t flags,
                                           std::uint32_t filter, std::uint32_t type);
// Probes of a clone on a node: one instance for an anonymous clone.
Resource* anonymous_probe_instance(Resource* clone, const Node* node);

// Notifications (clone_notify.cpp): the pre-/post- pseudo-actions around
// `action` and `complete` of the clone (null unless notify=true); the
// notify actions and variables, made when the graph is built; and the
// notifications of a stop implied by fencing.
std::shared_ptr<NotifyData> clone_notify_pseudo_ops(WorkingSet& ws, Resource* clone,
                                                    const std::string& task, Action* action,
                                                    Action* complete);
void order_notify_after_stop_notify(WorkingSet& ws, const NotifyData& stop,
                                    const NotifyData& start);
void clone_create_notifications(WorkingSet& ws, Resource* clone, NotifyData* n);
// The orderings between a promotable clone's four notifications.
void order_promotion_notifications(WorkingSet& ws, const CloneData& cd);
void clone_notify_after_fencing(WorkingSet& ws, Action* stop, Resource* rsc, Action* stonith);
// What a clone adds to the graph before its instances' actions (graph.cpp).
void clone_expand(WorkingSet& ws, Resource* clone);

// Output (clone_output.cpp).
void clone_status_lines(const WorkingSet& ws, const Resource* clone, const std::string& indent,
                        std::string& out, bool show_pending, bool details = false);
// The key of an action of an instance known by its history's name (for
// the dot file, `for_dot`: a cancel is named by what it cancels).
std::string clone_action_key(const Action* a, bool for_dot);
// The graph's ids of a resource: "id" (and "long-id" for an instance).
void append_graph_rsc_ids(std::string& out, const Resource* rsc);
// The clone meta an action of a clone or an instance carries in the graph
// (CRM_meta_clone, CRM_meta_clone_max ...): added to `attrs`.
void add_clone_graph_meta(const Resource* rsc,
                          std::vector<std::pair<std::string_view, const std::string*>>& attrs);
// The id a history entry, the graph and the status use for an instance of an
// anonymous clone: its configured id.
const std::string& printable_id(const Resource* rsc);

}  // namespace vigil::pengine
