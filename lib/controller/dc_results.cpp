// SPDX-License-Identifier: GPL-2.0-or-later
// The DC as the only writer of the status section: operation results (with
// the fail counts they raise), transient attributes and cleanups.
#include "cib_xml.hpp"
#include "dc_state.hpp"
#include "vigil/transition/outcome.hpp"

namespace vigil::controller {

namespace {

// The in-flight action of the running graph that `e` answers, if any.
const transition::GraphAction* answered_action(const transition::Runner* runner,
                                               const std::string& dc_uuid, const OpEvent& e,
                                               const std::string& node_uuid) {
  if (!runner || runner->finished() || e.key_uuid() != dc_uuid ||
      e.transition_id() != runner->graph().transition_id ||
      runner->state(e.action_id()) != transition::ActionState::kInFlight) {
    return nullptr;
  }
  const transition::GraphAction* action = runner->graph().find(e.action_id());
  return action && action->on_node_uuid == node_uuid ? action : nullptr;
}

}  // namespace

void Machine::dc_result(NodeId node, const OpEvent& e) {
  if (e.pending()) return;
  if (e.cancelled()) {
    if (e.interval_ms > 0) {
      cib_write(
          {{true, lrm_resource_xpath(node, e.rsc) + "/lrm_rsc_op[@id='" + e.op_key() + "']", ""}},
          {});
    }
    return;
  }
  const Dc& dc = *dc_state_;
  const transition::GraphAction* action =
      answered_action(dc.runner.get(), dc.uuid, e, std::to_string(node));
  auto recorded = record_result(node, e, action);
  if (!recorded) return;
  const bool expected = recorded->expected;
  log(expected ? LogLevel::kInfo : LogLevel::kWarning,
      "event=result node=" + node_name(node) + " op=" + e.op_key() + " rc=" + std::to_string(e.rc) +
          " status=" + std::to_string(e.op_status) + (expected ? "" : " unexpected=true") +
          (action ? " action=" + std::to_string(action->id) : ""));
  const int action_id = action ? action->id : -1;
  const int transition_id = action ? dc.runner->graph().transition_id : -1;
  const bool recurring = e.interval_ms > 0;
  cib_write(std::move(recorded->edits),
            [this, action_id, transition_id, outcome = recorded->outcome, expected, recurring,
             key = e.op_key(), node, attrs = std::move(recorded->attrs)](Status st) {
              if (!st) {
                log(LogLevel::kError,
                    "event=result-write-failed op=" + key + " error=" + st.error().message());
              } else {
                // Pacemaker's attribute writer alerts the fail counts it wrote.
                for (const auto& [name, value] : attrs) {
                  send_alert(alerts::attribute_event(node_name(node), node, name, value));
                }
              }
              if (action_id >= 0) {
                confirm_action(transition_id, action_id,
                               st ? outcome : transition::ActionOutcome::kFailed);
              } else if (!expected) {
                mark_dirty("unexpected result " + key);
              } else if (!recurring) {
                mark_dirty("result " + key + " from outside the current transition");
              }
            });
}

std::optional<Machine::RecordedResult> Machine::record_result(
    NodeId node, const OpEvent& e, const transition::GraphAction* action) {
  Dc& dc = *dc_state_;
  const std::string uname = node_name(node);
  const std::string uuid = std::to_string(node);
  // A result no action of the running graph awaits (a recurring monitor,
  // an older transition's) is recorded as the operation it reports.
  transition::GraphAction synthesized;
  if (!action) synthesized = e.to_action(uuid, uname);
  const transition::GraphAction& act = action ? *action : synthesized;
  transition::HistoryContext ctx;
  ctx.transition_id = e.transition_id();
  ctx.dc_uuid = e.key_uuid();
  ctx.node_name = uname;
  ctx.origin = kOrigin;
  const transition::OpResult result = e.to_op_result();
  auto records = transition::build_history(act, result, ctx);
  if (!records) {
    log(LogLevel::kError, "event=result-not-recorded node=" + uname + " op=" + e.op_key() +
                              " error=" + records.error().message());
    return std::nullopt;
  }
  if (!action) {
    for (auto& r : *records) {
      std::erase_if(r.attrs, [](const auto& kv) { return kv.first == "op-digest"; });
      if (!e.digest.empty()) r.attrs.emplace_back("op-digest", e.digest);
    }
  }
  static const transition::Graph kDefaultGraph;
  const transition::Graph& graph = action ? dc.runner->graph() : kDefaultGraph;
  RecordedResult out;
  if (auto cls = transition::classify(graph, act, result, now_.wall)) {
    out.outcome = cls->outcome;
    out.expected = cls->expected || cls->ignored;
    for (const auto& u : cls->attr_updates) {
      std::string& slot = dc.attrs[node][u.name];
      slot = bump_attribute(slot, u.value);
      auto more = attr_edits(node, u.name, slot);
      out.edits.insert(out.edits.end(), more.begin(), more.end());
      out.attrs.emplace_back(u.name, slot);
    }
  } else {
    log(LogLevel::kWarning,
        "event=unclassified op=" + e.op_key() + " error=" + cls.error().message());
  }
  if (transition::is_recordable(act)) {
    const transition::GraphPrimitive prim =
        act.primitive ? *act.primitive
                      : transition::GraphPrimitive{e.rsc, e.rsc, e.cls, e.provider, e.type};
    out.edits.insert(
        out.edits.begin(),
        {false, "status",
         transition::lrm_update_xml(
             uuid, uname, prim, *records, kOrigin,
             action ? transition::recorded_shutdown_lock(*action, result) : std::nullopt)});
  }
  return out;
}

void Machine::dc_attr(NodeId node, const std::string& name,
                      const std::optional<std::string>& value) {
  Dc& dc = *dc_state_;
  if (!nodes_.find(node)) {
    log(LogLevel::kWarning,
        "event=attr-refused node=" + std::to_string(node) + " reason=unknown-node");
    return;
  }
  auto& table = dc.attrs[node];
  auto it = table.find(name);
  // "value++" / "value+=N" from a client (attrd_updater, crm_attribute)
  // count from the current value, as Pacemaker's attribute manager does.
  const std::optional<std::string> next =
      value ? std::optional<std::string>(
                  bump_attribute(it != table.end() ? it->second : std::string(), *value))
            : std::nullopt;
  if (next ? (it != table.end() && it->second == *next) : it == table.end()) return;
  if (next) {
    table[name] = *next;
  } else {
    table.erase(name);
  }
  log(LogLevel::kInfo, "event=attr node=" + node_name(node) + " name=" + name +
                           (next ? " value=" + *next : std::string(" deleted")));
  // As Pacemaker's attribute writer, the alert goes once the CIB has it.
  cib_write(attr_edits(node, name, next), [this, node, name, next](Status st) {
    if (st) send_alert(alerts::attribute_event(node_name(node), node, name, next));
    mark_dirty("attribute " + name);
  });
}

void Machine::clear_failures(NodeId node, const std::string& rsc, std::vector<CibEdit>& edits) {
  auto& table = dc_state_->attrs[node];
  for (auto it = table.begin(); it != table.end();) {
    if (is_failure_attr_of(it->first, rsc)) {
      auto more = attr_edits(node, it->first, std::nullopt);
      edits.insert(edits.end(), more.begin(), more.end());
      it = table.erase(it);
    } else {
      ++it;
    }
  }
}

void Machine::dc_cleanup(const std::string& rsc, const std::string& node) {
  std::vector<NodeId> targets;
  if (node.empty()) {
    for (const auto& n : nodes_.nodes()) targets.push_back(n.id);
  } else if (auto id = node_id_of(node)) {
    targets.push_back(*id);
  } else {
    log(LogLevel::kWarning, "event=cleanup-refused node=" + node + " reason=unknown-node");
    return;
  }
  std::vector<CibEdit> edits;
  for (NodeId n : targets) {
    edits.push_back({true, lrm_resource_xpath(n, rsc), ""});
    clear_failures(n, rsc, edits);
    send_forget(n, rsc);
  }
  log(LogLevel::kInfo, "event=cleanup rsc=" + rsc + " node=" + (node.empty() ? "all" : node));
  cib_write(std::move(edits), [this, rsc](Status) { mark_dirty("cleanup of " + rsc); });
}

}  // namespace vigil::controller
