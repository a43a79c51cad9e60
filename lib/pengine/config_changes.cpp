// SPDX-License-Identifier: GPL-2.0-or-later
// Operation digests and what a changed resource definition implies: restart,
// reload, rescheduled monitors, cancelled orphan monitors, history clean-up.
#include <algorithm>
#include <cstring>

#include "bundle.hpp"
#include "internal.hpp"
#include "vigil/common/md5.hpp"

namespace vigil::pengine {

// Pacemaker's v1 operation digest: MD5 of the sorted <parameters/> element.
std::string params_digest(const AttrMap& params) {
  std::vector<std::pair<std::string, std::string>> sorted(params.begin(), params.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return strcmp(a.first.c_str(), b.first.c_str()) < 0;
  });
  std::string text = " <parameters";
  for (const auto& [k, v] : sorted) text += " " + k + "=\"" + xml::escaped(v) + "\"";
  text += "/>\n";
  return md5_hex(text);
}

AttrMap filter_for_digest(const AttrMap& op_params) {
  AttrMap out;
  const std::string* interval = lookup(op_params, "CRM_meta_interval");
  bool recurring = interval && !interval->empty() && *interval != "0";
  for (const auto& [k, v] : op_params) {
    if (k.rfind("CRM_meta_", 0) == 0) {
      if (recurring && k == "CRM_meta_timeout") out[k] = v;
      continue;
    }
    if (std::find(kDigestExcludedParams.begin(), kDigestExcludedParams.end(), k) !=
        kDigestExcludedParams.end()) {
      continue;
    }
    out[k] = v;
  }
  return out;
}

namespace {

enum class DigestRc { kMatch, kRestart, kAll, kUnknown };

struct Digests {
  DigestRc rc = DigestRc::kMatch;
  std::string all, restart, secure;
};

// All parameters an operation would run with, filtered as for digests.
AttrMap digest_params(WorkingSet& ws, Resource* rsc, Node* node, const std::string& task,
                      std::int64_t interval_ms, bool* has_extra) {
  Action* a = custom_action(ws, rsc, op_key(rsc->id, task, interval_ms), task, node, true, false);
  AttrMap p = rsc_params(ws, rsc, node);
  for (const auto& [k, v] : a->extra) p[k] = v;
  *has_extra = !a->extra.empty();
  if (interval_ms != 0) {
    if (auto t = lookup(a->meta, "timeout")) p["CRM_meta_timeout"] = *t;
  }
  for (std::string_view k : kDigestExcludedParams) {
    if (auto it = p.find(k); it != p.end()) p.erase(it);
  }
  return p;
}

Digests compare_digests(WorkingSet& ws, Resource* rsc, const cib::OpHistory& op, Node* node) {
  Digests d;
  bool has_extra = false;
  AttrMap params = digest_params(ws, rsc, node, op.task, op.interval_ms, &has_extra);
  if (op.interval_ms == 0 && has_extra) d.rc = DigestRc::kRestart;
  d.all = params_digest(params);
  if (ws.options.sanitized) {
    // Secure digest: without the parameters the agent declares secret.
    std::string version = op.feature_set;
    if (version.empty()) version = ws.cib.crm_feature_set;
    if (version.empty()) version = "3.16.1";
    bool old_version = compare_version(version, "3.16.0") < 0;
    const std::string& secure_list = op.secure_params;
    AttrMap secure = old_version ? rsc_params(ws, rsc, node) : params;
    for (auto it = secure.begin(); it != secure.end();) {
      bool drop =
          !secure_list.empty() && secure_list.find(" " + it->first + " ") != std::string::npos;
      if (old_version && rsc->cls == "stonith" && is_fence_param(it->first)) drop = true;
      if (old_version && it->first == "CRM_meta_timeout") drop = true;
      it = drop ? secure.erase(it) : std::next(it);
    }
    d.secure = params_digest(secure);
  }
  if (!op.restart_digest.empty()) {
    // Only the listed parameters need a restart; an empty list (an agent
    // whose parameters all reload) leaves none, as Pacemaker filters.
    AttrMap restart;
    const std::optional<std::string>& list = op.force_restart_params;
    for (const auto& [k, v] : params) {
      if (!list || list->find(" " + k + " ") != std::string::npos) restart[k] = v;
    }
    d.restart = params_digest(restart);
  }
  if (!op.restart_digest.empty() && !d.restart.empty() && d.restart != op.restart_digest) {
    d.rc = DigestRc::kRestart;
  } else if (op.digest.empty()) {
    d.rc = DigestRc::kUnknown;
  } else if (op.digest != d.all) {
    if (!(op.interval_ms == 0 && d.rc == DigestRc::kRestart)) d.rc = DigestRc::kAll;
  } else {
    d.rc = DigestRc::kMatch;
  }
  return d;
}

}  // namespace

