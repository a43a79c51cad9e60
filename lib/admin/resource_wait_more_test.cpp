// SPDX-License-Identifier: GPL-2.0-or-later
// --wait on ban, clear, move-with-constraint, clone, promotable, unclone,
// group remove and ungroup against a scripted two-node cluster (settled,
// settled elsewhere than asked, never settled), and where each command
// refuses --wait with -f or a bad value, in pcs 0.11.5's words and order.
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

// One recorded operation of a Dummy without parameters.
std::string history(const std::string& rsc, const std::string& task, int rc) {
  return R"(<lrm_resource id=")" + rsc +
         R"(" type="Dummy" class="ocf" provider="heartbeat"><lrm_rsc_op id=")" + rsc +
         R"(_last_0" operation_key=")" + rsc + "_" + task + R"(_0" operation=")" + task +
         R"(" crm-debug-origin="x" crm_feature_set="3.16.1" transition-key="1:1:0:x" )"
         R"(transition-magic="0:)" +
         std::to_string(rc) + R"(;1:1:0:x" call-id="3" rc-code=")" + std::to_string(rc) +
         R"(" op-status="0" interval="0" last-rc-change="1" exec-time="1" queue-time="0" )"
         R"(op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource>)";
}
std::string running(const std::string& rsc) {
  return history(rsc, "start", 0);
}
std::string not_running(const std::string& rsc) {
  return history(rsc, "monitor", 7);
}

const char* kPrimitives = R"(<primitive id="A" class="ocf" provider="heartbeat" type="Dummy"/>)";

std::string cib(const std::string& resources, const std::string& constraints,
                const std::string& on_node1, const std::string& on_node2) {
  auto state = [](const char* id, const char* name, const std::string& lrm) {
    return std::string(R"(<node_state id=")") + id + R"(" uname=")" + name +
           R"(" in_ccm="true" crmd="online" crm-debug-origin="x" join="member" expected="member">)" +
           R"(<lrm id=")" + id + R"("><lrm_resources>)" + lrm +
           "</lrm_resources></lrm></node_state>";
  };
  return R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="1">
  <configuration><crm_config><cluster_property_set id="o">
    <nvpair id="o1" name="stonith-enabled" value="false"/>
    <nvpair id="o2" name="no-quorum-policy" value="ignore"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes><resources>)" +
         resources + "</resources><constraints>" + constraints +
         "</constraints></configuration><status>" + state("1", "node1", on_node1) +
         state("2", "node2", on_node2) + "</status></cib>";
}

const std::string kBan =
    R"(<rsc_location id="cli-ban-A-on-node1" rsc="A" role="Started" node="node1" score="-INFINITY"/>)";
const std::string kPrefer =
    R"(<rsc_location id="cli-prefer-A" rsc="A" role="Started" node="node2" score="INFINITY"/>)";

struct Waited {
  Status st = ok_status();
  std::vector<std::string> notes;
  std::string error() const { return st ? "" : st.error().message(); }
};

// The command's --wait once it wrote: `before` is the CIB it ran on (its
// status is the state before), `cluster` what the cluster shows from then on.
Waited wait(ScriptedCib& cluster, const std::string& before, const std::string& value,
            std::vector<std::string> args, const std::string& subject = "") {
  auto doc = xml::parse_string(before).value();
  Context ctx;
  ctx.doc = doc.get();
  ctx.now = 1000;
  ctx.live = true;
  ctx.live_cib = &cluster;
  ctx.flags.wait = value;
  ctx.wait_subject = subject;
  Waited w;
  w.st = wait_after_write(ctx, args);
  w.notes = ctx.notes;
  return w;
}

}  // namespace

TEST_CASE("ban --wait: the resource left the banned node", "[resource_wait_more]") {
  const std::string before = cib(kPrimitives, kBan, running("A"), not_running("A"));
  ScriptedCib cluster(before);  // the scheduler still has A to move
  cluster.on_sleep = [&](std::string& text) {
    if (cluster.sleeps == 2) text = cib(kPrimitives, kBan, history("A", "stop", 0), running("A"));
  };
  auto w = wait(cluster, before, "30", {"resource", "ban", "A", "node1"});
  REQUIRE(w.st);
  CHECK(cluster.sleeps == 2);
  CHECK(w.notes == std::vector<std::string>{
                       "Waiting for the cluster to apply configuration changes (timeout: 30 "
                       "seconds)...",
                       "resource 'A' is running on node 'node2'"});
}

