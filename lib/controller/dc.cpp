// SPDX-License-Identifier: GPL-2.0-or-later
// The DC's part of the controller: takeover, join (executor histories into
// node_state), the only writer of the status section, the scheduling loop
// and the execution of transition graphs through lib/transition's Runner.
#include <algorithm>
#include <cstdlib>

#include "controller_impl.hpp"
#include "vigil/common/time.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/transition/outcome.hpp"

namespace vigil::controller {

namespace {

constexpr const char* kOrigin = "vigil-crmd";
constexpr int kMaxFruitlessTransitions = 10;
constexpr std::int64_t kScoreInfinity = 1000000;

std::string esc(const std::string& s) {
  return xml::escaped(s);
}

std::string node_xpath(NodeId node) {
  return "/cib/status/node_state[@id='" + std::to_string(node) + "']";
}

std::string bump(const std::string& current, const std::string& update) {
  if (update == "value++") {
    std::int64_t v = 0;
    if (current == "INFINITY" || current == "+INFINITY") return "INFINITY";
    if (!current.empty() && current.find_first_not_of("-0123456789") == std::string::npos) {
      v = std::atoll(current.c_str());
    }
    v = std::min(v + 1, kScoreInfinity);
    return v >= kScoreInfinity ? "INFINITY" : std::to_string(v);
  }
  return update;
}

std::string lrm_resource_open(const OpEvent& e) {
  std::string out = "<lrm_resource id=\"" + esc(e.rsc) + "\" type=\"" + esc(e.type) +
                    "\" class=\"" + esc(e.cls) + "\"";
  if (!e.provider.empty()) out += " provider=\"" + esc(e.provider) + "\"";
  return out + ">";
}

// An interval cluster option (cluster-recheck-interval, dc-deadtime) from
// the CIB's cluster options, else `fallback`.
// Only the nvpair itself is parsed, not the whole CIB again.
Duration cluster_interval_of(const std::string& cib, const std::string& name, Duration fallback) {
  const auto at = cib.find("name=\"" + name + "\"");
  if (at == std::string::npos) return fallback;
  const auto open = cib.rfind("<nvpair", at);
  const auto close = cib.find('>', at);
  if (open == std::string::npos || close == std::string::npos) return fallback;
  std::string element = cib.substr(open, close - open);
  if (!element.empty() && element.back() == '/') element.pop_back();
  auto doc = xml::parse_string(element + "/>", name);
  if (!doc) return fallback;
  auto value = xml::attr(xmlDocGetRootElement(doc->get()), "value");
  if (!value) return fallback;
  auto ms = parse_interval_ms(*value);
  if (!ms || *ms < 0) return fallback;
  return Duration(*ms);
}

}  // namespace

// --- takeover ---------------------------------------------------------------

void Controller::Impl::become_dc() {
  dc_state_ = std::make_unique<Dc>();
  Dc& dc = *dc_state_;
  dc.gen = ++dc_gen_;
  std::string u = std::to_string(self_) + "-" + std::to_string(env_.clock.wall_seconds()) + "-" +
                  std::to_string(dc.gen);
  dc.uuid = std::string(36 - std::min<std::size_t>(36, u.size()), '0') + u;
  log(LogLevel::kNotice, "event=takeover dc=" + node_name(self_));
  const std::uint64_t gen = dc.gen;
  env_.cib.query(
      "", guarded([this, gen](Result<cibclient::CibReply> reply) {
        if (!dc_state_ || dc_state_->gen != gen) return;
        if (!reply) {
          log(LogLevel::kError, "event=takeover-query-failed error=" + reply.error().message());
          dc_state_->retry =
              env_.clock.start_timer(std::chrono::seconds(1), guarded([this, gen] {
                                       if (dc_state_ && dc_state_->gen == gen && is_dc())
                                         become_dc();
                                     }));
          return;
        }
        auto doc = xml::parse_string(reply->xml, "CIB");
        if (!doc) {
          log(LogLevel::kError, "event=takeover-bad-cib error=" + doc.error().message());
          return;
        }
        Dc& d = *dc_state_;
        const xmlNode* root = xmlDocGetRootElement(doc->get());
        if (const xmlNode* conf = xml::first_child(root, "configuration")) {
          if (const xmlNode* nodes = xml::first_child(conf, "nodes")) {
            for (const xmlNode* n : xml::children(nodes, "node"))
              d.node_entries.insert(xml::attr_or(n, "id"));
          }
          if (const xmlNode* crm = xml::first_child(conf, "crm_config")) {
            for (const xmlNode* set : xml::children(crm, "cluster_property_set")) {
              if (xml::attr_or(set, "id") != "cib-bootstrap-options") continue;
              for (const xmlNode* nv : xml::children(set, "nvpair"))
                d.recorded_options[xml::attr_or(nv, "name")] = xml::attr_or(nv, "value");
            }
          }
        }
        if (const xmlNode* status = xml::first_child(root, "status")) {
          for (const xmlNode* ns : xml::children(status, "node_state")) {
            std::string id = xml::attr_or(ns, "id");
            if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) continue;
            auto node = static_cast<NodeId>(std::strtoul(id.c_str(), nullptr, 10));
            for (const xmlNode* ta : xml::children(ns, "transient_attributes")) {
              for (const xmlNode* set : xml::children(ta, "instance_attributes")) {
                for (const xmlNode* nv : xml::children(set, "nvpair")) {
                  d.attrs[node][xml::attr_or(nv, "name")] = xml::attr_or(nv, "value");
                }
              }
            }
          }
        }
        d.dc_deadtime = cluster_interval_of(reply->xml, "dc-deadtime", options_.dc_deadtime);
        d.ready = true;
        dc_after_ready();
      }));
}

