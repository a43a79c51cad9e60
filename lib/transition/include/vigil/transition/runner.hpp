// SPDX-License-Identifier: GPL-2.0-or-later
// Executes one transition graph as Pacemaker's transition engine does. The
// runner decides only what may fire and when the transition is over; the
// caller carries out the actions (ActionSink) and reports each one's outcome
// with confirm(). Time comes from a Clock: every fired action gets a timer
// (its timeout plus cluster-delay) after which it is lost and the transition
// aborts.
//
// Rules, after Pacemaker's graph consumer and controller:
// - A synapse fires once every input is confirmed and none of them failed
//   (unless the failed input carries CRM_meta_can_fail). Ready synapses fire
//   in passes over the graph in document (synapse id) order.
// - Pseudo actions are confirmed at once; actions with CRM_meta_op_no_wait
//   once the sink has initiated them (their later results are not
//   confirmed: confirm() refuses them as already confirmed).
// - batch-limit caps the synapses in flight; migration-limit caps migrate_to/
//   migrate_from in flight per node (source and target both count).
// - abort(priority): synapses whose priority is below the highest abort
//   priority no longer fire (pseudo actions still do); with kInfinity only
//   INFINITY-priority synapses (fencing, shutdowns) still fire.
// - A failed action aborts with its synapse's priority + 1 ("Event failed"),
//   a timer expiry or an action the sink could not initiate with kInfinity
//   ("Action lost", "Action initiation failed").
// - The transition completes when nothing is in flight and nothing more can
//   fire; the completion callback then runs once.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"
#include "vigil/transition/graph.hpp"

namespace vigil::transition {

// What the caller learnt about an action it carried out. The runner does not
// interpret OCF codes: outcome.hpp's classify() turns a result into this.
enum class ActionOutcome {
  kOk,         // as expected (or a failure the graph ignores: on-fail=ignore)
  kFailed,     // unexpected result
  kTimedOut,   // the executor (or fencer) reported a timeout
  kCancelled,  // the operation was cancelled before it gave a result
};
const char* to_string(ActionOutcome o);

// Where fired actions go. Each call initiates an action (sends it to a node,
// asks the fencer ...) and returns; confirm() comes later (it may also be
// called from inside these calls). An error means the action could not even
// be initiated: it counts as failed and the transition aborts.
class ActionSink {
 public:
  virtual ~ActionSink() = default;
  virtual Status execute_rsc_op(const GraphAction& action) = 0;
  virtual Status execute_cluster_event(const GraphAction& action) = 0;
  virtual Status execute_fence(const GraphAction& action) = 0;
  // The action's timer expired before confirm(): it is now failed and the
  // transition aborts. The controller records the timeout here (for a
  // resource action, a synthesized op-status=2 result in the CIB).
  virtual void action_timed_out(const GraphAction& action) = 0;
  // A pseudo action fired: nothing is carried out, and the runner confirms
  // it when this returns. For sinks that report every step, as crm_simulate
  // does.
  virtual void pseudo_action_fired(const GraphAction& /*action*/) {}
};

enum class ActionState {
  kWaiting,    // not fired yet
  kInFlight,   // fired, timer running
  kConfirmed,  // done, as expected
  kFailed,     // done, failed (failed, timed out, cancelled, lost, not initiated)
};

enum class GraphResult {
  kComplete,  // every synapse ran and no action failed
  kAborted,   // an abort (no failure) kept some synapses from running
  kFailed,    // some action failed, timed out or could not be initiated
};
const char* to_string(GraphResult r);

struct RunSummary {
  GraphResult result = GraphResult::kComplete;
  // Pacemaker's wording for the log: "Complete", "Stopped" (synapses were
  // skipped by an abort) or "Terminated" (synapses could not fire, no abort).
  std::string status_text;
  bool abort_requested = false;  // the caller should run the scheduler again
  int abort_priority = 0;
  std::string abort_reason;  // the first abort's reason
  int synapses = 0;          // in the graph
  int completed = 0;         // synapses confirmed
  int fired = 0;             // actions fired (pseudo ones included)
  int failed = 0;            // actions failed (timed out ones included)
  int timed_out = 0;         // actions lost to the runner's timer
  int skipped = 0;           // synapses that an abort kept from firing
  int incomplete = 0;        // synapses that could not fire (failed inputs)
  int in_flight = 0;         // actions still awaited (non-zero only after stop())
  bool stopped = false;      // stop() ended it
};

struct RunnerOptions {
  // Actions in flight per node at most (Pacemaker's node-action-limit /
  // throttling); 0 = no cap. The target is router_node, else on_node.
  int node_job_limit = 0;
};

class Runner {
 public:
  using CompletionFn = std::function<void(const RunSummary&)>;

  // The runner owns the graph. `clock` and `sink` must outlive it.
  Runner(Graph graph, Clock& clock, ActionSink& sink, CompletionFn on_complete,
         RunnerOptions options = {});
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Fires what is ready. An empty graph completes at once (the callback runs
  // from inside start()).
  void start();

  // The outcome of a fired action. Errors (nothing changes): unknown action
  // id, an action that is not in flight (never fired, a pseudo action,
  // already confirmed, lost to its timer), a runner that has finished or was
  // stopped (late results after a DC change are expected and ignored).
  Status confirm(int action_id, ActionOutcome outcome);

  // Stops firing synapses whose priority is below `priority` (kInfinity:
  // all but INFINITY-priority ones); what is in flight is still awaited. The
  // first reason is kept.
  void abort(int priority, const std::string& reason);

  // Ends the transition now (the DC lost its role, the controller stops):
  // timers are cancelled, nothing fires any more, later confirmations are
  // refused, and no completion callback runs. Returns the final summary.
  RunSummary stop();

  bool started() const;
  bool finished() const;  // completed or stopped
  RunSummary summary() const;
  const Graph& graph() const;
  // Unknown ids read as kWaiting.
  ActionState state(int action_id) const;
  // Ids of the actions in flight, in firing order.
  std::vector<int> in_flight() const;

  // The timer armed for a fired action: its timeout (CRM_meta_timeout plus
  // start-delay, or cluster-delay when that is not positive) plus
  // cluster-delay; fencing uses stonith-timeout plus cluster-delay.
  static Duration action_timer(const Graph& graph, const GraphAction& action);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::transition
