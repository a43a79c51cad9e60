// SPDX-License-Identifier: GPL-2.0-or-later
// Promotable clones on small CIBs: their settings, and which promotion
// score each instance gets on each node.
#include "promotable.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "internal.hpp"
#include "vigil/cib/cib.hpp"
#include "vigil/pengine/graph.hpp"
#include "vigil/pengine/working_set.hpp"

namespace {

using namespace vigil;

constexpr EpochSeconds kNow = 1795608000;

// Two online nodes, stonith off; node2 carries `node2_attrs` (nvpairs).
std::string cib_text(const std::string& resources, const std::string& node2_attrs,
                     const std::string& constraints = "") {
  auto state = [](const std::string& id) {
    return R"(<node_state id=")" + id + R"(" uname="node)" + id +
           R"(" in_ccm="true" crmd="online" join="member" expected="member"/>)" + "\n";
  };
  return R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config><cluster_property_set id="opts">
      <nvpair id="opt-stonith" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"><instance_attributes id="n2">)" +
         node2_attrs + R"(</instance_attributes></node></nodes>
    <resources>
)" + resources +
         "</resources>\n<constraints>" + constraints +
         "</constraints>\n  </configuration>\n  <status>\n" + state("1") + state("2") +
         "  </status>\n</cib>\n";
}

std::string clone_of_dummy(bool unique) {
  return R"(<clone id="c"><meta_attributes id="c-meta"><nvpair id="c-u" name="globally-unique" value=")" +
         std::string(unique ? "true" : "false") +
         R"("/></meta_attributes><primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/></clone>)";
}

std::string attr(const std::string& name, const std::string& value) {
  return R"(<nvpair id="n2-)" + name + R"(" name=")" + name + R"(" value=")" + value + R"("/>)";
}

struct Run {
  explicit Run(const std::string& text) {
    auto parsed = cib::Cib::from_string(text, "test.xml");
    REQUIRE(parsed.ok());
    cib = std::move(parsed).value();
    ws = std::make_unique<pengine::WorkingSet>(*cib, pengine::Options{.now = kNow});
    REQUIRE(pengine::schedule(*ws).ok());
  }
  int score(const std::string& rsc, const std::string& node, bool* is_default = nullptr) {
    pengine::Resource* r = ws->find_rsc(rsc);
    REQUIRE(r);
    for (const auto& n : ws->nodes) {
      if (n->uname == node) return pengine::promotion_score(*ws, r, n.get(), is_default);
    }
    FAIL("no node " << node);
    return 0;
  }
  std::unique_ptr<cib::Cib> cib;
  std::unique_ptr<pengine::WorkingSet> ws;
};

}  // namespace

TEST_CASE("an anonymous instance's promotion score is read under the bare name",
          "[pengine][promotable]") {
  Run r(cib_text(clone_of_dummy(false), attr("master-d", "10")));
  bool dflt = true;
  CHECK(r.score("d:0", "node2", &dflt) == 10);
  CHECK_FALSE(dflt);
  CHECK(r.score("d:1", "node2") == 10);
  CHECK(r.score("d:0", "node1", &dflt) == 0);
  CHECK(dflt);
}

TEST_CASE("a unique instance's promotion score is read under its own name",
          "[pengine][promotable]") {
  Run r(cib_text(clone_of_dummy(true), attr("master-d:1", "INFINITY") + attr("master-d", "5")));
  CHECK(r.score("d:1", "node2") == vigil::kInfinity);
  CHECK(r.score("d:0", "node2") == 0);
}

TEST_CASE("promoted-max and promoted-node-max, and their old names", "[pengine][promotable]") {
  auto settings = [](const pengine::AttrMap& meta) {
    pengine::Resource clone;
    clone.kind = cib::RscKind::kClone;
    clone.meta = meta;
    clone.clone = std::make_shared<pengine::CloneData>();
    Run r(cib_text(clone_of_dummy(false), ""));
    pengine::unpack_promotable_settings(*r.ws, &clone);
    return *clone.clone;
  };
  pengine::CloneData plain = settings({});
  CHECK_FALSE(plain.promotable);
  pengine::CloneData dflt = settings({{"promotable", "true"}});
  CHECK(dflt.promotable);
  CHECK(dflt.promoted_max == 1);
  CHECK(dflt.promoted_node_max == 1);
  pengine::CloneData legacy =
      settings({{"promotable", "true"}, {"master-max", "2"}, {"master-node-max", "3"}});
  CHECK(legacy.promoted_max == 2);
  CHECK(legacy.promoted_node_max == 3);
  pengine::CloneData both = settings({{"promotable", "true"},
                                      {"master-max", "2"},
                                      {"promoted-max", "4"},
                                      {"promoted-node-max", "x"}});
  CHECK(both.promoted_max == 4);
  CHECK(both.promoted_node_max == 0);
}

