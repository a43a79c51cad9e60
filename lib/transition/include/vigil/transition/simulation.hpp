// SPDX-License-Identifier: GPL-2.0-or-later
// crm_simulate's executor (its -S/--simulate): a transition graph run
// through the same Runner the controller uses, with a sink that carries the
// actions out against a CIB document instead of a cluster. Every action
// succeeds unless an op-fail injection (-F) says otherwise; results are
// recorded into the document's status with the controller's history XML
// (history.hpp), a fenced node goes down as outcome.hpp says, and each step
// is reported with crm_simulate's "Executing Cluster Transition" lines.
// Time is a ManualClock started at `now`: nothing sleeps.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/transition/graph.hpp"
#include "vigil/transition/runner.hpp"

struct _xmlDoc;  // libxml2's xmlDoc

namespace vigil::transition {

struct SimulationOptions {
  // -F/--op-fail specifications, "rsc_task_interval@node=rc" (the key is
  // matched without regard to case): that action completes with rc, counts
  // as failed whatever rc is, and aborts the transition at INFINITY, so only
  // pseudo actions and INFINITY-priority synapses still fire. Specifications
  // whose rc is no number are ignored, as crm_simulate ignores them.
  std::vector<std::string> op_fail;
  // Epoch seconds the results are stamped with (last-rc-change,
  // last-failure).
  std::int64_t now = 0;
  // The names the scheduler knows resources by (ids and the names clone
  // instances' histories use). An action on a clone instance is shown,
  // matched against op-fail and fail-counted under its configured id when
  // that names a resource, else under its instance id ("long-id"), as
  // crm_simulate does. Empty: always the configured id.
  std::unordered_set<std::string> resource_names;
};

struct SimulationResult {
  // One line per step, each ending in '\n': "  * Resource action: ...",
  // "  * Pseudo action:   ...", "  * Cluster action:  ...", "  * Fencing ...",
  // and for an injected failure "Pretending action N failed with rc=R" and
  // its "  * Injecting attribute ..." lines.
  std::string log;
  RunSummary summary;
  // crm_simulate's "Transition failed: terminated": synapses that could
  // never fire (they wait on a cycle or on a failed action) though nothing
  // aborted the transition.
  bool terminated() const { return summary.status_text == "Terminated"; }
};

// Executes `graph` against `cib` (a whole CIB document; its status section
// receives the results). Errors name the action whose result could not be
// recorded (a resource action without on_node_uuid, say); `cib` then holds
// what was recorded before it.
Result<SimulationResult> simulate_transition(Graph graph, _xmlDoc* cib,
                                             const SimulationOptions& options);

}  // namespace vigil::transition
