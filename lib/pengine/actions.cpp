// SPDX-License-Identifier: GPL-2.0-or-later
// Creating actions and linking them: Pacemaker's custom_action() semantics
// (find-or-create by key and node, operation defaults, runnability).
#include <strings.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <functional>

#include "internal.hpp"
#include "vigil/common/number.hpp"

namespace vigil::pengine {

std::string op_key(const std::string& rsc, const std::string& task, std::int64_t interval_ms) {
  char num[24];
  auto end = std::to_chars(num, num + sizeof(num), interval_ms).ptr;
  std::string key;
  key.reserve(rsc.size() + task.size() + 2 + static_cast<size_t>(end - num));
  key += rsc;
  key += '_';
  key += task;
  key += '_';
  key.append(num, end);
  return key;
}

bool parse_op_key(const std::string& key, std::string* rsc, std::string* task,
                  std::int64_t* interval_ms) {
  auto last = key.rfind('_');
  if (last == std::string::npos || last == 0) return false;
  std::string num = key.substr(last + 1);
  if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos) return false;
  std::string rest = key.substr(0, last);
  // Tasks may contain underscores (migrate_to, migrate_from, last_failure).
  static const char* kMulti[] = {"migrate_to",           "migrate_from", "last_failure",
                                 "pre_notify",           "post_notify",  "confirmed-pre_notify",
                                 "confirmed-post_notify"};
  std::string t;
  for (const char* m : kMulti) {
    std::string suffix = std::string("_") + m;
    if (rest.size() > suffix.size() &&
        rest.compare(rest.size() - suffix.size(), suffix.size(), suffix) == 0) {
      t = m;
      rest = rest.substr(0, rest.size() - suffix.size());
      break;
    }
  }
  if (t.empty()) {
    auto mid = rest.rfind('_');
    if (mid == std::string::npos || mid == 0) return false;
    t = rest.substr(mid + 1);
    rest = rest.substr(0, mid);
  }
  if (rsc) *rsc = rest;
  if (task) *task = t;
  // Digits beyond int64 (a forged or corrupt key) make no interval.
  const auto interval = parse_int64(num);
  if (!interval) return false;
  if (interval_ms) *interval_ms = *interval;
  return true;
}

bool is_true(const std::string& v) {
  std::string s = v;
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s == "true" || s == "on" || s == "yes" || s == "y" || s == "1";
}

