// SPDX-License-Identifier: GPL-2.0-or-later
// Pacemaker Remote nodes, guest nodes and containers: how they are made from
// the configuration, what the status section says of them, and how actions
// on them are ordered relative to their connection (Pacemaker's
// lib/pengine/unpack.c and remote.c, lib/pacemaker/pcmk_sched_remote.c).
#include "remote.hpp"

#include <strings.h>

#include <algorithm>
#include <unordered_set>

#include "bundle.hpp"
#include "internal.hpp"

namespace vigil::pengine {

namespace {

bool same_text(const std::string& a, const char* b) {
  return strcasecmp(a.c_str(), b) == 0;
}

}  // namespace

bool is_guest_node(const Node* node) {
  return node && node->is_pcmk_remote() && node->remote_rsc && node->remote_rsc->container;
}

bool is_remote_only_node(const Node* node) {
  return node && node->is_pcmk_remote() && (!node->remote_rsc || !node->remote_rsc->container);
}

bool is_remote_agent(const Resource* rsc) {
  return rsc->is_primitive() && same_text(rsc->cls, "ocf") &&
         same_text(rsc->provider, "pacemaker") && same_text(rsc->type, "remote");
}

Resource* guest_connection_in(const WorkingSet& ws, const Resource* rsc) {
  if (!rsc || !ws.have_remote_nodes) return nullptr;
  for (Resource* f : rsc->fillers) {
    if (f->is_remote_node) return f;
  }
  return nullptr;
}

// ---------------------------------------------------------------- unpacking

cib::OpConfig connection_op(const std::string& rsc, const char* task, const char* interval,
                            std::int64_t interval_ms, const std::string& timeout) {
  cib::OpConfig op;
  op.id = rsc + "-" + task + "-interval-" + interval;
  op.name = task;
  op.interval_ms = interval_ms;
  op.attrs = {{"id", op.id}, {"name", task}, {"interval", interval}};
  if (!timeout.empty()) op.attrs.emplace("timeout", timeout);
  return op;
}

namespace {

bool is_remote_config(const cib::ResourceConfig& rc) {
  return rc.kind == cib::RscKind::kPrimitive && same_text(rc.cls, "ocf") &&
         same_text(rc.provider, "pacemaker") && same_text(rc.type, "remote");
}

// The connection resource a remote-node meta attribute implies; null when
// the primitive has none.
std::unique_ptr<cib::ResourceConfig> guest_connection_config(const cib::ResourceConfig& rc) {
  const std::string *name = nullptr, *server = nullptr, *port = nullptr, *migrate = nullptr,
                    *managed = nullptr;
  std::string timeout = "60s";
  for (const auto& set : rc.meta_sets) {
    for (const auto& [k, v] : set.pairs) {
      if (same_text(k, "remote-node")) {
        name = &v;
      } else if (same_text(k, "remote-addr")) {
        server = &v;
      } else if (same_text(k, "remote-port")) {
        port = &v;
      } else if (same_text(k, "remote-connect-timeout")) {
        timeout = v;
      } else if (same_text(k, "remote-allow-migrate")) {
        migrate = &v;
      } else if (same_text(k, "is-managed")) {
        managed = &v;
      }
    }
  }
  if (!name || name->empty()) return nullptr;
  auto c = std::make_unique<cib::ResourceConfig>();
  c->id = *name;
  c->kind = cib::RscKind::kPrimitive;
  c->cls = "ocf";
  c->provider = "pacemaker";
  c->type = "remote";
  c->attrs = {{"id", *name}, {"class", "ocf"}, {"provider", "pacemaker"}, {"type", "remote"}};
  rules::NvSet meta;
  meta.id = *name + "-meta_attributes";
  meta.pairs.emplace_back("internal-rsc", "true");
  meta.pairs.emplace_back("container", rc.id);
  if (migrate) meta.pairs.emplace_back("allow-migrate", *migrate);
  if (managed) meta.pairs.emplace_back("is-managed", *managed);
  c->meta_sets.push_back(std::move(meta));
  if (server || port) {
    rules::NvSet inst;
    inst.id = *name + "-instance_attributes";
    if (server) inst.pairs.emplace_back("addr", *server);
    if (port) inst.pairs.emplace_back("port", *port);
    c->instance_sets.push_back(std::move(inst));
  }
  c->ops.push_back(connection_op(*name, "monitor", "30s", 30000, "30s"));
  c->ops.push_back(connection_op(*name, "start", "0", 0, timeout));
  return c;
}

}  // namespace

namespace {

// Ids of the remote connections that only the status section knows of (with
// some history): each is an orphaned connection whose node exists too.
std::vector<std::string> orphan_connection_ids(const WorkingSet& ws) {
  std::unordered_set<std::string> configured;
  std::vector<const cib::ResourceConfig*> todo;
  for (const auto& rc : ws.cib.resources) todo.push_back(rc.get());
  while (!todo.empty()) {
    const cib::ResourceConfig* rc = todo.back();
    todo.pop_back();
    configured.insert(rc->id);
    for (const auto& ch : rc->children) todo.push_back(ch.get());
  }
  for (const auto& conn : ws.guest_connections) configured.insert(conn->id);
  for (const auto& name : ws.bundle_node_names) configured.insert(name);  // a replica's connection
  std::vector<std::string> out;
  for (const auto& st : ws.cib.node_states) {
    for (const auto& h : st.resources) {
      if (h.ops.empty() || h.id.empty() || configured.count(h.id) || !same_text(h.cls, "ocf") ||
          !same_text(h.provider, "pacemaker") || !same_text(h.type, "remote")) {
        continue;
      }
      out.push_back(h.id);
    }
  }
  return out;
}

}  // namespace

const std::vector<std::unique_ptr<cib::NodeConfig>>& remote_node_configs(WorkingSet& ws) {
  auto& out = ws.remote_node_configs;
  out.clear();
  ws.guest_connections.clear();
  ws.bundle_node_names.clear();
  std::unordered_set<std::string> known;
  for (const auto& nc : ws.cib.nodes) known.insert(nc.uname);
  auto add = [&](const std::string& name) {
    if (name.empty() || !known.insert(name).second) return;
    auto nc = std::make_unique<cib::NodeConfig>();
    nc->id = name;
    nc->uname = name;
    nc->type = "remote";
    out.push_back(std::move(nc));
  };
  // Top-level remote primitives make remote nodes; remote-node meta of a
  // top-level primitive or a group member makes a guest node (clones cannot
  // hold guests).
  for (const auto& rc : ws.cib.resources) {
    if (is_remote_config(*rc)) {
      add(rc->id);
      continue;
    }
    for (const auto& name : bundle_node_names(*rc)) {  // bundle_unpack.cpp
      add(name);
      ws.bundle_node_names.push_back(name);
    }
    std::vector<const cib::ResourceConfig*> candidates;
    if (rc->kind == cib::RscKind::kPrimitive) {
      candidates.push_back(rc.get());
    } else if (rc->kind == cib::RscKind::kGroup) {
      for (const auto& ch : rc->children) candidates.push_back(ch.get());
    }
    for (const auto* cand : candidates) {
      auto conn = guest_connection_config(*cand);
      if (!conn) continue;
      add(conn->id);
      ws.guest_connections.push_back(std::move(conn));
    }
  }
  // A connection known only from the status section (an orphan) has its
  // node too: it is shut down.
  for (const auto& id : orphan_connection_ids(ws)) add(id);
  return out;
}

void unpack_remote_meta(WorkingSet& ws, Resource* rsc) {
  if (!is_remote_agent(rsc)) return;
  rsc->is_remote_node = true;
  bool guest = lookup(rsc->meta, "container") != nullptr;
  if (!guest && !lookup(rsc->meta, "allow-migrate")) rsc->set(kRscAllowMigrate);
  if (guest) return;
  // Evaluated once, without a node: node-attribute rules do not apply.
  AttrMap params = rsc_params(ws, rsc, nullptr);
  if (auto v = lookup(params, "reconnect_interval")) {
    rsc->remote_reconnect_ms = parse_interval_ms(*v).value_or(0);
    rsc->failure_timeout_s = rsc->remote_reconnect_ms / 1000;
  }
}

namespace {

void setup_container(WorkingSet& ws, Resource* rsc) {
  if (!rsc->children.empty()) {
    for (Resource* c : rsc->children) setup_container(ws, c);
    return;
  }
  auto id = lookup(rsc->meta, "container");
  if (!id || strcasecmp(id->c_str(), rsc->id.c_str()) == 0) return;
  Resource* container = ws.find_rsc(*id);
  if (!container) {
    ws.warnings.push_back("Resource " + rsc->id + ": Unknown resource container (" + *id + ")");
    return;
  }
  rsc->container = container;
  container->fillers.push_back(rsc);
}

// All nodes are unclean until their state is seen, when startup fencing is on.
void handle_startup_fencing(WorkingSet& ws, Node* node) {
  node->unclean = ws.config.startup_fencing;
  node->unseen = true;
}

}  // namespace

void link_remote_resources(WorkingSet& ws) {
  for (auto& n : ws.nodes) {
    if (!n->is_pcmk_remote()) continue;
    ws.have_remote_nodes = true;
    // A remote node entry without a connection is neither fenced nor waited for.
    n->unclean = false;
    n->unseen = false;
  }
  for (Resource* rsc : ws.resources) setup_container(ws, rsc);
  for (Resource* rsc : ws.resources) {
    if (!rsc->is_remote_node) continue;
    Node* node = ws.find_node(rsc->id);
    if (!node) continue;
    node->remote_rsc = rsc;
    if (!rsc->container) {
      handle_startup_fencing(ws, node);
    } else {
      node->attrs["#kind"] = "container";
      // A guest connection may run wherever its container allows.
      if (!ws.config.symmetric) {
        resource_location(ws, rsc, nullptr, 0, {ScoreSource::kRemoteConnection, -1, 0});
      }
    }
  }
}

void note_remote_node_state(Node* node, const cib::NodeState& st) {
  node->remote_was_fenced = st.remote_fenced;
}

bool remote_history_ready(const WorkingSet& ws, const Node* node) {
  const Resource* rsc = node->remote_rsc;
  if (is_guest_node(node)) {
    return rsc->role == Role::kStarted && rsc->container->role == Role::kStarted;
  }
  if (!rsc) return false;
  return ws.config.shutdown_lock || rsc->role == Role::kStarted;
}

namespace {

void determine_remote_online_status(Node* node) {
  Resource* rsc = node->remote_rsc;
  if (!rsc) {
    node->online = false;
    return;
  }
  Resource* container = rsc->container;
  Node* host = (container && rsc->running_on.size() == 1) ? rsc->running_on.front() : nullptr;
  if (rsc->role == Role::kStarted) node->online = true;
  if (rsc->role == Role::kStarted && rsc->next_role == Role::kStopped) node->shutdown = true;
  if (container && container->is(kRscFailed)) {
    node->online = false;
    node->remote_requires_reset = true;
  } else if (rsc->is(kRscFailed)) {
    node->online = false;
  } else if (rsc->role == Role::kStopped || (container && container->role == Role::kStopped)) {
    node->online = false;
    node->remote_requires_reset = false;
  } else if (host && !host->online && host->unclean) {
    node->online = false;
    node->remote_requires_reset = true;
  }
}

bool shutdown_requested(const Node* node) {
  auto v = node_attr(node, "shutdown");
  return v && !v->empty() && *v != "0";
}

}  // namespace

void unpack_remote_node_state(WorkingSet& ws, Node* node, const cib::NodeState& st) {
  determine_remote_online_status(node);
  node->remote_maintenance = st.remote_maintenance;
  if (!node->remote_requires_reset) {
    node->unclean = false;
    node->unseen = false;
  }
  rules::RuleInput in;
  in.node_attrs = &node->attrs;
  in.now = ws.options.now;
  in.next_change = &ws.rules_change;
  rules::apply_nvsets(st.transient_sets, in, node->attrs, true);
  if (shutdown_requested(node)) node->shutdown = true;
  if (is_true(node_attr(node, "standby"))) node->standby = true;
  if (is_true(node_attr(node, "maintenance")) ||
      (node->remote_rsc && !node->remote_rsc->is(kRscManaged))) {
    node->maintenance = true;
  }
  auto discovery = node_attr(node, "resource-discovery-enabled");
  if (discovery && !is_true(*discovery)) {
    if (is_remote_only_node(node) && !ws.config.stonith_enabled) {
      ws.warnings.push_back(
          "Ignoring resource-discovery-enabled attribute on Pacemaker Remote node " + node->uname +
          " because fencing is disabled");
    } else {
      node->rsc_discovery_enabled = false;
    }
  }
}

void finish_remote_status(WorkingSet& ws) {
  schedule_bundle_stops_needed(ws);  // bundle_unpack.cpp
  for (auto& n : ws.nodes) {
    Node* node = n.get();
    if (!node->is_pcmk_remote()) continue;
    if (node->shutdown && node->remote_rsc) node->remote_rsc->next_role = Role::kStopped;
    if (!node->unpacked) determine_remote_online_status(node);
  }
}

void mark_orphan_connection_nodes(WorkingSet& ws) {
  for (const auto& id : orphan_connection_ids(ws)) {
    Node* node = ws.find_node(id);
    if (node && node->is_pcmk_remote()) node->orphan_connection_pending = true;
  }
}

void link_orphan_resource(WorkingSet& ws, Resource* rsc, const cib::ResourceHistory& h) {
  if (rsc->is_remote_node) {
    if (Node* node = ws.find_node(rsc->id)) {
      node->orphan_connection_pending = false;  // the node "exists" from here on
      node->remote_rsc = rsc;
      handle_startup_fencing(ws, node);
      node->shutdown = true;
    }
  }
  if (!h.container.empty()) rsc->orphan_container_filler = true;
}

void map_orphaned_fillers(WorkingSet& ws, const std::vector<cib::ResourceHistory>& histories) {
  for (const auto& h : histories) {
    if (h.container.empty()) continue;
    Resource* container = ws.find_rsc(h.container);
    Resource* rsc = ws.find_rsc(h.id);
    if (!container || !rsc || !rsc->orphan_container_filler || rsc->container) continue;
    rsc->container = container;
    container->fillers.push_back(rsc);
  }
}

bool remote_active_on_down_node(WorkingSet& ws, Resource* rsc, Node* node) {
  if (!node->is_pcmk_remote()) return false;
  if (is_guest_node(node)) {
    // Its recovery is the container's: the resource is failed here.
    rsc->set(kRscFailed | kRscStop);
    pe_fence_node(ws, node, rsc->id + " is thought to be active there", false);
    return true;
  }
  if (!ws.config.stonith_enabled) return true;
  std::string reason = rsc->id + " is thought to be active there";
  if (node->remote_rsc && !node->remote_rsc->is(kRscFailed)) {
    // Fencing is revoked if the connection can be re-established elsewhere.
    node->unseen = true;
    reason = rsc->id +
             " is active there (fencing will be revoked if remote connection can be "
             "re-established elsewhere)";
  }
  pe_fence_node(ws, node, reason, false);
  return true;
}

void remote_on_fail(WorkingSet& ws, Resource* rsc, Node* node, OnFail on_fail) {
  rsc->set(kRscFailed | kRscStop);
  if (on_fail == OnFail::kRestartContainer) {
    if (rsc->container && parent_bundle(rsc)) {
      // A bundle's connection may run elsewhere than its container: the
      // container stops where it turns out to be (bundle_unpack.cpp).
      bundle_stop_needed(rsc->container);
    } else if (rsc->container) {
      stop_action(ws, rsc->container, node, false);
    } else if (rsc->role != Role::kStopped && rsc->role != Role::kUnknown) {
      stop_action(ws, rsc, node, false);
    }
    return;
  }
  if (ws.config.stonith_enabled) {
    Node* remote = rsc->is_remote_node ? ws.find_node(rsc->id) : nullptr;
    if (remote && is_remote_only_node(remote) && !remote->remote_was_fenced) {
      pe_fence_node(ws, remote, "remote connection is unrecoverable", false);
    }
  }
  if (rsc->role > Role::kStopped) stop_action(ws, rsc, node, false);
  // With a reconnect interval, the connection stays down until its failure
  // is cleared.
  if (rsc->remote_reconnect_ms > 0) rsc->next_role = Role::kStopped;
}

void remote_after_failure(WorkingSet& ws, Resource* rsc) {
  if (!rsc->is(kRscFailed) || !rsc->is_remote_node) return;
  Node* remote = ws.find_node(rsc->id);
  if (remote && remote->unclean) remote->unseen = false;
}

bool remote_keeps_failure(const WorkingSet& ws, const Resource* rsc, const cib::OpHistory& op) {
  if (rsc->remote_reconnect_ms == 0 || !ws.config.stonith_enabled) return false;
  if (op.interval_ms == 0 || op.task != "monitor") return false;
  const Node* remote = ws.find_node(rsc->id);
  return remote && !remote->remote_was_fenced;
}

void order_clear_after_remote_fencing(WorkingSet& ws, Resource* rsc, Action* clear) {
  if (!ws.config.stonith_enabled || rsc->remote_reconnect_ms == 0) return;
  if (Node* remote = ws.find_node(rsc->id)) {
    Action* fence = fence_op(ws, remote, "", true, "", false);
    order_actions(ws, fence, clear, kOrderImpliesThen);
  }
}

// ---------------------------------------------------------------- actions

bool remote_on_fail_default(const WorkingSet& ws, Action* a, bool configured, OnFail* result) {
  Resource* rsc = a->rsc;
  if (!configured && rsc->container) {
    *result = OnFail::kRestartContainer;
    return true;
  }
  if (configured && rsc->is(kRscManaged)) return false;
  if (!rsc->is_remote_node || !is_remote_only_node(ws.find_node(rsc->id))) return false;
  if ((a->task == "monitor" && a->interval_ms == 0) || a->task == "start") return false;
  if (!rsc->is(kRscManaged)) {
    *result = OnFail::kStop;
    a->fail_role = Role::kStopped;
    return true;
  }
  if (rsc->remote_reconnect_ms > 0) a->fail_role = Role::kStopped;
  *result = OnFail::kResetRemote;
  return true;
}

void fence_pcmk_remote_node(WorkingSet& ws, Node* node, const std::string& reason) {
  if (is_guest_node(node)) {
    Resource* container = node->remote_rsc->container;
    if (container->is(kRscFailed)) return;
    if (!container->is(kRscManaged)) {
      ws.warnings.push_back("Not fencing guest node " + node->uname + " (otherwise would because " +
                            reason + "): its guest resource " + container->id + " is unmanaged");
      return;
    }
    // Not unclean: the node may run resources again once its container is
    // recovered in this transition.
    node->remote_requires_reset = true;
    container->set(kRscFailed | kRscStop);
    return;
  }
  Resource* rsc = node->remote_rsc;
  if (rsc && !rsc->container && rsc->orphan_container_filler) {
    // A guest whose container is gone: fencing was done when it went; only
    // its connection is left to clean up.
    rsc->set(kRscFailed | kRscStop);
    return;
  }
  if (!(rsc && !rsc->is(kRscManaged))) node->remote_requires_reset = true;
  node->unclean = true;
  fence_op(ws, node, "", true, reason, false);
}

bool can_fence_guest(const WorkingSet& ws, const Node* node) {
  for (const Node* host : node->remote_rsc->container->running_on) {
    if (!host->online && !can_fence(ws, host)) return false;
  }
  return true;
}

bool runnable_on_guest(const Node* node) {
  return is_guest_node(node) && !node->remote_requires_reset;
}

// ---------------------------------------------------------------- assignment

void assign_remote_connections(WorkingSet& ws) {
  if (!ws.have_remote_nodes) return;
  // Connections first (with what is colocated with them); a migrating one
  // prefers its migration target.
  for (Resource* r : ws.resources) {
    if (r->is_remote_node) assign(ws, r, r->partial_migration_target);
  }
}

void remote_connection_assigned(WorkingSet& ws, Resource* connection) {
  Node* node = ws.find_node(connection->id);
  if (!node) return;
  if (connection->allocated_to && connection->next_role != Role::kStopped) {
    node->online = true;
    // A connection will be attempted: no need to fence first.
    if (node->unseen) node->unclean = false;
  } else {
    node->shutdown = true;
  }
}

namespace {

// Pacemaker Remote nodes may not run connections, fence devices or guests.
void avoid_remote_nodes(WorkingSet& ws, Resource* rsc) {
  for (auto& n : ws.nodes) {
    if (n->remote_rsc && rsc->allowed[n->index].present) {
      ws.scores.set(*rsc, *n, -kInfinity, {ScoreSource::kRemoteConnection, -1, 1});
    }
  }
}

}  // namespace

void remote_internal_constraints(WorkingSet& ws, Resource* rsc) {
  if (Resource* container = rsc->container) {
    Resource* remote = nullptr;
    if (rsc->is_remote_node) {
      // Bundles may run their containers on remote nodes; guests may not.
      if (!rsc->is(kRscAllowRemoteRemotes)) avoid_remote_nodes(ws, container);
      // A container re-probed after a clean-up is seen before its
      // connection is recovered.
      order_rsc_actions(ws, container, "monitor", rsc, "stop", kOrderOptional);
    } else if (container->is_remote_node) {
      remote = container;
    } else {
      remote = guest_connection_in(ws, container);
    }
    if (remote) {
      // container=<node>: the resource runs on that node, not beside it.
      for (auto& n : ws.nodes) {
        if (rsc->allowed[n->index].present && n->remote_rsc != remote) {
          ws.scores.set(*rsc, *n, -kInfinity, {ScoreSource::kRemoteConnection, -1, 2});
        }
      }
    } else {
      new_ordering(ws, container, op_key(container->id, "start", 0), nullptr, rsc,
                   op_key(rsc->id, "start", 0), nullptr, kOrderImpliesThen | kOrderRunnableLeft);
      new_ordering(ws, rsc, op_key(rsc->id, "stop", 0), nullptr, container,
                   op_key(container->id, "stop", 0), nullptr, kOrderImpliesFirst);
      // A bundle's connection only prefers its container's node.
      int score = rsc->is(kRscAllowRemoteRemotes) ? 10000 : kInfinity;
      new_colocation(ws, "resource-with-container", "", score, rsc, container, "", "", true);
    }
  }
  if (rsc->is_remote_node || rsc->is(kRscFenceDevice)) avoid_remote_nodes(ws, rsc);
}

int fillers_failcount(const WorkingSet& ws, const Node* node, const Resource* rsc) {
  // A bundle's container does not count its fillers: its connection may
  // run on another node.
  if (parent_bundle(rsc)) return 0;
  int total = 0;
  for (Resource* f : rsc->fillers) total += failcount(ws, node, f, nullptr, true);
  return total;
}

// ---------------------------------------------------------------- probes

bool remote_rules_out_probe(const WorkingSet& ws, const Resource* rsc, const Node* node) {
  if (node->is_pcmk_remote()) {
    if (rsc->cls == "stonith") return true;
    if (is_guest_node(node) && guest_connection_in(ws, rsc)) return true;
    if (rsc->is_remote_node) return true;
  }
  return rsc->children.empty() && rsc->container && !rsc->is_remote_node;
}

namespace {

bool guest_will_stop(const Node* node) {
  const Resource* guest = node->remote_rsc->container;
  if (node->remote_requires_reset || node->unclean || guest->is(kRscFailed) ||
      guest->next_role == Role::kStopped) {
    return true;
  }
  // Moving elsewhere.
  return guest->role > Role::kStopped && guest->allocated_to &&
         std::find(guest->running_on.begin(), guest->running_on.end(), guest->allocated_to) ==
             guest->running_on.end();
}

}  // namespace

bool guest_rules_out_probe(WorkingSet& ws, Resource* rsc, Node* node) {
  if (!is_guest_node(node)) return false;
  Resource* guest = node->remote_rsc->container;
  Resource* top = rsc->top();
  if (guest->role == Role::kStopped) {
    // Nothing runs in a stopped guest; its start waits for the guest's probe.
    if (guest->allocated_to && !guest->known_on[guest->allocated_to->index]) {
      new_ordering(ws, guest, op_key(guest->id, "monitor", 0), nullptr, top,
                   op_key(top->id, "start", 0), nullptr, kOrderOptional);
    }
    return true;
  }
  if (guest_will_stop(node)) {
    new_ordering(ws, guest, op_key(guest->id, "stop", 0), nullptr, top, op_key(top->id, "start", 0),
                 nullptr, kOrderOptional);
    return true;
  }
  return false;
}

namespace {

enum class ConnState { kUnknown, kAlive, kResting, kFailed, kStopped };

ConnState remote_node_state(const Node* node) {
  const Resource* conn = node->remote_rsc;
  const Node* host = conn->current_node();
  if (conn->next_role == Role::kStopped || !conn->allocated_to) {
    if (host && host->unclean) return ConnState::kFailed;
    if (!conn->is(kRscFailed)) return ConnState::kStopped;
    if (conn->next_role == Role::kStopped && conn->remote_reconnect_ms > 0 &&
        node->remote_was_fenced && !shutdown_requested(node)) {
      return ConnState::kUnknown;
    }
    return ConnState::kFailed;
  }
  if (!host) return ConnState::kUnknown;
  if (host->unclean || !host->online) return ConnState::kResting;
  if (conn->running_on.size() > 1 && conn->partial_migration_source &&
      conn->partial_migration_target) {
    return ConnState::kResting;
  }
  return ConnState::kAlive;
}

bool is_failed_remote_node(const Node* node) {
  return is_remote_only_node(node) && node->remote_rsc &&
         remote_node_state(node) == ConnState::kFailed;
}

}  // namespace

void fence_failed_remote_node(WorkingSet& ws, Node* node) {
  if (is_failed_remote_node(node)) {
    pe_fence_node(ws, node, "the connection is unrecoverable", false);
  }
}

// ---------------------------------------------------------------- orderings

namespace {

// The connection's start before an action (preserved: never a restart
// ordering), and an action before the connection's stop.
void start_then(WorkingSet& ws, Resource* first, Action* then, std::uint32_t extra) {
  new_ordering(ws, first, op_key(first->id, "start", 0), nullptr, then->rsc, "", then,
               kOrderPreserve | kOrderRunnableLeft | extra);
}

void then_stop(WorkingSet& ws, Action* first, Resource* then, std::uint32_t extra) {
  new_ordering(ws, first->rsc, "", first, then, op_key(then->id, "stop", 0), nullptr,
               kOrderPreserve | extra);
}

bool is_recurring(const Action* a) {
  return a->interval_ms > 0;
}

// Migration actions are ordered as stops.
std::string ordering_task(const Action* a) {
  if (a->task == "migrate_to" || a->task == "migrate_from") return "stop";
  return a->task;
}

void apply_remote_ordering(WorkingSet& ws, Action* action) {
  Node* node = action->node;
  Resource* conn = node->remote_rsc;
  ConnState state = remote_node_state(node);
  std::string task = ordering_task(action);
  if (task == "start" || task == "promote") {
    // A failed connection forces the action (recovery).
    start_then(ws, conn, action, state == ConnState::kFailed ? kOrderImpliesThen : kOrderNone);
  } else if (task == "stop") {
    if (state == ConnState::kAlive) {
      then_stop(ws, action, conn, kOrderImpliesFirst);
    } else if (state == ConnState::kFailed) {
      // Only fencing can stop it now; the stop becomes implied by it.
      pe_fence_node(ws, node, "resources are active but connection is unrecoverable", false);
    } else if (conn->next_role == Role::kStopped) {
      then_stop(ws, action, conn, kOrderImpliesFirst);
    } else {
      // The connection comes back elsewhere: stop after that.
      start_then(ws, conn, action, kOrderNone);
    }
  } else if (task == "demote") {
    if (state == ConnState::kResting || state == ConnState::kUnknown) {
      start_then(ws, conn, action, kOrderNone);
    }
  } else if (is_recurring(action)) {
    start_then(ws, conn, action, kOrderImpliesThen);
  } else {
    if (task == "monitor" && state == ConnState::kFailed) {
      pe_fence_node(ws, node, "resources are in unknown state and connection is unrecoverable",
                    false);
    }
    if (conn->current_node() && state == ConnState::kStopped) {
      // The connection goes down for good: check before it does.
      then_stop(ws, action, conn, kOrderRunnableLeft);
    } else {
      start_then(ws, conn, action, kOrderNone);
    }
  }
}

void apply_container_ordering(WorkingSet& ws, Action* action) {
  Node* node = action->node;
  Resource* conn = node->remote_rsc;
  Resource* container = conn->container;
  if (container->is(kRscFailed)) pe_fence_node(ws, node, "container failed", false);
  std::string task = ordering_task(action);
  if (task == "start" || task == "promote") {
    start_then(ws, container, action, kOrderImpliesThen);
    start_then(ws, conn, action, kOrderNone);
  } else if (task == "stop" || task == "demote") {
    // With a failed container, these are implied by its stop.
    if (!container->is(kRscFailed)) then_stop(ws, action, conn, kOrderNone);
  } else if (is_recurring(action)) {
    // A recurring action of a task Pacemaker has no name for (a cancel)
    // waits for nothing.
    if (task == "monitor" || task == "notify" || task == "notified" || task == "start" ||
        task == "running" || task == "stopped" || task == "promoted" || task == "demoted") {
      start_then(ws, conn, action, kOrderImpliesThen);
    }
  } else {
    start_then(ws, conn, action, kOrderNone);
  }
}

}  // namespace

void order_remote_connection_actions(WorkingSet& ws) {
  if (!ws.have_remote_nodes) return;
  // Only fencing is created here, and it is no resource's: a snapshot is the
  // whole list. Pacemaker walks its actions newest first, which decides the
  // order in which remote nodes get fenced (and are listed).
  std::vector<Action*> all(ws.actions.rbegin(), ws.actions.rend());
  for (Action* action : all) {
    if (action->id <= 0 || !action->rsc) continue;
    if (action->rsc->is_remote_node && action->task == "clear_failcount") {
      new_ordering(ws, action->rsc, "", action, action->rsc, op_key(action->rsc->id, "start", 0),
                   nullptr, kOrderOptional);
      continue;
    }
    Node* node = action->node;
    if (!node || !node->is_pcmk_remote() || action->is(kActPseudo)) continue;
    Resource* conn = node->remote_rsc;
    if (!conn) continue;
    if (action->task == "start") {
      // A resource moving to a remote node stays where it is until the
      // connection is up.
      for (Action* other : action->rsc->actions) {
        if (other->node != node && other->task == "stop") {
          new_ordering(ws, conn, op_key(conn->id, "start", 0), nullptr, action->rsc, "", other,
                       kOrderOptional);
        }
      }
    }
    if (conn->container) {
      apply_container_ordering(ws, action);
    } else {
      apply_remote_ordering(ws, action);
    }
  }
}

void fence_guest(WorkingSet& ws, Node* node) {
  Resource* container = node->remote_rsc->container;
  std::string fence_action = "off";
  std::string stop_task = "stop", start_task = "start";
  Action* stop = find_first_action(container, nullptr, &stop_task, nullptr);
  if (find_first_action(container, nullptr, &start_task, nullptr)) fence_action = "reboot";
  // A pseudo-event recording the "fencing" the container's recovery does.
  Action* fencing = fence_op(ws, node, fence_action, false, "guest is unclean", false);
  fencing->set(kActPseudo | kActRunnable);
  if (stop && stop->is(kActPseudo)) {
    // The container's stop is implied by fencing of its host.
    Action* host_fencing = fence_op(ws, stop->node, "", false, "", false);
    order_actions(ws, host_fencing, fencing, kOrderRunnableLeft | kOrderImpliesThen);
  } else if (stop) {
    order_actions(ws, stop, fencing, kOrderRunnableLeft | kOrderImpliesThen);
  } else if (Action* conn_stop =
                 find_first_action(node->remote_rsc, nullptr, &stop_task, nullptr)) {
    order_actions(ws, conn_stop, fencing, kOrderOptional);
  }
  order_vs_fence(ws, fencing);
}

void disable_guest_orderings(WorkingSet& ws) {
  if (!ws.have_remote_nodes) return;
  for (Action* action : ws.actions) {
    if (action->id <= 0 || !action->rsc || action->rsc->fillers.empty()) continue;
    for (ActionLink* in : action->before) {
      if (in->type & kOrderPreserve) continue;
      const Node* node = in->action->node;
      if (in->action->rsc && node && node->remote_rsc &&
          node->remote_rsc->container == action->rsc) {
        ws.warnings.push_back("Invalid ordering constraint between " + in->action->rsc->id +
                              " and " + action->rsc->id);
        in->type = kOrderNone;
      }
    }
  }
}

// ---------------------------------------------------------------- graph, output

Node* connection_host_for_action(const Action* a) {
  if (a->task == "stonith" || !a->node || !a->node->is_pcmk_remote() || !a->node->remote_rsc) {
    return nullptr;
  }
  const Resource* conn = a->node->remote_rsc;
  Node* began = conn->current_node();
  Node* ended = conn->allocated_to;
  bool partial = !conn->container && conn->partial_migration_target;
  if (!began) return ended;
  if (!ended || began == ended) return began;
  // The connection moves: what must happen before it goes runs through
  // where it is, the rest through where it goes.
  std::string task = a->task;
  if (task == "notify") {
    if (auto op = lookup(a->meta, "notify_operation")) task = *op;
  }
  if (!partial && (task == "cancel" || task == "stop" || task == "demote" ||
                   task == "migrate_from" || task == "migrate_to")) {
    return began;
  }
  return ended;
}

void remote_graph_meta(const Action* a,
                       std::vector<std::pair<std::string_view, const std::string*>>& attrs) {
  if (!a->rsc) return;
  if (a->rsc->is_primitive()) {
    if (auto v = lookup(a->rsc->meta, "remote-node")) attrs.emplace_back("CRM_meta_remote_node", v);
    // Set on the primitive or a parent: the highest one is last, and wins.
    for (const Resource* p = a->rsc; p; p = p->parent) {
      if (p->container) attrs.emplace_back("CRM_meta_container", &p->container->id);
    }
  }
  if (!is_guest_node(a->node)) return;
  std::string task = a->task;
  if (task == "notify" || task == "notified") {
    if (auto op = lookup(a->meta, "notify_operation")) task = *op;
  }
  const Resource* container = a->node->remote_rsc->container;
  const Node* host = nullptr;
  if (task == "stop" || task == "stopped" || task == "demote" || task == "demoted") {
    host = container->current_node();
  } else if (task == "start" || task == "running" || task == "monitor" || task == "promote" ||
             task == "promoted") {
    host = container->allocated_to;
  }
  if (!host) return;
  if (auto target = lookup(a->rsc->meta, "container-attribute-target")) {
    attrs.emplace_back("CRM_meta_container_attribute_target", target);
  }
  attrs.emplace_back("CRM_meta_physical_host", &host->uname);
}

std::vector<const Node*> remote_downed_nodes(const WorkingSet& ws, const Action* a) {
  std::vector<const Node*> out;
  if (a->task == "stonith" && a->node && ws.have_remote_nodes) {
    for (const Resource* r : a->node->running_rsc) {
      if (r->is_remote_node && r->container) {
        if (const Node* guest = ws.find_node(r->id)) out.push_back(guest);
      }
    }
  } else if (a->rsc && a->rsc->is_remote_node && a->task == "stop") {
    for (const ActionLink* in : a->before) {
      if (in->action->rsc == a->rsc && in->action->task == "migrate_from") return out;
    }
    if (const Node* node = ws.find_node(a->rsc->id)) out.push_back(node);
  }
  return out;
}

std::vector<const Node*> maintenance_changes(const WorkingSet& ws) {
  std::vector<const Node*> out;
  if (!ws.have_remote_nodes) return out;
  for (const auto& n : ws.nodes) {
    if (n->is_pcmk_remote() && n->maintenance != n->remote_maintenance) out.push_back(n.get());
  }
  return out;
}

void add_maintenance_update(WorkingSet& ws) {
  if (maintenance_changes(ws).empty()) return;
  pseudo_op(ws, "maintenance_nodes")->set(kActPrintAlways);
}

std::string fenced_node_name(const Node* node) {
  if (is_guest_node(node))
    return node->uname + " (resource: " + node->remote_rsc->container->id + ")";
  return node->uname;
}

const char* node_kind_label(const Node* node) {
  if (is_guest_node(node)) return "GuestNode";
  if (is_remote_only_node(node)) return "RemoteNode";
  return "Node";
}

}  // namespace vigil::pengine
