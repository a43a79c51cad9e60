// SPDX-License-Identifier: GPL-2.0-or-later
// A clone's actions: the pseudo-actions that stand for all its instances
// (start/running, stop/stopped), the orderings between them and the
// instances (one instance after the other for ordered clones), what a
// clone-level action's flags are (those of its instances), orderings
// between clones instance by instance (interleave) and probes of anonymous
// clones (one instance per node). Pacemaker's pcmk_sched_clone.c and the
// clone half of pcmk_sched_bundle.c.
#include <strings.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include "bundle.hpp"
#include "internal.hpp"
#include "promotable.hpp"

namespace vigil::pengine {

namespace {

bool ends_with(const std::string& s, const char* suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// Whether an instance (any member of it) stops, starts or is active now.
void pseudo_status(const Resource* rsc, bool* stopping, bool* starting, bool* active) {
  if (!rsc->children.empty()) {
    for (const Resource* c : rsc->children) pseudo_status(c, stopping, starting, active);
    return;
  }
  if (!rsc->running_on.empty()) *active = true;
  for (const Action* a : rsc->actions) {
    if (*starting && *stopping) return;
    if (a->is(kActOptional)) continue;
    if (!a->is(kActPseudo) && !a->is(kActRunnable)) continue;
    if (a->task == "stop") {
      *stopping = true;
    } else if (a->task == "start" && a->is(kActRunnable)) {
      *starting = true;
    }
  }
}

// The one mandatory action of `task` of a resource, null when none or
// several.
Action* single_required_action(const Resource* rsc, const std::string& task) {
  Action* match = nullptr;
  for (Action* a : rsc_actions(rsc, nullptr, task, false)) {
    if (a->is(kActOptional)) continue;
    if (match) return nullptr;
    match = a;
  }
  return match;
}

// The task an instance carries out for a clone-level action: a primitive
// instance starts for "running", a group instance has its own "running";
// a notification is about the action its key names.
std::string instance_task(const Resource* clone, const Action* action) {
  std::string task = action->task;
  if (task == "notify" || task == "notified") {
    // "<clone>_<type>_notify_<task>_0"
    const std::string& key = action->uuid;
    auto last = key.rfind('_');
    auto before =
        last == std::string::npos || last == 0 ? std::string::npos : key.rfind('_', last - 1);
    if (before != std::string::npos) task = key.substr(before + 1, last - before - 1);
  }
  if (clone->children.empty()) return task;
  const Resource* child = clone->children.front();
  if (!child->is_primitive()) return task;
  if (task == "running") return "start";
  if (task == "stopped") return "stop";
  if (task == "promoted") return "promote";
  if (task == "demoted") return "demote";
  return task;
}

// Pacemaker's pcmk__assign_resource(rsc, NULL, true): no node for the
// resource (each member of a group); whether any had one.
bool unassign_forced(WorkingSet& ws, Resource* rsc) {
  if (!rsc->children.empty()) {
    bool changed = false;
    for (Resource* c : rsc->children) changed = unassign_forced(ws, c) || changed;
    return changed;
  }
  bool changed = rsc->allocated_to != nullptr;
  if (rsc->allocated_to) {
    rsc->allocated_to->num_resources--;
    release_node_capacity(ws, rsc->allocated_to, rsc);
    rsc->allocated_to = nullptr;
  }
  Role keep = rsc->role;
  finalize_assignment(ws, rsc, nullptr, true);
  if (!rsc->is(kRscManaged)) rsc->next_role = keep;
  return changed;
}

bool is_collective(const Resource* rsc) {
  return rsc->is_clone() || is_bundle(rsc);
}

bool can_interleave(const Action* first, const Action* then) {
  if (!first->rsc || !then->rsc || first->rsc == then->rsc) return false;
  if (!is_collective(first->rsc) || !is_collective(then->rsc)) return false;
  const Resource* rsc = (ends_with(then->uuid, "_stop_0") || ends_with(then->uuid, "_demote_0"))
                            ? first->rsc
                            : then->rsc;
  return is_true(lookup(rsc->meta, "interleave"));
}

std::uint32_t interleave_update(WorkingSet& ws, Action* first, Action* then, const Node* node,
                                std::uint32_t filter, std::uint32_t type) {
  std::uint32_t changed = 0;
  bool current = ends_with(first->uuid, "_stopped_0") || ends_with(first->uuid, "_demoted_0");
  std::string first_task = instance_task(first->rsc, first);
  for (Resource* then_child : collective_instances(then->rsc)) {
    Resource* first_child =
        find_compatible_instance(ws, then_child, first->rsc, Role::kUnknown, current);
    if (!first_child) {
      if (current) continue;
      // Nothing of `first` is (or will be) beside this instance: it may not
      // become active.
      if (type & (kOrderRunnableLeft | kOrderImpliesThen)) {
        if (unassign_forced(ws, then_child)) changed |= kUpdatedThen;
      }
      continue;
    }
    // In a bundle, a stop is the instance's inside the container and a
    // promotion or demotion the instance's (bundle_actions.cpp).
    Action* first_action =
        find_first_action(first->task.find("stop") != std::string::npos
                              ? bundle_replica_instance(first->rsc, first_child, node, first_child)
                              : first_child,
                          nullptr, &first_task, node);
    Action* then_action =
        find_first_action(then->task.find("mote") != std::string::npos
                              ? bundle_replica_instance(then->rsc, then_child, node, then_child)
                              : then_child,
                          nullptr, &then->task, node);
    if (!first_action || !then_action) continue;
    if (order_actions(ws, first_action, then_action, type)) changed |= kUpdatedFirst | kUpdatedThen;
    changed |= update_ordered_actions(ws, first_action, then_action, node,
                                      action_flags(first_action, node), filter, type);
  }
  return changed;
}

}  // namespace

void order_instance_starts_and_stops(WorkingSet& ws, Resource* clone);

void order_instance_steps(WorkingSet& ws, Resource* clone, Resource* inst, Resource* last,
                          const CloneStep& up, const CloneStep& down) {
  bool ordered = clone->clone->ordered && last;
  order_rsc_actions(ws, clone, up.task, inst, up.task, up.before);
  order_rsc_actions(ws, inst, up.task, clone, up.done, up.after);
  if (ordered) order_rsc_actions(ws, last, up.task, inst, up.task, kOrderOptional);
  order_rsc_actions(ws, clone, down.task, inst, down.task, down.before);
  order_rsc_actions(ws, inst, down.task, clone, down.done, down.after);
  if (ordered) order_rsc_actions(ws, inst, down.task, last, down.task, kOrderOptional);
}

void clone_internal_constraints(WorkingSet& ws, Resource* clone) {
  order_rsc_actions(ws, clone, "stopped", clone, "start", kOrderOptional);
  order_rsc_actions(ws, clone, "start", clone, "running", kOrderRunnableLeft);
  order_rsc_actions(ws, clone, "stop", clone, "stopped", kOrderRunnableLeft);
  if (clone->clone->promotable) order_promotable_clone(ws, clone);  // promotable_actions.cpp
  if (clone->clone->ordered) sort_instances_by_number(clone);
  Resource* last = nullptr;
  for (Resource* inst : clone->children) {
    internal_constraints(ws, inst);
    order_instance_steps(ws, clone, inst, last,
                         {"start", "running", kOrderRunnableLeft | kOrderImpliesFirstPrinted,
                          kOrderImpliesThenPrinted},
                         {"stop", "stopped", kOrderImpliesFirstPrinted, kOrderImpliesThenPrinted});
    last = inst;
  }
  if (clone->clone->promotable) order_promotable_instances(ws, clone);
}

void collective_pseudo_actions(WorkingSet& ws, Resource* rsc,
                               const std::vector<Resource*>& instances, bool create,
                               CloneData* notify) {
  bool any_active = false, any_starting = false, any_stopping = false;
  bool allow_dependent_migrations = true;
  for (Resource* inst : instances) {
    bool starting = false, stopping = false;
    if (create) create_actions(ws, inst);
    pseudo_status(inst, &stopping, &starting, &any_active);
    if (stopping && starting) allow_dependent_migrations = false;
    any_stopping = any_stopping || stopping;
    any_starting = any_starting || starting;
  }
  Action* start = rsc_pseudo_action(ws, rsc, "start", !any_starting, true);
  Action* running = rsc_pseudo_action(ws, rsc, "running", !any_starting, false);
  running->priority = kInfinity;
  if (any_active || any_starting) running->set(kActRunnable);
  if (notify && !notify->start_notify)
    notify->start_notify = clone_notify_pseudo_ops(ws, rsc, "start", start, running);
  Action* stop = rsc_pseudo_action(ws, rsc, "stop", !any_stopping, true);
  Action* stopped = rsc_pseudo_action(ws, rsc, "stopped", !any_stopping, true);
  stopped->priority = kInfinity;
  if (allow_dependent_migrations) stop->set(kActMigrateRunnable);
  if (notify && !notify->stop_notify) {
    notify->stop_notify = clone_notify_pseudo_ops(ws, rsc, "stop", stop, stopped);
    if (notify->start_notify && notify->stop_notify)
      order_notify_after_stop_notify(ws, *notify->stop_notify, *notify->start_notify);
  }
}

void clone_create_actions(WorkingSet& ws, Resource* clone) {
  collective_pseudo_actions(ws, clone, clone->children, true, clone->clone.get());
  if (clone->clone->ordered) order_instance_starts_and_stops(ws, clone);
  if (clone->clone->promotable) create_promotable_actions(ws, clone);  // promotable_actions.cpp
}

// Ordered clones: each instance starts after the one before it and stops
// before it (Pacemaker's child_ordering_constraints).
void order_instance_starts_and_stops(WorkingSet& ws, Resource* clone) {
  sort_instances_by_number(clone);
  Action* last_stop = nullptr;
  Action* last_start = nullptr;
  for (Resource* inst : clone->children) {
    if (Action* s = single_required_action(inst, "stop")) {
      if (last_stop) order_actions(ws, s, last_stop, kOrderOptional);
      last_stop = s;
    }
    if (Action* s = single_required_action(inst, "start")) {
      if (last_start) order_actions(ws, last_start, s, kOrderOptional);
      last_start = s;
    }
  }
}

std::uint32_t summary_action_flags(Action* action, const std::vector<Resource*>& instances,
                                   const Node* node) {
  std::string task = instance_task(action->rsc, action);
  std::uint32_t flags = kActOptional | kActRunnable | kActPseudo;
  bool any_runnable = false;
  for (Resource* inst : instances) {
    Action* ia = find_first_action(inst, nullptr, &task, inst->children.empty() ? node : nullptr);
    if (!ia) continue;
    std::uint32_t f = action_flags(ia, node);
    if ((flags & kActOptional) && !(f & kActOptional)) {
      flags &= ~kActOptional;
      action->clear(kActOptional);
    }
    if (f & kActRunnable) any_runnable = true;
  }
  if (!any_runnable) {
    flags &= ~kActRunnable;
    if (!node) action->clear(kActRunnable);
  }
  return flags;
}

std::uint32_t clone_action_flags(Action* action, const Node* node) {
  // Orderings ask for a clone action's flags once per link and node, and
  // summing them walks every instance: the sum is kept until an action of
  // the clone or under it changes. Replaying a memo needs no side effects:
  // those the sum had (clearing the clone action's own flags) changed the
  // epoch before it was recorded, and any later change invalidates it.
  Resource* top = action->rsc->top();
  auto& slots = action->rsc->clone->flags_memo[action];
  size_t slot = node ? static_cast<size_t>(node->index) + 1 : 0;
  if (slot >= slots.size()) slots.resize(slot + 1);
  CloneData::FlagsMemo& memo = slots[slot];
  if (memo.epoch == top->actions_epoch) return memo.flags;
  std::uint32_t flags = summary_action_flags(action, action->rsc->children, node);
  // `slots` may have been reallocated meanwhile (a nested call).
  CloneData::FlagsMemo& fresh = action->rsc->clone->flags_memo[action][slot];
  fresh.epoch = top->actions_epoch;
  fresh.flags = flags;
  return flags;
}

std::uint32_t clone_update_ordered_actions(WorkingSet& ws, Action* first, Action* then,
                                           const Node* node, std::uint32_t flags,
                                           std::uint32_t filter, std::uint32_t type) {
  if (can_interleave(first, then)) return interleave_update(ws, first, then, node, filter, type);
  std::uint32_t changed =
      primitive_update_ordered_actions(ws, first, then, node, flags, filter, type);
  // A type no rule reacts to changes no instance: only a group instance's
  // summary of its members (action_flags) is still refreshed on the way.
  bool inert = !(type & kOrderTypesThatUpdate);
  // Instances are all made from the clone's one child: primitives or groups.
  const auto instances = collective_instances(then->rsc);  // a bundle's: its containers
  if (inert && (instances.empty() || instances.front()->is_primitive())) return changed;
  for (Resource* inst : instances) {
    Action* ia = find_first_action(inst, nullptr, &then->task, node);
    if (!ia) continue;
    std::uint32_t inst_changed = 0;
    if (action_flags(ia, node) & kActRunnable) {
      inst_changed = update_ordered_actions(ws, first, ia, node, flags, filter, type);
    }
    changed |= inst_changed;
    if (inst_changed & kUpdatedThen) {
      for (ActionLink* l : ia->after) update_action_for_orderings(ws, l->action);
    }
  }
  return changed;
}

std::vector<Resource*> collective_instances(const Resource* rsc) {
  return is_bundle(rsc) ? bundle_containers(rsc) : rsc->children;
}

int clone_min_first_instances(const Resource& first, const std::string& require_all) {
  if (!first.is_clone()) return 0;
  if (auto v = lookup(first.meta, "clone-min")) {
    long n = std::strtol(v->c_str(), nullptr, 10);
    return static_cast<int>(std::clamp(n, 0L, static_cast<long>(kInfinity)));
  }
  if (!require_all.empty() && !is_true(require_all)) return 1;
  return 0;
}

void order_after_clone_min(WorkingSet& ws, const std::string& id, Resource* first,
                           const std::string& first_task, Resource* then,
                           const std::string& then_task, std::uint32_t flags, int min) {
  Action* met = pseudo_op(ws, "clone-one-or-more:" + id);
  met->required_runnable_before = min;
  met->set(kActRequiresAny);
  for (Resource* inst : first->children) {
    new_ordering(ws, inst, op_key(inst->id, first_task, 0), nullptr, nullptr, "", met,
                 kOrderOneOrMore | kOrderImpliesThenPrinted);
  }
  new_ordering(ws, nullptr, "", met, then, op_key(then->id, then_task, 0), nullptr,
               flags | kOrderRunnableLeft);
}

void clone_expand(WorkingSet& ws, Resource* clone) {
  // The clone's actions take their flags from the instances' first.
  for (Action* a : std::vector<Action*>(clone->actions.rbegin(), clone->actions.rend()))
    clone_action_flags(a, nullptr);
  CloneData& cd = *clone->clone;
  clone_create_notifications(ws, clone, cd.start_notify.get());
  clone_create_notifications(ws, clone, cd.stop_notify.get());
  clone_create_notifications(ws, clone, cd.promote_notify.get());
  clone_create_notifications(ws, clone, cd.demote_notify.get());
}

namespace {

bool known_on(const Resource* r, const Node* node) {
  if (r->children.empty()) return r->known_on[node->index] != 0;
  for (const Resource* c : r->children) {
    if (known_on(c, node)) return true;
  }
  return false;
}

}  // namespace

Resource* anonymous_probe_instance(Resource* clone, const Node* node) {
  // Its state is known on the node's clone entry only when an instance's is.
  if (clone->known_on[node->index]) {
    for (Resource* inst : clone->children) {
      if (known_on(inst, node)) return inst;
    }
  }
  for (Resource* inst : clone->children) {
    if (rsc_location(inst, false) == node) return inst;
  }
  return clone->children.empty() ? nullptr : clone->children.front();
}

}  // namespace vigil::pengine