TEST_CASE("promotion scores join the instances' node scores and priorities",
          "[pengine][promotable]") {
  Run r(cib_text(clone_of_dummy(false), attr("master-d", "10")));
  pengine::Resource* c = r.ws->find_rsc("c");
  REQUIRE(c);
  c->clone->promotable = true;
  const pengine::Node* node2 = r.ws->find_node("node2");
  REQUIRE(node2);
  std::vector<std::vector<int>> before;
  for (const pengine::Resource* inst : c->children) {
    std::vector<int> w;
    for (const auto& n : r.ws->nodes) w.push_back(inst->allowed[n->index].weight);
    before.push_back(w);
  }
  pengine::add_promotion_scores(*r.ws, c);
  pengine::add_promotion_scores(*r.ws, c);  // once per clone
  for (size_t i = 0; i < c->children.size(); ++i) {
    const pengine::Resource* inst = c->children[i];
    for (const auto& n : r.ws->nodes) {
      const auto& s = inst->allowed[n->index];
      if (!s.present) continue;
      int expected = before[i][n->index];
      if (n.get() == node2 && expected >= 0) expected += 10;
      CHECK(s.weight == expected);
    }
    if (inst->allowed[node2->index].present && inst->allowed[node2->index].weight >= 0)
      CHECK(inst->priority == 10);
  }
}

TEST_CASE("a promotable clone's status: its header and unpromoted instances",
          "[pengine][promotable]") {
  Run r(cib_text(clone_of_dummy(false), ""));
  pengine::Resource* c = r.ws->find_rsc("c");
  REQUIRE(c);
  for (pengine::Resource* inst : c->children) inst->role = pengine::Role::kStopped;
  pengine::Resource* d0 = c->children.front();
  pengine::Node* node2 = r.ws->find_node("node2");
  d0->role = pengine::Role::kStarted;
  d0->running_on = {node2};
  std::string plain;
  pengine::clone_status_lines(*r.ws, c, "", plain, false);
  CHECK_THAT(plain, Catch::Matchers::Contains("* Started: [ node2 ]"));
  CHECK(pengine::displayable_role(d0) == pengine::Role::kStarted);
  c->clone->promotable = true;
  std::string promotable;
  pengine::clone_status_lines(*r.ws, c, "", promotable, false);
  CHECK_THAT(promotable, Catch::Matchers::Contains("* Clone Set: c [d] (promotable):"));
  CHECK_THAT(promotable, Catch::Matchers::Contains("* Unpromoted: [ node2 ]"));
  CHECK(pengine::displayable_role(d0) == pengine::Role::kUnpromoted);
  d0->role = pengine::Role::kPromoted;
  std::string promoted;
  pengine::clone_status_lines(*r.ws, c, "", promoted, false);
  CHECK_THAT(promoted, Catch::Matchers::Contains("* Promoted: [ node2 ]"));
}

TEST_CASE("a parameter whose name is no XML name stays out of the graph", "[pengine][graph]") {
  Run r(cib_text(
      R"(<primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr"><instance_attributes id="ip-a"><nvpair id="ip-1" name="1" value="10.0.0.1"/><nvpair id="ip-2" name="ip" value="10.0.0.2"/></instance_attributes></primitive>)",
      ""));
  pengine::Graph g = pengine::build_graph(*r.ws);
  std::string xml = pengine::graph_xml(*r.ws, g);
  CHECK_THAT(xml, Catch::Matchers::Contains(R"(ip="10.0.0.2")"));
  CHECK_THAT(xml, !Catch::Matchers::Contains(R"( 1="10.0.0.1")"));
}

