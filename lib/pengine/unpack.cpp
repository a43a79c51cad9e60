// SPDX-License-Identifier: GPL-2.0-or-later
// From the typed CIB to the working set: cluster options, nodes, resources
// (with their meta-attributes) and the status section (node membership,
// resource history replayed into roles, failures and pending operations).
#include <strings.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include "bundle.hpp"
#include "internal.hpp"
#include "vigil/pengine/output.hpp"

namespace vigil::pengine {

const char* role_text(Role r) {
  switch (r) {
    case Role::kStopped:
      return "Stopped";
    case Role::kStarted:
      return "Started";
    case Role::kUnpromoted:
      return "Unpromoted";
    case Role::kPromoted:
      return "Promoted";
    default:
      return "Unknown";
  }
}

Role role_from_text(const std::string& s) {
  if (strcasecmp(s.c_str(), "Stopped") == 0) return Role::kStopped;
  if (strcasecmp(s.c_str(), "Started") == 0) return Role::kStarted;
  if (strcasecmp(s.c_str(), "Unpromoted") == 0 || strcasecmp(s.c_str(), "Slave") == 0) {
    return Role::kUnpromoted;
  }
  if (strcasecmp(s.c_str(), "Promoted") == 0 || strcasecmp(s.c_str(), "Master") == 0) {
    return Role::kPromoted;
  }
  return Role::kUnknown;
}

WorkingSet::WorkingSet(const cib::Cib& c, Options o) : cib(c), options(o) {}

Node* WorkingSet::find_node(const std::string& uname) const {
  auto it = node_by_uname.find(uname);
  return it == node_by_uname.end() ? nullptr : it->second;
}
Node* WorkingSet::find_node_by_id(const std::string& id) const {
  auto it = node_by_id.find(id);
  return it == node_by_id.end() ? nullptr : it->second;
}
Node* Resource::current_node() const {
  Node* active = nullptr;
  for (Node* node : running_on) {
    bool keep_looking = false;
    bool happy = node->online && !node->unclean;
    if (partial_migration_source) {
      if (node == partial_migration_source) {
        active = node;
      } else {
        keep_looking = true;
      }
    } else if (!is(kRscNeedsFencing)) {
      if (happy && (!active || !active->online || active->unclean)) {
        active = node;
      } else {
        keep_looking = true;
      }
    }
    if (!active) active = node;
    if (!keep_looking) break;
  }
  return active;
}

Resource* WorkingSet::find_rsc(const std::string& id) const {
  auto it = rsc_index.find(id);
  return it == rsc_index.end() ? nullptr : it->second;
}

void unpack_config(WorkingSet& ws) {
  rules::RuleInput in;
  in.now = ws.options.now;
  in.next_change = &ws.rules_change;
  auto& raw = ws.config.raw;
  rules::apply_nvsets(ws.cib.crm_config, in, raw, false, "cib-bootstrap-options");
  auto flag = [&](const char* name, bool dflt) {
    auto v = lookup(raw, name);
    return v ? is_true(*v) : dflt;
  };
  auto& c = ws.config;
  c.startup_probes = flag("enable-startup-probes", true);
  c.stonith_enabled = flag("stonith-enabled", true);
  if (flag("have-watchdog", false)) c.have_stonith_resource = true;
  if (auto v = lookup(raw, "stonith-action")) {
    c.stonith_action = (*v == "poweroff") ? "off" : *v;
  }
  c.concurrent_fencing = flag("concurrent-fencing", false);
  if (auto v = lookup(raw, "priority-fencing-delay")) {
    c.priority_fencing_delay_s = static_cast<int>(parse_interval_ms(*v).value_or(0) / 1000);
  }
  c.stop_all = flag("stop-all-resources", false);
  c.symmetric = flag("symmetric-cluster", true);
  std::string nqp = lookup(raw, "no-quorum-policy") ? *lookup(raw, "no-quorum-policy") : "stop";
  std::transform(nqp.begin(), nqp.end(), nqp.begin(), ::tolower);
  if (nqp == "ignore") {
    c.no_quorum = NoQuorumPolicy::kIgnore;
  } else if (nqp == "freeze") {
    c.no_quorum = NoQuorumPolicy::kFreeze;
  } else if (nqp == "demote") {
    c.no_quorum = NoQuorumPolicy::kDemote;
  } else if (nqp == "suicide") {
    bool panic = is_true(ws.cib.no_quorum_panic);
    c.no_quorum = (c.stonith_enabled && (panic || ws.have_quorum)) ? NoQuorumPolicy::kSuicide
                                                                   : NoQuorumPolicy::kStop;
  } else {
    c.no_quorum = NoQuorumPolicy::kStop;
  }
  c.stop_orphan_resources = flag("stop-orphan-resources", true);
  c.stop_orphan_actions = flag("stop-orphan-actions", true);
  c.remove_after_stop = flag("remove-after-stop", false);
  c.maintenance_mode = flag("maintenance-mode", false);
  c.start_failure_is_fatal = flag("start-failure-is-fatal", true);
  c.startup_fencing = c.stonith_enabled ? flag("startup-fencing", true) : false;
  if (auto v = lookup(raw, "placement-strategy")) c.placement_strategy = *v;
  c.shutdown_lock = flag("shutdown-lock", false);
  if (c.shutdown_lock) {
    if (auto v = lookup(raw, "shutdown-lock-limit")) {
      c.shutdown_lock_s = parse_interval_ms(*v).value_or(0) / 1000;
    }
  }
  if (auto v = lookup(raw, "cluster-delay")) c.cluster_delay = *v;
  if (auto v = lookup(raw, "stonith-timeout")) c.stonith_timeout = *v;
  if (auto v = lookup(raw, "batch-limit")) c.batch_limit = *v;
  if (auto v = lookup(raw, "migration-limit")) c.migration_limit = *v;
  if (auto v = lookup(raw, "node-health-strategy")) c.node_health_strategy = *v;
  // Node-health colour scores depend on the strategy.
  std::string strategy = c.node_health_strategy;
  if (strategy == "migrate-on-red") {
    c.health = {-kInfinity, 0, 0};
  } else if (strategy == "only-green") {
    c.health = {-kInfinity, -kInfinity, 0};
  } else {
    auto score_of = [&](const char* name) {
      auto v = lookup(raw, name);
      return v ? parse_score_lenient(*v).value() : 0;
    };
    c.health = {score_of("node-health-red"), score_of("node-health-yellow"),
                score_of("node-health-green")};
    if (strategy == "none" || strategy.empty()) c.health = {0, 0, 0};
  }
  // Unfencing is enabled when any resource or rsc_defaults asks for it.
  std::function<bool(const cib::ResourceConfig&)> wants_unfencing =
      [&](const cib::ResourceConfig& r) {
        for (const auto& set : r.meta_sets) {
          for (const auto& [k, v] : set.pairs) {
            if ((k == "provides" || k == "requires") && v == "unfencing") return true;
          }
        }
        for (const auto& ch : r.children) {
          if (wants_unfencing(*ch)) return true;
        }
        return false;
      };
  for (const auto& r : ws.cib.resources) {
    if (wants_unfencing(*r)) c.enable_unfencing = true;
  }
  for (const auto& set : ws.cib.rsc_defaults) {
    for (const auto& [k, v] : set.pairs) {
      if ((k == "provides" || k == "requires") && v == "unfencing") c.enable_unfencing = true;
    }
  }
}

void unpack_nodes(WorkingSet& ws) {
  // Pacemaker keeps nodes sorted by name (natural order), which decides the
  // order of every per-node loop.
  std::vector<const cib::NodeConfig*> sorted;
  for (const auto& nc : ws.cib.nodes) sorted.push_back(&nc);
  for (const auto& nc : remote_node_configs(ws)) sorted.push_back(nc.get());  // remote.cpp
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const cib::NodeConfig* a, const cib::NodeConfig* b) {
                     return numeric_strcasecmp(a->uname, b->uname) < 0;
                   });
  std::string cluster_name =
      lookup(ws.config.raw, "cluster-name") ? *lookup(ws.config.raw, "cluster-name") : "";
  for (const auto* ncp : sorted) {
    const auto& nc = *ncp;
    if (ws.find_node_by_id(nc.id) || ws.find_node(nc.uname)) {
      ws.warnings.push_back("Ignoring duplicate node " + nc.uname);
      continue;
    }
    auto n = std::make_unique<Node>();
    n->index = static_cast<int>(ws.nodes.size());
    n->id = nc.id;
    n->uname = nc.uname;
    n->type = nc.type;
    if (nc.score) n->weight = nc.score->value();
    n->unclean = ws.config.startup_fencing;
    n->unseen = true;
    n->attrs["#uname"] = n->uname;
    n->attrs["#id"] = n->id;
    n->attrs["#kind"] = n->type == "remote" ? "remote" : "cluster";
    n->is_dc = (n->id == ws.cib.dc_uuid);
    n->attrs["#is_dc"] = n->is_dc ? "true" : "false";
    if (n->is_dc) ws.dc_node = n.get();
    if (!cluster_name.empty()) n->attrs["#cluster-name"] = cluster_name;
    rules::RuleInput in;
    in.now = ws.options.now;
    in.next_change = &ws.rules_change;
    rules::apply_nvsets(nc.instance_sets, in, n->attrs);
    rules::apply_nvsets(nc.utilization_sets, in, n->utilization);
    if (!lookup(n->attrs, "#site-name")) {
      if (auto s = lookup(n->attrs, "site-name")) {
        n->attrs["#site-name"] = *s;
      } else if (!cluster_name.empty()) {
        n->attrs["#site-name"] = cluster_name;
      }
    }
    ws.node_by_id[n->id] = n.get();
    ws.node_by_uname[n->uname] = n.get();
    ws.nodes.push_back(std::move(n));
  }
}

