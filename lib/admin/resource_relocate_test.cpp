// SPDX-License-Identifier: GPL-2.0-or-later
// resource relocate, --wait's settle test and delete-with-tags on in-memory CIBs: the constraints
// relocate names come from the scheduler run without stickiness, a dry run
// and every refusal leave the CIB as it was.
#include <catch2/catch.hpp>
#include <functional>

#include "resource_edit.hpp"
#include "scripted_cib_test.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::admin;

namespace {

// A runs on node1 and stays there by stickiness 100 against a preference of
// 50 for node2 (`prefer` is that node); B is stopped.
std::string cib(const std::string& prefer) {
  const std::string op =
      R"(<lrm_rsc_op id="A_last_0" operation_key="A_start_0" operation="start" )"
      R"(crm-debug-origin="x" crm_feature_set="3.16.1" transition-key="1:1:0:x" )"
      R"(transition-magic="0:0;1:1:0:x" call-id="3" rc-code="0" op-status="0" interval="0" )"
      R"(last-rc-change="1" exec-time="1" queue-time="0" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>)";
  auto state = [](const char* id, const char* name, const std::string& lrm) {
    return std::string(R"(<node_state id=")") + id + R"(" uname=")" + name +
           R"(" in_ccm="true" crmd="online" crm-debug-origin="x" join="member" expected="member">)" +
           R"(<lrm id=")" + id + R"("><lrm_resources>)" + lrm +
           "</lrm_resources></lrm></node_state>";
  };
  const std::string a_probe_node2 =
      R"(<lrm_resource id="A" type="Dummy" class="ocf" provider="heartbeat">)"
      R"(<lrm_rsc_op id="A_last_0" operation_key="A_monitor_0" operation="monitor" )"
      R"(crm-debug-origin="x" crm_feature_set="3.16.1" transition-key="2:1:7:x" )"
      R"(transition-magic="0:7;2:1:7:x" call-id="1" rc-code="7" op-status="0" interval="0" )"
      R"(last-rc-change="1" exec-time="1" queue-time="0" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource>)";
  return R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config><cluster_property_set id="o">
    <nvpair id="o1" name="stonith-enabled" value="false"/>
    <nvpair id="o2" name="no-quorum-policy" value="ignore"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes><resources>
    <primitive id="A" class="ocf" provider="heartbeat" type="Dummy"/>
    <primitive id="B" class="ocf" provider="heartbeat" type="Dummy">
      <meta_attributes id="B-m"><nvpair id="B-m-t" name="target-role" value="Stopped"/></meta_attributes></primitive>
  </resources><constraints><rsc_location id="loc-A" rsc="A" node=")" +
         prefer + R"(" score="50"/></constraints>
  <rsc_defaults><meta_attributes id="d"><nvpair id="d1" name="resource-stickiness" value="100"/></meta_attributes></rsc_defaults>
  </configuration><status>)" +
         state("1", "node1",
               R"(<lrm_resource id="A" type="Dummy" class="ocf" provider="heartbeat">)" + op +
                   "</lrm_resource>") +
         state("2", "node2", a_probe_node2) + "</status></cib>";
}

struct Run {
  Status st = ok_status();
  std::string out, before, after;
  std::vector<std::string> notes;
};

Run run(const std::string& text, std::vector<std::string> args, bool live) {
  auto doc = xml::parse_string(text).value();
  Run r;
  r.before = xml::to_string(doc.get(), false);
  Context ctx;
  ctx.doc = doc.get();
  ctx.live = live;
  r.st = run_command(ctx, args);
  r.out = ctx.out;
  r.notes = ctx.notes;
  r.after = xml::to_string(doc.get(), false);
  return r;
}

}  // namespace

TEST_CASE("relocate dry-run names the node the scheduler picks without stickiness") {
  auto r = run(cib("node2"), {"resource", "relocate", "dry-run"}, false);
  REQUIRE(r.st);
  REQUIRE(r.notes.size() == 5);
  CHECK(r.notes[0] == "Creating location constraint: A prefers node2=INFINITY");
  CHECK(r.notes[2] == "Waiting for resources to move...");
  CHECK(r.notes[4] == "Removing constraint pcs-relocate-A");
  CHECK(r.after == r.before);
}

