// SPDX-License-Identifier: GPL-2.0-or-later
// Placement: node criteria (stickiness, failures), colocation scores and the
// assignment of primitives and groups to nodes, recording score lines.
#include <strings.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <unordered_map>

#include "bundle.hpp"
#include "internal.hpp"
#include "promotable.hpp"
#include "vigil/pengine/output.hpp"

namespace vigil::pengine {

bool node_available(const Node* node, bool consider_score, int weight) {
  if (!node || !node->online || node->shutdown || node->unclean || node->standby ||
      node->maintenance) {
    return false;
  }
  if (consider_score && weight < 0) return false;
  return true;
}

// crm_simulate's score lines, read from the score records.
void show_scores(WorkingSet& ws, Resource* rsc, const char* fn) {
  if (rsc->is(kRscOrphan)) return;
  // Where the lines are (or would be) shown, for the explanations.
  rsc->scores_shown_upto = ws.scores.records().size();
  if (!ws.options.show_scores) {
    for (Resource* c : rsc->children) show_scores(ws, c, fn);
    return;
  }
  std::vector<Node*> sorted;
  for (auto& n : ws.nodes) {
    if (rsc->allowed[n->index].present) sorted.push_back(n.get());
  }
  std::sort(sorted.begin(), sorted.end(),
            [](Node* a, Node* b) { return numeric_strcasecmp(a->uname, b->uname) < 0; });
  for (Node* n : sorted) {
    int score = ws.scores.score(rsc->allowed[n->index]);
    ws.score_lines.push_back(std::string(fn) + ": " + rsc->id + " allocation score on " + n->uname +
                             ": " + Score(score).str());
  }
  for (Resource* c : rsc->children) show_scores(ws, c, fn);
}

// ---------------------------------------------------------------- criteria

int compare_version(const std::string& a, const std::string& b) {
  // A component's value, a non-digit counting as 0; it saturates (a CIB's
  // crm_feature_set may be any text: bench/fuzz.sh found "3.1''''...'6.1",
  // whose 10^n overflowed).
  constexpr long kSaturated = 1'000'000'000'000'000'000L;
  auto component = [](const std::string& s, size_t& k) {
    long v = 0;
    for (; k < s.size() && s[k] != '.'; ++k) {
      const int digit = isdigit(static_cast<unsigned char>(s[k])) ? s[k] - '0' : 0;
      v = v >= kSaturated / 10 ? kSaturated : v * 10 + digit;
    }
    return v;
  };
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    const long x = component(a, i), y = component(b, j);
    if (x != y) return x < y ? -1 : 1;
    ++i;
    ++j;
  }
  return 0;
}

namespace {

// A failure of a history entry matching a configured op.
bool is_matched_failure(const Resource* rsc, const cib::OpConfig& conf, const cib::OpHistory& op) {
  if (conf.interval_ms != op.interval_ms || strcasecmp(conf.name.c_str(), op.task.c_str()) != 0)
    return false;
  if (strcasecmp(op.id.c_str(), op_key(rsc->id, "last_failure", 0).c_str()) == 0) return true;
  if (strcasecmp(op.id.c_str(), op_key(rsc->id, conf.name, conf.interval_ms).c_str()) == 0) {
    const std::string& key = op.transition_key;
    int target_rc = -1;
    auto c1 = key.find(':');
    auto c2 = c1 == std::string::npos ? c1 : key.find(':', c1 + 1);
    auto c3 = c2 == std::string::npos ? c2 : key.find(':', c2 + 1);
    if (c3 != std::string::npos) target_rc = std::atoi(key.substr(c2 + 1, c3 - c2 - 1).c_str());
    return op.rc != target_rc;
  }
  return false;
}

bool block_failure(const WorkingSet& ws, const Node* node, const Resource* rsc,
                   const cib::OpHistory* op) {
  if (!rsc->config) return false;
  for (const auto& conf : rsc->config->ops) {
    auto of = lookup(conf.attrs, "on-fail");
    if (!of || *of != "block") continue;
    if (op) {
      if (is_matched_failure(rsc, conf, *op)) return true;
      continue;
    }
    for (const auto& st : ws.cib.node_states) {
      if (st.uname != node->uname) continue;
      for (const auto& h : st.resources) {
        if (h.id != rsc->id) continue;
        for (const auto& o : h.ops) {
          if (o.task == conf.name && o.interval_ms == conf.interval_ms &&
              is_matched_failure(rsc, conf, o)) {
            return true;
          }
        }
      }
    }
  }
  return false;
}

}  // namespace

