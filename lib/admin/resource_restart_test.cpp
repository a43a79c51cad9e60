// SPDX-License-Identifier: GPL-2.0-or-later
// `resource restart` against a cluster in a box: a LiveCib whose every
// poll lets the "cluster" carry out what the scheduler plans on the CIB as
// it is then (its transition simulated), or, frozen, nothing at all.
#include <catch2/catch.hpp>
#include <set>

#include "boxed_cluster_test.hpp"
#include "resource_edit.hpp"
#include "status_view.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/admin/live_cib.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::admin;

namespace {

// Two online nodes; G (A then B) prefers node1; clone C runs everywhere.
std::string cluster_cib(const std::string& a_meta = "") {
  return std::string(
             R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="1">
  <configuration><crm_config><cluster_property_set id="o">
    <nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes><resources>
    <group id="G">
      <primitive id="A" class="ocf" provider="heartbeat" type="Dummy">)") +
         a_meta + R"(</primitive>
      <primitive id="B" class="ocf" provider="heartbeat" type="Dummy"/>
    </group>
    <clone id="C-clone"><primitive id="C" class="ocf" provider="heartbeat" type="Dummy"/></clone>
  </resources><constraints>
    <rsc_location id="G-prefers" rsc="G" node="node1" score="100"/>
  </constraints></configuration><status>
  <node_state id="1" uname="node1" in_ccm="true" crmd="online" crm-debug-origin="x" join="member" expected="member"/>
  <node_state id="2" uname="node2" in_ccm="true" crmd="online" crm-debug-origin="x" join="member" expected="member"/>
  </status></cib>)";
}

struct Outcome {
  Status st = ok_status();
  std::vector<std::string> notes;
};

Outcome restart(BoxedCluster& cluster, std::vector<std::string> args,
                std::optional<std::string> wait = std::nullopt) {
  auto doc = cluster.read();
  REQUIRE(doc);
  Context ctx;
  ctx.doc = doc->get();
  ctx.live = true;
  ctx.live_cib = &cluster;
  ctx.flags.wait = wait;
  args.insert(args.begin(), {"resource", "restart"});
  Outcome o;
  o.st = run_command(ctx, args);
  o.notes = ctx.notes;
  if (!o.st) UNSCOPED_INFO(o.st.error().message());
  return o;
}

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("restart: a group member stops with what follows it, then all start again",
          "[resource_restart]") {
  BoxedCluster cluster(cluster_cib());
  const std::string before = cluster.status();
  REQUIRE(count(before, "operation_key=\"A_start_0\"") == 1);
  auto o = restart(cluster, {"A"});
  REQUIRE(o.st);
  CHECK(o.notes == std::vector<std::string>{"A successfully restarted"});
  // target-role=Stopped written, then taken away again.
  REQUIRE(cluster.writes.size() == 2);
  CHECK(cluster.writes[0].find("name=\"target-role\" value=\"Stopped\"") != std::string::npos);
  CHECK(cluster.writes[1].find("target-role") == std::string::npos);
  // A and B both went through a stop and a new start; the clone was left alone.
  const std::string after = cluster.status();
  CHECK(after.find("operation_key=\"A_start_0\"") != std::string::npos);
  CHECK(after.find("operation_key=\"B_start_0\"") != std::string::npos);
  CHECK(after != before);
  CHECK(after.find("C_stop_0") == std::string::npos);
  CHECK(cluster.active_nodes("G") == std::set<std::string>{"node1"});
  CHECK(cluster.sleeps >= 2);
}

TEST_CASE("restart: a target-role the resource had is put back", "[resource_restart]") {
  BoxedCluster cluster(cluster_cib(
      R"(<meta_attributes id="A-meta"><nvpair id="A-tr" name="target-role" value="Started"/></meta_attributes>)"));
  auto o = restart(cluster, {"A"});
  REQUIRE(o.st);
  REQUIRE(cluster.writes.size() == 2);
  CHECK(cluster.writes[0].find("id=\"A-tr\" name=\"target-role\" value=\"Stopped\"") !=
        std::string::npos);
  CHECK(cluster.writes[1].find("id=\"A-tr\" name=\"target-role\" value=\"Started\"") !=
        std::string::npos);
}

TEST_CASE("restart: a clone on one node goes through a ban of that node", "[resource_restart]") {
  BoxedCluster cluster(cluster_cib());
  auto o = restart(cluster, {"C-clone", "node2"});
  REQUIRE(o.st);
  CHECK(o.notes == std::vector<std::string>{"C-clone successfully restarted"});
  REQUIRE(cluster.writes.size() == 2);
  CHECK(cluster.writes[0].find("<rsc_location id=\"cli-ban-C-clone-on-node2\" rsc=\"C-clone\" "
                               "role=\"Started\" node=\"node2\" score=\"-INFINITY\"/>") !=
        std::string::npos);
  CHECK(cluster.writes[1].find("cli-ban") == std::string::npos);
  // Only node2's instance stopped, and it is back when restart returns.
  CHECK(cluster.active_nodes("C-clone") == std::set<std::string>{"node1", "node2"});
  const std::string after = cluster.status();
  CHECK(count(after, "C_stop_0") <= 1);
  CHECK(after.find("A_stop_0") == std::string::npos);
}