TEST_CASE("relocate dry-run is silent when every resource is where it would go") {
  auto r = run(cib("node1"), {"resource", "relocate", "dry-run"}, false);
  REQUIRE(r.st);
  CHECK(r.notes == std::vector<std::string>{});
  auto b = run(cib("node2"), {"resource", "relocate", "dry-run", "B"}, false);
  REQUIRE(b.st);
  CHECK(b.notes.empty());
}

TEST_CASE("relocate refuses unknown resources and -f for show and run") {
  auto r = run(cib("node2"), {"resource", "relocate", "dry-run", "nosuch"}, false);
  REQUIRE_FALSE(r.st);
  CHECK(r.st.error().message() == "unable to find a resource/clone/group: nosuch");
  for (const char* sub : {"show", "run"}) {
    auto f = run(cib("node2"), {"resource", "relocate", sub}, false);
    REQUIRE_FALSE(f.st);
    CHECK(f.st.error().message() == "Specified option '-f' is not supported in this command");
    CHECK(f.after == f.before);
  }
}

TEST_CASE("relocate show prints the status and the move without stickiness") {
  auto r = run(cib("node2"), {"resource", "relocate", "show"}, true);
  REQUIRE(r.st);
  CHECK(r.out.rfind("Current cluster status:\n  * Node List:\n", 0) == 0);
  CHECK(r.out.find("\n\nTransition Summary:\n  * Move       A") != std::string::npos);
  CHECK(r.out.find("Executing") == std::string::npos);
  CHECK(r.after == r.before);
}

namespace {

// A cluster that runs nothing by itself: `on_sleep` may change what it holds.
Run run_live(ScriptedCib& cluster, std::vector<std::string> args) {
  auto doc = cluster.read().value();
  Run r;
  Context ctx;
  ctx.doc = doc.get();
  ctx.live = true;
  ctx.live_cib = &cluster;
  r.st = run_command(ctx, args);
  r.notes = ctx.notes;
  r.out = std::to_string(ctx.exit_code);
  CHECK_FALSE(ctx.changed);
  return r;
}

}  // namespace

TEST_CASE("relocate run writes the constraints, waits until settled, removes them") {
  ScriptedCib cluster(cib("node2"));
  std::string moved;
  cluster.on_sleep = [&](std::string& text) {
    // The resource "moved": a settled picture that still holds the constraint.
    auto doc = xml::parse_string(cib("node1")).value();
    remove_node(find_by_id(doc.get(), "B"));
    append_element(
        config_section(doc.get(), "constraints"), "rsc_location",
        {{"id", "pcs-relocate-A"}, {"rsc", "A"}, {"score", "INFINITY"}, {"node", "node1"}});
    moved = text;
    text = xml::to_string(doc.get(), false);
  };
  auto r = run_live(cluster, {"resource", "relocate", "run"});
  REQUIRE(r.st);
  CHECK(r.out == "0");
  CHECK(moved.find("id=\"pcs-relocate-A\" rsc=\"A\" score=\"INFINITY\" node=\"node2\"") !=
        std::string::npos);
  CHECK(r.notes ==
        std::vector<std::string>{"Creating location constraint: A prefers node2=INFINITY", "",
                                 "Waiting for resources to move...", "",
                                 "Removing constraint pcs-relocate-A"});
  CHECK(cluster.writes == 2);
  CHECK(cluster.text().find("pcs-relocate") == std::string::npos);
  CHECK(cluster.clock == 1002);
}

TEST_CASE("relocate run gives up after crm_resource's hour, still removing the constraints") {
  ScriptedCib cluster(cib("node2"));
  auto r = run_live(cluster, {"resource", "relocate", "run", "A"});
  REQUIRE(r.st);
  CHECK(r.out == "1");
  REQUIRE(r.notes.size() == 6);
  CHECK(r.notes[4] == "Error: waiting timeout");
  CHECK(r.notes[5] == "Removing constraint pcs-relocate-A");
  CHECK(cluster.clock >= 1000 + 3600);
  CHECK(cluster.clock <= 1000 + 3602);
  CHECK(cluster.text().find("pcs-relocate") == std::string::npos);
}

TEST_CASE("relocate run without a connection is refused loudly, nothing written") {
  auto r = run(cib("node2"), {"resource", "relocate", "run"}, true);
  REQUIRE_FALSE(r.st);
  CHECK(r.st.error().code() == ErrorCode::kUnsupported);
  CHECK(r.after == r.before);
}

