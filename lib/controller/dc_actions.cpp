// SPDX-License-Identifier: GPL-2.0-or-later
// The transition's actions as the DC carries them out (the Runner's
// ActionSink): resource operations on the local executor or over CPG,
// cluster events done by the DC itself, and fencing.
#include "cib_xml.hpp"
#include "dc_state.hpp"
#include "vigil/common/number.hpp"
#include "vigil/transition/outcome.hpp"

namespace vigil::controller {

namespace {

constexpr int kMaxFenceAttempts = 10;  // Pacemaker's stonith-max-attempts default

ExecSpec exec_spec_of(const transition::GraphAction& action) {
  const transition::GraphPrimitive& p = *action.primitive;
  ExecSpec spec{.rsc = p.id,
                .cls = p.cls,
                .provider = p.provider,
                .type = p.type,
                .task = action.operation,
                .interval_ms = action.interval_ms,
                .timeout_ms = 0,
                .start_delay_ms = 0,
                .key = {},
                .digest = {},
                .params = {}};
  auto meta_ms = [&](const char* name) -> std::int64_t {
    const std::string* v = action.meta(name);
    const auto ms = v ? parse_int64(*v) : std::nullopt;
    return ms && *ms > 0 ? *ms : 0;
  };
  spec.timeout_ms = meta_ms("timeout");
  spec.start_delay_ms = meta_ms("start_delay");
  for (const auto& [k, v] : action.attributes) spec.params[k] = v;
  return spec;
}

}  // namespace

std::optional<NodeId> Machine::action_target(const transition::GraphAction& action) const {
  if (auto id = node_id_from(action.on_node_uuid)) return id;
  return node_id_of(action.on_node);
}

Status Machine::execute_rsc_op(const transition::GraphAction& action) {
  Dc& dc = *dc_state_;
  const auto target = action_target(action);
  if (!target || *target == cluster::kNoNode || !in_view(*target)) {
    return Error(ErrorCode::kNotFound,
                 "node " + action.on_node + " has no controller in the cluster group");
  }
  if (!action.primitive)
    return Error(ErrorCode::kInvalidInput, "resource action without a primitive");
  // The scheduler's "delete" of an orphan that no longer runs is the
  // controller's (Pacemaker's do_lrm_delete), not the agent's: the
  // executor forgets the resource and its history leaves the status.
  if (action.operation == "delete") {
    forget_resource(*target, action);
    return ok_status();
  }
  ExecSpec spec = exec_spec_of(action);
  if (action.operation == "cancel") {
    const std::string* op = action.meta("operation");
    spec.task = op ? *op : "monitor";
    Message m;
    m.type = MsgType::kCancel;
    m.target = *target;
    m.exec = spec;
    if (auto st = send_message(m); !st) return st;
    (void)dc.runner->confirm(action.id, transition::ActionOutcome::kOk);
    return ok_status();
  }
  spec.key = transition::encode_transition_key(
      {action.id, dc.runner->graph().transition_id, action.target_rc, dc.uuid});
  spec.digest = transition::op_digest(action);
  record_pending(action);
  if (*target == self_) {
    run_locally(spec);
    return ok_status();
  }
  Message m;
  m.type = MsgType::kExec;
  m.target = *target;
  m.exec = std::move(spec);
  return send_message(m);
}

void Machine::record_pending(const transition::GraphAction& action) {
  // record-pending (true by default since Pacemaker 2.1): the operation is
  // in the history while it runs, so status shows "Starting node2" instead
  // of the state before it. The result written later replaces the record.
  if (!transition::records_pending(action)) return;
  transition::HistoryContext ctx;
  ctx.transition_id = dc_state_->runner->graph().transition_id;
  ctx.dc_uuid = dc_state_->uuid;
  ctx.node_name = action.on_node;
  ctx.origin = "do_update_resource";
  auto xml = transition::result_update_xml(action, transition::pending_result(now_.wall), ctx);
  if (!xml) {
    log(LogLevel::kWarning, "event=pending-not-recorded op=" + action.operation_key +
                                " error=" + xml.error().message());
    return;
  }
  cib_write({{false, "status", *xml}}, {});
}

void Machine::confirm_when_written(const transition::GraphAction& action,
                                   std::vector<CibEdit> edits) {
  const int tid = dc_state_->runner->graph().transition_id;
  cib_write(std::move(edits), [this, tid, id = action.id](Status st) {
    confirm_action(tid, id,
                   st ? transition::ActionOutcome::kOk : transition::ActionOutcome::kFailed);
  });
}

void Machine::forget_resource(NodeId node, const transition::GraphAction& action) {
  const std::string rsc = action.primitive->id;
  send_forget(node, rsc);
  confirm_when_written(action, {{true, lrm_resource_xpath(node, rsc), ""}});
}

Status Machine::execute_cluster_event(const transition::GraphAction& action) {
  Dc& dc = *dc_state_;
  const auto target = action_target(action);
  if (!target)
    return Error(ErrorCode::kNotFound, "cluster event on unknown node " + action.on_node);
  const NodeId node = *target;
  if (action.operation == "do_shutdown") {
    shutdown_ordered_.insert(node);
    Message m;
    m.type = MsgType::kShutdown;
    m.target = node;
    log(LogLevel::kNotice, "event=do_shutdown node=" + node_name(node));
    if (auto st = send_message(m); !st) return st;
    (void)dc.runner->confirm(action.id, transition::ActionOutcome::kOk);
    return ok_status();
  }
  if (action.operation == "clear_failcount") {
    if (!action.primitive)
      return Error(ErrorCode::kInvalidInput, "clear_failcount without a resource");
    std::vector<CibEdit> edits;
    clear_failures(node, action.primitive->id, edits);
    confirm_when_written(action, std::move(edits));
    return ok_status();
  }
  if (action.operation == "lrm_delete" || action.operation == "delete") {
    if (!action.primitive) return Error(ErrorCode::kInvalidInput, "lrm_delete without a resource");
    forget_resource(node, action);
    return ok_status();
  }
  return Error(ErrorCode::kUnsupported,
               "cluster event '" + action.operation + "' is not supported by vigil-crmd");
}

Status Machine::execute_fence(const transition::GraphAction& action) {
  const auto node = action_target(action);
  if (!node) return Error(ErrorCode::kNotFound, "fencing of unknown node " + action.on_node);
  const std::string* op = action.meta("stonith_action");
  FencingStep step;
  step.transition_id = dc_state_->runner->graph().transition_id;
  step.action_id = action.id;
  step.node = *node;
  step.request = {action.on_node, op ? *op : "reboot", dc_state_->runner->graph().stonith_timeout,
                  Duration(0)};
  if (const std::string* d = action.meta("priority_fencing_delay")) {
    // Whole seconds, as the scheduler writes it; anything else is no delay.
    if (auto s = parse_int64(*d); s && *s > 0) step.request.delay = Duration(*s * 1000);
  }
  // Unfencing records the device digests it was done with, so that the
  // scheduler knows when a device changed and the node must be unfenced again.
  if (const std::string* d = action.meta("digests_all")) step.digests_all = *d;
  if (const std::string* d = action.meta("digests_secure")) step.digests_secure = *d;
  log(LogLevel::kNotice, "event=fence-request node=" + step.request.target +
                             " action=" + step.request.action +
                             (step.request.delay.count() > 0
                                  ? " delay_ms=" + std::to_string(step.request.delay.count())
                                  : std::string()));
  dc_state_->fence_requested.insert(step.request.target);
  Token t =
      ask<FencerAnswer>(true, [this, step](const FencerAnswer& a) { fence_done(step, a.status); });
  emit(FenceEffect{t, step.request});
  return ok_status();
}

void Machine::fence_done(const FencingStep& step, const Status& st) {
  Dc& dc = *dc_state_;
  const FenceRequest& r = step.request;
  if (!st) {
    // Failed fencing is tried again by the next transitions, as Pacemaker's
    // DC does, up to stonith-max-attempts (10); fencing that cannot happen
    // at all (no fencing daemon) is not retried.
    const int attempts = ++fence_failures_[r.target];
    log(LogLevel::kError, "event=fence-failed node=" + r.target + " action=" + r.action +
                              " attempt=" + std::to_string(attempts) + " error=\"" +
                              st.error().message() + "\"");
    if (st.error().code() == ErrorCode::kUnsupported) {
      dc.fence_blocked = "fencing is not available";
    } else if (attempts >= kMaxFenceAttempts) {
      dc.fence_blocked = "too many failures to fence " + r.target + ", giving up";
    }
    confirm_action(step.transition_id, step.action_id, transition::ActionOutcome::kFailed);
    return;
  }
  log(LogLevel::kNotice, "event=fenced node=" + r.target + " action=" + r.action);
  fence_failures_.erase(r.target);
  std::vector<CibEdit> edits;
  if (r.action == "on") {
    auto set = [&](const std::string& name, const std::string& value) {
      dc.attrs[step.node][name] = value;
      auto more = attr_edits(step.node, name, value);
      edits.insert(edits.end(), more.begin(), more.end());
    };
    set("#node-unfenced", std::to_string(now_.wall));
    if (!step.digests_all.empty()) set("#digests-all", step.digests_all);
    if (!step.digests_secure.empty()) set("#digests-secure", step.digests_secure);
  } else {
    fenced_edits(step.node, edits);
  }
  cib_write(std::move(edits), [this, step](Status written) {
    confirm_action(step.transition_id, step.action_id,
                   written ? transition::ActionOutcome::kOk : transition::ActionOutcome::kFailed);
  });
}

void Machine::fenced_edits(NodeId node, std::vector<CibEdit>& edits) {
  // The node is down: nothing it ran runs any more, and it starts its next
  // life without history or transient attributes.
  edits.push_back({false, "status",
                   node_state_xml(node, node_name(node), is_member(node), false, "down", "down")});
  edits.push_back({true, node_xpath(node) + "/lrm", ""});
  forget_attrs(node, edits);
  dc_state_->respawn_wait.erase(node);  // its resources are stopped: nothing to wait for
}

void Machine::action_timed_out(const transition::GraphAction& action) {
  log(LogLevel::kError, "event=action-timeout action=" + std::to_string(action.id) +
                            " op=" + action.operation_key + " node=" + action.on_node);
  if (action.kind != transition::ActionKind::kRscOp || !action.primitive) return;
  if (!transition::is_recordable(action)) return;
  const transition::OpResult r = transition::lost_result(action, now_.wall, node_name(self_));
  transition::HistoryContext ctx;
  ctx.transition_id = dc_state_->runner->graph().transition_id;
  ctx.dc_uuid = dc_state_->uuid;
  ctx.node_name = action.on_node;
  ctx.origin = std::string(transition::kLostResultOrigin);
  auto xml = transition::result_update_xml(action, r, ctx);
  if (!xml) return;
  cib_write({{false, "status", *xml}}, {});
}

}  // namespace vigil::controller
