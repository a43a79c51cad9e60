// SPDX-License-Identifier: GPL-2.0-or-later
// What a result means for the transition and for the node's failure
// attributes, as Pacemaker 2.1.5's controller decides it: expected or not,
// the fail-count/last-failure attributes to update, the outcome to confirm to
// the Runner, and, for fencing, the node_state change once a node is down.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/transition/graph.hpp"
#include "vigil/transition/history.hpp"
#include "vigil/transition/runner.hpp"

namespace vigil::transition {

// OCF's degraded results count as their healthy equivalents (190 -> 0,
// 191 -> 8).
int effective_rc(int rc);

// "fail-count-<rsc>#<op>_<interval_ms>" and "last-failure-<rsc>#<op>_<interval_ms>":
// the transient node attributes the controller writes after a failure.
std::string fail_count_name(const std::string& rsc, const std::string& op,
                            std::int64_t interval_ms);
std::string last_failure_name(const std::string& rsc, const std::string& op,
                              std::int64_t interval_ms);

// A transient attribute update for the node the operation ran on.
struct AttrUpdate {
  std::string name;
  std::string value;  // "value++" means increment, else the literal value
};

struct Classification {
  bool expected = true;        // effective rc == target rc and the operation completed
  bool probe = false;          // non-recurring monitor
  bool found_running = false;  // a probe that found the resource active (rc 0 or 8)
  bool ignored = false;        // unexpected, but on-fail=ignore: not a failure for the graph
  ActionOutcome outcome = ActionOutcome::kOk;  // what to confirm() with
  // Unexpected results abort the transition (the Runner does it on a failed
  // confirm, with the synapse priority + 1); for the record here.
  bool aborts = false;
  // Attributes to update on the node (empty when nothing is recorded):
  // fail-count (value++ or INFINITY for start/stop per the graph's
  // failed-start-offset/failed-stop-offset) and last-failure = now. A failed
  // probe records none (the scheduler reads its history); on-fail=ignore
  // records only last-failure.
  std::vector<AttrUpdate> attr_updates;
};

// Classifies the result of a resource action of `graph` (which supplies the
// failure offsets). `now` is the epoch time written into last-failure.
// Errors: not a resource action, or a pending result.
Result<Classification> classify(const Graph& graph, const GraphAction& action,
                                const OpResult& result, std::int64_t now);

// What a clear_failcount crm_event asks for: the resource's fail-count and
// last-failure attributes on the node are removed (all of them, or those of
// one operation / interval given by CRM_meta_clear_failure_op and
// CRM_meta_clear_failure_interval), and its last_failure record erased.
struct ClearFailures {
  std::string rsc, node, node_uuid;
  std::optional<std::string> op;
  std::optional<std::int64_t> interval_ms;
  // Whether a transient attribute is one of those to remove.
  bool matches(std::string_view attr_name) const;
  // The <rsc>_last_failure_0 history record to delete.
  std::string last_failure_xpath() const;
};
// Error when the action is no clear_failcount event with a resource and node.
Result<ClearFailures> clear_failures(const GraphAction& action);

// Fencing results. A successful fence means the node is down: its node_state
// becomes in_ccm=false crmd=offline join=down expected=down, and its lrm and
// transient_attributes sections are erased (the resources there are stopped).
struct FenceResult {
  bool ok = false;
  std::string reason;  // for a failure: what the fencer said
};

struct NodeDownUpdate {
  std::string node_state_xml;              // a modify of the status section
  std::vector<std::string> delete_xpaths;  // sections to delete afterwards
};

// The outcome to confirm for a fence action (kOk or kFailed).
ActionOutcome fence_outcome(const FenceResult& result);
// The CIB changes after `action` (a kFence action) succeeded. Error when the
// action is not fencing or names no target.
Result<NodeDownUpdate> fenced_node_update(const GraphAction& action,
                                          const std::string& origin = "send_stonith_update");

}  // namespace vigil::transition