TEST_CASE("a compatible instance may be asked for in a role", "[pengine][promotable]") {
  Run r(cib_text(clone_of_dummy(false) +
                     R"(<primitive id="p" class="ocf" provider="pacemaker" type="Dummy"/>)",
                 ""));
  pengine::Resource* p = r.ws->find_rsc("p");
  pengine::Resource* c = r.ws->find_rsc("c");
  REQUIRE(p);
  REQUIRE(c);
  REQUIRE(p->allocated_to);
  pengine::Resource* there = nullptr;
  for (pengine::Resource* inst : c->children) {
    if (inst->allocated_to == p->allocated_to) there = inst;
  }
  REQUIRE(there);
  using pengine::Role;
  CHECK(pengine::find_compatible_instance(*r.ws, p, c, Role::kUnknown, false) == there);
  there->next_role = Role::kPromoted;
  CHECK(pengine::find_compatible_instance(*r.ws, p, c, Role::kPromoted, false) == there);
  CHECK(pengine::find_compatible_instance(*r.ws, p, c, Role::kUnpromoted, false) == nullptr);
  there->next_role = Role::kUnpromoted;
  CHECK(pengine::find_compatible_instance(*r.ws, p, c, Role::kPromoted, false) == nullptr);
}

TEST_CASE("locations with role=Promoted raise the promotion priority where they apply",
          "[pengine][promotable]") {
  Run r(cib_text(clone_of_dummy(false), "",
                 R"(<rsc_location id="l1" rsc="c" node="node2" score="50" role="Promoted"/>)"
                 R"(<rsc_location id="l2" rsc="c" node="node2" score="7"/>)"));
  pengine::Resource* c = r.ws->find_rsc("c");
  REQUIRE(c);
  c->clone->promotable = true;
  pengine::collect_promoted_locations(*r.ws);
  REQUIRE(c->clone->promoted_locations.size() == 1);
  const pengine::Resource* inst = c->children.front();
  CHECK(pengine::promoted_location_priority(inst, r.ws->find_node("node2"), -1) == 49);
  CHECK(pengine::promoted_location_priority(inst, r.ws->find_node("node1"), -1) == -1);
  CHECK(pengine::promoted_location_priority(inst, nullptr, 3) == 3);
}

namespace {

// A promotable clone of an OCF Dummy with `meta` (nvpairs) on its meta
// attributes.
std::string promotable_dummy(const std::string& meta = "", const std::string& cls = "ocf") {
  std::string provider = cls == "ocf" ? R"( provider="pacemaker")" : "";
  return R"(<clone id="c"><meta_attributes id="c-meta"><nvpair id="c-p" name="promotable" value="true"/>)" +
         meta + R"(</meta_attributes><primitive id="d" class=")" + cls + "\"" + provider +
         R"( type="Stateful"/></clone>)";
}

std::string meta(const std::string& name, const std::string& value) {
  return R"(<nvpair id="c-)" + name + R"(" name=")" + name + R"(" value=")" + value + R"("/>)";
}

// Whether a runnable, required action `task` of `rsc` (any instance of it
// when `rsc` names a clone's primitive) is scheduled on `node` ("" for a
// pseudo-action).
bool scheduled(const pengine::WorkingSet& ws, const std::string& rsc, const std::string& task,
               const std::string& node) {
  for (const pengine::Action* a : ws.actions) {
    if (!a->rsc || a->task != task || a->is(pengine::kActOptional)) continue;
    if (a->rsc->id != rsc && pengine::clone_strip(a->rsc->id) != rsc) continue;
    if (node.empty() ? a->node == nullptr : (a->node && a->node->uname == node)) return true;
  }
  return false;
}

std::vector<std::string> promoted_on(const pengine::WorkingSet& ws, const std::string& clone) {
  std::vector<std::string> out;
  const pengine::Resource* c = ws.find_rsc(clone);
  REQUIRE(c);
  for (const pengine::Resource* inst : c->children) {
    if (inst->next_role == pengine::Role::kPromoted && inst->allocated_to)
      out.push_back(inst->allocated_to->uname);
  }
  return out;
}

}  // namespace

TEST_CASE("the instance with the best promotion score is promoted, once", "[pengine][promotable]") {
  Run r(cib_text(promotable_dummy(), attr("master-d", "10")));
  CHECK(promoted_on(*r.ws, "c") == std::vector<std::string>{"node2"});
  CHECK(scheduled(*r.ws, "d", "promote", "node2"));
  CHECK_FALSE(scheduled(*r.ws, "d", "promote", "node1"));
  // The clone's pseudo-actions stand for the promotion.
  CHECK(scheduled(*r.ws, "c", "promote", ""));
  CHECK(scheduled(*r.ws, "c", "promoted", ""));
  CHECK_FALSE(scheduled(*r.ws, "c", "demote", ""));
}

