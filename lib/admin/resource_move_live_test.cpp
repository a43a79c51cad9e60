// SPDX-License-Identifier: GPL-2.0-or-later
// `resource move` against a cluster in a box that carries out the
// scheduler's plan at every wait: the constraint written, waited for,
// removed, and the resource found where it went; and every refusal, which
// writes nothing. Expected words are pcs 0.11.5's, from the same scenarios
// run with pcs against crm_simulate standing in for the cluster.
#include <catch2/catch.hpp>
#include <set>

#include "boxed_cluster_test.hpp"
#include "resource_edit.hpp"
#include "status_view.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::admin;

namespace {

const std::string kSummary = "\nError: Errors have occurred, therefore vigil is unable to continue";

// Three online nodes. A prefers node1 (100); B must run with A; C stands
// alone; group G of G1 and G2; a clone and a promotable clone. `defaults`
// (resource stickiness) decides whether a moved resource stays.
struct Config {
  std::string defaults =
      R"(<rsc_defaults><meta_attributes id="rd"><nvpair id="rd1" name="resource-stickiness" value="200"/></meta_attributes></rsc_defaults>)";
  std::string a_meta, constraints;
};

// node1..node3, members of the cluster, nothing run yet.
std::string online_nodes() {
  std::string out;
  for (const char* i : {"1", "2", "3"}) {
    out += std::string(R"(<node_state id=")") + i + R"(" uname="node)" + i +
           R"(" in_ccm="true" crmd="online" crm-debug-origin="x" join="member" )"
           R"(expected="member"/>)";
  }
  return out;
}

std::string cluster_cib(const Config& c) {
  return R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="1">
  <configuration><crm_config><cluster_property_set id="o">
    <nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/><node id="3" uname="node3"/></nodes>
  <resources>
    <primitive id="A" class="ocf" provider="heartbeat" type="Dummy">)" +
         c.a_meta + R"(</primitive>
    <primitive id="B" class="ocf" provider="heartbeat" type="Dummy"/>
    <primitive id="C" class="ocf" provider="heartbeat" type="Dummy"/>
    <group id="G"><primitive id="G1" class="ocf" provider="heartbeat" type="Dummy"/>
      <primitive id="G2" class="ocf" provider="heartbeat" type="Dummy"/></group>
    <clone id="K-clone"><primitive id="K" class="ocf" provider="heartbeat" type="Dummy"/></clone>
    <clone id="P-clone"><meta_attributes id="P-m"><nvpair id="P-m1" name="promotable" value="true"/>
      <nvpair id="P-m2" name="promoted-max" value="1"/></meta_attributes>
      <primitive id="P" class="ocf" provider="pacemaker" type="Stateful"/></clone>
  </resources><constraints>
    <rsc_location id="A-prefers" rsc="A" node="node1" score="100"/>
    <rsc_location id="C-prefers" rsc="C" node="node3" score="50"/>
    <rsc_location id="G-prefers" rsc="G" node="node2" score="50"/>
    <rsc_location id="P-promoted" rsc="P-clone" role="Promoted" node="node1" score="100"/>
    <rsc_colocation id="B-with-A" rsc="B" with-rsc="A" score="INFINITY"/>)" +
         c.constraints + R"(
  </constraints>)" +
         c.defaults + "</configuration><status>" + online_nodes() + "</status></cib>";
}

// What the command said: its notes (stderr lines), and its error if any.
struct Said {
  std::vector<std::string> notes;
  Status st = ok_status();
  std::string message() const { return st ? "" : st.error().message(); }
};

struct Options {
  std::optional<std::string> wait = std::nullopt;
  bool strict = false, promoted = false, autodelete = false, live = true;
};

Said move(BoxedCluster& cluster, std::vector<std::string> args, const Options& o = {}) {
  auto doc = cluster.read();
  REQUIRE(doc);
  const std::string before = xml::to_string(doc->get(), false);
  Context ctx;
  ctx.doc = doc->get();
  ctx.live = o.live;
  ctx.live_cib = o.live ? &cluster : nullptr;
  ctx.flags.wait = o.wait;
  ctx.flags.strict = o.strict;
  ctx.flags.promoted = o.promoted;
  ctx.flags.autodelete = o.autodelete;
  args.insert(args.begin(), {"resource", "move"});
  Said out;
  out.st = run_command(ctx, args);
  out.notes = ctx.notes;
  // The command writes through the cluster, never through the document.
  CHECK_FALSE(ctx.changed);
  CHECK(xml::to_string(doc->get(), false) == before);
  return out;
}

