// SPDX-License-Identifier: GPL-2.0-or-later
// Fencing learnt from the fencer: every fencing operation that ends is told
// to every controller, whoever asked for it (a DC, `vigil stonith fence`, a
// human's `stonith confirm`). As Pacemaker 2.1.5's controller
// (handle_fence_notification): unfencing is only logged; a node that learns
// it was fenced stops at once; the DC records any other fenced node down and
// schedules again when it was not its own request; the other nodes keep the
// failure counts, and remember a fenced DC for whoever takes over.
#include "cib_xml.hpp"
#include "dc_state.hpp"

namespace vigil::controller {

void Machine::on_fence_event(const FenceEvent& e) {
  // Fencers share their history, and what a peer brings is told again:
  // an operation that ended before this controller started is already in
  // the CIB, and a node rebooted by its own fencing hears of it once it is
  // back (asked for before this controller started; it may end a moment
  // after, the agent powering the node on first).
  const bool self = e.target == node_name(self_);
  if ((e.completed > 0 && e.completed < started_wall_) ||
      (self && e.created > 0 && e.created < started_wall_)) {
    log(LogLevel::kInfo, "event=fence-event-ignored node=" + e.target + " action=" + e.action +
                             " id=" + e.id + " reason=\"before this controller started\"");
    return;
  }
  // Pacemaker's controller alerts every fencing notification, unfencing included.
  send_alert(alerts::fencing_event(e.target, "st_notify_fence", fence_alert_description(e),
                                   fence_alert_rc(e)));
  const std::string by = e.delegate.empty() ? "the cluster" : e.delegate;
  const std::string client = (e.client.empty() ? "a client" : e.client) + "@" + e.origin;
  const std::string reason = e.reason.empty() ? "" : " reason=\"" + e.reason + "\"";
  if (e.action == "on") {
    log(e.succeeded ? LogLevel::kNotice : LogLevel::kError,
        "event=unfence-" + std::string(e.succeeded ? "done" : "failed") + " node=" + e.target +
            " by=" + by + " client=" + client + reason);
    return;
  }
  if (e.succeeded && e.target == node_name(self_)) {
    // Misconfigured fencing, or fencing that does not cut this node off:
    // going on would fight the cluster, which now takes this node for down.
    halt("this node was fenced (" + e.action + ") by " + by + " at the request of " + client);
    return;
  }
  if (!is_dc()) {
    // The DC counts its own attempts; the others keep count in case they
    // become DC.
    if (e.succeeded) {
      fence_failures_.erase(e.target);
    } else {
      ++fence_failures_[e.target];
    }
  }
  log(e.succeeded ? LogLevel::kNotice : LogLevel::kWarning,
      "event=fence-" + std::string(e.succeeded ? "done" : "failed") + " node=" + e.target +
          " action=" + e.action + " by=" + by + " client=" + client + " id=" + e.id + reason);
  if (!e.succeeded) return;
  const auto node = node_id_of(e.target);
  if (!node) return;  // not a node of this cluster
  if (is_dc() && dc_state_) {
    const bool own = e.client == kFenceClientName && e.origin == node_name(self_) &&
                     dc_state_->fence_requested.count(e.target) > 0;
    // The DC's own requests are recorded when the fencer answers them.
    if (!own) dc_node_fenced(*node, "external fencing of " + e.target + " by " + client);
  } else if (dc_ == cluster::kNoNode || dc_ == *node) {
    log(LogLevel::kNotice, "event=dc-fenced node=" + e.target);
    fenced_dc_.insert(*node);
  }
}

void Machine::dc_node_fenced(NodeId node, const std::string& why) {
  Dc& dc = *dc_state_;
  log(LogLevel::kNotice,
      "event=external-fencing node=" + node_name(node) + " reason=\"" + why + "\"");
  // What ran there will not report back.
  if (state_ == State::kTransitionEngine) {
    const std::string uuid = std::to_string(node);
    for (int id : dc.runner->in_flight()) {
      const transition::GraphAction* a = dc.runner->graph().find(id);
      if (a && a->on_node_uuid == uuid && a->kind == transition::ActionKind::kRscOp) {
        (void)dc.runner->confirm(id, transition::ActionOutcome::kFailed);
      }
    }
  }
  std::vector<CibEdit> edits;
  fenced_edits(node, edits);
  cib_write(std::move(edits), [this, why](Status) { mark_dirty(why); });
}

void Machine::halt(const std::string& reason) {
  log(LogLevel::kError, "event=halt reason=\"" + reason + "\"");
  halted_ = reason;
  lose_dc();
  shutdown_timer_.reset();
  in_group_ = false;
  view_.clear();
  dc_ = cluster::kNoNode;
  set_state(State::kStopped, "fenced");
  emit(HaltEffect{reason});
}

}  // namespace vigil::controller
