// SPDX-License-Identifier: GPL-2.0-or-later
// Creating the actions that take each resource from its current role to its
// next one: restarts, role transitions, recurring monitors and probes.
#include <strings.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include "bundle.hpp"
#include "internal.hpp"
#include "promotable.hpp"

namespace vigil::pengine {

namespace {

// Next step from one role towards another (Pacemaker's role matrix).
Role next_step(Role from, Role to) {
  static const Role m[5][5] = {
      {Role::kUnknown, Role::kStopped, Role::kStopped, Role::kStopped, Role::kStopped},
      {Role::kStopped, Role::kStopped, Role::kStarted, Role::kUnpromoted, Role::kUnpromoted},
      {Role::kStopped, Role::kStopped, Role::kStarted, Role::kUnpromoted, Role::kPromoted},
      {Role::kStopped, Role::kStopped, Role::kStopped, Role::kUnpromoted, Role::kPromoted},
      {Role::kStopped, Role::kUnpromoted, Role::kUnpromoted, Role::kUnpromoted, Role::kPromoted},
  };
  return m[static_cast<int>(from)][static_cast<int>(to)];
}

enum class Step { kNone, kError, kStop, kStart, kPromote, kDemote };
Step step_action(Role from, Role to) {
  static const Step m[5][5] = {
      {Step::kError, Step::kStop, Step::kError, Step::kError, Step::kError},
      {Step::kError, Step::kNone, Step::kStart, Step::kStart, Step::kError},
      {Step::kError, Step::kStop, Step::kNone, Step::kNone, Step::kPromote},
      {Step::kError, Step::kStop, Step::kStop, Step::kNone, Step::kPromote},
      {Step::kError, Step::kDemote, Step::kDemote, Step::kDemote, Step::kNone},
  };
  return m[static_cast<int>(from)][static_cast<int>(to)];
}

bool is_expected_node(const Resource* rsc, const Node* node) {
  return rsc->is(kRscStopUnexpected) && rsc->is(kRscRestarting) &&
         rsc->next_role > Role::kStopped && rsc->allocated_to == node;
}

void stop_resource(WorkingSet& ws, Resource* rsc, Node* /*node*/, bool optional) {
  for (Node* current : std::vector<Node*>(rsc->running_on)) {
    if (is_expected_node(rsc, current)) continue;
    bool opt = optional;
    if (rsc->partial_migration_target) {
      if (current == rsc->partial_migration_target && current == rsc->allocated_to) continue;
      opt = false;
    }
    Action* stop = stop_action(ws, rsc, current, opt);
    if (!rsc->allocated_to) {
      set_reason(stop, "node availability", true);
    } else if (rsc->is(kRscRestarting) && rsc->is(kRscStopUnexpected)) {
      set_reason(stop, "being multiply active", true);
    }
    if (!rsc->is(kRscManaged)) stop->clear(kActRunnable);
    if (rsc->is(kRscNeedsUnfencing)) {
      Action* unfence = fence_op(ws, current, "on", true, "", false);
      order_actions(ws, stop, unfence, kOrderImpliesFirst);
      if (!node_unfenced(current)) {
        ws.warnings.push_back("error: Stopping " + rsc->id + " until " + current->uname +
                              " can be unfenced");
      }
    }
  }
}

void start_resource(WorkingSet& ws, Resource* rsc, Node* node, bool optional) {
  Action* start = start_action(ws, rsc, node, true);
  order_vs_unfence(ws, rsc, node, start, kOrderImpliesThen);
  if (start->is(kActRunnable) && !optional) start->clear(kActOptional);
  if (is_expected_node(rsc, node)) start->set(kActPseudo);
}

void promote_resource(WorkingSet& ws, Resource* rsc, Node* node, bool optional) {
  bool runnable = true;
  for (Action* s : rsc_actions(rsc, node, "start", true)) {
    if (!s->is(kActRunnable)) runnable = false;
  }
  if (runnable) {
    Action* p = promote_action(ws, rsc, node, optional);
    if (is_expected_node(rsc, node)) p->set(kActPseudo);
  } else {
    for (Action* p : rsc_actions(rsc, node, "promote", true)) p->clear(kActRunnable);
  }
}

void demote_resource(WorkingSet& ws, Resource* rsc, Node* /*node*/, bool optional) {
  for (Node* current : std::vector<Node*>(rsc->running_on)) {
    if (!is_expected_node(rsc, current)) demote_action(ws, rsc, current, optional);
  }
}

void do_step(WorkingSet& ws, Step s, Resource* rsc, Node* node, bool optional) {
  switch (s) {
    case Step::kStop:
      stop_resource(ws, rsc, node, optional);
      break;
    case Step::kStart:
      if (node) start_resource(ws, rsc, node, optional);
      break;
    case Step::kPromote:
      if (node) promote_resource(ws, rsc, node, optional);
      break;
    case Step::kDemote:
      demote_resource(ws, rsc, node, optional);
      break;
    default:
      break;
  }
}

void schedule_restart_actions(WorkingSet& ws, Resource* rsc, Node* current, bool need_stop,
                              bool need_promote) {
  Role role = rsc->role;
  rsc->set(kRscRestarting);
  while (role != Role::kStopped) {
    Role next = next_step(role, Role::kStopped);
    Step s = step_action(role, next);
    if (s == Step::kNone || s == Step::kError) break;
    do_step(ws, s, rsc, current, !need_stop);
    role = next;
  }
  while (rsc->role <= rsc->next_role && role != rsc->role && !rsc->is(kRscBlock)) {
    bool required = need_stop;
    Role next = next_step(role, rsc->role);
    if (next == Role::kPromoted && need_promote) required = true;
    Step s = step_action(role, next);
    if (s == Step::kNone || s == Step::kError) break;
    do_step(ws, s, rsc, rsc->allocated_to, !required);
    role = next;
  }
  rsc->clear(kRscRestarting);
}

void schedule_role_transition_actions(WorkingSet& ws, Resource* rsc) {
  Role role = rsc->role;
  while (role != rsc->next_role) {
    Role next = next_step(role, rsc->next_role);
    Step s = step_action(role, next);
    if (s == Step::kNone || s == Step::kError) break;
    do_step(ws, s, rsc, rsc->allocated_to, false);
    role = next;
  }
}

}  // namespace

Node* find_active_on(const Resource* rsc, unsigned* count_all, unsigned* count_clean) {
  Node* active = nullptr;
  *count_all = 0;
  *count_clean = 0;
  for (Node* node : rsc->running_on) {
    bool happy = node->online && !node->unclean;
    ++*count_all;
    if (happy) ++*count_clean;
    if (rsc->partial_migration_source) {
      if (node == rsc->partial_migration_source) active = node;
    } else if (!rsc->is(kRscNeedsFencing)) {
      if (happy && (!active || !active->online || active->unclean)) active = node;
    }
    if (!active) active = node;
  }
  return active;
}

namespace {

bool can_migrate(const Resource* rsc, const Node* current) {
  if (!rsc->is(kRscAllowMigrate) || !rsc->is(kRscManaged)) return false;
  if (rsc->is(kRscFailed) || rsc->is(kRscStartPending)) return false;
  if (!current || current->unclean) return false;
  if (!rsc->allocated_to || rsc->allocated_to->unclean) return false;
  return true;
}

void add_migration_meta(Action* a, const Node* source, const Node* target) {
  a->meta.emplace("migrate_source", source->uname);
  a->meta.emplace("migrate_target", target->uname);
}

// Live migration: migrate_to on the current node, migrate_from on the next;
// the stop then runs after it and the start becomes a pseudo-action.
void create_migration_actions(WorkingSet& ws, Resource* rsc, Node* current) {
  Action* start = start_action(ws, rsc, rsc->allocated_to, true);
  Action* stop = stop_action(ws, rsc, current, true);
  Action* migrate_to = nullptr;
  if (!rsc->partial_migration_target) {
    migrate_to =
        custom_action(ws, rsc, op_key(rsc->id, "migrate_to", 0), "migrate_to", current, true, true);
  }
  Action* migrate_from = custom_action(ws, rsc, op_key(rsc->id, "migrate_from", 0), "migrate_from",
                                       rsc->allocated_to, true, true);
  if (migrate_from && (migrate_to || rsc->partial_migration_target)) {
    start->set(kActMigrateRunnable);
    stop->set(kActMigrateRunnable);
    start->set(kActPseudo);  // easier than removing it from the graph
    if (!rsc->partial_migration_target) {
      migrate_from->set(kActMigrateRunnable);
      if (migrate_to) {
        migrate_to->set(kActMigrateRunnable);
        migrate_to->needs = start->needs;
      }
      order_rsc_actions(ws, rsc, "monitor", rsc, "migrate_to", kOrderOptional);
      order_rsc_actions(ws, rsc, "migrate_to", rsc, "migrate_from",
                        kOrderOptional | kOrderImpliesFirstMigratable);
    } else {
      migrate_from->set(kActMigrateRunnable);
      migrate_from->needs = start->needs;
      order_rsc_actions(ws, rsc, "monitor", rsc, "migrate_from", kOrderOptional);
    }
    order_rsc_actions(ws, rsc, "migrate_from", rsc, "stop",
                      kOrderOptional | kOrderImpliesFirstMigratable);
    order_rsc_actions(ws, rsc, "migrate_from", rsc, "start",
                      kOrderOptional | kOrderImpliesFirstMigratable | kOrderPseudoLeft);
  }
  if (migrate_to) {
    add_migration_meta(migrate_to, current, rsc->allocated_to);
    // Remote connections need no record of a pending migrate_to.
    if (!rsc->is_remote_node) migrate_to->meta.emplace("record-pending", "true");
  }
  if (migrate_from) add_migration_meta(migrate_from, current, rsc->allocated_to);
}

}  // namespace

void create_recurring_actions(WorkingSet& ws, Resource* rsc) {
  if (rsc->is(kRscBlock) || rsc->is(kRscMaintenance) || !rsc->config) return;
  Action* start = nullptr;
  if (rsc->allocated_to && !rsc->allocated_to->maintenance &&
      (rsc->next_role != Role::kStopped || !rsc->is(kRscManaged))) {
    start = start_action(ws, rsc, rsc->allocated_to, true);
  }
  std::vector<std::pair<std::string, std::int64_t>> seen;
  for (const auto& op : rsc->config->ops) {
    if (op.interval_ms == 0) continue;
    if (op.name == "stop" || op.name == "start" || op.name == "demote" || op.name == "promote" ||
        op.name == "reload-agent" || op.name == "migrate_to" || op.name == "migrate_from") {
      continue;
    }
    int dups = 0;
    for (const auto& other : rsc->config->ops) {
      if (other.name == op.name && other.interval_ms == op.interval_ms) ++dups;
    }
    if (dups > 1) {
      ws.warnings.push_back("Operation " + op.id +
                            " is a duplicate (do not use same name and "
                            "interval combination more than once per resource)");
      continue;
    }
    Role role = op.role.empty() ? Role::kUnknown : role_from_text(op.role);
    if (!op.enabled) continue;
    std::string key = op_key(rsc->id, op.name, op.interval_ms);
    Node* node = rsc->allocated_to;
    if (start && role != Role::kStopped) {
      bool is_optional = true;
      if (!node) {
        is_optional = false;
      } else if (!(action_flags(start, nullptr) & kActOptional)) {
        is_optional = false;
      } else {
        auto matches = find_actions_exact(rsc, key, node);
        if (matches.empty()) {
          is_optional = false;
        } else {
          for (Action* m : matches) {
            if (m->is(kActReschedule)) is_optional = false;
          }
        }
      }
      if ((role != Role::kUnknown && rsc->next_role != role) ||
          (role == Role::kUnknown && rsc->next_role == Role::kPromoted)) {
        if (is_optional) {
          Action* cancel = custom_action(ws, rsc, key, "cancel", node, false, true);
          retask(cancel, "cancel");
          cancel->cancel_task = op.name;
          cancel->meta["operation"] = op.name;
          cancel->meta["interval"] = std::to_string(op.interval_ms);
          // Cancelled before the role changes.
          const char* after = nullptr;
          if (rsc->role == Role::kPromoted) {
            after = "demote";
          } else if (rsc->role == Role::kUnpromoted || rsc->role == Role::kStarted) {
            if (rsc->next_role == Role::kPromoted) after = "promote";
            if (rsc->next_role == Role::kStopped) after = "stop";
          }
          if (after) {
            new_ordering(ws, rsc, "", cancel, rsc, op_key(rsc->id, after, 0), nullptr,
                         kOrderRunnableLeft);
          }
        }
      } else {
        Action* mon = custom_action(ws, rsc, key, op.name, node, is_optional, true);
        if (!start->is(kActRunnable)) {
          mon->clear(kActRunnable);
        } else if (!node || !node->online || node->unclean) {
          mon->clear(kActRunnable);
        }
        if (rsc->next_role == Role::kPromoted) mon->meta["op_target_rc"] = "8";
        if (!node || rsc->is(kRscManaged)) {
          new_ordering(ws, rsc, op_key(rsc->id, "start", 0), nullptr, nullptr, mon->uuid, mon,
                       kOrderImpliesThen | kOrderRunnableLeft);
          if (rsc->actions_by_task.count("reload-agent")) {
            new_ordering(ws, rsc, op_key(rsc->id, "reload-agent", 0), nullptr, nullptr, mon->uuid,
                         mon, kOrderImpliesThen | kOrderRunnableLeft);
          }
          // A monitor of the new role after the role change.
          const char* role_change = rsc->next_role == Role::kPromoted ? "promote"
                                    : rsc->role == Role::kPromoted    ? "demote"
                                                                      : nullptr;
          if (role_change) {
            new_ordering(ws, rsc, op_key(rsc->id, role_change, 0), nullptr, rsc, "", mon,
                         kOrderOptional | kOrderRunnableLeft);
          }
        }
      }
    }
    if (role == Role::kStopped) {
      for (auto& sn : ws.nodes) {
        Node* stop_node = sn.get();
        if (node && stop_node == node) {
          if (!find_actions_exact(rsc, key, node).empty()) {
            Action* cancel = custom_action(ws, rsc, key, "cancel", node, false, true);
            retask(cancel, "cancel");
            cancel->cancel_task = op.name;
            cancel->meta["operation"] = op.name;
            cancel->meta["interval"] = std::to_string(op.interval_ms);
            if (rsc->next_role == Role::kStarted || rsc->next_role == Role::kUnpromoted) {
              new_ordering(ws, rsc, "", cancel, rsc, op_key(rsc->id, "start", 0), nullptr,
                           kOrderRunnableLeft);
            }
          }
          continue;
        }
        bool is_optional = !find_actions_exact(rsc, key, stop_node).empty();
        Action* mon = custom_action(ws, rsc, key, op.name, stop_node, is_optional, true);
        mon->meta["op_target_rc"] = "7";
        if (rsc->is(kRscManaged)) {
          for (Action* p : rsc_actions(rsc, stop_node, "monitor", false))
            order_actions(ws, p, mon, kOrderRunnableLeft);
        }
        for (Action* stop : rsc_actions(rsc, stop_node, "stop", true)) {
          if (!stop->is(kActOptional) && !mon->is(kActOptional) && !rsc->is(kRscManaged))
            mon->set(kActOptional);
          if (!stop->is(kActRunnable)) mon->clear(kActRunnable);
          if (rsc->is(kRscManaged)) {
            new_ordering(ws, rsc, op_key(rsc->id, "stop", 0), stop, nullptr, "", mon,
                         kOrderImpliesThen | kOrderRunnableLeft);
          }
        }
        if (!stop_node->online || stop_node->unclean) mon->clear(kActRunnable);
      }
    }
  }
}

void create_actions(WorkingSet& ws, Resource* rsc) {
  if (rsc->is_clone()) {
    clone_create_actions(ws, rsc);  // clone_actions.cpp
    return;
  }
  if (is_bundle(rsc)) {
    bundle_create_actions(ws, rsc);  // bundle_actions.cpp
    return;
  }
  if (rsc->is_group()) {
    for (Resource* m : rsc->children) create_actions(ws, m);
    rsc_pseudo_action(ws, rsc, "start", true, true);
    rsc_pseudo_action(ws, rsc, "running", true, true);
    rsc_pseudo_action(ws, rsc, "stop", true, true);
    rsc_pseudo_action(ws, rsc, "stopped", true, true);
    create_group_role_actions(ws, rsc);  // promotable_actions.cpp
    return;
  }
  if (rsc->next_role == Role::kUnknown) {
    rsc->next_role = rsc->allocated_to ? Role::kStarted : Role::kStopped;
  }
  unsigned num_all = 0, num_clean = 0;
  Node* current = find_active_on(rsc, &num_all, &num_clean);
  bool need_stop = false, need_promote = false, is_moving = false, allow_migrate = false,
       multiply_active = false;
  for (Node* dangling : rsc->dangling_migrations) {
    Action* stop = stop_action(ws, rsc, dangling, false);
    stop->set(kActDangle);
  }
  if (current && rsc->allocated_to && current != rsc->allocated_to &&
      rsc->next_role >= Role::kStarted) {
    is_moving = true;
    allow_migrate = can_migrate(rsc, current);
    need_stop = true;
  }
  if (rsc->partial_migration_source && rsc->partial_migration_target && allow_migrate &&
      num_all == 2 && current == rsc->partial_migration_source &&
      rsc->allocated_to == rsc->partial_migration_target) {
    // continue the migration
  } else if (rsc->partial_migration_source || rsc->partial_migration_target) {
    need_stop = true;
    rsc->partial_migration_source = rsc->partial_migration_target = nullptr;
    allow_migrate = false;
  } else if (rsc->is(kRscNeedsFencing)) {
    multiply_active = num_all > 1;
  } else {
    multiply_active = num_clean > 1;
  }
  if (multiply_active) {
    ws.warnings.push_back(rsc->cls + " resource " + rsc->id + " might be active on " +
                          std::to_string(num_all) + " nodes");
    switch (rsc->recovery) {
      case Recovery::kStopStart:
        need_stop = true;
        break;
      case Recovery::kStopUnexpected:
        need_stop = true;
        rsc->set(kRscStopUnexpected);
        break;
      default:
        break;
    }
  } else {
    rsc->clear(kRscStopUnexpected);
  }
  if (rsc->is(kRscStartPending)) {
    Action* start = start_action(ws, rsc, rsc->allocated_to, true);
    start->set(kActPrintAlways);
  }
  if (is_moving) {
    // nothing more
  } else if (rsc->is(kRscFailed)) {
    if (rsc->is(kRscStop)) {
      need_stop = true;
    } else if (rsc->next_role == Role::kPromoted) {
      need_promote = true;
    }
  } else if (rsc->is(kRscBlock)) {
    need_stop = true;
  } else if (rsc->role > Role::kStarted && current && rsc->allocated_to) {
    Action* start = start_action(ws, rsc, rsc->allocated_to, true);
    if (!start->is(kActOptional)) need_stop = true;
  }
  schedule_restart_actions(ws, rsc, current, need_stop, need_promote);
  schedule_role_transition_actions(ws, rsc);
  create_recurring_actions(ws, rsc);
  if (allow_migrate) create_migration_actions(ws, rsc, current);
}

void create_resource_actions(WorkingSet& ws) {
  for (Resource* r : ws.resources) create_actions(ws, r);
}

// ---------------------------------------------------------------- probes

namespace {

// Per-resource strings every probe of the resource needs, made once.
struct ProbeKeys {
  std::string monitor, start;
  bool has_reload = false;
  bool ready = false;
  // A probe's meta as created, and the same with op_target_rc=7: the probes
  // of one resource on every node where it is not running share the latter.
  SharedAttrs created, not_running;
  bool shared = false;
};

bool probe_rsc_on_node(WorkingSet& ws, Resource* rsc, Node* node, std::vector<ProbeKeys>& keys) {
  if (!ws.config.startup_probes) return false;
  if (remote_rules_out_probe(ws, rsc, node)) return false;  // remote.cpp
  if (rsc->is_clone() && !rsc->children.empty()) {
    // Instances in number order; an anonymous clone probes one of them.
    sort_instances_by_number(rsc);
    if (rsc->is(kRscExclusiveDiscover)) {
      const NodeScore& slot = rsc->allowed[node->index];
      if (slot.present && slot.discover != Discover::kExclusive) {
        // Pacemaker drops the node from the clone's allowed nodes here, so
        // that notifications name only nodes it might ever run on.
        auto& dropped = rsc->clone->probe_dropped;
        dropped.resize(ws.nodes.size(), 0);
        dropped[node->index] = 1;
        return false;
      }
    }
    if (!rsc->is(kRscUnique)) {
      return probe_rsc_on_node(ws, anonymous_probe_instance(rsc, node), node, keys);
    }
  }
  if (is_bundle(rsc)) {  // bundle_actions.cpp
    return bundle_create_probes(ws, rsc, node,
                                [&](Resource* r) { return probe_rsc_on_node(ws, r, node, keys); });
  }
  if (!rsc->children.empty()) {
    bool any = false;
    for (Resource* c : rsc->children) any = probe_rsc_on_node(ws, c, node, keys) || any;
    return any;
  }
  if (rsc->is(kRscOrphan)) return false;
  if (rsc->known_on[node->index]) return false;
  Resource* top = rsc->top();
  const NodeScore& allowed = rsc->allowed[node->index];
  if (rsc->is(kRscExclusiveDiscover) || top->is(kRscExclusiveDiscover)) {
    if (!allowed.present) return false;
    if (allowed.discover != Discover::kExclusive) return false;
  }
  if (allowed.present && allowed.discover == Discover::kNever) return false;
  if (!allowed.present && node->bundle_guest) return false;  // bundle.hpp
  if (guest_rules_out_probe(ws, rsc, node)) return false;    // remote.cpp
  ProbeKeys& k = keys[static_cast<size_t>(rsc->index)];
  // A cloned resource's probe comes before its clone's start (unless it is
  // a fence device that unfences); any other's before its own.
  Resource* start_rsc = rsc;
  if (top->is_clone() && !(rsc->is(kRscFenceDevice) && ws.config.enable_unfencing)) start_rsc = top;
  if (!k.ready) {
    k.monitor = op_key(rsc->id, "monitor", 0);
    k.start = op_key(start_rsc->id, "start", 0);
    k.has_reload = rsc->actions_by_task.count("reload-agent") > 0;
    k.ready = true;
  }
  Action* probe = custom_action(ws, rsc, k.monitor, "monitor", node, false, true);
  probe->clear(kActOptional);
  order_vs_unfence(ws, rsc, node, probe, kOrderOptional);
  bool running_here =
      std::find(rsc->running_on.begin(), rsc->running_on.end(), node) != rsc->running_on.end();
  if (!running_here) {
    if (k.shared && probe->meta.same_as(k.created)) {
      probe->meta = k.not_running;
    } else {
      SharedAttrs created = probe->meta;
      probe->meta["op_target_rc"] = "7";
      if (!k.shared) {
        k.created = std::move(created);
        k.not_running = probe->meta;
        k.shared = true;
      }
    }
  } else if (rsc->role == Role::kPromoted) {
    probe->meta["op_target_rc"] = "8";
  }
  std::uint32_t flags = kOrderOptional;
  if (!probe->is(kActRunnable) && rsc->running_on.empty()) flags |= kOrderRunnableLeft;
  new_ordering(ws, rsc, "", probe, start_rsc, k.start, nullptr, flags);
  // "probe then reload": only meaningful when a reload was scheduled (that
  // happens before probes), so skip the ordering otherwise. (A clone has no
  // reload of its own for it to find.)
  if (k.has_reload && start_rsc == rsc) {
    new_ordering(ws, rsc, "", probe, rsc, op_key(rsc->id, "reload-agent", 0), nullptr,
                 kOrderOptional);
  }
  return true;
}

}  // namespace

void schedule_probes(WorkingSet& ws) {
  std::vector<ProbeKeys> keys(ws.all_rscs.size());
  for (auto& n : ws.nodes) {
    Node* node = n.get();
    if (!node->online) {
      fence_failed_remote_node(ws, node);  // remote.cpp
      continue;
    }
    if (node->unclean || !node->rsc_discovery_enabled) continue;
    if (auto probed = node_attr(node, "probe_complete"); probed && !is_true(*probed)) {
      Action* a = custom_action(ws, nullptr, "probe_again-" + node->uname, "probe_again", node,
                                false, true);
      a->meta["op_no_wait"] = "true";
      continue;
    }
    for (Resource* r : ws.resources) probe_rsc_on_node(ws, r, node, keys);
  }
}

}  // namespace vigil::pengine