namespace {

// Why a node's own weight is what it is (its "score", or -INFINITY once the
// status section showed it offline or shutting down).
NodeWeightWhy node_weight_why(const Node& node) {
  if (node.fixed && !node.online) return NodeWeightWhy::kOffline;
  if (node.fixed && node.shutdown) return NodeWeightWhy::kShuttingDown;
  return NodeWeightWhy::kConfigured;
}

void resource_node_score(WorkingSet& ws, Resource* rsc, Node* node, int score, const Cause& why) {
  if ((rsc->is(kRscExclusiveDiscover) || node->bundle_guest) &&
      why.source == ScoreSource::kSymmetric) {
    return;
  }
  for (Resource* c : rsc->children) resource_node_score(ws, c, node, score, why);
  // A node enters the table at its own weight.
  if (!rsc->allowed[node->index].present && node->weight != 0) {
    ws.scores.set(
        *rsc, *node, node->weight,
        {ScoreSource::kNodeWeight, -1, static_cast<std::int32_t>(node_weight_why(*node))});
  }
  ws.scores.add(*rsc, *node, score, why);
}

Role target_role(WorkingSet& ws, Resource* rsc, bool* has) {
  *has = false;
  auto v = lookup(rsc->meta, "target-role");
  if (!v || strcasecmp(v->c_str(), "started") == 0 || strcasecmp(v->c_str(), "default") == 0) {
    return Role::kUnknown;
  }
  Role r = role_from_text(*v);
  if (r == Role::kUnknown) {
    ws.warnings.push_back("Ignoring 'target-role' for " + rsc->id + " because '" + *v +
                          "' is not valid");
    return Role::kUnknown;
  }
  if (r > Role::kStarted) {
    // Promotion roles only mean something for promotable clones.
    return Role::kUnknown;
  }
  *has = true;
  return r;
}

void unpack_requires(WorkingSet& ws, Resource* rsc, const std::string* value) {
  std::string v = value ? *value : "";
  if (v == "nothing") return;
  if (v == "quorum") {
    rsc->set(kRscNeedsQuorum);
    return;
  }
  if (v == "fencing") {
    rsc->set(kRscNeedsFencing);
    return;
  }
  if (v == "unfencing") {
    if (rsc->is(kRscFenceDevice) || !ws.config.stonith_enabled) {
      rsc->set(kRscNeedsQuorum);
    } else {
      rsc->set(kRscNeedsFencing | kRscNeedsUnfencing);
    }
    return;
  }
  if (rsc->is(kRscFenceDevice) || is_remote_agent(rsc)) {
    rsc->set(kRscNeedsQuorum);
  } else if (ws.config.enable_unfencing) {
    rsc->set(kRscNeedsFencing | kRscNeedsUnfencing);
  } else if (ws.config.stonith_enabled) {
    rsc->set(kRscNeedsFencing);
  } else if (ws.config.no_quorum == NoQuorumPolicy::kIgnore) {
    // nothing
  } else {
    rsc->set(kRscNeedsQuorum);
  }
}

void compute_meta(WorkingSet& ws, Resource* rsc) {
  rules::RuleInput in = rsc_rule_input(ws, rsc);
  if (rsc->config) {
    for (const auto& [name, value] : rsc->config->attrs) rsc->meta.emplace(name, value);
    // A template supplies class/provider/type when the primitive does not.
    rsc->meta["class"] = rsc->cls;
    if (!rsc->provider.empty()) rsc->meta["provider"] = rsc->provider;
    rsc->meta["type"] = rsc->type;
    if (rsc->cls.empty()) rsc->meta.erase("class");
    if (rsc->type.empty()) rsc->meta.erase("type");
    rules::apply_nvsets(rsc->config->meta_sets, in, rsc->meta);
    for (Resource* p = rsc->parent; p; p = p->parent) {
      AttrMap parent_meta;
      rules::apply_nvsets(p->config->meta_sets, in, parent_meta);
      for (const auto& [k, v] : parent_meta) rsc->meta.emplace(k, v);
    }
  }
  rules::apply_nvsets(ws.cib.rsc_defaults, in, rsc->meta);
  if (rsc->parent) {
    for (const auto& [k, v] : rsc->parent->meta) rsc->meta.emplace(k, v);
  }
}

Resource* build_resource(WorkingSet& ws, const cib::ResourceConfig* rc, Resource* parent,
                         const std::string& id_override = {}) {
  auto owned = std::make_unique<Resource>();
  Resource* rsc = owned.get();
  rsc->index = static_cast<int>(ws.all_rscs.size());
  rsc->config = rc;
  rsc->id = id_override.empty() ? rc->id : id_override;
  rsc->kind = rc ? rc->kind : cib::RscKind::kPrimitive;
  rsc->parent = parent;
  if (rc) {
    rsc->cls = rc->cls;
    rsc->provider = rc->provider;
    rsc->type = rc->type;
  }
  rsc->known_on.assign(ws.nodes.size(), 0);
  rsc->allowed.size_for(ws.nodes.size());
  ws.all_rscs.push_back(std::move(owned));
  ws.rsc_index.emplace(rsc->id, rsc);
  return rsc;
}

void finish_resource(WorkingSet& ws, Resource* rsc) {
  compute_meta(ws, rsc);
  rsc->set(kRscProvisional);
  if (!ws.config.maintenance_mode) rsc->set(kRscManaged);
  rsc->role = Role::kStopped;
  rsc->next_role = Role::kUnknown;
  auto meta = [&](const char* k) { return lookup(rsc->meta, k); };
  if (auto v = meta("priority")) rsc->priority = parse_score_lenient(*v).value();
  if (auto v = meta("critical"); !v || is_true(*v)) rsc->set(kRscCritical);
  if (is_true(meta("allow-migrate"))) rsc->set(kRscAllowMigrate);
  if (auto v = meta("is-managed"); v && *v != "default") {
    if (is_true(*v)) {
      rsc->set(kRscManaged);
    } else {
      rsc->clear(kRscManaged);
    }
  }
  if (is_true(meta("maintenance")) || ws.config.maintenance_mode) {
    rsc->clear(kRscManaged);
    rsc->set(kRscMaintenance);
  }
  rsc->set(kRscUnique);
  if (auto v = meta("restart-type"); v && strcasecmp(v->c_str(), "restart") == 0) {
    rsc->restart_type_restart = true;
  }
  if (auto v = meta("multiple-active")) {
    if (*v == "stop_only") {
      rsc->recovery = Recovery::kStopOnly;
    } else if (*v == "block") {
      rsc->recovery = Recovery::kBlock;
    } else if (*v == "stop_unexpected") {
      rsc->recovery = Recovery::kStopUnexpected;
    }
  }
  if (auto v = meta("resource-stickiness"); v && *v != "default") {
    rsc->stickiness = parse_score_lenient(*v).value();
  }
  if (auto v = meta("migration-threshold"); v && *v != "default") {
    rsc->migration_threshold = parse_score_lenient(*v).value();
    if (rsc->migration_threshold < 0) rsc->migration_threshold = 1;
  }
  if (strcasecmp(rsc->cls.c_str(), "stonith") == 0) {
    ws.config.have_stonith_resource = true;
    rsc->set(kRscFenceDevice);
  }
  unpack_requires(ws, rsc, meta("requires"));
  if (auto v = meta("failure-timeout")) {
    rsc->failure_timeout_s = parse_interval_ms(*v).value_or(0) / 1000;
  }
  unpack_remote_meta(ws, rsc);  // remote.cpp
  bool has = false;
  Role r = target_role(ws, rsc, &has);
  if (has) rsc->next_role = r;
  if (rsc->is_group()) {
    rsc->group_ordered = !lookup(rsc->meta, "ordered") || is_true(*lookup(rsc->meta, "ordered"));
    rsc->group_colocated =
        !lookup(rsc->meta, "collocated") || is_true(*lookup(rsc->meta, "collocated"));
  }
}

}  // namespace

