// SPDX-License-Identifier: GPL-2.0-or-later
// Promotable clones: their settings and the promotion scores instances get
// from node attributes (Pacemaker's promotion_score and its helpers).
#include "promotable.hpp"

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
  const std::string* value = node_attr(node, promotion_score_attr(name));
  if (!value && !rsc->is(kRscUnique)) {
    std::string base = clone_strip(rsc->id);
    if (base != rsc->id) value = node_attr(node, promotion_score_attr(base));
  }
  if (!value) return 0;
  if (is_default) *is_default = false;
  return parse_score_lenient(*value).value();
}

}  // namespace vigil::pengine