int failcount(const WorkingSet& ws, const Node* node, Resource* rsc, EpochSeconds* last_failure,
              bool effective, const cib::OpHistory* op) {
  if (!node) return 0;
  if (node->has_fail_attrs < 0) {
    node->has_fail_attrs = 0;
    for (const auto& [k, v] : node->attrs) {
      if (k.compare(0, 11, "fail-count-") == 0 || k.compare(0, 13, "last-failure-") == 0) {
        node->has_fail_attrs = 1;
        break;
      }
    }
  }
  if (!node->has_fail_attrs) return 0;
  // Before feature set 3.0.13 fail counts were per resource, since then per
  // operation ("fail-count-RSC#OP_INTERVAL"). Indexed once per node.
  bool legacy = compare_version(ws.cib.crm_feature_set, "3.0.13") < 0;
  if (node->has_fail_attrs == 1) {
    node->has_fail_attrs = 2;
    node->fail_index_legacy = legacy;
    for (const auto& [k, v] : node->attrs) {
      bool is_count = k.compare(0, 11, "fail-count-") == 0;
      bool is_last = !is_count && k.compare(0, 13, "last-failure-") == 0;
      if (!is_count && !is_last) continue;
      std::string rest = k.substr(is_count ? 11 : 13);
      std::string rsc_id;
      if (legacy) {
        rsc_id = rest;
      } else {
        auto hash = rest.rfind('#');
        if (hash == std::string::npos || hash == 0) continue;
        auto us = rest.rfind('_');
        if (us == std::string::npos || us < hash + 2 || us + 1 >= rest.size() ||
            rest.find_first_not_of("0123456789", us + 1) != std::string::npos) {
          continue;
        }
        rsc_id = rest.substr(0, hash);
      }
      auto add_to = [&, &v = v](const std::string& id) {  // clang 14 cannot capture a binding
        auto& entry = node->fail_index[id];
        if (is_count) {
          entry.first = (Score(entry.first) + parse_score_lenient(v)).value();
        } else {
          EpochSeconds t = std::atoll(v.c_str());
          if (t > entry.second) entry.second = t;
        }
      };
      add_to(rsc_id);
      // Anonymous clone instances count the failures of every instance
      // number too ("rsc:N"), gathered under "rsc:*".
      if (auto colon = rsc_id.rfind(':');
          colon != std::string::npos && colon + 1 < rsc_id.size() &&
          rsc_id.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
        add_to(rsc_id.substr(0, colon) + ":*");
      }
    }
  }
  int count = 0;
  EpochSeconds last = 0;
  // Failures are recorded under the name the history uses; an anonymous
  // instance's are its clone's, whatever the instance number.
  const std::string& name = rsc->clone_name.empty() ? rsc->id : rsc->clone_name;
  auto take = [&](const std::string& id) {
    auto found = node->fail_index.find(id);
    if (found == node->fail_index.end()) return;
    count = (Score(count) + Score(found->second.first)).value();
    last = std::max(last, found->second.second);
  };
  if (rsc->is(kRscUnique)) {
    take(name);
  } else {
    std::string base = clone_strip(name);
    take(base);
    take(base + ":*");
  }
  if (count > 0 && last > 0 && last_failure) *last_failure = last;
  if (count > 0 && rsc->failure_timeout_s && block_failure(ws, node, rsc, op)) {
    rsc->failure_timeout_s = 0;
  }
  if (effective && count > 0 && last > 0 && rsc->failure_timeout_s) {
    if (ws.options.now > last + rsc->failure_timeout_s) count = 0;
  }
  return count;
}

Action* clear_failcount(WorkingSet& ws, Resource* rsc, Node* node, const std::string& reason) {
  std::string key = op_key(rsc->id, "clear_failcount", 0);
  Action* a = custom_action(ws, rsc, key, "clear_failcount", node, false, true);
  a->meta["op_no_wait"] = "true";
  set_reason(a, reason, true);
  return a;
}

