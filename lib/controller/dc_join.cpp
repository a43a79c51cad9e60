// SPDX-License-Identifier: GPL-2.0-or-later
// The DC's takeover and join: Integration (the CIB read at takeover),
// FinalizeJoin (each member's executor history recorded in its node_state),
// and what changes of the group, the membership, quorum and the CIB itself
// mean to the DC.
#include <algorithm>

#include "cib_xml.hpp"
#include "dc_state.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::controller {

namespace {

// What the DC needs from the CIB at takeover.
void read_takeover_cib(const xmlNode* root, std::set<std::string>& node_entries,
                       std::map<std::string, std::string>& options,
                       std::map<NodeId, std::map<std::string, std::string>>& attrs) {
  if (const xmlNode* conf = xml::first_child(root, "configuration")) {
    if (const xmlNode* nodes = xml::first_child(conf, "nodes")) {
      for (const xmlNode* n : xml::children(nodes, "node"))
        node_entries.insert(xml::attr_or(n, "id"));
    }
    if (const xmlNode* crm = xml::first_child(conf, "crm_config")) {
      for (const xmlNode* set : xml::children(crm, "cluster_property_set")) {
        if (xml::attr_or(set, "id") != "cib-bootstrap-options") continue;
        for (const xmlNode* nv : xml::children(set, "nvpair"))
          options[xml::attr_or(nv, "name")] = xml::attr_or(nv, "value");
      }
    }
  }
  const xmlNode* status = xml::first_child(root, "status");
  if (!status) return;
  for (const xmlNode* ns : xml::children(status, "node_state")) {
    const auto id = node_id_from(xml::attr_or(ns, "id"));
    if (!id) continue;
    const NodeId node = *id;
    for (const xmlNode* ta : xml::children(ns, "transient_attributes")) {
      for (const xmlNode* set : xml::children(ta, "instance_attributes")) {
        for (const xmlNode* nv : xml::children(set, "nvpair"))
          attrs[node][xml::attr_or(nv, "name")] = xml::attr_or(nv, "value");
      }
    }
  }
}

}  // namespace

void Machine::become_dc() {
  dc_state_ = std::make_unique<Dc>();
  Dc& dc = *dc_state_;
  std::string u =
      std::to_string(self_) + "-" + std::to_string(now_.wall) + "-" + std::to_string(next_token_);
  dc.uuid = std::string(36 - std::min<std::size_t>(36, u.size()), '0') + u;
  log(LogLevel::kNotice, "event=takeover dc=" + node_name(self_));
  set_state(State::kIntegration, "takeover");
  query_takeover_cib();
}

void Machine::query_takeover_cib() {
  Token t = ask<CibAnswer>(true, [this](const CibAnswer& in) { on_takeover_cib(in); });
  emit(CibQueryEffect{t, ""});
}

void Machine::on_takeover_cib(const CibAnswer& in) {
  const auto& reply = in.reply;
  Dc& dc = *dc_state_;
  if (!reply) {
    log(LogLevel::kError, "event=takeover-query-failed error=" + reply.error().message());
    // Asked again by the same DC: the histories that arrived meanwhile
    // wait in its backlog, and their senders will not send them twice.
    dc.retry = clock_->start_timer(std::chrono::seconds(1), [this] { query_takeover_cib(); });
    return;
  }
  auto doc = xml::parse_string(reply->xml, "CIB");
  if (!doc) {
    log(LogLevel::kError, "event=takeover-bad-cib error=" + doc.error().message());
    return;
  }
  read_takeover_cib(xmlDocGetRootElement(doc->get()), dc.node_entries, dc.recorded_options,
                    dc.attrs);
  dc.dc_deadtime = cluster_interval_of(reply->xml, "dc-deadtime", options_.dc_deadtime);
  set_state(State::kFinalizeJoin, "the CIB is read");
  dc_after_ready();
}

void Machine::lose_dc() {
  if (!dc_state_) return;
  log(LogLevel::kNotice, "event=dc-lost node=" + node_name(self_));
  if (dc_state_->runner && !dc_state_->runner->finished()) dc_state_->runner->stop();
  dc_state_.reset();
  drop_dc_requests();
}

void Machine::retake_dc() {
  lose_dc();
  become_dc();
  Message m;
  m.type = MsgType::kRejoin;
  (void)send_message(m);
}

