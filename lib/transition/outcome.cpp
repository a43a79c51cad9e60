// SPDX-License-Identifier: GPL-2.0-or-later
// Result classification and fencing updates, as Pacemaker's controller.
#include "vigil/transition/outcome.hpp"

#include "vigil/common/time.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::transition {

namespace {

Error invalid(const std::string& msg) {
  return Error(ErrorCode::kInvalidInput, msg);
}

bool is_infinity(const std::string& v) {
  return v == "INFINITY" || v == "+INFINITY" || v == "infinity" || v == "+infinity";
}

// The OCF meaning of a completed operation, independent of expectations.
bool completed_with_failure(int op_status) {
  switch (op_status) {
    case kExecNotSupported:
    case kExecTimeout:
    case kExecError:
    case kExecNotConnected:
    case kExecNoFenceDevice:
    case kExecNoSecrets:
    case kExecInvalid:
      return true;
    default:
      return false;
  }
}

}  // namespace

int effective_rc(int rc) {
  if (rc == 190) return 0;
  if (rc == 191) return 8;
  return rc;
}

std::string fail_count_name(const std::string& rsc, const std::string& op,
                            std::int64_t interval_ms) {
  return "fail-count-" + rsc + "#" + op + "_" + std::to_string(interval_ms);
}

std::string last_failure_name(const std::string& rsc, const std::string& op,
                              std::int64_t interval_ms) {
  return "last-failure-" + rsc + "#" + op + "_" + std::to_string(interval_ms);
}

Result<Classification> classify(const Graph& graph, const GraphAction& action,
                                const OpResult& result, std::int64_t now) {
  std::string what = "action " + std::to_string(action.id) + " (" + action.operation_key + ")";
  if (action.kind != ActionKind::kRscOp || !action.primitive) {
    return invalid(what + ": not a resource action");
  }
  if (result.op_status == kExecPending) return invalid(what + ": the result is still pending");
  Classification c;
  const int rc = effective_rc(result.rc);
  const std::string& task = action.operation;
  c.probe = task == "monitor" && action.interval_ms == 0;
  const bool cancelled = result.op_status == kExecCancelled;
  c.expected = !cancelled && !completed_with_failure(result.op_status) && rc == action.target_rc;
  c.found_running = c.probe && action.target_rc == 7 && (rc == 0 || rc == 8) &&
                    !completed_with_failure(result.op_status) && !cancelled;
  if (c.expected) return c;

  const std::string* on_fail = action.meta("on_fail");
  c.ignored = on_fail && (*on_fail == "ignore");
  if (c.ignored) {
    c.outcome = ActionOutcome::kOk;
  } else if (cancelled) {
    c.outcome = ActionOutcome::kCancelled;
  } else if (result.op_status == kExecTimeout) {
    c.outcome = ActionOutcome::kTimedOut;
  } else {
    c.outcome = ActionOutcome::kFailed;
  }
  c.aborts = !c.ignored;
  if (cancelled) return c;  // no result: nothing held against the resource

  // Which failures count against the resource, and how.
  std::string value;
  bool update = false;
  if (action.interval_ms > 0 || task == "promote" || task == "demote") {
    update = true;
  } else if (task == "start") {
    update = true;
    value = graph.failed_start_offset;
  } else if (task == "stop") {
    update = true;
    value = graph.failed_stop_offset;
  }
  if (!update) return c;
  if (!is_infinity(value)) value = "value++";
  const std::string& rsc = action.primitive->id;
  if (!c.ignored) {
    c.attr_updates.push_back({fail_count_name(rsc, task, action.interval_ms), value});
  }
  c.attr_updates.push_back({last_failure_name(rsc, task, action.interval_ms), std::to_string(now)});
  return c;
}

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

