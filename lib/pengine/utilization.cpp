// SPDX-License-Identifier: GPL-2.0-or-later
// Utilization and placement-strategy (Pacemaker's pcmk_sched_utilization.c
// with the parts of node and resource sorting that depend on it).
//
// Nodes declare capacities and resources declare what they use, in
// <utilization> sets. With placement-strategy other than "default", a
// resource is banned from nodes without room for it (and for the resources
// colocated with it), resources are assigned by priority and then by how
// strongly they prefer their nodes, "balanced" prefers the node with more
// free capacity and "minimal" packs nodes in name order. Whatever the
// strategy, an assignment uses up its node's capacity, which -U shows.
//
// Tables are kept as Pacemaker keeps them (strings, parsed on use; a name a
// node lacks appears at 0 once a resource uses it) and iterate in GLib's
// hash table order (with Pacemaker's string hash), because crm_simulate's
// -U lines follow that order.
#include "utilization.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "internal.hpp"

namespace vigil::pengine {

// ---------------------------------------------------------------- UtilTable

namespace {

constexpr std::uint32_t kUnused = 0, kTombstone = 1;
constexpr int kMinShift = 3;

// GLib's prime moduli by table shift (g_hash_table_hash_to_index).
constexpr std::uint32_t kPrimeMod[] = {
    1,        2,        3,        7,         13,        31,        61,         127,
    251,      509,      1021,     2039,      4093,      8191,      16381,      32749,
    65521,    131071,   262139,   524287,    1048573,   2097143,   4194301,    8388593,
    16777213, 33554393, 67108859, 134217689, 268435399, 536870909, 1073741789, 2147483647};

std::uint32_t str_hash(std::string_view s) {
  // Pacemaker's pcmk__str_hash (its string-keyed tables use it, not
  // g_str_hash): h * 31 + c over signed chars; GLib makes 0 and 1 into 2.
  std::uint32_t h = 0;
  for (char c : s) h = (h << 5) - h + static_cast<std::uint32_t>(static_cast<signed char>(c));
  return h < 2 ? 2 : h;
}

}  // namespace

UtilTable::UtilTable() {
  set_shift(kMinShift);
  slots_.assign(size_, Slot{});
}

void UtilTable::set_shift(int shift) {
  shift_ = shift;
  size_ = std::size_t{1} << shift;
  mod_ = kPrimeMod[shift];
  mask_ = static_cast<std::uint32_t>(size_ - 1);
}

std::size_t UtilTable::lookup_slot(std::string_view key, std::uint32_t hash) const {
  std::uint32_t index = (hash * 11u) % mod_;
  std::uint32_t step = 0;
  std::size_t tombstone = size_;
  while (slots_[index].hash != kUnused) {
    const Slot& s = slots_[index];
    if (s.hash == hash && s.key == key) return index;
    if (s.hash == kTombstone && tombstone == size_) tombstone = index;
    ++step;
    index = (index + step) & mask_;
  }
  return tombstone != size_ ? tombstone : index;
}

const std::string* UtilTable::find(std::string_view key) const {
  std::uint32_t hash = str_hash(key);
  const Slot& s = slots_[lookup_slot(key, hash)];
  return s.hash >= 2 ? &s.value : nullptr;
}

void UtilTable::set(std::string_view key, std::string value) {
  std::uint32_t hash = str_hash(key);
  Slot& s = slots_[lookup_slot(key, hash)];
  if (s.hash >= 2) {
    s.value = std::move(value);
    return;
  }
  bool was_unused = s.hash == kUnused;
  s.hash = hash;
  s.key = std::string(key);
  s.value = std::move(value);
  ++nnodes_;
  if (was_unused) {
    ++noccupied_;
    maybe_resize();
  }
}

void UtilTable::erase(std::string_view key) {
  Slot& s = slots_[lookup_slot(key, str_hash(key))];
  if (s.hash < 2) return;
  s = Slot{};
  s.hash = kTombstone;
  --nnodes_;
  maybe_resize();
}

void UtilTable::maybe_resize() {
  std::size_t nodes = static_cast<std::size_t>(nnodes_),
              occupied = static_cast<std::size_t>(noccupied_);
  if ((size_ > nodes * 4 && size_ > (std::size_t{1} << kMinShift)) ||
      size_ <= occupied + occupied / 16) {
    resize();
  }
}

// g_hash_table_resize: a new shift from the live entries, then every entry
// re-placed in slot order, evicting entries not yet moved.
void UtilTable::resize() {
  std::size_t old_size = size_;
  int want = static_cast<int>(nnodes_ * 1.333);
  int shift = 0;
  while (want) {
    want >>= 1;
    ++shift;
  }
  set_shift(std::max(shift, kMinShift));
  if (size_ > old_size) slots_.resize(size_);
  std::vector<char> moved(std::max(size_, old_size), 0);
  for (std::size_t i = 0; i < old_size; ++i) {
    if (slots_[i].hash < 2) {
      slots_[i] = Slot{};
      continue;
    }
    if (moved[i]) continue;
    Slot carried = std::move(slots_[i]);
    slots_[i] = Slot{};
    for (;;) {
      std::uint32_t index = (carried.hash * 11u) % mod_;
      std::uint32_t step = 0;
      while (moved[index]) {
        ++step;
        index = (index + step) & mask_;
      }
      moved[index] = 1;
      Slot replaced = std::move(slots_[index]);
      slots_[index] = std::move(carried);
      if (replaced.hash < 2) break;
      carried = std::move(replaced);
    }
  }
  if (size_ < old_size) slots_.resize(size_);
  noccupied_ = nnodes_;
}

// ---------------------------------------------------------------- values

int utilization_value(const std::string* s) {
  // Pacemaker parses with a minimum of INT_MIN and treats text without a
  // number as 0; numbers out of range are clipped.
  if (!s) return 0;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s->c_str(), &end, 10);
  if (errno != ERANGE && end == s->c_str()) return 0;
  if (v < INT_MIN) return INT_MIN;
  if (v > INT_MAX) return INT_MAX;
  return static_cast<int>(v);
}