namespace {

void apply_stickiness(WorkingSet& ws, Resource* rsc) {
  if (!rsc->children.empty()) {
    for (Resource* c : rsc->children) apply_stickiness(ws, c);
    return;
  }
  if (!rsc->is(kRscManaged) || rsc->stickiness < 1 || rsc->running_on.size() != 1) return;
  Node* node = rsc->running_on.front();
  if (!ws.config.symmetric && !rsc->allowed[node->index].present) return;
  resource_location(ws, rsc, node, rsc->stickiness, {ScoreSource::kStickiness});
}

void check_failure_threshold(WorkingSet& ws, Resource* rsc, Node* node) {
  if (!rsc->children.empty()) {
    for (Resource* c : rsc->children) check_failure_threshold(ws, c, node);
    return;
  }
  if (rsc->migration_threshold == 0 || rsc->is(kRscFailureIgnored)) return;
  if (rsc->actions_by_task.count("clear_failcount") &&
      !rsc_actions(rsc, node, "clear_failcount", true).empty()) {
    return;
  }
  // A container's failures include those of the resources inside it (remote.cpp).
  int fc = failcount(ws, node, rsc, nullptr, true) + fillers_failcount(ws, node, rsc);
  if (fc <= 0) return;
  if (rsc->migration_threshold - fc <= 0) {
    // An anonymous clone instance's failures keep the whole clone away.
    Resource* ban = rsc->is(kRscUnique) ? rsc : rsc->top();
    resource_location(ws, ban, node, -kInfinity, {ScoreSource::kFailLimit, -1, fc});
  }
}

void apply_exclusive_discovery(WorkingSet& ws, Resource* rsc, Node* node) {
  if (rsc->is(kRscExclusiveDiscover) || rsc->top()->is(kRscExclusiveDiscover)) {
    for (Resource* c : rsc->children) apply_exclusive_discovery(ws, c, node);
    const auto& slot = rsc->allowed[node->index];
    if (slot.present && slot.discover != Discover::kExclusive) {
      ws.scores.set(*rsc, *node, -kInfinity, {ScoreSource::kExclusiveDiscovery});
    }
  }
}

// shutdown-lock: a resource stopped by its node's clean shutdown may start
// again only there, so it is banned from every other node.
void apply_shutdown_lock(WorkingSet& ws, Resource* rsc) {
  if (rsc->is_group()) {
    for (Resource* m : rsc->children) apply_shutdown_lock(ws, m);
    return;
  }
  if (!rsc->is_primitive() || rsc->cls.empty() || rsc->cls == "stonith") return;
  // Nor remote connections (remote.cpp).
  if (rsc->is_remote_node && is_remote_only_node(ws.find_node(rsc->id))) return;
  if (rsc->lock_node) {
    if (!rsc->running_on.empty()) {
      // Active elsewhere despite the recorded lock: leave it where it runs.
      clear_resource_history(ws, rsc, rsc->lock_node);
      rsc->lock_node = nullptr;
      rsc->lock_time = 0;
    }
  } else if (rsc->running_on.size() == 1) {
    Node* node = rsc->running_on.front();
    if (node->shutdown && !node->unclean) {
      rsc->lock_node = node;
      std::int64_t since = 0;
      if (auto v = node_attr(node, "shutdown")) since = std::atoll(v->c_str());
      rsc->lock_time = since != 0 ? since : ws.options.now;
    }
  }
  if (!rsc->lock_node) return;
  if (ws.config.shutdown_lock_s > 0)
    update_recheck_time(ws, rsc->lock_time + ws.config.shutdown_lock_s + 1);
  for (auto& n : ws.nodes) {
    if (n.get() != rsc->lock_node) {
      resource_location(ws, rsc, n.get(), -kInfinity, {ScoreSource::kShutdownLock});
    }
  }
}

}  // namespace

void apply_node_criteria(WorkingSet& ws) {
  if (ws.config.shutdown_lock) {
    for (Resource* r : ws.resources) apply_shutdown_lock(ws, r);
  }
  apply_locations(ws);
  for (Resource* r : ws.resources) apply_stickiness(ws, r);
  for (auto& n : ws.nodes) {
    for (Resource* r : ws.resources) {
      check_failure_threshold(ws, r, n.get());
      apply_exclusive_discovery(ws, r, n.get());
    }
  }
}

// Node health: "#health-*" attributes, summed per node, applied to every
// resource as a location score (Pacemaker's node-health-strategy).
void apply_node_health(WorkingSet& ws) {
  const std::string& strategy = ws.config.node_health_strategy;
  if (strategy.empty() || strategy == "none") return;
  int base = 0;
  if (strategy == "progressive" || strategy == "custom") {
    if (auto v = lookup(ws.config.raw, "node-health-base")) base = parse_score_lenient(*v).value();
  }
  for (auto& n : ws.nodes) {
    int health = base;
    for (const auto& [k, v] : n->attrs) {
      if (k.compare(0, 8, "#health-") != 0) continue;
      health = (Score(health) + parse_score_lenient(v, ws.config.health)).value();
    }
    if (health == 0) continue;
    for (Resource* r : ws.resources) {
      bool allow = false;
      if (auto v = lookup(r->meta, "allow-unhealthy-nodes")) allow = is_true(*v);
      if (health < 0 && allow) continue;
      resource_location(ws, r, n.get(), health, {ScoreSource::kNodeHealth});
    }
  }
}

// ---------------------------------------------------------------- internal constraints

