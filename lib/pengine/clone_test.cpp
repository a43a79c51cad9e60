// SPDX-License-Identifier: GPL-2.0-or-later
// Clones on small CIBs: which instance goes where, which history belongs to
// which instance, what a clone's actions and orderings are, and what is
// refused. Expectations follow crm_simulate 2.1.5 on the same CIBs.
#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "internal.hpp"
#include "vigil/cib/cib.hpp"
#include "vigil/pengine/graph.hpp"
#include "vigil/pengine/output.hpp"
#include "vigil/pengine/working_set.hpp"

namespace {

using Catch::Matchers::Contains;
using namespace vigil;

constexpr EpochSeconds kNow = 1795608000;

// Three online nodes, stonith off.
std::string cib_text(const std::string& resources, const std::string& constraints = "",
                     const std::string& lrm1 = "", const std::string& lrm2 = "",
                     const std::string& lrm3 = "") {
  auto state = [](const std::string& id, const std::string& lrm) {
    return R"(<node_state id=")" + id + R"(" uname="node)" + id +
           R"(" in_ccm="true" crmd="online" join="member" expected="member"><lrm id=")" + id +
           R"("><lrm_resources>)" + lrm + "</lrm_resources></lrm></node_state>\n";
  };
  return R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config><cluster_property_set id="opts">
      <nvpair id="opt-stonith" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/><node id="3" uname="node3"/></nodes>
    <resources>
)" + resources +
         "</resources>\n<constraints>" + constraints +
         "</constraints>\n  </configuration>\n  <status>\n" + state("1", lrm1) + state("2", lrm2) +
         state("3", lrm3) + "  </status>\n</cib>\n";
}

std::string clone_of_dummy(const std::string& meta = "") {
  return R"(<clone id="c"><meta_attributes id="c-meta">)" + meta +
         R"(</meta_attributes><primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/></clone>)";
}

std::string nv(const std::string& name, const std::string& value) {
  return R"(<nvpair id="c-)" + name + R"(" name=")" + name + R"(" value=")" + value + R"("/>)";
}

// A Dummy recorded as started under `id` (the bare name or an instance).
std::string started(const std::string& id) {
  const std::string tkey = "2:-1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  return R"(<lrm_resource id=")" + id + R"(" class="ocf" provider="pacemaker" type="Dummy">)" +
         R"(<lrm_rsc_op id=")" + id + R"(_last_0" operation_key=")" + id +
         R"(_start_0" operation="start" transition-key=")" + tkey + R"(" transition-magic="0:0;)" +
         tkey +
         R"(" call-id="2" rc-code="0" op-status="0" interval="0" last-rc-change="1795600000" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource>)";
}

// The scheduler's run over a CIB: its status (what it refused, if
// anything), and where instances went.
class Run {
 public:
  explicit Run(const std::string& text) {
    auto parsed = cib::Cib::from_string(text, "test.xml");
    INFO((parsed ? std::string("parsed") : parsed.error().message()));
    REQUIRE(parsed.ok());
    cib_ = std::move(parsed).value();
    ws_ = std::make_unique<pengine::WorkingSet>(*cib_, pengine::Options{.now = kNow});
    status = pengine::schedule(*ws_);
  }

  Status status = ok_status();
  pengine::WorkingSet& ws() const { return *ws_; }

  pengine::Resource& rsc(const std::string& id) const {
    pengine::Resource* found = ws_->find_rsc(id);
    INFO("no resource " << id);
    REQUIRE(found);
    return *found;
  }
  // The node the resource was assigned, "" for none.
  std::string placed(const std::string& id) const {
    const pengine::Node* where = rsc(id).allocated_to;
    return where ? where->uname : std::string();
  }
  // Whether a required action `key` exists on `node` ("*": any) and is
  // runnable (or, with runnable=false, is not).
  bool has_action(const std::string& key, const std::string& node, bool runnable) const {
    for (const pengine::Action* a : ws_->actions) {
      bool on_node = node == "*" || (a->node ? a->node->uname : "") == node;
      if (a->uuid == key && on_node && !a->is(pengine::kActOptional))
        return a->is(pengine::kActRunnable) == runnable;
    }
    return false;
  }

 private:
  std::unique_ptr<cib::Cib> cib_;
  std::unique_ptr<pengine::WorkingSet> ws_;
};

Run run(const std::string& text) {
  return Run(text);
}

}  // namespace

TEST_CASE("an anonymous clone gets one instance per node", "[pengine][clone]") {
  Run r = run(cib_text(clone_of_dummy()));
  REQUIRE(r.status.ok());
  pengine::Resource& c = r.rsc("c");
  REQUIRE(c.children.size() == 3);  // clone-max defaults to the number of nodes
  CHECK(r.placed("d:0") == "node1");
  CHECK(r.placed("d:1") == "node2");
  CHECK(r.placed("d:2") == "node3");
  CHECK(r.has_action("d:0_start_0", "node1", true));
  CHECK(r.has_action("c_start_0", "", true));
  CHECK(r.has_action("c_running_0", "", true));
  // One probe per node, of one instance.
  CHECK(r.has_action("d:1_monitor_0", "node2", true));
  CHECK_FALSE(r.has_action("d:0_monitor_0", "node2", true));
}