Resource* unpack_tree(WorkingSet& ws, const cib::ResourceConfig* rc, Resource* parent,
                      const std::string& incarnation) {
  // A clone instance (and each member of a cloned group) is "id:N".
  Resource* rsc = build_resource(ws, rc, parent,
                                 incarnation.empty() ? std::string() : rc->id + ":" + incarnation);
  if (!incarnation.empty()) rsc->meta["clone"] = incarnation;
  finish_resource(ws, rsc);
  // A bundle's instance runs on its replica's guest node only (bundle.hpp).
  if (parent && is_bundle(parent->parent)) rsc->set(kRscExclusiveDiscover);
  if (rsc->is_clone()) {
    unpack_clone_instances(ws, rsc);  // clone_unpack.cpp
  } else if (is_bundle(rsc)) {
    unpack_bundle_replicas(ws, rsc);  // bundle_unpack.cpp
  } else {
    for (const auto& child : rc->children) {
      rsc->children.push_back(unpack_tree(ws, child.get(), rsc, incarnation));
    }
  }
  if (ws.config.symmetric) {
    for (auto& n : ws.nodes) {
      if (n->orphan_connection_pending) continue;  // remote.cpp
      resource_node_score(ws, rsc, n.get(), 0, {ScoreSource::kSymmetric});
    }
  }
  return rsc;
}

void resource_location(WorkingSet& ws, Resource* rsc, Node* node, int score, const Cause& why) {
  if (node) {
    resource_node_score(ws, rsc, node, score, why);
  } else {
    for (auto& n : ws.nodes) {
      if (n->orphan_connection_pending) continue;  // remote.cpp
      resource_node_score(ws, rsc, n.get(), score, why);
    }
  }
  if (!node && score == -kInfinity) rsc->allocated_to = nullptr;
}

namespace {
std::size_t count_configs(const cib::ResourceConfig& rc) {
  std::size_t n = 1;
  for (const auto& c : rc.children) n += count_configs(*c);
  return n;
}
}  // namespace

Status unpack_resources(WorkingSet& ws) {
  // A resource gets a score record per node in a symmetric cluster, then a
  // few more: reserve once rather than grow a vector of hundreds of thousands.
  std::size_t configured = 0;
  for (const auto& rc : ws.cib.resources) configured += count_configs(*rc);
  ws.scores.reserve(configured * ws.nodes.size() * 2);
  // The configured resources, then the connections of guest nodes (remote.cpp).
  std::vector<const cib::ResourceConfig*> configs;
  for (const auto& rc : ws.cib.resources) configs.push_back(rc.get());
  for (const auto& rc : ws.guest_connections) configs.push_back(rc.get());
  mark_bundle_nodes(ws);  // bundle_unpack.cpp
  for (const cib::ResourceConfig* rc : configs) {
    bool ignore = false;  // bundle_unpack.cpp
    if (auto st = check_bundle_config(ws, *rc, &ignore); !st) return st;
    if (ignore) continue;
    if (auto st = check_clone_config(ws, *rc); !st) return st;  // clone_unpack.cpp
    if (ws.find_rsc(rc->id)) {
      return Error(ErrorCode::kInvalidInput, "duplicate resource id '" + rc->id + "'");
    }
    ws.resources.push_back(unpack_tree(ws, rc, nullptr, {}));
  }
  link_remote_resources(ws);  // remote.cpp
  // Priority order, stable (Pacemaker sorts with a stable merge sort).
  std::stable_sort(ws.resources.begin(), ws.resources.end(),
                   [](const Resource* a, const Resource* b) { return a->priority > b->priority; });
  return ok_status();
}

// ---------------------------------------------------------------- status

