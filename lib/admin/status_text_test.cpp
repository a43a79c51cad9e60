// SPDX-License-Identifier: GPL-2.0-or-later
// crm_mon's text view (status_text.hpp) on small CIBs: each rule of the
// summary, the failed actions, the detail mode and the pcs extras. The
// expected lines are written from crm_mon 2.1.5's formats.
#include "vigil/admin/status_text.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <string>

#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

using Catch::Matchers::Contains;

namespace vigil::admin {
namespace {

constexpr EpochSeconds kNow = 1700000000;  // Tue Nov 14 22:13:20 2023 UTC

void utc_clock() {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
}

// Two online nodes (node1 the DC) around `resources` and `history` (lrm
// of node1), with `extra` status for node2.
std::string cib(const std::string& resources, const std::string& history = "",
                const std::string& root_attrs = R"(dc-uuid="1" have-quorum="1")",
                const std::string& props = "", const std::string& node1_attrs = "") {
  auto state = [](const char* id, const char* name, const std::string& inner) {
    return std::string(R"(<node_state id=")") + id + R"(" uname=")" + name +
           R"(" in_ccm="true" crmd="online" join="member" expected="member">)" + inner +
           "</node_state>";
  };
  return R"(<cib epoch="1" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.9" crm_feature_set="3.16.2" )" +
         root_attrs + R"( cib-last-written="Fri Jul 13 13:50:59 2012">
  <configuration><crm_config><cluster_property_set id="opts">)" +
         props + R"(</cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
    <resources>)" +
         resources + R"(</resources><constraints/></configuration>
  <status>)" +
         state("1", "node1",
               node1_attrs + "<lrm id=\"1\"><lrm_resources>" + history + "</lrm_resources></lrm>") +
         state("2", "node2", "") + "</status></cib>";
}

std::string status_of(const std::string& text, bool full = false) {
  utc_clock();
  auto doc = xml::parse_string(text).value();
  auto out = monitor_status_text(doc.get(), kNow, full);
  REQUIRE(out);
  return *out;
}

const char* kDummy = R"(<primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/>)";

TEST_CASE("status summary: stack, DC, times and counts as crm_mon", "[status]") {
  const std::string out = status_of(cib(
      kDummy, "", R"(dc-uuid="1" have-quorum="0" update-client="crmd" update-origin="node1")",
      R"(<nvpair id="o1" name="dc-version" value="2.1.5"/><nvpair id="o2" name="cluster-infrastructure" value="corosync"/>)"));
  CHECK_THAT(out, Contains("Cluster Summary:\n  * Stack: corosync\n"
                           "  * Current DC: node1 (version 2.1.5) - partition WITHOUT "
                           "quorum\n  * Last updated: Tue Nov 14 22:13:20 2023\n"
                           "  * Last change:  Fri Jul 13 13:50:59 2012 via crmd on node1\n"
                           "  * 2 nodes configured\n  * 1 resource instance configured\n"));
  CHECK_THAT(out, Contains("\nNode List:\n  * Online: [ node1 node2 ]\n"));
  CHECK_THAT(out, Contains("\nFull List of Resources:\n  * d\t(ocf:pacemaker:Dummy):\t "
                           "Stopped\n"));
}

TEST_CASE("status summary: a version or stack given twice is unknown", "[status]") {
  const std::string out = status_of(cib(
      kDummy, "", R"(dc-uuid="1" have-quorum="1")",
      R"(<nvpair id="o1" name="dc-version" value="2.1.5"/><nvpair id="o2" name="cluster-infrastructure" value="corosync"/>)"
      R"(<nvpair id="o3" name="dc-version" value="2.1.4"/>)"));
  CHECK_THAT(out, Contains("  * Stack: corosync\n"
                           "  * Current DC: node1 (version unknown) - partition with quorum\n"));
}

