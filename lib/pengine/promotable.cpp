// SPDX-License-Identifier: GPL-2.0-or-later
// Promotable clones: their settings and the promotion scores instances get
// from node attributes (Pacemaker's promotion_score and its helpers).
#include "promotable.hpp"

#include <strings.h>

#include <algorithm>

#include "bundle.hpp"
#include "internal.hpp"
#include "vigil/common/score.hpp"

namespace vigil::pengine {

namespace {

// A non-negative count from the first of two meta attributes present:
// `fallback` when neither is, 0 when invalid or negative.
int promoted_count(const Resource* clone, const char* name, const char* legacy, int fallback) {
  const std::string* v = lookup(clone->meta, name);
  if (!v) v = lookup(clone->meta, legacy);
  if (!v) return fallback;
  char* end = nullptr;
  long n = std::strtol(v->c_str(), &end, 10);
  if (end == v->c_str()) return 0;
  return static_cast<int>(std::clamp(n, 0L, static_cast<long>(kInfinity)));
}

// The primitive of instance `inst` (itself or a group member) whose bare id
// is `base`.
const Resource* member_named(const Resource* inst, const std::string& base) {
  if (inst->is_primitive()) return clone_strip(inst->id) == base ? inst : nullptr;
  for (const Resource* c : inst->children) {
    if (const Resource* r = member_named(c, base)) return r;
  }
  return nullptr;
}

bool known_on(const Resource* rsc, const Node* node) {
  auto i = static_cast<size_t>(node->index);
  return i < rsc->known_on.size() && rsc->known_on[i];
}

bool running_on(const Resource* rsc, const Node* node) {
  return std::find(rsc->running_on.begin(), rsc->running_on.end(), node) != rsc->running_on.end();
}

bool allowed_on(const Resource* rsc, const Node* node) {
  auto i = static_cast<size_t>(node->index);
  if (i >= rsc->allowed.size()) return false;
  const NodeScore& s = rsc->allowed[i];
  return s.present && s.weight >= 0;
}

// Whether `rsc`'s promotion score counts on `node`: for an anonymous
// clone, the instance active there (or, none being active there, any
// instance probed there); otherwise where the instance is known, or
// anywhere while it is known nowhere; and only on allowed nodes.
bool promotion_score_applies(const Resource* rsc, const Node* node) {
  const Resource* clone = parent_clone(rsc);
  std::string base = clone_strip(rsc->id);
  bool counts = false;
  if (!rsc->is(kRscUnique) && clone) {
    const Resource* active = nullptr;
    bool probed = false;
    for (const Resource* inst : clone->children) {
      const Resource* m = member_named(inst, base);
      if (!m) continue;
      if (!active && running_on(m, node)) active = m;
      if (known_on(m, node)) probed = true;
    }
    if (active == rsc || (!active && probed)) counts = true;
  }
  if (!counts) {
    bool known_anywhere =
        !rsc->running_on.empty() ||
        std::any_of(rsc->known_on.begin(), rsc->known_on.end(), [](char k) { return k != 0; });
    counts = !known_anywhere || known_on(rsc, node) || running_on(rsc, node);
  }
  return counts && allowed_on(rsc, node);
}

}  // namespace

bool is_promotable_clone(const Resource* rsc) {
  if (!rsc || !rsc->is_clone()) return false;
  return (rsc->config && rsc->config->promotable) || is_true(lookup(rsc->meta, "promotable"));
}

Role displayable_role(const Resource* rsc) {
  if (rsc->role != Role::kStarted) return rsc->role;
  // The clone above it (a bundle's clone inside its bundle: Resource::top).
  const Resource* top = const_cast<Resource*>(rsc)->top();
  if (top->clone && top->clone->promotable) return Role::kUnpromoted;
  return rsc->role;
}

void unpack_promotable_settings(WorkingSet& ws, Resource* clone) {
  (void)ws;
  CloneData& cd = *clone->clone;
  cd.promotable = is_promotable_clone(clone);
  if (!cd.promotable) return;
  cd.promoted_max = promoted_count(clone, "promoted-max", "master-max", 1);
  cd.promoted_node_max = promoted_count(clone, "promoted-node-max", "master-node-max", 1);
  cd.promoted_max_text = std::to_string(cd.promoted_max);
  cd.promoted_node_max_text = std::to_string(cd.promoted_node_max);
}

void add_promotion_scores(WorkingSet& ws, Resource* clone) {
  CloneData& cd = *clone->clone;
  if (cd.promotion_added) return;
  cd.promotion_added = true;
  for (Resource* inst : clone->children) {
    for (const auto& node : ws.nodes) {
      auto i = static_cast<size_t>(node->index);
      if (i >= inst->allowed.size() || !inst->allowed[i].present) continue;
      // A node that will never promote it: its score would only shuffle.
      if (!node_available(node.get(), false, 0)) continue;
      int score = promotion_score(ws, inst, node.get());
      if (score > 0) ws.scores.add(*inst, *node, score, {ScoreSource::kPromotionScore, -1, score});
      inst->priority = std::max(inst->priority, score);
    }
  }
}

void collect_promoted_locations(WorkingSet& ws) {
  for (Resource* r : ws.resources) {
    if (r->clone) r->clone->promoted_locations.clear();
  }
  for (const auto& loc : ws.locations) {
    if (loc->role_filter != Role::kPromoted || !loc->rsc) continue;
    // A bundle's apply to the clone inside it (bundle.hpp).
    Resource* clone = is_bundle(loc->rsc) ? loc->rsc->bundle->child : parent_clone(loc->rsc);
    if (clone && clone->clone && clone->clone->promotable)
      clone->clone->promoted_locations.push_back(loc.get());
  }
}

int promoted_location_priority(const Resource* inst, const Node* chosen, int priority) {
  const Resource* clone = parent_clone(inst);
  if (!clone || !clone->clone || !chosen) return priority;
  // The instance's own locations first, then the clone's.
  for (const Resource* owner : {inst, clone}) {
    for (const Location* loc : clone->clone->promoted_locations) {
      if (loc->rsc != owner && !(owner == clone && is_bundle(loc->rsc))) continue;
      for (const auto& [node, score] : loc->nodes) {
        if (node == chosen) {
          priority = (Score(priority) + Score(score)).value();
          break;
        }
      }
    }
  }
  return priority;
}

std::string promotion_score_attr(const std::string& name) {
  return "master-" + name;
}

int promotion_score(const WorkingSet& ws, const Resource* rsc, const Node* node, bool* is_default) {
  if (is_default) *is_default = true;
  if (!rsc || !node) return 0;
  // A cloned group's instance: the sum of its members' scores.
  if (!rsc->children.empty()) {
    int sum = 0;
    for (const Resource* c : rsc->children) {
      bool member_default = true;
      sum += promotion_score(ws, c, node, &member_default);  // plain sum, as Pacemaker
      if (!member_default && is_default) *is_default = false;
    }
    return sum;
  }
  if (!promotion_score_applies(rsc, node)) return 0;
  // The name the history knows the instance by (what the agent set the
  // attribute for), else for an anonymous clone its bare id.
  const std::string& name = rsc->clone_name.empty() ? rsc->id : rsc->clone_name;
  // (A bundled instance's may be its container host's: node_attr_for.)
  const std::string* value = node_attr_for(node, promotion_score_attr(name), rsc);
  if (!value && !rsc->is(kRscUnique)) {
    std::string base = clone_strip(rsc->id);
    if (base != rsc->id) value = node_attr_for(node, promotion_score_attr(base), rsc);
  }
  if (!value) return 0;
  if (is_default) *is_default = false;
  return parse_score_lenient(*value).value();
}

// ---------------------------------------------------------------- roles

namespace {

// An instance's role now (`current`) or next: a cloned group's is its
// members' highest (Pacemaker's resource state functions).
Role instance_state(const Resource* rsc, bool current) {
  if (rsc->children.empty()) return current ? rsc->role : rsc->next_role;
  Role best = Role::kUnknown;
  for (const Resource* c : rsc->children) best = std::max(best, instance_state(c, current));
  return best;
}

bool has_assignment(const Resource* rsc) {
  if (rsc->children.empty()) return rsc->allocated_to != nullptr;
  return std::any_of(rsc->children.begin(), rsc->children.end(), has_assignment);
}

void set_current_role_unpromoted(Resource* rsc) {
  if (rsc->role == Role::kStarted) rsc->role = Role::kUnpromoted;
  for (Resource* c : rsc->children) set_current_role_unpromoted(c);
}

void set_next_role_unpromoted(Resource* rsc) {
  rsc->next_role = has_assignment(rsc) ? Role::kUnpromoted : Role::kStopped;
  for (Resource* c : rsc->children) set_next_role_unpromoted(c);
}

void set_next_role_promoted(Resource* rsc) {
  if (rsc->next_role == Role::kUnknown) rsc->next_role = Role::kPromoted;
  for (Resource* c : rsc->children) set_next_role_promoted(c);
}

int& sort_index(Resource* clone, const Resource* inst) {
  return clone->clone->sort_index[inst];  // 0 until set, as a new resource's
}

// A guest node runs nothing while its container is not placed.
bool node_can_host(const Node* node) {
  if (!node_available(node, false, 0)) return false;
  const Resource* conn = node->remote_rsc;
  if (conn && conn->container && !rsc_location(conn->container, false)) return false;
  return true;
}

// Pacemaker's node_to_be_promoted_on: where `rsc` would be promoted, null
// when it cannot be.
Node* node_to_be_promoted_on(Resource* clone, Resource* rsc) {
  for (Resource* c : rsc->children) {
    if (!node_to_be_promoted_on(clone, c)) return nullptr;
  }
  Node* node = rsc_location(rsc, false);
  if (!node) return nullptr;
  if (!rsc->is(kRscManaged)) {
    if (instance_state(rsc, true) != Role::kPromoted) return nullptr;
  } else if (rsc->priority < 0 || !node_can_host(node)) {
    return nullptr;
  }
  const NodeScore& local = clone->allowed[node->index];
  if (!local.present) return nullptr;
  if (rsc->is(kRscManaged) && clone->clone->count[node->index] >= clone->clone->promoted_node_max)
    return nullptr;
  return node;
}

// An instance's promotion priority (Pacemaker's set_instance_priority): its
// promotion score where it is placed, role=Promoted locations there, and
// colocations with roles.
void set_instance_priority(WorkingSet& ws, Resource* clone, Resource* inst) {
  if (instance_state(inst, true) == Role::kStarted) set_current_role_unpromoted(inst);
  Node* chosen = rsc_location(inst, false);
  if (!chosen) return;
  Role next = instance_state(inst, false);
  switch (next) {
    case Role::kStarted:
    case Role::kUnknown: {
      bool is_default = false;
      inst->priority = promotion_score(ws, inst, chosen, &is_default);
      // Without a score or a location, no instance is promoted.
      if (is_default) inst->priority = -1;
      break;
    }
    case Role::kUnpromoted:
    case Role::kStopped:
      inst->priority = -kInfinity;
      break;
    default:
      break;
  }
  inst->priority = promoted_location_priority(inst, chosen, inst->priority);
  for (Colocation* c : std::vector<Colocation*>(inst->this_with))
    apply_coloc_score(ws, inst, c->primary, *c, true);
  sort_index(clone, inst) = next == Role::kPromoted ? kInfinity : inst->priority;
}

// Pacemaker's sort_promotable_instances: the clone's node weights merged
// with the instances' priorities and colocations with the promoted role,
// then instances ordered by it, highest first.
void sort_promotable_instances(WorkingSet& ws, Resource* clone) {
  CloneData& cd = *clone->clone;
  if (cd.promotion_constrained) return;
  cd.promotion_constrained = true;
  clone->set(kRscMerging);
  for (Resource* inst : clone->children) {
    int idx = sort_index(clone, inst);
    if (idx < 0) continue;
    Node* chosen = rsc_location(inst, false);
    if (!chosen || !clone->allowed[chosen->index].present) continue;
    ws.scores.add(*clone, *chosen, idx, {ScoreSource::kPromotionPriority, inst->index, 0});
  }
  for (Colocation* c : std::vector<Colocation*>(clone->this_with)) {
    if (c->dependent_role != Role::kPromoted) continue;
    ScoreDraft work = clone->allowed.draft();
    add_colocated_node_scores(ws, c->primary, clone->id, work, false, c->node_attribute,
                              static_cast<float>(c->score) / static_cast<float>(kInfinity),
                              c->score < kInfinity ? kColocSelectActive : 0u);
    ws.scores.commit(*clone, work, {ScoreSource::kPromotionPriority, c->index, 1});
  }
  for (Colocation* c : std::vector<Colocation*>(clone->with_this)) {
    if (c->primary_role != Role::kPromoted || !colocation_has_influence(*c, nullptr)) continue;
    ScoreDraft work = clone->allowed.draft();
    add_colocated_node_scores(ws, c->dependent, clone->id, work, false, c->node_attribute,
                              static_cast<float>(c->score) / static_cast<float>(kInfinity),
                              kColocSelectActive | kColocSelectNonnegative);
    ws.scores.commit(*clone, work, {ScoreSource::kPromotionPriority, c->index, 1});
  }
  require_promotion_tickets(ws, clone);  // tickets.cpp
  for (Resource* inst : clone->children) {
    int& idx = sort_index(clone, inst);
    Node* chosen = rsc_location(inst, false);
    if (!inst->is(kRscManaged) && inst->next_role == Role::kPromoted) {
      idx = kInfinity;
    } else if (chosen && idx >= 0 && clone->allowed[chosen->index].present) {
      idx = ws.scores.score(clone->allowed[chosen->index]);
    }
  }
  InstanceComparer cmp(ws);
  list_sort(clone->children, [&](Resource* a, Resource* b) {
    int ia = sort_index(clone, a), ib = sort_index(clone, b);
    if (ia != ib) return ia > ib ? -1 : 1;
    Role ra = instance_state(a, true), rb = instance_state(b, true);
    if (ra != rb) return ra > rb ? -1 : 1;
    return cmp(a, b);
  });
  clone->clear(kRscMerging);
}

// Pacemaker's set_instance_role: promoted while promoted-max allows and its
// node can take one more.
void set_instance_role(WorkingSet& ws, Resource* clone, Resource* inst, int& promoted) {
  int idx = sort_index(clone, inst);
  Node* where = rsc_location(inst, false);
  if (ws.options.show_scores) {
    ws.score_lines.push_back(inst->id + " promotion score on " + (where ? where->uname : "none") +
                             ": " + Score(idx).str());
  }
  Node* chosen = nullptr;
  if (idx >= 0 && (promoted < clone->clone->promoted_max || !clone->is(kRscManaged)))
    chosen = node_to_be_promoted_on(clone, inst);
  if (!chosen) {
    set_next_role_unpromoted(inst);
    return;
  }
  if (instance_state(inst, true) < Role::kPromoted && !ws.have_quorum &&
      ws.config.no_quorum == NoQuorumPolicy::kFreeze) {
    set_next_role_unpromoted(inst);  // no promotion without quorum
    return;
  }
  clone->clone->count[chosen->index]++;
  set_next_role_promoted(inst);
  ++promoted;
}

}  // namespace

void set_instance_roles(WorkingSet& ws, Resource* clone) {
  CloneData& cd = *clone->clone;
  // The per-node counts now count promoted instances.
  std::fill(cd.count.begin(), cd.count.end(), 0);
  for (Resource* inst : clone->children) set_instance_priority(ws, clone, inst);
  sort_promotable_instances(ws, clone);
  int promoted = 0;
  for (Resource* inst : clone->children) set_instance_role(ws, clone, inst, promoted);
}

// ---------------------------------------------------------------- colocations with roles

bool colocation_affects_role(const Resource* dependent, const Colocation& c) {
  // Everything inside a promotable clone counts as promotable (Pacemaker
  // gives its members the flag through the inherited meta attribute).
  return c.dependent_role >= Role::kUnpromoted && dependent->parent &&
         in_promotable_clone(dependent->parent) && !dependent->is(kRscProvisional);
}

void apply_coloc_to_priority(const WorkingSet& ws, Resource* dependent, const Resource* primary,
                             const Colocation& c) {
  (void)ws;
  if (!primary->allocated_to || !dependent->allocated_to) return;
  std::string attr = c.node_attribute.empty() ? "#id" : c.node_attribute;
  const std::string* dv = node_attr(dependent->allocated_to, attr);
  const std::string* pv = node_attr(primary->allocated_to, attr);
  bool same = (!dv && !pv) || (dv && pv && strcasecmp(dv->c_str(), pv->c_str()) == 0);
  if (!same) {
    if (c.score == kInfinity && c.dependent_role == Role::kPromoted)
      dependent->priority = -kInfinity;
    return;
  }
  if (c.primary_role != Role::kUnknown && c.primary_role != primary->next_role) return;
  int multiplier = c.dependent_role == Role::kUnpromoted ? -1 : 1;
  dependent->priority = (Score(multiplier * c.score) + Score(dependent->priority)).value();
}

namespace {

// The score an instance (a group's first member) had where it was placed
// (the node Pacemaker copies into the assignment).
int assigned_weight(const WorkingSet& ws, const Resource* inst) {
  while (!inst->children.empty()) inst = inst->children.front();
  if (!inst->allocated_to) return 0;
  // An unmanaged instance stays where it is active, at the node's own weight.
  if (!inst->is(kRscManaged)) return inst->allocated_to->weight;
  const NodeScore& s = inst->allowed[inst->allocated_to->index];
  return s.present ? ws.scores.score(s) : 0;
}

// A dependent being placed, relative to where the primary's instances of
// the colocation's role are (Pacemaker's pcmk__update_dependent_with_promotable).
void update_dependent_with_promotable(WorkingSet& ws, const Resource* primary, Resource* dependent,
                                      const Colocation& c) {
  std::string attr = c.node_attribute.empty() ? "#uname" : c.node_attribute;
  Cause why{ScoreSource::kColocation, c.index, -1};
  // The nodes of the primary's instances in that role, newest first as
  // Pacemaker prepends them, with the instance's score there.
  std::vector<std::pair<Node*, int>> affected;
  for (const Resource* inst : primary->children) {
    Node* node = rsc_location(inst, false);
    if (!node || instance_state(inst, false) != c.primary_role) continue;
    if (c.score < kInfinity) {
      const std::string* pv = node_attr(node, attr);
      why.aux = node->index;
      for (auto& n : ws.nodes) {
        if (!dependent->allowed[n->index].present) continue;
        const std::string* dv = node_attr(n.get(), attr);
        bool same = (!dv && !pv) || (dv && pv && strcasecmp(dv->c_str(), pv->c_str()) == 0);
        if (same) ws.scores.add(*dependent, *n, c.score, why);
      }
    }
    affected.insert(affected.begin(), {node, assigned_weight(ws, inst)});
  }
  if (c.score < kInfinity ||
      (c.dependent_role == Role::kPromoted && c.primary_role == Role::kPromoted)) {
    return;
  }
  // Mandatory: only those nodes, with the instance's weight there added.
  Cause ban{ScoreSource::kCloneColocation, c.index};
  Cause merge{ScoreSource::kColocation, c.index, -1};
  for (auto& n : ws.nodes) {
    const NodeScore& s = dependent->allowed[n->index];
    auto it = std::find_if(affected.begin(), affected.end(),
                           [&](const auto& a) { return a.first == n.get(); });
    if (it == affected.end()) {
      if (s.present) ws.scores.set(*dependent, *n, -kInfinity, ban);
    } else if (!s.present) {
      ws.scores.set(*dependent, *n, -kInfinity, ban);
    } else if (it->second != 0) {
      merge.aux = n->index;
      ws.scores.add(*dependent, *n, it->second, merge);
    }
  }
}

// A placed dependent's promotion priority, by whether an instance of the
// primary in the colocation's role is beside it
// (Pacemaker's pcmk__update_promotable_dependent_priority).
void update_promotable_dependent_priority(WorkingSet& ws, const Resource* primary,
                                          Resource* dependent, const Colocation& c) {
  if (find_compatible_instance(ws, dependent, primary, c.primary_role, false)) {
    dependent->priority = (Score(dependent->priority) + Score(c.score)).value();
  } else if (c.score >= kInfinity) {
    dependent->priority = -kInfinity;
  }
}

}  // namespace

bool promotable_apply_coloc_score(WorkingSet& ws, Resource* dependent, Resource* primary,
                                  const Colocation& c) {
  if (!primary->clone || !primary->clone->promotable) return false;
  if (primary->is(kRscProvisional)) return true;
  if (c.primary_role == Role::kUnknown) return false;
  if (dependent->is(kRscProvisional)) {
    update_dependent_with_promotable(ws, primary, dependent, c);
    return true;
  }
  if (c.dependent_role == Role::kPromoted) {
    update_promotable_dependent_priority(ws, primary, dependent, c);
    return true;
  }
  return false;
}

}  // namespace vigil::pengine
