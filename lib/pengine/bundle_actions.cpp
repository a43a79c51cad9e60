// SPDX-License-Identifier: GPL-2.0-or-later
// A bundle's actions (Pacemaker's pcmk_sched_bundle.c): the replicas'
// resources act as primitives, the bundle's start/running/stop/stopped
// pseudo-actions stand for its containers (as a clone's for its instances),
// probes of each replica, and the graph order of its resources.
#include <strings.h>

#include <algorithm>

#include "bundle.hpp"
#include "internal.hpp"

namespace vigil::pengine {

void bundle_create_actions(WorkingSet& ws, Resource* bundle) {
  BundleData& b = *bundle->bundle;
  for (BundleReplica& r : b.replicas) {
    if (r.ip) create_actions(ws, r.ip);
    create_actions(ws, r.container);
    if (r.remote) create_actions(ws, r.remote);
  }
  collective_pseudo_actions(ws, bundle, bundle_containers(bundle), false, nullptr);
  if (!b.child) return;
  create_actions(ws, b.child);
  if (b.child->clone->promotable) {
    rsc_pseudo_action(ws, bundle, "promote", true, true);
    rsc_pseudo_action(ws, bundle, "promoted", true, true)->priority = kInfinity;
    rsc_pseudo_action(ws, bundle, "demote", true, true);
    rsc_pseudo_action(ws, bundle, "demoted", true, true)->priority = kInfinity;
  }
}

std::uint32_t bundle_action_flags(Action* action, const Node* node) {
  const BundleData& b = *action->rsc->bundle;
  if (b.child) {
    const std::string& t = action->task;
    if (t == "notify" || t == "notified" || t == "promote" || t == "promoted" || t == "demote" ||
        t == "demoted") {
      return summary_action_flags(action, b.child->children, node);
    }
  }
  return summary_action_flags(action, bundle_containers(action->rsc), node);
}

Resource* bundle_replica_instance(const Resource* rsc, Resource* container, const Node* node,
                                  Resource* fallback) {
  if (!is_bundle(rsc) || !node) return fallback;
  for (const BundleReplica& r : rsc->bundle->replicas) {
    if (r.child && r.container == container && r.node == node) return r.child;
  }
  return fallback;
}

bool bundle_create_probes(WorkingSet& ws, Resource* bundle, Node* node,
                          const std::function<bool(Resource*)>& probe) {
  BundleData& b = *bundle->bundle;
  bool any = false;
  for (BundleReplica& r : b.replicas) {
    if (r.ip && probe(r.ip)) any = true;
    if (r.child && node == r.node && probe(r.child)) any = true;
    if (probe(r.container)) {
      any = true;
      // Without an address per replica, no container starts until every
      // node is known not to run another one (ports would clash).
      if (b.replicas_per_host == 1) {
        for (BundleReplica& other : b.replicas) {
          if (&other == &r) continue;
          new_ordering(ws, r.container, op_key(r.container->id, "monitor", 0), nullptr,
                       other.container, op_key(other.container->id, "start", 0), nullptr,
                       kOrderOptional | kOrderSameNode);
        }
      }
    }
    if (r.remote && probe(r.remote)) {
      // The connection is probed once its container's host is known.
      std::string task = "monitor";
      for (Action* p : rsc_actions(r.remote, node, task, true)) {
        if (p->interval_ms != 0) continue;
        any = true;
        new_ordering(ws, r.container, op_key(r.container->id, "start", 0), nullptr, r.remote, "", p,
                     kOrderProbe);
        break;
      }
    }
  }
  return any;
}

std::vector<Resource*> bundle_graph_order(const Resource* bundle) {
  const BundleData& b = *bundle->bundle;
  std::vector<Resource*> out;
  if (b.child) out.push_back(b.child);
  for (const BundleReplica& r : b.replicas) {
    if (r.ip) out.push_back(r.ip);
    out.push_back(r.container);
    if (r.remote) out.push_back(r.remote);
  }
  return out;
}

std::vector<Resource*> bundle_summary_order(const Resource* bundle) {
  std::vector<Resource*> out;
  for (const BundleReplica& r : bundle->bundle->replicas) {
    if (r.ip) out.push_back(r.ip);
    out.push_back(r.container);
    if (r.remote) out.push_back(r.remote);
    if (r.child) out.push_back(r.child);
  }
  return out;
}

void bundle_graph_meta(const Action* a,
                       std::vector<std::pair<std::string_view, const std::string*>>& attrs) {
  if (!a->rsc || !a->rsc->is_primitive()) return;
  if (auto v = lookup(a->rsc->meta, "external-ip")) attrs.emplace_back("pcmk_external_ip", v);
}

const std::string* node_attr_for(const Node* node, const std::string& name, const Resource* rsc) {
  if (!node) return nullptr;
  auto target = rsc ? lookup(rsc->meta, "container-attribute-target") : nullptr;
  if (!target || strcasecmp(target->c_str(), "host") != 0 || !is_guest_node(node)) {
    return node_attr(node, name);
  }
  const Resource* container = node->remote_rsc->container;
  if (container->running_on.empty()) return nullptr;
  return node_attr(container->running_on.front(), name);
}

bool bundle_needs_remote_name(const WorkingSet& ws, const Resource* rsc) {
  if (!rsc->is_remote_node || !rsc->container || !parent_bundle(rsc) || !rsc->config) return false;
  AttrMap params;
  rules::RuleInput in;
  in.now = ws.options.now;
  rules::apply_nvsets(rsc->config->instance_sets, in, params);
  auto it = params.find("addr");
  return it != params.end() && strcasecmp(it->second.c_str(), "#uname") == 0;
}

Node* bundle_connection_host(const Resource* remote) {
  if (!remote->is_remote_node || !remote->container || !parent_bundle(remote)) return nullptr;
  if (remote->container->allocated_to) return remote->container->allocated_to;
  return remote->container->current_node();
}

}  // namespace vigil::pengine