std::string constraints_of(BoxedCluster& cluster) {
  auto doc = cluster.read();
  REQUIRE(doc);
  return xml::to_string(
      xml::first_child(xml::first_child(xmlDocGetRootElement(doc->get()), "configuration"),
                       "constraints"),
      false);
}

std::vector<std::string> moved_lines(const std::string& rsc, const std::string& wait,
                                     const std::string& where) {
  return {"Location constraint to move resource '" + rsc + "' has been created", wait,
          "Location constraint created to move resource '" + rsc + "' has been removed", wait,
          "resource '" + rsc + "' is running on node '" + where + "'"};
}

const std::string kWaiting = "Waiting for the cluster to apply configuration changes...";

}  // namespace

TEST_CASE("move: to a node, through a constraint that is removed once it runs there",
          "[resource_move_live]") {
  BoxedCluster cluster(cluster_cib({}));
  REQUIRE(cluster.active_nodes("A") == std::set<std::string>{"node1"});
  const std::string constraints = constraints_of(cluster);
  auto o = move(cluster, {"A", "node2"});
  INFO(o.message());
  REQUIRE(o.st);
  CHECK(o.notes == moved_lines("A", kWaiting, "node2"));
  REQUIRE(cluster.writes.size() == 2);
  CHECK(cluster.writes[0].find(R"(<rsc_location id="cli-prefer-A" rsc="A" role="Started" )"
                               R"(node="node2" score="INFINITY"/>)") != std::string::npos);
  CHECK(cluster.writes[1].find("cli-prefer") == std::string::npos);
  CHECK(constraints_of(cluster) == constraints);
  // The cluster acted: A went, and B (colocated with it) followed.
  CHECK(cluster.active_nodes("A") == std::set<std::string>{"node2"});
  CHECK(cluster.active_nodes("B") == std::set<std::string>{"node2"});
  // One round of the cluster carried out the move; the removal left nothing to do.
  CHECK(cluster.sleeps == 1);
}

TEST_CASE("move: without a node, a ban of the node it runs on", "[resource_move_live]") {
  BoxedCluster cluster(cluster_cib({}));
  auto o = move(cluster, {"A"}, {.wait = "1min"});
  INFO(o.message());
  REQUIRE(o.st);
  CHECK(o.notes ==
        moved_lines(
            "A", "Waiting for the cluster to apply configuration changes (timeout: 60 seconds)...",
            "node2"));
  REQUIRE(cluster.writes.size() == 2);
  CHECK(cluster.writes[0].find(R"(<rsc_location id="cli-ban-A-on-node1" rsc="A" role="Started" )"
                               R"(node="node1" score="-INFINITY"/>)") != std::string::npos);
  CHECK(cluster.writes[1].find("cli-ban") == std::string::npos);
  CHECK(cluster.active_nodes("A") == std::set<std::string>{"node2"});
}

TEST_CASE("move: a group moves whole; --strict names what else moves", "[resource_move_live]") {
  BoxedCluster cluster(cluster_cib({}));
  auto strict = move(cluster, {"G", "node1"}, {.strict = true});
  CHECK(strict.message() == "Moving resource 'G' affects resources: 'G1', 'G2'");
  auto member = move(cluster, {"G1"}, {.strict = true});
  CHECK(member.message() == "Moving resource 'G1' affects resource: 'G2'");
  CHECK(cluster.writes.empty());
  auto o = move(cluster, {"G", "node1"});
  INFO(o.message());
  REQUIRE(o.st);
  CHECK(o.notes.back() == "resource 'G' is running on node 'node1'");
  CHECK(cluster.active_nodes("G") == std::set<std::string>{"node1"});
}

TEST_CASE("move: --strict passes when nothing else is touched", "[resource_move_live]") {
  BoxedCluster cluster(cluster_cib({}));
  REQUIRE(cluster.active_nodes("C") == std::set<std::string>{"node3"});
  auto o = move(cluster, {"C", "node1"}, {.strict = true, .autodelete = true});
  INFO(o.message());
  REQUIRE(o.st);
  std::vector<std::string> expected = {
      "Deprecation Warning: Option '--autodelete' is deprecated. There is no need to use it as "
      "its functionality is default now."};
  for (const auto& l : moved_lines("C", kWaiting, "node1")) expected.push_back(l);
  CHECK(o.notes == expected);
  CHECK(cluster.active_nodes("C") == std::set<std::string>{"node1"});
  CHECK(cluster.active_nodes("A") == std::set<std::string>{"node1"});
}

