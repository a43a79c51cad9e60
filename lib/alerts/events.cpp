// SPDX-License-Identifier: GPL-2.0-or-later
// Events to agent environments, as Pacemaker 2.1.5's lib/lrmd/lrmd_alerts.c
// builds them, and its timestamp format (pcmk__time_format_hr).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "vigil/alerts/alerts.hpp"
#include "vigil/exec/codes.hpp"

namespace vigil::alerts {

std::pair<std::string_view, std::string_view> key_names(Key key) {
  switch (key) {
    case Key::kRecipient:
      return {"CRM_notify_recipient", "CRM_alert_recipient"};
    case Key::kNode:
      return {"CRM_notify_node", "CRM_alert_node"};
    case Key::kNodeId:
      return {"CRM_notify_nodeid", "CRM_alert_nodeid"};
    case Key::kRsc:
      return {"CRM_notify_rsc", "CRM_alert_rsc"};
    case Key::kTask:
      return {"CRM_notify_task", "CRM_alert_task"};
    case Key::kInterval:
      return {"CRM_notify_interval", "CRM_alert_interval"};
    case Key::kDesc:
      return {"CRM_notify_desc", "CRM_alert_desc"};
    case Key::kStatus:
      return {"CRM_notify_status", "CRM_alert_status"};
    case Key::kTargetRc:
      return {"CRM_notify_target_rc", "CRM_alert_target_rc"};
    case Key::kRc:
      return {"CRM_notify_rc", "CRM_alert_rc"};
    case Key::kKind:
      return {"CRM_notify_kind", "CRM_alert_kind"};
    case Key::kVersion:
      return {"CRM_notify_version", "CRM_alert_version"};
    case Key::kNodeSequence:
      return {"CRM_notify_node_sequence", "CRM_alert_node_sequence"};
    case Key::kTimestamp:
      return {"CRM_notify_timestamp", "CRM_alert_timestamp"};
    case Key::kAttributeName:
      return {"CRM_notify_attribute_name", "CRM_alert_attribute_name"};
    case Key::kAttributeValue:
      return {"CRM_notify_attribute_value", "CRM_alert_attribute_value"};
    case Key::kTimestampEpoch:
      return {"CRM_notify_timestamp_epoch", "CRM_alert_timestamp_epoch"};
    case Key::kTimestampUsec:
      return {"CRM_notify_timestamp_usec", "CRM_alert_timestamp_usec"};
    case Key::kExecTime:
      return {"CRM_notify_exec_time", "CRM_alert_exec_time"};
  }
  return {"CRM_notify_unknown", "CRM_alert_unknown"};
}

Event node_event(std::string_view node, std::uint32_t nodeid, std::string_view state) {
  Event e;
  e.kind = kNode;
  e.vars = {{Key::kNode, std::string(node)},
            {Key::kDesc, std::string(state)},
            {Key::kNodeId, std::to_string(static_cast<int>(nodeid))}};
  return e;
}

Event fencing_event(std::string_view target, std::string_view task, std::string_view desc, int rc) {
  Event e;
  e.kind = kFencing;
  e.vars = {{Key::kNode, std::string(target)},
            {Key::kTask, std::string(task)},
            {Key::kDesc, std::string(desc)},
            {Key::kRc, std::to_string(rc)}};
  return e;
}

std::optional<Event> resource_event(std::string_view node, const ResourceOp& op) {
  // Probes that found what was expected are no news.
  if (op.interval_ms == 0 && op.target_rc == op.rc && (op.task.size() == 7) &&
      std::equal(op.task.begin(), op.task.end(), "monitor",
                 [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; })) {
    return std::nullopt;
  }
  Event e;
  e.kind = kResource;
  e.vars = {{Key::kNode, std::string(node)},
            {Key::kRsc, op.rsc},
            {Key::kTask, op.task},
            {Key::kInterval, std::to_string(op.interval_ms)},
            {Key::kTargetRc, std::to_string(op.target_rc)},
            {Key::kStatus, std::to_string(op.status)},
            {Key::kRc, std::to_string(op.rc)}};
  // A recurring operation that timed out has no execution time: its
  // timeout is the closer figure.
  const auto timeout = static_cast<int>(exec::ExecStatus::kTimeout);
  e.vars.emplace_back(Key::kExecTime, std::to_string((op.status == timeout && op.exec_time_ms == 0)
                                                         ? op.timeout_ms
                                                         : op.exec_time_ms));
  const std::string_view desc = op.status == static_cast<int>(exec::ExecStatus::kDone)
                                    ? exec::to_string(static_cast<exec::OcfRc>(op.rc))
                                    : exec::to_string(static_cast<exec::ExecStatus>(op.status));
  e.vars.emplace_back(Key::kDesc, std::string(desc));
  return e;
}

Event attribute_event(std::string_view node, std::uint32_t nodeid, std::string_view name,
                      const std::optional<std::string>& value) {
  Event e;
  e.kind = kAttribute;
  e.attribute_name = std::string(name);
  e.vars = {{Key::kNode, std::string(node)},
            {Key::kNodeId, std::to_string(static_cast<int>(nodeid))},
            {Key::kAttributeName, std::string(name)},
            {Key::kAttributeValue, value.value_or("")}};
  return e;
}

bool selected(const Alert& alert, const Event& event) {
  if ((alert.kinds & event.kind) == 0) return false;
  if (event.kind == kAttribute && alert.attribute_names) {
    const auto& names = *alert.attribute_names;
    return std::find(names.begin(), names.end(), event.attribute_name) != names.end();
  }
  return true;
}

namespace {

void set(std::map<std::string, std::string>& env, Key key, const std::string& value) {
  const auto [legacy, name] = key_names(key);
  env[std::string(legacy)] = value;
  env[std::string(name)] = value;
}

}  // namespace

std::vector<Invocation> invocations(const std::vector<Alert>& alerts, const Event& event,
                                    const Stamp& when) {
  std::vector<Invocation> out;
  for (const Alert& alert : alerts) {
    if (!selected(alert, event)) continue;
    Invocation inv;
    inv.alert_id = alert.id;
    inv.recipient = alert.recipient.value_or("");
    inv.path = alert.path;
    inv.timeout_ms = alert.timeout_ms;
    for (const auto& [key, value] : event.vars) set(inv.env, key, value);
    set(inv.env, Key::kKind, std::string(kind_name(event.kind)));
    set(inv.env, Key::kVersion, std::string(kAlertVersion));
    set(inv.env, Key::kRecipient, inv.recipient);
    if (auto ts = format_timestamp(alert.timestamp_format, when)) {
      set(inv.env, Key::kTimestamp, *ts);
    }
    set(inv.env, Key::kTimestampEpoch, std::to_string(when.epoch));
    char usec[16];
    std::snprintf(usec, sizeof usec, "%06d", when.usec);
    set(inv.env, Key::kTimestampUsec, usec);
    // The alert's own variables win over the event's.
    for (const auto& [name, value] : alert.env) inv.env[name] = value;
    out.push_back(std::move(inv));
  }
  return out;
}

std::optional<std::string> format_timestamp(std::string_view format_view, const Stamp& when) {
  // Pacemaker formats into 128 bytes: strftime() for the text between
  // "%<digits>N" marks, then the microseconds' first digits.
  constexpr std::size_t kMax = 128;
  const std::string format(format_view);
  std::tm tm{};
  const std::time_t t = static_cast<std::time_t>(when.epoch);
  if (localtime_r(&t, &tm) == nullptr) return std::nullopt;
  char nano[32];
  std::snprintf(nano, sizeof nano, "%06d000", when.usec);

  std::string out;
  const std::size_t len = format.size();
  std::size_t scanned = 0, printed = 0;
  while (scanned < len) {
    std::size_t fmt_pos = 0;
    int digits = 0;
    const std::size_t mark = format.find('%', scanned);
    if (mark != std::string::npos) {
      std::size_t fmt_len = 1;
      fmt_pos = mark;
      while (fmt_pos + fmt_len < len &&
             std::isdigit(static_cast<unsigned char>(format[fmt_pos + fmt_len]))) {
        ++fmt_len;
      }
      scanned = std::min(len, fmt_pos + fmt_len + 1);
      if (fmt_pos + fmt_len < len && format[fmt_pos + fmt_len] == 'N') {
        digits = std::clamp(std::atoi(format.c_str() + fmt_pos + 1), 0, 6);
      } else {
        if (scanned < len) continue;
        fmt_pos = scanned;  // the rest, to the end
      }
    } else {
      scanned = len;
      fmt_pos = len;
    }
    const std::string chunk = format.substr(printed, fmt_pos - printed);
    if (out.size() < kMax && !chunk.empty()) {
      char buf[kMax + 1];
      const std::size_t n = std::strftime(buf, kMax - out.size(), chunk.c_str(), &tm);
      out.append(buf, n);
    }
    printed = scanned;
    if (digits > 0 && out.size() + 1 < kMax) {
      out.append(nano,
                 std::min<std::size_t>(static_cast<std::size_t>(digits), kMax - 1 - out.size()));
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace vigil::alerts
