// SPDX-License-Identifier: GPL-2.0-or-later
// Utilization and placement-strategy: capacity bans, node and resource
// order by strategy, group and colocation sums, load_stopped orderings and
// the -U lines, on small CIBs.
#include "utilization.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "scheduled_test.hpp"
#include "vigil/cib/cib.hpp"
#include "vigil/pengine/working_set.hpp"

namespace {

using Catch::Matchers::VectorContains;
using namespace vigil;
using namespace vigil::pengine;

constexpr EpochSeconds kNow = 1795608000;

std::string util_set(const std::string& id, const std::string& pairs_text) {
  return R"(<utilization id=")" + id + R"(-util">)" + pairs_text + "</utilization>";
}

// `name=value` pairs, space-separated, as nvpairs.
std::string pairs(const std::string& owner, const std::string& spec) {
  std::string out;
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t end = spec.find(' ', pos);
    if (end == std::string::npos) end = spec.size();
    std::string item = spec.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    std::string name = item.substr(0, eq), value = item.substr(eq + 1);
    out += R"(<nvpair id=")" + owner + "-" + name + R"(" name=")" + name + R"(" value=")" + value +
           R"("/>)";
  }
  return out;
}

struct NodeSpec {
  std::string name, util;
};

std::string prim(const std::string& id, const std::string& util, const std::string& meta = "") {
  std::string s = R"(<primitive id=")" + id + R"(" class="ocf" provider="pacemaker" type="Dummy">)";
  if (!meta.empty()) {
    s += R"(<meta_attributes id=")" + id + R"(-meta">)" + pairs(id + "-meta", meta) +
         "</meta_attributes>";
  }
  if (!util.empty()) s += util_set(id, pairs(id, util));
  return s + "</primitive>\n";
}

// Online nodes with the given capacities, stonith off, the strategy given;
// `lrm` maps a node name to its lrm_resources content.
std::string make_cib(const std::vector<NodeSpec>& nodes, const std::string& strategy,
                     const std::string& resources, const std::string& constraints = "",
                     const std::vector<std::pair<std::string, std::string>>& lrm = {}) {
  std::string node_xml, status;
  int id = 0;
  for (const auto& n : nodes) {
    ++id;
    std::string sid = std::to_string(id);
    node_xml += R"(<node id=")" + sid + R"(" uname=")" + n.name + R"(">)";
    if (!n.util.empty()) node_xml += util_set(n.name, pairs(n.name, n.util));
    node_xml += "</node>\n";
    std::string history;
    for (const auto& [node, text] : lrm) {
      if (node == n.name) history += text;
    }
    status += R"(<node_state id=")" + sid + R"(" uname=")" + n.name +
              R"(" in_ccm="true" crmd="online" join="member" expected="member"><lrm id=")" + sid +
              R"("><lrm_resources>)" + history + "</lrm_resources></lrm></node_state>\n";
  }
  std::string props = R"(<nvpair id="opt-stonith" name="stonith-enabled" value="false"/>)"
                      R"(<nvpair id="opt-nqp" name="no-quorum-policy" value="ignore"/>)";
  if (!strategy.empty()) {
    props += R"(<nvpair id="opt-ps" name="placement-strategy" value=")" + strategy + R"("/>)";
  }
  return R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration><crm_config><cluster_property_set id="opts">)" +
         props + "</cluster_property_set></crm_config>\n<nodes>\n" + node_xml +
         "</nodes>\n<resources>\n" + resources + "</resources>\n<constraints>\n" + constraints +
         "</constraints></configuration>\n<status>\n" + status + "</status></cib>\n";
}