namespace {

void determine_online_status(WorkingSet& ws, Node* node, const cib::NodeState& st) {
  node->shutdown = false;
  node->expected_up = false;
  auto shutdown = node_attr(node, "shutdown");
  if (shutdown && !shutdown->empty() && *shutdown != "0") {
    node->shutdown = true;
  } else if (st.expected == "member") {
    node->expected_up = true;
  }
  bool online = false;
  bool in_cluster = st.has_in_ccm && st.in_ccm.value_or(false);
  bool crmd_online = st.crmd == "online";
  if (node->is_ping()) {
    node->unclean = false;
  } else if (!ws.config.stonith_enabled) {
    if (!in_cluster) {
      // offline
    } else if (crmd_online) {
      online = st.join == "member";
    } else if (!node->expected_up) {
      // cleanly down
    } else {
      pe_fence_node(ws, node, "peer is unexpectedly down", false);
    }
  } else {
    bool do_terminate = false;
    if (auto t = node_attr(node, "terminate")) {
      if (is_true(*t)) {
        do_terminate = true;
      } else if (!t->empty() && (*t)[0] != '0' && isdigit(static_cast<unsigned char>((*t)[0]))) {
        do_terminate = true;
      }
    }
    online = in_cluster;
    std::string exp_state = st.expected.empty() ? "down" : st.expected;
    if (node->shutdown) {
      online = crmd_online;
    } else if (!st.has_in_ccm) {
      pe_fence_node(ws, node, "peer has not been seen by the cluster", false);
    } else if (st.join == "banned") {  // the controller refused its join
      pe_fence_node(ws, node, "peer failed Pacemaker membership criteria", false);
    } else if (!do_terminate && exp_state == "down") {
      if (in_cluster || crmd_online) {
        node->standby = true;
        node->pending = true;
      }
    } else if (do_terminate && st.join == "down" && !in_cluster && !crmd_online) {
      online = false;
    } else if (!in_cluster) {
      pe_fence_node(ws, node, "peer is no longer part of the cluster", true);
    } else if (!crmd_online) {
      pe_fence_node(ws, node, "peer process is no longer available", false);
    } else if (do_terminate) {
      pe_fence_node(ws, node, "termination was requested", false);
    } else if (st.join == "member") {
      // active
    } else if (st.join == "pending" || st.join == "down") {
      node->standby = true;
      node->pending = true;
    } else {
      pe_fence_node(ws, node, "peer was in an unknown state", false);
    }
  }
  if (online) {
    node->online = true;
  } else {
    node->fixed = true;
    node->weight = -kInfinity;
  }
  if (online && node->shutdown) {
    node->fixed = true;
    node->weight = -kInfinity;
  }
}

void set_active(Resource* rsc) {
  // An instance of a promotable clone is active in the unpromoted role.
  const Resource* top = rsc->top();
  rsc->role = top->clone && top->clone->promotable ? Role::kUnpromoted : Role::kStarted;
}

int target_rc_of(const cib::OpHistory& op) {
  // transition-key: "action:transition:target_rc:uuid"
  const std::string& key = op.transition_key;
  if (key.empty()) return -1;
  auto c1 = key.find(':');
  if (c1 == std::string::npos) return -1;
  auto c2 = key.find(':', c1 + 1);
  if (c2 == std::string::npos) return -1;
  auto c3 = key.find(':', c2 + 1);
  if (c3 == std::string::npos) return -1;
  return std::atoi(key.substr(c2 + 1, c3 - c2 - 1).c_str());
}

int cmp_on_fail(OnFail first, OnFail second) {
  auto rank = [](OnFail f) {
    switch (f) {
      case OnFail::kIgnore:
        return 0;
      case OnFail::kDemote:
        return 1;
      case OnFail::kRecover:
        return 2;
      case OnFail::kMigrate:
        return 3;
      case OnFail::kBlock:
        return 4;
      case OnFail::kStop:
        return 5;
      case OnFail::kStandby:
        return 6;
      case OnFail::kFence:
        return 7;
      case OnFail::kResetRemote:
        return 8;
      case OnFail::kRestartContainer:
        return 9;
    }
    return 0;
  };
  // Pacemaker's enum order: ignore, demote, recover, migrate, block, stop,
  // standby, fence, reset_remote, restart_container; with special cases
  // that put demote below recover and reset_remote/restart_container above
  // recover but below the node-level reactions.
  auto special = [&](OnFail a, OnFail b) -> std::optional<int> {
    if (a == OnFail::kDemote) {
      if (b == OnFail::kIgnore) return 1;
      if (b == OnFail::kDemote) return 0;
      return -1;
    }
    if (a == OnFail::kResetRemote) {
      if (b == OnFail::kIgnore || b == OnFail::kDemote || b == OnFail::kRecover) return 1;
      if (b == OnFail::kResetRemote) return 0;
      return -1;
    }
    if (a == OnFail::kRestartContainer) {
      if (b == OnFail::kIgnore || b == OnFail::kDemote || b == OnFail::kRecover ||
          b == OnFail::kResetRemote) {
        return 1;
      }
      if (b == OnFail::kRestartContainer) return 0;
      return -1;
    }
    return std::nullopt;
  };
  if (auto s = special(first, second)) return *s;
  if (second == OnFail::kDemote) return first == OnFail::kIgnore ? -1 : 1;
  if (second == OnFail::kResetRemote) {
    return (first == OnFail::kIgnore || first == OnFail::kDemote || first == OnFail::kRecover) ? -1
                                                                                               : 1;
  }
  if (second == OnFail::kRestartContainer) {
    return (first == OnFail::kIgnore || first == OnFail::kDemote || first == OnFail::kRecover ||
            first == OnFail::kResetRemote)
               ? -1
               : 1;
  }
  return rank(first) - rank(second);
}

// Transient action used only to learn an operation's on-fail and fail-role.
Action* probe_action_config(WorkingSet& ws, Resource* rsc, const std::string& key,
                            const std::string& task) {
  return custom_action(ws, rsc, key, task, nullptr, true, false);
}

struct LrmState {
  const cib::OpHistory* last_failure = nullptr;
  OnFail on_fail = OnFail::kIgnore;
};

void record_failed_op(WorkingSet& ws, Resource* rsc, Node* node, const cib::OpHistory& op);

const cib::ResourceHistory* find_history(const WorkingSet& ws, const std::string& rsc,
                                         const std::string& node) {
  for (const auto& st : ws.cib.node_states) {
    if (st.uname != node) continue;
    for (const auto& h : st.resources) {
      if (h.id == rsc) return &h;
    }
    return nullptr;
  }
  return nullptr;
}

// The history entry of `task`, optionally matching the migration peer, and
// optionally required to have succeeded with `target_rc`; none when several
// match (Pacemaker looks it up by XPath and takes only a single match).
const cib::OpHistory* find_lrm_op(const WorkingSet& ws, const std::string& rsc,
                                  const std::string& task, const std::string& node,
                                  const std::string& peer, int target_rc) {
  const cib::ResourceHistory* h = find_history(ws, rsc, node);
  if (!h) return nullptr;
  const cib::OpHistory* best = nullptr;
  for (const auto& op : h->ops) {
    if (op.task != task) continue;
    if (!peer.empty() && task == "migrate_to" && op.migrate_target != peer) continue;
    if (!peer.empty() && task == "migrate_from" && op.migrate_source != peer) continue;
    if (best) return nullptr;
    best = &op;
  }
  if (best && target_rc >= 0 && (best->rc != target_rc || best->op_status != 0)) return nullptr;
  return best;
}

// Pacemaker's pe__is_newer_op(): >0 when a is newer than b.
int newer_op(const cib::OpHistory& a, const cib::OpHistory& b, bool same_node_default) {
  return cib::compare_op_history(a, b, same_node_default);
}

bool unknown_on_node(const WorkingSet& ws, const std::string& rsc, const std::string& node) {
  const cib::ResourceHistory* h = find_history(ws, rsc, node);
  return !h || h->ops.empty();
}

bool monitor_not_running_after(const WorkingSet& ws, const std::string& rsc,
                               const std::string& node, const cib::OpHistory& op, bool same_node) {
  const cib::OpHistory* mon = find_lrm_op(ws, rsc, "monitor", node, "", 7);
  return mon && newer_op(*mon, op, same_node) > 0;
}

bool non_monitor_after(const WorkingSet& ws, const std::string& rsc, const std::string& node,
                       const cib::OpHistory& op, bool same_node) {
  const cib::ResourceHistory* h = find_history(ws, rsc, node);
  if (!h) return false;
  for (const auto& o : h->ops) {
    if (&o == &op) continue;
    if ((o.task == "start" || o.task == "stop" || o.task == "migrate_to" ||
         o.task == "migrate_from") &&
        newer_op(o, op, same_node) > 0) {
      return true;
    }
  }
  return false;
}

bool newer_state_after_migrate(const WorkingSet& ws, const std::string& rsc,
                               const std::string& node, const cib::OpHistory* migrate_to,
                               const cib::OpHistory* migrate_from) {
  const cib::OpHistory* op = migrate_from ? migrate_from : migrate_to;
  bool same_node = false;
  if (node == op->migrate_target) {
    if (migrate_from) {
      op = migrate_from;
      same_node = true;
    } else {
      op = migrate_to;
    }
  } else if (node == op->migrate_source) {
    if (migrate_to) {
      op = migrate_to;
      same_node = true;
    } else {
      op = migrate_from;
    }
  }
  return non_monitor_after(ws, rsc, node, *op, same_node) ||
         monitor_not_running_after(ws, rsc, node, *op, same_node);
}

void native_add_running(WorkingSet& ws, Resource* rsc, Node* node, bool failed);

void unpack_migrate_to_success(WorkingSet& ws, Resource* rsc, Node* node,
                               const cib::OpHistory& op) {
  const std::string& source = op.migrate_source;
  const std::string& target = op.migrate_target;
  if (source.empty() || target.empty() || source != node->uname) return;
  bool source_newer_op = non_monitor_after(ws, rsc->id, source, op, true);
  const cib::OpHistory* migrate_from = find_lrm_op(ws, rsc->id, "migrate_from", target, source, -1);
  if (source_newer_op && migrate_from) return;
  bool target_newer_state = newer_state_after_migrate(ws, rsc->id, target, &op, migrate_from);
  if (source_newer_op && target_newer_state) return;
  rsc->role = Role::kStarted;
  Node* target_node = ws.find_node(target);
  Node* source_node = ws.find_node(source);
  if (migrate_from && migrate_from->rc == 0 && migrate_from->op_status == 0) {
    rsc->role = Role::kStopped;
    rsc->dangling_migrations.insert(rsc->dangling_migrations.begin(), node);
  } else if (migrate_from && migrate_from->op_status != -1) {
    if (!target_newer_state && target_node && target_node->online) {
      native_add_running(ws, rsc, target_node, true);
    } else {
      rsc->set(kRscFailed | kRscStop);
      rsc->clear(kRscAllowMigrate);
    }
  } else {
    if (!target_newer_state && target_node && target_node->online) {
      native_add_running(ws, rsc, target_node, false);
      if (source_node && source_node->online) {
        rsc->partial_migration_target = target_node;
        rsc->partial_migration_source = source_node;
      }
    } else if (!source_newer_op) {
      rsc->set(kRscFailed | kRscStop);
      rsc->clear(kRscAllowMigrate);
    }
  }
}

void unpack_migrate_to_failure(WorkingSet& ws, Resource* rsc, Node* node,
                               const cib::OpHistory& op) {
  const std::string& source = op.migrate_source;
  const std::string& target = op.migrate_target;
  if (source.empty() || target.empty() || source != node->uname) return;
  rsc->role = Role::kStarted;
  const cib::OpHistory* target_from = find_lrm_op(ws, rsc->id, "migrate_from", target, source, 0);
  if (!unknown_on_node(ws, rsc->id, target) &&
      !newer_state_after_migrate(ws, rsc->id, target, &op, target_from)) {
    Node* target_node = ws.find_node(target);
    if (target_node && target_node->online) native_add_running(ws, rsc, target_node, false);
  } else if (!non_monitor_after(ws, rsc->id, source, op, true)) {
    rsc->dangling_migrations.insert(rsc->dangling_migrations.begin(), node);
  }
}

void unpack_migrate_from_failure(WorkingSet& ws, Resource* rsc, Node* node,
                                 const cib::OpHistory& op) {
  const std::string& source = op.migrate_source;
  const std::string& target = op.migrate_target;
  if (source.empty() || target.empty() || target != node->uname) return;
  rsc->role = Role::kStarted;
  const cib::OpHistory* source_to = find_lrm_op(ws, rsc->id, "migrate_to", source, target, 0);
  if (!unknown_on_node(ws, rsc->id, source) &&
      !newer_state_after_migrate(ws, rsc->id, source, source_to, &op)) {
    Node* source_node = ws.find_node(source);
    if (source_node && source_node->online) native_add_running(ws, rsc, source_node, true);
  }
}

bool mask_probe_failure(const cib::OpHistory& op);
bool mask_probe_failure(Resource* rsc, const cib::OpHistory& op);

void update_resource_state(WorkingSet& ws, Resource* rsc, Node* node, const cib::OpHistory& op,
                           const std::string& task, int rc, LrmState& st) {
  bool clear_past_failure = false;
  if (rc == 5 || mask_probe_failure(rsc, op)) {
    rsc->role = Role::kStopped;
  } else if (rc == 7) {
    clear_past_failure = true;
  } else if (task == "monitor") {
    if (st.last_failure && st.last_failure->key == op.key) clear_past_failure = true;
    if (rsc->role < Role::kStarted) set_active(rsc);
  } else if (task == "start") {
    rsc->role = Role::kStarted;
    clear_past_failure = true;
  } else if (task == "stop") {
    rsc->role = Role::kStopped;
    clear_past_failure = true;
  } else if (task == "promote") {
    rsc->role = Role::kPromoted;
    clear_past_failure = true;
  } else if (task == "demote") {
    if (st.on_fail == OnFail::kDemote) clear_past_failure = true;
    rsc->role = Role::kUnpromoted;
  } else if (task == "migrate_from") {
    rsc->role = Role::kStarted;
    clear_past_failure = true;
  } else if (task == "migrate_to") {
    unpack_migrate_to_success(ws, rsc, node, op);
  } else if (rsc->role < Role::kStarted) {
    set_active(rsc);
  }
  if (clear_past_failure) {
    switch (st.on_fail) {
      case OnFail::kStop:
      case OnFail::kFence:
      case OnFail::kMigrate:
      case OnFail::kStandby:
        break;
      case OnFail::kResetRemote:
        // With a reconnect interval, the connection waits for its failure
        // to be cleared.
        if (rsc->remote_reconnect_ms == 0) {
          st.on_fail = OnFail::kIgnore;
          rsc->next_role = Role::kUnknown;
        }
        break;
      default:
        st.on_fail = OnFail::kIgnore;
        rsc->next_role = Role::kUnknown;
        break;
    }
  }
}

void unpack_rsc_op_failure(WorkingSet& ws, Resource* rsc, Node* node, int rc,
                           const cib::OpHistory& op, LrmState& st) {
  st.last_failure = &op;
  bool is_probe = op.task == "monitor" && op.interval_ms == 0;
  if (!(!ws.config.symmetric && rc == 5)) {
    record_failed_op(ws, rsc, node, op);
  }
  Action* a = probe_action_config(
      ws, rsc, op.key.empty() ? op_key(rsc->id, op.task, op.interval_ms) : op.key, op.task);
  if (cmp_on_fail(st.on_fail, a->on_fail) < 0) st.on_fail = a->on_fail;
  if (op.task == "stop") {
    resource_location(ws, rsc, node, -kInfinity,
                      {ScoreSource::kStopFailure, ws.scores.remember(&op)});
  } else if (op.task == "migrate_to") {
    unpack_migrate_to_failure(ws, rsc, node, op);
  } else if (op.task == "migrate_from") {
    unpack_migrate_from_failure(ws, rsc, node, op);
  } else if (op.task == "promote") {
    rsc->role = Role::kPromoted;
  } else if (op.task == "demote") {
    if (a->on_fail == OnFail::kBlock) {
      rsc->role = Role::kPromoted;
      rsc->next_role = Role::kStopped;
    } else if (rc == 7) {
      rsc->role = Role::kStopped;
    } else {
      rsc->role = Role::kUnpromoted;
    }
  }
  if (is_probe && rc == 5) {
    rsc->role = Role::kStopped;
  } else if (rsc->role < Role::kStarted) {
    set_active(rsc);
  }
  if (a->fail_role != Role::kStarted && rsc->next_role < a->fail_role) {
    rsc->next_role = a->fail_role;
  }
  if (a->fail_role == Role::kStopped) {
    Cause why{ScoreSource::kOnFailStop, ws.scores.remember(&op)};
    for (auto& n : ws.nodes) ws.scores.set(*rsc, *n, -kInfinity, why);
  }
}

}  // namespace

