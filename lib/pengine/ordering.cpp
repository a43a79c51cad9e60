// SPDX-License-Identifier: GPL-2.0-or-later
// Resolving orderings to action links and propagating "optional" and
// "runnable" along them until nothing changes; fencing and shutdown.
#include <strings.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <span>
#include <unordered_map>

#include "bundle.hpp"
#include "internal.hpp"

namespace vigil::pengine {

void pe_fence_node(WorkingSet& ws, Node* node, const std::string& reason, bool priority_delay);
bool can_fence(const WorkingSet& ws, const Node* node);

namespace {

std::string action_reason_text(const Action* a, std::uint32_t flag) {
  std::string change = (flag == kActOptional) ? "required" : "unrunnable";
  return change + (a->rsc ? " " + a->rsc->id : "") + " " + a->task;
}

void clear_flag_because(Action* action, std::uint32_t flag, const Action* reason) {
  if (!action->is(flag)) return;
  action->clear(flag);
  if (action->rsc != reason->rsc) {
    set_reason(action, action_reason_text(reason, flag), flag == kActMigrateRunnable);
  }
}

Node* rsc_location(Resource* rsc) {
  // Where a group "is": its first member's assignment.
  if (rsc->is_group()) {
    return rsc->children.empty() ? nullptr : rsc_location(rsc->children.front());
  }
  if (rsc->allocated_to) return rsc->allocated_to;
  return nullptr;
}

Role rsc_state(const Resource* rsc) {
  if (rsc->is_group()) {
    Role r = Role::kStopped;
    for (const Resource* c : rsc->children) r = std::max(r, rsc_state(c));
    return r;
  }
  return rsc->role;
}

std::uint32_t action_flags_for_ordering(Action* action, const Node* node) {
  if (!action->rsc) return action->flags;
  std::uint32_t flags = action_flags(action, nullptr);
  if (!node || !action->rsc->is_clone()) return flags;
  // A clone's action on a node: runnable anywhere is what an ordering needs.
  bool runnable = (flags & kActRunnable) != 0;
  flags = action_flags(action, node);
  if (runnable) flags |= kActRunnable;
  return flags;
}

std::string remap_uuid(const std::string& uuid, Resource* first_rsc) {
  if (uuid.find("notify") != std::string::npos || first_rsc->is_primitive()) return uuid;
  std::string rid, task;
  std::int64_t interval = 0;
  if (!parse_op_key(uuid, &rid, &task, &interval) || interval > 0) return uuid;
  std::string remapped;
  if (task == "stop")
    remapped = "stopped";
  else if (task == "start")
    remapped = "running";
  else if (task == "promote")
    remapped = "promoted";
  else if (task == "demote")
    remapped = "demoted";
  else if (task == "stopped" || task == "running" || task == "promoted" || task == "demoted")
    remapped = task;
  if (remapped.empty()) return uuid;
  // A clone with notifications (outermost or in a bundle): once they are
  // all confirmed.
  if ((!first_rsc->parent || (first_rsc->is_clone() && is_bundle(first_rsc->parent))) &&
      is_true(lookup(first_rsc->meta, "notify")))
    return rid + "_confirmed-post_notify_" + remapped + "_0";
  return op_key(rid, remapped, 0);
}

Action* action_for_ordering(Action* action) {
  Resource* rsc = action->rsc;
  if (rsc && !rsc->is_primitive()) {
    std::string uuid = remap_uuid(action->uuid, rsc);
    Action* result = find_first_action(rsc, &uuid, nullptr, nullptr);
    if (result) return result;
  }
  return action;
}

void handle_asymmetric_ordering(Action* first, Action* then) {
  if (!then->rsc) return;
  Role then_role = rsc_state(then->rsc);
  if (then_role == Role::kStopped && then->task == "stop") return;
  if (then_role >= Role::kStarted && then->is(kActOptional) && then->node &&
      then->rsc->running_on.size() == 1 && then->node == then->rsc->running_on.front() &&
      then->task == "start") {
    return;
  }
  if (!first->is(kActRunnable)) {
    clear_flag_because(then, kActOptional, first);
    clear_flag_because(then, kActRunnable, first);
  }
}

void handle_restart_ordering(Action* first, Action* then, std::uint32_t filter) {
  bool do_it = false;
  if ((filter & kActOptional) && !then->is(kActOptional)) do_it = true;
  if ((filter & kActRunnable) && !then->is(kActRunnable) && then->rsc->is(kRscManaged) &&
      first->rsc == then->rsc) {
    do_it = true;
  }
  if (!do_it) return;
  if (first->is(kActRunnable)) clear_flag_because(first, kActOptional, then);
  if (!then->is(kActOptional)) clear_flag_because(first, kActOptional, then);
  if (!then->is(kActMigrateRunnable)) clear_flag_because(first, kActMigrateRunnable, then);
  if (!first->is(kActOptional) && !first->is(kActRunnable))
    clear_flag_because(then, kActRunnable, first);
}

}  // namespace

std::uint32_t primitive_update_ordered_actions(WorkingSet& ws, Action* first, Action* then,
                                               const Node* node, std::uint32_t flags,
                                               std::uint32_t filter, std::uint32_t type) {
  (void)node;
  std::uint32_t changed = 0;
  std::uint32_t then_flags = then->flags, first_flags = first->flags;
  if (type & kOrderAsymmetrical) handle_asymmetric_ordering(first, then);
  if ((type & kOrderImpliesFirst) && !(then_flags & kActOptional)) {
    if ((filter & kActOptional) && !(flags & kActOptional) && (first_flags & kActOptional)) {
      clear_flag_because(first, kActOptional, then);
    }
    if ((flags & kActMigrateRunnable) && !then->is(kActMigrateRunnable)) {
      clear_flag_because(first, kActMigrateRunnable, then);
    }
  }
  if ((type & kOrderPromotedImpliesFirst) && then->rsc && then->rsc->role == Role::kPromoted &&
      (filter & kActOptional) && !then->is(kActOptional)) {
    clear_flag_because(first, kActOptional, then);
    if (first->is(kActMigrateRunnable) && !then->is(kActMigrateRunnable)) {
      clear_flag_because(first, kActMigrateRunnable, then);
    }
  }
  if ((type & kOrderImpliesFirstMigratable) && (filter & kActOptional)) {
    if (!(then->is(kActMigrateRunnable) && then->is(kActRunnable))) {
      clear_flag_because(first, kActRunnable, then);
    }
    if (!then->is(kActOptional)) clear_flag_because(first, kActOptional, then);
  }
  if ((type & kOrderPseudoLeft) && (filter & kActOptional) && !first->is(kActRunnable)) {
    clear_flag_because(then, kActMigrateRunnable, first);
    then->clear(kActPseudo);
  }
  if ((type & kOrderRunnableLeft) && (filter & kActRunnable) && then->is(kActRunnable) &&
      !(flags & kActRunnable)) {
    clear_flag_because(then, kActRunnable, first);
    clear_flag_because(then, kActMigrateRunnable, first);
  }
  if ((type & kOrderImpliesThen) && (filter & kActOptional) && then->is(kActOptional) &&
      !(flags & kActOptional) && !first->is(kActMigrateRunnable)) {
    clear_flag_because(then, kActOptional, first);
  }
  if (type & kOrderRestart) handle_restart_ordering(first, then, filter);
  if (then_flags != then->flags) {
    changed |= kUpdatedThen;
    if (then->rsc && then->rsc->parent) update_action_for_orderings(ws, then);
  }
  if (first_flags != first->flags) changed |= kUpdatedFirst;
  return changed;
}

namespace {

std::uint32_t update_for_ordering_flags(WorkingSet& ws, Action* first, Action* then,
                                        std::uint32_t first_flags, std::uint32_t then_flags,
                                        ActionLink& order) {
  std::uint32_t changed = 0;
  Node* node = then->node;
  if (order.type & kOrderImpliesThenOnNode) {
    order.type &= ~kOrderImpliesThenOnNode;
    order.type |= kOrderImpliesThen;
    node = first->node;
  }
  auto upd = [&](std::uint32_t flags, std::uint32_t filter, std::uint32_t type) {
    return update_ordered_actions(ws, first, then, node, flags, filter, type);
  };
  if (order.type & kOrderImpliesThen) {
    if (then->rsc) {
      changed |= upd(first_flags & kActOptional, kActOptional, kOrderImpliesThen);
    } else if (!(first_flags & kActOptional) && then->is(kActOptional)) {
      then->clear(kActOptional);
      changed |= kUpdatedThen;
    }
  }
  if ((order.type & kOrderRestart) && then->rsc) {
    changed |= upd(first_flags, kActOptional | kActRunnable, kOrderRestart);
  }
  if (order.type & kOrderImpliesFirst) {
    if (first->rsc) {  // through first's variant (Pacemaker's first->rsc->cmds)
      changed |= update_ordered_actions_as(ws, first->rsc, first, then, node, first_flags,
                                           kActOptional, kOrderImpliesFirst);
    } else if (!(first_flags & kActOptional) && first->is(kActRunnable)) {
      first->clear(kActRunnable);
      changed |= kUpdatedFirst;
    }
  }
  if (order.type & kOrderPromotedImpliesFirst) {
    if (then->rsc)
      changed |= upd(first_flags & kActOptional, kActOptional, kOrderPromotedImpliesFirst);
  }
  if (order.type & kOrderOneOrMore) {
    if (then->rsc) {
      changed |= upd(first_flags, kActRunnable, kOrderOneOrMore);
    } else if (first_flags & kActRunnable) {
      then->runnable_before++;
      if (then->runnable_before >= then->required_runnable_before && !then->is(kActRunnable)) {
        then->set(kActRunnable);
        changed |= kUpdatedThen;
      }
    }
  }
  if ((order.type & kOrderProbe) && then->rsc) {
    if (!(first_flags & kActRunnable) && !first->rsc->running_on.empty()) {
      order.type = kOrderNone;
    } else {
      changed |= upd(first_flags, kActRunnable, kOrderRunnableLeft);
    }
  }
  if (order.type & kOrderRunnableLeft) {
    if (then->rsc) {
      changed |= upd(first_flags, kActRunnable, kOrderRunnableLeft);
    } else if (!(first_flags & kActRunnable) && then->is(kActRunnable)) {
      then->clear(kActRunnable);
      changed |= kUpdatedThen;
    }
  }
  if ((order.type & kOrderImpliesFirstMigratable) && then->rsc) {
    changed |= upd(first_flags, kActOptional, kOrderImpliesFirstMigratable);
  }
  if ((order.type & kOrderPseudoLeft) && then->rsc) {
    changed |= upd(first_flags, kActOptional, kOrderPseudoLeft);
  }
  if ((order.type & kOrderOptional) && then->rsc) {
    changed |= upd(first_flags, kActRunnable, kOrderOptional);
  }
  if ((order.type & kOrderAsymmetrical) && then->rsc) {
    changed |= upd(first_flags, kActRunnable, kOrderAsymmetrical);
  }
  if (first->is(kActRunnable) && (order.type & kOrderImpliesThenPrinted) &&
      !(first_flags & kActOptional)) {
    then->set(kActPrintAlways);
  }
  if ((order.type & kOrderImpliesFirstPrinted) && !(then_flags & kActOptional)) {
    first->set(kActPrintAlways);
  }
  if ((order.type & (kOrderImpliesThen | kOrderImpliesFirst | kOrderRestart)) && first->rsc &&
      !first->rsc->is(kRscManaged) && first->rsc->is(kRscBlock) && !first->is(kActRunnable) &&
      first->task == "stop") {
    if (then->is(kActRunnable)) {
      then->clear(kActRunnable);
      changed |= kUpdatedThen;
    }
  }
  return changed;
}

}  // namespace

std::uint32_t action_flags(Action* action, const Node* node) {
  Resource* rsc = action->rsc;
  if (rsc && rsc->is_clone()) return clone_action_flags(action, node);  // clone_actions.cpp
  if (is_bundle(rsc)) return bundle_action_flags(action, node);         // bundle_actions.cpp
  if (!rsc || !rsc->is_group()) return action->flags;
  std::uint32_t flags = kActOptional | kActRunnable | kActPseudo;
  for (Resource* m : rsc->children) {
    // Group "running"/"stopped" map to members' start/stop.
    std::string task = action->task;
    if (task == "stopped")
      task = "stop";
    else if (task == "running")
      task = "start";
    else if (task == "demoted")
      task = "demote";
    else if (task == "promoted")
      task = "promote";
    Action* ma = find_first_action(m, nullptr, &task, node);
    if (ma) {
      std::uint32_t mf = action_flags(ma, node);
      if ((flags & kActOptional) && !(mf & kActOptional)) {
        flags &= ~kActOptional;
        action->clear(kActOptional);
      }
      if (task != action->task && (flags & kActRunnable) && !(mf & kActRunnable)) {
        flags &= ~kActRunnable;
        action->clear(kActRunnable);
      }
    } else if (task != "stop" && task != "demote") {
      flags &= ~kActRunnable;
    }
  }
  return flags;
}

std::uint32_t update_ordered_actions_as(WorkingSet& ws, const Resource* variant, Action* first,
                                        Action* then, const Node* node, std::uint32_t flags,
                                        std::uint32_t filter, std::uint32_t type) {
  // The variant's method, but on `then` and its children, as Pacemaker's
  // methods do whichever resource they were called through.
  if (variant && (variant->is_clone() || is_bundle(variant))) {  // clone_actions.cpp
    if (!then->rsc) return 0;
    return clone_update_ordered_actions(ws, first, then, node, flags, filter, type);
  }
  if (variant && variant->is_group()) {
    std::uint32_t changed =
        primitive_update_ordered_actions(ws, first, then, node, flags, filter, type);
    if (!then->rsc || !(type & kOrderTypesThatUpdate)) return changed;  // no member changes
    for (Resource* m : then->rsc->children) {
      Action* ma = find_first_action(m, nullptr, &then->task, node);
      if (ma) changed |= update_ordered_actions(ws, first, ma, node, flags, filter, type);
    }
    return changed;
  }
  return primitive_update_ordered_actions(ws, first, then, node, flags, filter, type);
}

std::uint32_t update_ordered_actions(WorkingSet& ws, Action* first, Action* then, const Node* node,
                                     std::uint32_t flags, std::uint32_t filter,
                                     std::uint32_t type) {
  return update_ordered_actions_as(ws, then->rsc, first, then, node, flags, filter, type);
}

void update_action_for_orderings(WorkingSet& ws, Action* then) {
  std::uint32_t changed = 0;
  std::uint32_t last_flags = then->flags;
  if (then->is(kActRequiresAny)) {
    then->runnable_before = 0;
    if (then->required_runnable_before == 0) then->required_runnable_before = 1;
    then->clear(kActRunnable);
  }
  // Links prepended meanwhile are not visited, as in Pacemaker.
  for (ActionLink* link : then->before) {
    // A long list (a clone's stop after every probe of its dependents) is
    // bound by loading each first action: ask for the next ones early.
    if (const ActionLink* ahead = link->next) {
      __builtin_prefetch(ahead->action);
      if (ahead->next) __builtin_prefetch(ahead->next->action);
    }
    ActionLink& other = *link;
    Action* first = other.action;
    Node* then_node = then->node;
    Node* first_node = first->node;
    if (first->rsc && first->rsc->is_group() && first->task == "start")
      first_node = rsc_location(first->rsc);
    if (then->rsc && then->rsc->is_group() && then->task == "start")
      then_node = rsc_location(then->rsc);
    if ((other.type & kOrderSameNode) && first_node && then_node && first_node != then_node) {
      other.type = kOrderNone;
      continue;
    }
    changed &= ~kUpdatedFirst;
    if (first->rsc && (other.type & kOrderThenCancelsFirst) && !then->is(kActOptional)) {
      other.action->set(kActOptional);
      // A required restart cancels the agent reload.
      if (first->task == "reload-agent") first->rsc->clear(kRscReload);
    }
    if (first->rsc && then->rsc && first->rsc != then->rsc) {
      bool is_parent = false;
      for (Resource* p = then->rsc->parent; p; p = p->parent) {
        if (p == first->rsc) is_parent = true;
      }
      if (!is_parent) first = action_for_ordering(first);
    }
    if (first == other.action) {
      std::uint32_t ff = action_flags_for_ordering(first, then_node);
      std::uint32_t tf = action_flags_for_ordering(then, first_node);
      changed |= update_for_ordering_flags(ws, first, then, ff, tf, other);
    } else if (order_actions(ws, first, then, other.type)) {
      changed |= kUpdatedThen;
      other.type = kOrderNone;
    }
    if (changed & kUpdatedFirst) {
      for (ActionLink* a : first->after) update_action_for_orderings(ws, a->action);
      update_action_for_orderings(ws, first);
    }
  }
  if (then->is(kActRequiresAny)) {
    if (last_flags == then->flags) {
      changed &= ~kUpdatedThen;
    } else {
      changed |= kUpdatedThen;
    }
  }
  if (changed & kUpdatedThen) {
    if ((last_flags & kActRunnable) && !then->is(kActRunnable))
      block_colocation_dependents(ws, then);
    update_action_for_orderings(ws, then);
    for (ActionLink* a : then->after) update_action_for_orderings(ws, a->action);
  }
}

namespace {

void mark_action_blocked(WorkingSet& ws, Resource* rsc, const std::string& task,
                         const Resource* reason) {
  for (Action* a : std::vector<Action*>(rsc->actions.rbegin(), rsc->actions.rend())) {
    if (a->is(kActRunnable) && a->task == task) {
      a->clear(kActRunnable);
      set_reason(a, "colocation with " + reason->id, false);
      block_colocation_dependents(ws, a);
      update_action_for_orderings(ws, a);
    }
  }
  for (Resource* c : rsc->children) mark_action_blocked(ws, c, task, reason);
}

}  // namespace

void block_colocation_dependents(WorkingSet& ws, Action* action) {
  if (action->is(kActRunnable)) return;
  bool is_start = action->task == "start";
  if (!is_start && action->task != "promote") return;
  if (!action->rsc) return;
  // The collective it is part of (a bundle, for what is inside one).
  Resource* rsc = action->rsc->top();
  if (rsc->parent) rsc = rsc->parent;
  if (rsc->with_this.empty()) return;
  for (Resource* c : rsc->children) {
    Action* ca = find_first_action(c, nullptr, &action->task, nullptr);
    if (!ca || ca->is(kActRunnable)) return;
  }
  for (Colocation* c : std::vector<Colocation*>(rsc->with_this)) {
    if (c->score < kInfinity) continue;
    if (!is_start && c->primary_role != Role::kPromoted) continue;
    mark_action_blocked(ws, c->dependent,
                        c->dependent_role == Role::kPromoted ? "promote" : "start", action->rsc);
  }
}

namespace {

// All of `rsc`'s actions with `key` (or with the same task and interval
// under this resource's own id); null when none. No copy is made.
const std::vector<Action*>* find_actions_by_task(Resource* rsc, const std::string& key) {
  auto it = rsc->actions_by_key.find(key);
  if (it != rsc->actions_by_key.end() && !it->second.all.empty()) return &it->second.all;
  if (key.size() > rsc->id.size() && key.compare(0, rsc->id.size(), rsc->id) == 0 &&
      key[rsc->id.size()] == '_') {
    return nullptr;  // already this resource's own key
  }
  std::string task;
  std::int64_t interval = 0;
  if (!parse_op_key(key, nullptr, &task, &interval)) return nullptr;
  it = rsc->actions_by_key.find(op_key(rsc->id, task, interval));
  if (it != rsc->actions_by_key.end() && !it->second.all.empty()) return &it->second.all;
  return nullptr;
}

void order_resource_actions_after(WorkingSet& ws, Action* first_action, Resource* rsc,
                                  Ordering& order) {
  // Not copied: nothing below creates actions.
  std::span<Action* const> then_actions;
  std::uint32_t flags = order.flags;
  if (order.then_action) {
    then_actions = std::span<Action* const>(&order.then_action, 1);
  } else if (const auto* found = find_actions_by_task(rsc, order.then_task)) {
    then_actions = *found;
  }
  if (then_actions.empty()) return;
  if (first_action && first_action->rsc == rsc && first_action->is(kActDangle))
    flags &= ~kOrderImpliesThen;
  if (!first_action && !(flags & kOrderImpliesThen)) return;
  for (Action* t : then_actions) {
    if (first_action) {
      order_actions(ws, first_action, t, flags);
    } else {
      t->clear(kActRunnable);
      ws.warnings.push_back(t->task + " of " + rsc->id + " is unrunnable because there is no " +
                            order.first_task + " of " +
                            (order.first_rsc ? order.first_rsc->id : "") + " to order it after");
    }
  }
}

void rsc_order_first(WorkingSet& ws, Resource* first_rsc, Ordering& order) {
  std::vector<Action*> first_actions;
  Action* first_action = order.first_action;
  Resource* then_rsc = order.then_rsc;
  if (first_action) {
    first_actions.push_back(first_action);
  } else {
    if (const auto* found = find_actions_by_task(first_rsc, order.first_task))
      first_actions = *found;
  }
  if (first_actions.empty() && first_rsc == then_rsc) {
    // nothing
  } else if (first_actions.empty()) {
    std::string task;
    std::int64_t interval = 0;
    parse_op_key(order.first_task, nullptr, &task, &interval);
    Role state = rsc_state(first_rsc);
    if (state == Role::kStopped && task == "stop") {
      // nothing
    } else if (state == Role::kUnpromoted && task == "demote") {
      // nothing
    } else {
      first_action = custom_action(ws, first_rsc, op_key(first_rsc->id, task, interval), task,
                                   nullptr, true, true);
      first_actions.push_back(first_action);
    }
  }
  if (!then_rsc) {
    if (!order.then_action) return;
    then_rsc = order.then_action->rsc;
  }
  for (Action* f : first_actions) {
    if (!then_rsc) {
      order_actions(ws, f, order.then_action, order.flags);
    } else {
      order_resource_actions_after(ws, f, then_rsc, order);
    }
  }
}

// "probe then X" implies "probe then restart of X's dependents".
// `tracked` collects the actions flagged on the way, so that only those need
// clearing afterwards (not every action of the cluster).
// Walks what follows `after` (for a probe of `probe_rsc`) and collects, in
// walk order, the stops and demotes a probe must precede. The result depends
// only on the resource and the starting action, so every probe of the same
// resource reuses it.
void collect_restart_targets(WorkingSet& ws, Resource* probe_rsc, Action* after,
                             std::vector<Action*>& tracked, std::vector<Action*>& targets) {
  if (!after) return;
  if (after->is(kActTracking)) return;
  after->set(kActTracking);
  tracked.push_back(after);
  if (after->rsc && after->rsc->is_primitive() && probe_rsc != after->rsc) {
    std::vector<Action*> then_actions;
    if (after->task == "start") {
      then_actions = rsc_actions(after->rsc, nullptr, "stop", false);
    } else if (after->task == "promote") {
      then_actions = rsc_actions(after->rsc, nullptr, "demote", false);
    }
    for (Action* t : then_actions) {
      if (!t->is(kActPseudo)) targets.push_back(t);
    }
  }
  // An interleaved clone: only the instance beside the probed one matters.
  bool interleave = false;
  const Resource* compatible = nullptr;
  if (after->rsc && after->rsc->is_clone() && is_true(lookup(after->rsc->meta, "interleave"))) {
    interleave = true;
    compatible = find_compatible_instance(ws, probe_rsc, after->rsc, Role::kUnknown, false);
  }
  for (ActionLink* wp : after->after) {
    ActionLink& w = *wp;
    if (!(w.type & kOrderImpliesThen)) {
      if (!after->rsc || after->rsc->is_primitive() || probe_rsc->parent == after->rsc ||
          !w.action->rsc || w.action->rsc->is_clone() || after->rsc != w.action->rsc->parent) {
        continue;
      }
      if (after->rsc->is_clone() && interleave && compatible != w.action->rsc) continue;
    }
    collect_restart_targets(ws, probe_rsc, w.action, tracked, targets);
  }
}

void add_restart_orderings_for_rsc(WorkingSet& ws, Resource* rsc) {
  if (!rsc->is_primitive()) {
    for (Resource* c : rsc->children) add_restart_orderings_for_rsc(ws, c);
    return;
  }
  std::unordered_map<Action*, std::vector<Action*>> memo;  // first "then" -> targets
  for (Action* probe : rsc_actions(rsc, nullptr, "monitor", false)) {
    std::vector<Action*> tracked;
    // Links prepended by order_actions below are not visited.
    for (ActionLink* a : probe->after) {
      auto it = memo.find(a->action);
      if (it == memo.end()) {
        std::vector<Action*> targets;
        collect_restart_targets(ws, rsc, a->action, tracked, targets);
        for (Action* t : tracked) t->clear(kActTracking);
        tracked.clear();
        it = memo.emplace(a->action, std::move(targets)).first;
      }
      for (Action* t : it->second) order_actions(ws, probe, t, kOrderOptional);
    }
  }
}

void add_probe_orderings_for_stops(WorkingSet& ws) {
  for (size_t i = 0; i < ws.orderings.size(); ++i) {
    Ordering& order = ws.orderings[i];
    if (order.flags == kOrderNone) continue;
    if (!order.first_rsc || order.first_rsc == order.then_rsc) continue;
    if (!order.first_action && order.first_task.empty()) continue;
    if (!order.then_action && order.then_task.empty()) continue;
    if (order.first_action) {
      if (order.first_action->task != "stop") continue;
    } else if (order.first_task.size() < 7 ||
               order.first_task.compare(order.first_task.size() - 7, 7, "_stop_0") != 0) {
      continue;
    }
    // Not before a stop of the container the resource runs in: the probe
    // could come after the container starts again (a transition loop).
    if (order.then_rsc && order.first_rsc->container == order.then_rsc) {
      if (order.then_action
              ? order.then_action->task == "stop"
              : (order.then_task.size() >= 7 &&
                 order.then_task.compare(order.then_task.size() - 7, 7, "_stop_0") == 0)) {
        continue;
      }
    }
    std::uint32_t flags = kOrderOptional;
    if (order.flags & kOrderApplyFirstNonMigratable) flags |= kOrderApplyFirstNonMigratable;
    if (order.flags & kOrderSameNode) flags |= kOrderSameNode;
    if (order.flags == kOrderAntiColocation || order.flags == kOrderLoad) flags = order.flags;
    auto probes = rsc_actions(order.first_rsc, nullptr, "monitor", false);
    if (probes.empty()) continue;
    std::vector<Action*> thens;
    if (order.then_action) {
      thens.push_back(order.then_action);
    } else if (order.then_rsc) {
      thens = find_actions(order.then_rsc, order.then_task, nullptr);
      if (thens.empty()) continue;
    }
    for (Action* p : probes) {
      for (Action* t : thens) {
        if (t->task == "stonith" && p->node && t->node && p->node == t->node &&
            lookup(t->meta, "stonith_action") && *lookup(t->meta, "stonith_action") == "on") {
          continue;
        }
        if (t->task == "do_shutdown" && p->node && t->node && p->node != t->node) continue;
        order_actions(ws, p, t, flags);
      }
    }
  }
}

}  // namespace

void apply_orderings(WorkingSet& ws) {
  for (size_t i = 0; i < ws.orderings.size(); ++i) {
    Ordering& order = ws.orderings[i];  // stable while the store grows
    if (order.first_rsc) {
      rsc_order_first(ws, order.first_rsc, order);
    } else if (order.then_rsc) {
      order_resource_actions_after(ws, order.first_action, order.then_rsc, order);
    } else {
      order_actions(ws, order.first_action, order.then_action, order.flags);
    }
  }
  // Pacemaker walks its action list newest first.
  std::vector<Action*> all;
  for (Action* a : ws.actions) {
    if (a->id > 0) all.push_back(a);
  }
  std::reverse(all.begin(), all.end());
  for (Action* a : all) block_colocation_dependents(ws, a);
  // Those orderings only ever lead to real stops or demotes; without any,
  // the walk (one per probe) has nothing to add.
  bool any_stop_or_demote = false;
  for (Action* a : ws.actions) {
    if (a->id > 0 && a->rsc && !a->is(kActPseudo) && (a->task == "stop" || a->task == "demote")) {
      any_stop_or_demote = true;
      break;
    }
  }
  if (any_stop_or_demote) {
    for (Resource* r : ws.resources) add_restart_orderings_for_rsc(ws, r);
  }
  add_probe_orderings_for_stops(ws);
  all.clear();
  for (Action* a : ws.actions) {
    if (a->id > 0) all.push_back(a);
  }
  std::reverse(all.begin(), all.end());
  for (Action* a : all) update_action_for_orderings(ws, a);
  disable_guest_orderings(ws);  // remote.cpp
  disable_load_ordering_loops(ws);
}

// ---------------------------------------------------------------- fencing

namespace {

void order_start_vs_fencing(WorkingSet& ws, Resource* rsc, Action* stonith) {
  Node* target = stonith->node;
  for (Action* a : std::vector<Action*>(rsc->actions.rbegin(), rsc->actions.rend())) {
    switch (a->needs) {
      case Needs::kNothing:
        break;
      case Needs::kFencing:
        order_actions(ws, stonith, a, kOrderOptional);
        break;
      case Needs::kQuorum:
        // Known there: itself, or a primitive's anonymous clone (not a
        // cloned group, which may be known only in part).
        if (a->task == "start" && rsc->allowed[target->index].present &&
            !rsc->known_on[target->index] &&
            !(rsc->is_primitive() && is_anonymous_clone(rsc->parent) &&
              rsc->parent->known_on[target->index])) {
          order_actions(ws, stonith, a, kOrderOptional | kOrderRunnableLeft);
        }
        break;
    }
  }
}

void order_stop_vs_fencing(WorkingSet& ws, Resource* rsc, Action* stonith) {
  Node* target = stonith->node;
  Resource* top = rsc->top();
  auto stops = rsc_actions(rsc, target, "stop", false);
  // A guest's "fencing" is its container's stop: always before implied stops.
  bool order_implicit = rsc->is(kRscNeedsFencing) || is_guest_node(target);
  Action* parent_stop = nullptr;
  if (!stops.empty() && order_implicit) {
    std::string stop = "stop";
    parent_stop = find_first_action(top, nullptr, &stop, nullptr);
  }
  for (Action* a : stops) {
    a->set(kActPseudo | kActRunnable);
    if (order_implicit) {
      // Inside a bundle, the parent's stop carries the ordering (a loop otherwise).
      if (!parent_bundle(rsc)) order_actions(ws, stonith, a, kOrderPreserve);
      order_actions(ws, stonith, parent_stop, kOrderPreserve);
    }
    if (is_true(lookup(rsc->meta, "notify"))) clone_notify_after_fencing(ws, a, rsc, stonith);
  }
  for (Action* a : rsc_actions(rsc, target, "demote", false)) {
    if (!a->node->online || a->node->unclean || rsc->is(kRscFailed)) {
      a->set(kActPseudo | kActRunnable);
      if (order_implicit && !parent_bundle(rsc)) {
        order_actions(ws, stonith, a, kOrderPreserve | kOrderOptional);
      }
    }
  }
}

void rsc_stonith_ordering(WorkingSet& ws, Resource* rsc, Action* stonith) {
  if (!rsc->children.empty()) {
    for (Resource* c : rsc->children) rsc_stonith_ordering(ws, c, stonith);
  } else if (rsc->is(kRscManaged)) {
    order_start_vs_fencing(ws, rsc, stonith);
    order_stop_vs_fencing(ws, rsc, stonith);
  }
}

bool any_managed(const Resource* r) {
  if (r->is(kRscManaged)) return true;
  for (const Resource* c : r->children) {
    if (any_managed(c)) return true;
  }
  return false;
}

}  // namespace

void order_vs_fence(WorkingSet& ws, Action* stonith) {
  for (Resource* r : ws.resources) rsc_stonith_ordering(ws, r, stonith);
}

void schedule_fencing_and_shutdowns(WorkingSet& ws) {
  bool have_managed = false;
  for (Resource* r : ws.resources) {
    if (any_managed(r)) have_managed = true;
  }
  Action* dc_down = nullptr;
  std::vector<Action*> fencing_ops, shutdown_ops;  // newest first
  bool integrity_lost = false;
  for (auto& n : ws.nodes) {
    Node* node = n.get();
    Action* fencing = nullptr;
    if (is_guest_node(node)) {  // "fenced" by recovering its container (remote.cpp)
      if (node->remote_requires_reset && have_managed && can_fence(ws, node)) fence_guest(ws, node);
      continue;
    }
    if (have_managed && node->unclean && can_fence(ws, node)) {
      fencing = fence_op(ws, node, "", false, "node is unclean", false);
      ws.warnings.push_back("Scheduling node " + node->uname + " for fencing");
      order_vs_fence(ws, fencing);
      if (node->is_dc) {
        dc_down = fencing;
      } else {
        if (!ws.config.concurrent_fencing && !fencing_ops.empty()) {
          order_actions(ws, fencing_ops.front(), fencing, kOrderOptional);
        }
        fencing_ops.insert(fencing_ops.begin(), fencing);
      }
    } else if (node->online && node->shutdown && !node->is_pcmk_remote()) {
      Action* down = custom_action(ws, nullptr, "do_shutdown-" + node->uname, "do_shutdown", node,
                                   false, true);
      // Stops on the node come first.
      for (Action* a : ws.actions) {
        Action* s = a;
        if (s->id <= 0 || !s->rsc || s->node != node || s->task != "stop") continue;
        if (s->rsc->is(kRscMaintenance) || node->maintenance) continue;
        if (!(s->rsc->is(kRscManaged) || s->rsc->is(kRscBlock))) continue;
        s->clear(kActOptional);
        new_ordering(ws, s->rsc, "", s, nullptr, "do_shutdown", down,
                     kOrderOptional | kOrderRunnableLeft);
      }
      down->meta["op_no_wait"] = "true";
      if (node->is_dc) {
        dc_down = down;
      } else {
        shutdown_ops.insert(shutdown_ops.begin(), down);
      }
    }
    if (!fencing && node->unclean) integrity_lost = true;
  }
  (void)integrity_lost;
  if (dc_down) {
    if (dc_down->task == "do_shutdown") {
      for (Action* s : shutdown_ops) order_actions(ws, s, dc_down, kOrderOptional);
    }
    if (ws.config.concurrent_fencing) {
      for (Action* f : fencing_ops) order_actions(ws, f, dc_down, kOrderOptional);
    } else if (!fencing_ops.empty()) {
      order_actions(ws, fencing_ops.front(), dc_down, kOrderOptional);
    }
  }
}

}  // namespace vigil::pengine