const std::string* lookup(const AttrMap& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

const std::string* node_attr(const Node* node, const std::string& name) {
  return node ? lookup(node->attrs, name) : nullptr;
}

void set_reason(Action* a, const std::string& reason, bool overwrite) {
  if (a->reason.empty() || overwrite) a->reason = reason;
}

namespace {

const cib::OpConfig* find_op_config(const Resource* rsc, const std::string& key,
                                    bool include_disabled) {
  if (!rsc->config) return nullptr;
  std::string k = key;
  for (int attempt = 0; attempt < 2; ++attempt) {
    for (const auto& op : rsc->config->ops) {
      if (!include_disabled && !op.enabled) continue;
      if (strcasecmp(op_key(rsc->id, op.name, op.interval_ms).c_str(), k.c_str()) == 0) return &op;
      // A clone instance's history names it as its clone's resource.
      if (!rsc->clone_name.empty() &&
          strcasecmp(op_key(rsc->clone_name, op.name, op.interval_ms).c_str(), k.c_str()) == 0) {
        return &op;
      }
    }
    if (key.find("migrate") != std::string::npos) {
      k = op_key(rsc->id, "migrate", 0);
    } else if (key.find("_notify_") != std::string::npos) {
      k = op_key(rsc->id, "notify", 0);
    } else {
      break;
    }
  }
  return nullptr;
}

const cib::OpConfig* min_interval_monitor(const Resource* rsc) {
  const cib::OpConfig* best = nullptr;
  if (!rsc->config) return nullptr;
  for (const auto& op : rsc->config->ops) {
    if (!op.enabled || op.name != "monitor" || op.interval_ms == 0) continue;
    if (!best || op.interval_ms < best->interval_ms) best = &op;
  }
  return best;
}

OnFail parse_on_fail(WorkingSet& ws, Action* a, const std::string* value_in) {
  std::string value = value_in ? *value_in : "";
  bool have = value_in != nullptr;
  if (a->task == "stop" && have) {
    std::string v = value;
    std::transform(v.begin(), v.end(), v.begin(), ::tolower);
    if (v == "standby" || v == "demote" || v == "stop") {
      ws.warnings.push_back("Resetting 'on-fail' for " + a->rsc->id +
                            " stop action to default value because '" + value +
                            "' is not allowed for stop");
      have = false;
    }
  } else if (a->task == "demote" && !have && a->rsc->config) {
    for (const auto& op : a->rsc->config->ops) {
      auto of = lookup(op.attrs, "on-fail");
      if (!of || !op.enabled || op.name != "monitor") continue;
      if (!(op.role == "Promoted" || op.role == "Master")) continue;
      if (op.interval_ms == 0 || *of == "demote") continue;
      value = *of;
      have = true;
      break;
    }
  } else if (a->task == "lrm_delete") {
    value = "ignore";
    have = true;
  }
  OnFail result = OnFail::kRecover;
  bool set = false;
  if (have) {
    std::string v = value;
    std::transform(v.begin(), v.end(), v.begin(), ::tolower);
    set = true;
    if (v == "block") {
      result = OnFail::kBlock;
    } else if (v == "fence") {
      result = OnFail::kFence;
      if (!ws.config.stonith_enabled) {
        result = OnFail::kStop;
        a->fail_role = Role::kStopped;
      }
    } else if (v == "standby") {
      result = OnFail::kStandby;
    } else if (v == "ignore" || v == "nothing") {
      result = OnFail::kIgnore;
    } else if (v == "migrate") {
      result = OnFail::kMigrate;
    } else if (v == "stop") {
      result = OnFail::kStop;
      a->fail_role = Role::kStopped;
    } else if (v == "restart") {
      result = OnFail::kRecover;
    } else if (v == "demote") {
      result = OnFail::kDemote;
    } else if (v == "restart-container" && a->rsc->container) {
      result = OnFail::kRestartContainer;
    } else {
      set = false;
    }
  }
  if (remote_on_fail_default(ws, a, set, &result)) return result;  // remote.cpp
  if (!set) {
    if (a->task == "stop") {
      result = ws.config.stonith_enabled ? OnFail::kFence : OnFail::kBlock;
    } else {
      result = OnFail::kRecover;
    }
  }
  return result;
}

void unpack_operation(WorkingSet& ws, Action* a) {
  Resource* rsc = a->rsc;
  bool is_probe = a->task == "monitor" && a->interval_ms == 0;
  rules::RuleInput in = rsc_rule_input(ws, rsc);
  in.op_name = &a->task;
  in.op_interval_ms = a->interval_ms;
  rules::apply_nvsets(ws.cib.op_defaults, in, a->meta.mut());
  if (is_probe) {
    if (const auto* mon = min_interval_monitor(rsc)) {
      if (auto t = lookup(mon->attrs, "timeout")) a->meta["timeout"] = *t;
    }
  }
  if (a->op) {
    rules::apply_nvsets(a->op->meta_sets, in, a->meta.mut(), true);
    for (const auto& [k, v] : a->op->attrs) a->meta[k] = v;
  }
  a->meta.erase("id");
  if (a->interval_ms > 0) {
    a->meta["interval"] = std::to_string(a->interval_ms);
  } else {
    a->meta.erase("interval");
  }
  if (rsc->cls == "stonith" && (a->task == "start" || is_probe)) {
    AttrMap params = rsc_params(ws, rsc, a->node);
    if (auto t = lookup(params, "pcmk_monitor_timeout")) a->meta["timeout"] = *t;
  }
  std::int64_t timeout_ms = 20000;
  if (auto t = lookup(a->meta, "timeout")) {
    auto ms = parse_interval_ms(*t);
    if (ms && *ms >= 0) timeout_ms = *ms;
  }
  a->meta["timeout"] = std::to_string(timeout_ms);

  if (a->task != "start" && a->task != "promote") {
    a->needs = Needs::kNothing;
  } else if (rsc->is(kRscNeedsFencing)) {
    a->needs = Needs::kFencing;
  } else if (rsc->is(kRscNeedsQuorum)) {
    a->needs = Needs::kQuorum;
  } else {
    a->needs = Needs::kNothing;
  }
  a->on_fail = parse_on_fail(ws, a, lookup(a->meta, "on-fail"));
  // Only a configured "block" reaches the graph (normalised); the default
  // block of stops without fencing stays implicit, as in Pacemaker.
  if (auto v = lookup(a->meta, "on-fail");
      v && a->on_fail == OnFail::kBlock && strcasecmp(v->c_str(), "block") == 0) {
    a->meta["on-fail"] = "block";
  }
  if (a->fail_role == Role::kUnknown) {
    if (auto v = lookup(a->meta, "role_after_failure")) a->fail_role = role_from_text(*v);
  }
  if (a->fail_role == Role::kUnknown) {
    a->fail_role = (a->task == "promote") ? Role::kUnpromoted : Role::kStarted;
  }
  if (auto v = lookup(a->meta, "start-delay")) {
    auto ms = parse_interval_ms(*v);
    a->meta["start-delay"] = std::to_string(ms && *ms > 0 ? *ms : 0);
  } else if (auto origin = lookup(a->meta, "interval-origin"); origin && a->interval_ms > 0) {
    if (auto t = parse_iso8601(*origin)) {
      std::int64_t secs = a->interval_ms / 1000;
      std::int64_t result = (ws.options.now - *t) % secs;
      result = ((result <= 0) ? 0 : secs) - result;
      a->meta["start-delay"] = std::to_string(result * 1000);
    }
  }
}

void update_action_optional(Action* a, bool optional) {
  if (a->rsc && a->node && !a->is(kActPseudo) && !a->rsc->is(kRscManaged) &&
      !lookup(a->meta, "interval")) {
    a->set(kActOptional);
  } else if (!optional) {
    a->clear(kActOptional);
  }
}

NoQuorumPolicy effective_quorum_policy(WorkingSet& ws, Resource* rsc) {
  if (ws.have_quorum) return NoQuorumPolicy::kIgnore;
  if (ws.config.no_quorum == NoQuorumPolicy::kDemote) {
    if (rsc->role == Role::kPromoted || rsc->role == Role::kUnpromoted) {
      if (rsc->next_role > Role::kUnpromoted) rsc->next_role = Role::kUnpromoted;
      return NoQuorumPolicy::kIgnore;
    }
    return NoQuorumPolicy::kStop;
  }
  return ws.config.no_quorum;
}

bool rsc_active(const Resource* rsc) {
  if (!rsc->children.empty()) {
    for (auto* c : rsc->children) {
      if (rsc_active(c)) return true;
    }
    return false;
  }
  return !rsc->running_on.empty();
}

void fence_node(WorkingSet& ws, Node* node, const std::string& reason, bool priority_delay);

void update_runnable(WorkingSet& ws, Action* a, bool for_graph) {
  if (a->is(kActPseudo)) return;
  if (!a->node) {
    a->clear(kActRunnable);
  } else if (!a->is(kActDc) && !a->node->online && !runnable_on_guest(a->node)) {
    a->clear(kActRunnable);
    if (a->rsc->is(kRscManaged) && for_graph && a->task == "stop" && !a->node->unclean) {
      fence_node(ws, a->node, "stop is unrunnable", false);
    }
  } else if (!a->is(kActDc) && a->node->pending) {
    a->clear(kActRunnable);
  } else if (a->needs == Needs::kNothing) {
    a->reason.clear();
    // Unless on a guest whose host is unclean and cannot be fenced.
    if (is_guest_node(a->node) && !can_fence(ws, a->node)) {
      a->clear(kActRunnable);
    } else {
      a->set(kActRunnable);
    }
  } else {
    switch (effective_quorum_policy(ws, a->rsc)) {
      case NoQuorumPolicy::kStop:
        a->clear(kActRunnable);
        set_reason(a, "no quorum", true);
        break;
      case NoQuorumPolicy::kFreeze:
        if (!rsc_active(a->rsc) || a->rsc->next_role > a->rsc->role) {
          a->clear(kActRunnable);
          set_reason(a, "quorum freeze", true);
        }
        break;
      default:
        a->set(kActRunnable);
        break;
    }
  }
}

}  // namespace

bool can_fence(const WorkingSet& ws, const Node* node) {
  if (is_guest_node(node)) return can_fence_guest(ws, node);  // remote.cpp
  if (!ws.config.stonith_enabled || !ws.config.have_stonith_resource) return false;
  if (ws.have_quorum) return true;
  if (ws.config.no_quorum == NoQuorumPolicy::kIgnore) return true;
  if (!node) return false;
  if (node->online) return true;  // partition holds it
  return false;
}

namespace {
void fence_node(WorkingSet& ws, Node* node, const std::string& reason, bool priority_delay) {
  if (node->is_pcmk_remote()) {
    fence_pcmk_remote_node(ws, node, reason);  // remote.cpp
    return;
  }
  if (node->unclean) return;
  node->unclean = true;
  fence_op(ws, node, "", true, reason, priority_delay);
}
}  // namespace

void pe_fence_node(WorkingSet& ws, Node* node, const std::string& reason, bool priority_delay) {
  fence_node(ws, node, reason, priority_delay);
}

Action* find_first_action(const std::vector<Action*>& list, const std::string* uuid,
                          const std::string* task, const Node* node) {
  for (Action* a : list) {
    if (uuid && strcasecmp(uuid->c_str(), a->uuid.c_str()) != 0) continue;
    if (task && strcasecmp(task->c_str(), a->task.c_str()) != 0) continue;
    if (!node) return a;
    if (!a->node) continue;
    if (a->node == node) return a;
  }
  return nullptr;
}

std::vector<Action*> find_actions(const std::vector<Action*>& list, const std::string& key,
                                  const Node* node) {
  std::vector<Action*> out;
  for (Action* a : list) {
    if (strcasecmp(key.c_str(), a->uuid.c_str()) != 0) continue;
    if (!node) {
      out.push_back(a);
    } else if (!a->node) {
      a->node = const_cast<Node*>(node);
      a->touch();
      out.push_back(a);
    } else if (a->node == node) {
      out.push_back(a);
    }
  }
  // Pacemaker builds these by prepending over a newest-first list.
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<Action*> find_actions_exact(const std::vector<Action*>& list, const std::string& key,
                                        const Node* node) {
  std::vector<Action*> out;
  if (!node) return out;
  for (Action* a : list) {
    if (a->node && a->node == node && strcasecmp(key.c_str(), a->uuid.c_str()) == 0) {
      out.push_back(a);
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<Action*> find_actions(const Resource* rsc, const std::string& key, const Node* node) {
  auto it = rsc->actions_by_key.find(key);
  if (it == rsc->actions_by_key.end()) return {};
  KeyedActions& k = const_cast<KeyedActions&>(it->second);
  if (!node) return k.all;  // oldest first, as Pacemaker's result
  if (!k.nodeless.empty()) {
    // Pacemaker gives node-less actions the node they were looked up with.
    std::vector<Action*> moved = std::move(k.nodeless);
    k.nodeless.clear();
    std::vector<Action*> mine = k.list_on(node->index);
    for (Action* a : moved) {
      a->node = const_cast<Node*>(node);
      a->touch();
    }
    mine.insert(mine.end(), moved.begin(), moved.end());
    std::sort(mine.begin(), mine.end(),
              [](const Action* x, const Action* y) { return x->id < y->id; });
    k.set_on(node->index, std::move(mine));
  }
  return k.list_on(node->index);
}

namespace {
Action* first_keyed(KeyedActions& k, const Resource* rsc, const std::string& key,
                    const Node* node) {
  if (!node) return k.all.empty() ? nullptr : k.all.front();
  if (!k.nodeless.empty()) return find_actions(rsc, key, node).front();
  return k.first_on(node->index);
}
}  // namespace

// find_actions(...).front() without building the list.
Action* find_first_keyed(const Resource* rsc, const std::string& key, const Node* node) {
  auto it = rsc->actions_by_key.find(key);
  if (it == rsc->actions_by_key.end()) return nullptr;
  KeyedActions& k = const_cast<KeyedActions&>(it->second);
  if (!node) return k.all.empty() ? nullptr : k.all.front();
  if (!k.nodeless.empty()) return find_actions(rsc, key, node).front();
  return k.first_on(node->index);
}

std::vector<Action*> find_actions_exact(const Resource* rsc, const std::string& key,
                                        const Node* node) {
  if (!node) return {};
  auto it = rsc->actions_by_key.find(key);
  if (it == rsc->actions_by_key.end()) return {};
  return it->second.list_on(node->index);
}

Action* find_first_action(const Resource* rsc, const std::string* uuid, const std::string* task,
                          const Node* node) {
  const std::vector<Action*>* list = nullptr;
  if (uuid) {
    auto it = rsc->actions_by_key.find(*uuid);
    if (it == rsc->actions_by_key.end()) return nullptr;
    if (node) {
      // Newest first, as Pacemaker walks its list.
      return it->second.newest_on(node->index, [&](const Action* a) {
        return (!task || a->task == *task) && a->node == node;
      });
    } else {
      list = &it->second.all;
    }
  } else if (task) {
    auto it = rsc->actions_by_task.find(*task);
    if (it == rsc->actions_by_task.end()) return nullptr;
    list = &it->second;
  } else {
    return nullptr;
  }
  // Newest first, as Pacemaker walks its list.
  for (auto it = list->rbegin(); it != list->rend(); ++it) {
    Action* a = *it;
    if (task && a->task != *task) continue;
    if (!node) return a;
    if (a->node == node) return a;
  }
  return nullptr;
}

std::vector<Action*> rsc_actions(const Resource* rsc, const Node* node, const std::string& task,
                                 bool require_node) {
  std::string key = op_key(rsc->id, task, 0);
  return require_node ? find_actions_exact(rsc, key, node) : find_actions(rsc, key, node);
}

Action* custom_action(WorkingSet& ws, Resource* rsc, const std::string& key,
                      const std::string& task, Node* node, bool optional, bool save) {
  Action* a = nullptr;
  // One lookup of the key serves both the search and the creation.
  KeyedActions* keyed = nullptr;
  if (save) {
    if (rsc) {
      keyed = &rsc->actions_by_key.try_emplace(key).first->second;
      a = first_keyed(*keyed, rsc, key, node);
    } else {
      auto it = ws.singletons.find(key);
      if (it != ws.singletons.end() && (!node || it->second->node == node)) a = it->second;
    }
  }
  if (!a) {
    a = &ws.action_store.emplace_back();
    a->rsc = rsc;
    a->task = task;
    a->uuid = key;
    a->node = node;
    if (task == "lrm_delete") a->set(kActDc);  // history erase: the DC can do it
    a->set(kActRunnable);
    if (optional) {
      a->set(kActOptional);
    } else {
      a->clear(kActOptional);
    }
    if (rsc) {
      // The interval is the key's last field.
      auto us = key.rfind('_');
      a->interval_ms = us == std::string::npos ? 0 : std::atoll(key.c_str() + us + 1);
      // The outcome depends only on the resource and key (fencing devices
      // also read node-specific parameters), so it is computed once.
      bool cacheable = rsc->cls != "stonith";
      const OpTemplate* cached = nullptr;
      if (cacheable && keyed && keyed->tmpl) {
        cached = keyed->tmpl.get();
      } else if (cacheable) {
        auto it = rsc->op_templates.find(key);
        if (it != rsc->op_templates.end()) {
          cached = it->second.get();
          if (keyed) keyed->tmpl = it->second;
        }
      }
      if (cached && cached->task == task) {
        a->op = cached->op;
        a->meta = cached->meta;
        a->on_fail = cached->on_fail;
        a->fail_role = cached->fail_role;
        a->needs = static_cast<Needs>(cached->needs);
      } else {
        a->op = find_op_config(rsc, key, true);
        unpack_operation(ws, a);
        if (cacheable) {
          auto t = std::make_shared<OpTemplate>();
          t->op = a->op;
          t->meta = a->meta;
          t->on_fail = a->on_fail;
          t->fail_role = a->fail_role;
          t->needs = static_cast<int>(a->needs);
          t->task = task;
          if (keyed) keyed->tmpl = t;
          rsc->op_templates.emplace(key, std::move(t));
        }
      }
    }
    if (save) {
      a->id = ws.next_action_id++;
      ws.actions.push_back(a);
      if (rsc) {
        // Newest first, like Pacemaker's prepend.
        rsc->actions.push_back(a);
        keyed->all.push_back(a);
        if (node) {
          keyed->add_on(node->index, a);
        } else {
          keyed->nodeless.push_back(a);
        }
        if (!keyed->task_list || *keyed->task_list_name != task) {
          auto it = rsc->actions_by_task.try_emplace(task).first;
          keyed->task_list_name = &it->first;
          keyed->task_list = &it->second;
        }
        keyed->task_list->push_back(a);
        a->touch();
      } else {
        ws.singletons[key] = a;
      }
    } else {
      // Transient action: kept alive by the working set but never scheduled.
      ws.actions.push_back(a);
      a->id = -1;
    }
  }
  update_action_optional(a, optional);
  if (rsc) {
    if (a->node && a->op && !a->is(kActHaveNodeAttrs)) {
      a->set(kActHaveNodeAttrs);
      rules::RuleInput in;
      in.node_attrs = &a->node->attrs;
      in.now = ws.options.now;
      // Built aside and kept only when there is any: most actions have none.
      AttrMap extra = a->extra.map();
      rules::apply_nvsets(a->op->instance_sets, in, extra);
      if (!extra.empty() || !a->extra.empty()) a->extra.mut() = std::move(extra);
    }
    update_runnable(ws, a, save);
    if (save) {
      if (task == "stop") {
        rsc->set(kRscStopping);
      } else if (task == "start") {
        if (a->is(kActRunnable)) {
          rsc->set(kRscStarting);
        } else {
          rsc->clear(kRscStarting);
        }
      }
    }
  }
  return a;
}

void update_recheck_time(WorkingSet& ws, EpochSeconds when) {
  if (when > ws.options.now && (ws.recheck_by == 0 || when < ws.recheck_by)) ws.recheck_by = when;
}

Action* clear_resource_history(WorkingSet& ws, Resource* rsc, Node* node) {
  return custom_action(ws, rsc, op_key(rsc->id, "lrm_delete", 0), "lrm_delete", node, false, true);
}

bool action_keeps_shutdown_lock(const Action* a) {
  if (!a || !a->rsc || !a->rsc->lock_node || !a->node || a->node != a->rsc->lock_node) return false;
  // While the node shuts down only its stops keep the lock; any other action
  // completing would make the controller drop it.
  return !a->node->shutdown || a->task == "stop";
}

void retask(Action* a, const std::string& task) {
  if (a->task == task) return;
  if (a->rsc && a->id > 0) {
    auto& old = a->rsc->actions_by_task[a->task];
    old.erase(std::remove(old.begin(), old.end(), a), old.end());
    auto& now = a->rsc->actions_by_task[task];
    // Keep creation order within the new task's list.
    auto pos = std::lower_bound(now.begin(), now.end(), a,
                                [](const Action* x, const Action* y) { return x->id < y->id; });
    now.insert(pos, a);
  }
  a->task = task;
  a->touch();
}

Action* pseudo_op(WorkingSet& ws, const std::string& name) {
  auto it = ws.singletons.find(name);
  if (it != ws.singletons.end()) return it->second;
  Action* a = custom_action(ws, nullptr, name, name, nullptr, true, true);
  a->set(kActPseudo | kActRunnable);
  return a;
}

Action* rsc_pseudo_action(WorkingSet& ws, Resource* rsc, const std::string& task, bool optional,
                          bool runnable) {
  Action* a = custom_action(ws, rsc, op_key(rsc->id, task, 0), task, nullptr, optional, true);
  a->set(kActPseudo);
  if (runnable) a->set(kActRunnable);
  return a;
}

Action* fence_op(WorkingSet& ws, Node* node, const std::string& op_in, bool optional,
                 const std::string& reason, bool priority_delay) {
  std::string op = op_in.empty() ? ws.config.stonith_action : op_in;
  std::string key = "stonith-" + node->uname + "-" + op;
  Action* a = nullptr;
  auto it = ws.singletons.find(key);
  if (it != ws.singletons.end()) {
    a = it->second;
  } else {
    a = custom_action(ws, nullptr, key, "stonith", node, true, true);
    a->meta["on_node"] = node->uname;
    a->meta["on_node_uuid"] = node->id;
    a->meta["stonith_action"] = op;
    // Lets the fencer see whether a device changed since it unfenced.
    if (ws.config.enable_unfencing) add_unfencing_digests(ws, node, a, &optional);
  }
  if (ws.config.priority_fencing_delay_s > 0 &&
      (priority_delay || lookup(a->meta, "priority-fencing-delay"))) {
    int delay = 0;
    if (node->type == "member" && !node->online) {
      int members = 0, online = 0, top = 0, lowest = 0;
      for (auto& n : ws.nodes) {
        if (n->type != "member") continue;
        ++members;
        if (n->online) ++online;
        if (members == 1 || n->priority > top) top = n->priority;
        if (members == 1 || n->priority < lowest) lowest = n->priority;
      }
      if (!(online > members / 2) && lowest != top && node->priority >= top) {
        delay = ws.config.priority_fencing_delay_s;
      }
    }
    a->meta["priority-fencing-delay"] = std::to_string(delay);
  }
  if (!optional && can_fence(ws, node)) {
    a->clear(kActOptional);
    set_reason(a, reason, false);
  } else if (!reason.empty() && a->reason.empty()) {
    a->reason = reason;
  }
  return a;
}

Action* stop_action(WorkingSet& ws, Resource* rsc, Node* node, bool optional) {
  return custom_action(ws, rsc, op_key(rsc->id, "stop", 0), "stop", node, optional);
}
Action* start_action(WorkingSet& ws, Resource* rsc, Node* node, bool optional) {
  return custom_action(ws, rsc, op_key(rsc->id, "start", 0), "start", node, optional);
}
Action* promote_action(WorkingSet& ws, Resource* rsc, Node* node, bool optional) {
  return custom_action(ws, rsc, op_key(rsc->id, "promote", 0), "promote", node, optional);
}
Action* demote_action(WorkingSet& ws, Resource* rsc, Node* node, bool optional) {
  return custom_action(ws, rsc, op_key(rsc->id, "demote", 0), "demote", node, optional);
}

bool order_actions(WorkingSet& ws, Action* first, Action* then, std::uint32_t type) {
  if (type == kOrderNone || !first || !then || first == then) return false;
  // Links are made in pairs, so when `then` has no input from `first` there
  // is nothing to filter: a long list of outputs (load_stopped_NODE before
  // every start) is not scanned for each new link.
  bool maybe_linked = first->after.size() <= then->before.size();
  if (!maybe_linked) {
    for (const ActionLink* l : then->before) {
      if (l->action == first) {
        maybe_linked = true;
        break;
      }
    }
  }
  if (maybe_linked) {
    for (const ActionLink* l : first->after) {
      if (l->action == then && (l->type & type)) return false;
    }
  }
  first->after.push_front(&ws.links.emplace_back(then, type, false));
  then->before.push_front(&ws.links.emplace_back(first, type, false));
  return true;
}

void new_ordering(WorkingSet& ws, Resource* first_rsc, std::string first_task, Action* first_action,
                  Resource* then_rsc, std::string then_task, Action* then_action,
                  std::uint32_t flags) {
  Ordering o;
  o.id = static_cast<int>(ws.orderings.size());
  o.flags = flags;
  o.first_rsc = first_rsc ? first_rsc : (first_action ? first_action->rsc : nullptr);
  o.then_rsc = then_rsc ? then_rsc : (then_action ? then_action->rsc : nullptr);
  o.first_action = first_action;
  o.then_action = then_action;
  // With an action given, its key is not copied (the action has it).
  o.first_task = first_action ? std::string() : std::move(first_task);
  o.then_task = then_action ? std::string() : std::move(then_task);
  ws.orderings.emplace_back(o);
  order_migration_equivalents(ws, o);
}

namespace {
bool is_parent_of(const Resource* parent, const Resource* child) {
  for (const Resource* p = child->parent; p; p = p->parent) {
    if (p == parent) return true;
  }
  return false;
}
std::string task_of(const Action* a, const std::string& key) {
  if (a) return a->task;
  std::string task;
  parse_op_key(key, nullptr, &task, nullptr);
  return task;
}
}  // namespace

// Orderings between migratable resources also order the migration actions.
void order_migration_equivalents(WorkingSet& ws, const Ordering& order) {
  Resource* first = order.first_rsc;
  Resource* then = order.then_rsc;
  if (!first || !then || first == then || is_parent_of(first, then) || is_parent_of(then, first))
    return;
  bool first_m = first->is(kRscAllowMigrate), then_m = then->is(kRscAllowMigrate);
  if (!first_m && !then_m) return;
  std::string ft = task_of(order.first_action, order.first_task);
  std::string tt = task_of(order.then_action, order.then_task);
  if (ft == "start" && tt == "start") {
    std::uint32_t flags = kOrderOptional;
    if (first_m && then_m) order_rsc_actions(ws, first, "migrate_from", then, "migrate_to", flags);
    if (then_m) {
      if (first_m) flags |= kOrderApplyFirstNonMigratable;
      order_rsc_actions(ws, first, "start", then, "migrate_to", flags);
    }
  } else if (then_m && ft == "stop" && tt == "stop") {
    std::uint32_t flags = kOrderOptional;
    if (first_m) flags |= kOrderApplyFirstNonMigratable;
    order_rsc_actions(ws, first, "stop", then, "migrate_to", flags);
    if (then->partial_migration_target)
      order_rsc_actions(ws, first, "stop", then, "migrate_from", flags);
  } else if (ft == "promote" && tt == "start") {
    if (then_m) order_rsc_actions(ws, first, "promote", then, "migrate_to", kOrderOptional);
  } else if (ft == "demote" && tt == "stop") {
    if (then_m) {
      order_rsc_actions(ws, first, "demote", then, "migrate_to", kOrderOptional);
      if (then->partial_migration_target)
        order_rsc_actions(ws, first, "demote", then, "migrate_from", kOrderOptional);
    }
  }
}

void order_rsc_actions(WorkingSet& ws, Resource* first, const std::string& first_task,
                       Resource* then, const std::string& then_task, std::uint32_t flags) {
  new_ordering(ws, first, op_key(first->id, first_task, 0), nullptr, then,
               op_key(then->id, then_task, 0), nullptr, flags);
}

}  // namespace vigil::pengine