// Failures as crm_mon lists them; kept for output (Failed Resource Actions).
std::vector<std::pair<Node*, const cib::OpHistory*>>& failed_ops_of(WorkingSet& ws);

namespace {
void record_failed_op(WorkingSet& ws, Resource* rsc, Node* node, const cib::OpHistory& op) {
  (void)rsc;
  if (!node->online) return;
  for (const auto& [n, o] : failed_ops_of(ws)) {
    if (n == node && strcasecmp(o->key.c_str(), op.key.c_str()) == 0) return;
  }
  failed_ops_of(ws).push_back({node, &op});
}

bool check_operation_expiry(WorkingSet& ws, Resource* rsc, Node* node, int rc,
                            const cib::OpHistory& op) {
  bool expired = false;
  bool is_last_failure =
      op.id.size() >= 15 && op.id.compare(op.id.size() - 15, 15, "_last_failure_0") == 0;
  const char* clear_reason = nullptr;
  if (rsc->failure_timeout_s > 0 && op.last_rc_change > 0) {
    EpochSeconds now = ws.options.now;
    if (now >= op.last_rc_change + rsc->failure_timeout_s && !remote_keeps_failure(ws, rsc, op)) {
      expired = true;
    }
    EpochSeconds last_failure = 0;
    int unexpired = failcount(ws, node, rsc, &last_failure, true, &op);
    last_failure += rsc->failure_timeout_s + 1;
    if (unexpired) update_recheck_time(ws, last_failure);
    if (expired) {
      if (failcount(ws, node, rsc, nullptr, false, &op)) {
        if (unexpired == 0) {
          clear_reason = "it expired";
        } else {
          expired = false;
        }
      } else if (is_last_failure && rsc->remote_reconnect_ms > 0) {
        clear_reason = "reconnect interval is set";
      }
    }
  }
  if (!expired && is_last_failure && (op.task == "start" || op.task == "monitor") &&
      bundle_needs_remote_name(ws, rsc)) {
    ws.param_checks.push_back({rsc, node, &op, true});  // once its host is known
  } else if (!expired && is_last_failure && (op.task == "start" || op.task == "monitor") &&
             params_changed_since(ws, rsc, op, node)) {
    // The failure was with other parameters: its count goes.
    clear_failcount(ws, rsc, node, "resource parameters have changed");
  }
  if (clear_reason) {
    Action* clear = clear_failcount(ws, rsc, node, clear_reason);
    order_clear_after_remote_fencing(ws, rsc, clear);  // remote.cpp
  }
  if (expired && op.interval_ms == 0 && op.task == "monitor") {
    if (rc == 0 || rc == 7 || rc == 8 || rc == 190 || rc == 191) expired = false;
  }
  return expired;
}

bool mask_probe_failure(const cib::OpHistory& op) {
  if (!(op.task == "monitor" && op.interval_ms == 0)) return false;
  return op.rc == 5 || op.rc == 2 || op.op_status == 7;
}

// The scheduler masks such a probe result only outside bundles: inside one
// (its containers, connections and the resources they hold) the result is a
// failure like any other, as Pacemaker's pe_rsc_is_bundled() exception.
bool mask_probe_failure(Resource* rsc, const cib::OpHistory& op) {
  return rsc->top()->parent == nullptr && mask_probe_failure(op);
}

// Execution status codes (PCMK_EXEC_*).
constexpr int kExecPending = -1, kExecDone = 0, kExecCancelled = 1, kExecTimeout = 2,
              kExecNotSupported = 3, kExecError = 4, kExecErrorHard = 5, kExecErrorFatal = 6,
              kExecNotInstalled = 7, kExecNotConnected = 8, kExecInvalid = 9,
              kExecNoFenceDevice = 10, kExecNoSecrets = 11;

// Pacemaker's remap_operation(): the exit status and result, as the
// scheduler sees them.
void remap_operation(WorkingSet& ws, Resource* rsc, Node* node, const cib::OpHistory& op,
                     LrmState& st, int target_rc, int* rc, int* status) {
  bool is_probe = op.task == "monitor" && op.interval_ms == 0;
  if (op.task == "monitor") {
    int eff = *rc == 190 ? 0 : *rc == 191 ? 8 : *rc;
    if (eff != *rc) {
      if (!node->shutdown || node->online) record_failed_op(ws, rsc, node, op);
      *rc = eff;
    }
  }
  if (mask_probe_failure(rsc, op)) {
    *status = kExecDone;
    *rc = 7;
  }
  if (*status != kExecDone && *status != kExecError) return;
  *status = kExecDone;
  if (target_rc < 0 || target_rc != *rc) *status = kExecError;
  auto check_recoverable = [&]() {
    if (op.task != "stop") return;
    if (can_fence(ws, node)) return;
    rsc->clear(kRscManaged);
    rsc->set(kRscBlock);
  };
  switch (*rc) {
    case 0:
      if (is_probe && target_rc == 7) *status = kExecDone;
      break;
    case 7:
      if (is_probe || target_rc == *rc || !rsc->is(kRscManaged)) {
        *status = kExecDone;
        rsc->role = Role::kStopped;
        st.on_fail = OnFail::kIgnore;
        rsc->next_role = Role::kUnknown;
      }
      break;
    case 8:
      if (is_probe && *rc != target_rc) *status = kExecDone;
      rsc->role = Role::kPromoted;
      break;
    case 191:
    case 9:
      rsc->role = Role::kPromoted;
      *status = kExecError;
      break;
    case 6:
      *status = kExecErrorFatal;
      break;
    case 3:
      if (op.interval_ms == 0) {
        check_recoverable();
        *status = kExecErrorHard;
      } else {
        *status = kExecNotSupported;
      }
      break;
    case 5:
    case 2:
    case 4:
      check_recoverable();
      *status = kExecErrorHard;
      break;
    default:
      if (*status == kExecDone) *status = kExecError;
      break;
  }
}

void unpack_rsc_op(WorkingSet& ws, Resource* rsc, Node* node, const cib::OpHistory& op,
                   LrmState& st) {
  const std::string& task = op.task;
  if (task.empty() || task == "notify" || task == "meta-data") return;
  int target_rc = target_rc_of(op);
  int rc = op.rc;
  int status = op.op_status;
  Resource* parent = rsc->is(kRscUnique) ? rsc : rsc->top();
  bool expired = false;
  if (status != kExecNotInstalled && check_operation_expiry(ws, rsc, node, rc, op)) expired = true;
  int old_rc = rc, old_target_rc = target_rc;
  remap_operation(ws, rsc, node, op, st, target_rc, &rc, &status);
  bool maskable = mask_probe_failure(rsc, op);
  if (expired && maskable && old_rc != old_target_rc) {
    if (rsc->role <= Role::kStopped) rsc->role = Role::kUnknown;
    return;
  } else if (expired && rc != target_rc) {
    if (op.interval_ms == 0) return;
    if (node->online && !node->unclean) {
      // The monitor is rescheduled: its digest no longer matters.
      ws.failure_expired_monitors.push_back(&op);
      return;
    }
  }
  if (maskable) {
    update_resource_state(ws, rsc, node, op, task, target_rc, st);
    record_failed_op(ws, rsc, node, op);
    resource_location(ws, parent, node, -kInfinity,
                      {ScoreSource::kProbeFailure, ws.scores.remember(&op)});
    return;
  }
  switch (status) {
    case kExecCancelled:
      return;
    case kExecPending:
      if (task == "start") {
        rsc->set(kRscStartPending);
        set_active(rsc);
      } else if (task == "promote") {
        rsc->role = Role::kPromoted;
      } else if (task == "migrate_to" && node->unclean) {
        if (Node* target = ws.find_node(op.migrate_target)) stop_action(ws, rsc, target, false);
      }
      if (rsc->pending_task.empty()) {
        if (op.interval_ms != 0 || task != "monitor") {
          rsc->pending_task = task;
          rsc->pending_node = node;
        }
      }
      return;
    case kExecDone:
      update_resource_state(ws, rsc, node, op, task, rc, st);
      return;
    case kExecNotInstalled: {
      Action* a = custom_action(ws, rsc, op.key, task, nullptr, true, false);
      if (a->on_fail == OnFail::kIgnore) st.on_fail = OnFail::kMigrate;
      resource_location(ws, parent, node, -kInfinity,
                        {ScoreSource::kHardError, ws.scores.remember(&op)});
      unpack_rsc_op_failure(ws, rsc, node, rc, op, st);
      return;
    }
    case kExecNotConnected:
      // An action that could not reach its remote node: the connection failed.
      if (node->is_pcmk_remote() && node->remote_rsc && node->remote_rsc->is(kRscManaged)) {
        node->remote_rsc->set(kRscFailed | kRscStop);
      }
      break;
    case kExecNoFenceDevice:
    case kExecNoSecrets:
      status = kExecErrorHard;
      break;
    default:
      break;
  }
  Action* a =
      custom_action(ws, rsc, op.key.empty() ? op_key(rsc->id, task, op.interval_ms) : op.key, task,
                    nullptr, true, false);
  // A failed stop inside a container counts as done: the container restarts.
  bool container_stop = a->on_fail == OnFail::kRestartContainer && task == "stop";
  if (a->on_fail == OnFail::kIgnore || container_stop) {
    update_resource_state(ws, rsc, node, op, task, target_rc, st);
    rsc->set(kRscFailureIgnored);
    record_failed_op(ws, rsc, node, op);
    if (container_stop && cmp_on_fail(st.on_fail, OnFail::kRecover) <= 0) {
      st.on_fail = OnFail::kRestartContainer;
    }
  } else {
    unpack_rsc_op_failure(ws, rsc, node, rc, op, st);
    if (status == kExecErrorHard) {
      resource_location(ws, parent, node, -kInfinity,
                        {ScoreSource::kHardError, ws.scores.remember(&op)});
    } else if (status == kExecErrorFatal) {
      resource_location(ws, parent, nullptr, -kInfinity,
                        {ScoreSource::kFatalError, ws.scores.remember(&op)});
    }
  }
  (void)kExecTimeout;
  (void)kExecInvalid;
}

// Why an active resource is unmanaged, for its explanation.
UnmanagedWhy unmanaged_why(const WorkingSet& ws, const Resource& rsc, const Node& node) {
  if (node.maintenance) return UnmanagedWhy::kNodeMaintenance;
  if (rsc.is(kRscBlock)) return UnmanagedWhy::kBlocked;
  if (rsc.is(kRscMaintenance)) {
    return ws.config.maintenance_mode ? UnmanagedWhy::kClusterMaintenance
                                      : UnmanagedWhy::kResourceMaintenance;
  }
  return UnmanagedWhy::kIsManaged;
}

// Only a primitive is "active on several nodes"; one that needs no fencing
// counts only the nodes that are online and clean.
bool multiply_active(const Resource* rsc) {
  if (!rsc->is_primitive()) return false;
  unsigned all = 0, clean = 0;
  find_active_on(rsc, &all, &clean);
  return (rsc->is(kRscNeedsFencing) ? all : clean) > 1;
}

void native_add_running(WorkingSet& ws, Resource* rsc, Node* node, bool failed) {
  if (std::find(rsc->running_on.begin(), rsc->running_on.end(), node) != rsc->running_on.end())
    return;
  rsc->running_on.push_back(node);
  if (rsc->is_primitive()) {
    node->running_rsc.push_back(rsc);
    // A failed resource adds nothing (it is what the node could not keep).
    if (rsc->priority != 0 && !failed) {
      int priority = rsc->priority + (rsc->role == Role::kPromoted ? 1 : 0);
      node->priority += priority;
      // What runs on a guest node counts for the nodes hosting its container.
      if (node->remote_rsc && node->remote_rsc->container) {
        for (Node* host : node->remote_rsc->container->running_on) host->priority += priority;
      }
    }
    if (node->maintenance) rsc->clear(kRscManaged);
  }
  if (!rsc->is(kRscManaged)) {
    // An unmanaged resource stays where it is.
    resource_location(
        ws, rsc, node, kInfinity,
        {ScoreSource::kUnmanaged, -1, static_cast<std::int32_t>(unmanaged_why(ws, *rsc, *node))});
    for (Resource* p = rsc->parent; p && node->online; p = p->parent) p->running_on.push_back(node);
    return;
  }
  if (multiply_active(rsc)) {
    switch (rsc->recovery) {
      case Recovery::kStopOnly:
        for (auto& n : ws.nodes) {
          ws.scores.set(*rsc, *n, -kInfinity, {ScoreSource::kMultipleActive});
        }
        break;
      case Recovery::kBlock:
        rsc->clear(kRscManaged);
        rsc->set(kRscBlock);
        if (rsc->parent && rsc->parent->is_group() && rsc->parent->recovery == Recovery::kBlock) {
          for (Resource* c : rsc->parent->children) {
            c->clear(kRscManaged);
            c->set(kRscBlock);
          }
        }
        break;
      default:
        break;
    }
  }
  if (rsc->parent) native_add_running(ws, rsc->parent, node, false);
}

void process_rsc_state(WorkingSet& ws, Resource* rsc, Node* node, OnFail on_fail) {
  if (rsc->role != Role::kUnknown) {
    for (Resource* it = rsc; it; it = it->parent) {
      it->known_on[node->index] = 1;
      if (it->is(kRscUnique)) break;
    }
  }
  if (rsc->role > Role::kStopped && !node->online && !node->maintenance && rsc->is(kRscManaged) &&
      !remote_active_on_down_node(ws, rsc, node)) {
    if (ws.config.stonith_enabled) {
      pe_fence_node(ws, node, rsc->id + " is thought to be active there", false);
    }
  }
  OnFail save = on_fail;
  if (node->unclean) on_fail = OnFail::kIgnore;
  switch (on_fail) {
    case OnFail::kIgnore:
      break;
    case OnFail::kDemote:
      rsc->set(kRscFailed);
      demote_action(ws, rsc, node, false);
      break;
    case OnFail::kFence:
      pe_fence_node(ws, node, rsc->id + " failed there", false);
      break;
    case OnFail::kStandby:
      node->standby = true;
      node->standby_onfail = true;
      break;
    case OnFail::kBlock:
      rsc->clear(kRscManaged);
      rsc->set(kRscBlock);
      break;
    case OnFail::kMigrate:
      resource_location(ws, rsc, node, -kInfinity, {ScoreSource::kOnFailMigrate});
      break;
    case OnFail::kStop:
      rsc->next_role = Role::kStopped;
      break;
    case OnFail::kRecover:
      if (rsc->role != Role::kStopped && rsc->role != Role::kUnknown) {
        rsc->set(kRscFailed | kRscStop);
        stop_action(ws, rsc, node, false);
      }
      break;
    case OnFail::kRestartContainer:
    case OnFail::kResetRemote:
      remote_on_fail(ws, rsc, node, on_fail);
      break;
  }
  remote_after_failure(ws, rsc);
  if (rsc->role != Role::kStopped && rsc->role != Role::kUnknown) {
    if (rsc->is(kRscOrphan)) {
      ws.warnings.push_back("Detected active orphan " + rsc->id + " running on " + node->uname);
    }
    native_add_running(ws, rsc, node, save != OnFail::kIgnore);
    switch (on_fail) {
      case OnFail::kIgnore:
        break;
      case OnFail::kDemote:
      case OnFail::kBlock:
        rsc->set(kRscFailed);
        break;
      default:
        rsc->set(kRscFailed | kRscStop);
        break;
    }
  } else if (rsc->clone_name.find(':') != std::string::npos) {
    // An old status section's numbered name for a stopped instance is
    // forgotten, or the instance would look like an orphan.
    rsc->clone_name.clear();
  } else {
    for (Action* stop : rsc_actions(rsc, node, "stop", false)) stop->set(kActOptional);
  }
  if (rsc->role == Role::kStopped && rsc->partial_migration_source == node &&
      rsc->partial_migration_target && !rsc->running_on.empty()) {
    rsc->role = Role::kStarted;
  }
}

void process_recurring(WorkingSet& ws, Node* node, Resource* rsc, int start_index, int stop_index,
                       const std::vector<const cib::OpHistory*>& ops) {
  int counter = -1;
  for (const auto* op : ops) {
    ++counter;
    if (!node->online) break;
    if (start_index < stop_index && counter <= stop_index) continue;
    if (counter < start_index) continue;
    if (op->interval_ms == 0) continue;
    if (op->op_status == -1) continue;
    custom_action(ws, rsc, op_key(rsc->id, op->task, op->interval_ms), op->task, node, true, true);
  }
}

void calculate_active_ops(const std::vector<const cib::OpHistory*>& ops, int* start_index,
                          int* stop_index) {
  int counter = -1, implied_monitor_start = -1, implied_clone_start = -1;
  *stop_index = -1;
  *start_index = -1;
  for (const auto* op : ops) {
    ++counter;
    if (op->task == "stop" && op->op_status == 0) {
      *stop_index = counter;
    } else if (op->task == "start" || op->task == "migrate_from") {
      *start_index = counter;
    } else if (implied_monitor_start <= *stop_index && op->task == "monitor") {
      if (op->has_rc && (op->rc == 0 || op->rc == 8)) implied_monitor_start = counter;
    } else if (op->task == "promote" || op->task == "demote") {
      implied_clone_start = counter;
    }
  }
  if (*start_index == -1) {
    if (implied_clone_start != -1) {
      *start_index = implied_clone_start;
    } else if (implied_monitor_start != -1) {
      *start_index = implied_monitor_start;
    }
  }
}

Resource* process_orphan(WorkingSet& ws, const cib::ResourceHistory& h) {
  Resource* rsc = build_resource(ws, nullptr, nullptr, h.id);
  rsc->cls = h.cls;
  rsc->provider = h.provider;
  rsc->type = h.type;
  rsc->meta["id"] = h.id;
  rsc->meta["class"] = h.cls;
  if (!h.provider.empty()) rsc->meta["provider"] = h.provider;
  rsc->meta["type"] = h.type;
  finish_resource(ws, rsc);
  rsc->set(kRscOrphan);
  if (ws.config.symmetric) resource_location(ws, rsc, nullptr, 0, {ScoreSource::kSymmetric});
  ws.resources.push_back(rsc);
  link_orphan_resource(ws, rsc, h);  // remote.cpp: connections, container fillers
  if (!ws.config.stop_orphan_resources) {
    rsc->clear(kRscManaged);
  } else {
    resource_location(ws, rsc, nullptr, -kInfinity, {ScoreSource::kOrphan});
  }
  return rsc;
}

// A history entry stamped with "shutdown-lock" ties the resource to the node
// it was cleanly stopped on, until shutdown-lock-limit (if any) runs out; an
// expired lock only leaves the entry to be erased from the CIB.
void unpack_shutdown_lock(WorkingSet& ws, Resource* rsc, Node* node,
                          const cib::ResourceHistory& h) {
  if (h.shutdown_lock.empty()) return;
  char* end = nullptr;
  long long since = std::strtoll(h.shutdown_lock.c_str(), &end, 10);
  if (end == h.shutdown_lock.c_str() || since == 0) return;
  if (ws.config.shutdown_lock_s > 0 && ws.options.now > since + ws.config.shutdown_lock_s) {
    clear_resource_history(ws, rsc, node);
    return;
  }
  rsc->lock_node = node;
  rsc->lock_time = since;
}

void unpack_lrm_resource(WorkingSet& ws, Node* node, const cib::ResourceHistory& h) {
  // An entry without an id names no resource: Pacemaker ignores it with a
  // warning. An empty id is no better (no orphan can be built for it).
  if (h.id.empty()) {
    ws.warnings.push_back("Ignoring malformed lrm_resource entry without id on " + node->uname);
    return;
  }
  // With shutdown locks, an entry without operations can still hold a lock.
  if (h.ops.empty() && !ws.config.shutdown_lock) return;
  Resource* rsc = find_history_resource(ws, node, h.id);  // clone_unpack.cpp
  if (rsc && !rsc->is_primitive()) {
    // History of what is no longer a primitive (a clone or group now
    // has its id) belongs to an orphan, which is cleaned up.
    ws.warnings.push_back("Resource history for " + h.id +
                          " is orphaned because it is no longer primitive");
    rsc = nullptr;
  }
  if (!rsc) {
    if (h.ops.empty()) return;
    rsc = process_orphan(ws, h);
  }
  if (ws.config.shutdown_lock) unpack_shutdown_lock(ws, rsc, node, h);
  Role saved_role = rsc->role;
  rsc->role = Role::kUnknown;
  LrmState st;
  std::vector<const cib::OpHistory*> sorted;
  for (const auto& op : h.ops) sorted.push_back(&op);
  for (const auto* op : sorted) unpack_rsc_op(ws, rsc, node, *op, st);
  int start_index = -1, stop_index = -1;
  calculate_active_ops(sorted, &start_index, &stop_index);
  process_recurring(ws, node, rsc, start_index, stop_index, sorted);
  process_rsc_state(ws, rsc, node, st.on_fail);
  bool has = false;
  Role req = target_role(ws, rsc, &has);
  if (has) {
    if (rsc->next_role == Role::kUnknown || req < rsc->next_role) rsc->next_role = req;
  }
  if (saved_role > rsc->role) rsc->role = saved_role;
}

}  // namespace