namespace {

// C int arithmetic as it wraps on the machines Pacemaker runs on.
int wrap_int(long long v) {
  return static_cast<int>(static_cast<std::uint32_t>(static_cast<std::uint64_t>(v)));
}

// Adds (plus) or subtracts each of `util`'s values to or from `table`; a
// name `table` lacks enters it (at 0 when subtracting).
void combine(UtilTable& table, const UtilTable& util, bool plus) {
  util.each([&](const std::string& key, const std::string& value) {
    const std::string* current = table.find(key);
    int result = 0;
    if (plus) {
      result =
          wrap_int(static_cast<long long>(utilization_value(current)) + utilization_value(&value));
    } else if (current) {
      result =
          wrap_int(static_cast<long long>(utilization_value(current)) - utilization_value(&value));
    }
    table.set(key, std::to_string(result));
  });
}

std::string dump(const UtilTable& t) {
  std::string out;
  t.each([&](const std::string& k, const std::string& v) { out += " " + k + "=" + v; });
  return out;
}

// Evaluates utilization sets in Pacemaker's order of insertion.
UtilTable evaluate_sets(const std::vector<rules::NvSet>& sets, const rules::RuleInput& in) {
  UtilTable table;
  AttrMap scratch;
  rules::apply_nvsets(sets, in, scratch, false, {},
                      [&](const std::string& name, const std::string* value) {
                        if (value) {
                          table.set(name, *value);
                        } else {
                          table.erase(name);
                        }
                      });
  return table;
}

PlacementStrategy parse_strategy(WorkingSet& ws, const std::string& v) {
  if (strcasecmp(v.c_str(), "utilization") == 0) return PlacementStrategy::kUtilization;
  if (strcasecmp(v.c_str(), "minimal") == 0) return PlacementStrategy::kMinimal;
  if (strcasecmp(v.c_str(), "balanced") == 0) return PlacementStrategy::kBalanced;
  if (strcasecmp(v.c_str(), "default") != 0) {
    // As Pacemaker: a configuration error, and the default instead.
    ws.warnings.push_back("Using default value for placement-strategy because '" + v +
                          "' is invalid (default, utilization, minimal or balanced)");
  }
  return PlacementStrategy::kDefault;
}

}  // namespace