namespace {

void primitive_internal_constraints(WorkingSet& ws, Resource* rsc) {
  if (!rsc->is(kRscManaged)) return;
  order_rsc_actions(ws, rsc, "stop", rsc, "start",
                    kOrderOptional | kOrderImpliesThen | kOrderRestart);
  const Resource* top = rsc->top();
  if ((top->clone && top->clone->promotable) || rsc->role > Role::kUnpromoted) {
    order_rsc_actions(ws, rsc, "demote", rsc, "stop", kOrderPromotedImpliesFirst);
    order_rsc_actions(ws, rsc, "start", rsc, "promote", kOrderRunnableLeft);
  }
  order_rsc_actions(ws, rsc, "delete", rsc, "monitor", kOrderSameNode | kOrderThenCancelsFirst);
  // A resource that requires unfencing stops before a node's unfencing and
  // starts after it, wherever it may run.
  if (!rsc->is(kRscFenceDevice) && ws.config.enable_unfencing && rsc->is(kRscNeedsUnfencing)) {
    for (const auto& n : ws.nodes) {
      if (rsc->allowed[n->index].present) order_restart_vs_unfence(ws, rsc, n.get());
    }
  }
  create_utilization_constraints(ws, rsc);
  remote_internal_constraints(ws, rsc);  // remote.cpp: containers, remote nodes
}

void group_internal_constraints(WorkingSet& ws, Resource* g) {
  order_rsc_actions(ws, g, "stop", g, "stopped", kOrderRunnableLeft);
  order_rsc_actions(ws, g, "stopped", g, "start", kOrderOptional);
  order_rsc_actions(ws, g, "start", g, "running", kOrderRunnableLeft);
  bool ordered = g->group_ordered, colocated = g->group_colocated;
  bool promotable = in_promotable_clone(g);
  Resource* previous = nullptr;
  Resource* last_active = nullptr;
  for (Resource* m : g->children) {
    std::uint32_t down_flags = kOrderImpliesFirstPrinted;
    std::uint32_t post_down_flags = kOrderImpliesThenPrinted;
    internal_constraints(ws, m);
    if (!previous) {
      if (ordered) {
        down_flags |= kOrderOptional;
        post_down_flags = kOrderImpliesThen;
      }
    } else if (colocated) {
      Colocation* chain = new_colocation(ws, "group:internal_colocation", "", kInfinity, m,
                                         previous, "", "", m->is(kRscCritical));
      if (chain) chain->group = g;
    }
    if (promotable) order_group_member_roles(ws, g, m, down_flags, post_down_flags);
    order_rsc_actions(ws, g, "stop", m, "stop", down_flags);
    order_rsc_actions(ws, m, "stop", g, "stopped", post_down_flags);
    order_rsc_actions(ws, g, "start", m, "start", kOrderImpliesFirstPrinted);
    order_rsc_actions(ws, m, "start", g, "running",
                      kOrderRunnableLeft | kOrderImpliesThen | kOrderImpliesThenPrinted);
    if (!ordered) {
      order_rsc_actions(ws, g, "start", m, "start",
                        kOrderImpliesThen | kOrderRunnableLeft | kOrderImpliesFirstPrinted);
    } else if (!previous) {
      order_rsc_actions(ws, g, "start", m, "start", kOrderNone);
    } else {
      order_rsc_actions(ws, previous, "start", m, "start", kOrderImpliesThen | kOrderRunnableLeft);
      order_rsc_actions(ws, m, "stop", previous, "stop", kOrderOptional | kOrderRestart);
    }
    if (promotable) order_group_member_promotion(ws, g, m, previous);
    if (!m->running_on.empty()) {
      if (ordered && previous && previous->running_on.empty() && last_active &&
          !last_active->running_on.empty()) {
        order_rsc_actions(ws, m, "stop", last_active, "stop", kOrderOptional);
      }
      last_active = m;
    }
    previous = m;
  }
}

}  // namespace

void internal_constraints(WorkingSet& ws, Resource* rsc) {
  if (rsc->is_clone()) {
    clone_internal_constraints(ws, rsc);  // clone_actions.cpp
  } else if (is_bundle(rsc)) {
    bundle_internal_constraints(ws, rsc);  // bundle_assign.cpp
  } else if (rsc->is_group()) {
    group_internal_constraints(ws, rsc);
  } else {
    primitive_internal_constraints(ws, rsc);
  }
}

void create_internal_constraints(WorkingSet& ws) {
  for (Resource* r : ws.resources) internal_constraints(ws, r);
}

// ---------------------------------------------------------------- colocation scores

bool colocation_has_influence(const Colocation& c, const Resource* rsc) {
  if (!rsc) rsc = c.primary;
  // A bundle's connection does not move its clean, active container.
  if (c.dependent->is(kRscAllowRemoteRemotes) && !rsc->is(kRscFailed) &&
      rsc->running_on.size() == 1) {
    return false;
  }
  return c.influence || rsc->running_on.empty();
}

