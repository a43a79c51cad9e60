// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/exec/executor.hpp"

#include <signal.h>

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "vigil/exec/agent.hpp"
#include "vigil/exec/posix_spawner.hpp"

namespace vigil::exec {

namespace {

// One operation. Its timer and process are owned here, and their callbacks
// (which capture a raw Op*) are guaranteed never to run once they are
// destroyed; a callback that may end the operation first takes a
// shared_ptr to keep it alive until it returns.
struct Op : std::enable_shared_from_this<Op> {
  enum class State { kQueued, kRunning, kWaiting, kDone };
  enum class Kill { kNone, kTimeout, kCancel };

  int call_id = 0;
  OperationRequest req;
  State state = State::kQueued;
  bool delayed = false;  // start delay not over yet
  TimePoint queued_at{};
  TimePoint started_at{};
  std::int64_t run_at = 0;
  std::unique_ptr<Process> process;
  std::unique_ptr<Timer> timer;  // start delay, timeout, kill grace or interval
  Kill kill = Kill::kNone;
  bool sigkill_sent = false;
  std::uint64_t fence_run = 0;      // stonith: which run a fencer's answer belongs to
  std::optional<ProcessExit> exit;  // the leader exited; the group is being killed

  // Change tracking of recurring operations.
  bool reported = false;
  OcfRc reported_rc = OcfRc::kOk;
  ExecStatus reported_status = ExecStatus::kDone;
  bool ran_before = false;
  OcfRc prev_rc = OcfRc::kOk;
  ExecStatus prev_status = ExecStatus::kDone;
  std::int64_t rc_changed_at = 0;

  bool recurring() const { return req.interval.count() > 0; }
  bool matches(std::string_view action, Duration interval) const {
    return req.action == action && req.interval == interval;
  }
};

using OpPtr = std::shared_ptr<Op>;

struct Rsc {
  std::deque<OpPtr> queue;       // waiting to run, in order
  OpPtr active;                  // running (one at a time)
  std::vector<OpPtr> recurring;  // every recurring op, whatever its state
  std::unique_ptr<Timer> pump;   // a pending pump() for this resource
  bool empty() const { return queue.empty() && !active && recurring.empty() && !pump; }
};

}  // namespace

struct Executor::Impl {
  Impl(Clock& clock, Spawner& spawner, ExecutorOptions options, ResultCallback on_result)
      : clock(clock),
        spawner(spawner),
        options(std::move(options)),
        on_result(std::move(on_result)) {}

  // Owned edges of the io_context constructor; declared first, destroyed last.
  std::unique_ptr<AsioClock> own_clock;
  std::unique_ptr<PosixSpawner> own_spawner;

  Clock& clock;
  Spawner& spawner;
  ExecutorOptions options;
  ResultCallback on_result;
  int last_call_id = 0;
  std::map<std::string, Rsc, std::less<>> rscs;
  std::size_t running_count = 0;
  std::vector<OperationResult> outbox;               // results waiting for delivery
  std::set<std::string, std::less<>> fence_started;  // stonith resources last started here
  std::unique_ptr<Timer> outbox_timer;

  // ---- delivery -------------------------------------------------------------

  void deliver(OperationResult result) {
    outbox.push_back(std::move(result));
    if (!outbox_timer) {
      outbox_timer = clock.start_timer(Duration{0}, [this] {
        auto batch = std::move(outbox);
        outbox.clear();
        outbox_timer.reset();
        for (const auto& r : batch) {
          if (on_result) on_result(r);
        }
      });
    }
  }

  OperationResult make_result(const Op& op, const Outcome& outcome) const {
    OperationResult r;
    r.call_id = op.call_id;
    r.rsc_id = op.req.rsc_id;
    r.agent = op.req.agent;
    r.action = op.req.action;
    r.interval = op.req.interval;
    r.timeout = op.req.timeout;
    r.rc = outcome.rc;
    r.status = outcome.status;
    r.exit_reason = outcome.exit_reason;
    r.user_data = op.req.user_data;
    r.run_at = op.run_at;
    r.rc_changed_at = op.rc_changed_at;
    return r;
  }

  // ---- queueing ---------------------------------------------------------------