// ---------------------------------------------------------------- state

UtilizationState& utilization_state(WorkingSet& ws) {
  if (ws.utilization) return *ws.utilization;
  auto st = std::make_shared<UtilizationState>();
  st->strategy = parse_strategy(ws, ws.config.placement_strategy);
  std::unordered_map<std::string_view, const cib::NodeConfig*> configs;
  for (const auto& nc : ws.cib.nodes) configs.emplace(nc.id, &nc);
  rules::RuleInput in;
  in.now = ws.options.now;
  in.next_change = &ws.rules_change;
  st->free.resize(ws.nodes.size());
  for (const auto& n : ws.nodes) {
    auto it = configs.find(n->id);
    if (it != configs.end()) {
      st->free[static_cast<std::size_t>(n->index)] =
          evaluate_sets(it->second->utilization_sets, in);
    }
  }
  ws.utilization = std::move(st);
  return *ws.utilization;
}

PlacementStrategy placement_strategy(WorkingSet& ws) {
  return utilization_state(ws).strategy;
}

UtilTable& node_free_capacity(WorkingSet& ws, const Node* node) {
  auto& st = utilization_state(ws);
  auto i = static_cast<std::size_t>(node->index);
  if (i >= st.free.size()) st.free.resize(i + 1);  // a node made after the state
  return st.free[i];
}

const UtilTable& resource_utilization(WorkingSet& ws, const Resource* rsc) {
  // Most resources declare none: they share one empty table.
  static const UtilTable kNone;
  if (!rsc->config || rsc->config->utilization_sets.empty()) return kNone;
  auto& st = utilization_state(ws);
  auto i = static_cast<std::size_t>(rsc->index);
  if (i >= st.rsc.size()) st.rsc.resize(std::max(i + 1, ws.all_rscs.size()));
  auto& slot = st.rsc[i];
  if (!slot) {
    slot = std::make_unique<UtilTable>(
        evaluate_sets(rsc->config->utilization_sets, rsc_rule_input(ws, rsc)));
  }
  return *slot;
}

// ---------------------------------------------------------------- capacities

int compare_node_capacities(WorkingSet& ws, const Node* a, const Node* b) {
  const UtilTable& ta = node_free_capacity(ws, a);
  const UtilTable& tb = node_free_capacity(ws, b);
  int result = 0;
  auto vote = [&](int ca, int cb) {
    if (ca > cb) {
      --result;
    } else if (ca < cb) {
      ++result;
    }
  };
  ta.each([&](const std::string& k, const std::string& v) {
    vote(utilization_value(&v), utilization_value(tb.find(k)));
  });
  tb.each([&](const std::string& k, const std::string& v) {
    if (!ta.find(k)) vote(0, utilization_value(&v));
  });
  return result;
}

int compare_nodes(WorkingSet& ws, const Node* a, int score_a, const Node* b, int score_b,
                  const Node* active) {
  if (score_a != score_b) return score_a > score_b ? -1 : 1;
  PlacementStrategy strategy = placement_strategy(ws);
  if (strategy != PlacementStrategy::kMinimal) {
    if (strategy == PlacementStrategy::kBalanced) {
      int c = compare_node_capacities(ws, a, b);
      if (c != 0) return c < 0 ? -1 : 1;
    }
    if (a->num_resources != b->num_resources) return a->num_resources < b->num_resources ? -1 : 1;
    if (active == a) return -1;
    if (active == b) return 1;
  }
  return strcmp(a->uname.c_str(), b->uname.c_str());
}