void Machine::dc_after_ready() {
  Dc& dc = *dc_state_;
  std::vector<CibEdit> edits;
  edits.push_back({false, "",
                   "<cib dc-uuid=\"" + std::to_string(self_) + "\" have-quorum=\"" +
                       (quorate_ ? "1" : "0") + "\" crm_feature_set=\"" +
                       xml::escaped(options_.feature_set) + "\"/>"});
  // The cluster options a DC owns (written only when they differ, so a
  // takeover changes no configuration version when nothing changed).
  std::string options;
  auto option = [&](const char* name, const std::string& value) {
    if (value.empty() || dc.recorded_options[name] == value) return;
    options += std::string("<nvpair id=\"cib-bootstrap-options-") + name + "\" name=\"" + name +
               "\" value=\"" + xml::escaped(value) + "\"/>";
  };
  option("have-watchdog", "false");
  option("dc-version", options_.dc_version);
  option("cluster-infrastructure", options_.cluster_infrastructure);
  option("cluster-name", options_.cluster_name);
  if (!options.empty()) {
    edits.push_back({false, "crm_config",
                     "<cluster_property_set id=\"cib-bootstrap-options\">" + options +
                         "</cluster_property_set>"});
  }
  for (const auto& n : nodes_.nodes()) {
    if (in_view(n.id)) continue;
    const bool ordered = shutdown_ordered_.count(n.id) > 0;
    const bool clean = ordered || (dc.attrs.count(n.id) && dc.attrs[n.id].count("shutdown"));
    // A shutdown attribute alone says a stop was asked for, not that it was
    // done: a member's controller may just be restarting, with its resources
    // still running. Only the previous DC's do_shutdown order, heard here,
    // says they are stopped (the DC that leaves last in `cluster stop --all`).
    const bool member = is_member(n.id);
    if (member && !ordered) await_respawn(n.id);
    edits.push_back(
        {false, "status",
         node_state_xml(n.id, node_name(n.id), member, false, "down", clean ? "down" : nullptr)});
    if (clean || !member) forget_attrs(n.id, edits);
  }
  // The previous DC was fenced while this node was a member: record it down
  // now (unless it is back and joins with its own history).
  for (NodeId n : fenced_dc_) {
    if (in_view(n)) continue;
    log(LogLevel::kNotice, "event=fenced-dc-recorded node=" + node_name(n));
    fenced_edits(n, edits);
  }
  fenced_dc_.clear();
  cib_write(std::move(edits), {});
  auto backlog = std::move(dc.backlog);
  for (auto& [sender, m] : backlog) dc_handle(sender, m);
  mark_dirty("DC takeover");
}

void Machine::dc_handle(const cluster::GroupMember& sender, const Message& m) {
  if (!dc_state_) return;
  if (state_ == State::kIntegration) {
    dc_state_->backlog.emplace_back(sender, m);
    return;
  }
  switch (m.type) {
    case MsgType::kHistory:
      dc_history(sender.node, m.ops, m.fresh);
      break;
    case MsgType::kResult:
      dc_result(sender.node, m.ops.front());
      break;
    case MsgType::kAttr:
      dc_attr(m.target, m.name, m.value);
      break;
    case MsgType::kCleanup:
      dc_cleanup(m.rsc, m.node);
      break;
    default:
      break;
  }
}

void Machine::dc_history(NodeId node, const std::vector<OpEvent>& ops, bool fresh) {
  if (!in_view(node)) return;
  Dc& dc = *dc_state_;
  const std::string uname = node_name(node);
  const std::string uuid = std::to_string(node);
  std::vector<CibEdit> edits;
  if (!dc.node_entries.count(uuid)) {
    edits.push_back(
        {false, "nodes", "<node id=\"" + uuid + "\" uname=\"" + xml::escaped(uname) + "\"/>"});
    dc.node_entries.insert(uuid);
  }
  dc.respawn_wait.erase(node);
  edits.push_back(
      {false, "status", node_state_xml(node, uname, is_member(node), true, "member", "member")});
  edits.push_back({true, node_xpath(node) + "/lrm", ""});
  if (fresh) {
    // A controller that just started is not shutting down, whatever its
    // previous life asked for. Its other attributes (fail counts) stay: the
    // node never left, its resources ran on (Pacemaker's attrd outlives a
    // controller restart the same way).
    for (const char* name : {"shutdown", "terminate"}) {
      if (dc.attrs.count(node) && dc.attrs[node].erase(name)) {
        auto e = attr_edits(node, name, std::nullopt);
        edits.insert(edits.end(), e.begin(), e.end());
      }
    }
  }
  edits.push_back({false, "status", history_lrm_xml(node, uname, ops, [this](const std::string& w) {
                     log(LogLevel::kWarning, w);
                   })});
  log(LogLevel::kInfo, "event=join node=" + uname + " operations=" + std::to_string(ops.size()) +
                           (fresh ? " fresh=true" : ""));
  cib_write(std::move(edits), [this, node, uname](Status st) {
    if (!st) {
      log(LogLevel::kError,
          "event=join-write-failed node=" + uname + " error=" + st.error().message());
      return;
    }
    if (in_view(node)) {
      dc_state_->joined.insert(node);
      Message m;
      m.type = MsgType::kJoined;
      m.target = node;
      (void)send_message(m);
    }
    if (state_ == State::kFinalizeJoin && all_joined())
      set_state(State::kIdle, "every node joined");
    mark_dirty("node " + uname + " joined");
  });
}

