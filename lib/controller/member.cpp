// SPDX-License-Identifier: GPL-2.0-or-later
// Every node's part of the machine: the CPG group and its views (who is
// DC), the orders of the DC, the node's executor history sent at join, and
// clean shutdown.
#include <algorithm>

#include "dc_state.hpp"
#include "machine.hpp"

namespace vigil::controller {

std::string Machine::node_name(NodeId id) const {
  if (auto n = nodes_.name_of(id); n && !n->empty()) return *n;
  return "node" + std::to_string(id);
}

std::optional<NodeId> Machine::node_id_of(const std::string& name) const {
  if (auto id = nodes_.id_of(name)) return id;
  for (const auto& n : nodes_.nodes()) {
    if (node_name(n.id) == name || std::to_string(n.id) == name) return n.id;
  }
  return std::nullopt;
}

bool Machine::is_member(NodeId id) const {
  return std::binary_search(members_.begin(), members_.end(), id);
}

bool Machine::in_view(NodeId id) const {
  return std::binary_search(view_.begin(), view_.end(), id);
}

Status Machine::on_start(const StartInput& in) {
  if (started_) return Error(ErrorCode::kInvalidInput, "the controller is already started");
  started_ = true;
  self_ = in.self;
  cpg_self_ = in.cpg_self;
  nodes_ = in.cluster.nodes;
  members_ = in.cluster.members;
  for (NodeId n : members_) alerted_member_[n] = true;
  quorate_ = in.quorate;
  started_at_ = now_.mono;
  started_wall_ = now_.wall;
  emit(JoinGroup{});
  set_state(State::kElection, "start");
  log(LogLevel::kInfo, "event=start node=" + node_name(self_));
  if (options_.alerts) refresh_alerts();
  return ok_status();
}

void Machine::on_view(const ViewInput& in) {
  const cluster::GroupView& view = in.view;
  if (view.group != kCpgGroup || shutdown_finished_) return;
  nodes_ = in.cluster.nodes;
  members_ = in.cluster.members;
  std::vector<NodeId> nodes;
  bool member = false;
  bool joined_now = false;
  for (const auto& m : view.members) {
    nodes.push_back(m.node);
    if (m == cpg_self_) member = true;
  }
  for (const auto& m : view.joined) {
    if (m == cpg_self_) joined_now = true;
    shutdown_ordered_.erase(m.node);  // a new life of that controller
  }
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  std::vector<NodeId> left;
  for (const auto& d : view.left) {
    if (!std::binary_search(nodes.begin(), nodes.end(), d.member.node))
      left.push_back(d.member.node);
  }
  const NodeId old_dc = dc_;
  in_group_ = member;
  view_ = member ? nodes : std::vector<NodeId>{};
  dc_ = (member && !nodes.empty()) ? nodes.front() : cluster::kNoNode;
  if (old_dc != dc_) {
    log(LogLevel::kNotice,
        "event=dc-change dc=" + (dc_ == cluster::kNoNode ? std::string("none") : node_name(dc_)) +
            " members=" + std::to_string(view_.size()));
  }
  // A member that joins may be a partition merging back, whose CIB may have
  // won the CIB's resync: every node then joins again (history sent anew)
  // and a DC that stays takes over afresh, as after an election.
  const bool rejoin = member && !view.joined.empty();
  if (member && view_complete()) startup_done_ = true;
  if (old_dc == self_ && (dc_ != self_ || rejoin)) lose_dc();
  if (!member) {
    set_state(State::kElection, "view without this node");
    return;
  }
  if (dc_ == self_ && (old_dc != self_ || rejoin)) {
    become_dc();
  } else if (dc_ == self_ && dc_state_) {
    for (NodeId n : left) dc_node_left(n);
  }
  if (old_dc != dc_ || joined_now || rejoin) {
    if (dc_ != self_) set_state(shutting_down_ ? State::kStopping : State::kPending, "view");
    while (!unsent_results_.empty()) {
      Message r;
      r.type = MsgType::kResult;
      r.ops.push_back(std::move(unsent_results_.front()));
      unsent_results_.pop_front();
      (void)send_message(r);
    }
    send_history();
    if (shutting_down_) (void)send_shutdown_request();
  }
}

Status Machine::send_message(const Message& m) {
  if (!in_group_) {
    return Error(ErrorCode::kIo, "not a member of the " + std::string(kCpgGroup) + " group");
  }
  emit(SendEffect{m});
  return ok_status();
}

void Machine::on_send_failed(const SendFailedInput& in) {
  log(LogLevel::kError, "event=send-failed type=" + std::string(to_string(in.message.type)) +
                            " error=" + in.error.message());
  if (shutting_down_ && !shutdown_finished_ && in.message.type == MsgType::kAttr &&
      in.message.name == "shutdown") {
    finish_shutdown("cannot reach the DC");
  }
}

void Machine::on_message(const MessageInput& in) {
  auto m = decode(in.payload);
  if (!m) {
    log(LogLevel::kWarning,
        "event=bad-message from=" + node_name(in.sender.node) + " error=" + m.error().message());
    return;
  }
  switch (m->type) {
    case MsgType::kHistory:
    case MsgType::kResult:
    case MsgType::kAttr:
    case MsgType::kCleanup:
      if (is_dc()) dc_handle(in.sender, *m);
      return;
    case MsgType::kRejoin:
      if (in.sender.node == dc_) send_history();
      return;
    default:
      break;
  }
  // Orders: only from the current DC, only for this node; a shutdown order
  // for another node is noted for the day this node takes over.
  if (m->type == MsgType::kShutdown && in.sender.node == dc_ && m->target != self_) {
    shutdown_ordered_.insert(m->target);
  }
  if (m->target != self_) return;
  if (in.sender.node != dc_) {
    log(LogLevel::kWarning, "event=ignored-order type=" + std::string(to_string(m->type)) +
                                " from=" + node_name(in.sender.node) + " reason=not-the-dc");
    return;
  }
  on_order(in.sender, *m);
}

void Machine::on_order(const cluster::GroupMember& sender, const Message& m) {
  switch (m.type) {
    case MsgType::kJoined:
      // A shutdown asked for after a fresh history went out: the DC cleared
      // this node's shutdown attribute when it recorded that history, which
      // it may do after the request (it records histories once it has read
      // the CIB). The request is repeated now that the join is written.
      if (fresh_ && shutting_down_ && !shutdown_finished_) (void)send_shutdown_request();
      fresh_ = false;
      if (sender.node != self_) {
        startup_done_ = true;
        // Another DC runs the cluster: a fenced DC is its business now.
        fenced_dc_.clear();
        if (state_ == State::kPending) set_state(State::kNotDc, "joined");
      }
      break;
    case MsgType::kExec:
      run_locally(m.exec);
      break;
    case MsgType::kCancel: {
      const std::string rsc = m.exec.rsc;
      Token t = ask<ExecutorAnswer>(false, [this, rsc](const ExecutorAnswer& a) {
        if (!a.status) {
          log(LogLevel::kInfo, "event=cancel rsc=" + rsc + " result=" + a.status.error().message());
        }
      });
      emit(CancelEffect{t, m.exec.rsc, m.exec.task, Duration(m.exec.interval_ms)});
      break;
    }
    case MsgType::kForget: {
      const std::string rsc = m.rsc;
      stop_params_.erase(rsc);
      ++forget_orders_;
      Token t = ask<ExecutorAnswer>(false, [this, rsc](const ExecutorAnswer& a) {
        if (!a.status) {
          log(LogLevel::kWarning,
              "event=forget-failed rsc=" + rsc + " error=" + a.status.error().message());
        }
      });
      emit(ForgetEffect{t, m.rsc});
      break;
    }
    case MsgType::kShutdown:
      if (shutting_down_ && is_dc() && dc_state_ && state_ == State::kTransitionEngine) {
        // The DC itself leaves once its transition (the moves away from it)
        // is over, so that nothing in flight is orphaned.
        dc_state_->leave_when_done = true;
      } else if (shutting_down_) {
        finish_shutdown("the DC confirmed the shutdown");
      } else {
        log(LogLevel::kWarning, "event=ignored-order type=shutdown reason=no-shutdown-requested");
        // The DC holds a shutdown attribute this controller never set (or
        // set in a previous life): one a CIB resync brought back after a
        // fresh join had cleared it, say. Ignored, it would be ordered
        // again at every transition and the cluster would never settle;
        // the node asks the DC to drop it, as Pacemaker's attribute
        // manager rewrites its own values after a CIB replacement. A
        // shutdown requested later is sent after this, so CPG's order
        // keeps it.
        Message clear;
        clear.type = MsgType::kAttr;
        clear.target = self_;
        clear.name = "shutdown";
        (void)send_message(clear);
      }
      break;
    default:
      break;
  }
}

void Machine::report_exec_failure(OpEvent e, const std::string& why) {
  e.op_status = transition::kExecError;
  e.rc = 1;
  e.exit_reason = why;
  e.last_run = e.last_rc_change = now_.wall;
  local_pending_.erase(e.op_key());
  Message m;
  m.type = MsgType::kResult;
  m.ops.push_back(std::move(e));
  (void)send_message(m);
}

std::map<std::string, std::string> Machine::params_to_run(const ExecSpec& spec) {
  // As Pacemaker's controller (stop_params): a resource is stopped with the
  // instance attributes it last started (or was probed, or reloaded) with,
  // not with what the configuration says now, nor with none at all for an
  // orphan whose configuration is gone (a Dummy deleted while it ran kept
  // running: the stop removed another state file). Meta attributes come
  // from the request.
  auto is_meta = [](const std::string& k) { return k.rfind("CRM_meta_", 0) == 0; };
  if (spec.task == "stop") {
    auto it = stop_params_.find(spec.rsc);
    if (it == stop_params_.end()) return spec.params;
    std::map<std::string, std::string> out = it->second;
    for (const auto& [k, v] : spec.params) {
      if (is_meta(k)) out[k] = v;
    }
    return out;
  }
  if (lrmd::defines_stop_params(spec.task, Duration(spec.interval_ms))) {
    auto& kept = stop_params_[spec.rsc];
    kept.clear();
    for (const auto& [k, v] : spec.params) {
      if (!is_meta(k)) kept[k] = v;
    }
  }
  return spec.params;
}

void Machine::learn_stop_params(const std::vector<lrmd::ResourceHistory>& history) {
  // What a previous life of this controller ran (vigild respawned it while
  // the resources ran on): the executor kept the parameters of each
  // resource's last start, probe or reload. Pacemaker's controller loses
  // them when it restarts (its cache fills from results only) and relies on
  // the node being fenced; here the node stays, so a resource deleted or
  // reconfigured meanwhile must still be stopped with them. What this life
  // ran or forgot itself is newer than the executor's answer: kept as is.
  for (const auto& rsc : history) {
    if (!rsc.stop_params || stop_params_.count(rsc.rsc_id) != 0) continue;
    auto& kept = stop_params_[rsc.rsc_id];
    for (const auto& [k, v] : *rsc.stop_params) {
      if (k.rfind("CRM_meta_", 0) != 0) kept[k] = v;
    }
  }
}

void Machine::run_locally(const ExecSpec& spec) {
  // Reported as pending in the history until its result is in.
  const OpEvent pending{.rsc = spec.rsc,
                        .cls = spec.cls,
                        .provider = spec.provider,
                        .type = spec.type,
                        .task = spec.task,
                        .interval_ms = spec.interval_ms,
                        .timeout_ms = spec.timeout_ms,
                        .call_id = -1,
                        .rc = 193,
                        .op_status = transition::kExecPending,
                        .exit_reason = {},
                        .transition_key = spec.key,
                        .digest = spec.digest};
  auto agent = exec::parse_agent_spec(
      spec.cls + ":" + (spec.provider.empty() ? "" : spec.provider + ":") + spec.type);
  if (!agent) {
    log(LogLevel::kError,
        "event=exec-refused rsc=" + spec.rsc + " error=" + agent.error().message());
    report_exec_failure(pending, agent.error().message());
    return;
  }
  exec::OperationRequest req;
  req.rsc_id = spec.rsc;
  req.agent = *agent;
  req.action = spec.task;
  req.interval = Duration(spec.interval_ms);
  req.timeout = Duration(spec.timeout_ms);
  req.start_delay = Duration(spec.start_delay_ms);
  req.params = params_to_run(spec);
  req.user_data = make_user_data(spec.key, spec.digest);
  local_pending_[pending.op_key()] = pending;
  log(LogLevel::kInfo, "event=exec rsc=" + spec.rsc + " op=" + spec.task +
                           " interval=" + std::to_string(spec.interval_ms) + " key=" + spec.key);
  Token t = ask<ExecAnswer>(false, [this, pending](const ExecAnswer& a) {
    if (!a.call_id) {
      log(LogLevel::kError, "event=exec-refused error=" + a.call_id.error().message());
      report_exec_failure(pending, a.call_id.error().message());
    }
  });
  emit(ExecEffect{t, std::move(req)});
}

void Machine::on_executor_event(const exec::OperationResult& r) {
  OpEvent e = event_from_result(r);
  if (!e.pending()) {
    local_pending_.erase(e.op_key());
    alert_resource_op(r, e.target_rc());
  }
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

void Machine::send_history() {
  const std::uint64_t forgets = forget_orders_;
  Token t = ask<HistoryAnswer>(false, [this, forgets](const HistoryAnswer& answer) {
    const auto& h = answer.history;
    if (!h) {
      log(LogLevel::kError, "event=history-failed error=" + h.error().message());
      return;
    }
    // A resource forgotten since the question would come back from an
    // answer that predates its forget.
    if (forgets == forget_orders_) learn_stop_params(*h);
    Message m;
    m.type = MsgType::kHistory;
    // As Pacemaker's first join: a node already shutting down keeps its request.
    m.fresh = fresh_ && !shutting_down_;
    for (const auto& rsc : *h) {
      for (const auto& r : rsc.last_results) {
        OpEvent e = event_from_result(r);
        if (e.rsc.empty()) e.rsc = rsc.rsc_id;
        e.cls = std::string(exec::to_string(rsc.agent.cls));
        e.provider = rsc.agent.provider;
        e.type = rsc.agent.type;
        if (local_pending_.count(e.op_key())) continue;  // superseded by the run in progress
        m.ops.push_back(std::move(e));
      }
    }
    for (const auto& [key, e] : local_pending_) m.ops.push_back(e);
    (void)send_message(m);
  });
  emit(HistoryEffect{t});
}

void Machine::on_membership(const MembershipInput& in) {
  nodes_ = in.cluster.nodes;
  members_ = in.cluster.members;
  // Pacemaker's peer_update_callback: a node alert per change of the node's
  // state, never for a state it already had (a change told twice).
  auto alert_state = [this](NodeId n, bool member) {
    auto [it, fresh] = alerted_member_.try_emplace(n, member);
    if (!fresh && it->second == member) return;
    it->second = member;
    send_alert(alerts::node_event(node_name(n), n, member ? "member" : "lost"));
  };
  for (NodeId n : in.change.joined) alert_state(n, true);
  for (NodeId n : in.change.left) alert_state(n, false);
  if (is_dc()) dc_membership(in.change);
}

void Machine::on_quorum(bool quorate) {
  if (quorate == quorate_) return;
  quorate_ = quorate;
  log(LogLevel::kNotice, std::string("event=quorum quorate=") + (quorate ? "true" : "false"));
  if (is_dc()) dc_quorum(quorate);
}

void Machine::request_shutdown() {
  if (shutting_down_) {
    if (shutdown_finished_) emit(ShutdownDone{});
    return;
  }
  shutting_down_ = true;
  log(LogLevel::kNotice, "event=shutdown-requested");
  if (!in_group_) {
    finish_shutdown("not in the cluster group");
    return;
  }
  if (!is_dc()) set_state(State::kStopping, "shutdown");
  shutdown_timer_ = clock_->start_timer(options_.shutdown_escalation, [this] {
    log(LogLevel::kError,
        "event=shutdown-escalation: the DC did not move the resources away in time");
    finish_shutdown("shutdown-escalation expired");
  });
  (void)send_shutdown_request();
}

Status Machine::send_shutdown_request() {
  // The node's "shutdown" attribute, set through the DC, asks the scheduler
  // to move everything off it.
  Message m;
  m.type = MsgType::kAttr;
  m.target = self_;
  m.name = "shutdown";
  m.value = std::to_string(now_.wall);
  return send_message(m);
}

void Machine::send_forget(NodeId node, const std::string& rsc) {
  if (!in_view(node)) return;
  Message m;
  m.type = MsgType::kForget;
  m.target = node;
  m.rsc = rsc;
  (void)send_message(m);
}

void Machine::finish_shutdown(const char* why) {
  if (shutdown_finished_) return;
  shutdown_finished_ = true;
  shutdown_timer_.reset();
  log(LogLevel::kNotice, std::string("event=shutdown-complete reason=") + why);
  if (dc_ == self_) lose_dc();
  if (in_group_) emit(LeaveGroup{});
  in_group_ = false;
  view_.clear();
  dc_ = cluster::kNoNode;
  set_state(State::kStopped, why);
  emit(ShutdownDone{});
}

Status Machine::request_attr(const AttrRequest& in) {
  if (in.name.empty()) return Error(ErrorCode::kInvalidInput, "an attribute needs a name");
  NodeId target = self_;
  if (!in.node.empty()) {
    auto id = node_id_of(in.node);
    if (!id) return Error(ErrorCode::kNotFound, "unknown node '" + in.node + "'");
    target = *id;
  }
  Message m;
  m.type = MsgType::kAttr;
  m.target = target;
  m.name = in.name;
  m.value = in.value;
  return send_message(m);
}

Status Machine::request_cleanup(const CleanupRequest& in) {
  if (in.rsc.empty()) return Error(ErrorCode::kInvalidInput, "cleanup needs a resource");
  if (!in.node.empty() && !node_id_of(in.node)) {
    return Error(ErrorCode::kNotFound, "unknown node '" + in.node + "'");
  }
  Message m;
  m.type = MsgType::kCleanup;
  m.rsc = in.rsc;
  m.node = in.node;
  return send_message(m);
}

}  // namespace vigil::controller