void consume_node_capacity(WorkingSet& ws, Node* node, Resource* rsc) {
  const UtilTable& util = resource_utilization(ws, rsc);
  combine(node_free_capacity(ws, node), util, false);
  if (ws.options.show_utilization) {
    ws.score_lines.push_back("pcmk__finalize_assignment: " + rsc->id + " utilization on " +
                             node->uname + ":" + dump(util));
  }
}

void release_node_capacity(WorkingSet& ws, Node* node, Resource* rsc) {
  combine(node_free_capacity(ws, node), resource_utilization(ws, rsc), true);
}

namespace {

bool have_enough_capacity(WorkingSet& ws, const Node* node, const UtilTable& needed) {
  const UtilTable& free = node_free_capacity(ws, node);
  bool enough = true;
  needed.each([&](const std::string& k, const std::string& v) {
    if (utilization_value(&v) > utilization_value(free.find(k))) enough = false;
  });
  return enough;
}

void show_capacities(WorkingSet& ws, const char* desc) {
  if (!ws.options.show_utilization) return;
  for (const auto& n : ws.nodes) {
    ws.score_lines.push_back(std::string(desc) + ": " + n->uname +
                             " capacity:" + dump(node_free_capacity(ws, n.get())));
  }
}

bool is_clone(const Resource* rsc) {
  return rsc && rsc->kind == cib::RscKind::kClone;
}

}  // namespace

// ---------------------------------------------------------------- colocated resources

void ColocatedSet::add(Resource* rsc) {
  if (members.insert(rsc).second) list.push_back(rsc);
}

namespace {

void follow_colocations(Resource* rsc, Resource* orig, ColocatedSet& out);

void colocated_resources(Resource* rsc, Resource* orig, ColocatedSet& out) {
  if (!orig) orig = rsc;
  if (rsc->is_group()) {
    if (rsc->group_colocated || is_clone(rsc->parent)) {
      for (Resource* m : rsc->children) colocated_resources(m, orig, out);
    } else if (!rsc->children.empty()) {
      colocated_resources(rsc->children.front(), orig, out);
    }
  }
  follow_colocations(rsc, orig, out);
}

// The resources a mandatory colocation chains to `rsc`, either way.
void follow_colocations(Resource* rsc, Resource* orig, ColocatedSet& out) {
  if (out.contains(rsc)) return;
  out.add(rsc);
  for (Colocation* c : std::vector<Colocation*>(rsc->this_with)) {
    Resource* primary = c->primary;
    if (primary == orig) continue;
    if (c->score == kInfinity && colocation_affects_location(rsc, primary, *c)) {
      colocated_resources(primary, orig, out);
    }
  }
  for (Colocation* c : std::vector<Colocation*>(rsc->with_this)) {
    Resource* dependent = c->dependent;
    if (dependent == orig) continue;
    // Whether a non-clone follows a clone here cannot be known yet.
    if (is_clone(rsc) && !is_clone(dependent)) continue;
    if (c->score == kInfinity && colocation_affects_location(dependent, rsc, *c)) {
      colocated_resources(dependent, orig, out);
    }
  }
}

}  // namespace

ColocatedSet colocated_resources(Resource* rsc) {
  ColocatedSet out;
  colocated_resources(rsc, nullptr, out);
  return out;
}