bool Machine::all_joined() const {
  return std::all_of(view_.begin(), view_.end(),
                     [this](NodeId n) { return dc_state_->joined.count(n) > 0; });
}

bool Machine::view_complete() const {
  return std::all_of(nodes_.nodes().begin(), nodes_.nodes().end(),
                     [this](const cluster::NodeInfo& n) { return in_view(n.id); });
}

void Machine::dc_node_left(NodeId node) {
  Dc& dc = *dc_state_;
  dc.joined.erase(node);
  const bool ordered = shutdown_ordered_.count(node) > 0;
  const bool clean = ordered || (dc.attrs.count(node) && dc.attrs[node].count("shutdown"));
  log(LogLevel::kNotice, "event=node-left node=" + node_name(node) + (clean ? " clean=true" : ""));
  // Only a do_shutdown proves its resources are stopped.
  if (!ordered && is_member(node)) await_respawn(node);
  std::vector<CibEdit> edits;
  edits.push_back({false, "status",
                   node_state_xml(node, node_name(node), is_member(node), false, "down",
                                  clean ? "down" : nullptr)});
  // A node that stays a member only lost its controller, which is coming
  // back: its fail counts stay. One that left or shut down cleanly starts
  // its next life without them.
  if (clean || !is_member(node)) forget_attrs(node, edits);
  // Actions in flight there will not report back.
  if (state_ == State::kTransitionEngine) {
    const std::string uuid = std::to_string(node);
    for (int id : dc.runner->in_flight()) {
      const transition::GraphAction* a = dc.runner->graph().find(id);
      if (a && a->on_node_uuid == uuid) {
        (void)dc.runner->confirm(id, transition::ActionOutcome::kFailed);
      }
    }
  }
  if (state_ == State::kFinalizeJoin && all_joined()) set_state(State::kIdle, "node left");
  cib_write(std::move(edits),
            [this, node](Status) { mark_dirty("node " + node_name(node) + " left"); });
}

void Machine::dc_membership(const cluster::MembershipChange& change) {
  if (!dc_state_) return;
  for (NodeId n : change.left) dc_state_->respawn_wait.erase(n);
  if (state_ == State::kIntegration) return;
  std::vector<CibEdit> edits;
  for (NodeId n : change.left) {
    forget_attrs(n, edits);
    edits.push_back({false, "status", node_state_ccm_xml(n, node_name(n), false)});
  }
  for (NodeId n : change.joined) {
    edits.push_back({false, "status", node_state_ccm_xml(n, node_name(n), true)});
  }
  if (edits.empty()) return;
  cib_write(std::move(edits), [this](Status) { mark_dirty("membership changed"); });
}

void Machine::dc_quorum(bool quorate) {
  if (!dc_state_ || state_ == State::kIntegration) return;
  cib_write({{false, "", std::string("<cib have-quorum=\"") + (quorate ? "1" : "0") + "\"/>"}},
            [this](Status) { mark_dirty("quorum changed"); });
}

void Machine::dc_cib_changed(const cibd::CibChange& change) {
  if (!is_dc() || !dc_state_) return;
  dc_state_->cib_changes.record(change);
  if (change.op == cibd::CibOp::kReplace &&
      change.diff.find("full=\"true\"") != std::string::npos) {
    // The whole CIB was replaced (a resync after a merge, or an
    // administrator's replace): what the DC wrote may be gone. Take over
    // afresh and have every node join again, as Pacemaker's DC does.
    log(LogLevel::kNotice, "event=cib-replaced action=rejoin");
    retake_dc();
    return;
  }
  if (state_ == State::kIntegration) return;
  if (change.client == kCibClientName && !change.origin.empty() &&
      change.origin != node_name(self_)) {
    // Another controller wrote: a DC deposed a moment ago whose last writes
    // landed after this DC's. What it wrote may contradict the truth (a
    // node marked down that has joined): take over afresh and rejoin.
    log(LogLevel::kNotice, "event=foreign-status-write origin=" + change.origin + " action=rejoin");
    retake_dc();
    return;
  }
  if (change.config_changed) mark_dirty("configuration changed");
}

void Machine::forget_attrs(NodeId node, std::vector<CibEdit>& edits) {
  edits.push_back({true, node_xpath(node) + "/transient_attributes", ""});
  dc_state_->attrs.erase(node);
}

}  // namespace vigil::controller