TEST_CASE("ban --wait: still on the banned node, or stopped, is an error", "[resource_wait_more]") {
  const std::string before = cib(kPrimitives, kBan, running("A"), not_running("A"));
  // Settled with A where it was (the ban gone meanwhile).
  ScriptedCib stayed(cib(kPrimitives, "", running("A"), not_running("A")));
  auto w = wait(stayed, before, "", {"resource", "ban", "A", "node1"});
  CHECK(w.error() == "Errors have occurred, therefore vigil is unable to continue");
  CHECK(w.notes ==
        std::vector<std::string>{"Waiting for the cluster to apply configuration changes...",
                                 "Error: resource 'A' is running on node 'node1'"});
  // Settled with A stopped everywhere (node2 banned as well).
  const std::string both =
      kBan +
      R"(<rsc_location id="cli-ban-A-on-node2" rsc="A" role="Started" node="node2" score="-INFINITY"/>)";
  ScriptedCib stopped(cib(kPrimitives, both, history("A", "stop", 0), not_running("A")));
  auto s = wait(stopped, before, "", {"resource", "ban", "A", "node1"});
  CHECK(s.error() == "Errors have occurred, therefore vigil is unable to continue");
  REQUIRE(s.notes.size() == 2);
  CHECK(s.notes[1] == "Error: resource 'A' is not running on any node");
}

TEST_CASE("ban --wait: timeout lists the pending actions, rc 1", "[resource_wait_more]") {
  const std::string before = cib(kPrimitives, kBan, running("A"), not_running("A"));
  ScriptedCib cluster(before);
  auto w = wait(cluster, before, "10", {"resource", "ban", "A", "node1"});
  REQUIRE(!w.st);
  CHECK(w.st.error().code() == ErrorCode::kInvalidInput);
  CHECK(cluster.clock >= 1010);
  CHECK(w.error().rfind("waiting timeout\n\ncrm_resource: Error performing operation: Timeout "
                        "occurred\nPending actions:\n\tAction ",
                        0) == 0);
  CHECK(w.error().find("A_stop_0\ton node1") != std::string::npos);
  CHECK(w.notes == std::vector<std::string>{
                       "Waiting for the cluster to apply configuration changes (timeout: 10 "
                       "seconds)..."});
}

TEST_CASE("--wait timeout: crm_resource's own report, word for word", "[resource_wait_more]") {
  // What crm_resource --wait --timeout=3 (Pacemaker 2.1.5) printed for this
  // CIB (both nodes online, nothing probed yet), its stderr then stdout, as
  // pcs joins them.
  const std::string fresh = cib(kPrimitives, "", "", "");
  ScriptedCib cluster(fresh);
  auto w = wait(cluster, fresh, "3", {"resource", "clear", "A"});
  CHECK(w.error() ==
        "waiting timeout\n\n"
        "crm_resource: Error performing operation: Timeout occurred\n"
        "Pending actions:\n"
        "\tAction 3: A_start_0\ton node1\n"
        "\tAction 2: A_monitor_0\ton node2\n"
        "\tAction 1: A_monitor_0\ton node1");
}

TEST_CASE("move-with-constraint --wait: moved, or not", "[resource_wait_more]") {
  const std::string before = cib(kPrimitives, kPrefer, running("A"), not_running("A"));
  ScriptedCib moved(cib(kPrimitives, kPrefer, history("A", "stop", 0), running("A")));
  auto w = wait(moved, before, "1", {"resource", "move-with-constraint", "A", "node2"});
  REQUIRE(w.st);
  CHECK(w.notes == std::vector<std::string>{
                       "Waiting for the cluster to apply configuration changes (timeout: 1 "
                       "second)...",
                       "resource 'A' is running on node 'node2'"});

  ScriptedCib stayed(cib(kPrimitives, "", running("A"), not_running("A")));
  auto s = wait(stayed, before, "", {"resource", "move-with-constraint", "A", "node2"});
  CHECK(s.error() == "Errors have occurred, therefore vigil is unable to continue");
  REQUIRE(s.notes.size() == 2);
  CHECK(s.notes[1] == "Error: resource 'A' is running on node 'node1'");

  ScriptedCib never(before);
  auto t = wait(never, before, "4", {"resource", "move-with-constraint", "A", "node2"});
  CHECK(t.error().rfind("waiting timeout\n\ncrm_resource: Error performing operation: Timeout "
                        "occurred\nPending actions:",
                        0) == 0);
}

