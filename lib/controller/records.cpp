// SPDX-License-Identifier: GPL-2.0-or-later
#include "records.hpp"

#include <cstdlib>

#include "vigil/common/number.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::controller {

namespace {

// The n-th ':'-separated field of a transition key ("" when absent).
std::string key_field(const std::string& key, int n) {
  std::size_t start = 0;
  for (int i = 0; i < n; ++i) {
    auto c = key.find(':', start);
    if (c == std::string::npos) return {};
    start = c + 1;
  }
  if (n < 3) {
    auto c = key.find(':', start);
    if (c == std::string::npos) return {};
    return key.substr(start, c - start);
  }
  return key.substr(start);
}

int key_int(const std::string& key, int n) {
  std::string f = key_field(key, n);
  const auto v = parse_int_field(f, "transition key field", INT32_MIN, INT32_MAX);
  return v ? static_cast<int>(*v) : -1;
}

using xml::append_attr;

}  // namespace

int OpEvent::target_rc() const {
  return key_int(transition_key, 2);
}
int OpEvent::action_id() const {
  return key_int(transition_key, 0);
}
int OpEvent::transition_id() const {
  return key_int(transition_key, 1);
}
std::string OpEvent::key_uuid() const {
  return key_field(transition_key, 3);
}

std::string op_key(const std::string& rsc, const std::string& task, std::int64_t interval_ms) {
  return rsc + "_" + task + "_" + std::to_string(interval_ms);
}

std::string OpEvent::op_key() const {
  return controller::op_key(rsc, task, interval_ms);
}

transition::OpResult OpEvent::to_op_result() const {
  transition::OpResult r;
  r.rc = rc;
  r.op_status = op_status;
  r.exit_reason = exit_reason;
  r.call_id = call_id;
  r.run_time = last_run;
  r.rc_change = last_rc_change;
  r.exec_time_ms = exec_ms;
  r.queue_time_ms = queue_ms;
  return r;
}

transition::GraphAction OpEvent::to_action(const std::string& node_uuid,
                                           const std::string& node_name) const {
  transition::GraphAction a;
  a.id = action_id();
  a.kind = transition::ActionKind::kRscOp;
  a.operation = task;
  a.operation_key = op_key();
  a.on_node = node_name;
  a.on_node_uuid = node_uuid;
  a.primitive = transition::GraphPrimitive{rsc, rsc, cls, provider, type};
  a.interval_ms = interval_ms;
  a.timeout_ms = static_cast<int>(timeout_ms);
  a.target_rc = target_rc() < 0 ? 0 : target_rc();
  a.attributes["CRM_meta_interval"] = std::to_string(interval_ms);
  a.attributes["CRM_meta_timeout"] = std::to_string(timeout_ms);
  a.attributes["CRM_meta_op_target_rc"] = std::to_string(a.target_rc);
  return a;
}

std::string make_user_data(const std::string& transition_key, const std::string& digest) {
  return transition_key + "\n" + digest;
}

OpEvent event_from_result(const exec::OperationResult& r) {
  OpEvent e;
  e.rsc = r.rsc_id;
  e.cls = std::string(exec::to_string(r.agent.cls));
  e.provider = r.agent.provider;
  e.type = r.agent.type;
  e.task = r.action;
  e.interval_ms = r.interval.count();
  e.timeout_ms = r.timeout.count();
  e.call_id = r.call_id;
  e.rc = static_cast<int>(r.rc);
  e.op_status = static_cast<int>(r.status);
  e.exit_reason = r.exit_reason;
  auto nl = r.user_data.find('\n');
  e.transition_key = r.user_data.substr(0, nl);
  if (nl != std::string::npos) e.digest = r.user_data.substr(nl + 1);
  e.last_run = r.run_at;
  e.last_rc_change = r.rc_changed_at ? r.rc_changed_at : r.run_at;
  e.exec_ms = r.exec_time.count();
  e.queue_ms = r.queue_time.count();
  return e;
}

std::string event_to_xml(const OpEvent& e) {
  std::string out = "<op";
  append_attr(out, "rsc", e.rsc);
  append_attr(out, "class", e.cls);
  if (!e.provider.empty()) append_attr(out, "provider", e.provider);
  append_attr(out, "type", e.type);
  append_attr(out, "task", e.task);
  append_attr(out, "interval", e.interval_ms);
  append_attr(out, "timeout", e.timeout_ms);
  append_attr(out, "call-id", static_cast<std::int64_t>(e.call_id));
  append_attr(out, "rc", static_cast<std::int64_t>(e.rc));
  append_attr(out, "status", static_cast<std::int64_t>(e.op_status));
  if (!e.exit_reason.empty()) append_attr(out, "exit-reason", e.exit_reason);
  if (!e.transition_key.empty()) append_attr(out, "key", e.transition_key);
  if (!e.digest.empty()) append_attr(out, "digest", e.digest);
  append_attr(out, "last-run", e.last_run);
  append_attr(out, "last-rc-change", e.last_rc_change);
  append_attr(out, "exec-time", e.exec_ms);
  append_attr(out, "queue-time", e.queue_ms);
  out += "/>";
  return out;
}

Result<OpEvent> event_from_xml(const xmlNode* n) {
  if (!n || !xml::is(n, "op")) return Error(ErrorCode::kInvalidInput, "expected <op>");
  OpEvent e;
  e.rsc = xml::attr_or(n, "rsc");
  e.cls = xml::attr_or(n, "class");
  e.provider = xml::attr_or(n, "provider");
  e.type = xml::attr_or(n, "type");
  e.task = xml::attr_or(n, "task");
  if (e.rsc.empty() || e.task.empty() || e.cls.empty() || e.type.empty()) {
    return Error(ErrorCode::kInvalidInput, "<op> needs rsc, class, type and task");
  }
  auto num = [&](const char* name, std::int64_t* out, bool required) {
    return (!required || xml::has_attr(n, name)) && xml::read_int_attr(n, name, out);
  };
  std::int64_t call = 0, rc = 0, st = 0;
  if (!num("interval", &e.interval_ms, true) || !num("timeout", &e.timeout_ms, false) ||
      !num("call-id", &call, true) || !num("rc", &rc, true) || !num("status", &st, true) ||
      !num("last-run", &e.last_run, false) || !num("last-rc-change", &e.last_rc_change, false) ||
      !num("exec-time", &e.exec_ms, false) || !num("queue-time", &e.queue_ms, false)) {
    return Error(ErrorCode::kInvalidInput, "<op rsc=\"" + e.rsc + "\">: bad number");
  }
  if (e.interval_ms < 0 || st < -1 || st > 7) {
    return Error(ErrorCode::kInvalidInput, "<op rsc=\"" + e.rsc + "\">: value out of range");
  }
  e.call_id = static_cast<int>(call);
  e.rc = static_cast<int>(rc);
  e.op_status = static_cast<int>(st);
  e.exit_reason = xml::attr_or(n, "exit-reason");
  e.transition_key = xml::attr_or(n, "key");
  e.digest = xml::attr_or(n, "digest");
  return e;
}

bool is_failure_attr_of(const std::string& attr, const std::string& rsc) {
  for (const char* prefix : {"fail-count-", "last-failure-"}) {
    std::string p = std::string(prefix) + rsc;
    if (attr.rfind(p, 0) == 0 && (attr.size() == p.size() || attr[p.size()] == '#')) return true;
  }
  return false;
}

}  // namespace vigil::controller
