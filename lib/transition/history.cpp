// SPDX-License-Identifier: GPL-2.0-or-later
// lrm_rsc_op records, transition keys and the CIB update carrying a result.
#include "vigil/transition/history.hpp"

#include <charconv>
#include <limits>

#include "vigil/common/xml.hpp"
#include "vigil/pengine/digest.hpp"

namespace vigil::transition {

namespace {

Error invalid(const std::string& msg) {
  return Error(ErrorCode::kInvalidInput, msg);
}

std::optional<int> whole_int(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string op_key(const std::string& rsc, const std::string& task, std::int64_t interval_ms) {
  return rsc + "_" + task + "_" + std::to_string(interval_ms);
}

// Pacemaker's word list for op-force-restart/op-secure-params: a lone space
// opens it, words follow separated by spaces, a lone space closes it; every
// addition after the first is preceded by a space ("  a b  ").
void add_word(std::string& list, bool& started, const std::string& word) {
  if (!started) {
    list = " ";
    started = true;
  }
  list += " " + word;
}
void close_list(std::string& list, bool started) {
  if (started) list += "  ";
}

// Operations whose records may carry the meta-data based digests.
bool needs_metadata(const GraphPrimitive& p, const std::string& op) {
  if (p.cls != "ocf" && p.cls != "stonith") return false;
  for (const char* t : {"start", "monitor", "promote", "demote", "reload", "reload-agent",
                        "migrate_to", "migrate_from"}) {
    if (op == t) return true;
  }
  return false;
}

bool op_failed(int op_status, int rc, int target_rc) {
  switch (op_status) {
    case kExecCancelled:
    case kExecPending:
      return false;
    case kExecNotSupported:
    case kExecTimeout:
    case kExecError:
    case kExecNotConnected:
    case kExecNoFenceDevice:
    case kExecNoSecrets:
    case kExecInvalid:
      return true;
    default:
      return rc != target_rc;
  }
}

}  // namespace

std::string encode_transition_key(const TransitionKey& key) {
  std::string uuid = key.uuid;
  if (uuid.size() < 36) uuid.append(36 - uuid.size(), ' ');
  return std::to_string(key.action_id) + ":" + std::to_string(key.transition_id) + ":" +
         std::to_string(key.target_rc) + ":" + uuid;
}

Result<TransitionKey> decode_transition_key(std::string_view text) {
  TransitionKey k;
  int* fields[3] = {&k.action_id, &k.transition_id, &k.target_rc};
  std::string_view rest = text;
  for (int* f : fields) {
    auto colon = rest.find(':');
    if (colon == std::string_view::npos) {
      return invalid("transition key '" + std::string(text) + "': expected 4 ':'-separated fields");
    }
    auto v = whole_int(rest.substr(0, colon));
    if (!v) {
      return invalid("transition key '" + std::string(text) + "': bad number '" +
                     std::string(rest.substr(0, colon)) + "'");
    }
    *f = *v;
    rest.remove_prefix(colon + 1);
  }
  // The UUID: up to 36 characters, without trailing padding.
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  if (rest.empty() || rest.size() > 36 || rest.find_first_of(" :;") != std::string_view::npos) {
    return invalid("transition key '" + std::string(text) + "': bad UUID");
  }
  k.uuid = std::string(rest);
  return k;
}

std::string encode_transition_magic(const TransitionMagic& magic) {
  return std::to_string(magic.op_status) + ":" + std::to_string(magic.rc) + ";" +
         encode_transition_key(magic.key);
}

Result<TransitionMagic> decode_transition_magic(std::string_view text) {
  TransitionMagic m;
  auto colon = text.find(':');
  auto semi = text.find(';');
  if (colon == std::string_view::npos || semi == std::string_view::npos || semi < colon) {
    return invalid("transition magic '" + std::string(text) + "': expected 'status:rc;key'");
  }
  auto st = whole_int(text.substr(0, colon));
  auto rc = whole_int(text.substr(colon + 1, semi - colon - 1));
  if (!st || !rc) return invalid("transition magic '" + std::string(text) + "': bad number");
  m.op_status = *st;
  m.rc = *rc;
  auto key = decode_transition_key(text.substr(semi + 1));
  if (!key) return key.error().with_context("transition magic '" + std::string(text) + "'");
  m.key = std::move(key).value();
  return m;
}

const std::string* HistoryRecord::attr(std::string_view name) const {
  for (const auto& [k, v] : attrs) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::string HistoryRecord::xml() const {
  std::string out = "<lrm_rsc_op";
  for (const auto& [k, v] : attrs) {
    out += " " + k + "=\"";
    xml::append_escaped(out, v);
    out += "\"";
  }
  out += "/>";
  return out;
}

std::string op_digest(const GraphAction& action) {
  rules::AttrMap params(action.attributes.begin(), action.attributes.end());
  return pengine::params_digest(pengine::filter_for_digest(params));
}

Result<std::vector<HistoryRecord>> build_history(const GraphAction& action, const OpResult& result,
                                                 const HistoryContext& ctx) {
  if (action.kind != ActionKind::kRscOp || !action.primitive) {
    return invalid("action " + std::to_string(action.id) + " (" + action.operation_key +
                   "): not a resource action, nothing to record");
  }
  const std::string& rsc = action.primitive->id;
  std::string task = action.operation;
  if (task == "reload" || task == "reload-agent") {
    task = result.op_status == kExecDone ? "start" : "monitor";
  }
  const std::string key = op_key(rsc, task, action.interval_ms);
  const bool failed = op_failed(result.op_status, result.rc, action.target_rc);
  const bool migrate = action.operation == "migrate_to" || action.operation == "migrate_from";

  std::vector<std::string> ids;
  bool notify = task == "notify";
  int rc = result.rc, op_status = result.op_status;
  if (notify) {
    const std::string* type = action.meta("notify_type");
    const std::string* op = action.meta("notify_operation");
    if (!type || !op) {
      return invalid("action " + std::to_string(action.id) +
                     ": notify without CRM_meta_notify_type/notify_operation");
    }
    ids.push_back(rsc + "_" + *type + "_notify_" + *op + "_0");
    // Notification errors are not held against the resource.
    if (op_status != kExecPending) {
      rc = 0;
      op_status = kExecDone;
    }
  } else if (migrate) {
    ids.push_back(key);
  } else if (failed) {
    ids.push_back(rsc + "_last_failure_0");
    if (action.interval_ms == 0) ids.push_back(rsc + "_last_0");
  } else if (action.interval_ms > 0) {
    ids.push_back(key);
  } else {
    ids.push_back(rsc + "_last_0");
  }

  std::string feature_set = ctx.feature_set;
  if (feature_set.empty()) {
    const std::string* v = action.attr("crm_feature_set");
    feature_set = v ? *v : std::string(kFeatureSet);
  }
  TransitionKey tk =
      ctx.injected_key ? TransitionKey{result.call_id, -1, action.target_rc, std::string(kFakeUuid)}
                       : TransitionKey{action.id, ctx.transition_id, action.target_rc,
                                       ctx.dc_uuid.empty() ? std::string(kFakeUuid) : ctx.dc_uuid};
  const std::string tkey = encode_transition_key(tk);
  const std::string magic = encode_transition_magic({op_status, rc, tk});
  const std::string digest = op_digest(action);

  // Meta-data based digests (restart and secure), when the agent's meta-data is known.
  std::string restart_list, restart_digest, secure_list, secure_digest;
  bool with_restart = false, with_secure = false;
  if (ctx.metadata && needs_metadata(*action.primitive, action.operation)) {
    const AgentMetadata& md = *ctx.metadata;
    rules::AttrMap all(action.attributes.begin(), action.attributes.end());
    // Pacemaker keeps the meta-data's parameters in reverse order, and
    // treats password, passwd and user as secrets when the agent marks none.
    bool any_private = false;
    for (const auto& p : md.params) any_private = any_private || p.is_private;
    auto is_private = [&](const AgentMetadata::Param& p) {
      if (any_private) return p.is_private;
      return p.name == "password" || p.name == "passwd" || p.name == "user";
    };
    const std::vector<AgentMetadata::Param> params(md.params.rbegin(), md.params.rend());
    if (action.interval_ms == 0 && (md.reload_agent || md.legacy_reload)) {
      rules::AttrMap restart;
      bool started = false;
      for (const auto& p : params) {
        bool take = md.reload_agent ? !p.reloadable : p.unique;
        if (!take) continue;
        add_word(restart_list, started, p.name);
        if (auto it = all.find(p.name); it != all.end()) restart[p.name] = it->second;
      }
      close_list(restart_list, started);
      restart_digest = pengine::params_digest(restart);
      with_restart = true;
    }
    rules::AttrMap secure = pengine::filter_for_digest(all);
    bool started = false;
    for (const auto& p : params) {
      if (is_private(p)) {
        add_word(secure_list, started, p.name);
        secure.erase(p.name);
      }
    }
    close_list(secure_list, started);
    if (started) {
      secure_digest = pengine::params_digest(secure);
      with_secure = true;
    }
  }

  std::vector<HistoryRecord> out;
  for (const auto& id : ids) {
    HistoryRecord r;
    r.id = id;
    auto add = [&](const char* k, std::string v) { r.attrs.emplace_back(k, std::move(v)); };
    add("id", id);
    add("operation_key", key);
    add("operation", task);
    add("crm-debug-origin", ctx.origin);
    add("crm_feature_set", feature_set);
    add("transition-key", tkey);
    add("transition-magic", magic);
    add("exit-reason", failed && !notify ? result.exit_reason : std::string());
    add("on_node", ctx.node_name.empty() ? action.on_node : ctx.node_name);
    add("call-id", std::to_string(result.call_id));
    add("rc-code", std::to_string(rc));
    add("op-status", std::to_string(op_status));
    add("interval", std::to_string(action.interval_ms));
    if (result.run_time || result.rc_change || result.exec_time_ms || result.queue_time_ms) {
      std::int64_t change =
          (action.interval_ms != 0 && result.rc_change != 0) ? result.rc_change : result.run_time;
      add("last-rc-change", std::to_string(change));
      add("exec-time", std::to_string(result.exec_time_ms));
      add("queue-time", std::to_string(result.queue_time_ms));
    }
    if (migrate) {
      if (const std::string* s = action.meta("migrate_source")) add("migrate_source", *s);
      if (const std::string* t = action.meta("migrate_target")) add("migrate_target", *t);
    }
    add("op-digest", digest);
    if (with_restart) {
      add("op-force-restart", restart_list);
      add("op-restart-digest", restart_digest);
    }
    if (with_secure) {
      add("op-secure-params", secure_list);
      add("op-secure-digest", secure_digest);
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<std::int64_t> recorded_shutdown_lock(const GraphAction& action,
                                                   const OpResult& result) {
  if (action.shutdown_lock == 0) return std::nullopt;
  bool keeps = (action.operation == "stop" && result.rc == 0) ||
               (action.operation == "monitor" && result.rc == 7);
  return keeps ? action.shutdown_lock : 0;
}

std::string lrm_update_xml(const std::string& node_uuid, const std::string& node_name,
                           const GraphPrimitive& rsc, const std::vector<HistoryRecord>& records,
                           const std::string& origin, std::optional<std::int64_t> shutdown_lock) {
  auto q = [](std::string_view v) { return "\"" + xml::escaped(v) + "\""; };
  std::string out = "<node_state id=" + q(node_uuid) + " uname=" + q(node_name) +
                    " crm-debug-origin=" + q(origin) + ">";
  out += "<lrm id=" + q(node_uuid) + "><lrm_resources>";
  out += "<lrm_resource id=" + q(rsc.id) + " class=" + q(rsc.cls);
  if (!rsc.provider.empty()) out += " provider=" + q(rsc.provider);
  out += " type=" + q(rsc.type);
  if (shutdown_lock) out += " shutdown-lock=" + q(std::to_string(*shutdown_lock));
  out += ">";
  for (const auto& r : records) out += r.xml();
  out += "</lrm_resource></lrm_resources></lrm></node_state>";
  return out;
}

bool is_recordable(const GraphAction& action) {
  for (const char* op : {"cancel", "delete", "notify", "meta-data"}) {
    if (action.operation == op) return false;
  }
  return true;
}

bool records_pending(const GraphAction& action) {
  if (action.kind != ActionKind::kRscOp || !action.primitive || !is_recordable(action)) {
    return false;
  }
  const std::string* v = action.meta("record_pending");
  if (!v) return true;
  std::string s;
  for (char c : *v) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s == "true" || s == "yes" || s == "on" || s == "1" || s == "y";
}

OpResult pending_result(std::int64_t now) {
  OpResult r;
  r.rc = 193;
  r.op_status = kExecPending;
  r.call_id = -1;
  r.run_time = now;
  r.rc_change = now;
  return r;
}

OpResult lost_result(const GraphAction& action, std::int64_t now, const std::string& local_node) {
  OpResult r;
  r.rc = 1;
  r.op_status = kExecTimeout;
  r.call_id = -1;
  r.run_time = now;
  r.rc_change = now;
  if (!local_node.empty() && action.on_node == local_node) {
    r.exit_reason = "Local executor did not return result in time";
  } else {
    const std::string& via = action.router_node.empty() ? action.on_node : action.router_node;
    r.exit_reason = "Controller on " + via + " did not return result in time";
  }
  return r;
}

namespace {

Result<std::string> xpath_literal(const std::string& s) {
  if (s.find('\'') == std::string::npos) return "'" + s + "'";
  if (s.find('"') == std::string::npos) return "\"" + s + "\"";
  return invalid("'" + s + "' cannot be quoted in an XPath");
}

}  // namespace

Result<std::vector<std::string>> erase_xpaths(const GraphAction& action) {
  std::string what = "action " + std::to_string(action.id) + " (" + action.operation_key + ")";
  bool del = (action.kind == ActionKind::kRscOp && action.operation == "delete") ||
             (action.kind == ActionKind::kClusterEvent && action.operation == "lrm_delete");
  bool cancel = action.kind == ActionKind::kRscOp && action.operation == "cancel";
  if (!del && !cancel) return invalid(what + ": erases no history");
  if (!action.primitive) return invalid(what + ": no <primitive>");
  auto node = xpath_literal(action.on_node);
  if (!node) return node.error().with_context(what);
  auto rsc = xpath_literal(action.primitive->id);
  if (!rsc) return rsc.error().with_context(what);
  std::string base =
      "//node_state[@uname=" + *node + "]/lrm/lrm_resources/lrm_resource[@id=" + *rsc + "]";
  if (del) return std::vector<std::string>{base};
  if (action.operation_key.empty()) return invalid(what + ": cancel without operation_key");
  auto op = xpath_literal(action.operation_key);
  if (!op) return op.error().with_context(what);
  return std::vector<std::string>{base + "/lrm_rsc_op[@id=" + *op + "]"};
}

Result<std::string> result_update_xml(const GraphAction& action, const OpResult& result,
                                      const HistoryContext& ctx) {
  auto records = build_history(action, result, ctx);
  if (!records) return records.error();
  if (action.on_node_uuid.empty()) {
    return invalid("action " + std::to_string(action.id) + " (" + action.operation_key +
                   "): no on_node_uuid to record the result under");
  }
  std::string node = ctx.node_name.empty() ? action.on_node : ctx.node_name;
  return lrm_update_xml(action.on_node_uuid, node, *action.primitive, *records, ctx.origin,
                        recorded_shutdown_lock(action, result));
}

}  // namespace vigil::transition
