// SPDX-License-Identifier: GPL-2.0-or-later
// --wait on live resource commands against a scripted cluster: settled at
// once, settled after some polls, never settled (timeout), and the state
// lines pcs's library and its older command line code print.
#include <catch2/catch.hpp>
#include <functional>

#include "resource_edit.hpp"
#include "scripted_cib_test.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/admin/live_cib.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::admin;

namespace {

// One node, A: with `started`, A's start is recorded (settled), else the
// scheduler still has A's probe and start to do.
std::string cib(bool started) {
  const std::string op =
      R"(<lrm_resource id="A" type="Dummy" class="ocf" provider="heartbeat">)"
      R"(<lrm_rsc_op id="A_last_0" operation_key="A_start_0" operation="start" )"
      R"(crm-debug-origin="x" crm_feature_set="3.16.1" transition-key="1:1:0:x" )"
      R"(transition-magic="0:0;1:1:0:x" call-id="3" rc-code="0" op-status="0" interval="0" )"
      R"(last-rc-change="1" exec-time="1" queue-time="0" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>)"
      R"(</lrm_resource>)";
  return std::string(
             R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="1">
  <configuration><crm_config><cluster_property_set id="o">
    <nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="node1"/></nodes><resources>
    <primitive id="A" class="ocf" provider="heartbeat" type="Dummy"/>
  </resources><constraints/></configuration><status>)") +
         R"(<node_state id="1" uname="node1" in_ccm="true" crmd="online" crm-debug-origin="x" )"
         R"(join="member" expected="member"><lrm id="1"><lrm_resources>)" +
         (started ? op : "") + "</lrm_resources></lrm></node_state></status></cib>";
}

struct Waited {
  Status st = ok_status();
  std::vector<std::string> notes;
};

Waited wait(ScriptedCib& cluster, const std::string& value, std::vector<std::string> args) {
  Context ctx;
  ctx.live = true;
  ctx.live_cib = &cluster;
  ctx.flags.wait = value;
  Waited w;
  w.st = wait_after_write(ctx, args);
  w.notes = ctx.notes;
  if (!w.st) UNSCOPED_INFO(w.st.error().message());
  return w;
}

}  // namespace

TEST_CASE("--wait: settled at once, the library's state line", "[resource_wait]") {
  ScriptedCib cluster(cib(true));
  auto w = wait(cluster, "", {"resource", "enable", "A"});
  REQUIRE(w.st);
  CHECK(cluster.sleeps == 0);
  REQUIRE(w.notes.size() == 2);
  CHECK(w.notes[0] == "Waiting for the cluster to apply configuration changes...");
  CHECK(w.notes[1] == "resource 'A' is running on node 'node1'");
}

TEST_CASE("--wait: settled after some polls, 2 s apart", "[resource_wait]") {
  ScriptedCib cluster(cib(false));
  cluster.on_sleep = [&](std::string& text) {
    if (cluster.sleeps == 3) text = cib(true);
  };
  auto w = wait(cluster, "30", {"resource", "create", "A", "ocf:heartbeat:Dummy"});
  REQUIRE(w.st);
  CHECK(cluster.sleeps == 3);
  CHECK(cluster.clock == 1006);
  REQUIRE(w.notes.size() == 2);
  CHECK(w.notes[0] ==
        "Waiting for the cluster to apply configuration changes (timeout: 30 "
        "seconds)...");
  CHECK(w.notes[1] == "resource 'A' is running on node 'node1'");
}

TEST_CASE("--wait=0 waits as long as no value", "[resource_wait]") {
  ScriptedCib cluster(cib(false));
  cluster.on_sleep = [&](std::string& text) {
    if (cluster.sleeps == 1) text = cib(true);
  };
  auto w = wait(cluster, "0", {"resource", "enable", "A"});
  REQUIRE(w.st);
  REQUIRE(w.notes.size() == 2);
  CHECK(w.notes[0] == "Waiting for the cluster to apply configuration changes...");

  // group add waits and reports no state.
  auto g = wait(cluster, "", {"resource", "group", "add", "G", "A"});
  REQUIRE(g.st);
  CHECK(g.notes ==
        std::vector<std::string>{"Waiting for the cluster to apply configuration changes..."});
}

TEST_CASE("--wait: timeout lists the pending actions", "[resource_wait]") {
  ScriptedCib cluster(cib(false));
  auto w = wait(cluster, "1min", {"resource", "enable", "A"});
  REQUIRE(!w.st);
  CHECK(cluster.clock >= 1060);
  CHECK(cluster.clock <= 1062);
  const std::string msg = w.st.error().message();
  CHECK(msg.rfind("waiting timeout\n\ncrm_resource: Error performing operation: Timeout "
                  "occurred\nPending actions:\n\tAction ",
                  0) == 0);
  CHECK(msg.find("A_start_0\ton node1") != std::string::npos);

  // pcs's older command line code (update, meta) names the state as well.
  ScriptedCib again(cib(false));
  auto u = wait(again, "4", {"resource", "update", "A", "a=b"});
  REQUIRE(!u.st);
  CHECK(u.st.error().message().rfind(
            "waiting timeout\nResource 'A' is not running on any node\n\ncrm_resource: Error "
            "performing operation: Timeout occurred\nPending actions:",
            0) == 0);
  CHECK(u.notes.empty());
}

TEST_CASE("--wait: update's line, disable expects a stop", "[resource_wait]") {
  ScriptedCib cluster(cib(true));
  auto u = wait(cluster, "", {"resource", "meta", "A", "a=b"});
  REQUIRE(u.st);
  REQUIRE(u.notes.size() == 1);
  CHECK(u.notes[0] == "Resource 'A' is running on node node1.");

  auto d = wait(cluster, "", {"resource", "disable", "A"});
  REQUIRE(!d.st);
  CHECK(d.st.error().message() == "Errors have occurred, therefore vigil is unable to continue");
  REQUIRE(d.notes.size() == 2);
  CHECK(d.notes[1] == "Error: resource 'A' is running on node 'node1'");
}

TEST_CASE("--wait: create of a stopped resource expects it stopped", "[resource_wait]") {
  ScriptedCib cluster(cib(true));
  auto w = wait(cluster, "",
                {"resource", "create", "A", "ocf:heartbeat:Dummy", "meta", "target-role=stopped"});
  REQUIRE(!w.st);
  REQUIRE(w.notes.size() == 2);
  CHECK(w.notes[1] == "Error: resource 'A' is running on node 'node1'");
  auto started = wait(cluster, "", {"resource", "create", "A", "ocf:heartbeat:Dummy"});
  CHECK(started.st);
}

TEST_CASE("--wait: which commands take it, its value checked first", "[resource_wait]") {
  Context ctx;
  ctx.live = true;
  ctx.flags.wait = "abc";
  auto bad = check_resource_options(ctx, {"resource", "enable", "A"});
  REQUIRE(!bad);
  CHECK(bad.error().message() == "'abc' is not a valid number of seconds to wait");
  auto update = check_resource_options(ctx, {"resource", "update", "A", "a=b"});
  REQUIRE(!update);
  CHECK(update.error().message() == "abc is not a valid number of seconds to wait");
  ctx.flags.wait = "10";
  CHECK(check_resource_options(ctx, {"resource", "enable", "A"}));
  auto move = check_resource_options(ctx, {"resource", "move", "A"});
  REQUIRE(!move);
  CHECK(move.error().code() == ErrorCode::kUnsupported);
}