TEST_CASE("clear --wait: where the resource runs, never an error", "[resource_wait_more]") {
  const std::string before = cib(kPrimitives, "", history("A", "stop", 0), running("A"));
  ScriptedCib cluster(before);
  auto w = wait(cluster, before, "", {"resource", "clear", "A"});
  REQUIRE(w.st);
  CHECK(w.notes ==
        std::vector<std::string>{"Waiting for the cluster to apply configuration changes...",
                                 "resource 'A' is running on node 'node2'"});
  ScriptedCib stopped(
      cib(kPrimitives + std::string(),
          kBan + R"(<rsc_location id="b2" rsc="A" node="node2" score="-INFINITY"/>)",
          not_running("A"), not_running("A")));
  auto s = wait(stopped, before, "", {"resource", "clear", "A"});
  REQUIRE(s.st);
  CHECK(s.notes.back() == "resource 'A' is not running on any node");
}

TEST_CASE("clone/unclone --wait: the command line code's sentence", "[resource_wait_more]") {
  const std::string cloned = R"(<clone id="A-clone">)" + std::string(kPrimitives) + "</clone>";
  ScriptedCib cluster(cib(cloned, "", not_running("A"), not_running("A")));
  cluster.on_sleep = [&](std::string& text) { text = cib(cloned, "", running("A"), running("A")); };
  // The command ran: A is in its clone now.
  const std::string after_clone = cib(cloned, "", running("A"), not_running("A"));
  auto w = wait(cluster, after_clone, "", {"resource", "clone", "A"});
  REQUIRE(w.st);
  CHECK(cluster.sleeps == 1);
  CHECK(w.notes ==
        std::vector<std::string>{"Resource 'A-clone' is running on nodes node1, node2."});

  ScriptedCib promoted(cib(cloned, "", running("A"), running("A")));
  auto p = wait(promoted, after_clone, "5", {"resource", "promotable", "A"});
  REQUIRE(p.st);
  CHECK(p.notes ==
        std::vector<std::string>{"Resource 'A-clone' is running on nodes node1, node2."});

  // unclone names what left the clone, as the command recorded it.
  const std::string plain = cib(kPrimitives, "", running("A"), not_running("A"));
  ScriptedCib unclone(plain);
  auto u = wait(unclone, plain, "", {"resource", "unclone", "A-clone"}, "A");
  REQUIRE(u.st);
  CHECK(u.notes == std::vector<std::string>{"Resource 'A' is running on node node1."});

  ScriptedCib never(cib(cloned, "", not_running("A"), not_running("A")));
  auto t = wait(never, after_clone, "3", {"resource", "clone", "A"});
  REQUIRE(!t.st);
  CHECK(t.error().rfind(
            "waiting timeout\nResource 'A-clone' is not running on any node\n\ncrm_resource: Error "
            "performing operation: Timeout occurred\nPending actions:\n\t",
            0) == 0);
  CHECK(t.notes.empty());
  ScriptedCib stuck(cib(kPrimitives, "", not_running("A"), not_running("A")));
  auto ut = wait(stuck, plain, "1", {"resource", "unclone", "A-clone"}, "A");
  CHECK(
      ut.error().rfind("waiting timeout\nResource 'A' is not running on any node\n\ncrm_resource: "
                       "Error performing operation: Timeout occurred\nPending actions:\n\tAction ",
                       0) == 0);
  ScriptedCib stuck_clone(cib(cloned, "", not_running("A"), not_running("A")));
  auto pt = wait(stuck_clone, after_clone, "1", {"resource", "promotable", "A"});
  CHECK(pt.error().rfind("waiting timeout\nResource 'A-clone' is not running on any node\n\n", 0) ==
        0);
}

TEST_CASE("group remove / ungroup --wait: silent, or the timeout", "[resource_wait_more]") {
  const std::string plain = cib(kPrimitives, "", running("A"), not_running("A"));
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"resource", "group", "remove", "G", "A"}, {"resource", "ungroup", "G"}}) {
    ScriptedCib settled(plain);
    auto w = wait(settled, plain, "", args);
    REQUIRE(w.st);
    CHECK(w.notes.empty());
    ScriptedCib never(cib(kPrimitives, "", not_running("A"), not_running("A")));
    auto t = wait(never, plain, "2", args);
    CHECK(t.error().rfind("waiting timeout\n\ncrm_resource: Error performing operation: Timeout "
                          "occurred\nPending actions:\n\tAction ",
                          0) == 0);
    CHECK(t.error().find("A_start_0") != std::string::npos);
    CHECK(t.notes.empty());
  }
}

