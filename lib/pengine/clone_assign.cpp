// SPDX-License-Identifier: GPL-2.0-or-later
// Placement of clone instances (Pacemaker's pcmk__clone_allocate and
// distribute_children): instances sorted so the ones best kept where they
// are go first, kept on their current nodes while no node has more than its
// share, then the rest spread over the nodes, at most clone-node-max per
// node and clone-max in all. Also colocations whose primary is a clone.
#include <strings.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <unordered_map>

#include "internal.hpp"
#include "promotable.hpp"

namespace vigil::pengine {

bool is_set_recursive(const Resource* rsc, std::uint32_t flag, bool any) {
  bool all = !any;
  if (rsc->is(flag)) {
    if (any) return true;
  } else if (all) {
    return false;
  }
  for (const Resource* c : rsc->children) {
    if (is_set_recursive(c, flag, any)) {
      if (any) return true;
    } else if (all) {
      return false;
    }
  }
  return all;
}

Node* rsc_location(const Resource* rsc, bool current) {
  if (rsc->children.empty()) {
    // A primitive: no list to gather (probes ask this for every node).
    if (!current) return rsc->allocated_to;
    return rsc->running_on.size() == 1 ? rsc->running_on.front() : nullptr;
  }
  std::vector<Node*> nodes;
  std::function<void(const Resource*)> collect = [&](const Resource* r) {
    if (!r->children.empty()) {
      for (const Resource* c : r->children) collect(c);
      return;
    }
    if (current) {
      for (Node* n : r->running_on) {
        if (std::find(nodes.begin(), nodes.end(), n) == nodes.end()) nodes.push_back(n);
      }
    } else if (r->allocated_to &&
               std::find(nodes.begin(), nodes.end(), r->allocated_to) == nodes.end()) {
      nodes.push_back(r->allocated_to);
    }
  };
  collect(rsc);
  return nodes.size() == 1 ? nodes.front() : nullptr;
}

void sort_instances_by_number(Resource* clone) {
  auto number = [](const Resource* r) {
    auto colon = r->id.rfind(':');
    return colon == std::string::npos ? 0L : std::strtol(r->id.c_str() + colon + 1, nullptr, 10);
  };
  auto by_number = [&](const Resource* a, const Resource* b) { return number(a) < number(b); };
  // Probes ask for it on every node: most of the time it is sorted already.
  if (std::is_sorted(clone->children.begin(), clone->children.end(), by_number)) return;
  std::stable_sort(clone->children.begin(), clone->children.end(), by_number);
}

namespace {

// The clone's entry for a node (Pacemaker's pcmk__top_allowed_node), null
// when the clone has none.
const NodeScore* clone_entry(const Resource* clone, const Node* node) {
  if (!node) return nullptr;
  const NodeScore& s = clone->allowed[node->index];
  return s.present ? &s : nullptr;
}

bool did_fail(const Resource* rsc) {
  if (rsc->is(kRscFailed)) return true;
  for (const Resource* c : rsc->children) {
    if (did_fail(c)) return true;
  }
  return false;
}

// An instance's current node scored by its clone's colocations (the node at
// its own weight to start with).
int colocated_score_on_current(WorkingSet& ws, Resource* inst, Node* current) {
  ScoreDraft table(ws.nodes.size());
  table[current->index] = {current->weight, true};
  Resource* clone = inst->parent;
  for (Colocation* c : clone->this_with) {
    add_colocated_node_scores(ws, c->primary, inst->id, table, false, c->node_attribute,
                              static_cast<float>(c->score) / static_cast<float>(kInfinity), 0);
  }
  for (Colocation* c : clone->with_this) {
    if (!colocation_has_influence(*c, inst)) continue;
    add_colocated_node_scores(ws, c->dependent, inst->id, table, false, c->node_attribute,
                              static_cast<float>(c->score) / static_cast<float>(kInfinity),
                              kColocSelectNonnegative);
  }
  return table[current->index].weight;
}

long instance_number(const Resource* r) {
  auto colon = r->id.rfind(':');
  return colon == std::string::npos ? 0L : std::strtol(r->id.c_str() + colon + 1, nullptr, 10);
}

// A clone's colocations become its instance's: all of them when not every
// node gets an instance, else only the mandatory and negative ones.
void append_parent_colocations(Resource* clone, Resource* inst, bool all) {
  for (Colocation* c : clone->this_with) {
    if (all || c->score < 0 || c->score == kInfinity) add_this_with(inst, c);
  }
  for (Colocation* c : clone->with_this) {
    if (!colocation_has_influence(*c, inst)) continue;
    if (all || c->score < 0) add_with_this(inst, c);
  }
}

void update_score_tree(WorkingSet& ws, Resource* rsc, const Node* node, int score,
                       CloneBanWhy why) {
  if (rsc->allowed[node->index].present) {
    ws.scores.set(*rsc, *node, score,
                  {ScoreSource::kCloneInstance, -1, static_cast<std::int32_t>(why)});
  }
  for (Resource* c : rsc->children) update_score_tree(ws, c, node, score, why);
}

// Bans the instance from nodes it cannot take (Pacemaker's can_run_instance
// over every allowed node).
void limit_instance_nodes(WorkingSet& ws, Resource* inst, int limit) {
  Resource* clone = inst->parent;
  for (auto& n : ws.nodes) {
    Node* node = n.get();
    if (!inst->allowed[node->index].present) continue;
    CloneBanWhy why = CloneBanWhy::kUnavailable;
    if (node_available(node, false, 0) && !inst->is(kRscOrphan)) {
      const NodeScore* top = clone_entry(clone, node);
      if (!top) {
        why = CloneBanWhy::kNotAllowed;
      } else if (top->weight < 0) {
        update_score_tree(ws, inst, node, top->weight, CloneBanWhy::kParentScore);
        why = CloneBanWhy::kParentScore;
      } else if (clone->clone->count[node->index] < limit) {
        continue;
      } else {
        why = CloneBanWhy::kFull;
      }
    }
    update_score_tree(ws, inst, node, -kInfinity, why);
  }
}

// Pacemaker's allocate_instance: places one instance, on `prefer` only when
// that is where it would go anyway.
Node* assign_instance(WorkingSet& ws, Resource* inst, Node* prefer, bool all_coloc, int limit) {
  if (!inst->is(kRscProvisional)) return rsc_location(inst, false);
  if (inst->is(kRscAllocating)) return nullptr;
  Resource* clone = inst->parent;
  append_parent_colocations(clone, inst, all_coloc);
  if (prefer) {
    const NodeScore& s = inst->allowed[prefer->index];
    if (!s.present || s.weight < 0) return nullptr;
  }
  limit_instance_nodes(ws, inst, limit);
  ScoreDraft backup = inst->allowed.draft();
  Node* chosen = assign(ws, inst, prefer);
  if (chosen && prefer && chosen != prefer) {
    ws.scores.commit(*inst, backup, {ScoreSource::kCloneUndo});
    if (inst->allocated_to) {
      // Pacemaker's native_deallocate: the node gets its capacity back too.
      inst->allocated_to->num_resources--;
      release_node_capacity(ws, inst->allocated_to, inst);
      inst->allocated_to = nullptr;
    }
    inst->set(kRscProvisional);
    chosen = nullptr;
  }
  if (chosen && clone_entry(clone, chosen)) clone->clone->count[chosen->index]++;
  return chosen;
}

void distribute_instances(WorkingSet& ws, Resource* clone,
                          const std::vector<Resource*>& instances) {
  CloneData& cd = *clone->clone;
  int max = cd.clone_max, per_host = cd.clone_node_max;
  int available = 0;
  std::fill(cd.count.begin(), cd.count.end(), 0);
  for (auto& n : ws.nodes) {
    if (clone->allowed[n->index].present && node_available(n.get(), false, 0)) ++available;
  }
  bool all_coloc = max < available;
  int loop_max = available ? max / available : 0;
  if (loop_max < 1) loop_max = 1;
  int assigned = 0;
  // Instances stay where they are active while their node has room.
  for (Resource* inst : instances) {
    if (assigned >= max) break;
    if (inst->running_on.empty() || !inst->is(kRscProvisional) || inst->is(kRscFailed)) continue;
    Node* current = inst->current_node();
    if (!node_available(current, true, current->weight)) continue;
    if (clone_entry(clone, current) && cd.count[current->index] >= loop_max) continue;
    if (assign_instance(ws, inst, current, all_coloc, per_host)) ++assigned;
  }
  for (Resource* inst : instances) {
    if (!inst->is(kRscProvisional)) continue;
    if (assigned >= max) {
      resource_location(ws, inst, nullptr, -kInfinity, {ScoreSource::kCloneLimit});
    } else if (assign_instance(ws, inst, nullptr, all_coloc, per_host)) {
      ++assigned;
    }
  }
}

}  // namespace

// An instance's colocated score on its current node depends on nothing the
// sort changes: computed once per instance, not once per comparison (each
// walks every colocation with the clone).
void ban_outside_instances(WorkingSet& ws, Resource* dependent, const std::vector<char>& allowed,
                           const Colocation& c) {
  Cause why{ScoreSource::kCloneColocation, c.index};
  for (auto& n : ws.nodes) {
    const NodeScore& s = dependent->allowed[n->index];
    if (allowed[n->index]) {
      if (!s.present) ws.scores.set(*dependent, *n, -kInfinity, why);
    } else if (s.present) {
      ws.scores.set(*dependent, *n, -kInfinity, why);
    }
  }
}

int InstanceComparer::colocated_score(Resource* inst) {
  auto it = known_.find(inst);
  if (it != known_.end()) return it->second;
  int score = colocated_score_on_current(ws_, inst, inst->current_node());
  known_.emplace(inst, score);
  return score;
}

int InstanceComparer::operator()(Resource* a, Resource* b) {
  unsigned n1 = 0, n2 = 0, clean = 0;
  Node* node1 = find_active_on(a, &n1, &clean);
  Node* node2 = find_active_on(b, &n2, &clean);
  if (n1 > 0 && n2 > 0) {
    if (n1 < n2) return -1;
    if (n1 > n2) return 1;
  }
  auto allowed = [](const Resource* r, Node** node) {
    if (!*node) return true;
    const NodeScore& s = r->allowed[(*node)->index];
    if (!s.present || s.weight < 0) {
      *node = nullptr;
      return false;
    }
    return true;
  };
  bool can1 = allowed(a, &node1), can2 = allowed(b, &node2);
  if (can1 != can2) return can1 ? -1 : 1;
  if (a->priority != b->priority) return a->priority > b->priority ? -1 : 1;
  if (!node1 && !node2) return 0;
  if (!node1) return 1;
  if (!node2) return -1;
  can1 = node_available(node1, false, 0);
  can2 = node_available(node2, false, 0);
  if (can1 != can2) return can1 ? -1 : 1;
  Resource* clone = a->parent;
  const NodeScore* top1 = clone_entry(clone, node1);
  const NodeScore* top2 = clone_entry(clone, node2);
  if (!top1 && !top2) return 0;
  if (!top1) return 1;
  if (!top2) return -1;
  const auto& count = clone->clone->count;
  if (count[node1->index] != count[node2->index])
    return count[node1->index] < count[node2->index] ? -1 : 1;
  can1 = did_fail(a);
  can2 = did_fail(b);
  if (!can1 && can2) return -1;
  if (can1 && !can2) return 1;
  int w1 = colocated_score(a);
  int w2 = colocated_score(b);
  if (w1 != w2) return w1 < w2 ? 1 : -1;
  long d = instance_number(a) - instance_number(b);
  return d < 0 ? -1 : (d > 0 ? 1 : 0);
}

Node* clone_assign(WorkingSet& ws, Resource* clone, Node* prefer) {
  if (!clone->is(kRscProvisional) || clone->is(kRscAllocating)) return nullptr;
  if (clone->clone->promotable) add_promotion_scores(ws, clone);
  clone->set(kRscAllocating);
  clone->clone->count.assign(ws.nodes.size(), 0);
  // Primaries first: the instance order looks at where they are.
  for (Colocation* c : std::vector<Colocation*>(clone->this_with)) assign(ws, c->primary, prefer);
  for (Colocation* c : std::vector<Colocation*>(clone->with_this)) {
    if (!colocation_has_influence(*c, nullptr)) continue;
    ScoreDraft work = clone->allowed.draft();
    add_colocated_node_scores(ws, c->dependent, clone->id, work, false, c->node_attribute,
                              static_cast<float>(c->score) / static_cast<float>(kInfinity),
                              kColocSelectActive | kColocSelectNonnegative);
    ws.scores.commit(*clone, work, {ScoreSource::kColocatedPrefs, c->index});
  }
  show_scores(ws, clone, "pcmk__clone_allocate");
  assign_instances(ws, clone, clone->children);
  if (clone->clone->promotable) set_instance_roles(ws, clone);  // promotable.cpp
  clone->clear(kRscProvisional | kRscAllocating);
  return nullptr;
}

void assign_instances(WorkingSet& ws, Resource* parent, std::vector<Resource*>& instances) {
  parent->clone->count.assign(ws.nodes.size(), 0);
  InstanceComparer cmp(ws);
  std::stable_sort(instances.begin(), instances.end(),
                   [&](Resource* a, Resource* b) { return cmp(a, b) < 0; });
  distribute_instances(ws, parent, instances);
}

// ---------------------------------------------------------------- colocations

namespace {

int copies_per_node(const Resource* rsc) {
  return rsc->is_clone() ? rsc->clone->clone_node_max : 1;
}

// An instance's role now (`current`) or next: a group's is its members' highest.
Role instance_role(const Resource* inst, bool current) {
  if (inst->children.empty()) return current ? inst->role : inst->next_role;
  Role best = Role::kUnknown;
  for (const Resource* c : inst->children) best = std::max(best, instance_role(c, current));
  return best;
}

bool instance_compatible(const Resource* inst, const Node* node, Role filter, bool current) {
  Node* where = nullptr;
  if (!is_set_recursive(inst, kRscBlock, true)) where = rsc_location(inst, current);
  // A role filter (a colocation with a promotable clone's role) compares
  // the instance's current or next role.
  if (filter != Role::kUnknown && instance_role(inst, current) != filter) return false;
  return where && where == node;
}

Resource* compatible_instance_on(const Resource* primary, const Node* node, Role filter,
                                 bool current) {
  if (!node) return nullptr;
  for (Resource* inst : collective_instances(primary)) {
    if (instance_compatible(inst, node, filter, current)) return inst;
  }
  return nullptr;
}

}  // namespace

// Pacemaker's find_compatible_child: the instance of `primary` on the node
// `dependent` is (or would best be) on.
Resource* find_compatible_instance(WorkingSet& ws, Resource* dependent, const Resource* primary,
                                   Role filter, bool current) {
  if (Node* node = rsc_location(dependent, current))
    return compatible_instance_on(primary, node, filter, current);
  for (Node* node : sorted_allowed_nodes(ws, dependent)) {
    if (Resource* r = compatible_instance_on(primary, node, filter, current)) return r;
  }
  return nullptr;
}

void clone_apply_coloc_score(WorkingSet& ws, Resource* dependent, Resource* primary,
                             const Colocation& c) {
  if (promotable_apply_coloc_score(ws, dependent, primary, c)) return;
  bool interleave = false;
  if (c.dependent->is_clone() && is_true(lookup(c.dependent->meta, "interleave"))) {
    if (copies_per_node(c.dependent) != copies_per_node(c.primary)) {
      ws.warnings.push_back("Cannot interleave " + c.dependent->id + " and " + c.primary->id +
                            " because they do not support the same number of instances per "
                            "node");
    } else {
      interleave = true;
    }
  }
  if (primary->is(kRscProvisional)) return;
  if (interleave) {
    Resource* inst = find_compatible_instance(ws, dependent, primary, Role::kUnknown, false);
    if (inst) {
      apply_coloc_score(ws, dependent, inst, c, true);
    } else if (c.score >= kInfinity) {
      finalize_assignment(ws, dependent, nullptr, true);
    }
    return;
  }
  if (c.score >= kInfinity) {
    // Only where an instance is (or will be).
    std::vector<char> allowed(ws.nodes.size(), 0);
    for (Resource* inst : primary->children) {
      Node* n = rsc_location(inst, false);
      if (n && !is_set_recursive(inst, kRscBlock, true)) allowed[n->index] = 1;
    }
    ban_outside_instances(ws, dependent, allowed, c);
    return;
  }
  for (Resource* inst : primary->children) apply_coloc_score(ws, dependent, inst, c, false);
}

}  // namespace vigil::pengine