TEST_CASE("without a promotion score or a role=Promoted location nothing is promoted",
          "[pengine][promotable]") {
  Run none(cib_text(promotable_dummy(), ""));
  CHECK(promoted_on(*none.ws, "c").empty());
  CHECK(scheduled(*none.ws, "d", "start", "node1"));
  Run located(cib_text(promotable_dummy(), "",
                       R"(<rsc_location id="l" rsc="c" role="Promoted" node="node1" score="5"/>)"));
  CHECK(promoted_on(*located.ws, "c") == std::vector<std::string>{"node1"});
}

TEST_CASE("promoted-max and promoted-node-max limit the promoted instances",
          "[pengine][promotable]") {
  std::string both_nodes = attr("master-d", "10");
  std::string loc = R"(<rsc_location id="l" rsc="c" role="Promoted" node="node1" score="5"/>)";
  Run one(cib_text(promotable_dummy(), both_nodes, loc));
  CHECK(promoted_on(*one.ws, "c").size() == 1);
  Run two(cib_text(promotable_dummy(meta("promoted-max", "2")), both_nodes, loc));
  CHECK(promoted_on(*two.ws, "c").size() == 2);
  // Two instances per node, but one promoted per node.
  Run per_node(cib_text(
      promotable_dummy(meta("promoted-max", "2") + meta("clone-max", "2") +
                       meta("clone-node-max", "2")),
      both_nodes, loc + R"(<rsc_location id="ban" rsc="c" node="node1" score="-INFINITY"/>)"));
  CHECK(promoted_on(*per_node.ws, "c") == std::vector<std::string>{"node2"});
}

TEST_CASE("a resource colocated with the promoted role follows it", "[pengine][promotable]") {
  std::string rscs = promotable_dummy() +
                     R"(<primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/>)";
  Run r(cib_text(
      rscs, attr("master-d", "10"),
      R"(<rsc_colocation id="ip-with-promoted" rsc="ip" with-rsc="c" with-rsc-role="Promoted" score="INFINITY"/>)"));
  pengine::Resource* ip = r.ws->find_rsc("ip");
  REQUIRE(ip);
  REQUIRE(ip->allocated_to);
  CHECK(ip->allocated_to->uname == "node2");
  // The other way round: the promoted role goes where the resource is.
  Run follow(cib_text(
      rscs + "", attr("master-d", "10"),
      R"(<rsc_location id="ip-on-1" rsc="ip" node="node1" score="INFINITY"/>)"
      R"(<rsc_colocation id="promoted-with-ip" rsc="c" rsc-role="Promoted" with-rsc="ip" score="INFINITY"/>)"));
  CHECK(promoted_on(*follow.ws, "c") == std::vector<std::string>{"node1"});
}

TEST_CASE("a promotable clone of a non-OCF agent is refused", "[pengine][promotable]") {
  auto parsed = cib::Cib::from_string(cib_text(promotable_dummy("", "lsb"), ""), "test.xml");
  REQUIRE(parsed.ok());
  auto cib = std::move(parsed).value();
  pengine::WorkingSet ws(*cib, pengine::Options{.now = kNow});
  vigil::Status st = pengine::schedule(ws);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code() == vigil::ErrorCode::kInvalidInput);
  CHECK_THAT(st.error().message(), Catch::Matchers::Contains("d is of class lsb") &&
                                       Catch::Matchers::Contains("promotable clone c"));
}

namespace {

// `cib` with node `node`'s history of `rsc`: its last operation `task`
// (start: active unpromoted, promote: promoted).
std::string with_history(std::string cib, const std::string& node, const std::string& rsc,
                         const std::string& task) {
  std::string tag =
      R"(uname=")" + node + R"(" in_ccm="true" crmd="online" join="member" expected="member")";
  auto pos = cib.find(tag + "/>");
  REQUIRE(pos != std::string::npos);
  std::string op =
      R"(<lrm_rsc_op id=")" + rsc + R"(_last_0" operation_key=")" + rsc + "_" + task +
      R"(_0" operation=")" + task +
      R"(" call-id="2" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:t" transition-magic="0:0;1:1:0:t" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>)";
  cib.replace(pos, tag.size() + 2,
              tag + R"(><lrm id=")" + node + R"("><lrm_resources><lrm_resource id=")" + rsc +
                  R"(" class="ocf" provider="pacemaker" type="Stateful">)" + op +
                  "</lrm_resource></lrm_resources></lrm></node_state>");
  return cib;
}