bool is_fence_param(std::string_view name) {
  if (name == "provides" || name == "stonith-timeout") return true;
  if (name.substr(0, 5) != "pcmk_") return false;
  for (std::string_view p :
       {"pcmk_action_limit", "pcmk_delay_base", "pcmk_delay_max", "pcmk_host_argument",
        "pcmk_host_check", "pcmk_host_list", "pcmk_host_map"}) {
    if (name == p) return true;
  }
  // pcmk_<action>_action, pcmk_<action>_timeout, pcmk_<action>_retries
  const auto sep = name.find('_', 5);
  if (sep == std::string_view::npos) return false;
  const std::string_view rest = name.substr(sep);
  return rest == "_action" || rest == "_timeout" || rest == "_retries";
}

FencingDigests fencing_digests(WorkingSet& ws, Resource* rsc, Node* node) {
  // Pacemaker's "stonith-on" digest entries: computed as for an operation
  // with no history, the feature set of the CIB deciding the secure form.
  bool has_extra = false;
  AttrMap all = digest_params(ws, rsc, node, "stonith-on", 0, &has_extra);
  std::string version = ws.cib.crm_feature_set.empty() ? "3.16.2" : ws.cib.crm_feature_set;
  const bool old_version = compare_version(version, "3.16.0") < 0;
  AttrMap secure = old_version ? filter_for_digest(rsc_params(ws, rsc, node)) : all;
  for (auto it = secure.begin(); it != secure.end();) {
    const bool drop = it->first == "passwd" || it->first == "password" || it->first == "user" ||
                      (old_version && rsc->cls == "stonith" && is_fence_param(it->first)) ||
                      (old_version && it->first == "CRM_meta_timeout");
    it = drop ? secure.erase(it) : std::next(it);
  }
  return {params_digest(all), params_digest(secure)};
}