TEST_CASE("history under the bare name belongs to an instance", "[pengine][clone]") {
  Run r = run(cib_text(clone_of_dummy(nv("clone-max", "2")), "", "", started("d")));
  REQUIRE(r.status.ok());
  // The instance that took node2's history stays there and is not restarted.
  pengine::Resource& d0 = r.rsc("d:0");
  CHECK(d0.clone_name == "d");
  CHECK(r.placed("d:0") == "node2");
  CHECK_FALSE(r.has_action("d:0_start_0", "node2", true));
  CHECK(r.placed("d:1") == "node1");
  CHECK_THAT(pengine::transition_summary_text(r.ws()), Contains("d:1"));
}

TEST_CASE("clone-max limits the instances placed", "[pengine][clone]") {
  Run r = run(cib_text(clone_of_dummy(nv("clone-max", "1"))));
  REQUIRE(r.status.ok());
  REQUIRE(r.rsc("c").children.size() == 1);
  CHECK(r.placed("d:0") == "node1");
}

TEST_CASE("a globally-unique clone may put clone-node-max instances on a node",
          "[pengine][clone]") {
  std::string meta =
      nv("globally-unique", "true") + nv("clone-max", "4") + nv("clone-node-max", "2");
  std::string ban = R"(<rsc_location id="ban" rsc="c" node="node3" score="-INFINITY"/>)";
  Run r = run(cib_text(clone_of_dummy(meta), ban));
  REQUIRE(r.status.ok());
  int on1 = 0, on2 = 0;
  for (int i = 0; i < 4; ++i) {
    std::string n = r.placed("d:" + std::to_string(i));
    on1 += n == "node1";
    on2 += n == "node2";
  }
  CHECK(on1 == 2);
  CHECK(on2 == 2);
  // An anonymous clone ignores clone-node-max above 1.
  Run anon = run(cib_text(clone_of_dummy(nv("clone-max", "4") + nv("clone-node-max", "2")), ban));
  REQUIRE(anon.status.ok());
  CHECK(anon.placed("d:2") == "");
  CHECK(anon.placed("d:3") == "");
}

TEST_CASE("more active instances than clone-max: the extra one is an orphan and stops",
          "[pengine][clone]") {
  Run r = run(cib_text(clone_of_dummy(nv("clone-max", "1")), "", started("d"), started("d")));
  REQUIRE(r.status.ok());
  pengine::Resource& c = r.rsc("c");
  REQUIRE(c.children.size() == 2);
  CHECK(c.children.back()->is(pengine::kRscOrphan));
  CHECK(r.has_action(c.children.back()->id + "_stop_0", "node2", true));
  CHECK(r.placed("d:0") == "node1");
}

TEST_CASE("a resource colocated with a clone goes only where an instance is", "[pengine][clone]") {
  std::string rscs = clone_of_dummy(nv("clone-max", "1")) +
                     R"(<primitive id="p" class="ocf" provider="pacemaker" type="Dummy"/>)";
  std::string cons =
      R"(<rsc_location id="pref" rsc="p" node="node3" score="100"/>
         <rsc_colocation id="p-with-c" rsc="p" with-rsc="c" score="INFINITY"/>)";
  Run r = run(cib_text(rscs, cons));
  REQUIRE(r.status.ok());
  // Fewer instances than nodes: the dependent's preference pulls the one
  // instance to node3.
  CHECK(r.placed("d:0") == "node3");
  CHECK(r.placed("p") == "node3");
  // With the clone banned from node3, the dependent follows the instance.
  Run banned = run(
      cib_text(rscs, cons + R"(<rsc_location id="ban" rsc="c" node="node3" score="-INFINITY"/>)"));
  REQUIRE(banned.status.ok());
  CHECK(banned.placed("d:0") != "node3");
  CHECK(banned.placed("p") == banned.placed("d:0"));
}

TEST_CASE("clone-min: the dependent waits for enough instances", "[pengine][clone]") {
  std::string rscs = clone_of_dummy(nv("clone-min", "3")) +
                     R"(<primitive id="p" class="ocf" provider="pacemaker" type="Dummy"/>)";
  std::string cons = R"(<rsc_location id="ban" rsc="c" node="node3" score="-INFINITY"/>
         <rsc_order id="c-then-p" first="c" then="p"/>)";
  Run r = run(cib_text(rscs, cons));
  REQUIRE(r.status.ok());
  CHECK(r.has_action("p_start_0", "*", false));  // only two can start
  Run enough =
      run(cib_text(clone_of_dummy(nv("clone-min", "2")) +
                       R"(<primitive id="p" class="ocf" provider="pacemaker" type="Dummy"/>)",
                   cons));
  REQUIRE(enough.status.ok());
  CHECK(enough.has_action("p_start_0", "*", true));
}

TEST_CASE("what this version refuses, it refuses clearly", "[pengine][clone]") {
  Run empty = run(cib_text(R"(<clone id="c"/>)"));
  CHECK_FALSE(empty.status.ok());
}