TEST_CASE("move: refused when removing the constraint would move it back", "[resource_move_live]") {
  // Without stickiness A returns to node1, which it prefers.
  Config c;
  c.defaults.clear();
  BoxedCluster cluster(cluster_cib(c));
  auto o = move(cluster, {"A", "node2"});
  CHECK(o.message() ==
        "Unable to ensure that moved resource 'A' will stay on the same node after a constraint "
        "used for moving it is removed.");
  auto strict = move(cluster, {"A", "node2"}, {.strict = true});
  CHECK(strict.message() == "Moving resource 'A' affects resource: 'B'");
  CHECK(cluster.writes.empty());
  CHECK(cluster.active_nodes("A") == std::set<std::string>{"node1"});
}

TEST_CASE("move: refused when the constraint would not move it", "[resource_move_live]") {
  Config c;
  c.constraints = R"(<rsc_location id="A-never2" rsc="A" node="node2" score="-INFINITY"/>)";
  BoxedCluster cluster(cluster_cib(c));
  auto o = move(cluster, {"A", "node2"});
  CHECK(o.message() ==
        "Unable to move resource 'A' using a location constraint. Current location of the "
        "resource may be affected by some other constraint.");
  // Where it already runs: crm_resource's own refusal.
  auto here = move(cluster, {"A", "node1"});
  CHECK(here.message() ==
        "cannot move resource 'A'\n"
        "crm_resource: Error performing operation: Requested item already exists");
  CHECK(cluster.writes.empty());
}

TEST_CASE("move: a stopped or unmanaged resource is refused", "[resource_move_live]") {
  Config stopped;
  stopped.a_meta =
      R"(<meta_attributes id="A-m"><nvpair id="A-m1" name="target-role" value="Stopped"/></meta_attributes>)";
  BoxedCluster down(cluster_cib(stopped));
  const std::string not_running =
      "It is not possible to move resource 'A' as it is not running at the moment, use 'vigil "
      "resource move-with-constraint' or 'vigil constraint location' commands instead";
  CHECK(move(down, {"A", "node2"}).message() == not_running);
  CHECK(move(down, {"A"}).message() == not_running);
  CHECK(down.writes.empty());

  Config unmanaged;
  unmanaged.a_meta =
      R"(<meta_attributes id="A-m"><nvpair id="A-m1" name="is-managed" value="false"/></meta_attributes>)";
  BoxedCluster kept(cluster_cib({}));
  // Unmanaged once running (an unmanaged resource would never be started).
  auto doc = kept.read();
  REQUIRE(doc);
  xmlNode* a = find_resource(doc->get(), "A");
  REQUIRE(a);
  set_nvpair(doc->get(), a, "meta_attributes", "is-managed", "false", false);
  REQUIRE(kept.write_configuration(doc->get()));
  kept.writes.clear();
  CHECK(move(kept, {"A", "node2"}).message() == "'A' is unmanaged");
  CHECK(kept.writes.empty());
}

TEST_CASE("move: pcs's checks of the resource and the node", "[resource_move_live]") {
  BoxedCluster cluster(cluster_cib({}));
  CHECK(move(cluster, {"A", "node9"}).message() ==
        "Node 'node9' does not appear to exist in configuration" + kSummary);
  CHECK(move(cluster, {"Z", "node9"}).message() ==
        "bundle/clone/group/resource 'Z' does not exist\n"
        "Error: Node 'node9' does not appear to exist in configuration" +
            kSummary);
  CHECK(move(cluster, {"A-prefers", "node2"}).message() ==
        "'A-prefers' is not a bundle/clone/group/resource" + kSummary);
  CHECK(move(cluster, {"A"}, {.promoted = true}).message() ==
        "when specifying --promoted you must use the promotable clone id" + kSummary);
  CHECK(move(cluster, {"K-clone", "node2"}).message() == "cannot move cloned resources" + kSummary);
  CHECK(move(cluster, {"K", "node2"}, {.promoted = true}).message() ==
        "cannot move cloned resources" + kSummary);
  CHECK(move(cluster, {"P", "node2"}).message() ==
        "to move promotable clone resources you must use the promotable clone id (P-clone)" +
            kSummary);
  CHECK(move(cluster, {"P", "node2"}, {.promoted = true}).message() ==
        "when specifying --promoted you must use the promotable clone id (P-clone)" + kSummary);
  // The command line's own checks.
  CHECK(move(cluster, {}).message() == "must specify a resource to move");
  CHECK(move(cluster, {"A", "node2"}, {.wait = "x"}).message() ==
        "'x' is not a valid interval value");
  auto lifetime = move(cluster, {"A", "lifetime=10"});
  CHECK(lifetime.notes ==
        std::vector<std::string>{"Deprecation Warning: Option 'lifetime' has been removed. See "
                                 "'man pcs' -> Changes in pcs-0.11."});
  CHECK(lifetime.message() ==
        "Node 'lifetime=10' does not appear to exist in configuration" + kSummary);
  CHECK(move(cluster, {"A", "node2"}, {.live = false}).message() ==
        "Specified option '-f' is not supported in this command");
  CHECK(cluster.writes.empty());
}