  std::vector<std::string> base_environment() const {
    return options.inherit_environment ? current_environment() : options.environment;
  }

  void schedule_pump(const std::string& rsc_id) {
    auto it = rscs.find(rsc_id);
    if (it == rscs.end() || it->second.pump) return;
    it->second.pump = clock.start_timer(Duration{0}, [this, rsc_id] { pump(rsc_id); });
  }

  // Starts the next operation of a resource when none is running.
  void pump(const std::string& rsc_id) {
    auto it = rscs.find(rsc_id);
    if (it == rscs.end()) return;
    Rsc& rsc = it->second;
    rsc.pump.reset();
    if (!rsc.active && !rsc.queue.empty() && !rsc.queue.front()->delayed) {
      OpPtr op = rsc.queue.front();
      rsc.queue.pop_front();
      start(rsc, op);
    }
    if (rsc.empty()) rscs.erase(it);
  }

  void enqueue(Rsc& rsc, const OpPtr& op) {
    op->state = Op::State::kQueued;
    op->queued_at = clock.now();
    rsc.queue.push_back(op);
    schedule_pump(op->req.rsc_id);
  }

  // ---- running ----------------------------------------------------------------

  void start(Rsc& rsc, const OpPtr& op) {
    rsc.active = op;
    op->state = Op::State::kRunning;
    op->started_at = clock.now();
    op->run_at = clock.wall_seconds();
    op->kill = Op::Kill::kNone;
    op->sigkill_sent = false;
    op->exit.reset();

    if (op->req.agent.cls == AgentClass::kStonith && op->req.action != "meta-data") {
      start_fence_action(op);
      return;
    }
    if (op->req.agent.cls == AgentClass::kService) {
      op->req.agent.service_as = resolve_service(op->req.agent, options.paths);
    }
    Plan plan = plan_operation(op->req, options.paths, base_environment(), options.output_limit);
    if (!plan.command) {
      finish(op, plan.immediate, nullptr, std::move(plan.immediate_output));
      return;
    }
    Op* raw = op.get();
    Spawned spawned =
        spawner.spawn(*plan.command, [this, raw](ProcessExit e) { on_exit(*raw, std::move(e)); });
    if (!spawned.process) {
      finish(op, outcome_of_spawn_failure(op->req, spawned.error, spawned.message), nullptr, {});
      return;
    }
    op->process = std::move(spawned.process);
    ++running_count;
    op->timer = clock.start_timer(op->req.timeout, [this, raw] { on_timeout(*raw); });
  }

  // A stonith resource's action, through the fencer (Pacemaker 2.1.5's
  // execute_stonith_action): start registers the device then monitors it,
  // monitor monitors, stop unregisters; each bounded by its timeout.
  void start_fence_action(const OpPtr& op) {
    const OperationRequest& r = op->req;
    if (r.action == "monitor" && r.interval.count() == 0) {
      // A probe needs no fencer: the device runs if this executor started it.
      finish(op,
             fence_started.count(r.rsc_id) > 0 ? Outcome{OcfRc::kOk, ExecStatus::kDone, ""}
                                               : Outcome{OcfRc::kNotRunning, ExecStatus::kDone, ""},
             nullptr, {});
      return;
    }
    if (options.fence_devices == nullptr) {
      finish(op, Outcome{OcfRc::kUnknownError, ExecStatus::kError, "No connection to fencer"},
             nullptr, {});
      return;
    }
    if (r.action != "start" && r.action != "stop" && r.action != "monitor") {
      finish(op,
             Outcome{OcfRc::kUnimplementFeature, ExecStatus::kError,
                     "fence devices have no '" + r.action + "' action"},
             nullptr, {});
      return;
    }
    const std::uint64_t run = ++op->fence_run;
    Op* raw = op.get();
    op->timer = clock.start_timer(r.timeout, [this, raw, run] {
      if (raw->fence_run != run || raw->state != Op::State::kRunning) return;
      finish(raw->shared_from_this(), outcome_of_timeout(raw->req), nullptr, {});
    });
    FenceDevices& fencer = *options.fence_devices;
    if (r.action == "monitor") return ask_monitor(op, run);
    if (r.action == "stop") {
      fencer.unregister_device(r.rsc_id, fence_answer(op, run, [this](const OpPtr& o, Status st) {
                                 finish(o, fence_outcome(o->req, st), nullptr, {});
                               }));
      return;
    }
    std::map<std::string, std::string> params;
    for (const auto& [name, value] : r.params) {
      if (name.rfind("CRM_meta_", 0) != 0) params.emplace(name, value);
    }
    fencer.register_device(r.rsc_id, r.agent.type, params,
                           fence_answer(op, run, [this, run](const OpPtr& o, Status st) {
                             if (!st) return finish(o, fence_outcome(o->req, st), nullptr, {});
                             ask_monitor(o, run);
                           }));
  }