// A Dummy found running on a node.
std::string running(const std::string& rsc) {
  std::string tkey = "1:-1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  return R"(<lrm_resource id=")" + rsc + R"(" class="ocf" provider="pacemaker" type="Dummy">)" +
         R"(<lrm_rsc_op id=")" + rsc + R"(_last_0" operation_key=")" + rsc +
         R"(_start_0" operation="start" transition-key=")" + tkey + R"(" transition-magic="0:0;)" +
         tkey +
         R"(" call-id="2" rc-code="0" op-status="0" interval="0" last-rc-change="1795600000" exec-time="0" queue-time="0" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>)"
         "</lrm_resource>";
}

struct Scheduled : testing::Scheduled {
  // The actions with this uuid, as "uuid node".
  std::vector<std::string> actions_named(const std::string& uuid) const {
    std::vector<std::string> out;
    for (Action* a : ws->actions) {
      if (a->uuid == uuid) out.push_back(a->uuid + (a->node ? " " + a->node->uname : ""));
    }
    return out;
  }
  // Whether `first` (uuid on node) is ordered before `then` as a load ordering.
  bool load_ordered(const std::string& first, const std::string& first_node,
                    const std::string& then, const std::string& then_node) const {
    for (Action* a : ws->actions) {
      if (a->uuid != then || !a->node || a->node->uname != then_node) continue;
      for (ActionLink* l : a->before) {
        if (l->action->uuid == first && l->action->node && l->action->node->uname == first_node &&
            (l->type & kOrderLoad)) {
          return true;
        }
      }
    }
    return false;
  }
};

Scheduled schedule(const std::string& text, bool show_utilization = false) {
  Options opts;
  opts.now = kNow;
  opts.show_utilization = show_utilization;
  return Scheduled{testing::schedule_with(text, opts)};
}

const std::vector<NodeSpec> kSmallBig = {{"node1", "cpu=1 memory=512"},
                                         {"node2", "cpu=2 memory=1024"}};

}  // namespace

TEST_CASE("utilization values are read as Pacemaker reads them", "[utilization]") {
  auto v = [](const char* s) {
    std::string str(s);
    return utilization_value(&str);
  };
  CHECK(utilization_value(nullptr) == 0);
  CHECK(v("42") == 42);
  CHECK(v("-3") == -3);
  CHECK(v("12abc") == 12);
  CHECK(v("abc") == 0);
  CHECK(v("") == 0);
  CHECK(v("99999999999") == INT_MAX);
  CHECK(v("-99999999999") == INT_MIN);
}

TEST_CASE("a utilization table iterates as a GLib hash table", "[utilization]") {
  auto order = [](const UtilTable& t) {
    std::vector<std::string> keys;
    t.each([&](const std::string& k, const std::string&) { keys.push_back(k); });
    return keys;
  };
  UtilTable t;
  t.set("memory", "1");
  t.set("cpu", "2");
  // crm_simulate prints "cpu=... memory=..." whichever came first.
  CHECK(order(t) == std::vector<std::string>{"cpu", "memory"});
  SECTION("replacing a value keeps its place") {
    t.set("cpu", "5");
    CHECK(order(t) == std::vector<std::string>{"cpu", "memory"});
    CHECK(*t.find("cpu") == "5");
  }
  SECTION("erased names are gone, and may come back") {
    t.erase("cpu");
    CHECK(t.find("cpu") == nullptr);
    CHECK(t.size() == 1);
    t.set("cpu", "3");
    CHECK(order(t) == std::vector<std::string>{"cpu", "memory"});
  }
  SECTION("growing past its first size keeps every name") {
    for (int i = 0; i < 40; ++i) t.set("k" + std::to_string(i), std::to_string(i));
    CHECK(t.size() == 42);
    for (int i = 0; i < 40; ++i) {
      const std::string* v = t.find("k" + std::to_string(i));
      REQUIRE(v != nullptr);
      CHECK(*v == std::to_string(i));
    }
    CHECK(order(t).size() == 42);
  }
}