bool ClearFailures::matches(std::string_view name) const {
  std::string_view rest;
  for (std::string_view prefix : {"fail-count-", "last-failure-"}) {
    if (name.substr(0, prefix.size()) == prefix) {
      rest = name.substr(prefix.size());
      break;
    }
  }
  if (rest.substr(0, rsc.size()) != rsc) return false;
  rest.remove_prefix(rsc.size());
  if (rest.empty()) return !op;  // a whole-resource (legacy) count
  if (rest.front() != '#') return false;
  rest.remove_prefix(1);
  auto us = rest.rfind('_');
  if (us == std::string_view::npos || us == 0) return false;
  std::string_view task = rest.substr(0, us), interval = rest.substr(us + 1);
  if (!all_digits(interval)) return false;
  if (op && task != *op) return false;
  if (interval_ms && interval != std::to_string(*interval_ms)) return false;
  return true;
}

std::string ClearFailures::last_failure_xpath() const {
  return "//node_state[@uname='" + node + "']/lrm/lrm_resources/lrm_resource[@id='" + rsc +
         "']/lrm_rsc_op[@id='" + rsc + "_last_failure_0']";
}

Result<ClearFailures> clear_failures(const GraphAction& action) {
  std::string what = "action " + std::to_string(action.id) + " (" + action.operation_key + ")";
  if (action.kind != ActionKind::kClusterEvent || action.operation != "clear_failcount") {
    return invalid(what + ": not a clear_failcount event");
  }
  if (!action.primitive) return invalid(what + ": no <primitive>");
  ClearFailures c;
  c.rsc = action.primitive->id;
  c.node = action.on_node;
  c.node_uuid = action.on_node_uuid;
  for (const std::string& s : {c.rsc, c.node}) {
    if (s.find('\'') != std::string::npos) {
      return invalid(what + ": '" + s + "' cannot be quoted in an XPath");
    }
  }
  if (const std::string* op = action.meta("clear_failure_op"); op && !op->empty()) c.op = *op;
  if (const std::string* iv = action.meta("clear_failure_interval"); iv && !iv->empty()) {
    auto ms = parse_interval_ms(*iv);
    if (!ms || *ms < 0)
      return invalid(what + ": bad CRM_meta_clear_failure_interval '" + *iv + "'");
    if (*ms > 0) c.interval_ms = *ms;
  }
  return c;
}

ActionOutcome fence_outcome(const FenceResult& result) {
  return result.ok ? ActionOutcome::kOk : ActionOutcome::kFailed;
}

Result<NodeDownUpdate> fenced_node_update(const GraphAction& action, const std::string& origin) {
  if (action.kind != ActionKind::kFence) {
    return invalid("action " + std::to_string(action.id) + " (" + action.operation_key +
                   "): not a fencing action");
  }
  if (action.on_node.empty()) {
    return invalid("fencing action " + std::to_string(action.id) + ": no target node");
  }
  const std::string& uname = action.on_node;
  const std::string& uuid = action.on_node_uuid.empty() ? uname : action.on_node_uuid;
  bool has_single = uname.find('\'') != std::string::npos;
  bool has_double = uname.find('"') != std::string::npos;
  if (has_single && has_double) {
    return invalid("fencing action " + std::to_string(action.id) + ": node name '" + uname +
                   "' cannot be quoted in an XPath");
  }
  NodeDownUpdate u;
  u.node_state_xml = "<node_state id=\"" + xml::escaped(uuid) + "\" uname=\"" +
                     xml::escaped(uname) +
                     "\" in_ccm=\"false\" crmd=\"offline\" join=\"down\" expected=\"down\" "
                     "crm-debug-origin=\"" +
                     xml::escaped(origin) + "\"/>";
  std::string quoted = has_single ? "\"" + uname + "\"" : "'" + uname + "'";
  u.delete_xpaths.push_back("//node_state[@uname=" + quoted + "]/lrm");
  u.delete_xpaths.push_back("//node_state[@uname=" + quoted + "]/transient_attributes");
  return u;
}

}  // namespace vigil::transition
