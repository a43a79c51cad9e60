// SPDX-License-Identifier: GPL-2.0-or-later
// The state machine's frame: one input at a time, the request table that
// matches answers to what is still awaited, timers as effects, and the
// state names.
#include "machine.hpp"

#include "dc_state.hpp"

namespace vigil::controller {

const char* to_string(State s) {
  static constexpr const char* kNames[] = {
      "Stopped",      "Election",     "Pending",          "NotDc", "Stopping", "Integration",
      "FinalizeJoin", "PolicyEngine", "TransitionEngine", "Idle"};
  static_assert(std::size(kNames) == kStateCount);
  const auto i = static_cast<std::size_t>(s);
  return i < std::size(kNames) ? kNames[i] : "?";
}

const char* to_string(TransitionState s) {
  static constexpr const char* kNames[] = {"idle", "computing", "executing", "aborting"};
  const auto i = static_cast<std::size_t>(s);
  return i < std::size(kNames) ? kNames[i] : "?";
}

const char* input_kind_name(std::size_t index) {
  static constexpr const char* kNames[] = {
      "start",           "view",           "membership",       "quorum",
      "message",         "cib-changed",    "executor-event",   "timer",
      "send-failed",     "fence-event",    "shutdown",         "attr",
      "cleanup",         "cib-answer",     "cib-written",      "exec-answer",
      "executor-answer", "history-answer", "scheduler-answer", "fencer-answer"};
  static_assert(std::size(kNames) == kInputKinds);
  return index < kInputKinds ? kNames[index] : "?";
}

const char* input_name(const Input& input) {
  return input_kind_name(input.index());
}

// Timers as effects: arming one queues ArmTimer, dropping the handle before
// it fired queues CancelTimer, and TimerInput runs the callback. The
// transition Runner gets this clock too, so its action timers are effects
// like every other.
class EffectClock final : public Clock {
 public:
  explicit EffectClock(Machine& m) : m_(m) {}
  TimePoint now() const override { return m_.now_.mono; }
  std::int64_t wall_seconds() const override { return m_.now_.wall; }
  std::unique_ptr<Timer> start_timer(Duration after, std::function<void()> fn) override {
    return m_.start_timer(after, std::move(fn));
  }

 private:
  Machine& m_;
};

namespace {

class EffectTimer final : public Timer {
 public:
  EffectTimer(std::function<void(TimerId)> cancel, TimerId id)
      : cancel_(std::move(cancel)), id_(id) {}
  ~EffectTimer() override { cancel_(id_); }