void unpack_status(WorkingSet& ws) {
  std::vector<char> unpacked(ws.nodes.size(), 0);
  std::vector<const cib::NodeState*> states(ws.nodes.size(), nullptr);
  for (const auto& st : ws.cib.node_states) {
    if (st.id.empty() || st.uname.empty()) continue;
    Node* node = ws.find_node_by_id(st.id);
    if (!node) node = ws.find_node(st.uname);
    if (!node) {
      ws.warnings.push_back("Ignoring recorded node state for '" + st.uname +
                            "' because it is no longer in the configuration");
      continue;
    }
    if (states[node->index]) continue;
    states[node->index] = &st;
    node->has_state = true;
    if (node->is_pcmk_remote()) {  // online once its connection's state is known
      note_remote_node_state(node, st);
      continue;
    }
    rules::RuleInput in;
    in.node_attrs = &node->attrs;
    in.now = ws.options.now;
    in.next_change = &ws.rules_change;
    rules::apply_nvsets(st.transient_sets, in, node->attrs, true);
    if (is_true(node_attr(node, "standby"))) node->standby = true;
    if (is_true(node_attr(node, "maintenance"))) node->maintenance = true;
    node->unclean = false;
    node->unseen = false;
    determine_online_status(ws, node, st);
    if (!ws.have_quorum && node->online && ws.config.no_quorum == NoQuorumPolicy::kSuicide) {
      pe_fence_node(ws, node, "cluster does not have quorum", false);
    }
  }
  // Pacemaker walks node_state entries in document order.
  std::vector<Node*> order;
  for (const auto& st : ws.cib.node_states) {
    Node* node = ws.find_node_by_id(st.id);
    if (!node) node = ws.find_node(st.uname);
    if (node && states[node->index] == &st) order.push_back(node);
  }
  // Remote and guest nodes wait for their connection's (and container's)
  // history, which is on other nodes: passes repeat while any node unpacks.
  auto pass = [&](bool fence) {
    bool any = false;
    for (Node* n : order) {
      if (unpacked[n->index]) continue;
      if (fence) {
        // every node left
      } else if (n->is_pcmk_remote()) {
        if (!remote_history_ready(ws, n)) continue;
      } else if (!ws.config.stonith_enabled && !ws.config.shutdown_lock && !n->online) {
        continue;
      }
      if (n->is_pcmk_remote()) unpack_remote_node_state(ws, n, *states[n->index]);
      unpacked[n->index] = 1;
      n->unpacked = true;
      for (const auto& h : states[n->index]->resources) unpack_lrm_resource(ws, n, h);
      map_orphaned_fillers(ws, states[n->index]->resources);  // remote.cpp
      any = true;
    }
    return any;
  };
  while (pass(false)) {
  }
  pass(ws.config.stonith_enabled);
  finish_remote_status(ws);
}

Status unpack(WorkingSet& ws) {
  ws.have_quorum = ws.cib.have_quorum;
  unpack_config(ws);
  unpack_nodes(ws);
  mark_orphan_connection_nodes(ws);  // remote.cpp
  if (auto st = unpack_resources(ws); !st) return st;
  if (ws.config.stonith_enabled && !ws.config.have_stonith_resource) {
    // Nothing that needs fencing may start: say why, as Pacemaker does.
    ws.warnings.push_back(
        "Resource start-up disabled since no STONITH resources have been defined");
    ws.warnings.push_back(
        "Either configure some or disable STONITH with the stonith-enabled option");
    ws.warnings.push_back("NOTE: Clusters with shared data need STONITH to ensure data integrity");
  }
  unpack_tickets(ws);  // tickets.cpp
  unpack_status(ws);
  return ok_status();
}

}  // namespace vigil::pengine
