// SPDX-License-Identifier: GPL-2.0-or-later
// The transition's actions as the DC carries them out (the Runner's
// ActionSink): resource operations on the local executor or over CPG,
// cluster events done by the DC itself, and fencing.
#include "cib_xml.hpp"
#include "dc_state.hpp"
#include "vigil/transition/outcome.hpp"

namespace vigil::controller {

namespace {

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
    if (!v || v->empty() || v->size() > 15 ||
        v->find_first_not_of("0123456789") != std::string::npos)
      return 0;
    return std::stoll(*v);
  };
  spec.timeout_ms = meta_ms("timeout");
  spec.start_delay_ms = meta_ms("start_delay");
  for (const auto& [k, v] : action.attributes) spec.params[k] = v;
  return spec;
}

}  // namespace

std::optional<NodeId> Machine::action_target(const transition::GraphAction& action) const {
  const std::string& uuid = action.on_node_uuid;
  if (!uuid.empty() && uuid.size() <= 9 &&
      uuid.find_first_not_of("0123456789") == std::string::npos)
    return static_cast<NodeId>(std::stoul(uuid));
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

void Machine::confirm_when_written(const transition::GraphAction& action,
                                   std::vector<CibEdit> edits) {
  const int tid = dc_state_->runner->graph().transition_id;
  cib_write(std::move(edits), [this, tid, id = action.id](Status st) {
    confirm_action(tid, id,
                   st ? transition::ActionOutcome::kOk : transition::ActionOutcome::kFailed);
  });
}

Status Machine::execute_cluster_event(const transition::GraphAction& action) {
  Dc& dc = *dc_state_;
  const auto target = action_target(action);
  if (!target)
    return Error(ErrorCode::kNotFound, "cluster event on unknown node " + action.on_node);
  const NodeId node = *target;
  if (action.operation == "do_shutdown") {
    dc.shutdown_ok.insert(node);
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
    const std::string rsc = action.primitive->id;
    send_forget(node, rsc);
    confirm_when_written(action, {{true, lrm_resource_xpath(node, rsc), ""}});
    return ok_status();
  }
  return Error(ErrorCode::kUnsupported,
               "cluster event '" + action.operation + "' is not supported by vigil-crmd");
}

Status Machine::execute_fence(const transition::GraphAction& action) {
  dc_state_->fence_failed = true;
  std::string msg = "fencing is not available: vigil-stonithd is not implemented (cannot fence " +
                    action.on_node + ")";
  log(LogLevel::kError, "event=fence-failed node=" + action.on_node + " error=\"" + msg + "\"");
  return Error(ErrorCode::kUnsupported, msg);
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