namespace {

constexpr int kInfinityHack = kInfinity * -100;

enum class Affects { kNothing, kLocation, kRole };

Affects colocation_affects(const Resource* dependent, const Resource* primary, const Colocation& c,
                           bool preview) {
  if (!preview && primary->is(kRscProvisional)) return Affects::kNothing;
  if (colocation_affects_role(dependent, c)) return Affects::kRole;  // promotable.cpp
  if (!preview && !dependent->is(kRscProvisional)) return Affects::kNothing;
  if (c.score > 0 && c.dependent_role != Role::kUnknown &&
      c.dependent_role != dependent->next_role) {
    return Affects::kNothing;
  }
  if (c.score > 0 && c.primary_role != Role::kUnknown && c.primary_role != primary->next_role) {
    return Affects::kNothing;
  }
  if (c.score < 0 && c.dependent_role != Role::kUnknown &&
      c.dependent_role == dependent->next_role) {
    return Affects::kNothing;
  }
  if (c.score < 0 && c.primary_role != Role::kUnknown && c.primary_role == primary->next_role) {
    return Affects::kNothing;
  }
  return Affects::kLocation;
}

void apply_coloc_to_weights(WorkingSet& ws, Resource* dependent, const Resource* primary,
                            const Colocation& c) {
  std::string attribute = c.node_attribute.empty() ? "#uname" : c.node_attribute;
  const std::string* value = nullptr;
  if (primary->allocated_to) {
    value = node_attr(primary->allocated_to, attribute);
  } else if (c.score < 0) {
    return;
  }
  // What the colocation adds on a node (0: nothing).
  auto delta_on = [&](const Node* n) {
    if (!primary->allocated_to) return -c.score;
    const std::string* mine = node_attr(n, attribute);
    bool same = mine && value && strcasecmp(mine->c_str(), value->c_str()) == 0;
    if (same) return c.score < kInfinity ? c.score : 0;
    return c.score >= kInfinity ? -c.score : 0;
  };
  // An optional colocation that would leave no node available is not
  // applied: try it on a draft first. A mandatory one applies regardless.
  if (c.score > -kInfinity && c.score < kInfinity) {
    ScoreDraft work = dependent->allowed.draft();
    for (auto& n : ws.nodes) {
      auto& slot = work[n->index];
      if (slot.present) slot.weight = (Score(delta_on(n.get())) + Score(slot.weight)).value();
    }
    if (!any_node_available(work, ws)) return;
  }
  Cause why{ScoreSource::kColocation, c.index,
            primary->allocated_to ? primary->allocated_to->index : -1};
  for (auto& n : ws.nodes) {
    if (!dependent->allowed[n->index].present) continue;
    if (int delta = delta_on(n.get()); delta != 0) ws.scores.add(*dependent, *n, delta, why);
  }
}

void add_node_scores_matching_attr(const WorkingSet& ws, ScoreDraft& nodes, const Resource* rsc,
                                   std::string attr, float factor, bool only_positive) {
  if (attr.empty()) attr = "#uname";
  if (attr == "#uname") {
    // Node names are unique: each node only matches itself.
    for (const auto& n : ws.nodes) {
      auto& slot = nodes[n->index];
      if (!slot.present) continue;
      const auto& own = rsc->allowed[n->index];
      int score =
          (own.present && node_available(n.get(), false, own.weight)) ? own.weight : -kInfinity;
      if (factor < 0 && score < 0) continue;
      if (slot.weight == kInfinityHack) continue;
      float weight_f = factor * static_cast<float>(score);
      int weight = static_cast<int>(weight_f < 0 ? weight_f - 0.5f : weight_f + 0.5f);
      if (weight == 0 && score != 0) weight = factor > 0.0f ? 1 : (factor < 0.0f ? -1 : 0);
      int new_score = (Score(weight) + Score(slot.weight)).value();
      if (only_positive && new_score < 0 && slot.weight > 0) {
        slot.weight = kInfinityHack;
        continue;
      }
      if (only_positive && new_score < 0 && slot.weight == 0) continue;
      slot.weight = new_score;
    }
    return;
  }
  // Best available score of `rsc` per attribute value, computed once (the
  // per-node lookup would otherwise scan every node for every node).
  std::unordered_map<std::string, int> best;
  int best_unset = -kInfinity;
  for (const auto& n : ws.nodes) {
    const auto& slot = rsc->allowed[n->index];
    if (!slot.present || !node_available(n.get(), false, slot.weight)) continue;
    const std::string* v = node_attr(n.get(), attr);
    if (!v) {
      best_unset = std::max(best_unset, slot.weight);
      continue;
    }
    std::string key = *v;
    std::transform(key.begin(), key.end(), key.begin(), ::tolower);
    auto [it, inserted] = best.emplace(key, slot.weight);
    if (!inserted && slot.weight > it->second) it->second = slot.weight;
  }
  for (const auto& n : ws.nodes) {
    auto& slot = nodes[n->index];
    if (!slot.present) continue;
    const std::string* v = node_attr(n.get(), attr);
    int score = -kInfinity;
    if (!v) {
      score = best_unset;
    } else {
      std::string key = *v;
      std::transform(key.begin(), key.end(), key.begin(), ::tolower);
      auto it = best.find(key);
      if (it != best.end()) score = it->second;
    }
    if (factor < 0 && score < 0) continue;
    if (slot.weight == kInfinityHack) continue;
    float weight_f = factor * static_cast<float>(score);
    int weight = static_cast<int>(weight_f < 0 ? weight_f - 0.5f : weight_f + 0.5f);
    if (weight == 0 && score != 0) {
      if (factor > 0.0f) {
        weight = 1;
      } else if (factor < 0.0f) {
        weight = -1;
      }
    }
    int new_score = (Score(weight) + Score(slot.weight)).value();
    if (only_positive && new_score < 0 && slot.weight > 0) {
      slot.weight = kInfinityHack;
      continue;
    }
    if (only_positive && new_score < 0 && slot.weight == 0) continue;
    slot.weight = new_score;
  }
}

}  // namespace

