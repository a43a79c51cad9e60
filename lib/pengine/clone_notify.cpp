// SPDX-License-Identifier: GPL-2.0-or-later
// Clone notifications (notify=true; Pacemaker's pe_notif.c): pre- and
// post-notification pseudo-actions around a clone's start and stop, a
// notify action on every instance concerned, and the OCF_RESKEY_CRM_meta_
// notify_* variables (which instances start, stop, are active ... and
// where) on those actions and on the starts and stops themselves. The
// notify actions are made when the graph is built, after orderings are
// final, as Pacemaker does.
#include <strings.h>

#include <algorithm>
#include <cstring>

#include "internal.hpp"
#include "vigil/pengine/output.hpp"

namespace vigil::pengine {

struct NotifyData {
  struct Entry {
    Resource* rsc = nullptr;
    Node* node = nullptr;
  };
  std::string action;  // "start" or "stop"
  Action* pre = nullptr;
  Action* pre_done = nullptr;
  Action* post = nullptr;
  Action* post_done = nullptr;
  std::vector<Entry> active, inactive, unpromoted, promoted, start, stop, promote, demote;
  std::vector<std::pair<std::string, std::string>> keys;
  const Resource* allowed_from = nullptr;
};

namespace {

std::string notify_key(const std::string& rsc, const std::string& type, const std::string& op) {
  return rsc + "_" + type + "_notify_" + op + "_0";
}

Action* notify_pseudo(WorkingSet& ws, Resource* clone, const Action* action, const char* task,
                      const char* type) {
  Action* a = custom_action(ws, clone, notify_key(clone->id, type, action->task), task, nullptr,
                            action->is(kActOptional), true);
  a->set(kActPseudo);
  a->meta.emplace("notify_key_type", type);
  a->meta.emplace("notify_key_operation", action->task);
  return a;
}

// Sorted by instance id then node id, without repeating an instance; " "
// when empty, as the agents expect.
void entries_to_words(std::vector<NotifyData::Entry>& list, std::string* rscs, std::string* nodes) {
  std::stable_sort(list.begin(), list.end(),
                   [](const NotifyData::Entry& a, const NotifyData::Entry& b) {
                     int c = std::strcmp(a.rsc->id.c_str(), b.rsc->id.c_str());
                     if (c != 0) return c < 0;
                     if (!a.node || !b.node) return a.node && !b.node;
                     return std::strcmp(a.node->id.c_str(), b.node->id.c_str()) < 0;
                   });
  std::string r, n;
  const std::string* last = nullptr;
  for (const auto& e : list) {
    if (nodes && !e.node) continue;
    if (last && *last == e.rsc->id) continue;
    last = &e.rsc->id;
    r += (r.empty() ? "" : " ") + e.rsc->id;
    if (nodes) n += (n.empty() ? "" : " ") + e.node->uname;
  }
  if (rscs) *rscs = r.empty() ? " " : r;
  if (nodes) *nodes = n.empty() ? " " : n;
}

void collect(Resource* rsc, bool activity, NotifyData& n) {
  if (!n.allowed_from) n.allowed_from = rsc;
  if (!rsc->children.empty()) {
    for (Resource* c : rsc->children) collect(c, activity, n);
    return;
  }
  NotifyData::Entry e{rsc, rsc->running_on.empty() ? nullptr : rsc->running_on.front()};
  switch (rsc->role) {
    case Role::kStopped:
      n.inactive.push_back(e);
      break;
    case Role::kStarted:
      n.active.push_back(e);
      break;
    case Role::kUnpromoted:
      n.unpromoted.push_back(e);
      n.active.push_back(e);
      break;
    case Role::kPromoted:
      n.promoted.push_back(e);
      n.active.push_back(e);
      break;
    default:
      break;
  }
  if (!activity) return;
  for (Action* op : rsc->actions) {
    if (op->is(kActOptional) || !op->node) continue;
    bool unclean_stop = op->task == "stop" && op->node->unclean;
    if (!unclean_stop && !op->is(kActRunnable)) continue;
    NotifyData::Entry a{rsc, op->node};
    if (op->task == "start") {
      n.start.push_back(a);
    } else if (op->task == "stop") {
      n.stop.push_back(a);
    } else if (op->task == "promote") {
      n.promote.push_back(a);
    } else if (op->task == "demote") {
      n.demote.push_back(a);
    }
  }
}

void add_keys(WorkingSet& ws, NotifyData& n) {
  bool required = false;
  std::string r, nd;
  auto add = [&](const char* k, const std::string& v) { n.keys.emplace_back(k, v); };
  entries_to_words(n.stop, &r, &nd);
  if (r != " " && n.action == "stop") required = true;
  add("notify_stop_resource", r);
  add("notify_stop_uname", nd);
  if (!n.start.empty() && n.action == "start") required = true;
  entries_to_words(n.start, &r, &nd);
  add("notify_start_resource", r);
  add("notify_start_uname", nd);
  if (!n.demote.empty() && n.action == "demote") required = true;
  entries_to_words(n.demote, &r, &nd);
  add("notify_demote_resource", r);
  add("notify_demote_uname", nd);
  if (!n.promote.empty() && n.action == "promote") required = true;
  entries_to_words(n.promote, &r, &nd);
  add("notify_promote_resource", r);
  add("notify_promote_uname", nd);
  entries_to_words(n.active, &r, &nd);
  add("notify_active_resource", r);
  add("notify_active_uname", nd);
  entries_to_words(n.unpromoted, &r, &nd);
  add("notify_unpromoted_resource", r);
  add("notify_unpromoted_uname", nd);
  add("notify_slave_resource", r);  // the names older agents read
  add("notify_slave_uname", nd);
  entries_to_words(n.promoted, &r, &nd);
  add("notify_promoted_resource", r);
  add("notify_promoted_uname", nd);
  add("notify_master_resource", r);
  add("notify_master_uname", nd);
  entries_to_words(n.inactive, &r, nullptr);
  add("notify_inactive_resource", r);
  std::vector<const Node*> available;
  for (const auto& node : ws.nodes) {
    if (!n.allowed_from->allowed[node->index].present) continue;
    if (n.allowed_from->is_clone()) {
      const auto& dropped = n.allowed_from->clone->probe_dropped;  // rsc_actions.cpp
      if (static_cast<size_t>(node->index) < dropped.size() && dropped[node->index]) continue;
    }
    available.push_back(node.get());
  }
  std::sort(available.begin(), available.end(), [](const Node* a, const Node* b) {
    return numeric_strcasecmp(a->uname, b->uname) < 0;
  });
  std::string names;
  for (const Node* node : available) names += (names.empty() ? "" : " ") + node->uname;
  add("notify_available_uname", names.empty() ? " " : names);
  names.clear();
  for (const auto& node : ws.nodes) names += (names.empty() ? "" : " ") + node->uname;
  // Agents whose attributes go to the host (a bundle's) learn the host of
  // each node: a guest node's is where its container runs.
  if (auto target = lookup(n.allowed_from->meta, "container-attribute-target");
      target && *target == "host") {
    std::string hosts;
    for (const auto& node : ws.nodes) {
      const Node* host = node.get();
      if (is_guest_node(host) && !host->remote_rsc->container->running_on.empty()) {
        host = host->remote_rsc->container->current_node();
      }
      hosts += (hosts.empty() ? "" : " ") + host->uname;
    }
    add("notify_all_hosts", hosts.empty() ? " " : hosts);
  }
  add("notify_all_uname", names.empty() ? " " : names);
  if (required && n.pre) {
    n.pre->clear(kActOptional);
    n.pre_done->clear(kActOptional);
  }
  if (required && n.post) {
    n.post->clear(kActOptional);
    n.post_done->clear(kActOptional);
  }
}

void add_keys_to(const NotifyData& n, Action* a) {
  for (const auto& [k, v] : n.keys) a->meta.emplace(k, v);
}

Action* notify_action(WorkingSet& ws, Resource* rsc, Node* node, Action* op, Action* done,
                      const NotifyData& n) {
  if (!op || !done || !node->online || !op->is(kActRunnable)) return nullptr;
  auto type = lookup(op->meta, "notify_type");
  auto task = lookup(op->meta, "notify_operation");
  Action* a = custom_action(ws, rsc, notify_key(rsc->id, type ? *type : "", task ? *task : ""),
                            op->task, node, op->is(kActOptional), true);
  for (const auto& [k, v] : op->meta) a->meta.emplace(k, v);
  add_keys_to(n, a);
  order_actions(ws, op, a, kOrderOptional);
  order_actions(ws, a, done, kOrderOptional);
  return a;
}

void post_notify_action(WorkingSet& ws, Resource* rsc, Node* node, const NotifyData& n) {
  if (Action* a = notify_action(ws, rsc, node, n.post, n.post_done, n)) a->priority = kInfinity;
  if (!n.post_done) return;
  for (Action* mon : std::vector<Action*>(rsc->actions)) {
    auto interval = lookup(mon->meta, "interval");
    if (!interval || *interval == "0" || mon->task == "cancel") continue;
    order_actions(ws, n.post_done, mon, kOrderOptional);
  }
}

void create_notify_actions(WorkingSet& ws, Resource* rsc, const NotifyData& n) {
  if (!rsc->children.empty()) {
    for (Resource* c : rsc->children) create_notify_actions(ws, c, n);
    return;
  }
  for (Action* op : rsc->actions) {
    if (op->is(kActOptional) || !op->node) continue;
    if (op->task == "start" || op->task == "stop" || op->task == "promote" ||
        op->task == "demote") {
      add_keys_to(n, op);
    }
  }
  if (n.action == "start" && n.start.empty()) return;
  if (n.action == "promote" && n.promote.empty()) return;
  if (n.action == "demote" && n.demote.empty()) return;
  if (rsc->role != Role::kStopped && (n.action == "stop" || n.action == "demote")) {
    const std::string stop_task = "stop";
    Action* stop = find_first_action(rsc, nullptr, &stop_task, nullptr);
    for (Node* current : std::vector<Node*>(rsc->running_on)) {
      // Not the node being fenced, where the stop is implied.
      if (stop && stop->is(kActPseudo) && (current->unclean || current->remote_requires_reset))
        continue;
      notify_action(ws, rsc, current, n.pre, n.pre_done, n);
      if (n.action == "demote" || !stop || stop->is(kActOptional)) {
        post_notify_action(ws, rsc, current, n);
      }
    }
  }
  if (rsc->next_role != Role::kStopped && (n.action == "start" || n.action == "promote")) {
    const std::string start_task = "start";
    Action* start = find_first_action(rsc, nullptr, &start_task, nullptr);
    // Behind a Pacemaker Remote connection whose start is blocked, the start
    // or promotion never comes: no notifications.
    if (start && start->node && start->node->remote_rsc) {
      Action* remote_start =
          find_first_action(start->node->remote_rsc, nullptr, &start_task, nullptr);
      if (remote_start && !remote_start->is(kActRunnable)) return;
    }
    if (!rsc->allocated_to) return;
    if (n.action != "start" || !start || start->is(kActOptional)) {
      notify_action(ws, rsc, rsc->allocated_to, n.pre, n.pre_done, n);
    }
    post_notify_action(ws, rsc, rsc->allocated_to, n);
  }
}

}  // namespace

std::shared_ptr<NotifyData> clone_notify_pseudo_ops(WorkingSet& ws, Resource* clone,
                                                    const std::string& task, Action* action,
                                                    Action* complete) {
  if (!is_true(lookup(clone->meta, "notify"))) return nullptr;
  auto n = std::make_shared<NotifyData>();
  n->action = task;
  if (action) {
    n->pre = notify_pseudo(ws, clone, action, "notify", "pre");
    n->pre->set(kActRunnable);
    n->pre->meta.emplace("notify_type", "pre");
    n->pre->meta.emplace("notify_operation", task);
    n->pre_done = notify_pseudo(ws, clone, action, "notified", "confirmed-pre");
    n->pre_done->set(kActRunnable);
    n->pre_done->meta.emplace("notify_type", "pre");
    n->pre_done->meta.emplace("notify_operation", task);
    order_actions(ws, n->pre, n->pre_done, kOrderOptional);
    order_actions(ws, n->pre_done, action, kOrderOptional);
  }
  if (complete) {
    n->post = notify_pseudo(ws, clone, complete, "notify", "post");
    n->post->priority = kInfinity;
    if (complete->is(kActRunnable)) {
      n->post->set(kActRunnable);
    } else {
      n->post->clear(kActRunnable);
    }
    n->post->meta.emplace("notify_type", "post");
    n->post->meta.emplace("notify_operation", task);
    n->post_done = notify_pseudo(ws, clone, complete, "notified", "confirmed-post");
    n->post_done->priority = kInfinity;
    if (complete->is(kActRunnable)) {
      n->post_done->set(kActRunnable);
    } else {
      n->post_done->clear(kActRunnable);
    }
    n->post_done->meta.emplace("notify_type", "post");
    n->post_done->meta.emplace("notify_operation", task);
    order_actions(ws, complete, n->post, kOrderImpliesThen);
    order_actions(ws, n->post, n->post_done, kOrderImpliesThen);
  }
  if (action && complete) order_actions(ws, n->pre_done, n->post, kOrderOptional);
  return n;
}

void order_notify_after_stop_notify(WorkingSet& ws, const NotifyData& stop,
                                    const NotifyData& start) {
  if (stop.post_done && start.pre) order_actions(ws, stop.post_done, start.pre, kOrderOptional);
}

void order_promotion_notifications(WorkingSet& ws, const CloneData& cd) {
  const NotifyData& promote = *cd.promote_notify;
  const NotifyData& demote = *cd.demote_notify;
  // Promotions are notified after starts, stops and demotions are, and
  // demotions before starts and stops.
  order_actions(ws, cd.stop_notify->post_done, promote.pre, kOrderOptional);
  order_actions(ws, cd.start_notify->post_done, promote.pre, kOrderOptional);
  order_actions(ws, demote.post_done, promote.pre, kOrderOptional);
  order_actions(ws, demote.post_done, cd.start_notify->pre, kOrderOptional);
  order_actions(ws, demote.post_done, cd.stop_notify->pre, kOrderOptional);
}

void clone_create_notifications(WorkingSet& ws, Resource* clone, NotifyData* n) {
  if (!n) return;
  // Once: the graph is built once.
  if (n->keys.size()) return;
  collect(clone, true, *n);
  add_keys(ws, *n);
  create_notify_actions(ws, clone, *n);
}

void clone_notify_after_fencing(WorkingSet& ws, Action* stop, Resource* rsc, Action* stonith) {
  if (!parent_clone(rsc)) return;
  // The pseudo-actions are the instance's own, after the fencing.
  auto n = clone_notify_pseudo_ops(ws, rsc, "stop", nullptr, stonith);
  if (!n) return;
  collect(rsc, false, *n);
  n->keys.emplace_back("notify_stop_resource", rsc->id);
  n->keys.emplace_back("notify_stop_uname", stop->node ? stop->node->uname : "");
  create_notify_actions(ws, rsc->top(), *n);
}

}  // namespace vigil::pengine
