// SPDX-License-Identifier: GPL-2.0-or-later
// A promotable clone's actions: its instances' promotes and demotes, the
// clone's promote/promoted and demote/demoted pseudo-actions that stand for
// them, and the orderings that chain them with the clone's starts and stops
// (Pacemaker's pcmk__create_promotable_actions,
// pcmk__order_promotable_instances, pcmk__promotable_restart_ordering).
#include <vector>

#include "internal.hpp"
#include "promotable.hpp"

namespace vigil::pengine {

namespace {

// Whether an instance (any member of it) is promoted or demoted for real.
void check_for_role_change(const Resource* rsc, bool* demoting, bool* promoting) {
  if (!rsc->children.empty()) {
    for (const Resource* c : rsc->children) check_for_role_change(c, demoting, promoting);
    return;
  }
  for (const Action* a : rsc->actions) {
    if (*promoting && *demoting) return;
    if (a->is(kActOptional)) continue;
    if (a->task == "demote") {
      *demoting = true;
    } else if (a->task == "promote") {
      *promoting = true;
    }
  }
}

}  // namespace

void create_promotable_actions(WorkingSet& ws, Resource* clone) {
  bool any_promoting = false, any_demoting = false;
  for (Resource* inst : clone->children) {
    // Again, as Pacemaker does: the roles are final now.
    create_actions(ws, inst);
    check_for_role_change(inst, &any_demoting, &any_promoting);
  }
  CloneData& cd = *clone->clone;
  Action* promote = rsc_pseudo_action(ws, clone, "promote", !any_promoting, true);
  Action* promoted = rsc_pseudo_action(ws, clone, "promoted", !any_promoting, true);
  promoted->priority = kInfinity;
  if (!cd.promote_notify)
    cd.promote_notify = clone_notify_pseudo_ops(ws, clone, "promote", promote, promoted);
  Action* demote = rsc_pseudo_action(ws, clone, "demote", !any_demoting, true);
  Action* demoted = rsc_pseudo_action(ws, clone, "demoted", !any_demoting, true);
  demoted->priority = kInfinity;
  if (!cd.demote_notify) {
    cd.demote_notify = clone_notify_pseudo_ops(ws, clone, "demote", demote, demoted);
    if (cd.promote_notify) order_promotion_notifications(ws, cd);  // clone_notify.cpp
  }
  // The instances' priorities served as promotion priorities until now.
  for (Resource* inst : clone->children) inst->priority = clone->priority;
}

void order_promotable_clone(WorkingSet& ws, Resource* clone) {
  order_rsc_actions(ws, clone, "demoted", clone, "stop", kOrderOptional);
  order_rsc_actions(ws, clone, "running", clone, "promote", kOrderRunnableLeft);
}

void order_role_changes(WorkingSet& ws, Resource* rsc) {
  order_rsc_actions(ws, rsc, "stopped", rsc, "start", kOrderOptional);
  order_rsc_actions(ws, rsc, "stopped", rsc, "promote", kOrderOptional);
  order_rsc_actions(ws, rsc, "demoted", rsc, "stop", kOrderOptional);
  order_rsc_actions(ws, rsc, "demoted", rsc, "start", kOrderOptional);
  order_rsc_actions(ws, rsc, "demoted", rsc, "promote", kOrderOptional);
  order_rsc_actions(ws, rsc, "running", rsc, "promote", kOrderOptional);
  order_rsc_actions(ws, rsc, "demote", rsc, "demoted", kOrderOptional);
}

void order_promotable_instances(WorkingSet& ws, Resource* clone) {
  order_role_changes(ws, clone);
  Resource* last = nullptr;
  for (Resource* inst : clone->children) {
    order_rsc_actions(ws, inst, "demote", inst, "promote", kOrderOptional);
    // The clone's promote, the instance's, the clone's promoted; the same
    // for demotions, in the reverse order.
    order_instance_steps(
        ws, clone, inst, last, {"promote", "promoted", kOrderOptional, kOrderOptional},
        {"demote", "demoted", kOrderImpliesFirstPrinted, kOrderImpliesThenPrinted});
    last = inst;
  }
}

bool in_promotable_clone(const Resource* rsc) {
  while (rsc->parent) rsc = rsc->parent;
  return rsc->clone && rsc->clone->promotable;
}

void create_group_role_actions(WorkingSet& ws, Resource* group) {
  if (!in_promotable_clone(group)) return;
  for (const char* task : {"demote", "demoted", "promote", "promoted"})
    rsc_pseudo_action(ws, group, task, true, true);
}

void order_group_member_roles(WorkingSet& ws, Resource* group, Resource* member,
                              std::uint32_t down_flags, std::uint32_t post_down_flags) {
  // The group's demote, the member's, the group's demoted; the same for
  // promotions.
  order_rsc_actions(ws, group, "demote", member, "demote", down_flags);
  order_rsc_actions(ws, member, "demote", group, "demoted", post_down_flags);
  order_rsc_actions(ws, member, "promote", group, "promoted",
                    kOrderRunnableLeft | kOrderImpliesThen | kOrderImpliesThenPrinted);
  order_rsc_actions(ws, group, "promote", member, "promote", kOrderImpliesFirstPrinted);
}

void order_group_member_promotion(WorkingSet& ws, Resource* group, Resource* member,
                                  Resource* previous) {
  if (!group->group_ordered) {
    order_rsc_actions(ws, group, "promote", member, "promote",
                      kOrderImpliesThen | kOrderRunnableLeft | kOrderImpliesFirstPrinted);
  } else if (!previous) {
    order_rsc_actions(ws, group, "promote", member, "promote", kOrderNone);
  } else {
    // Promoted after the member before it, demoted before it.
    order_rsc_actions(ws, previous, "promote", member, "promote",
                      kOrderImpliesThen | kOrderRunnableLeft);
    order_rsc_actions(ws, member, "demote", previous, "demote", kOrderOptional);
  }
}

}  // namespace vigil::pengine