  // The fencer's answer for run `run` of `op`, to `then` unless that run is
  // over (timed out, cancelled) or the operation gone.
  std::function<void(Status)> fence_answer(const OpPtr& op, std::uint64_t run,
                                           std::function<void(const OpPtr&, Status)> then) {
    std::weak_ptr<Op> weak = op;
    return [weak, run, then = std::move(then)](Status st) {
      auto o = weak.lock();
      if (!o || o->fence_run != run || o->state != Op::State::kRunning) return;
      then(o, std::move(st));
    };
  }

  void ask_monitor(const OpPtr& op, std::uint64_t run) {
    options.fence_devices->monitor(op->req.rsc_id, op->req.timeout,
                                   fence_answer(op, run, [this](const OpPtr& o, Status st) {
                                     finish(o, fence_outcome(o->req, st), nullptr, {});
                                   }));
  }

  Outcome fence_outcome(const OperationRequest& r, const Status& st) {
    if (st) {
      if (r.action == "start") fence_started.insert(r.rsc_id);
      if (r.action == "stop") fence_started.erase(r.rsc_id);
      return {OcfRc::kOk, ExecStatus::kDone, ""};
    }
    if (st.error().code() == ErrorCode::kNotFound) {
      // The fencer has no such device (Pacemaker's no-fence-device): a
      // monitor finds it not running, a stop has nothing to do, a start
      // (no such agent, or the device not registered) is not installed.
      if (r.action == "monitor") {
        return {OcfRc::kNotRunning, ExecStatus::kDone, st.error().message()};
      }
      if (r.action == "stop") {
        fence_started.erase(r.rsc_id);
        return {OcfRc::kOk, ExecStatus::kDone, ""};
      }
      return {OcfRc::kNotInstalled, ExecStatus::kError, st.error().message()};
    }
    // The fencer unreachable too: Pacemaker's executor fails every action
    // but a probe then, stop included (the registration may still be there).
    return {OcfRc::kUnknownError, ExecStatus::kError, st.error().message()};
  }

  void on_timeout(Op& op) {
    auto keep = op.shared_from_this();
    op.kill = Op::Kill::kTimeout;
    op.process->signal_group(SIGTERM);
    Op* raw = &op;
    op.timer = clock.start_timer(options.kill_grace, [this, raw] { on_grace_over(*raw); });
  }

  void on_grace_over(Op& op) {
    auto keep = op.shared_from_this();
    op.process->signal_group(SIGKILL);
    op.sigkill_sent = true;
    if (op.exit) {
      // The agent had already exited on SIGTERM; what it left is now killed.
      ProcessExit e = std::move(*op.exit);
      op.exit.reset();
      finish(keep, outcome_of_timeout(op.req), &e, {});
    }
  }

  void on_exit(Op& op, ProcessExit e) {
    auto keep = op.shared_from_this();
    switch (op.kill) {
      case Op::Kill::kNone:
        finish(keep, interpret_exit(op.req, e), &e, {});
        return;
      case Op::Kill::kCancel:
        finish(keep, Outcome{OcfRc::kOk, ExecStatus::kCancelled, ""}, &e, {});
        return;
      case Op::Kill::kTimeout:
        if (op.sigkill_sent || !op.process->group_alive()) {
          finish(keep, outcome_of_timeout(op.req), &e, {});
        } else {
          op.exit = std::move(e);  // wait for the grace period, then SIGKILL
        }
        return;
    }
  }

