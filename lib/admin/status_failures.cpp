// SPDX-License-Identifier: GPL-2.0-or-later
// crm_mon's "Failed Resource Actions" (Pacemaker 2.1.5's failed-action and
// failed-action-list messages): the failures the scheduler kept while
// unpacking the history, in its order, worded for people or (with
// --show-detail) with the raw fields. The wording needs fields the model
// leaves out (exec and queue times, whether last-rc-change is there at
// all), so each entry is read again from the CIB's own element.
#include <strings.h>

#include <algorithm>
#include <map>
#include <utility>

#include "status_view.hpp"
#include "vigil/cib/cib.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/output.hpp"

namespace vigil::admin::status_view {

std::string readable_interval(std::uint64_t ms) {
  constexpr std::uint64_t kS = 1000, kM = 60 * kS, kH = 60 * kM, kD = 24 * kH;
  std::string out;
  // Each unit only when the rest exceeds it (exactly one minute is "60s").
  for (const auto& [unit, suffix] : {std::pair{kD, "d"}, std::pair{kH, "h"}, std::pair{kM, "m"}}) {
    if (ms > unit) {
      out += std::to_string(ms / unit) + suffix;
      ms %= unit;
    }
  }
  if (ms > kS) {
    out += std::to_string(ms / kS);
    if (ms % kS) {
      char frac[8];
      std::snprintf(frac, sizeof frac, ".%03u", static_cast<unsigned>(ms % kS));
      out += frac;
    }
    out += "s";
  } else if (ms > 0) {
    out += std::to_string(ms) + "ms";
  } else if (out.empty()) {
    out = "0s";
  }
  return out;
}

const char* exec_status_text(int status) {
  switch (status) {
    case -1:
      return "pending";
    case 0:
      return "complete";
    case 1:
      return "Cancelled";
    case 2:
      return "Timed Out";
    case 3:
      return "NOT SUPPORTED";
    case 4:
      return "Error";
    case 5:
      return "Hard error";
    case 6:
      return "Fatal error";
    case 7:
      return "Not installed";
    case 8:
      return "Internal communication failure";
    case 9:
      return "Cannot execute now";
    case 10:
      return "No fence device";
    case 11:
      return "CIB secrets unavailable";
    default:
      return "UNKNOWN!";
  }
}

namespace {

// Pacemaker's leading-integer reading (pcmk__scan_min_int): digits after an
// optional sign, 0 when there are none.
long leading_int(const std::string& s) {
  return std::strtol(s.c_str(), nullptr, 10);
}

// The history elements of one node_state, by operation id.
using OpIndex = std::multimap<std::string, const xmlNode*>;

void index_ops(const xmlNode* node_state, OpIndex& ops) {
  const xmlNode* lrm = xml::first_child(node_state, "lrm");
  const xmlNode* rscs = lrm ? xml::first_child(lrm, "lrm_resources") : nullptr;
  if (!rscs) return;
  for (const xmlNode* r : xml::children(rscs, "lrm_resource")) {
    for (const xmlNode* op : xml::children(r, "lrm_rsc_op"))
      ops.emplace(xml::attr_or(op, "id"), op);
  }
}

// The element the model's entry came from: same id on the node's state,
// told apart by key and call id when ids repeat.
const xmlNode* element_of(const std::map<std::string, OpIndex>& by_node, const pengine::Node& node,
                          const cib::OpHistory& op) {
  auto it = by_node.find(node.id);
  if (it == by_node.end()) return nullptr;
  const xmlNode* found = nullptr;
  auto [b, e] = it->second.equal_range(op.id);
  for (auto i = b; i != e; ++i) {
    const xmlNode* x = i->second;
    if (xml::attr_or(x, "operation_key") != op.key) continue;
    if (leading_int(xml::attr_or(x, "call-id", "-1")) != op.call_id) continue;
    if (!found) found = x;
  }
  if (!found && b != e) found = b->second;
  return found;
}

struct Failure {
  std::string key, node, reason, exec_time, queue_time, call_id;
  int rc = 0, status = 0;
  std::string task;
  std::uint64_t interval_ms = 0;
  bool has_change = false;
  EpochSeconds change = 0;
};

Failure failure_of(const pengine::Node& node, const cib::OpHistory& op, const xmlNode* x) {
  Failure f;
  f.node = node.uname;
  if (!x) {
    f.key = op.key.empty() ? op.id : op.key;
    f.reason = op.exit_reason;
    f.rc = std::max(op.rc, 0);  // crm_mon reads both with a minimum of 0
    f.status = std::max(op.op_status, 0);
    f.call_id = std::to_string(op.call_id);
    f.task = op.task;
    f.interval_ms = static_cast<std::uint64_t>(op.interval_ms);
    f.has_change = op.last_rc_change > 0;
    f.change = op.last_rc_change;
    return f;
  }
  f.key = xml::attr_or(x, "operation_key");
  if (f.key.empty()) f.key = xml::attr_or(x, "id");
  f.reason = xml::attr_or(x, "exit-reason");
  f.exec_time = xml::attr_or(x, "exec-time");
  f.queue_time = xml::attr_or(x, "queue-time");
  f.call_id = xml::attr_or(x, "call-id");
  // crm_mon reads both with a minimum of 0: a pending (-1) entry prints as done.
  f.rc = std::max(static_cast<int>(leading_int(xml::attr_or(x, "rc-code"))), 0);
  f.status = std::max(static_cast<int>(leading_int(xml::attr_or(x, "op-status"))), 0);
  f.task = xml::attr_or(x, "operation");
  const long interval = leading_int(xml::attr_or(x, "interval"));
  f.interval_ms = interval > 0 ? static_cast<std::uint64_t>(interval) : 0;
  if (xml::has_attr(x, "last-rc-change")) {
    f.has_change = true;
    f.change = std::strtoll(xml::attr_or(x, "last-rc-change").c_str(), nullptr, 10);
  }
  return f;
}

bool split_key(const std::string& key, std::string& rsc, std::string& task,
               std::uint64_t& interval) {
  std::int64_t ms = 0;
  if (!pengine::split_operation_key(key, &rsc, &task, &ms)) return false;
  interval = static_cast<std::uint64_t>(ms);
  return true;
}

std::string friendly(const Failure& f) {
  std::string rsc, task;
  std::uint64_t interval = 0;
  if (f.key.empty() || !split_key(f.key, rsc, task, interval)) {
    rsc = "unknown resource";
    task = "unknown action";
    interval = 0;
  }
  std::string s = rsc + " ";
  if (interval != 0) s += readable_interval(interval) + "-interval ";
  s += (interval == 0 && strcasecmp(task.c_str(), "monitor") == 0 ? std::string("probe") : task) +
       " on " + f.node;
  if (f.status == 0) {
    s += std::string(" returned '") + pengine::exit_text(f.rc) + "'";
    if (!f.reason.empty()) s += " (" + f.reason + ")";
  } else {
    s += std::string(" could not be executed (") + exec_status_text(f.status);
    if (!f.reason.empty()) s += ": " + f.reason;
    s += ")";
  }
  if (f.has_change) s += " at " + ctime_text(f.change);
  if (!f.exec_time.empty() && leading_int(f.exec_time) > 0) {
    s += " after " + readable_interval(static_cast<std::uint64_t>(leading_int(f.exec_time)));
  }
  return s;
}

std::string technical(const Failure& f) {
  std::string s = f.key + " on " + f.node + " '" + pengine::exit_text(f.rc) + "' (" +
                  std::to_string(f.rc) + "): call=" + (f.call_id.empty() ? "unknown" : f.call_id) +
                  ", status='" + exec_status_text(f.status) + "'";
  if (!f.reason.empty()) s += ", exitreason='" + f.reason + "'";
  if (f.has_change) s += ", last-rc-change='" + ctime_text(f.change) + "'";
  if (!f.queue_time.empty()) s += ", queued=" + f.queue_time + "ms";
  if (!f.exec_time.empty()) s += ", exec=" + f.exec_time + "ms";
  return s;
}

}  // namespace

std::string failed_actions_section(const View& v) {
  if (v.ws.failed_ops.empty()) return {};
  std::map<std::string, OpIndex> by_node;
  const xmlNode* root = xmlDocGetRootElement(v.doc);
  if (const xmlNode* status = xml::first_child(root, "status")) {
    for (const xmlNode* ns : xml::children(status, "node_state")) {
      index_ops(ns, by_node[xml::attr_or(ns, "id")]);
    }
  }
  std::string lines;
  for (const auto& [node, op] : v.ws.failed_ops) {
    const Failure f = failure_of(*node, *op, element_of(by_node, *node, *op));
    // Probes that found the agent missing or misconfigured are not failures
    // worth listing (the resource line says so).
    const bool probe = f.interval_ms == 0 && f.task == "monitor";
    if (probe && (f.rc == 5 || f.rc == 2 || f.status == 7)) continue;
    std::string rsc, task;
    std::uint64_t interval = 0;
    if (!split_key(f.key, rsc, task, interval)) continue;
    lines += "  * " + (v.full ? technical(f) : friendly(f)) + "\n";
  }
  return lines.empty() ? std::string() : "Failed Resource Actions:\n" + lines;
}

}  // namespace vigil::admin::status_view