// Whether `then` (a uuid, on `node` or a pseudo-action for "") has `first`
// among its inputs.
bool ordered(const pengine::WorkingSet& ws, const std::string& first, const std::string& then,
             const std::string& node = "") {
  for (const pengine::Action* a : ws.actions) {
    if (a->uuid != then || (node.empty() ? a->node != nullptr : !a->node || a->node->uname != node))
      continue;
    for (const pengine::ActionLink* l : a->before) {
      if (l->action->uuid == first) return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("the promoted role moves: demote where it was, then promote", "[pengine][promotable]") {
  std::string text =
      cib_text(promotable_dummy(), "",
               R"(<rsc_location id="l" rsc="c" role="Promoted" node="node2" score="100"/>)");
  text = with_history(with_history(text, "node1", "d", "promote"), "node2", "d", "start");
  Run r(text);
  CHECK(promoted_on(*r.ws, "c") == std::vector<std::string>{"node2"});
  CHECK(scheduled(*r.ws, "d", "demote", "node1"));
  CHECK(scheduled(*r.ws, "d", "promote", "node2"));
  CHECK_FALSE(scheduled(*r.ws, "d", "stop", "node1"));
  CHECK(scheduled(*r.ws, "c", "demoted", ""));
  // Promotions wait for every demotion.
  CHECK(ordered(*r.ws, "c_demoted_0", "c_promote_0"));
  const pengine::Resource* c = r.ws->find_rsc("c");
  for (const pengine::Resource* inst : c->children) {
    if (inst->allocated_to && inst->allocated_to->uname == "node2")
      CHECK(ordered(*r.ws, "c_promote_0", inst->id + "_promote_0", "node2"));
  }
  // Found active, an instance is unpromoted until promoted.
  for (const pengine::Resource* inst : c->children) {
    if (inst->allocated_to && inst->allocated_to->uname == "node2")
      CHECK(inst->role == pengine::Role::kUnpromoted);
  }
}

TEST_CASE("a cloned group is promoted member by member between its own pseudo-actions",
          "[pengine][promotable]") {
  std::string rscs =
      R"(<clone id="c"><meta_attributes id="c-meta"><nvpair id="c-p" name="promotable" value="true"/></meta_attributes><group id="g"><primitive id="a" class="ocf" provider="pacemaker" type="Stateful"/><primitive id="b" class="ocf" provider="pacemaker" type="Stateful"/></group></clone>)";
  Run r(cib_text(rscs, "",
                 R"(<rsc_location id="l" rsc="c" role="Promoted" node="node2" score="10"/>)"));
  CHECK(promoted_on(*r.ws, "c") == std::vector<std::string>{"node2"});
  const pengine::Resource* c = r.ws->find_rsc("c");
  const pengine::Resource* promoted = nullptr;
  for (const pengine::Resource* inst : c->children) {
    if (inst->next_role == pengine::Role::kPromoted) promoted = inst;
  }
  REQUIRE(promoted);
  std::string g = promoted->id;  // "g:N"
  std::string n = g.substr(g.find(':'));
  CHECK(scheduled(*r.ws, g, "promote", ""));
  CHECK(ordered(*r.ws, g + "_promote_0", "a" + n + "_promote_0", "node2"));
  CHECK(ordered(*r.ws, "a" + n + "_promote_0", "b" + n + "_promote_0", "node2"));
  CHECK(ordered(*r.ws, "b" + n + "_promote_0", g + "_promoted_0"));
  // Both members are promoted: the group's promotion score is their sum.
  CHECK(scheduled(*r.ws, "b", "promote", "node2"));
}

TEST_CASE("promotions are notified with the promote variables", "[pengine][promotable]") {
  Run r(cib_text(promotable_dummy(meta("notify", "true")), attr("master-d", "10")));
  pengine::build_graph(*r.ws);
  bool pre_promote = false;
  for (const pengine::Action* a : r.ws->actions) {
    if (a->task != "notify" || !a->node ||
        a->uuid.find("_pre_notify_promote_0") == std::string::npos)
      continue;
    const std::string* promote = pengine::lookup(a->meta, "notify_promote_uname");
    REQUIRE(promote);
    CHECK(*promote == "node2");
    pre_promote = true;
  }
  CHECK(pre_promote);
}
