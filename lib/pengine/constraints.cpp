// SPDX-License-Identifier: GPL-2.0-or-later
// Unpacking constraints: location (scores and rules), colocation and order,
// with resource sets, tags and templates expanded to resources.
#include <regex.h>
#include <strings.h>

#include <algorithm>
#include <cstring>

#include "bundle.hpp"
#include "internal.hpp"

namespace vigil::pengine {

std::vector<std::pair<Node*, const cib::OpHistory*>>& failed_ops_of(WorkingSet& ws) {
  return ws.failed_ops;
}

namespace {

// A resource set after tags and templates became resources.
struct RefSet {
  std::string id;
  std::vector<Resource*> rscs;
  bool sequential = true, sequential_set = false, require_all = true;
  std::string role, action, ordering, kind;
  std::optional<Score> score;
};

// The resource a constraint's id names (expand_ref found it, not a tag).
Resource* constraint_rsc(const WorkingSet& ws, const std::string& id) {
  if (Resource* r = ws.find_rsc(id)) return r;
  return clone_named_by_history(ws, id);  // clone_unpack.cpp
}

// Expands an id naming a resource, a tag or a template; empty when unknown.
bool expand_ref(WorkingSet& ws, const std::string& id, std::vector<Resource*>& out, bool* is_tag) {
  if (Resource* r = ws.find_rsc(id)) {
    out.push_back(r);
    if (is_tag) *is_tag = false;
    return true;
  }
  auto tag = ws.cib.tags.find(id);
  if (tag != ws.cib.tags.end()) {
    for (const auto& member : tag->second) {
      if (Resource* r = ws.find_rsc(member)) {
        out.push_back(r);
      } else {
        // A tagged template stands for the primitives made from it.
        for (auto& r2 : ws.all_rscs) {
          if (r2->config && r2->config->template_id == member) out.push_back(r2.get());
        }
      }
    }
    if (is_tag) *is_tag = true;
    return true;
  }
  if (ws.cib.template_ids.count(id)) {
    for (auto& r : ws.all_rscs) {
      if (r->config && r->config->template_id == id) out.push_back(r.get());
    }
    if (is_tag) *is_tag = true;
    return true;
  }
  // Ids are unique, so this last: a clone whose instances' history uses it.
  if (Resource* r = clone_named_by_history(ws, id)) {  // clone_unpack.cpp
    out.push_back(r);
    if (is_tag) *is_tag = false;
    return true;
  }
  return false;
}

bool to_refsets(WorkingSet& ws, const std::string& cons_id, const std::vector<cib::ResourceSet>& in,
                std::vector<RefSet>& out) {
  for (const auto& s : in) {
    RefSet r;
    r.id = s.id;
    r.sequential = s.sequential;
    r.sequential_set = true;
    r.require_all = s.require_all;
    r.role = s.role;
    r.action = s.action;
    r.ordering = s.ordering;
    r.kind = s.kind;
    r.score = s.score;
    for (const auto& id : s.rscs) {
      if (!expand_ref(ws, id, r.rscs, nullptr)) {
        ws.warnings.push_back(s.id + ": No resource found for " + id);
        return false;
      }
    }
    out.push_back(std::move(r));
  }
  (void)cons_id;
  return true;
}

// ---- location

void add_location(WorkingSet& ws, const std::string& id, const std::string& rule_id, Resource* rsc,
                  const std::string& role, const std::string& discovery,
                  std::vector<std::pair<Node*, int>> nodes, bool role_is_rule) {
  auto loc = std::make_unique<Location>();
  loc->id = id;
  loc->rule_id = rule_id;
  loc->rsc = rsc;
  if (discovery.empty() || strcasecmp(discovery.c_str(), "always") == 0) {
    loc->discover = Discover::kAlways;
  } else if (strcasecmp(discovery.c_str(), "never") == 0) {
    loc->discover = Discover::kNever;
  } else if (strcasecmp(discovery.c_str(), "exclusive") == 0) {
    loc->discover = Discover::kExclusive;
    rsc->set(kRscExclusiveDiscover);
  } else {
    ws.warnings.push_back("Invalid resource-discovery value " + discovery + " in " +
                          (rule_id.empty() ? id : rule_id));
  }
  if (!role.empty()) {
    Role r = role_from_text(role);
    if (role_is_rule) {
      loc->role_filter = (r == Role::kUnpromoted) ? Role::kUnknown : r;
    } else {
      loc->role_filter = (r == Role::kStarted || r == Role::kUnpromoted) ? Role::kUnknown : r;
    }
  }
  loc->nodes = std::move(nodes);
  ws.locations.push_back(std::move(loc));
}

int rule_node_score(const rules::Rule& rule, bool raw, const Node* node) {
  if (raw) return rule.score ? rule.score->value() : 0;
  if (rule.score_attribute.empty()) return 0;
  auto v = node_attr(node, rule.score_attribute);
  if (!v) return -kInfinity;
  return parse_score_lenient(*v).value();
}

void location_rule(WorkingSet& ws, const std::string& cons_id, Resource* rsc,
                   const rules::Rule& rule, const std::string& discovery,
                   const std::vector<std::string>& captures) {
  if (!rule.role.empty() && role_from_text(rule.role) == Role::kUnknown) {
    ws.warnings.push_back("Bad role specified for " + rule.id + ": " + rule.role);
    return;
  }
  bool raw = rule.score.has_value() || rule.score_attribute.empty();
  rules::Rule r = rule;
  // %N in score-attribute refers to rsc-pattern captures.
  if (!raw && !captures.empty()) {
    std::string expanded;
    for (size_t i = 0; i < r.score_attribute.size(); ++i) {
      char c = r.score_attribute[i];
      if (c == '%' && i + 1 < r.score_attribute.size() &&
          isdigit(static_cast<unsigned char>(r.score_attribute[i + 1]))) {
        size_t n = static_cast<size_t>(r.score_attribute[i + 1] - '0');
        if (n < captures.size()) expanded += captures[n];
        ++i;
      } else {
        expanded += c;
      }
    }
    r.score_attribute = expanded;
  }
  bool do_and = !rule.boolean_or;
  std::vector<std::pair<Node*, int>> matched;
  std::vector<char> in_list(ws.nodes.size(), 0);
  if (do_and) {
    // Pacemaker copies the node list by prepending: the last node first
    // (the order crm_mon lists the bans in).
    for (auto n = ws.nodes.rbegin(); n != ws.nodes.rend(); ++n) {
      matched.push_back({n->get(), rule_node_score(r, raw, n->get())});
      in_list[(*n)->index] = 1;
    }
  }
  for (auto& n : ws.nodes) {
    rules::RuleInput in;
    in.node_attrs = &n->attrs;
    in.now = ws.options.now;
    in.next_change = &ws.rules_change;
    AttrMap params = rsc_params(ws, rsc, n.get());
    in.rsc_params = &params;
    in.rsc_meta = &rsc->meta;
    bool accept = rules::evaluate(r, in);
    int score = rule_node_score(r, raw, n.get());
    if (accept) {
      if (!in_list[n->index]) {
        if (do_and) continue;
        // A copy of the node, weight included (-INFINITY when it is offline).
        matched.push_back({n.get(), n->weight});
        in_list[n->index] = 1;
      }
      if (!do_and) {
        for (auto& [node, w] : matched) {
          if (node == n.get()) w = (Score(w) + Score(score)).value();
        }
      }
    } else if (do_and && in_list[n->index]) {
      matched.erase(std::remove_if(matched.begin(), matched.end(),
                                   [&](const auto& p) { return p.first == n.get(); }),
                    matched.end());
      in_list[n->index] = 0;
    }
  }
  if (matched.empty()) return;
  add_location(ws, cons_id, rule.id, rsc, rule.role, discovery, std::move(matched), true);
}

void unpack_rsc_location(WorkingSet& ws, const cib::LocationConstraint& l, Resource* rsc,
                         const std::string& role_override,
                         const std::optional<Score>& score_override,
                         const std::vector<std::string>& captures) {
  std::optional<Score> score = score_override ? score_override : l.score;
  if (!l.node.empty() && score) {
    Node* n = ws.find_node(l.node);
    if (!n) return;
    std::string role = role_override.empty() ? l.role : role_override;
    if (!role.empty() && role_from_text(role) == Role::kUnknown) {
      ws.warnings.push_back("Invalid constraint " + l.id + ": Bad role " + role);
      return;
    }
    add_location(ws, l.id, "", rsc, role, l.discovery, {{n, score->value()}}, false);
    return;
  }
  if (l.rules.empty()) {
    ws.warnings.push_back("Ignoring constraint '" + l.id + "' because it contains no rules");
    return;
  }
  for (const auto& rule : l.rules) location_rule(ws, l.id, rsc, rule, l.discovery, captures);
}

void unpack_location(WorkingSet& ws, const cib::LocationConstraint& l) {
  if (!l.sets.empty()) {
    std::vector<RefSet> sets;
    if (!to_refsets(ws, l.id, l.sets, sets)) return;
    for (const auto& s : sets) {
      for (Resource* r : s.rscs) unpack_rsc_location(ws, l, r, s.role, s.score, {});
    }
    return;
  }
  if (!l.rsc.empty()) {
    std::vector<Resource*> rscs;
    bool is_tag = false;
    if (!expand_ref(ws, l.rsc, rscs, &is_tag)) {
      ws.warnings.push_back("Ignoring constraint '" + l.id + "' because resource '" + l.rsc +
                            "' does not exist");
      return;
    }
    for (Resource* r : rscs) unpack_rsc_location(ws, l, r, "", std::nullopt, {});
  }
  if (!l.rsc_pattern.empty()) {
    std::string pattern = l.rsc_pattern;
    bool invert = false;
    if (!pattern.empty() && pattern[0] == '!') {
      invert = true;
      pattern = pattern.substr(1);
    }
    regex_t re;
    if (regcomp(&re, pattern.c_str(), REG_EXTENDED) != 0) {
      ws.warnings.push_back("Ignoring constraint '" + l.id +
                            "' because rsc-pattern has invalid value '" + l.rsc_pattern + "'");
      return;
    }
    size_t nregs = re.re_nsub + 1;
    std::vector<regmatch_t> m(nregs);
    for (Resource* r : std::vector<Resource*>(ws.resources)) {
      int status = regexec(&re, r->id.c_str(), nregs, m.data(), 0);
      if (!invert && status == 0) {
        std::vector<std::string> captures;
        for (size_t i = 0; i < nregs; ++i) {
          if (m[i].rm_so < 0) {
            captures.emplace_back();
          } else {
            captures.push_back(r->id.substr(static_cast<size_t>(m[i].rm_so),
                                            static_cast<size_t>(m[i].rm_eo - m[i].rm_so)));
          }
        }
        unpack_rsc_location(ws, l, r, "", std::nullopt, captures);
      } else if (invert && status != 0) {
        unpack_rsc_location(ws, l, r, "", std::nullopt, {});
      }
    }
    regfree(&re);
  }
}

// ---- colocation

bool influence_of(const std::string& influence_s, const Resource* rsc) {
  if (!influence_s.empty()) {
    std::string v = influence_s;
    std::transform(v.begin(), v.end(), v.begin(), ::tolower);
    if (v == "true" || v == "on" || v == "yes" || v == "y" || v == "1") return true;
    if (v == "false" || v == "off" || v == "no" || v == "n" || v == "0") return false;
  }
  return rsc->is(kRscCritical);
}

// Promotable clones before other clones (Pacemaker keeps that order for
// its old regression results).
int promotable_cmp(const Resource* a, const Resource* b) {
  bool pa = a->clone && a->clone->promotable, pb = b->clone && b->clone->promotable;
  if (!a->is_clone() || pa == pb) return 0;
  return pa ? -1 : 1;
}

int primary_cmp(const Colocation* a, const Colocation* b) {
  if (a->primary->priority != b->primary->priority)
    return a->primary->priority > b->primary->priority ? -1 : 1;
  if (a->primary->kind != b->primary->kind) return a->primary->kind > b->primary->kind ? -1 : 1;
  if (int p = promotable_cmp(a->primary, b->primary)) return p;
  return a->primary->id.compare(b->primary->id);
}
int dependent_cmp(const Colocation* a, const Colocation* b) {
  if (a->dependent->priority != b->dependent->priority) {
    return a->dependent->priority > b->dependent->priority ? -1 : 1;
  }
  if (a->dependent->kind != b->dependent->kind)
    return a->dependent->kind > b->dependent->kind ? -1 : 1;
  if (int p = promotable_cmp(a->dependent, b->dependent)) return p;
  return a->dependent->id.compare(b->dependent->id);
}

}  // namespace

// g_list_insert_sorted: inserts before the first element that compares greater.
void insert_sorted(std::vector<Colocation*>& list, Colocation* c,
                   int (*cmp)(const Colocation*, const Colocation*)) {
  auto it = list.begin();
  while (it != list.end() && cmp(c, *it) > 0) ++it;
  list.insert(it, c);
}

void add_this_with(Resource* rsc, Colocation* c) {
  insert_sorted(rsc->this_with, c, primary_cmp);
}
void add_with_this(Resource* rsc, Colocation* c) {
  insert_sorted(rsc->with_this, c, dependent_cmp);
}

namespace {

void anti_colocation_order(WorkingSet& ws, Resource* first, Role first_role, Resource* then,
                           Role then_role) {
  std::vector<std::string> first_tasks, then_tasks;
  if (first_role == Role::kPromoted) {
    first_tasks = {"demote"};
  } else {
    first_tasks = {"stop"};
    if (first_role == Role::kUnpromoted) first_tasks.push_back("promote");
  }
  if (then_role == Role::kPromoted) {
    then_tasks = {"promote"};
  } else {
    then_tasks = {"start"};
    if (then_role == Role::kUnpromoted) then_tasks.push_back("demote");
  }
  for (const auto& f : first_tasks) {
    for (const auto& t : then_tasks) order_rsc_actions(ws, first, f, then, t, kOrderAntiColocation);
  }
}

}  // namespace

Colocation* new_colocation(WorkingSet& ws, const std::string& id, const std::string& node_attr_name,
                           int score, Resource* dependent, Resource* primary,
                           const std::string& dependent_role, const std::string& primary_role,
                           bool influence) {
  if (score == 0) return nullptr;
  if (!dependent || !primary) {
    ws.warnings.push_back("Ignoring colocation '" + id + "' because resource does not exist");
    return nullptr;
  }
  auto c = std::make_unique<Colocation>();
  c->index = static_cast<int>(ws.colocations.size());
  c->id = id;
  c->dependent = dependent;
  c->primary = primary;
  c->score = score;
  auto role_of = [](const std::string& r) {
    if (r.empty() || strcasecmp(r.c_str(), "Started") == 0) return Role::kUnknown;
    return role_from_text(r);
  };
  c->dependent_role = role_of(dependent_role);
  c->primary_role = role_of(primary_role);
  c->node_attribute = node_attr_name;
  c->influence = influence;
  add_this_with(dependent, c.get());
  add_with_this(primary, c.get());
  Colocation* raw = c.get();
  ws.colocations.push_back(std::move(c));
  if (score <= -kInfinity) {
    anti_colocation_order(ws, dependent, raw->dependent_role, primary, raw->primary_role);
    anti_colocation_order(ws, primary, raw->primary_role, dependent, raw->dependent_role);
  }
  return raw;
}

namespace {

void unpack_colocation_set(WorkingSet& ws, const RefSet& set, int score,
                           const std::string& coloc_id, const std::string& influence_s) {
  int local_score = set.score ? set.score->value() : score;
  if (local_score == 0) return;
  std::string ordering = set.ordering.empty() ? "group" : set.ordering;
  if (set.sequential_set && !set.sequential) return;
  if (local_score > 0 && strcasecmp(ordering.c_str(), "group") == 0) {
    Resource* with = nullptr;
    for (Resource* r : set.rscs) {
      if (with)
        new_colocation(ws, set.id, "", local_score, r, with, set.role, set.role,
                       influence_of(influence_s, r));
      with = r;
    }
  } else if (local_score > 0) {
    Resource* last = nullptr;
    for (Resource* r : set.rscs) {
      if (last)
        new_colocation(ws, set.id, "", local_score, last, r, set.role, set.role,
                       influence_of(influence_s, last));
      last = r;
    }
  } else {
    for (size_t i = 0; i < set.rscs.size(); ++i) {
      Resource* r = set.rscs[i];
      bool infl = influence_of(influence_s, r);
      for (size_t j = 0; j < set.rscs.size(); ++j) {
        if (set.rscs[j]->id == r->id) break;
        new_colocation(ws, set.id, "", local_score, r, set.rscs[j], set.role, set.role, infl);
      }
    }
  }
  (void)coloc_id;
}

void colocate_rsc_sets(WorkingSet& ws, const std::string& id, const RefSet& s1, const RefSet& s2,
                       int score, const std::string& influence_s) {
  if (score == 0) return;
  Resource* r1 = nullptr;
  Resource* r2 = nullptr;
  if ((!s1.sequential_set || s1.sequential) && !s1.rscs.empty()) r1 = s1.rscs.front();
  if ((!s2.sequential_set || s2.sequential) && !s2.rscs.empty()) r2 = s2.rscs.back();
  if (r1 && r2) {
    new_colocation(ws, id, "", score, r1, r2, s1.role, s2.role, influence_of(influence_s, r1));
  } else if (r1) {
    bool infl = influence_of(influence_s, r1);
    for (Resource* r : s2.rscs) new_colocation(ws, id, "", score, r1, r, s1.role, s2.role, infl);
  } else if (r2) {
    for (Resource* r : s1.rscs) {
      new_colocation(ws, id, "", score, r, r2, s1.role, s2.role, influence_of(influence_s, r));
    }
  } else {
    for (Resource* a : s1.rscs) {
      bool infl = influence_of(influence_s, a);
      for (Resource* b : s2.rscs) new_colocation(ws, id, "", score, a, b, s1.role, s2.role, infl);
    }
  }
}

// Simple constraints naming a tag/template become sets (sequential=false).
bool simple_to_sets(WorkingSet& ws, const std::string& cons_id, const std::string& first_id,
                    const std::string& then_id, std::vector<RefSet>& sets, bool* any_tag,
                    const std::string& first_role, const std::string& then_role,
                    const std::string& first_action, const std::string& then_action) {
  *any_tag = false;
  std::vector<Resource*> a, b;
  bool tag_a = false, tag_b = false;
  if (!expand_ref(ws, first_id, a, &tag_a)) {
    ws.warnings.push_back("Ignoring constraint '" + cons_id + "' because '" + first_id +
                          "' is not a valid resource or tag");
    return false;
  }
  if (!expand_ref(ws, then_id, b, &tag_b)) {
    ws.warnings.push_back("Ignoring constraint '" + cons_id + "' because '" + then_id +
                          "' is not a valid resource or tag");
    return false;
  }
  if (!tag_a && !tag_b) return true;
  *any_tag = true;
  RefSet s1, s2;
  s1.id = first_id;
  s1.rscs = a;
  s1.sequential_set = tag_a;
  s1.sequential = !tag_a;
  s1.role = first_role;
  s1.action = first_action;
  s2.id = then_id;
  s2.rscs = b;
  s2.sequential_set = tag_b;
  s2.sequential = !tag_b;
  s2.role = then_role;
  s2.action = then_action;
  sets.push_back(s1);
  sets.push_back(s2);
  return true;
}

void unpack_colocation(WorkingSet& ws, const cib::ColocationConstraint& k) {
  int score = k.score.value();
  std::vector<RefSet> sets;
  if (!k.sets.empty()) {
    if (!to_refsets(ws, k.id, k.sets, sets)) return;
  } else {
    if (k.rsc.empty() || k.with_rsc.empty()) {
      ws.warnings.push_back("Ignoring constraint '" + k.id + "' without rsc and with-rsc");
      return;
    }
    bool any_tag = false;
    std::vector<Resource*> tmp;
    bool tag_a = false, tag_b = false;
    if (expand_ref(ws, k.rsc, tmp, &tag_a) && expand_ref(ws, k.with_rsc, tmp, &tag_b) && tag_a &&
        tag_b) {
      ws.warnings.push_back("Ignoring constraint '" + k.id +
                            "' because two templates or tags cannot be colocated");
      return;
    }
    if (!simple_to_sets(ws, k.id, k.rsc, k.with_rsc, sets, &any_tag, k.rsc_role, k.with_rsc_role,
                        "", "")) {
      return;
    }
    if (!any_tag) {
      Resource* dep = constraint_rsc(ws, k.rsc);
      Resource* pri = constraint_rsc(ws, k.with_rsc);
      new_colocation(ws, k.id, k.node_attribute, score, dep, pri, k.rsc_role, k.with_rsc_role,
                     influence_of(k.influence, dep));
      return;
    }
  }
  const RefSet* last = nullptr;
  for (const auto& s : sets) {
    unpack_colocation_set(ws, s, score, k.id, k.influence);
    if (last) colocate_rsc_sets(ws, k.id, *last, s, score, k.influence);
    last = &s;
  }
}

// ---- order

enum class OrderKind { kOptional, kMandatory, kSerialize };
enum class Symmetry { kAsymmetric, kSymmetric, kInverse };

OrderKind order_kind(const std::string& kind, const std::optional<Score>& score) {
  if (kind.empty()) {
    if (score && score->value() == 0) return OrderKind::kOptional;
    return OrderKind::kMandatory;
  }
  if (strcasecmp(kind.c_str(), "Optional") == 0) return OrderKind::kOptional;
  if (strcasecmp(kind.c_str(), "Serialize") == 0) return OrderKind::kSerialize;
  return OrderKind::kMandatory;
}

Symmetry order_symmetry(const std::string& kind_attr, const std::optional<Score>& score,
                        OrderKind parent_kind, const std::string& symmetrical,
                        const std::string& parent_symmetrical) {
  OrderKind kind = parent_kind;
  if (!kind_attr.empty() || score) kind = order_kind(kind_attr, score);
  std::string sym = symmetrical.empty() ? parent_symmetrical : symmetrical;
  if (!sym.empty()) {
    if (is_true(sym)) {
      return kind == OrderKind::kSerialize ? Symmetry::kAsymmetric : Symmetry::kSymmetric;
    }
    return Symmetry::kAsymmetric;
  }
  return kind == OrderKind::kSerialize ? Symmetry::kAsymmetric : Symmetry::kSymmetric;
}

std::uint32_t flags_for_kind(OrderKind kind, const std::string& first, Symmetry sym) {
  std::uint32_t flags = kOrderOptional;
  switch (kind) {
    case OrderKind::kOptional:
      break;
    case OrderKind::kSerialize:
      flags |= kOrderSerializeOnly;
      break;
    case OrderKind::kMandatory:
      switch (sym) {
        case Symmetry::kAsymmetric:
          flags |= kOrderAsymmetrical;
          break;
        case Symmetry::kSymmetric:
          flags |= kOrderImpliesThen;
          if (first == "start" || first == "promote") flags |= kOrderRunnableLeft;
          break;
        case Symmetry::kInverse:
          flags |= kOrderImpliesFirst;
          break;
      }
      break;
  }
  return flags;
}

std::string invert_action(const std::string& a) {
  if (a == "start") return "stop";
  if (a == "stop") return "start";
  if (a == "promote") return "demote";
  if (a == "demote") return "promote";
  if (a == "promoted") return "demoted";
  if (a == "demoted") return "promoted";
  if (a == "started") return "stopped";
  if (a == "stopped") return "started";
  return "";
}

void unpack_order_set(WorkingSet& ws, const RefSet& set, OrderKind parent_kind,
                      const std::string& parent_symmetrical) {
  std::string action = set.action.empty() ? "start" : set.action;
  OrderKind local_kind = set.kind.empty() ? parent_kind : order_kind(set.kind, std::nullopt);
  bool sequential = !set.sequential_set || set.sequential;
  Symmetry sym = order_symmetry(set.kind, std::nullopt, parent_kind, "", parent_symmetrical);
  std::uint32_t flags = flags_for_kind(local_kind, action, sym);
  if (set.rscs.size() == 1) return;
  Resource* last = nullptr;
  for (size_t i = 0; i < set.rscs.size(); ++i) {
    Resource* r = set.rscs[i];
    if (local_kind == OrderKind::kSerialize) {
      for (size_t j = i + 1; j < set.rscs.size(); ++j) {
        new_ordering(ws, r, op_key(r->id, action, 0), nullptr, set.rscs[j],
                     op_key(set.rscs[j]->id, action, 0), nullptr, flags);
      }
    } else if (sequential) {
      if (last) order_rsc_actions(ws, last, action, r, action, flags);
      last = r;
    }
  }
  if (sym == Symmetry::kAsymmetric) return;
  last = nullptr;
  action = invert_action(action);
  flags = flags_for_kind(local_kind, action, Symmetry::kInverse);
  for (Resource* r : set.rscs) {
    if (sequential) {
      if (last) order_rsc_actions(ws, r, action, last, action, flags);
      last = r;
    }
  }
}

void order_rsc_sets(WorkingSet& ws, const std::string& id, const RefSet& s1, const RefSet& s2,
                    OrderKind kind, Symmetry sym) {
  std::string a1 = s1.action.empty() ? "start" : s1.action;
  std::string a2 = s2.action.empty() ? "start" : s2.action;
  bool require_all = s1.require_all;
  if (sym == Symmetry::kInverse) {
    a1 = invert_action(a1);
    a2 = invert_action(a2);
  }
  if (a1 == "stop" || a1 == "demote") require_all = true;
  std::uint32_t flags = flags_for_kind(kind, a2, sym);
  if (!require_all) {
    Action* any = pseudo_op(ws, "one-or-more:" + s1.id);
    any->set(kActRequiresAny);
    for (Resource* r : s1.rscs) {
      new_ordering(ws, r, op_key(r->id, a1, 0), nullptr, nullptr, "", any,
                   kOrderOneOrMore | kOrderImpliesThenPrinted);
    }
    for (Resource* r : s2.rscs) {
      new_ordering(ws, nullptr, "", any, r, op_key(r->id, a2, 0), nullptr,
                   flags | kOrderRunnableLeft);
    }
    return;
  }
  Resource* r1 = nullptr;
  Resource* r2 = nullptr;
  // Only an explicit sequential="true" picks one end of a set here.
  if (s1.sequential_set && s1.sequential && !s1.rscs.empty()) {
    r1 = (sym == Symmetry::kInverse) ? s1.rscs.front() : s1.rscs.back();
  }
  if (s2.sequential_set && s2.sequential && !s2.rscs.empty()) {
    r2 = (sym == Symmetry::kInverse) ? s2.rscs.back() : s2.rscs.front();
  }
  if (r1 && r2) {
    order_rsc_actions(ws, r1, a1, r2, a2, flags);
  } else if (r1) {
    for (Resource* r : s2.rscs) order_rsc_actions(ws, r1, a1, r, a2, flags);
  } else if (r2) {
    for (Resource* r : s1.rscs) order_rsc_actions(ws, r, a1, r2, a2, flags);
  } else {
    for (Resource* a : s1.rscs) {
      for (Resource* b : s2.rscs) order_rsc_actions(ws, a, a1, b, a2, flags);
    }
  }
  (void)id;
}

void unpack_order(WorkingSet& ws, const cib::OrderConstraint& o) {
  OrderKind kind = order_kind(o.kind, o.score);
  Symmetry sym = order_symmetry(o.kind, o.score, kind, o.symmetrical, "");
  std::vector<RefSet> sets;
  if (!o.sets.empty()) {
    if (!to_refsets(ws, o.id, o.sets, sets)) return;
  } else {
    if (o.first.empty() || o.then.empty()) {
      ws.warnings.push_back("Ignoring constraint '" + o.id + "' without first and then");
      return;
    }
    bool any_tag = false;
    if (!simple_to_sets(ws, o.id, o.first, o.then, sets, &any_tag, "", "", o.first_action,
                        o.then_action)) {
      return;
    }
    if (!any_tag) {
      Resource* first = constraint_rsc(ws, o.first);
      Resource* then = constraint_rsc(ws, o.then);
      std::string action_first = o.first_action.empty() ? "start" : o.first_action;
      std::string action_then = o.then_action.empty() ? action_first : o.then_action;
      std::uint32_t flags = flags_for_kind(kind, action_first, sym);
      if (kind == OrderKind::kOptional && then->restart_type_restart) flags |= kOrderImpliesThen;
      if (int min = clone_min_first_instances(*first, o.require_all); min > 0) {
        order_after_clone_min(ws, o.id, first, action_first, then, action_then, flags, min);
      } else {
        order_rsc_actions(ws, first, action_first, then, action_then, flags);
      }
      if (sym == Symmetry::kSymmetric) {
        std::string inv_then = invert_action(action_then);
        std::string inv_first = invert_action(action_first);
        if (inv_then.empty() || inv_first.empty()) {
          ws.warnings.push_back("Cannot invert constraint '" + o.id +
                                "' (please specify inverse manually)");
        } else {
          std::uint32_t iflags = flags_for_kind(kind, inv_first, Symmetry::kInverse);
          if (kind == OrderKind::kOptional && first->restart_type_restart)
            iflags |= kOrderImpliesFirst;
          order_rsc_actions(ws, then, inv_then, first, inv_first, iflags);
        }
      }
      return;
    }
  }
  const RefSet* last = nullptr;
  for (const auto& s : sets) {
    unpack_order_set(ws, s, kind, o.symmetrical);
    if (last) {
      order_rsc_sets(ws, o.id, *last, s, kind, sym);
      if (sym == Symmetry::kSymmetric) order_rsc_sets(ws, o.id, s, *last, kind, Symmetry::kInverse);
    }
    last = &s;
  }
}

}  // namespace

bool expand_constraint_ref(WorkingSet& ws, const std::string& id, std::vector<Resource*>& out,
                           bool* is_tag) {
  return expand_ref(ws, id, out, is_tag);
}

void unpack_constraints(WorkingSet& ws) {
  // Document order across constraint kinds matters for ordering creation.
  for (const cib::ConstraintRef& c : ws.cib.constraint_order) {
    switch (c.kind) {
      case cib::ConstraintKind::kLocation:
        unpack_location(ws, ws.cib.locations[c.index]);
        break;
      case cib::ConstraintKind::kColocation:
        unpack_colocation(ws, ws.cib.colocations[c.index]);
        break;
      case cib::ConstraintKind::kOrder:
        unpack_order(ws, ws.cib.orders[c.index]);
        break;
      case cib::ConstraintKind::kTicket:
        unpack_rsc_ticket(ws, ws.cib.tickets[c.index]);  // tickets.cpp
        break;
    }
  }
}

void apply_locations(WorkingSet& ws) {
  // Pacemaker prepends placement constraints, so it applies the newest first.
  for (auto it = ws.locations.rbegin(); it != ws.locations.rend(); ++it) {
    Location& loc = **it;
    auto index = static_cast<std::int32_t>(ws.locations.rend() - it - 1);
    // A group applies the constraint to itself and to each member.
    bool zero_scores = false;
    auto apply = [&](Resource* rsc, bool through_group) {
      bool need_role = loc.role_filter > Role::kUnknown;
      if (need_role && loc.role_filter != rsc->next_role) return;
      for (auto [node, weight] : loc.nodes) {
        if (zero_scores) weight = 0;
        ws.scores.add(*rsc, *node, weight, {ScoreSource::kLocation, index, through_group});
        const auto& slot = rsc->allowed[node->index];
        if (static_cast<int>(slot.discover) < static_cast<int>(loc.discover) ||
            (slot.discover == Discover::kAlways && loc.discover != Discover::kAlways)) {
          if (loc.discover == Discover::kExclusive) rsc->set(kRscExclusiveDiscover);
          rsc->allowed.set_discover(static_cast<std::size_t>(node->index), loc.discover);
        }
      }
    };
    // A clone applies it to itself and each instance (each a primitive or
    // a group, as below).
    auto apply_tree = [&](Resource* rsc, bool through_parent) {
      zero_scores = false;
      apply(rsc, through_parent);
      if (rsc->is_group()) {
        // In a colocated group only the first member takes the scores; the
        // others get the nodes with score 0 (they follow the first member).
        for (Resource* m : rsc->children) {
          apply(m, true);
          if (rsc->group_colocated) zero_scores = true;
        }
      }
    };
    apply_tree(loc.rsc, false);
    if (loc.rsc->is_clone()) {
      for (Resource* inst : loc.rsc->children) apply_tree(inst, true);
    }
    if (is_bundle(loc.rsc)) {
      for (Resource* r : bundle_location_targets(loc)) apply_tree(r, true);  // bundle_assign.cpp
    }
  }
}

}  // namespace vigil::pengine