void add_utilization(WorkingSet& ws, const Resource* rsc, const Resource* orig,
                     const ColocatedSet& all, UtilTable& sum) {
  if (!rsc->is(kRscProvisional)) return;
  switch (rsc->kind) {
    case cib::RscKind::kPrimitive:
      combine(sum, resource_utilization(ws, rsc), true);
      return;
    case cib::RscKind::kGroup:
      // Members placed together all count; otherwise only the first does.
      if (rsc->group_colocated || is_clone(rsc->parent)) {
        for (const Resource* m : rsc->children) {
          if (m->is(kRscProvisional) && !all.contains(m)) add_utilization(ws, m, orig, all, sum);
        }
      } else if (!rsc->children.empty()) {
        const Resource* m = rsc->children.front();
        if (m->is(kRscProvisional) && !all.contains(m)) add_utilization(ws, m, orig, all, sum);
      }
      return;
    case cib::RscKind::kClone: {
      // One instance counts: one already in the set (or whose group member
      // is), or else the first.
      bool existing = false;
      for (const Resource* child : rsc->children) {
        if (all.contains(child)) {
          existing = true;
          continue;
        }
        for (const Resource* member : child->children) {
          if (all.contains(member)) {
            add_utilization(ws, child, orig, all, sum);
            existing = true;
            break;
          }
        }
      }
      if (!existing && !rsc->children.empty()) {
        add_utilization(ws, rsc->children.front(), orig, all, sum);
      }
      return;
    }
    case cib::RscKind::kBundle:
      // Replicas are alike: the first one's counts.
      if (!rsc->children.empty()) add_utilization(ws, rsc->children.front(), orig, all, sum);
      return;
  }
}

// ---------------------------------------------------------------- banning

namespace {

// A resource's allowed nodes in the order Pacemaker's table of them (keyed by
// node id) iterates: ties between nodes with equally much free capacity go
// to the first.
std::vector<Node*> allowed_in_table_order(WorkingSet& ws, const Resource* rsc) {
  UtilTable order;
  std::unordered_map<std::string_view, Node*> by_id;
  for (const auto& n : ws.nodes) {
    if (!rsc->allowed[n->index].present) continue;
    order.set(n->id, {});
    by_id.emplace(n->id, n.get());
  }
  std::vector<Node*> out;
  order.each([&](const std::string& id, const std::string&) { out.push_back(by_id.at(id)); });
  return out;
}

}  // namespace

std::vector<Node*> allowed_nodes_listed(WorkingSet& ws, const Resource* rsc) {
  // g_hash_table_get_values prepends as it walks the table.
  std::vector<Node*> nodes = allowed_in_table_order(ws, rsc);
  std::reverse(nodes.begin(), nodes.end());
  return nodes;
}

Node* ban_insufficient_capacity(WorkingSet& ws, Resource* rsc) {
  if (placement_strategy(ws) == PlacementStrategy::kDefault) return nullptr;
  ColocatedSet colocated = colocated_resources(rsc);
  colocated.add(rsc);
  UtilTable needed;
  for (Resource* r : colocated.list) add_utilization(ws, r, rsc, colocated, needed);

  std::vector<Node*> nodes = allowed_in_table_order(ws, rsc);
  auto available = [&](const Node* n) {
    return node_available(n, true, rsc->allowed[n->index].weight);
  };
  bool any_capable = false;
  Node* most_capable = nullptr;
  for (Node* n : nodes) {
    if (!available(n)) continue;
    if (have_enough_capacity(ws, n, needed)) any_capable = true;
    if (!most_capable || compare_node_capacities(ws, n, most_capable) < 0) most_capable = n;
  }
  // With room somewhere for all of them, nodes without it are banned;
  // otherwise nodes without room for this resource alone.
  const UtilTable& check = any_capable ? needed : resource_utilization(ws, rsc);
  for (Node* n : nodes) {
    if (available(n) && !have_enough_capacity(ws, n, check)) {
      resource_location(ws, rsc, n, -kInfinity, {ScoreSource::kUtilization, -1, any_capable});
    }
  }
  return any_capable ? nullptr : most_capable;
}

// ---------------------------------------------------------------- resource order