  // The end of one run: report it, then retire the operation or schedule
  // its next run.
  void finish(const OpPtr& op, const Outcome& outcome, const ProcessExit* e,
              std::string immediate_output) {
    Rsc& rsc = rscs[op->req.rsc_id];  // there already: an op's resource lives while it does
    const TimePoint now = clock.now();
    op->timer.reset();
    if (op->process) {
      op->process.reset();
      --running_count;
    }
    if (rsc.active == op) rsc.active.reset();

    const bool cancelled = outcome.status == ExecStatus::kCancelled;
    if (!op->ran_before || op->prev_rc != outcome.rc || op->prev_status != outcome.status) {
      op->rc_changed_at = op->run_at;
    }
    op->ran_before = true;
    op->prev_rc = outcome.rc;
    op->prev_status = outcome.status;

    OperationResult r = make_result(*op, outcome);
    r.exec_time = std::chrono::duration_cast<Duration>(now - op->started_at);
    r.queue_time = std::chrono::duration_cast<Duration>(op->started_at - op->queued_at);
    if (e != nullptr) {
      r.pid = e->pid;
      r.output = e->out;
      r.error_output = e->err;
      r.output_bytes = e->out_bytes;
      r.error_output_bytes = e->err_bytes;
    } else {
      r.output_bytes = immediate_output.size();
      r.output = std::move(immediate_output);
    }

    const bool changed =
        !op->reported || op->reported_rc != outcome.rc || op->reported_status != outcome.status;
    if (op->recurring() && !cancelled) {
      if (changed || op->req.report_every_result) {
        remember_reported(*op, outcome);
        deliver(std::move(r));
      }
      op->state = Op::State::kWaiting;
      Op* raw = op.get();
      op->timer = clock.start_timer(op->req.interval, [this, raw] {
        auto keep = raw->shared_from_this();
        raw->timer.reset();
        auto rit = rscs.find(raw->req.rsc_id);
        if (rit != rscs.end()) enqueue(rit->second, keep);
      });
    } else {
      op->state = Op::State::kDone;
      remove_recurring(rsc, *op);
      deliver(std::move(r));
    }
    schedule_pump(op->req.rsc_id);
  }

  static void remember_reported(Op& op, const Outcome& outcome) {
    op.reported = true;
    op.reported_rc = outcome.rc;
    op.reported_status = outcome.status;
  }

  static void remove_recurring(Rsc& rsc, const Op& op) {
    auto& v = rsc.recurring;
    v.erase(std::remove_if(v.begin(), v.end(), [&](const OpPtr& p) { return p.get() == &op; }),
            v.end());
  }

  // ---- cancelling ---------------------------------------------------------------

  bool cancel_op(Rsc& rsc, const OpPtr& op) {
    switch (op->state) {
      case Op::State::kRunning:
        if (!op->process) {
          // A fence device's action: its fencer's answer is ignored now.
          remove_recurring(rsc, *op);
          finish(op, Outcome{OcfRc::kOk, ExecStatus::kCancelled, ""}, nullptr, {});
          return true;
        }
        if (op->kill != Op::Kill::kCancel) {
          op->kill = Op::Kill::kCancel;
          op->timer.reset();  // no more timeout or grace: it is being killed now
          op->process->signal_group(SIGKILL);
          op->sigkill_sent = true;
          if (op->exit) {
            ProcessExit e = std::move(*op->exit);
            op->exit.reset();
            finish(op, Outcome{OcfRc::kOk, ExecStatus::kCancelled, ""}, &e, {});
            return true;
          }
        }
        // Out of the recurring list now, so the same operation can be
        // requested again at once; on_exit() reports the cancellation.
        remove_recurring(rsc, *op);
        return true;
      case Op::State::kQueued:
      case Op::State::kWaiting: {
        op->timer.reset();
        auto& q = rsc.queue;
        q.erase(std::remove(q.begin(), q.end(), op), q.end());
        remove_recurring(rsc, *op);
        op->state = Op::State::kDone;
        OperationResult r = make_result(*op, Outcome{OcfRc::kOk, ExecStatus::kCancelled, ""});
        deliver(std::move(r));
        schedule_pump(op->req.rsc_id);
        return true;
      }
      case Op::State::kDone:
        return false;
    }
    return false;
  }