TEST_CASE("notify=true: instances are told before and after a start", "[pengine][clone]") {
  Run r =
      run(cib_text(clone_of_dummy(nv("notify", "true") + nv("clone-max", "2")), "", started("d")));
  REQUIRE(r.status.ok());
  // Notifications are made with the graph, once orderings are final.
  pengine::build_graph(r.ws());
  CHECK(r.has_action("c_pre_notify_start_0", "", true));
  CHECK(r.has_action("c_confirmed-post_notify_running_0", "", true));
  // The active instance hears of the start before and after; the starting
  // one only after.
  CHECK(r.has_action("d:0_pre_notify_start_0", "node1", true));
  CHECK(r.has_action("d:0_post_notify_start_0", "node1", true));
  CHECK_FALSE(r.has_action("d:1_pre_notify_start_0", "node2", true));
  CHECK(r.has_action("d:1_post_notify_start_0", "node2", true));
  for (const pengine::Action* a : r.ws().actions) {
    if (a->uuid != "d:1_start_0") continue;
    auto started_rscs = pengine::lookup(a->meta, "notify_start_resource");
    REQUIRE(started_rscs);
    CHECK(*started_rscs == "d:1");
    CHECK(*pengine::lookup(a->meta, "notify_active_resource") == "d:0");
  }
}

TEST_CASE("history under the clone's own id is an orphan's, and is cleaned up",
          "[pengine][clone]") {
  Run r = run(cib_text(clone_of_dummy(nv("clone-max", "1")), "", started("c")));
  REQUIRE(r.status.ok());
  CHECK(r.rsc("c").is_clone());
  CHECK(r.has_action("c_delete_0", "node1", true));
  CHECK(r.placed("d:0") == "node1");
}

TEST_CASE("a globally-unique clone of an agent without unique instances is anonymous",
          "[pengine][clone]") {
  std::string meta =
      nv("globally-unique", "true") + nv("clone-max", "5") + nv("clone-node-max", "2");
  Run ocf = run(cib_text(clone_of_dummy(meta)));
  REQUIRE(ocf.status.ok());
  CHECK(ocf.rsc("c").is(pengine::kRscUnique));
  CHECK(ocf.rsc("c").children.size() == 5);
  Run lsb =
      run(cib_text(R"(<clone id="c"><meta_attributes id="c-meta">)" + meta +
                   R"(</meta_attributes><primitive id="d" class="lsb" type="dummy"/></clone>)"));
  REQUIRE(lsb.status.ok());
  pengine::Resource& c = lsb.rsc("c");
  CHECK_FALSE(c.is(pengine::kRscUnique));
  CHECK_FALSE(c.children.front()->is(pengine::kRscUnique));
  // One instance per node, as many as there are nodes.
  CHECK(c.children.size() == lsb.ws().nodes.size());
  CHECK(c.clone->clone_node_max == 1);
}

TEST_CASE("a unique clone's instances spread out when scores tie", "[pengine][clone]") {
  std::string meta = nv("globally-unique", "true") + nv("clone-max", "2") +
                     nv("clone-node-max", "2") + nv("resource-stickiness", "0");
  std::string cons = R"(<rsc_location id="l1" rsc="c" node="node1" score="100"/>
         <rsc_location id="l2" rsc="c" node="node2" score="100"/>
         <rsc_location id="l3" rsc="c" node="node3" score="-INFINITY"/>)";
  Run r = run(cib_text(clone_of_dummy(meta), cons, started("d:0") + started("d:1")));
  REQUIRE(r.status.ok());
  // One stays; the other does not join it on the node it runs on.
  std::vector<std::string> where{r.placed("d:0"), r.placed("d:1")};
  std::sort(where.begin(), where.end());
  CHECK(where == std::vector<std::string>{"node1", "node2"});
}

TEST_CASE("constraints naming a clone's primitive mean the clone once its history uses the name",
          "[pengine][clone]") {
  std::string rscs = clone_of_dummy(nv("clone-max", "1")) +
                     R"(<primitive id="p" class="ocf" provider="pacemaker" type="Dummy"/>)";
  std::string cons = R"(<rsc_colocation id="p-with-d" rsc="p" with-rsc="d" score="INFINITY"/>
         <rsc_order id="d-then-p" first="d" then="p"/>
         <rsc_location id="d-pref" rsc="d" node="node3" score="50"/>)";
  // Without history "d" names nothing: the constraints are ignored.
  Run none = run(cib_text(rscs, cons));
  REQUIRE(none.status.ok());
  CHECK(none.rsc("c").this_with.empty());
  CHECK(none.rsc("c").with_this.empty());
  // With the instance's history recorded under "d" (on node2), they are the clone's.
  Run r = run(cib_text(rscs, cons, "", started("d")));
  REQUIRE(r.status.ok());
  REQUIRE(r.rsc("c").with_this.size() == 1);
  CHECK(r.rsc("c").with_this.front()->dependent == &r.rsc("p"));
  CHECK(r.placed("p") == r.placed("d:0"));
  CHECK(r.has_action("p_start_0", r.placed("p"), true));
}