namespace {

void force_restart(WorkingSet& ws, Resource* rsc, const std::string& task, std::int64_t interval_ms,
                   Node* node) {
  Action* required =
      custom_action(ws, rsc, op_key(rsc->id, task, interval_ms), task, nullptr, false, true);
  set_reason(required, "resource definition change", true);
  trigger_unfencing(ws, rsc, node, "Device parameters changed");
}

void schedule_reload(WorkingSet& ws, Resource* rsc, Node* node) {
  if (!node || !rsc->is(kRscManaged) || rsc->is(kRscFailed)) return;
  if (rsc->is(kRscStartPending)) {
    custom_action(ws, rsc, op_key(rsc->id, "stop", 0), "stop", node, false, true);
    return;
  }
  rsc->set(kRscReload);
  Action* reload =
      custom_action(ws, rsc, op_key(rsc->id, "reload-agent", 0), "reload-agent", node, false, true);
  set_reason(reload, "resource definition change", false);
  new_ordering(ws, nullptr, "", reload, rsc, op_key(rsc->id, "stop", 0), nullptr,
               kOrderOptional | kOrderThenCancelsFirst);
  new_ordering(ws, nullptr, "", reload, rsc, op_key(rsc->id, "demote", 0), nullptr,
               kOrderOptional | kOrderThenCancelsFirst);
}

bool action_in_config(const Resource* rsc, const std::string& task, std::int64_t interval_ms) {
  if (!rsc->config) return false;
  for (const auto& op : rsc->config->ops) {
    if (op.enabled && op.name == task && op.interval_ms == interval_ms) return true;
  }
  return false;
}

void schedule_cancel(WorkingSet& ws, Resource* rsc, const cib::OpHistory& op, Node* node) {
  Action* cancel =
      custom_action(ws, rsc, op_key(rsc->id, op.task, op.interval_ms), "cancel", node, false, true);
  retask(cancel, "cancel");
  cancel->cancel_task = op.task;
  cancel->meta["operation"] = op.task;
  cancel->meta["interval"] = std::to_string(op.interval_ms);
  cancel->meta["call-id"] = std::to_string(op.call_id);
  new_ordering(ws, rsc, op_key(rsc->id, "stop", 0), nullptr, rsc, "", cancel, kOrderOptional);
}

bool check_action_config(WorkingSet& ws, Resource* rsc, Node* node, const cib::OpHistory& op) {
  if (op.interval_ms > 0) {
    if (!action_in_config(rsc, op.task, op.interval_ms)) {
      if (ws.config.stop_orphan_actions) schedule_cancel(ws, rsc, op, node);
      return true;
    }
  }
  std::string task = op.task;
  if (op.interval_ms == 0 && (task == "monitor" || task == "migrate_from" || task == "promote")) {
    task = "start";
  }
  Digests d = compare_digests(ws, rsc, op, node);
  if (ws.options.sanitized && d.rc != DigestRc::kMatch && !op.secure_digest.empty() &&
      d.secure == op.secure_digest) {
    return false;  // only secret parameters changed
  }
  if (std::find(ws.failure_expired_monitors.begin(), ws.failure_expired_monitors.end(), &op) !=
      ws.failure_expired_monitors.end()) {
    d.rc = DigestRc::kRestart;  // Pacemaker marks it "calculated-failure-timeout"
  }
  switch (d.rc) {
    case DigestRc::kRestart:
      force_restart(ws, rsc, task, op.interval_ms, node);
      return true;
    case DigestRc::kAll:
    case DigestRc::kUnknown:
      if (op.interval_ms > 0) {
        trigger_unfencing(ws, rsc, node, "Device parameters changed (reschedule)");
        Action* a =
            custom_action(ws, rsc, op_key(rsc->id, task, op.interval_ms), task, node, true, true);
        a->set(kActReschedule);
      } else if (!op.restart_digest.empty()) {
        trigger_unfencing(ws, rsc, node, "Device parameters changed (reload)");
        schedule_reload(ws, rsc, node);
      } else {
        force_restart(ws, rsc, task, op.interval_ms, node);
      }
      return true;
    default:
      return false;
  }
}

bool agent_changed(WorkingSet& ws, Resource* rsc, Node* node, const cib::ResourceHistory& h,
                   bool active) {
  bool changed = false;
  if (h.cls != rsc->cls) changed = true;
  if (h.type != rsc->type) changed = true;
  if ((h.provider.empty() ? std::string() : h.provider) != rsc->provider && rsc->cls == "ocf")
    changed = true;
  if (changed) trigger_unfencing(ws, rsc, node, "Device definition changed");
  if (changed && active) {
    Action* stop = stop_action(ws, rsc, node, false);
    set_reason(stop, "resource definition change", true);
  }
  return changed;
}

}  // namespace

bool params_changed_since(WorkingSet& ws, Resource* rsc, const cib::OpHistory& op, Node* node) {
  DigestRc rc = compare_digests(ws, rsc, op, node).rc;
  return rc != DigestRc::kMatch && rc != DigestRc::kUnknown;
}

void schedule_cleanup(WorkingSet& ws, Resource* rsc, Node* node, bool optional) {
  std::uint32_t flag = optional ? kOrderImpliesThen : kOrderOptional;
  if (rsc->is(kRscFailed)) return;
  if (node->unclean || !node->online) return;
  custom_action(ws, rsc, op_key(rsc->id, "delete", 0), "delete", node, optional, true);
  order_rsc_actions(ws, rsc, "stop", rsc, "delete", flag);
  order_rsc_actions(ws, rsc, "delete", rsc, "start", flag);
}