TEST_CASE("restart: the name of a clone's primitive means the clone", "[resource_restart]") {
  BoxedCluster cluster(cluster_cib());
  auto o = restart(cluster, {"C"});
  REQUIRE(o.st);
  REQUIRE(o.notes.size() == 2);
  CHECK(o.notes[0] ==
        "Warning: using C-clone... (if a resource is a clone or bundle you must use the clone "
        "or bundle name)");
  CHECK(o.notes[1] == "C-clone successfully restarted");
}

TEST_CASE("restart: refusals change nothing", "[resource_restart]") {
  BoxedCluster cluster(cluster_cib());
  auto no_rsc = restart(cluster, {});
  REQUIRE_FALSE(no_rsc.st);
  CHECK(no_rsc.st.error().message() == "You must specify a resource to restart");

  auto on_node = restart(cluster, {"A", "node1"});
  REQUIRE_FALSE(on_node.st);
  CHECK(on_node.st.error().message() ==
        "can only restart on a specific node for a clone or bundle resource");

  auto unknown = restart(cluster, {"Z"});
  REQUIRE_FALSE(unknown.st);
  CHECK(unknown.st.error().message() ==
        "crm_resource: Resource 'Z' not found\nError performing operation: No such object\n");

  auto no_node = restart(cluster, {"C-clone", "node9"});
  REQUIRE_FALSE(no_node.st);
  CHECK(no_node.st.error().message() ==
        "crm_resource: Node 'node9' not found\nError performing operation: No such object\n");

  auto no_value = restart(cluster, {"A"}, std::string());
  REQUIRE_FALSE(no_value.st);
  CHECK(no_value.st.error().message() == "You must specify the number of seconds to wait");
  CHECK(cluster.writes.empty());
}

TEST_CASE("restart: a stopped resource cannot be restarted", "[resource_restart]") {
  BoxedCluster cluster(cluster_cib(
      R"(<meta_attributes id="A-meta"><nvpair id="A-tr" name="target-role" value="Stopped"/></meta_attributes>)"));
  auto o = restart(cluster, {"A"});
  REQUIRE_FALSE(o.st);
  CHECK(o.st.error().message() ==
        "A is not running anywhere and so cannot be restarted\n"
        "crm_resource: Error performing operation: No such object\n");
  CHECK(cluster.writes.empty());
}

TEST_CASE("restart: a cluster that does not act times out and the stop is undone",
          "[resource_restart]") {
  BoxedCluster cluster(cluster_cib());
  cluster.frozen = true;
  auto o = restart(cluster, {"A"}, std::string("4"));
  REQUIRE_FALSE(o.st);
  CHECK(o.st.error().message() ==
        // crm_resource's stderr, then its stdout (the list printed twice).
        "Could not complete shutdown of A, 2 resources remaining\n"
        "crm_resource: Error performing operation: Timeout occurred\n"
        "Waiting for 2 resources to stop:\n * A\n * B\n * A\n * B\n");
  CHECK(cluster.sleeps == 2);  // 4 s, polled every 2
  REQUIRE(cluster.writes.size() == 2);
  CHECK(cluster.writes[1].find("target-role") == std::string::npos);
}

TEST_CASE("restart: without --wait a step lasts 5 s plus the longest stop timeout",
          "[resource_restart]") {
  BoxedCluster cluster(cluster_cib());
  cluster.frozen = true;
  auto o = restart(cluster, {"A"});
  REQUIRE_FALSE(o.st);
  // Default stop timeout 20 s: (5 + 20) / 2 = 12 polls.
  CHECK(cluster.sleeps == 12);
}

TEST_CASE("restart: a step's time comes from the stop timeouts as the scheduler gives them",
          "[resource_restart]") {
  // A's stop timeout in its op's meta_attributes; B's from op_defaults by
  // a rule on the stop op; the longest of the two (and 5 s) sets the step.
  const std::string a_ops = R"(<operations><op id="A-stop" name="stop" interval="0">
        <meta_attributes id="A-stop-m"><nvpair id="A-stop-t" name="timeout" value="70s"/>
        </meta_attributes></op></operations>)";
  const std::string op_defaults = R"(<op_defaults>
    <meta_attributes id="od-stop"><rule id="od-stop-r" score="INFINITY" boolean-op="and">
      <op_expression id="od-stop-e" name="stop"/></rule>
      <nvpair id="od-stop-t" name="timeout" value="95s"/></meta_attributes></op_defaults>
  </configuration>)";
  SECTION("the op's meta_attributes") {
    BoxedCluster cluster(cluster_cib(a_ops));
    cluster.frozen = true;
    REQUIRE_FALSE(restart(cluster, {"A"}).st);
    CHECK(cluster.sleeps == (5 + 70) / 2);
  }
  SECTION("op_defaults with a rule, for the primitive without its own") {
    std::string text = cluster_cib(a_ops);
    const auto at = text.find("</configuration>");
    REQUIRE(at != std::string::npos);
    text.replace(at, std::string("</configuration>").size(), op_defaults);
    BoxedCluster cluster(text);
    cluster.frozen = true;
    REQUIRE_FALSE(restart(cluster, {"A"}).st);
    CHECK(cluster.sleeps == (5 + 95) / 2);  // B's, longer than A's 70 s
  }
}