namespace {

const char* kFileCib =
    R"(<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes><node id="1" uname="node1"/></nodes><resources>
    <primitive id="A" class="ocf" provider="heartbeat" type="Dummy"/>
    <group id="G"><primitive id="B" class="ocf" provider="heartbeat" type="Dummy"/>
      <primitive id="C" class="ocf" provider="heartbeat" type="Dummy"/></group>
    <clone id="D-clone"><primitive id="D" class="ocf" provider="heartbeat" type="Dummy"/></clone>
  </resources><constraints/></configuration><status/></cib>)";

// The command run with --wait=`value`, on a file (-f) or live; its error
// message ("" when it ran), the CIB checked unchanged on error.
std::string refusal(const std::vector<std::string>& args, const std::string& value, bool live) {
  auto doc = xml::parse_string(kFileCib).value();
  const std::string before = xml::to_string(doc.get(), false);
  Context ctx;
  ctx.doc = doc.get();
  ctx.live = live;
  ctx.flags.wait = value;
  Status st = run_command(ctx, args);
  if (st) return "";
  CHECK(xml::to_string(doc.get(), false) == before);
  return st.error().message();
}

}  // namespace

TEST_CASE("--wait with -f: pcs's refusal, in its order", "[resource_wait_more]") {
  const std::string file = "Cannot use '-f' together with '--wait'";
  // delete takes no --wait, with or without -f.
  for (bool live : {false, true}) {
    CHECK(refusal({"resource", "delete", "A"}, "", live) ==
          "Specified option '--wait' is not supported in this command");
    CHECK(refusal({"resource", "remove", "A"}, "10", live) ==
          "Specified option '--wait' is not supported in this command");
  }
  // move and restart take no -f.
  CHECK(refusal({"resource", "move", "A"}, "abc", false) ==
        "Specified option '-f' is not supported in this command");
  CHECK(refusal({"resource", "restart", "A"}, "", false) ==
        "Specified option '-f' is not supported in this command");
  CHECK(refusal({"resource", "disable", "A"}, "", false) ==
        "Only one of '--wait', '-f' can be used");
  // The library: the value first, quoted, then -f.
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"resource", "ban", "A", "node1"},
                                             {"resource", "clear", "NOPE"},
                                             {"resource", "move-with-constraint", "A", "node1"},
                                             {"resource", "enable", "A"},
                                             {"resource", "group", "add", "G", "A"}}) {
    CHECK(refusal(args, "abc", false) == "'abc' is not a valid number of seconds to wait");
    CHECK(refusal(args, "10", false) == file);
  }
  // clone: -f before its own checks and the value.
  CHECK(refusal({"resource", "clone", "NOPE"}, "abc", false) == file);
  CHECK(refusal({"resource", "promotable", "A"}, "", false) == file);
  // unclone, group remove, ungroup, meta: their own checks first.
  CHECK(refusal({"resource", "unclone", "NOPE"}, "", false) == "could not find resource: NOPE");
  CHECK(refusal({"resource", "unclone", "A"}, "abc", false) == "'A' is not a clone resource");
  CHECK(refusal({"resource", "unclone", "D-clone"}, "abc", false) == file);
  CHECK(refusal({"resource", "group", "remove", "NOPE"}, "", false) ==
        "Group 'NOPE' does not exist");
  CHECK(refusal({"resource", "group", "delete", "G", "A"}, "", false) ==
        "Resource 'A' does not exist in group 'G'");
  CHECK(refusal({"resource", "ungroup", "G"}, "1", false) == file);
  CHECK(refusal({"resource", "meta", "NOPE", "a=b"}, "", false) ==
        "unable to find a resource/clone/group: NOPE");
  CHECK(refusal({"resource", "meta", "A", "a=b"}, "", false) == file);
}

TEST_CASE("--wait live: the value in each path's words", "[resource_wait_more]") {
  CHECK(refusal({"resource", "ban", "A", "node1"}, "x", true) ==
        "'x' is not a valid number of seconds to wait");
  CHECK(refusal({"resource", "clone", "A"}, "x", true) ==
        "x is not a valid number of seconds to wait");
  CHECK(refusal({"resource", "group", "remove", "NOPE"}, "x", true) ==
        "Group 'NOPE' does not exist");
  CHECK(refusal({"resource", "ungroup", "G"}, "x", true) ==
        "x is not a valid number of seconds to wait");
  CHECK(refusal({"resource", "unclone", "D-clone"}, "x", true) ==
        "x is not a valid number of seconds to wait");
  CHECK(refusal({"resource", "move", "A"}, "x", true) == "'x' is not a valid interval value");
  // Accepted values reach the command (it runs; the wait follows the write).
  CHECK(refusal({"resource", "ungroup", "G"}, "5", true) == "");
}