void Controller::Impl::lose_dc() {
  if (!dc_state_) return;
  log(LogLevel::kNotice, "event=dc-lost node=" + node_name(self_));
  if (dc_state_->runner && !dc_state_->runner->finished()) dc_state_->runner->stop();
  dc_state_.reset();
}

void Controller::Impl::dc_after_ready() {
  Dc& dc = *dc_state_;
  std::vector<CibEdit> edits;
  edits.push_back({false, "",
                   "<cib dc-uuid=\"" + std::to_string(self_) + "\" have-quorum=\"" +
                       (env_.quorum.quorate() ? "1" : "0") + "\" crm_feature_set=\"" +
                       esc(options_.feature_set) + "\"/>"});
  // The cluster options a DC owns (written only when they differ, so a
  // takeover changes no configuration version when nothing changed).
  std::string options;
  auto option = [&](const char* name, const std::string& value) {
    if (value.empty() || dc.recorded_options[name] == value) return;
    options += std::string("<nvpair id=\"cib-bootstrap-options-") + name + "\" name=\"" + name +
               "\" value=\"" + esc(value) + "\"/>";
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
  for (const auto& n : env_.membership.nodes().nodes()) {
    if (std::binary_search(view_.begin(), view_.end(), n.id)) continue;
    bool clean = dc.attrs.count(n.id) && dc.attrs[n.id].count("shutdown");
    // Whether its shutdown completed is unknown here: a member's
    // controller may just be restarting, with its resources still running.
    const bool member = env_.membership.is_member(n.id);
    if (member) await_respawn(n.id);
    edits.push_back(
        {false, "status", node_state_xml(n.id, false, "down", clean ? "down" : nullptr)});
    if (clean || !member) forget_attrs(n.id, edits);
  }
  cib_write(std::move(edits), {});
  auto backlog = std::move(dc.backlog);
  for (auto& [sender, m] : backlog) dc_handle(sender, m);
  mark_dirty("DC takeover");
}

void Controller::Impl::dc_handle(const cluster::GroupMember& sender, const Message& m) {
  if (!dc_state_) return;
  if (!dc_state_->ready) {
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

std::string Controller::Impl::node_state_xml(NodeId node, bool crmd_online, const char* join,
                                             const char* expected) const {
  std::string out = "<node_state id=\"" + std::to_string(node) + "\" uname=\"" +
                    esc(node_name(node)) + "\" in_ccm=\"" +
                    (env_.membership.is_member(node) ? "true" : "false") + "\" crmd=\"" +
                    (crmd_online ? "online" : "offline") + "\"";
  if (join) out += std::string(" join=\"") + join + "\"";
  if (expected) out += std::string(" expected=\"") + expected + "\"";
  return out + " crm-debug-origin=\"" + kOrigin + "\"/>";
}

// --- join -------------------------------------------------------------------

void Controller::Impl::dc_history(NodeId node, const std::vector<OpEvent>& ops, bool fresh) {
  if (!std::binary_search(view_.begin(), view_.end(), node)) return;
  Dc& dc = *dc_state_;
  const std::string uname = node_name(node);
  const std::string uuid = std::to_string(node);
  std::vector<CibEdit> edits;
  if (!dc.node_entries.count(uuid)) {
    edits.push_back({false, "nodes", "<node id=\"" + uuid + "\" uname=\"" + esc(uname) + "\"/>"});
    dc.node_entries.insert(uuid);
  }
  dc.respawn_wait.erase(node);
  edits.push_back({false, "status", node_state_xml(node, true, "member", "member")});
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
  // Entries grouped per resource, resources in id order.
  std::map<std::string, std::vector<const OpEvent*>> by_rsc;
  for (const auto& e : ops) by_rsc[e.rsc].push_back(&e);
  std::string lrm = "<node_state id=\"" + uuid + "\"><lrm id=\"" + uuid + "\"><lrm_resources>";
  for (const auto& [rsc, list] : by_rsc) {
    lrm += lrm_resource_open(*list.front());
    // Completed results first (in call order), pending ones last, so that a
    // pending run overrides the record it replaces.
    std::vector<const OpEvent*> sorted = list;
    std::stable_sort(sorted.begin(), sorted.end(), [](const OpEvent* a, const OpEvent* b) {
      if (a->pending() != b->pending()) return !a->pending();
      if (a->call_id != b->call_id) return a->call_id < b->call_id;
      return a->last_rc_change < b->last_rc_change;  // a recurring op's runs
    });
    // Records in history order; a later result with the same record id
    // replaces the earlier one and takes its place at the end.
    std::vector<std::pair<std::string, std::string>> in_order;
    for (const OpEvent* e : sorted) {
      if (e->cancelled()) continue;
      const transition::OpResult result =
          e->pending() ? transition::pending_result(e->last_run) : e->to_op_result();
      transition::HistoryContext ctx;
      ctx.transition_id = e->transition_id();
      ctx.dc_uuid = e->key_uuid();
      ctx.node_name = uname;
      ctx.origin = kOrigin;
      auto records = transition::build_history(e->to_action(uuid, uname), result, ctx);
      if (!records) {
        log(LogLevel::kWarning, "event=history-skipped node=" + uname + " op=" + e->op_key() +
                                    " error=" + records.error().message());
        continue;
      }
      for (auto& r : *records) {
        // The digest the executing node computed from the real parameters.
        std::erase_if(r.attrs, [](const auto& kv) { return kv.first == "op-digest"; });
        if (!e->digest.empty()) r.attrs.emplace_back("op-digest", e->digest);
        std::erase_if(in_order, [&](const auto& x) { return x.first == r.id; });
        in_order.emplace_back(r.id, r.xml());
      }
    }
    for (const auto& [id, x] : in_order) lrm += x;
    lrm += "</lrm_resource>";
  }
  lrm += "</lrm_resources></lrm></node_state>";
  edits.push_back({false, "status", lrm});
  const std::uint64_t gen = dc.gen;
  log(LogLevel::kInfo, "event=join node=" + uname + " operations=" + std::to_string(ops.size()) +
                           (fresh ? " fresh=true" : ""));
  cib_write(std::move(edits), [this, gen, node, uname](Status st) {
    if (!dc_state_ || dc_state_->gen != gen) return;
    if (!st) {
      log(LogLevel::kError,
          "event=join-write-failed node=" + uname + " error=" + st.error().message());
      return;
    }
    if (std::binary_search(view_.begin(), view_.end(), node)) {
      dc_state_->joined.insert(node);
      Message m;
      m.type = MsgType::kJoined;
      m.target = node;
      (void)send_message(m);
    }
    mark_dirty("node " + uname + " joined");
  });
}

bool Controller::Impl::all_joined() const {
  for (NodeId n : view_) {
    if (!dc_state_->joined.count(n)) return false;
  }
  return true;
}

void Controller::Impl::dc_node_left(NodeId node) {
  Dc& dc = *dc_state_;
  dc.joined.erase(node);
  bool clean =
      dc.shutdown_ok.count(node) || (dc.attrs.count(node) && dc.attrs[node].count("shutdown"));
  log(LogLevel::kNotice, "event=node-left node=" + node_name(node) + (clean ? " clean=true" : ""));
  // Only a do_shutdown from this DC proves its resources are stopped.
  if (!dc.shutdown_ok.count(node) && env_.membership.is_member(node)) await_respawn(node);
  std::vector<CibEdit> edits;
  edits.push_back({false, "status", node_state_xml(node, false, "down", clean ? "down" : nullptr)});
  // A node that stays a member only lost its controller, which is coming
  // back: its fail counts stay. One that left or shut down cleanly starts
  // its next life without them.
  if (clean || !env_.membership.is_member(node)) forget_attrs(node, edits);
  dc.shutdown_ok.erase(node);
  // Actions in flight there will not report back.
  if (dc.runner && !dc.runner->finished()) {
    const std::string uuid = std::to_string(node);
    for (int id : dc.runner->in_flight()) {
      const transition::GraphAction* a = dc.runner->graph().find(id);
      if (a && a->on_node_uuid == uuid) {
        (void)dc.runner->confirm(id, transition::ActionOutcome::kFailed);
      }
    }
  }
  const std::uint64_t gen = dc.gen;
  cib_write(std::move(edits), [this, gen, node](Status) {
    if (!dc_state_ || dc_state_->gen != gen) return;
    mark_dirty("node " + node_name(node) + " left");
  });
}

void Controller::Impl::forget_attrs(NodeId node, std::vector<CibEdit>& edits) {
  edits.push_back({true, node_xpath(node) + "/transient_attributes", ""});
  dc_state_->attrs.erase(node);
}

void Controller::Impl::dc_membership(const cluster::MembershipChange& change) {
  if (!dc_state_) return;
  for (NodeId n : change.left) dc_state_->respawn_wait.erase(n);
  if (!dc_state_->ready) return;
  std::vector<CibEdit> edits;
  for (NodeId n : change.left) {
    forget_attrs(n, edits);
    edits.push_back({false, "status",
                     "<node_state id=\"" + std::to_string(n) + "\" uname=\"" + esc(node_name(n)) +
                         "\" in_ccm=\"false\" crm-debug-origin=\"" + kOrigin + "\"/>"});
  }
  for (NodeId n : change.joined) {
    edits.push_back({false, "status",
                     "<node_state id=\"" + std::to_string(n) + "\" uname=\"" + esc(node_name(n)) +
                         "\" in_ccm=\"true\" crm-debug-origin=\"" + kOrigin + "\"/>"});
  }
  if (edits.empty()) return;
  const std::uint64_t gen = dc_state_->gen;
  cib_write(std::move(edits), [this, gen](Status) {
    if (!dc_state_ || dc_state_->gen != gen) return;
    mark_dirty("membership changed");
  });
}

void Controller::Impl::dc_quorum(bool quorate) {
  if (!dc_state_ || !dc_state_->ready) return;
  const std::uint64_t gen = dc_state_->gen;
  cib_write({{false, "", std::string("<cib have-quorum=\"") + (quorate ? "1" : "0") + "\"/>"}},
            [this, gen](Status) {
              if (!dc_state_ || dc_state_->gen != gen) return;
              mark_dirty("quorum changed");
            });
}

void Controller::Impl::retake_dc() {
  lose_dc();
  become_dc();
  Message m;
  m.type = MsgType::kRejoin;
  (void)send_message(m);
}

void Controller::Impl::dc_cib_changed(const cibclient::CibChange& change) {
  if (!is_dc() || !dc_state_) return;
  if (change.op == cibd::CibOp::kReplace &&
      change.diff.find("full=\"true\"") != std::string::npos) {
    // The whole CIB was replaced (a resync after a merge, or an
    // administrator's replace): what the DC wrote may be gone. Take over
    // afresh and have every node join again, as Pacemaker's DC does.
    log(LogLevel::kNotice, "event=cib-replaced action=rejoin");
    retake_dc();
    return;
  }
  if (!dc_state_->ready) return;
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

// --- results and attributes -----------------------------------------------

std::vector<CibEdit> Controller::Impl::attr_edits(NodeId node, const std::string& name,
                                                  const std::optional<std::string>& value) const {
  const std::string uuid = std::to_string(node);
  const std::string nv_id = "status-" + uuid + "-" + name;
  if (!value) {
    return {{true,
             node_xpath(node) + "/transient_attributes/instance_attributes/nvpair[@name='" + name +
                 "']",
             ""}};
  }
  return {{false, "status",
           "<node_state id=\"" + uuid + "\"><transient_attributes id=\"" + uuid +
               "\"><instance_attributes id=\"status-" + uuid + "\"><nvpair id=\"" + esc(nv_id) +
               "\" name=\"" + esc(name) + "\" value=\"" + esc(*value) +
               "\"/></instance_attributes></transient_attributes></node_state>"}};
}

void Controller::Impl::dc_result(NodeId node, const OpEvent& e) {
  Dc& dc = *dc_state_;
  if (e.pending()) return;
  const std::string uname = node_name(node);
  const std::string uuid = std::to_string(node);
  std::vector<CibEdit> edits;
  if (e.cancelled()) {
    if (e.interval_ms > 0) {
      edits.push_back({true,
                       node_xpath(node) + "/lrm/lrm_resources/lrm_resource[@id='" + e.rsc +
                           "']/lrm_rsc_op[@id='" + e.op_key() + "']",
                       ""});
      cib_write(std::move(edits), {});
    }
    return;
  }
  // The action of the running graph this answers, if any.
  const transition::GraphAction* action = nullptr;
  if (dc.runner && !dc.runner->finished() && e.key_uuid() == dc.uuid &&
      e.transition_id() == dc.runner->graph().transition_id &&
      dc.runner->state(e.action_id()) == transition::ActionState::kInFlight) {
    action = dc.runner->graph().find(e.action_id());
    if (action && action->on_node_uuid != uuid) action = nullptr;
  }
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
    return;
  }
  if (!action) {
    for (auto& r : *records) {
      std::erase_if(r.attrs, [](const auto& kv) { return kv.first == "op-digest"; });
      if (!e.digest.empty()) r.attrs.emplace_back("op-digest", e.digest);
    }
  }
  static const transition::Graph kDefaultGraph;
  const transition::Graph& graph = action ? dc.runner->graph() : kDefaultGraph;
  auto cls = transition::classify(graph, act, result, env_.clock.wall_seconds());
  transition::ActionOutcome outcome = transition::ActionOutcome::kOk;
  bool expected = true;
  if (cls) {
    outcome = cls->outcome;
    expected = cls->expected || cls->ignored;
    for (const auto& u : cls->attr_updates) {
      std::string& slot = dc.attrs[node][u.name];
      slot = bump(slot, u.value);
      auto more = attr_edits(node, u.name, slot);
      edits.insert(edits.end(), more.begin(), more.end());
    }
  } else {
    log(LogLevel::kWarning,
        "event=unclassified op=" + e.op_key() + " error=" + cls.error().message());
    expected = false;
    outcome = transition::ActionOutcome::kFailed;
  }
  transition::GraphPrimitive prim =
      act.primitive ? *act.primitive
                    : transition::GraphPrimitive{e.rsc, e.rsc, e.cls, e.provider, e.type};
  if (transition::is_recordable(act)) {
    edits.insert(edits.begin(), {false, "status",
                                 transition::lrm_update_xml(
                                     uuid, uname, prim, *records, kOrigin,
                                     action ? transition::recorded_shutdown_lock(*action, result)
                                            : std::nullopt)});
  }
  log(expected ? LogLevel::kInfo : LogLevel::kWarning,
      "event=result node=" + uname + " op=" + e.op_key() + " rc=" + std::to_string(e.rc) +
          " status=" + std::to_string(e.op_status) + (expected ? "" : " unexpected=true") +
          (action ? " action=" + std::to_string(action->id) : ""));
  const std::uint64_t gen = dc.gen;
  const int action_id = action ? action->id : -1;
  const int transition_id = action ? graph.transition_id : -1;
  const bool recurring = e.interval_ms > 0;
  cib_write(std::move(edits), [this, gen, action_id, transition_id, outcome, expected, recurring,
                               key = e.op_key()](Status st) {
    if (!dc_state_ || dc_state_->gen != gen) return;
    if (!st)
      log(LogLevel::kError,
          "event=result-write-failed op=" + key + " error=" + st.error().message());
    if (action_id >= 0) {
      Dc& d = *dc_state_;
      if (d.runner && !d.runner->finished() && d.runner->graph().transition_id == transition_id) {
        (void)d.runner->confirm(action_id, st ? outcome : transition::ActionOutcome::kFailed);
      }
      return;
    }
    if (!expected) {
      mark_dirty("unexpected result " + key);
    } else if (!recurring) {
      mark_dirty("result " + key + " from outside the current transition");
    }
  });
}

void Controller::Impl::dc_attr(NodeId node, const std::string& name,
                               const std::optional<std::string>& value) {
  Dc& dc = *dc_state_;
  if (!env_.membership.nodes().find(node)) {
    log(LogLevel::kWarning,
        "event=attr-refused node=" + std::to_string(node) + " reason=unknown-node");
    return;
  }
  auto& table = dc.attrs[node];
  auto it = table.find(name);
  if (value ? (it != table.end() && it->second == *value) : it == table.end()) return;
  if (value) {
    table[name] = *value;
  } else {
    table.erase(name);
  }
  log(LogLevel::kInfo, "event=attr node=" + node_name(node) + " name=" + name +
                           (value ? " value=" + *value : std::string(" deleted")));
  const std::uint64_t gen = dc.gen;
  cib_write(attr_edits(node, name, value), [this, gen, name](Status) {
    if (!dc_state_ || dc_state_->gen != gen) return;
    mark_dirty("attribute " + name);
  });
}

void Controller::Impl::dc_cleanup(const std::string& rsc, const std::string& node) {
  Dc& dc = *dc_state_;
  std::vector<NodeId> targets;
  if (node.empty()) {
    for (const auto& n : env_.membership.nodes().nodes()) targets.push_back(n.id);
  } else if (auto id = node_id_of(node)) {
    targets.push_back(*id);
  } else {
    log(LogLevel::kWarning, "event=cleanup-refused node=" + node + " reason=unknown-node");
    return;
  }
  std::vector<CibEdit> edits;
  for (NodeId n : targets) {
    edits.push_back(
        {true, node_xpath(n) + "/lrm/lrm_resources/lrm_resource[@id='" + rsc + "']", ""});
    auto& table = dc.attrs[n];
    for (auto it = table.begin(); it != table.end();) {
      if (is_failure_attr_of(it->first, rsc)) {
        auto more = attr_edits(n, it->first, std::nullopt);
        edits.insert(edits.end(), more.begin(), more.end());
        it = table.erase(it);
      } else {
        ++it;
      }
    }
    if (std::binary_search(view_.begin(), view_.end(), n)) {
      Message m;
      m.type = MsgType::kForget;
      m.target = n;
      m.rsc = rsc;
      (void)send_message(m);
    }
  }
  log(LogLevel::kInfo, "event=cleanup rsc=" + rsc + " node=" + (node.empty() ? "all" : node));
  const std::uint64_t gen = dc.gen;
  cib_write(std::move(edits), [this, gen, rsc](Status) {
    if (!dc_state_ || dc_state_->gen != gen) return;
    mark_dirty("cleanup of " + rsc);
  });
}

// --- CIB writes and the scheduling loop -----------------------------------

void Controller::Impl::cib_write(std::vector<CibEdit> edits, std::function<void(Status)> then) {
  if (!dc_state_) return;
  if (edits.empty()) {
    if (then) then(ok_status());
    return;
  }
  Dc& dc = *dc_state_;
  ++dc.writes;
  struct Batch {
    std::size_t remaining;
    std::optional<Error> error;
    std::function<void(Status)> then;
    std::uint64_t gen;
  };
  auto batch = std::make_shared<Batch>(Batch{edits.size(), std::nullopt, std::move(then), dc.gen});
  auto one_done = guarded([this, batch](Result<cibclient::CibReply> r) {
    if (!r && !batch->error) batch->error = r.error();
    if (--batch->remaining > 0) return;
    const bool current = dc_state_ && dc_state_->gen == batch->gen;
    if (current) --dc_state_->writes;
    if (batch->error)
      log(LogLevel::kError, "event=cib-write-failed error=" + batch->error->message());
    if (batch->then) {
      batch->then(batch->error ? Status(*batch->error) : ok_status());
    }
    if (current) maybe_schedule();
  });
  cibclient::UpdateOptions create;
  create.allow_create = true;
  for (auto& e : edits) {
    if (e.remove) {
      env_.cib.remove(e.scope, one_done);
    } else {
      env_.cib.modify(e.scope, e.xml, one_done, create);
    }
  }
}

void Controller::Impl::mark_dirty(const std::string& why) {
  if (!dc_state_) return;
  Dc& dc = *dc_state_;
  if (!dc.dirty) log(LogLevel::kDebug, "event=reschedule reason=\"" + why + "\"");
  dc.dirty = true;
  dc.fruitless = 0;
  if (dc.runner && !dc.runner->finished()) dc.runner->abort(transition::kInfinity, why);
  maybe_schedule();
}

void Controller::Impl::maybe_schedule() {
  if (!is_dc() || !dc_state_) return;
  Dc& dc = *dc_state_;
  if (!dc.ready || !dc.dirty || dc.computing || dc.writes > 0) return;
  if (dc.runner && !dc.runner->finished()) return;
  if (!all_joined()) return;
  if (shutdown_finished_) return;
  if (startup_wait() || respawn_wait()) return;
  compute();
}

void Controller::Impl::await_respawn(NodeId node) {
  if (options_.respawn_grace.count() <= 0) return;
  dc_state_->respawn_wait[node] = env_.clock.now() + options_.respawn_grace;
  log(LogLevel::kNotice, "event=await-respawn node=" + node_name(node) +
                             " reason=\"its controller left but the node is still a member\" for=" +
                             std::to_string(options_.respawn_grace.count()) + "ms");
}

bool Controller::Impl::respawn_wait() {
  // The controller of a node that is still in the membership went away
  // (crashed, restarted by vigild): its resources are still running there.
  // Without fencing the scheduler would take that node for down and start
  // them elsewhere; wait (bounded) for the controller to come back first.
  Dc& dc = *dc_state_;
  const TimePoint now = env_.clock.now();
  TimePoint until{};
  for (auto it = dc.respawn_wait.begin(); it != dc.respawn_wait.end();) {
    if (it->second <= now || !env_.membership.is_member(it->first)) {
      if (it->second <= now) {
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
  const std::uint64_t gen = dc.gen;
  dc.respawn_timer = env_.clock.start_timer(
      std::chrono::duration_cast<Duration>(until - now) + Duration(1), guarded([this, gen] {
        if (dc_state_ && dc_state_->gen == gen) maybe_schedule();
      }));
  return true;
}

bool Controller::Impl::view_complete() const {
  for (const auto& n : env_.membership.nodes().nodes()) {
    if (!std::binary_search(view_.begin(), view_.end(), n.id)) return false;
  }
  return true;
}

bool Controller::Impl::startup_wait() {
  // A controller that just started and sees only part of the configured
  // nodes may be a node that booted before Corosync merged it with the
  // others: it waits up to dc-deadtime for them before deciding anything
  // (Pacemaker's start-up election timeout), so that a rebooting node does
  // not start resources that run elsewhere.
  // Once this controller has been part of the whole cluster (or joined by
  // another DC), a later takeover is immediate.
  Dc& dc = *dc_state_;
  const TimePoint until = started_at_ + dc.dc_deadtime;
  if (startup_done_ || view_complete() || env_.clock.now() >= until) {
    startup_done_ = true;
    dc.hold.reset();
    return false;
  }
  if (!dc.hold) {
    const auto left = std::chrono::duration_cast<Duration>(until - env_.clock.now());
    log(LogLevel::kNotice, "event=startup-wait reason=\"not every node is in the group yet\" for=" +
                               std::to_string(left.count()) + "ms");
    const std::uint64_t gen = dc.gen;
    dc.hold = env_.clock.start_timer(left, guarded([this, gen] {
                                       if (dc_state_ && dc_state_->gen == gen) maybe_schedule();
                                     }));
  }
  return true;
}

void Controller::Impl::compute() {
  Dc& dc = *dc_state_;
  dc.computing = true;
  dc.dirty = false;
  ++scheduler_runs_;
  const std::uint64_t gen = dc.gen;
  auto retry_later = [this, gen](const Error& e) {
    log(LogLevel::kError, "event=schedule-failed error=\"" + e.message() + "\"");
    if (!dc_state_ || dc_state_->gen != gen) return;
    // A CIB the scheduler refuses stays refused until it changes (which
    // re-runs the scheduler anyway); only a transport failure is retried.
    if (e.code() != ErrorCode::kIo && e.code() != ErrorCode::kInternal) return;
    dc_state_->retry = env_.clock.start_timer(std::chrono::seconds(2), guarded([this, gen] {
                                                if (dc_state_ && dc_state_->gen == gen)
                                                  mark_dirty("retry after a scheduler failure");
                                              }));
  };
  env_.cib.query(
      "", guarded([this, gen, retry_later](Result<cibclient::CibReply> reply) {
        if (!dc_state_ || dc_state_->gen != gen) return;
        if (!reply) {
          dc_state_->computing = false;
          retry_later(reply.error().with_context("CIB query"));
          return;
        }
        dc_state_->recheck_interval =
            cluster_interval_of(reply->xml, "cluster-recheck-interval", options_.recheck_interval);
        pengined::ComputeRequest req;
        req.cib_xml = std::move(reply->xml);
        req.transition_id = next_transition_++;
        req.now = env_.clock.wall_seconds();
        env_.scheduler.compute(
            std::move(req), guarded([this, gen, retry_later](Result<pengined::ComputeResult> r) {
              if (!dc_state_ || dc_state_->gen != gen) return;
              Dc& d = *dc_state_;
              d.computing = false;
              if (!r) {
                retry_later(r.error().with_context("scheduler"));
                return;
              }
              if (d.dirty) {
                // Something changed while it ran: that answer is already stale.
                maybe_schedule();
                return;
              }
              auto graph = transition::parse_graph(r->graph_xml);
              if (!graph) {
                retry_later(graph.error().with_context("transition graph"));
                return;
              }
              arm_recheck(r->recheck_by);
              log(LogLevel::kInfo,
                  "event=transition-start id=" + std::to_string(graph->transition_id) +
                      " actions=" + std::to_string(graph->size()) +
                      (r->input_name.empty() ? "" : " input=" + r->input_name));
              start_transition(std::move(*graph));
            }));
      }));
}

void Controller::Impl::arm_recheck(std::int64_t recheck_by) {
  Duration delay = dc_state_->recheck_interval;
  if (recheck_by > 0) {
    std::int64_t s = recheck_by - env_.clock.wall_seconds();
    delay = std::min(delay, Duration(std::max<std::int64_t>(0, s) * 1000));
  }
  if (delay.count() <= 0) {
    // cluster-recheck-interval=0: only the scheduler's own recheck-by.
    if (recheck_by <= 0) {
      dc_state_->recheck.reset();
      return;
    }
    delay = Duration(std::max<std::int64_t>(0, recheck_by - env_.clock.wall_seconds()) * 1000);
  }
  const std::uint64_t gen = dc_state_->gen;
  dc_state_->recheck = env_.clock.start_timer(delay, guarded([this, gen] {
                                                if (dc_state_ && dc_state_->gen == gen)
                                                  mark_dirty("recheck timer");
                                              }));
}

void Controller::Impl::start_transition(transition::Graph graph) {
  Dc& dc = *dc_state_;
  last_transition_ = graph.transition_id;
  const std::uint64_t gen = dc.gen;
  dc.fence_failed = false;
  dc.runner = std::make_unique<transition::Runner>(
      std::move(graph), env_.clock, *this, guarded([this, gen](const transition::RunSummary& s) {
        if (!dc_state_ || dc_state_->gen != gen) return;
        transition_done(s);
      }));
  dc.runner->start();
}

void Controller::Impl::transition_done(const transition::RunSummary& s) {
  Dc& dc = *dc_state_;
  ++transitions_completed_;
  log(s.result == transition::GraphResult::kComplete ? LogLevel::kInfo : LogLevel::kNotice,
      "event=transition-done id=" + std::to_string(last_transition_) + " status=" + s.status_text +
          " completed=" + std::to_string(s.completed) + " failed=" + std::to_string(s.failed) +
          (s.abort_reason.empty() ? "" : " reason=\"" + s.abort_reason + "\""));
  if (dc.leave_when_done) {
    // Not from inside the Runner's callback: leaving destroys the Runner.
    dc.retry = env_.clock.start_timer(Duration(0), guarded([this, gen = dc.gen] {
                                        if (dc_state_ && dc_state_->gen == gen)
                                          finish_shutdown("the DC's last transition is over");
                                      }));
    return;
  }
  if (s.result != transition::GraphResult::kComplete || s.abort_requested) {
    if (dc.fence_failed) {
      // Re-running would only ask for the same fencing again: wait for a
      // change (or the recheck timer) instead of spinning.
      log(LogLevel::kError, "event=transition-blocked reason=\"fencing is not available\"");
    } else if (s.completed == 0 && s.failed > 0 && ++dc.fruitless >= kMaxFruitlessTransitions) {
      log(LogLevel::kError, "event=transition-blocked reason=\"" +
                                std::to_string(kMaxFruitlessTransitions) +
                                " transitions in a row failed without progress\"");
    } else {
      dc.dirty = true;
    }
  }
  // maybe_schedule() runs from the next CIB acknowledgement or right now.
  if (dc.dirty && dc.writes == 0) {
    // Not from inside the Runner's own callback: it may still be on the stack.
    dc.retry = env_.clock.start_timer(Duration(0), guarded([this, gen = dc.gen] {
                                        if (dc_state_ && dc_state_->gen == gen) maybe_schedule();
                                      }));
  }
}

// --- the ActionSink -----------------------------------------------------------

Status Controller::Impl::execute_rsc_op(const transition::GraphAction& action) {
  Dc& dc = *dc_state_;
  NodeId target = cluster::kNoNode;
  if (!action.on_node_uuid.empty() &&
      action.on_node_uuid.find_first_not_of("0123456789") == std::string::npos) {
    target = static_cast<NodeId>(std::strtoul(action.on_node_uuid.c_str(), nullptr, 10));
  } else if (auto id = node_id_of(action.on_node)) {
    target = *id;
  }
  if (target == cluster::kNoNode || !std::binary_search(view_.begin(), view_.end(), target)) {
    return Error(ErrorCode::kNotFound,
                 "node " + action.on_node + " has no controller in the cluster group");
  }
  if (!action.primitive)
    return Error(ErrorCode::kInvalidInput, "resource action without a primitive");
  const transition::GraphPrimitive& p = *action.primitive;
  ExecSpec spec;
  spec.rsc = p.id;
  spec.cls = p.cls;
  spec.provider = p.provider;
  spec.type = p.type;
  spec.task = action.operation;
  spec.interval_ms = action.interval_ms;
  if (const std::string* t = action.meta("timeout")) spec.timeout_ms = std::atoll(t->c_str());
  if (const std::string* d = action.meta("start_delay"))
    spec.start_delay_ms = std::atoll(d->c_str());
  for (const auto& [k, v] : action.attributes) spec.params[k] = v;
  if (action.operation == "cancel") {
    const std::string* op = action.meta("operation");
    spec.task = op ? *op : "monitor";
    Message m;
    m.type = MsgType::kCancel;
    m.target = target;
    m.exec = spec;
    if (auto st = send_message(m); !st) return st;
    (void)dc.runner->confirm(action.id, transition::ActionOutcome::kOk);
    return ok_status();
  }
  spec.key = transition::encode_transition_key(
      {action.id, dc.runner->graph().transition_id, action.target_rc, dc.uuid});
  spec.digest = transition::op_digest(action);
  if (target == self_) {
    run_locally(spec);
    return ok_status();
  }
  Message m;
  m.type = MsgType::kExec;
  m.target = target;
  m.exec = std::move(spec);
  return send_message(m);
}

Status Controller::Impl::execute_cluster_event(const transition::GraphAction& action) {
  Dc& dc = *dc_state_;
  std::optional<NodeId> target;
  if (!action.on_node_uuid.empty() &&
      action.on_node_uuid.find_first_not_of("0123456789") == std::string::npos) {
    target = static_cast<NodeId>(std::strtoul(action.on_node_uuid.c_str(), nullptr, 10));
  } else {
    target = node_id_of(action.on_node);
  }
  if (!target)
    return Error(ErrorCode::kNotFound, "cluster event on unknown node " + action.on_node);
  const NodeId node = *target;
  const std::uint64_t gen = dc.gen;
  const int id = action.id;
  const int tid = dc.runner->graph().transition_id;
  auto confirm_after = [this, gen, id, tid](Status st) {
    if (!dc_state_ || dc_state_->gen != gen) return;
    Dc& d = *dc_state_;
    if (d.runner && !d.runner->finished() && d.runner->graph().transition_id == tid) {
      (void)d.runner->confirm(
          id, st ? transition::ActionOutcome::kOk : transition::ActionOutcome::kFailed);
    }
  };
  if (action.operation == "do_shutdown") {
    dc.shutdown_ok.insert(node);
    Message m;
    m.type = MsgType::kShutdown;
    m.target = node;
    log(LogLevel::kNotice, "event=do_shutdown node=" + node_name(node));
    if (auto st = send_message(m); !st) return st;
    (void)dc.runner->confirm(id, transition::ActionOutcome::kOk);
    return ok_status();
  }
  if (action.operation == "clear_failcount") {
    if (!action.primitive)
      return Error(ErrorCode::kInvalidInput, "clear_failcount without a resource");
    const std::string rsc = action.primitive->id;
    std::vector<CibEdit> edits;
    auto& table = dc.attrs[node];
    for (auto it = table.begin(); it != table.end();) {
      if (is_failure_attr_of(it->first, rsc)) {
        auto more = attr_edits(node, it->first, std::nullopt);
        edits.insert(edits.end(), more.begin(), more.end());
        it = table.erase(it);
      } else {
        ++it;
      }
    }
    cib_write(std::move(edits), confirm_after);
    return ok_status();
  }
  if (action.operation == "lrm_delete" || action.operation == "delete") {
    if (!action.primitive) return Error(ErrorCode::kInvalidInput, "lrm_delete without a resource");
    const std::string rsc = action.primitive->id;
    if (std::binary_search(view_.begin(), view_.end(), node)) {
      Message m;
      m.type = MsgType::kForget;
      m.target = node;
      m.rsc = rsc;
      (void)send_message(m);
    }
    cib_write({{true, node_xpath(node) + "/lrm/lrm_resources/lrm_resource[@id='" + rsc + "']", ""}},
              confirm_after);
    return ok_status();
  }
  return Error(ErrorCode::kUnsupported,
               "cluster event '" + action.operation + "' is not supported by vigil-crmd");
}

Status Controller::Impl::execute_fence(const transition::GraphAction& action) {
  dc_state_->fence_failed = true;
  std::string msg = "fencing is not available: vigil-stonithd is not implemented (cannot fence " +
                    action.on_node + ")";
  log(LogLevel::kError, "event=fence-failed node=" + action.on_node + " error=\"" + msg + "\"");
  return Error(ErrorCode::kUnsupported, msg);
}

void Controller::Impl::action_timed_out(const transition::GraphAction& action) {
  log(LogLevel::kError, "event=action-timeout action=" + std::to_string(action.id) +
                            " op=" + action.operation_key + " node=" + action.on_node);
  if (action.kind != transition::ActionKind::kRscOp || !action.primitive) return;
  if (!transition::is_recordable(action)) return;
  const transition::OpResult r =
      transition::lost_result(action, env_.clock.wall_seconds(), node_name(self_));
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