TEST_CASE("list_sort is stable and keeps the left element on ties", "[utilization]") {
  std::vector<std::pair<int, char>> v = {{2, 'a'}, {1, 'b'}, {2, 'c'}, {1, 'd'}, {0, 'e'}};
  list_sort(v, [](const auto& x, const auto& y) { return x.first - y.first; });
  CHECK(v == std::vector<std::pair<int, char>>{{0, 'e'}, {1, 'b'}, {1, 'd'}, {2, 'a'}, {2, 'c'}});
}

TEST_CASE("list_sort agrees with a stable sort on a strict weak order", "[utilization]") {
  std::uint32_t seed = 12345;
  auto next = [&] {
    seed = seed * 1103515245u + 12345u;
    return static_cast<int>((seed >> 16) % 50);
  };
  for (int round = 0; round < 50; ++round) {
    std::vector<std::pair<int, int>> v;
    for (int i = 0, n = next() + round; i < n; ++i) v.emplace_back(next() / 5, i);
    auto expected = v;
    std::stable_sort(expected.begin(), expected.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    list_sort(v, [](const auto& x, const auto& y) { return x.first - y.first; });
    CHECK(v == expected);
  }
}

TEST_CASE("placement-strategy values", "[utilization]") {
  auto strategy_of = [](const std::string& value) {
    auto s = schedule(make_cib(kSmallBig, value, prim("r", "")));
    return placement_strategy(*s.ws);
  };
  CHECK(strategy_of("") == PlacementStrategy::kDefault);
  CHECK(strategy_of("utilization") == PlacementStrategy::kUtilization);
  CHECK(strategy_of("Minimal") == PlacementStrategy::kMinimal);
  CHECK(strategy_of("BALANCED") == PlacementStrategy::kBalanced);
  // An invalid value falls back to the default, as in Pacemaker, with a
  // configuration warning.
  CHECK(strategy_of("greedy") == PlacementStrategy::kDefault);
  auto s = schedule(make_cib(kSmallBig, "greedy", prim("r", "cpu=4")));
  CHECK_FALSE(s.placed("r").empty());
  CHECK_THAT(s.ws->warnings,
             VectorContains(std::string("Using default value for placement-strategy because "
                                        "'greedy' is invalid (default, utilization, minimal or "
                                        "balanced)")));
}

TEST_CASE("nodes without room for a resource are banned", "[utilization]") {
  SECTION("only the big node has room") {
    auto s = schedule(make_cib(kSmallBig, "utilization", prim("r", "cpu=2 memory=256")));
    CHECK(s.placed("r") == "node2");
    Resource* r = s.ws->find_rsc("r");
    const Node* small = s.ws->find_node("node1");
    CHECK(r->allowed[small->index].weight == -kInfinity);
    auto history = s.ws->scores.history(r->allowed[small->index]);
    REQUIRE_FALSE(history.empty());
    CHECK(history.back()->source == ScoreSource::kUtilization);
  }
  SECTION("no node has room: it stays stopped") {
    auto s = schedule(make_cib(kSmallBig, "utilization", prim("r", "cpu=4")));
    CHECK(s.placed("r").empty());
  }
  SECTION("the default strategy ignores utilization") {
    auto s = schedule(make_cib(kSmallBig, "default", prim("r", "cpu=4")));
    CHECK_FALSE(s.placed("r").empty());
    CHECK(s.actions_named("load_stopped_node1").empty());
  }
  SECTION("a name a node lacks counts as no capacity") {
    auto s = schedule(make_cib(kSmallBig, "utilization", prim("r", "gpu=1")));
    CHECK(s.placed("r").empty());
  }
}

TEST_CASE("capacity is used up by earlier assignments", "[utilization]") {
  // Two resources of cpu=1 on nodes of cpu=1: one each. The higher priority
  // goes first, and with "utilization" the first node by name wins ties.
  std::vector<NodeSpec> nodes = {{"node1", "cpu=1"}, {"node2", "cpu=1"}};
  auto s = schedule(
      make_cib(nodes, "utilization",
               prim("a", "cpu=1") + prim("b", "cpu=1", "priority=10") + prim("c", "cpu=1")));
  CHECK(s.placed("b") == "node1");
  CHECK(s.placed("a") == "node2");
  CHECK(s.placed("c").empty());
  // Resources are assigned by priority, so b comes first.
  CHECK(s.ws->resources.front()->id == "b");
}

TEST_CASE("strategies choose between nodes with equal scores", "[utilization]") {
  std::vector<NodeSpec> nodes = {{"node1", "cpu=4"}, {"node2", "cpu=8"}};
  std::string rscs = prim("a", "cpu=1") + prim("b", "cpu=1");
  SECTION("balanced: the node with more free capacity") {
    auto s = schedule(make_cib(nodes, "balanced", rscs));
    CHECK(s.placed("a") == "node2");
    CHECK(s.placed("b") == "node2");
  }
  SECTION("minimal: the first node by name, packed") {
    auto s = schedule(make_cib(nodes, "minimal", rscs));
    CHECK(s.placed("a") == "node1");
    CHECK(s.placed("b") == "node1");
  }
  SECTION("utilization: the node with fewer resources assigned") {
    auto s = schedule(make_cib(nodes, "utilization", rscs));
    CHECK(s.placed("a") != s.placed("b"));
  }
}

TEST_CASE("a group needs room for all its members", "[utilization]") {
  // Each member fits node1, both together only node2.
  std::string group =
      R"(<group id="g">)" + prim("m1", "cpu=1") + prim("m2", "cpu=1") + "</group>\n";
  auto s = schedule(make_cib(kSmallBig, "utilization", group));
  CHECK(s.placed("m1") == "node2");
  CHECK(s.placed("m2") == "node2");
}

TEST_CASE("a resource needs room for those colocated with it", "[utilization]") {
  std::string coloc = R"(<rsc_colocation id="c" rsc="dep" with-rsc="base" score="INFINITY"/>)"
                      "\n";
  SECTION("both fit only on the big node") {
    auto s = schedule(
        make_cib(kSmallBig, "utilization", prim("base", "cpu=1") + prim("dep", "cpu=1"), coloc));
    CHECK(s.placed("base") == "node2");
    CHECK(s.placed("dep") == "node2");
  }
  SECTION("an optional colocation does not count") {
    std::string optional = R"(<rsc_colocation id="c" rsc="dep" with-rsc="base" score="10"/>)"
                           "\n";
    auto s =
        schedule(make_cib(kSmallBig, "utilization",
                          prim("base", "cpu=1", "priority=5") + prim("dep", "cpu=1"), optional));
    CHECK(s.placed("base") == "node1");
  }
}

TEST_CASE("load_stopped orders stops before starts on a node", "[utilization]") {
  // r moves from node1 (banned) to node2, where s starts too.
  std::vector<NodeSpec> nodes = {{"node1", "cpu=2"}, {"node2", "cpu=2"}};
  std::string ban = R"(<rsc_location id="ban" rsc="r" node="node1" score="-INFINITY"/>)"
                    "\n";
  auto s = schedule(make_cib(nodes, "utilization", prim("r", "cpu=1") + prim("s", "cpu=1"), ban,
                             {{"node1", running("r")}}));
  CHECK(s.placed("r") == "node2");
  CHECK(s.actions_named("load_stopped_node1") ==
        std::vector<std::string>{"load_stopped_node1 node1"});
  CHECK(s.load_ordered("r_stop_0", "node1", "load_stopped_node1", "node1"));
  CHECK(s.load_ordered("load_stopped_node2", "node2", "r_start_0", "node2"));
  // Every node in its table gets one (even at -INFINITY); the graph keeps
  // only the one of the node the start runs on.
  CHECK(s.load_ordered("load_stopped_node1", "node1", "r_start_0", "node2"));
  SECTION("resources without utilization get none") {
    auto t = schedule(make_cib(nodes, "utilization", prim("r", "")));
    CHECK(t.actions_named("load_stopped_node1").empty());
  }
}

TEST_CASE("-U lines: capacities before and after, and each assignment", "[utilization]") {
  auto s = schedule(
      make_cib(kSmallBig, "utilization",
               prim("r1", "cpu=2 memory=512") + prim("r2", "cpu=1 memory=1024", "priority=1")),
      true);
  const auto& lines = s.ws->score_lines;
  CHECK(lines.front() == "Original: node1 capacity: cpu=1 memory=512");
  CHECK_THAT(lines, VectorContains(std::string("Original: node2 capacity: cpu=2 memory=1024")));
  CHECK_THAT(lines, VectorContains(std::string(
                        "pcmk__finalize_assignment: r2 utilization on node2: cpu=1 memory=1024")));
  CHECK_THAT(lines, VectorContains(std::string("Remaining: node2 capacity: cpu=1 memory=0")));
  CHECK(lines.back() == "Remaining: node2 capacity: cpu=1 memory=0");
  CHECK(s.placed("r1").empty());
  SECTION("a name the node lacks appears at 0 once used") {
    auto t = schedule(make_cib({{"node1", "cpu=4"}}, "default", prim("r", "memory=5")), true);
    CHECK_THAT(t.ws->score_lines,
               VectorContains(std::string("Remaining: node1 capacity: cpu=4 memory=0")));
  }
}

TEST_CASE("a load ordering that would close a loop gives way", "[utilization]") {
  // rA and rB swap nodes by migrating, and each node has room for one: each
  // migrate_to would wait for the other's stop. The first one checked (rA's,
  // by action order) drops its load ordering.
  std::vector<NodeSpec> nodes = {{"node1", "cpu=3"}, {"node2", "cpu=3"}};
  std::string locs = R"(<rsc_location id="l1" rsc="rA" node="node2" score="100"/>)"
                     R"(<rsc_location id="l2" rsc="rB" node="node1" score="100"/>)";
  auto s = schedule(make_cib(
      nodes, "utilization",
      prim("rA", "cpu=2", "allow-migrate=true") + prim("rB", "cpu=2", "allow-migrate=true"), locs,
      {{"node1", running("rA")}, {"node2", running("rB")}}));
  CHECK(s.placed("rA") == "node2");
  CHECK(s.placed("rB") == "node1");
  CHECK_FALSE(s.load_ordered("load_stopped_node2", "node2", "rA_migrate_to_0", "node1"));
  CHECK(s.load_ordered("load_stopped_node1", "node1", "rB_migrate_to_0", "node2"));
}

TEST_CASE("a clone instance's tried and undone placement gives the capacity back",
          "[utilization][clone]") {
  // big takes node1 whole and mid half of node2. The instance on node1 is
  // tried there first, goes to node2 (node1 is full) and is undone as
  // it did not stay where it was: node2 keeps room for the instance active
  // there, which stays.
  std::string clone = R"(<clone id="c"><primitive id="inst" class="ocf" provider="pacemaker" )"
                      R"(type="Dummy">)" +
                      util_set("inst", pairs("inst", "memory=512")) + "</primitive></clone>\n";
  auto s = schedule(make_cib(
      {{"node1", "memory=1024"}, {"node2", "memory=1024"}}, "utilization",
      prim("big", "memory=1024", "priority=10") + prim("mid", "memory=512", "priority=5") + clone,
      "", {{"node1", running("mid") + running("inst")}, {"node2", running("inst")}}));
  CHECK(s.placed("big") == "node1");
  CHECK(s.placed("mid") == "node2");
  std::vector<std::string> placed = {s.placed("inst:0"), s.placed("inst:1")};
  std::sort(placed.begin(), placed.end());
  CHECK(placed == std::vector<std::string>{"", "node2"});
}
