// SPDX-License-Identifier: GPL-2.0-or-later
// The CIB's <alerts> section and the environment an alert agent gets, as
// Pacemaker 2.1.5 defines them (lib/pengine/rules_alerts.c for the section,
// lib/lrmd/lrmd_alerts.c and lib/common/alerts.c for the events). Pure: no
// clock, no process; the time of an event is an argument.
#pragma once

#include <libxml/tree.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/common/time.hpp"

namespace vigil::alerts {

// What an alert receives (<select> children; none: the default).
enum Kind : unsigned {
  kNode = 1u << 0,
  kFencing = 1u << 1,
  kResource = 1u << 2,
  kAttribute = 1u << 3,
  kDefaultKinds = kNode | kFencing | kResource,  // attributes only when selected
};
// "node", "fencing", "resource", "attribute" (CRM_alert_kind).
std::string_view kind_name(Kind kind);

inline constexpr int kDefaultTimeoutMs = 30000;
inline constexpr std::string_view kDefaultTimestampFormat = "%H:%M:%S.%06N";
// CRM_alert_version: the Pacemaker version whose alert interface this is.
inline constexpr std::string_view kAlertVersion = "2.1.5";

// One alert to run: an <alert> without recipients, or one per <recipient>
// (the alert's settings with the recipient's own meta and instance
// attributes and selection over them).
struct Alert {
  std::string id;    // the <alert>'s id
  std::string path;  // the agent
  std::string description;
  std::optional<std::string> recipient;  // the recipient's value; none without recipients
  std::string recipient_id;
  int timeout_ms = kDefaultTimeoutMs;
  std::string timestamp_format{kDefaultTimestampFormat};
  // instance_attributes: extra environment of the agent.
  std::map<std::string, std::string> env;
  unsigned kinds = kDefaultKinds;
  // <select_attributes> names; none: every attribute.
  std::optional<std::vector<std::string>> attribute_names;

  bool operator==(const Alert&) const = default;
};

struct Unpacked {
  // In Pacemaker's order (its list is built by prepending: the last
  // alert's last recipient first), which is the order the agents start in
  // and CRM_alert_node_sequence counts.
  std::vector<Alert> alerts;
  // Why something was ignored or defaulted, one line each.
  std::vector<std::string> warnings;
};

// `alerts` is the <alerts> element (null: none). `now` evaluates the rules
// of meta_attributes sets.
Unpacked unpack(const xmlNode* alerts, EpochSeconds now);

// Pacemaker's crm_get_msec() as alerts read the timeout: "30s", "500ms",
// "2min", "10" (seconds); -1 when it is no number.
std::int64_t parse_msec(std::string_view text);

// --- events ------------------------------------------------------------------

// The CRM_alert_* variables (each also set under its CRM_notify_* name).
enum class Key {
  kRecipient,
  kNode,
  kNodeId,
  kRsc,
  kTask,
  kInterval,
  kDesc,
  kStatus,
  kTargetRc,
  kRc,
  kKind,
  kVersion,
  kNodeSequence,
  kTimestamp,
  kAttributeName,
  kAttributeValue,
  kTimestampEpoch,
  kTimestampUsec,
  kExecTime,
};
// {"CRM_notify_x", "CRM_alert_x"}.
std::pair<std::string_view, std::string_view> key_names(Key key);

struct Event {
  Kind kind = kNode;
  std::string attribute_name;  // attribute events: what select_attributes filters on
  std::vector<std::pair<Key, std::string>> vars;
};

Event node_event(std::string_view node, std::uint32_t nodeid, std::string_view state);
// `task` is the fencer's notification type ("st_notify_fence"), `desc` the
// fencer's description of the operation, `rc` Pacemaker's legacy return
// code (0, or a negative errno).
Event fencing_event(std::string_view target, std::string_view task, std::string_view desc, int rc);
struct ResourceOp {
  std::string rsc, task;
  std::uint32_t interval_ms = 0;
  int target_rc = 0;  // the expected result
  int status = 0;     // execution status (PCMK_EXEC_*)
  int rc = 0;         // OCF result
  int exec_time_ms = 0;
  int timeout_ms = 0;
};
// None for a probe (monitor, interval 0) that found what was expected.
std::optional<Event> resource_event(std::string_view node, const ResourceOp& op);
// `value` none: the attribute was deleted (an empty value).
Event attribute_event(std::string_view node, std::uint32_t nodeid, std::string_view name,
                      const std::optional<std::string>& value);

// Whether `alert` receives `event` (its kinds, and for attributes its names).
bool selected(const Alert& alert, const Event& event);

// An agent to run: the alert's agent with its complete alert environment
// (both names of every variable, then the alert's instance attributes,
// which win), and its timeout.
struct Invocation {
  std::string alert_id;
  std::string recipient;
  std::string path;
  int timeout_ms = kDefaultTimeoutMs;
  std::map<std::string, std::string> env;
};

// The moment an event is sent: seconds since the epoch and microseconds.
struct Stamp {
  EpochSeconds epoch = 0;
  int usec = 0;
};

// The invocations for `event`, in the alerts' order, selected ones only,
// stamped with `when` (CRM_alert_timestamp in each alert's format and the
// host's local time zone, timestamp_epoch, timestamp_usec).
// CRM_alert_node_sequence is the runner's to add.
std::vector<Invocation> invocations(const std::vector<Alert>& alerts, const Event& event,
                                    const Stamp& when);

// Pacemaker's pcmk__time_format_hr(): strftime() in local time, where
// "%<digits>N" prints that many (at most 6) leading digits of the
// microseconds ("%N", no digits, prints nothing). None when the result is
// empty, as Pacemaker then sets no timestamp.
std::optional<std::string> format_timestamp(std::string_view format, const Stamp& when);

}  // namespace vigil::alerts