namespace {

// Pacemaker's cmp_resources: priority first, then the score (own and from
// colocations) on the current node, then on each node in preference order.
void sort_resources(WorkingSet& ws) {
  std::vector<Node*> nodes;
  for (const auto& n : ws.nodes) nodes.push_back(n.get());
  auto weight = [](const Node* n) { return node_available(n, false, 0) ? n->weight : -kInfinity; };
  list_sort(nodes, [&](Node* a, Node* b) {
    return compare_nodes(ws, a, weight(a), b, weight(b), nullptr);
  });

  std::unordered_map<const Resource*, ScoreDraft> scores;
  for (Resource* r : ws.resources) {
    ScoreDraft draft;
    add_colocated_node_scores(ws, r, r->id, draft, true, "", 1.0f, kColocSelectThisWith);
    scores.emplace(r, std::move(draft));
  }
  auto score_on = [&](const Resource* r, const Node* n) {
    const ScoreDraft& d = scores.at(r);
    if (!n || static_cast<std::size_t>(n->index) >= d.size()) return -kInfinity;
    const DraftScore& s = d[static_cast<std::size_t>(n->index)];
    return s.present ? s.weight : -kInfinity;
  };
  list_sort(ws.resources, [&](Resource* a, Resource* b) {
    if (a->priority != b->priority) return a->priority > b->priority ? -1 : 1;
    int wa = score_on(a, a->current_node()), wb = score_on(b, b->current_node());
    if (wa != wb) return wa > wb ? -1 : 1;
    for (const Node* n : nodes) {
      wa = score_on(a, n);
      wb = score_on(b, n);
      if (wa != wb) return wa > wb ? -1 : 1;
    }
    return 0;
  });
}

}  // namespace

void begin_utilization(WorkingSet& ws) {
  if (placement_strategy(ws) != PlacementStrategy::kDefault) sort_resources(ws);
  show_capacities(ws, "Original");
}

void end_utilization(WorkingSet& ws) {
  show_capacities(ws, "Remaining");
}

// ---------------------------------------------------------------- load orderings

namespace {

Action* load_stopped(WorkingSet& ws, Node* node) {
  Action* a = pseudo_op(ws, "load_stopped_" + node->uname);
  if (!a->node) {
    a->node = node;
    a->touch();
    a->clear(kActOptional);
  }
  return a;
}

}  // namespace

void create_utilization_constraints(WorkingSet& ws, Resource* rsc) {
  if (placement_strategy(ws) == PlacementStrategy::kDefault) return;
  if (resource_utilization(ws, rsc).empty()) return;
  // Stops free a node's capacity before starts and migrations use it there.
  for (Node* n : rsc->running_on) {
    new_ordering(ws, rsc, op_key(rsc->id, "stop", 0), nullptr, nullptr, "", load_stopped(ws, n),
                 kOrderLoad);
  }
  for (const auto& n : ws.nodes) {
    if (!rsc->allowed[n->index].present) continue;
    Action* ls = load_stopped(ws, n.get());
    new_ordering(ws, nullptr, "", ls, rsc, op_key(rsc->id, "start", 0), nullptr, kOrderLoad);
    new_ordering(ws, nullptr, "", ls, rsc, op_key(rsc->id, "migrate_to", 0), nullptr, kOrderLoad);
  }
}

namespace {

// Whether following the graph's inputs from `input` leads back to `init`.
bool graph_has_loop(Action* init, Action* action, ActionLink& input) {
  Action* in = input.action;
  if (in->is(kActTracking)) return false;
  if (!graph_should_add_input(action, input)) return false;
  if (in == init) return true;
  in->set(kActTracking);
  bool loop = false;
  for (ActionLink* l : in->before) {
    if (graph_has_loop(init, in, *l)) {
      loop = true;
      break;
    }
  }
  in->clear(kActTracking);
  return loop;
}

}  // namespace

void disable_load_ordering_loops(WorkingSet& ws) {
  if (placement_strategy(ws) == PlacementStrategy::kDefault) return;
  // "B stop on n2 -> load_stopped_n2 -> A migrate_to n1" while B migrates
  // from n2 to n1 would loop: the load ordering gives way.
  for (auto it = ws.actions.rbegin(); it != ws.actions.rend(); ++it) {
    Action* a = *it;
    if (a->id <= 0 || !a->rsc || a->task != "migrate_to") continue;
    for (ActionLink* l : a->before) {
      if (l->type == kOrderLoad && graph_has_loop(a, a, *l)) l->type = kOrderNone;
    }
  }
}

}  // namespace vigil::pengine