namespace {
void check_history_entry(WorkingSet& ws, Resource* rsc, Node* node, const cib::ResourceHistory& h);
}  // namespace

void handle_rsc_config_changes(WorkingSet& ws) {
  for (auto& np : ws.nodes) {
    Node* node = np.get();
    if (!(node->maintenance || node_available(node, false, 0))) continue;
    const cib::NodeState* st = nullptr;
    for (const auto& s : ws.cib.node_states) {
      if (s.uname == node->uname) {
        st = &s;
        break;
      }
    }
    if (!st) continue;
    for (const auto& h : st->resources) {
      if (h.ops.empty()) continue;
      // Every resource the entry names: by id, or clone instances by the
      // name their history uses (clone_unpack.cpp), newest match first.
      for (Resource* rsc : resources_named_by_history(ws, h.id)) {
        if (rsc->is_primitive()) check_history_entry(ws, rsc, node, h);
      }
    }
  }
}

namespace {

void check_history_entry(WorkingSet& ws, Resource* rsc, Node* node, const cib::ResourceHistory& h) {
  {
    {
      if (rsc->is(kRscOrphan)) {
        // An orphaned instance of an anonymous clone keeps its history.
        if (!is_anonymous_clone(rsc->top())) schedule_cleanup(ws, rsc, node, false);
        return;
      }
      bool running =
          std::find(rsc->running_on.begin(), rsc->running_on.end(), node) != rsc->running_on.end();
      if (!running) {
        if (agent_changed(ws, rsc, node, h, false)) schedule_cleanup(ws, rsc, node, false);
        return;
      }
      if (agent_changed(ws, rsc, node, h, true)) schedule_cleanup(ws, rsc, node, false);
      // Active ops: everything from the last start on (as calculate_active_ops).
      int counter = -1, start_index = -1, stop_index = -1, implied_monitor = -1, implied_clone = -1;
      for (const auto& op : h.ops) {
        ++counter;
        if (op.task == "stop" && op.op_status == 0) {
          stop_index = counter;
        } else if (op.task == "start" || op.task == "migrate_from") {
          start_index = counter;
        } else if (implied_monitor <= stop_index && op.task == "monitor") {
          if (op.has_rc && (op.rc == 0 || op.rc == 8)) implied_monitor = counter;
        } else if (op.task == "promote" || op.task == "demote") {
          implied_clone = counter;
        }
      }
      if (start_index == -1) start_index = implied_clone != -1 ? implied_clone : implied_monitor;
      if (start_index < stop_index) return;
      int offset = -1;
      for (const auto& op : h.ops) {
        if (++offset < start_index) continue;
        if (op.interval_ms > 0 && (rsc->is(kRscMaintenance) || node->maintenance)) {
          schedule_cancel(ws, rsc, op, node);
        } else if (op.interval_ms > 0 || op.task == "monitor" || op.task == "start" ||
                   op.task == "promote" || op.task == "migrate_from") {
          if (bundle_needs_remote_name(ws, rsc)) {
            ws.param_checks.push_back({rsc, node, &op, false});  // once its host is known
          } else if (check_action_config(ws, rsc, node, op) &&
                     failcount(ws, node, rsc, nullptr, true) != 0) {
            clear_failcount(ws, rsc, node, "action definition changed");
          }
        }
      }
    }
  }
}

}  // namespace

void run_param_checks(WorkingSet& ws) {
  for (const auto& c : ws.param_checks) {
    const char* reason = nullptr;
    if (c.last_failure) {
      if (params_changed_since(ws, c.rsc, *c.op, c.node))
        reason = "resource parameters have changed";
    } else if (check_action_config(ws, c.rsc, c.node, *c.op) &&
               failcount(ws, c.node, c.rsc, nullptr, true) != 0) {
      reason = "action definition changed";
    }
    if (reason) clear_failcount(ws, c.rsc, c.node, reason);
  }
  ws.param_checks.clear();
}

}  // namespace vigil::pengine
