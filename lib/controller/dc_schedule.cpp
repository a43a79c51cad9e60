// SPDX-License-Identifier: GPL-2.0-or-later
// The DC's scheduling loop: CIB writes, when to ask the scheduler
// (PolicyEngine), running its graph (TransitionEngine) and what comes after
// (Idle, or another run).
#include <algorithm>

#include "cib_xml.hpp"
#include "dc_state.hpp"
#include "vigil/common/score.hpp"
#include "vigil/transition/graph.hpp"

namespace vigil::controller {

namespace {
constexpr int kMaxFruitlessTransitions = 10;
}  // namespace

void Machine::cib_write(std::vector<CibEdit> edits, std::function<void(Status)> then) {
  if (!dc_state_) return;
  if (edits.empty()) {
    if (then) then(ok_status());
    return;
  }
  ++dc_state_->writes;
  Token t = ask<CibWriteAnswer>(true, [this, then = std::move(then)](const CibWriteAnswer& in) {
    const Status& st = in.status;
    --dc_state_->writes;
    if (!st) log(LogLevel::kError, "event=cib-write-failed error=" + st.error().message());
    if (then) then(st);
    if (dc_state_) maybe_schedule();
  });
  emit(CibWriteEffect{t, std::move(edits)});
}

void Machine::mark_dirty(const std::string& why) {
  if (!dc_state_) return;
  Dc& dc = *dc_state_;
  if (!dc.dirty) log(LogLevel::kDebug, "event=reschedule reason=\"" + why + "\"");
  dc.dirty = true;
  dc.fruitless = 0;
  if (state_ == State::kTransitionEngine) dc.runner->abort(kInfinity, why);
  maybe_schedule();
}

void Machine::maybe_schedule() {
  if (!is_dc() || !dc_state_ || state_ != State::kIdle) return;
  const Dc& dc = *dc_state_;
  if (!dc.dirty || dc.writes > 0 || !all_joined() || shutdown_finished_) return;
  if (startup_wait() || respawn_wait()) return;
  compute();
}

void Machine::defer(std::function<void()> fn) {
  // Not from inside the Runner's own callback, which may still be on the
  // stack: a zero-delay timer is the next input.
  dc_state_->retry = clock_->start_timer(Duration(0), std::move(fn));
}

void Machine::await_respawn(NodeId node) {
  if (options_.respawn_grace.count() <= 0) return;
  dc_state_->respawn_wait[node] = now_.mono + options_.respawn_grace;
  log(LogLevel::kNotice, "event=await-respawn node=" + node_name(node) +
                             " reason=\"its controller left but the node is still a member\" for=" +
                             std::to_string(options_.respawn_grace.count()) + "ms");
}

bool Machine::respawn_wait() {
  // The controller of a node that is still in the membership went away
  // (crashed, restarted by vigild): its resources are still running there.
  // Without fencing the scheduler would take that node for down and start
  // them elsewhere; wait (bounded) for the controller to come back first.
  Dc& dc = *dc_state_;
  TimePoint until{};
  for (auto it = dc.respawn_wait.begin(); it != dc.respawn_wait.end();) {
    if (it->second <= now_.mono || !is_member(it->first)) {
      if (it->second <= now_.mono) {
        log(LogLevel::kWarning, "event=respawn-timeout node=" + node_name(it->first) +
                                    " action=\"scheduling without it\"");
      }
      it = dc.respawn_wait.erase(it);
    } else {
      until = std::max(until, it->second);
      ++it;
    }
  }
  if (dc.respawn_wait.empty()) {
    dc.respawn_timer.reset();
    return false;
  }
  if (!dc.respawn_timer || dc.respawn_until != until) {
    dc.respawn_until = until;
    dc.respawn_timer = clock_->start_timer(
        std::chrono::duration_cast<Duration>(until - now_.mono) + Duration(1), [this] {
          dc_state_->respawn_timer.reset();
          maybe_schedule();
        });
  }
  return true;
}

bool Machine::startup_wait() {
  // A controller that just started and sees only part of the configured
  // nodes may be a node that booted before Corosync merged it with the
  // others: it waits up to dc-deadtime for them before deciding anything
  // (Pacemaker's start-up election timeout), so that a rebooting node does
  // not start resources that run elsewhere. Once this controller has been
  // part of the whole cluster (or joined by another DC), a later takeover
  // is immediate.
  Dc& dc = *dc_state_;
  const TimePoint until = started_at_ + dc.dc_deadtime;
  if (startup_done_ || view_complete() || now_.mono >= until) {
    startup_done_ = true;
    dc.hold.reset();
    return false;
  }
  if (!dc.hold) {
    // Rounded up, and gone once fired: a wait that woke before its end (a
    // truncated delay) found its timer still set, armed none, and the DC
    // never scheduled (a lone DC told to stop then waited for ever).
    const Duration left = time_left(now_.mono, until);
    log(LogLevel::kNotice, "event=startup-wait reason=\"not every node is in the group yet\" for=" +
                               std::to_string(left.count()) + "ms");
    dc.hold = clock_->start_timer(left, [this] {
      if (!dc_state_) return;
      dc_state_->hold.reset();
      maybe_schedule();
    });
  }
  return true;
}

void Machine::compute() {
  Dc& dc = *dc_state_;
  dc.dirty = false;
  ++scheduler_runs_;
  set_state(State::kPolicyEngine, "something changed");
  query_for_schedule(dc.scheduler_cib.has_value());
}

// When the scheduler holds a CIB, only the cluster options are read (for
// cluster-recheck-interval; the answer also says which version the CIB is
// at) and the scheduler gets the changes since its copy; else the whole CIB.
void Machine::query_for_schedule(bool changes_only) {
  Token t = ask<CibAnswer>(
      true, [this, changes_only](const CibAnswer& in) { on_compute_cib(in, changes_only); });
  emit(CibQueryEffect{t, changes_only ? "crm_config" : ""});
}

void Machine::on_compute_cib(const CibAnswer& in, bool changes_only) {
  Dc& dc = *dc_state_;
  auto& reply = in.reply;
  if (!reply && changes_only && reply.error().code() == ErrorCode::kNotFound) {
    // No crm_config section: the whole CIB, which needs none.
    dc.scheduler_cib.reset();
    return query_for_schedule(false);
  }
  if (!reply) return schedule_failed(reply.error().with_context("CIB query"));
  dc.recheck_interval =
      cluster_interval_of(reply->xml, "cluster-recheck-interval", options_.recheck_interval);
  pengined::ComputeRequest req;
  if (changes_only) {
    auto diffs = dc.cib_changes.between(*dc.scheduler_cib, reply->version);
    if (!diffs) {
      log(LogLevel::kInfo, "event=scheduler-whole-cib reason=\"no chain of changes from " +
                               dc.scheduler_cib->to_string() + " to " + reply->version.to_string() +
                               "\"");
      dc.scheduler_cib.reset();
      return query_for_schedule(false);
    }
    req.base = *dc.scheduler_cib;
    req.diffs = std::move(*diffs);
  } else {
    req.cib_xml = reply->xml;
  }
  req.transition_id = next_transition_++;
  req.now = now_.wall;
  Token t = ask<SchedulerAnswer>(true, [this, changes_only](const SchedulerAnswer& answer) {
    on_scheduler_answer(answer, changes_only);
  });
  emit(ComputeEffect{t, std::move(req)});
}

void Machine::on_scheduler_answer(const SchedulerAnswer& in, bool changes_only) {
  Dc& dc = *dc_state_;
  const auto& r = in.result;
  if (!r) {
    dc.scheduler_cib.reset();
    if (changes_only && r.error().code() == ErrorCode::kNotFound) {
      // Its copy is gone or could not take the changes: the whole CIB.
      log(LogLevel::kNotice, "event=scheduler-whole-cib reason=\"" + r.error().message() + "\"");
      return query_for_schedule(false);
    }
    return schedule_failed(r.error().with_context("scheduler"));
  }
  dc.scheduler_cib = r->cib_version;
  if (r->cib_version) dc.cib_changes.forget_through(*r->cib_version);
  if (dc.dirty) {
    // Something changed while it ran: that answer is already stale.
    set_state(State::kIdle, "stale scheduler answer");
    return maybe_schedule();
  }
  auto graph = transition::parse_graph(r->graph_xml);
  if (!graph) return schedule_failed(graph.error().with_context("transition graph"));
  arm_recheck(r->recheck_by);
  log(LogLevel::kInfo, "event=transition-start id=" + std::to_string(graph->transition_id) +
                           " actions=" + std::to_string(graph->size()) +
                           (r->input_name.empty() ? "" : " input=" + r->input_name) +
                           (r->cib_read.empty() ? "" : " cib_read=\"" + r->cib_read + "\""));
  start_transition(std::move(*graph));
}

void Machine::schedule_failed(const Error& e) {
  log(LogLevel::kError, "event=schedule-failed error=\"" + e.message() + "\"");
  set_state(State::kIdle, "scheduling failed");
  // A CIB the scheduler refuses stays refused until it changes (which
  // re-runs the scheduler anyway); only a transport failure is retried.
  if (e.code() != ErrorCode::kIo && e.code() != ErrorCode::kInternal) return;
  dc_state_->retry = clock_->start_timer(std::chrono::seconds(2),
                                         [this] { mark_dirty("retry after a scheduler failure"); });
}

void Machine::arm_recheck(std::int64_t recheck_by) {
  Duration delay = dc_state_->recheck_interval;
  const auto until = [this](std::int64_t by) {
    return Duration(std::max<std::int64_t>(0, by - now_.wall) * 1000);
  };
  if (recheck_by > 0) delay = std::min(delay, until(recheck_by));
  if (delay.count() <= 0) {
    // cluster-recheck-interval=0: only the scheduler's own recheck-by.
    if (recheck_by <= 0) {
      dc_state_->recheck.reset();
      return;
    }
    delay = until(recheck_by);
  }
  dc_state_->recheck = clock_->start_timer(delay, [this] { mark_dirty("recheck timer"); });
}

void Machine::start_transition(transition::Graph graph) {
  Dc& dc = *dc_state_;
  last_transition_ = graph.transition_id;
  dc.fence_blocked.clear();
  set_state(State::kTransitionEngine, "scheduler answered");
  dc.runner = std::make_unique<transition::Runner>(
      std::move(graph), *clock_, static_cast<transition::ActionSink&>(*this),
      [this](const transition::RunSummary& s) { transition_done(s); });
  dc.runner->start();
}

void Machine::confirm_action(int transition_id, int action_id, transition::ActionOutcome outcome) {
  // Only the transition that fired the action: a later one has other ids.
  if (!dc_state_ || state_ != State::kTransitionEngine) return;
  transition::Runner& runner = *dc_state_->runner;
  if (runner.finished() || runner.graph().transition_id != transition_id) return;
  (void)runner.confirm(action_id, outcome);
}

void Machine::transition_done(const transition::RunSummary& s) {
  Dc& dc = *dc_state_;
  ++transitions_completed_;
  log(s.result == transition::GraphResult::kComplete ? LogLevel::kInfo : LogLevel::kNotice,
      "event=transition-done id=" + std::to_string(last_transition_) + " status=" + s.status_text +
          " completed=" + std::to_string(s.completed) + " failed=" + std::to_string(s.failed) +
          (s.abort_reason.empty() ? "" : " reason=\"" + s.abort_reason + "\""));
  set_state(State::kIdle, "transition over");
  if (dc.leave_when_done) {
    // Leaving destroys the Runner: not from inside its callback.
    defer([this] { finish_shutdown("the DC's last transition is over"); });
    return;
  }
  if (s.result != transition::GraphResult::kComplete || s.abort_requested) {
    if (!dc.fence_blocked.empty()) {
      // Re-running would only ask for the same fencing again: wait for a
      // change (or the recheck timer) instead of spinning.
      log(LogLevel::kError, "event=transition-blocked reason=\"" + dc.fence_blocked + "\"");
    } else if (s.completed == 0 && s.failed > 0 && ++dc.fruitless >= kMaxFruitlessTransitions) {
      log(LogLevel::kError, "event=transition-blocked reason=\"" +
                                std::to_string(kMaxFruitlessTransitions) +
                                " transitions in a row failed without progress\"");
    } else {
      dc.dirty = true;
    }
  }
  // maybe_schedule() runs from the next CIB acknowledgement, or now.
  if (dc.dirty && dc.writes == 0) defer([this] { maybe_schedule(); });
}

}  // namespace vigil::controller
