// SPDX-License-Identifier: GPL-2.0-or-later
// Every node's part of the controller: the CPG group and its views (who is
// DC), running what the DC asks on the local executor and reporting the
// results, the executor history sent at join, and clean shutdown.
#include <algorithm>

#include "controller_impl.hpp"
#include "vigil/exec/agent.hpp"

namespace vigil::controller {

const char* to_string(TransitionState s) {
  switch (s) {
    case TransitionState::kIdle:
      return "idle";
    case TransitionState::kComputing:
      return "computing";
    case TransitionState::kExecuting:
      return "executing";
    case TransitionState::kAborting:
      return "aborting";
  }
  return "?";
}

Controller::Impl::Impl(ControllerEnv env, ControllerOptions options)
    : env_(std::move(env)), options_(options) {}

Controller::Impl::~Impl() {
  if (dc_state_ && dc_state_->runner) dc_state_->runner->stop();
  if (started_) {
    env_.cib.unsubscribe(cib_sub_);
    env_.executor.set_event_handler({});
    env_.cpg.set_handlers({});
    env_.membership.set_membership_handler({});
    env_.quorum.set_quorum_handler({});
  }
}

void Controller::Impl::log(LogLevel level, const std::string& text) const {
  if (env_.log) env_.log(level, text);
}

std::string Controller::Impl::node_name(NodeId id) const {
  if (auto n = env_.membership.node_name(id); n && !n->empty()) return *n;
  return "node" + std::to_string(id);
}

std::optional<NodeId> Controller::Impl::node_id_of(const std::string& name) const {
  if (auto id = env_.membership.nodes().id_of(name)) return id;
  for (const auto& n : env_.membership.nodes().nodes()) {
    if (node_name(n.id) == name || std::to_string(n.id) == name) return n.id;
  }
  return std::nullopt;
}

Status Controller::Impl::start() {
  if (started_) return Error(ErrorCode::kInvalidInput, "the controller is already started");
  self_ = env_.membership.local_node();
  started_at_ = env_.clock.now();
  env_.cib.set_client_name(kCibClientName);
  last_quorate_ = env_.quorum.quorate();
  env_.cpg.set_handlers(cluster::MessagingHandlers{
      guarded([this](const cluster::GroupMember& s, std::string_view p) { on_message(s, p); }),
      guarded([this](const cluster::GroupView& v) { on_view(v); })});
  env_.membership.set_membership_handler(
      guarded([this](const cluster::MembershipChange& c) { on_membership(c); }));
  env_.quorum.set_quorum_handler(guarded([this](bool q) { on_quorum(q); }));
  env_.executor.set_event_handler(
      guarded([this](const exec::OperationResult& r) { on_executor_event(r); }));
  cib_sub_ =
      env_.cib.subscribe(guarded([this](const cibclient::CibChange& c) { dc_cib_changed(c); }));
  started_ = true;
  if (auto st = env_.cpg.join(kCpgGroup); !st) {
    return st.error().with_context("joining CPG group " + std::string(kCpgGroup));
  }
  log(LogLevel::kInfo, "event=start node=" + node_name(self_));
  return ok_status();
}

void Controller::Impl::on_view(const cluster::GroupView& view) {
  if (view.group != kCpgGroup) return;
  const cluster::GroupMember me = env_.cpg.self();
  std::vector<NodeId> nodes;
  bool member = false;
  bool joined_now = false;
  for (const auto& m : view.members) {
    nodes.push_back(m.node);
    if (m == me) member = true;
  }
  for (const auto& m : view.joined) {
    if (m == me) joined_now = true;
  }
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  std::vector<NodeId> left;
  for (const auto& d : view.left) {
    if (!std::binary_search(nodes.begin(), nodes.end(), d.member.node))
      left.push_back(d.member.node);
  }
  std::vector<NodeId> joined;
  for (const auto& m : view.joined) joined.push_back(m.node);

  const NodeId old_dc = dc_;
  in_group_ = member;
  view_ = member ? nodes : std::vector<NodeId>{};
  dc_ = (member && !nodes.empty()) ? nodes.front() : cluster::kNoNode;
  if (old_dc != dc_) {
    ++epoch_;
    log(LogLevel::kNotice,
        "event=dc-change dc=" + (dc_ == cluster::kNoNode ? std::string("none") : node_name(dc_)) +
            " members=" + std::to_string(view_.size()));
  }
  // A member that joins may be a partition merging back, whose CIB may have
  // won the CIB's resync: every node then joins again (history sent anew)
  // and a DC that stays takes over afresh, as after an election.
  const bool rejoin = member && !joined.empty();
  if (member && view_complete()) startup_done_ = true;
  if (old_dc == self_ && (dc_ != self_ || rejoin)) lose_dc();
  if (!member) return;
  if (dc_ == self_ && (old_dc != self_ || rejoin)) {
    become_dc();
  } else if (dc_ == self_ && dc_state_) {
    for (NodeId n : left) dc_node_left(n);
  }
  if (old_dc != dc_ || joined_now || rejoin) {
    while (!unsent_results_.empty()) {
      Message r;
      r.type = MsgType::kResult;
      r.ops.push_back(std::move(unsent_results_.front()));
      unsent_results_.pop_front();
      (void)send_message(r);
    }
    send_history();
    if (shutting_down_ && !shutdown_finished_) {
      Message m;
      m.type = MsgType::kAttr;
      m.target = self_;
      m.name = "shutdown";
      m.value = std::to_string(env_.clock.wall_seconds());
      (void)send_message(m);
    }
  }
}

Status Controller::Impl::send_message(const Message& m) {
  if (!in_group_) {
    return Error(ErrorCode::kIo, "not a member of the " + std::string(kCpgGroup) + " group");
  }
  auto st = env_.cpg.send(encode(m));
  if (!st) {
    log(LogLevel::kError, "event=send-failed type=" + std::string(to_string(m.type)) +
                              " error=" + st.error().message());
  }
  return st;
}

void Controller::Impl::on_message(const cluster::GroupMember& sender, std::string_view payload) {
  auto m = decode(payload);
  if (!m) {
    log(LogLevel::kWarning,
        "event=bad-message from=" + node_name(sender.node) + " error=" + m.error().message());
    return;
  }
  switch (m->type) {
    case MsgType::kHistory:
    case MsgType::kResult:
    case MsgType::kAttr:
    case MsgType::kCleanup:
      if (is_dc()) dc_handle(sender, *m);
      return;
    default:
      break;
  }
  if (m->type == MsgType::kRejoin) {
    if (sender.node == dc_) send_history();
    return;
  }
  // Orders: only from the current DC, only for this node.
  if (m->target != self_) return;
  if (sender.node != dc_) {
    log(LogLevel::kWarning, "event=ignored-order type=" + std::string(to_string(m->type)) +
                                " from=" + node_name(sender.node) + " reason=not-the-dc");
    return;
  }
  switch (m->type) {
    case MsgType::kJoined:
      fresh_ = false;
      if (sender.node != self_) startup_done_ = true;
      break;
    case MsgType::kExec:
      run_locally(m->exec);
      break;
    case MsgType::kCancel:
      env_.executor.cancel(
          lrmd::CancelRequest{m->exec.rsc, m->exec.task, Duration(m->exec.interval_ms)},
          guarded([this, rsc = m->exec.rsc](Status st) {
            if (!st) {
              log(LogLevel::kInfo, "event=cancel rsc=" + rsc + " result=" + st.error().message());
            }
          }));
      break;
    case MsgType::kForget:
      env_.executor.forget(m->rsc, guarded([this, rsc = m->rsc](Status st) {
                             if (!st) {
                               log(LogLevel::kWarning, "event=forget-failed rsc=" + rsc +
                                                           " error=" + st.error().message());
                             }
                           }));
      break;
    case MsgType::kShutdown:
      if (shutting_down_ && is_dc() && dc_state_ && dc_state_->runner &&
          !dc_state_->runner->finished()) {
        // The DC itself leaves once its transition (the moves away from it)
        // is over, so that nothing in flight is orphaned.
        dc_state_->leave_when_done = true;
      } else if (shutting_down_) {
        finish_shutdown("the DC confirmed the shutdown");
      } else {
        log(LogLevel::kWarning, "event=ignored-order type=shutdown reason=no-shutdown-requested");
      }
      break;
    default:
      break;
  }
}

void Controller::Impl::run_locally(const ExecSpec& spec) {
  std::string agent_text =
      spec.cls + ":" + (spec.provider.empty() ? "" : spec.provider + ":") + spec.type;
  OpEvent pending;
  pending.rsc = spec.rsc;
  pending.cls = spec.cls;
  pending.provider = spec.provider;
  pending.type = spec.type;
  pending.task = spec.task;
  pending.interval_ms = spec.interval_ms;
  pending.timeout_ms = spec.timeout_ms;
  pending.op_status = transition::kExecPending;
  pending.rc = 193;
  pending.call_id = -1;
  pending.transition_key = spec.key;
  pending.digest = spec.digest;
  auto report_failure = [this, pending](const std::string& why) mutable {
    OpEvent e = pending;
    e.op_status = transition::kExecError;
    e.rc = 1;
    e.exit_reason = why;
    e.last_run = e.last_rc_change = env_.clock.wall_seconds();
    local_pending_.erase(e.op_key());
    Message m;
    m.type = MsgType::kResult;
    m.ops.push_back(std::move(e));
    (void)send_message(m);
  };
  auto agent = exec::parse_agent_spec(agent_text);
  if (!agent) {
    log(LogLevel::kError,
        "event=exec-refused rsc=" + spec.rsc + " error=" + agent.error().message());
    report_failure(agent.error().message());
    return;
  }
  exec::OperationRequest req;
  req.rsc_id = spec.rsc;
  req.agent = *agent;
  req.action = spec.task;
  req.interval = Duration(spec.interval_ms);
  req.timeout = Duration(spec.timeout_ms);
  req.start_delay = Duration(spec.start_delay_ms);
  req.params = spec.params;
  req.user_data = make_user_data(spec.key, spec.digest);
  local_pending_[pending.op_key()] = pending;
  log(LogLevel::kInfo, "event=exec rsc=" + spec.rsc + " op=" + spec.task +
                           " interval=" + std::to_string(spec.interval_ms) + " key=" + spec.key);
  env_.executor.exec(req, guarded([this, report_failure](Result<int> r) mutable {
                       if (!r) {
                         log(LogLevel::kError, "event=exec-refused error=" + r.error().message());
                         report_failure(r.error().message());
                       }
                     }));
}

void Controller::Impl::on_executor_event(const exec::OperationResult& r) {
  OpEvent e = event_from_result(r);
  if (!e.pending()) local_pending_.erase(e.op_key());
  if (!in_group_) {
    // Kept for the next DC (the history at join carries the record too, but
    // only a result counts as a failure).
    if (unsent_results_.size() >= kMaxUnsentResults) {
      log(LogLevel::kWarning, "event=result-dropped op=" + unsent_results_.front().op_key() +
                                  " reason=\"too many results while out of the group\"");
      unsent_results_.pop_front();
    }
    unsent_results_.push_back(std::move(e));
    return;
  }
  Message m;
  m.type = MsgType::kResult;
  m.ops.push_back(std::move(e));
  (void)send_message(m);
}

void Controller::Impl::send_history() {
  env_.executor.history("", guarded([this](Result<std::vector<lrmd::ResourceHistory>> h) {
                          if (!h) {
                            log(LogLevel::kError,
                                "event=history-failed error=" + h.error().message());
                            return;
                          }
                          Message m;
                          m.type = MsgType::kHistory;
                          m.fresh = fresh_;
                          for (const auto& rsc : *h) {
                            for (const auto& r : rsc.last_results) {
                              OpEvent e = event_from_result(r);
                              if (e.rsc.empty()) e.rsc = rsc.rsc_id;
                              e.cls = std::string(exec::to_string(rsc.agent.cls));
                              e.provider = rsc.agent.provider;
                              e.type = rsc.agent.type;
                              auto it = local_pending_.find(e.op_key());
                              if (it != local_pending_.end())
                                continue;  // superseded by the run in progress
                              m.ops.push_back(std::move(e));
                            }
                          }
                          for (const auto& [key, e] : local_pending_) m.ops.push_back(e);
                          (void)send_message(m);
                        }));
}

void Controller::Impl::on_membership(const cluster::MembershipChange& change) {
  if (is_dc()) dc_membership(change);
}

void Controller::Impl::on_quorum(bool quorate) {
  if (quorate == last_quorate_) return;
  last_quorate_ = quorate;
  log(LogLevel::kNotice, std::string("event=quorum quorate=") + (quorate ? "true" : "false"));
  if (is_dc()) dc_quorum(quorate);
}

void Controller::Impl::request_shutdown(std::function<void()> done) {
  if (shutting_down_) {
    // A second request only replaces the callback.
    shutdown_done_ = std::move(done);
    if (shutdown_finished_ && shutdown_done_) shutdown_done_();
    return;
  }
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  log(LogLevel::kNotice, "event=shutdown-requested");
  if (!in_group_) {
    finish_shutdown("not in the cluster group");
    return;
  }
  shutdown_timer_ = env_.clock.start_timer(
      options_.shutdown_escalation, guarded([this] {
        log(LogLevel::kError,
            "event=shutdown-escalation: the DC did not move the resources away in time");
        finish_shutdown("shutdown-escalation expired");
      }));
  Message m;
  m.type = MsgType::kAttr;
  m.target = self_;
  m.name = "shutdown";
  m.value = std::to_string(env_.clock.wall_seconds());
  if (!send_message(m)) finish_shutdown("cannot reach the DC");
}

void Controller::Impl::finish_shutdown(const char* why) {
  if (shutdown_finished_) return;
  shutdown_finished_ = true;
  shutdown_timer_.reset();
  log(LogLevel::kNotice, std::string("event=shutdown-complete reason=") + why);
  if (dc_ == self_) lose_dc();
  if (in_group_) (void)env_.cpg.leave();
  in_group_ = false;
  view_.clear();
  dc_ = cluster::kNoNode;
  if (shutdown_done_) {
    auto done = shutdown_done_;
    done();
  }
}

Status Controller::Impl::request_attr(const std::string& node, const std::string& name,
                                      std::optional<std::string> value) {
  if (name.empty()) return Error(ErrorCode::kInvalidInput, "an attribute needs a name");
  NodeId target = self_;
  if (!node.empty()) {
    auto id = node_id_of(node);
    if (!id) return Error(ErrorCode::kNotFound, "unknown node '" + node + "'");
    target = *id;
  }
  Message m;
  m.type = MsgType::kAttr;
  m.target = target;
  m.name = name;
  m.value = std::move(value);
  return send_message(m);
}

Status Controller::Impl::request_cleanup(const std::string& rsc, const std::string& node) {
  if (rsc.empty()) return Error(ErrorCode::kInvalidInput, "cleanup needs a resource");
  if (!node.empty() && !node_id_of(node)) {
    return Error(ErrorCode::kNotFound, "unknown node '" + node + "'");
  }
  Message m;
  m.type = MsgType::kCleanup;
  m.rsc = rsc;
  m.node = node;
  return send_message(m);
}

ControllerStatus Controller::Impl::status() const {
  ControllerStatus s;
  s.self = self_;
  s.dc = dc_;
  if (dc_ != cluster::kNoNode) s.dc_name = node_name(dc_);
  for (NodeId n : view_) s.members.push_back({n, node_name(n)});
  s.quorate = env_.quorum.quorate();
  s.shutting_down = shutting_down_;
  s.transition_id = last_transition_;
  s.scheduler_runs = scheduler_runs_;
  s.transitions_completed = transitions_completed_;
  if (dc_state_) {
    if (dc_state_->computing) {
      s.transition = TransitionState::kComputing;
    } else if (dc_state_->runner && !dc_state_->runner->finished()) {
      auto sum = dc_state_->runner->summary();
      s.transition =
          sum.abort_priority > 0 ? TransitionState::kAborting : TransitionState::kExecuting;
      s.actions_in_flight = dc_state_->runner->in_flight().size();
    }
  }
  return s;
}

// --- public wrappers --------------------------------------------------------

Controller::Controller(ControllerEnv env, ControllerOptions options)
    : impl_(std::make_unique<Impl>(std::move(env), options)) {}
Controller::~Controller() = default;
Status Controller::start() {
  return impl_->start();
}
void Controller::request_shutdown(std::function<void()> done) {
  impl_->request_shutdown(std::move(done));
}
Status Controller::set_attribute(const std::string& node, const std::string& name,
                                 const std::string& value) {
  return impl_->request_attr(node, name, value);
}
Status Controller::delete_attribute(const std::string& node, const std::string& name) {
  return impl_->request_attr(node, name, std::nullopt);
}
Status Controller::cleanup(const std::string& rsc, const std::string& node) {
  return impl_->request_cleanup(rsc, node);
}
ControllerStatus Controller::status() const {
  return impl_->status();
}
bool Controller::is_dc() const {
  return impl_->is_dc();
}

}  // namespace vigil::controller