bool colocation_affects_location(const Resource* dependent, const Resource* primary,
                                 const Colocation& c) {
  return colocation_affects(dependent, primary, c, true) == Affects::kLocation;
}

void add_colocated_node_scores(WorkingSet& ws, Resource* rsc, const std::string& log_id,
                               ScoreDraft& nodes, bool nodes_null, const std::string& attr,
                               float factor, std::uint32_t flags) {
  if (rsc->is(kRscMerging)) return;
  rsc->set(kRscMerging);
  ScoreDraft work;
  if (rsc->is_group()) {
    if (rsc->children.empty()) {
      rsc->clear(kRscMerging);
      return;
    }
    Resource* member = nodes_null ? last_group_member(rsc) : rsc->children.front();
    work = nodes;
    add_colocated_node_scores(ws, member, log_id, work, nodes_null, attr, factor, flags);
  } else if (nodes_null) {
    work = rsc->allowed.draft();
  } else {
    work = nodes;
    add_node_scores_matching_attr(ws, work, rsc, attr, factor,
                                  (flags & kColocSelectNonnegative) != 0);
  }
  if (any_node_available(work, ws)) {
    float multiplier = factor < 0.0f ? -1.0f : 1.0f;
    std::vector<Colocation*> list;
    if (flags & kColocSelectThisWith) {
      list = rsc->this_with;
    } else if (rsc->is_group()) {
      list = last_group_member(rsc)->with_this;
    } else {
      list = rsc->with_this;
    }
    for (Colocation* c : list) {
      Resource* other = nullptr;
      if (flags & kColocSelectThisWith) {
        other = c->primary;
      } else if (!colocation_has_influence(*c, nullptr)) {
        continue;
      } else {
        other = c->dependent;
      }
      float f = multiplier * static_cast<float>(c->score) / static_cast<float>(kInfinity);
      add_colocated_node_scores(ws, other, log_id, work, false, c->node_attribute, f,
                                flags | kColocSelectActive);
    }
  } else if (flags & kColocSelectActive) {
    rsc->clear(kRscMerging);
    return;
  }
  if (flags & kColocSelectNonnegative) {
    for (auto& s : work) {
      if (s.weight == kInfinityHack) s.weight = 1;
    }
  }
  nodes = std::move(work);
  rsc->clear(kRscMerging);
}