 private:
  std::function<void(TimerId)> cancel_;
  TimerId id_;
};

}  // namespace

Machine::Machine(ControllerOptions options)
    : options_(std::move(options)), clock_(std::make_unique<EffectClock>(*this)) {}

Machine::~Machine() {
  // The runner and the timers go first, while the tables they cancel from
  // still exist.
  if (dc_state_ && dc_state_->runner) dc_state_->runner->stop();
  dc_state_.reset();
  shutdown_timer_.reset();
}

std::unique_ptr<Timer> Machine::start_timer(Duration after, std::function<void()> fn) {
  const TimerId id = next_token_++;
  timers_.emplace(id, std::move(fn));
  emit(ArmTimer{id, after});
  return std::make_unique<EffectTimer>(
      [this](TimerId t) {
        if (timers_.erase(t)) emit(CancelTimer{t});
      },
      id);
}

void Machine::on_timer(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;  // cancelled while the driver's timer was due
  auto fn = std::move(it->second);
  timers_.erase(it);
  fn();
}

void Machine::log(LogLevel level, const std::string& text) {
  emit(LogEffect{level, text});
}

void Machine::set_state(State s, const char* why) {
  if (s == state_) return;
  log(LogLevel::kInfo, std::string("event=state from=") + to_string(state_) +
                           " to=" + to_string(s) + " input=\"" + why + "\"");
  state_ = s;
}

struct Machine::Pending {
  bool dc_owned = false;
  std::size_t answer_kind = 0;  // Input index of the expected answer
  std::function<void(const Input&)> then;
};

Token Machine::request(bool dc_owned, std::size_t answer_kind,
                       std::function<void(const Input&)> then) {
  const Token token = next_token_++;
  pending_.emplace(token,
                   std::make_unique<Pending>(Pending{dc_owned, answer_kind, std::move(then)}));
  return token;
}

void Machine::drop_dc_requests() {
  std::erase_if(pending_, [](const auto& p) { return p.second->dc_owned; });
}

void Machine::answer(Token token, const Input& input) {
  auto it = pending_.find(token);
  if (it == pending_.end()) {
    // Asked by a role this node no longer has (a DC deposed since).
    log(LogLevel::kInfo, std::string("event=stale-answer input=") + input_name(input) +
                             " token=" + std::to_string(token));
    return;
  }
  if (it->second->answer_kind != input.index()) {
    log(LogLevel::kError, std::string("event=wrong-answer input=") + input_name(input) +
                              " token=" + std::to_string(token) +
                              " expected=" + input_kind_name(it->second->answer_kind));
    return;
  }
  auto p = std::move(it->second);
  pending_.erase(it);
  if (p->then) p->then(input);
}

std::vector<Effect> Machine::take_effects() {
  std::vector<Effect> out;
  out.swap(effects_);
  return out;
}

Status Machine::step(const Now& now, const Input& input) {
  now_ = now;
  if (!started_ && !std::holds_alternative<StartInput>(input)) {
    return Error(ErrorCode::kInvalidInput, "the controller is not started");
  }
  if (!halted_.empty()) return Error(ErrorCode::kInvalidInput, "the controller halted: " + halted_);
  struct Visitor {
    Machine& m;
    Status operator()(const StartInput& in) { return m.on_start(in); }
    Status operator()(const ViewInput& in) { return m.on_view(in), ok_status(); }
    Status operator()(const MembershipInput& in) { return m.on_membership(in), ok_status(); }
    Status operator()(const QuorumInput& in) { return m.on_quorum(in.quorate), ok_status(); }
    Status operator()(const MessageInput& in) { return m.on_message(in), ok_status(); }
    Status operator()(const CibChangedInput& in) {
      return m.on_cib_changed(in.change), ok_status();
    }
    Status operator()(const ExecutorEventInput& in) {
      return m.on_executor_event(in.result), ok_status();
    }
    Status operator()(const TimerInput& in) { return m.on_timer(in.id), ok_status(); }
    Status operator()(const SendFailedInput& in) { return m.on_send_failed(in), ok_status(); }
    Status operator()(const FenceEventInput& in) { return m.on_fence_event(in.event), ok_status(); }
    Status operator()(const ShutdownRequest&) { return m.request_shutdown(), ok_status(); }
    Status operator()(const AttrRequest& in) { return m.request_attr(in); }
    Status operator()(const CleanupRequest& in) { return m.request_cleanup(in); }
    Status operator()(const CibAnswer& in) { return m.answer(in.token, in), ok_status(); }
    Status operator()(const CibWriteAnswer& in) { return m.answer(in.token, in), ok_status(); }
    Status operator()(const ExecAnswer& in) { return m.answer(in.token, in), ok_status(); }
    Status operator()(const ExecutorAnswer& in) { return m.answer(in.token, in), ok_status(); }
    Status operator()(const HistoryAnswer& in) { return m.answer(in.token, in), ok_status(); }
    Status operator()(const SchedulerAnswer& in) { return m.answer(in.token, in), ok_status(); }
    Status operator()(const FencerAnswer& in) { return m.answer(in.token, in), ok_status(); }
  };
  return std::visit(Visitor{*this}, input);
}

ControllerStatus Machine::status() const {
  ControllerStatus s;
  s.self = self_;
  s.dc = dc_;
  if (dc_ != cluster::kNoNode) s.dc_name = node_name(dc_);
  for (NodeId n : view_) s.members.push_back({n, node_name(n)});
  s.quorate = quorate_;
  s.shutting_down = shutting_down_;
  s.state = to_string(state_);
  s.transition_id = last_transition_;
  s.scheduler_runs = scheduler_runs_;
  s.transitions_completed = transitions_completed_;
  if (state_ == State::kPolicyEngine) {
    s.transition = TransitionState::kComputing;
  } else if (state_ == State::kTransitionEngine && dc_state_ && dc_state_->runner) {
    auto sum = dc_state_->runner->summary();
    s.transition =
        sum.abort_priority > 0 ? TransitionState::kAborting : TransitionState::kExecuting;
    s.actions_in_flight = dc_state_->runner->in_flight().size();
  }
  return s;
}

}  // namespace vigil::controller