TEST_CASE("status summary: a DC that is no node is none", "[status]") {
  const std::string out = status_of(cib(kDummy, "", R"(dc-uuid="9" have-quorum="1")"));
  CHECK_THAT(out, Contains("  * Stack: unknown\n  * Current DC: NONE\n"));
}

TEST_CASE("status summary: disabled resources are counted", "[status]") {
  const std::string out = status_of(cib(
      R"(<primitive id="d" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="m"><nvpair id="m1" name="target-role" value="Stopped"/></meta_attributes></primitive>)"));
  CHECK_THAT(out, Contains("  * 1 resource instance configured (1 DISABLED)\n"));
  CHECK_THAT(out, Contains("Stopped (disabled)"));
}

// One lrm_resource of `d` with the given operations.
std::string history(const std::string& ops) {
  return R"(<lrm_resource id="d" class="ocf" provider="pacemaker" type="Dummy">)" + ops +
         "</lrm_resource>";
}

const char* kStarted =
    R"(<lrm_rsc_op id="d_last_0" operation_key="d_start_0" operation="start" call-id="2" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x" on_node="node1"/>)";

TEST_CASE("failed actions: crm_mon's plain wording", "[status]") {
  const std::string failed =
      R"(<lrm_rsc_op id="d_monitor_10000" operation_key="d_monitor_10000" operation="monitor" call-id="3" rc-code="7" op-status="0" interval="10000" last-rc-change="1700000000" exec-time="1500" queue-time="0" exit-reason="gone" transition-key="2:1:0:x" on_node="node1"/>)";
  const std::string out = status_of(cib(kDummy, history(kStarted + failed)));
  CHECK_THAT(out, Contains("\nFailed Resource Actions:\n  * d 10s-interval monitor on node1 "
                           "returned 'not running' (gone) at Tue Nov 14 22:13:20 2023 "
                           "after 1.500s\n"));
  // --show-detail: the technical fields instead.
  const std::string full = status_of(cib(kDummy, history(kStarted + failed)), true);
  CHECK_THAT(full, Contains("  * d_monitor_10000 on node1 'not running' (7): call=3, "
                            "status='complete', exitreason='gone', last-rc-change='Tue "
                            "Nov 14 22:13:20 2023', queued=0ms, exec=1500ms\n"));
}

TEST_CASE("failed actions: an execution failure and a masked probe", "[status]") {
  const std::string timeout =
      R"(<lrm_rsc_op id="d_last_failure_0" operation_key="d_stop_0" operation="stop" call-id="4" rc-code="1" op-status="2" interval="0" transition-key="3:1:0:x" on_node="node1"/>)";
  const std::string out = status_of(cib(kDummy, history(kStarted + timeout)));
  CHECK_THAT(out, Contains("  * d stop on node1 could not be executed (Timed Out)\n"));

  // A probe that found the agent missing is not listed as a failure.
  const std::string probe =
      R"(<lrm_rsc_op id="d_last_failure_0" operation_key="d_monitor_0" operation="monitor" call-id="1" rc-code="5" op-status="0" interval="0" transition-key="4:1:7:x" on_node="node1"/>)";
  CHECK_THAT(status_of(cib(kDummy, history(probe))), !Contains("Failed Resource Actions"));
}

TEST_CASE("failed actions: a pending probe with a degraded result prints as done", "[status]") {
  // rc 191 is remapped (and listed) whatever the op-status; crm_mon reads op-status with a
  // minimum of 0, so the pending (-1) entry is worded as a completed one.
  const std::string probe =
      R"(<lrm_rsc_op id="d_last_0" operation_key="d_monitor_0" operation="monitor" call-id="1" rc-code="191" op-status="-1" interval="0" transition-key="4:1:7:x" on_node="node1"/>)";
  const std::string out = status_of(cib(kDummy, history(probe)));
  CHECK_THAT(out, Contains("  * d probe on node1 returned 'promoted (degraded)'\n"));
  CHECK_THAT(out, !Contains("could not be executed"));
  const std::string full = status_of(cib(kDummy, history(probe)), true);
  CHECK_THAT(full, Contains("'promoted (degraded)' (191): call=1, status='complete'"));
}