TEST_CASE("move: a promotable clone's promoted role", "[resource_move_live]") {
  BoxedCluster cluster(cluster_cib({}));
  // Its instances run everywhere: only the promoted role can go anywhere.
  CHECK(move(cluster, {"P-clone", "node2"}).message() ==
        "Unable to move resource 'P-clone' using a location constraint. Current location of the "
        "resource may be affected by some other constraint.");
  CHECK(cluster.writes.empty());
  auto o = move(cluster, {"P-clone", "node2"}, {.promoted = true});
  // pcs checks its primitives' operations against the clone's id, so the
  // return of the promoted role to node1 (its preference) is only seen at
  // the end, once the constraint is gone.
  REQUIRE(cluster.writes.size() == 2);
  CHECK(cluster.writes[0].find(R"(<rsc_location id="cli-prefer-P-clone" rsc="P-clone" )"
                               R"(role="Promoted" node="node2" score="INFINITY"/>)") !=
        std::string::npos);
  CHECK(o.message() ==
        "resource 'P-clone' is promoted on node 'node1'; unpromoted on nodes 'node2', 'node3'" +
            kSummary);
}

TEST_CASE("move: a cluster that does not settle times out with the constraint in place",
          "[resource_move_live]") {
  BoxedCluster cluster(cluster_cib({}));
  cluster.frozen = true;
  auto o = move(cluster, {"A", "node2"}, {.wait = "4"});
  REQUIRE_FALSE(o.st);
  CHECK(o.message().rfind("waiting timeout\n\ncrm_resource: Error performing operation: Timeout "
                          "occurred\nPending actions:",
                          0) == 0);
  CHECK(o.message().find("A_start_0") != std::string::npos);
  REQUIRE(cluster.writes.size() == 1);
  CHECK(cluster.writes[0].find("cli-prefer-A") != std::string::npos);
  CHECK(o.notes == std::vector<std::string>{
                       "Location constraint to move resource 'A' has been created",
                       "Waiting for the cluster to apply configuration changes (timeout: 4 "
                       "seconds)..."});
}

TEST_CASE("move: --strict and --autodelete belong to resource move only", "[resource_move_live]") {
  auto inv = parse_invocation({"resource", "ban", "A", "node1", "--strict", "--autodelete"});
  REQUIRE(inv);
  CHECK(inv->flags.strict);
  CHECK(inv->flags.autodelete);
  CHECK(inv->args == std::vector<std::string>{"resource", "ban", "A", "node1"});
  BoxedCluster cluster(cluster_cib({}));
  auto refusal = [&](const std::vector<std::string>& args, bool strict, bool autodelete) {
    auto doc = cluster.read();
    REQUIRE(doc);
    Context ctx;
    ctx.doc = doc->get();
    ctx.flags.strict = strict;
    ctx.flags.autodelete = autodelete;
    auto st = run_command(ctx, args);
    CHECK_FALSE(ctx.changed);
    return st ? std::string() : st.error().message();
  };
  CHECK(refusal({"resource", "ban", "A", "node1"}, true, false) ==
        "Specified option '--strict' is not supported in this command");
  CHECK(refusal({"resource", "ban", "A", "node1"}, true, true) ==
        "Specified options '--autodelete', '--strict' are not supported in this command");
  CHECK(refusal({"property", "set", "a=b"}, false, true) ==
        "Specified option '--autodelete' is not supported in this command");
  // With a file, move refuses -f first, as pcs does.
  CHECK(refusal({"resource", "move", "A", "node1"}, true, false) ==
        "Specified option '-f' is not supported in this command");
}

TEST_CASE("ban, move-with-constraint, clear: an id of something else is no resource",
          "[resource_move_live]") {
  BoxedCluster cluster(cluster_cib({}));
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"resource", "ban", "A-prefers", "node1"},
           {"resource", "move-with-constraint", "A-prefers", "node2"},
           {"resource", "clear", "A-prefers"}}) {
    auto doc = cluster.read();
    REQUIRE(doc);
    Context ctx;
    ctx.doc = doc->get();
    auto st = run_command(ctx, args);
    REQUIRE_FALSE(st);
    CHECK(st.error().message() == "'A-prefers' is not a bundle/clone/group/resource" + kSummary);
    CHECK_FALSE(ctx.changed);
  }
}
