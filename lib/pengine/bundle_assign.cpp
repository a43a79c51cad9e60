// SPDX-License-Identifier: GPL-2.0-or-later
// Placement of a bundle (Pacemaker's pcmk__bundle_allocate): the containers
// are spread over the nodes as clone instances are (replicas,
// replicas-per-host), then each replica's IP and connection follow its
// container and its instance is put on the replica's guest node; last the
// clone itself, among the guest nodes only. Also the bundle's internal
// orderings and colocations, and colocations with a bundle.
#include <algorithm>

#include "bundle.hpp"
#include "internal.hpp"
#include "promotable.hpp"

namespace vigil::pengine {

namespace {

Cause bundle_cause(BundleWhy why) {
  return {ScoreSource::kBundle, -1, static_cast<std::int32_t>(why)};
}

// Pacemaker's pcmk__threshold_reached, without banning.
bool threshold_reached(const WorkingSet& ws, Resource* rsc, const Node* node) {
  if (rsc->migration_threshold == 0 || rsc->is(kRscFailureIgnored)) return false;
  int fc = failcount(ws, node, rsc, nullptr, true) + fillers_failcount(ws, node, rsc);
  return fc > 0 && rsc->migration_threshold - fc <= 0;
}

void assign_replica_instance(WorkingSet& ws, BundleReplica& r) {
  Resource* inst = r.child;
  for (auto& n : ws.nodes) {
    const NodeScore& s = inst->allowed[n->index];
    if (!s.present) continue;
    if (n.get() != r.node) {
      ws.scores.set(*inst, *n, -kInfinity, bundle_cause(BundleWhy::kOtherNode));
    } else if (!threshold_reached(ws, inst, n.get())) {
      ws.scores.set(*inst, *n, kInfinity, bundle_cause(BundleWhy::kThreshold));
    }
  }
  Resource* clone = inst->parent;
  bool was_allocating = clone->is(kRscAllocating);
  clone->set(kRscAllocating);
  assign(ws, inst, r.node);
  if (!was_allocating) clone->clear(kRscAllocating);
}

}  // namespace

std::vector<Resource*> bundle_containers(const Resource* bundle) {
  std::vector<Resource*> out;
  for (const BundleReplica& r : bundle->bundle->replicas) out.push_back(r.container);
  return out;
}

Node* bundle_assign(WorkingSet& ws, Resource* bundle, Node* prefer) {
  // Every call places what is still unplaced (and shows the scores again).
  if (bundle->is(kRscAllocating)) return nullptr;
  BundleData& b = *bundle->bundle;
  bundle->set(kRscAllocating);
  show_scores(ws, bundle, "pcmk__bundle_allocate");
  std::vector<Resource*> containers = bundle_containers(bundle);
  assign_instances(ws, bundle, containers);  // clone_assign.cpp
  for (BundleReplica& r : b.replicas) {
    if (r.ip) assign(ws, r.ip, prefer);
    Node* host = r.container->allocated_to;
    if (r.remote && host && host->is_pcmk_remote() && host->remote_rsc) {
      // pacemaker-remoted takes one connection: a nested connection runs
      // where the connection to its host does.
      new_colocation(ws, "child-remote-with-docker-remote", "", kInfinity, r.remote,
                     host->remote_rsc, "", "", true);
    }
    if (r.remote) assign(ws, r.remote, prefer);
    if (r.child && r.node) assign_replica_instance(ws, r);
  }
  // The clone placed already (a later call), its table has moved on (its
  // promotion weights): it is left as it is.
  if (Resource* clone = b.child; clone && clone->is(kRscProvisional)) {
    for (auto& n : ws.nodes) {
      if (!clone->allowed[n->index].present) continue;
      int score = is_bundle_node(n.get()) && n->remote_rsc && parent_bundle(n->remote_rsc) == bundle
                      ? 0
                      : -kInfinity;
      ws.scores.set(*clone, *n, score, bundle_cause(BundleWhy::kCloneOnGuests));
    }
    assign(ws, clone, prefer);
  }
  bundle->clear(kRscAllocating | kRscProvisional);
  return nullptr;
}

void bundle_internal_constraints(WorkingSet& ws, Resource* bundle) {
  BundleData& b = *bundle->bundle;
  if (Resource* clone = b.child) {
    order_rsc_actions(ws, bundle, "start", clone, "start", kOrderImpliesFirstPrinted);
    order_rsc_actions(ws, bundle, "stop", clone, "stop", kOrderImpliesFirstPrinted);
    bool any = !clone->children.empty();
    order_rsc_actions(ws, clone, any ? "running" : "start", bundle, "running",
                      kOrderImpliesThenPrinted);
    order_rsc_actions(ws, clone, any ? "stopped" : "stop", bundle, "stopped",
                      kOrderImpliesThenPrinted);
  }
  for (BundleReplica& r : b.replicas) {
    internal_constraints(ws, r.container);
    order_rsc_actions(ws, bundle, "start", r.container, "start",
                      kOrderRunnableLeft | kOrderImpliesFirstPrinted);
    if (r.child) order_rsc_actions(ws, bundle, "stop", r.child, "stop", kOrderImpliesFirstPrinted);
    order_rsc_actions(ws, bundle, "stop", r.container, "stop", kOrderImpliesFirstPrinted);
    order_rsc_actions(ws, r.container, "start", bundle, "running", kOrderImpliesThenPrinted);
    order_rsc_actions(ws, r.container, "stop", bundle, "stopped", kOrderImpliesThenPrinted);
    if (r.ip) {
      internal_constraints(ws, r.ip);
      order_rsc_actions(ws, r.ip, "start", r.container, "start",
                        kOrderRunnableLeft | kOrderPreserve);
      order_rsc_actions(ws, r.container, "stop", r.ip, "stop", kOrderImpliesFirst | kOrderPreserve);
      new_colocation(ws, "ip-with-docker", "", kInfinity, r.ip, r.container, "", "", true);
    }
    // The connection follows its container (remote.cpp's container rules).
    if (r.remote) internal_constraints(ws, r.remote);
  }
  if (!b.child) return;
  internal_constraints(ws, b.child);
  if (!b.child->clone->promotable) return;
  // Pacemaker's promotable restart ordering, on the bundle.
  order_role_changes(ws, bundle);
  // The clone's promotions and demotions within the bundle's.
  order_rsc_actions(ws, b.child, "demoted", bundle, "demoted", kOrderImpliesThenPrinted);
  order_rsc_actions(ws, bundle, "demote", b.child, "demote", kOrderImpliesFirstPrinted);
  order_rsc_actions(ws, b.child, "promoted", bundle, "promoted", kOrderImpliesThenPrinted);
  order_rsc_actions(ws, bundle, "promote", b.child, "promote", kOrderImpliesFirstPrinted);
}

namespace {

// A replica's container that is (or will be) on `node` (Pacemaker's
// compatible_replica_for_node).
Resource* container_on(const Resource* bundle, const Node* node, bool current) {
  if (!node) return nullptr;
  for (const BundleReplica& r : bundle->bundle->replicas) {
    if (is_set_recursive(r.container, kRscBlock, true)) continue;
    if (rsc_location(r.container, current) == node) return r.container;
  }
  return nullptr;
}

}  // namespace

Resource* compatible_bundle_container(WorkingSet& ws, Resource* dependent, const Resource* bundle,
                                      bool current) {
  if (Node* node = rsc_location(dependent, current)) return container_on(bundle, node, current);
  for (Node* node : sorted_allowed_nodes(ws, dependent)) {
    if (Resource* r = container_on(bundle, node, current)) return r;
  }
  return nullptr;
}

std::vector<Resource*> bundle_location_targets(const Location& loc) {
  std::vector<Resource*> out;
  const BundleData& b = *loc.rsc->bundle;
  for (const BundleReplica& r : b.replicas) {
    out.push_back(r.container);
    if (r.ip) out.push_back(r.ip);
  }
  if (b.child && (loc.role_filter == Role::kPromoted || loc.role_filter == Role::kUnpromoted)) {
    out.push_back(b.child);
    for (Resource* inst : b.child->children) out.push_back(inst);
  }
  return out;
}

void bundle_apply_coloc_score(WorkingSet& ws, Resource* dependent, Resource* bundle,
                              const Colocation& c) {
  if (bundle->is(kRscProvisional)) return;
  if (c.dependent->is_clone() || is_bundle(c.dependent)) {
    Resource* container = compatible_bundle_container(ws, dependent, bundle, false);
    if (container) {
      apply_coloc_score(ws, dependent, container, c, true);
    } else if (c.score >= kInfinity) {
      finalize_assignment(ws, dependent, nullptr, true);
    }
    return;
  }
  if (c.score < kInfinity) {
    for (BundleReplica& r : bundle->bundle->replicas) {
      apply_coloc_score(ws, dependent, r.container, c, false);
    }
    return;
  }
  // Only where a replica is (or will be).
  std::vector<char> allowed(ws.nodes.size(), 0);
  for (const BundleReplica& r : bundle->bundle->replicas) {
    Node* chosen = rsc_location(r.container, false);
    if (!chosen || is_set_recursive(r.container, kRscBlock, true)) continue;
    if (c.primary_role >= Role::kPromoted && (!r.child || r.child->next_role < Role::kPromoted)) {
      continue;
    }
    allowed[chosen->index] = 1;
  }
  ban_outside_instances(ws, dependent, allowed, c);
}

}  // namespace vigil::pengine