TEST_CASE("failed actions: readable intervals as Pacemaker rounds them", "[status]") {
  auto line_for = [](const char* interval) {
    const std::string op =
        std::string(R"(<lrm_rsc_op id="d_monitor_x" operation_key="d_monitor_)") + interval +
        R"(" operation="monitor" call-id="3" rc-code="1" op-status="0" interval=")" + interval +
        R"(" transition-key="2:1:0:x" on_node="node1"/>)";
    return status_of(cib(kDummy, history(kStarted + op)));
  };
  CHECK_THAT(line_for("60000"), Contains("d 60s-interval monitor"));
  CHECK_THAT(line_for("1000"), Contains("d 1000ms-interval monitor"));
  CHECK_THAT(line_for("90000"), Contains("d 1m30s-interval monitor"));
  CHECK_THAT(line_for("3723000"), Contains("d 1h2m3s-interval monitor"));
}

TEST_CASE("pending operations show as crm_mon shows them", "[status]") {
  const std::string pending =
      R"(<lrm_rsc_op id="d_last_0" operation_key="d_start_0" operation="start" call-id="-1" rc-code="193" op-status="-1" interval="0" transition-key="1:1:0:x" on_node="node1"/>)";
  const std::string out = status_of(cib(kDummy, history(pending)));
  CHECK_THAT(out, Contains("  * d\t(ocf:pacemaker:Dummy):\t Starting node1\n"));
}

TEST_CASE("full: node lines with ids and feature sets", "[status]") {
  const std::string attrs =
      R"(<transient_attributes id="1"><instance_attributes id="t1"><nvpair id="t1a" name="#feature-set" value="3.16.2"/></instance_attributes></transient_attributes>)";
  const std::string out =
      status_of(cib(kDummy, "", R"(dc-uuid="1" have-quorum="1")", "", attrs), true);
  // node1 runs 3.16.2, node2 predates the attribute: mixed versions.
  CHECK_THAT(out, Contains("  * Current DC: node1 (1) (version unknown) - MIXED-VERSION "
                           "partition with quorum\n"));
  CHECK_THAT(out, Contains("\nNode List:\n  * Node node1 (1): online, feature set 3.16.2\n"
                           "  * Node node2 (2): online, feature set <3.15.1\n"));
}

TEST_CASE("full: node attributes, filtered, sorted and aligned", "[status]") {
  const std::string attrs =
      R"(<transient_attributes id="1"><instance_attributes id="t1">)"
      R"(<nvpair id="a" name="zeta" value="1"/><nvpair id="b" name="alpha" value="yes"/>)"
      R"(<nvpair id="c" name="fail-count-d#start_0" value="1"/><nvpair id="e" name="#health" value="0"/>)"
      R"(<nvpair id="f" name="standby" value="off"/></instance_attributes></transient_attributes>)";
  const std::string out =
      status_of(cib(kDummy, "", R"(dc-uuid="1" have-quorum="1")", "", attrs), true);
  CHECK_THAT(out, Contains("\nNode Attributes:\n  * Node: node1 (1):\n"
                           "    * alpha                           \t: yes       \n"
                           "    * zeta                            \t: 1         \n"
                           "\nMigration Summary:\n"));
}