  std::size_t cancel_recurring_of(Rsc& rsc) {
    const auto ops = rsc.recurring;  // cancel_op() edits the list
    std::size_t n = 0;
    for (const auto& op : ops) n += cancel_op(rsc, op) ? 1 : 0;
    return n;
  }
};

Executor::Executor(boost::asio::io_context& io, ExecutorOptions options, ResultCallback on_result) {
  auto clock = std::make_unique<AsioClock>(io);
  auto spawner = std::make_unique<PosixSpawner>(io);
  impl_ = std::make_unique<Impl>(*clock, *spawner, std::move(options), std::move(on_result));
  impl_->own_clock = std::move(clock);
  impl_->own_spawner = std::move(spawner);
}

Executor::Executor(Clock& clock, Spawner& spawner, ExecutorOptions options,
                   ResultCallback on_result)
    : impl_(std::make_unique<Impl>(clock, spawner, std::move(options), std::move(on_result))) {}

Executor::~Executor() {
  // Ops first (killing what runs, dropping timers), then the owned edges.
  impl_->outbox_timer.reset();
  impl_->rscs.clear();
}

Result<int> Executor::execute(OperationRequest request) {
  if (auto st = validate_request(request); !st) {
    return st.error().with_context("execute");
  }
  Impl& d = *impl_;
  if (request.timeout.count() == 0) request.timeout = d.options.default_timeout;
  const int call_id = ++d.last_call_id;
  Rsc& rsc = d.rscs[request.rsc_id];

  if (request.interval.count() > 0) {
    for (const auto& op : rsc.recurring) {
      if (!op->matches(request.action, request.interval)) continue;
      // Same recurring operation again: take over the existing one.
      op->call_id = call_id;
      op->req = std::move(request);
      op->reported = false;
      if (op->state == Op::State::kWaiting) {
        op->timer.reset();
        d.enqueue(rsc, op);
      }
      return call_id;
    }
  }
  if (request.action == "stop") d.cancel_recurring_of(rsc);

  auto op = std::make_shared<Op>();
  op->call_id = call_id;
  op->req = std::move(request);
  op->queued_at = d.clock.now();
  if (op->recurring()) rsc.recurring.push_back(op);
  rsc.queue.push_back(op);
  if (op->req.start_delay.count() > 0) {
    op->delayed = true;
    Op* raw = op.get();
    op->timer = d.clock.start_timer(op->req.start_delay, [&d, raw] {
      raw->delayed = false;
      auto keep = raw->shared_from_this();
      raw->timer.reset();
      d.schedule_pump(raw->req.rsc_id);
    });
  }
  d.schedule_pump(op->req.rsc_id);
  return call_id;
}

Status Executor::cancel(std::string_view rsc_id, std::string_view action, Duration interval) {
  Impl& d = *impl_;
  auto it = d.rscs.find(rsc_id);
  if (it != d.rscs.end()) {
    Rsc& rsc = it->second;
    OpPtr found;
    if (rsc.active && rsc.active->matches(action, interval) &&
        rsc.active->kill != Op::Kill::kCancel) {
      found = rsc.active;
    }
    for (const auto& op : rsc.recurring) {
      if (!found && op->matches(action, interval)) found = op;
    }
    for (const auto& op : rsc.queue) {
      if (!found && op->matches(action, interval)) found = op;
    }
    if (found && d.cancel_op(rsc, found)) return ok_status();
  }
  return Error(ErrorCode::kNotFound, "cancel: no operation " + std::string(rsc_id) + "_" +
                                         std::string(action) + "_" +
                                         std::to_string(interval.count()));
}

std::size_t Executor::cancel_all_recurring(std::string_view rsc_id) {
  auto it = impl_->rscs.find(rsc_id);
  return it == impl_->rscs.end() ? 0 : impl_->cancel_recurring_of(it->second);
}

std::size_t Executor::running() const {
  return impl_->running_count;
}

std::size_t Executor::recurring() const {
  std::size_t n = 0;
  for (const auto& [id, rsc] : impl_->rscs) n += rsc.recurring.size();
  return n;
}

bool Executor::idle() const {
  if (!impl_->outbox.empty()) return false;
  for (const auto& [id, rsc] : impl_->rscs) {
    if (!rsc.queue.empty() || rsc.active || !rsc.recurring.empty()) return false;
  }
  return true;
}

}  // namespace vigil::exec