void apply_coloc_score(WorkingSet& ws, Resource* dependent, Resource* primary, const Colocation& c,
                       bool for_dependent) {
  if (dependent->is_group() && for_dependent) {
    if (dependent->children.empty()) return;
    if (dependent->group_colocated) {
      apply_coloc_score(ws, dependent->children.front(), primary, c, true);
      return;
    }
    if (c.score >= kInfinity) {
      ws.warnings.push_back(dependent->id +
                            ": Cannot perform mandatory colocation between "
                            "non-colocated group and " +
                            primary->id);
      return;
    }
    for (Resource* m : dependent->children) apply_coloc_score(ws, m, primary, c, true);
    return;
  }
  if (for_dependent) {
    apply_coloc_score(ws, dependent, primary, c, false);
    return;
  }
  if (primary->is_clone()) {
    clone_apply_coloc_score(ws, dependent, primary, c);  // clone_assign.cpp
    return;
  }
  if (is_bundle(primary)) {
    bundle_apply_coloc_score(ws, dependent, primary, c);  // bundle_assign.cpp
    return;
  }
  if (primary->is_group()) {
    if (primary->is(kRscProvisional)) return;
    if (primary->group_colocated) {
      Resource* member = nullptr;
      if (c.score >= kInfinity) {
        member = last_group_member(primary);
      } else if (!primary->children.empty()) {
        member = primary->children.front();
      }
      if (!member) return;
      apply_coloc_score(ws, dependent, member, c, false);
      return;
    }
    if (c.score >= kInfinity) {
      ws.warnings.push_back(dependent->id +
                            ": Cannot perform mandatory colocation with "
                            "non-colocated group " +
                            primary->id);
      return;
    }
    for (Resource* m : primary->children) apply_coloc_score(ws, dependent, m, c, false);
    return;
  }
  switch (colocation_affects(dependent, primary, c, false)) {
    case Affects::kLocation:
      apply_coloc_to_weights(ws, dependent, primary, c);
      break;
    case Affects::kRole:
      apply_coloc_to_priority(ws, dependent, primary, c);  // promotable.cpp
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------- assignment

bool finalize_assignment(WorkingSet& ws, Resource* rsc, Node* chosen, bool force) {
  int weight = chosen ? rsc->allowed[chosen->index].weight : 0;
  if (!force && chosen) {
    // A guest node's connection is assumed to come up in the transition.
    if (weight < 0 || (!node_available(chosen, true, weight) && !is_guest_node(chosen))) {
      rsc->next_role = Role::kStopped;
      chosen = nullptr;
    }
  }
  if (rsc->allocated_to) release_node_capacity(ws, rsc->allocated_to, rsc);
  rsc->allocated_to = nullptr;
  rsc->clear(kRscProvisional);
  if (!chosen) {
    rsc->next_role = Role::kStopped;
    for (auto it = rsc->actions.rbegin(); it != rsc->actions.rend(); ++it) {
      Action* op = *it;
      if (op->task == "stop") {
        op->clear(kActOptional);
      } else if (op->task == "start") {
        op->clear(kActRunnable);
      } else {
        auto interval = lookup(op->meta, "interval");
        auto target = lookup(op->meta, "op_target_rc");
        if (interval && *interval != "0" && !(target && *target == "7")) op->clear(kActRunnable);
      }
    }
    return false;
  }
  rsc->allocated_to = chosen;
  chosen->num_resources++;
  consume_node_capacity(ws, chosen, rsc);
  return true;
}

std::vector<Node*> sorted_allowed_nodes(WorkingSet& ws, Resource* rsc) {
  std::vector<Node*> nodes;
  if (placement_strategy(ws) == PlacementStrategy::kBalanced) {
    nodes = allowed_nodes_listed(ws, rsc);  // the order decides what capacities cannot
  } else {
    for (auto& n : ws.nodes) {
      if (rsc->allowed[n->index].present) nodes.push_back(n.get());
    }
  }
  Node* active = rsc->current_node();
  auto eff = [&](Node* n) {
    return node_available(n, false, 0) ? rsc->allowed[n->index].weight : -kInfinity;
  };
  list_sort(nodes,
            [&](Node* a, Node* b) { return compare_nodes(ws, a, eff(a), b, eff(b), active); });
  return nodes;
}

namespace {

bool assign_best_node(WorkingSet& ws, Resource* rsc, Node* prefer) {
  Node* most_free = ban_insufficient_capacity(ws, rsc);
  if (!prefer) prefer = most_free;
  if (!rsc->is(kRscProvisional)) return rsc->allocated_to != nullptr;
  std::vector<Node*> nodes = sorted_allowed_nodes(ws, rsc);
  Node* best = nodes.empty() ? nullptr : nodes.front();
  Node* chosen = nullptr;
  if (prefer && best) {
    if (rsc->allowed[prefer->index].present) {
      chosen = prefer;
      int w = rsc->allowed[prefer->index].weight;
      if (w < rsc->allowed[best->index].weight || !node_available(prefer, true, w))
        chosen = nullptr;
    }
  }
  if (!chosen && best) {
    chosen = best;
    int cw = rsc->allowed[chosen->index].weight;
    // Not for unique clone instances: those staying where they run are
    // placed already, the others should not join another instance.
    bool unique_instance = rsc->parent && rsc->parent->is_clone() && rsc->parent->is(kRscUnique);
    if (!unique_instance && cw > 0 && node_available(chosen, false, cw)) {
      Node* running = rsc->current_node();
      if (running && node_available(running, true, 0)) {
        for (size_t i = 1; i < nodes.size(); ++i) {
          if (rsc->allowed[nodes[i]->index].weight != cw) break;
          if (nodes[i] == running) chosen = nodes[i];
        }
      }
    }
  }
  return finalize_assignment(ws, rsc, chosen, false);
}

void apply_this_with(WorkingSet& ws, Resource* rsc, Colocation* c) {
  ScoreDraft archive;
  bool keep = c->dependent_role >= Role::kPromoted || (c->score < 0 && c->score > -kInfinity);
  if (keep) archive = rsc->allowed.draft();
  assign(ws, c->primary, nullptr);
  apply_coloc_score(ws, rsc, c->primary, *c, true);
  if (keep && !any_node_available(rsc->allowed, ws)) {
    ws.scores.commit(*rsc, archive, {ScoreSource::kColocationUndo, c->index});
  }
}

void apply_with_this(WorkingSet& ws, Resource* rsc, Colocation* c) {
  Resource* other = c->dependent;
  if (!colocation_has_influence(*c, nullptr)) return;
  float factor = static_cast<float>(c->score) / static_cast<float>(kInfinity);
  ScoreDraft work = rsc->allowed.draft();
  add_colocated_node_scores(ws, other, rsc->id, work, false, c->node_attribute, factor,
                            kColocSelectActive);
  ws.scores.commit(*rsc, work, {ScoreSource::kColocatedPrefs, c->index});
}

Node* primitive_assign(WorkingSet& ws, Resource* rsc, Node* prefer) {
  if (rsc->parent && !rsc->parent->is(kRscAllocating)) assign(ws, rsc->parent, prefer);
  if (!rsc->is(kRscProvisional)) return rsc->allocated_to;
  if (rsc->is(kRscAllocating)) return nullptr;
  rsc->set(kRscAllocating);
  for (Colocation* c : std::vector<Colocation*>(rsc->this_with)) apply_this_with(ws, rsc, c);
  for (Colocation* c : std::vector<Colocation*>(rsc->with_this)) apply_with_this(ws, rsc, c);
  if (rsc->next_role == Role::kStopped) {
    // Whether target-role says so, or failure handling.
    auto target = lookup(rsc->meta, "target-role");
    int by_target_role = target && strcasecmp(target->c_str(), "stopped") == 0 ? 1 : 0;
    resource_location(ws, rsc, nullptr, -kInfinity, {ScoreSource::kStopping, -1, by_target_role});
  } else if (rsc->next_role > rsc->role && !ws.have_quorum &&
             ws.config.no_quorum == NoQuorumPolicy::kFreeze) {
    rsc->next_role = rsc->role;
  }
  show_scores(ws, rsc, "pcmk__primitive_assign");
  if (ws.config.stonith_enabled && !ws.config.have_stonith_resource) rsc->clear(kRscManaged);
  if (!rsc->is(kRscManaged)) {
    rsc->next_role = rsc->role;
    finalize_assignment(ws, rsc, rsc->current_node(), true);
  } else if (ws.config.stop_all) {
    finalize_assignment(ws, rsc, nullptr, true);
  } else if (rsc->is(kRscProvisional) && assign_best_node(ws, rsc, prefer)) {
    // assigned
  }
  rsc->clear(kRscAllocating);
  if (rsc->is_remote_node) remote_connection_assigned(ws, rsc);  // remote.cpp
  return rsc->allocated_to;
}

void expand_group_colocations(Resource* g) {
  if (g->children.empty()) return;
  Resource* member = g->children.front();
  for (Colocation* c : g->this_with) add_this_with(member, c);
  bool any_unmanaged = !member->is(kRscManaged);
  for (size_t i = 1; i < g->children.size(); ++i) {
    Resource* m = g->children[i];
    if (any_unmanaged) {
      for (Colocation* c : g->this_with) {
        if (c->score == kInfinity) m->this_with.push_back(c);
      }
    } else if (!m->is(kRscManaged)) {
      any_unmanaged = true;
    }
  }
  g->this_with.clear();
  Resource* last = last_group_member(g);
  for (Colocation* c : g->with_this) add_with_this(last, c);
  g->with_this.clear();
}

Node* group_assign(WorkingSet& ws, Resource* g, Node* prefer) {
  if (!g->is(kRscProvisional)) return g->allocated_to;
  if (g->is(kRscAllocating)) return nullptr;
  if (g->children.empty()) {
    g->clear(kRscProvisional);
    return nullptr;
  }
  g->set(kRscAllocating);
  Resource* first = g->children.front();
  g->role = first->role;
  expand_group_colocations(g);
  show_scores(ws, g, "pcmk__group_assign");
  Node* first_node = nullptr;
  bool first_done = false;
  for (Resource* m : g->children) {
    Node* n = assign(ws, m, prefer);
    if (!first_done) {
      first_node = n;
      first_done = true;
    }
  }
  g->next_role = first->next_role;
  g->clear(kRscAllocating | kRscProvisional);
  if (!g->group_colocated) return nullptr;
  g->allocated_to = first_node;
  return first_node;
}

}  // namespace

Node* assign(WorkingSet& ws, Resource* rsc, Node* prefer) {
  if (rsc->is_group()) return group_assign(ws, rsc, prefer);
  if (rsc->is_clone()) return clone_assign(ws, rsc, prefer);  // clone_assign.cpp
  if (is_bundle(rsc)) return bundle_assign(ws, rsc, prefer);  // bundle_assign.cpp
  return primitive_assign(ws, rsc, prefer);
}

void assign_resources(WorkingSet& ws) {
  begin_utilization(ws);
  assign_remote_connections(ws);  // remote.cpp: connections first
  for (Resource* r : ws.resources) {
    if (!r->is_remote_node) assign(ws, r, nullptr);
  }
  end_utilization(ws);
}

}  // namespace vigil::pengine