TEST_CASE("full: ping attributes say when connectivity is lost", "[status]") {
  const std::string ping =
      R"(<primitive id="p" class="ocf" provider="pacemaker" type="ping"><instance_attributes id="pi"><nvpair id="pi1" name="host_list" value="a b"/><nvpair id="pi2" name="multiplier" value="100"/></instance_attributes></primitive>)";
  const std::string hist =
      R"(<lrm_resource id="p" class="ocf" provider="pacemaker" type="ping"><lrm_rsc_op id="p_last_0" operation_key="p_start_0" operation="start" call-id="2" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x" on_node="node1"/></lrm_resource>)";
  auto with = [&](const char* value) {
    const std::string attrs =
        std::string(
            R"(<transient_attributes id="1"><instance_attributes id="t1"><nvpair id="a" name="pingd" value=")") +
        value + R"("/></instance_attributes></transient_attributes>)";
    return status_of(cib(ping, hist, R"(dc-uuid="1" have-quorum="1")", "", attrs), true);
  };
  CHECK_THAT(with("0"), Contains("    * pingd                           \t: 0         "
                                 "\t: Connectivity is lost\n"));
  CHECK_THAT(with("100"), Contains("\t: Connectivity is degraded (Expected=200)\n"));
  CHECK_THAT(with("200"), Contains("    * pingd                           \t: 200       \n"));
}

TEST_CASE("full: the migration summary lists fail counts", "[status]") {
  const std::string attrs =
      R"(<transient_attributes id="1"><instance_attributes id="t1"><nvpair id="c" name="fail-count-d#monitor_10000" value="3"/><nvpair id="l" name="last-failure-d#monitor_10000" value="1700000000"/></instance_attributes></transient_attributes>)";
  const std::string out =
      status_of(cib(kDummy, history(kStarted), R"(dc-uuid="1" have-quorum="1")", "", attrs), true);
  CHECK_THAT(out, Contains("\nMigration Summary:\n  * Node: node1 (1):\n"
                           "    * d: migration-threshold=1000000 fail-count=3 "
                           "last-failure='Tue Nov 14 22:13:20 2023'\n"));
}

TEST_CASE("full: every clone instance on its own line", "[status]") {
  const std::string clone =
      R"(<clone id="c"><primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/></clone>)";
  const std::string hist =
      R"(<lrm_resource id="d" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="d_last_0" operation_key="d_start_0" operation="start" call-id="2" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x" on_node="node1"/></lrm_resource>)";
  CHECK_THAT(status_of(cib(clone, hist)),
             Contains("  * Clone Set: c [d]:\n    * Started: [ node1 ]\n"
                      "    * Stopped: [ node2 ]\n"));
  CHECK_THAT(status_of(cib(clone, hist), true),
             Contains("  * Clone Set: c [d]:\n"
                      "    * d\t(ocf:pacemaker:Dummy):\t Started node1\n"
                      "    * d\t(ocf:pacemaker:Dummy):\t Stopped\n"));
}

TEST_CASE("status of a file that does not validate: crm_mon's complaint alone", "[status]") {
  utc_clock();
  // Two elements with one id: the schema check fails.
  auto doc =
      xml::parse_string(cib(std::string(kDummy) +
                            R"(<primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/>)"))
          .value();
  Context ctx;
  ctx.doc = doc.get();
  ctx.now = kNow;
  REQUIRE(run_command(ctx, {"status"}));
  CHECK(ctx.out.empty());
  CHECK(ctx.notes == std::vector<std::string>{
                         "Could not connect to the CIB: Update does not conform to the configured "
                         "schema"});
}

TEST_CASE("tickets as crm_ticket --details lists them", "[status]") {
  utc_clock();
  const std::string text = cib(kDummy);
  const std::string with_tickets =
      text.substr(0, text.find("</status>")) +
      R"(<tickets><ticket_state id="tB" granted="false" standby="true"/>)"
      R"(<ticket_state id="tA" granted="true" last-granted="1700000000"/></tickets></status></cib>)";
  auto doc = xml::parse_string(with_tickets).value();
  auto out = ticket_details_text(doc.get(), kNow);
  REQUIRE(out);
  CHECK(*out ==
        "tA\tgranted           (granted=true, last-granted='Tue Nov 14 22:13:20 2023')\n"
        "tB\trevoked [standby] (granted=false, standby=true)\n");
}

}  // namespace
}  // namespace vigil::admin