TEST_CASE("resource delete refuses a resource a tag refers to, through its group") {
  const char* text =
      R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes/><resources>
    <group id="G"><primitive id="D" class="ocf" provider="heartbeat" type="Dummy"/></group>
    <primitive id="A" class="ocf" provider="heartbeat" type="Dummy"/>
  </resources><constraints/><tags><tag id="T2"><obj_ref id="G"/></tag>
    <tag id="T1"><obj_ref id="D"/><obj_ref id="A"/></tag></tags></configuration><status/></cib>)";
  auto r = run(text, {"resource", "delete", "D"}, false);
  REQUIRE_FALSE(r.st);
  CHECK(r.st.error().message() ==
        "Unable to remove resource 'D' because it is referenced in tags: 'T1', 'T2'");
  CHECK(r.after == r.before);
  auto a = run(text, {"resource", "delete", "A"}, false);
  REQUIRE_FALSE(a.st);
  CHECK(a.st.error().message() ==
        "Unable to remove resource 'A' because it is referenced in the tag: 'T1'");
}

namespace {

// The picture above without the stopped B (never probed: its probes are work).
xml::DocPtr without_b(const std::string& text) {
  auto doc = xml::parse_string(text).value();
  remove_node(find_by_id(doc.get(), "B"));
  return doc;
}

}  // namespace

TEST_CASE("--wait: a cluster with nothing to do is settled") {
  for (const char* prefer : {"node1", "node2"}) {
    auto doc = without_b(cib(prefer));
    auto work = unsettled_work(doc.get(), 1000);
    REQUIRE(work);
    CHECK(*work == std::vector<std::string>{});
  }
}

TEST_CASE("--wait: probes, stops and operations in flight are work left") {
  auto probes = xml::parse_string(cib("node1")).value();
  auto work = unsettled_work(probes.get(), 1000);
  REQUIRE(work);
  REQUIRE(work->size() == 2);
  CHECK((*work)[0].find(": B_monitor_0\ton node") != std::string::npos);

  auto stop = without_b(cib("node1"));
  xmlNode* a = find_by_id(stop.get(), "A");
  xmlNode* meta = append_element(a, "meta_attributes", {{"id", "A-m"}});
  append_element(meta, "nvpair", {{"id", "A-m-t"}, {"name", "target-role"}, {"value", "Stopped"}});
  work = unsettled_work(stop.get(), 1000);
  REQUIRE(work);
  REQUIRE(work->size() == 1);
  CHECK((*work)[0].find(": A_stop_0\ton node1") != std::string::npos);

  auto flight = without_b(cib("node1"));
  // In the status section: admin's find_by_id looks at the configuration only.
  auto* start =
      const_cast<xmlNode*>(xml::find_by_id(xmlDocGetRootElement(flight.get()), "A_last_0"));
  append_element(start->parent, "lrm_rsc_op",
                 {{"id", "A_monitor_10000"},
                  {"operation_key", "A_monitor_10000"},
                  {"operation", "monitor"},
                  {"call-id", "-1"},
                  {"rc-code", "193"},
                  {"op-status", "-1"},
                  {"interval", "10000"}});
  work = unsettled_work(flight.get(), 1000);
  REQUIRE(work);
  REQUIRE_FALSE(work->empty());
  CHECK(work->front() == "Pending operation: A_monitor_10000\ton node1");
}

TEST_CASE("--wait values are read as pcs reads them") {
  CHECK(wait_timeout_seconds("").value() == 3600);
  CHECK(wait_timeout_seconds("10").value() == 10);
  CHECK(wait_timeout_seconds("2min").value() == 120);
  CHECK(wait_timeout_seconds("1h").value() == 3600);
  CHECK(wait_timeout_seconds("30s").value() == 30);
  for (const char* bad : {"x", "-1", "1.5", "m"}) {
    auto r = wait_timeout_seconds(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().message() == std::string(bad) + " is not a valid number of seconds to wait");
  }
  // Beyond int64 (and beyond int) is refused with the field named, not thrown.
  auto huge = wait_timeout_seconds("99999999999999999999");
  REQUIRE_FALSE(huge);
  CHECK(huge.error().message() == "--timeout '99999999999999999999' is out of range");
  auto hours = wait_timeout_seconds("9999999h");
  REQUIRE_FALSE(hours);
  CHECK(hours.error().message() == "--timeout '9999999' is out of range (0 to 596523)");
}
