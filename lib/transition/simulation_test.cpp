// SPDX-License-Identifier: GPL-2.0-or-later
// crm_simulate's executor: hand-written graphs for each kind of step, and
// the scheduler's own graphs run until the cluster is settled.
#include "vigil/transition/simulation.hpp"

#include <catch2/catch.hpp>
#include <sstream>

#include "vigil/cib/cib.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/graph.hpp"
#include "vigil/pengine/output.hpp"
#include "vigil/pengine/working_set.hpp"

using namespace vigil;
using namespace vigil::transition;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;

// Two nodes, two stopped Dummy resources (r1, r2) and r3 running on node2
// with a recurring monitor; node2 also has a fail count (all of it for
// fencing to erase).
const char* kCib =
    R"(<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config><cluster_property_set id="opts">
      <nvpair id="opts-stonith" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
    <resources>
      <primitive id="r1" class="ocf" provider="pacemaker" type="Dummy"/>
      <primitive id="r2" class="ocf" provider="pacemaker" type="Dummy"/>
      <primitive id="r3" class="ocf" provider="pacemaker" type="Dummy"/>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="2"><lrm_resources>
        <lrm_resource id="r2" class="ocf" provider="pacemaker" type="Dummy">
          <lrm_rsc_op id="r2_last_0" operation_key="r2_monitor_0" operation="monitor" call-id="4" rc-code="7" op-status="0" interval="0" transition-magic="0:7;1:1:7:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" transition-key="1:1:7:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"/>
        </lrm_resource>
        <lrm_resource id="r3" class="ocf" provider="pacemaker" type="Dummy">
          <lrm_rsc_op id="r3_last_0" operation_key="r3_start_0" operation="start" call-id="5" rc-code="0" op-status="0" interval="0" transition-magic="0:0;2:1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" transition-key="2:1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"/>
          <lrm_rsc_op id="r3_monitor_10000" operation_key="r3_monitor_10000" operation="monitor" call-id="6" rc-code="0" op-status="0" interval="10000" transition-magic="0:0;3:1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" transition-key="3:1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"/>
        </lrm_resource>
      </lrm_resources></lrm>
      <transient_attributes id="2"><instance_attributes id="status-2">
        <nvpair id="status-2-fail-count-r2#start_0" name="fail-count-r2#start_0" value="1"/>
      </instance_attributes></transient_attributes>
    </node_state>
  </status>
</cib>)";

// One synapse: `action` is the action's XML, `inputs` the ids it waits for.
std::string synapse(int id, const std::string& action, const std::vector<int>& inputs = {},
                    int priority = 0) {
  std::string s = "<synapse id=\"" + std::to_string(id) + "\"";
  if (priority != 0) s += " priority=\"" + std::to_string(priority) + "\"";
  s += "><action_set>" + action + "</action_set><inputs>";
  for (int in : inputs) s += "<trigger><pseudo_event id=\"" + std::to_string(in) + "\"/></trigger>";
  return s + "</inputs></synapse>";
}

std::string node_attrs(const std::string& node) {
  return " on_node=\"" + node + "\" on_node_uuid=\"" + node.substr(4) + "\"";
}

// A resource action of r1/r2 on node1/node2 (uuid = the node's number).
std::string rsc_op(int id, const std::string& rsc, const std::string& op, const std::string& node,
                   std::int64_t interval_ms = 0, const std::string& more = "") {
  return "<rsc_op id=\"" + std::to_string(id) + "\" operation=\"" + op + "\" operation_key=\"" +
         rsc + "_" + op + "_" + std::to_string(interval_ms) + "\"" + node_attrs(node) +
         "><primitive id=\"" + rsc +
         "\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"/><attributes "
         "CRM_meta_interval=\"" +
         std::to_string(interval_ms) + "\" CRM_meta_timeout=\"20000\" " + more +
         " crm_feature_set=\"3.16.1\"/></rsc_op>";
}

std::string pseudo(int id, const std::string& key) {
  return "<pseudo_event id=\"" + std::to_string(id) + "\" operation=\"" +
         key.substr(key.find('_') + 1, key.rfind('_') - key.find('_') - 1) + "\" operation_key=\"" +
         key + "\"><attributes/></pseudo_event>";
}

std::string event(int id, const std::string& op, const std::string& node,
                  const std::string& inner = "<attributes/>") {
  return "<crm_event id=\"" + std::to_string(id) + "\" operation=\"" + op + "\" operation_key=\"" +
         op + "-" + node + "\"" + node_attrs(node) + ">" + inner + "</crm_event>";
}

std::string graph(const std::vector<std::string>& synapses) {
  std::string g =
      "<transition_graph cluster-delay=\"60s\" stonith-timeout=\"60s\" "
      "failed-stop-offset=\"INFINITY\" failed-start-offset=\"INFINITY\" transition_id=\"4\">";
  for (const auto& s : synapses) g += s;
  return g + "</transition_graph>";
}

struct Sim {
  xml::DocPtr doc;
  explicit Sim(const char* cib = kCib) {
    auto d = xml::parse_string(cib, "cib");
    if (!d) FAIL(d.error().message());
    doc = std::move(d).value();
  }
  Result<SimulationResult> run(const std::string& graph_xml,
                               std::vector<std::string> op_fail = {}) {
    auto g = parse_graph(graph_xml, {.allow_stuck = true});
    if (!g) FAIL(g.error().message());
    return simulate_transition(std::move(g).value(), doc.get(), {std::move(op_fail), kNow, {}});
  }
  std::string text() const { return xml::to_string(doc.get(), false); }
  bool has(const std::string& needle) const { return text().find(needle) != std::string::npos; }
  // The scheduler's view of the document: what "Revised Cluster Status"
  // prints (unpacked only), or its next graph (scheduled).
  std::string status() const { return engine(false); }
  std::string next_graph() const { return engine(true); }
  std::string engine(bool scheduled) const {
    auto model = cib::Cib::from_string(text(), "CIB");
    if (!model) FAIL(model.error().message());
    pengine::Options o;
    o.now = kNow;
    pengine::WorkingSet ws(**model, o);
    REQUIRE((scheduled ? pengine::schedule(ws) : pengine::unpack(ws)).ok());
    return scheduled ? pengine::graph_xml(ws, pengine::build_graph(ws))
                     : pengine::cluster_status_text(ws);
  }
};

// crm_simulate's line for a resource action ("what": "start on node1").
std::string rsc_line(const std::string& rsc, const std::string& what) {
  return "  * Resource action: " + rsc + std::string(15 - rsc.size(), ' ') + " " + what;
}

// An attribute of a node's history record, "" when absent.
std::string op_attr(const Sim& s, const std::string& node, const std::string& op_id,
                    const char* attr) {
  for (xmlNode* st : xml::children(xmlDocGetRootElement(s.doc.get()), "status")) {
    for (xmlNode* ns : xml::children(st, "node_state")) {
      if (xml::attr_or(ns, "uname") != node) continue;
      for (xmlNode* lrm : xml::children(ns, "lrm")) {
        for (xmlNode* list : xml::children(lrm, "lrm_resources")) {
          for (xmlNode* rsc : xml::children(list, "lrm_resource")) {
            for (xmlNode* op : xml::children(rsc, "lrm_rsc_op")) {
              if (xml::attr_or(op, "id") == op_id) return xml::attr_or(op, attr);
            }
          }
        }
      }
    }
  }
  return "";
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("simulation: pseudo actions are shown as they fire, in the runner's order") {
  Sim s;
  auto r = s.run(
      graph({synapse(0, pseudo(3, "grp_running_0"), {2}), synapse(1, pseudo(1, "grp_start_0")),
             synapse(2, pseudo(2, "grp_started_0"), {1})}));
  REQUIRE(r.ok());
  // grp_start_0 fires first; grp_started_0 behind it in the same pass;
  // grp_running_0 (before it in document order) in the next pass.
  CHECK(lines(r->log) == std::vector<std::string>{"  * Pseudo action:   grp_start_0",
                                                  "  * Pseudo action:   grp_started_0",
                                                  "  * Pseudo action:   grp_running_0"});
  CHECK(r->summary.result == GraphResult::kComplete);
  CHECK(r->summary.fired == 3);
  CHECK_FALSE(r->terminated());
}

TEST_CASE("simulation: a pseudo action bound to a node names it (a guest's implied fencing)") {
  Sim s;
  auto r = s.run(graph({synapse(0,
                                "<pseudo_event id=\"1\" operation=\"stonith\" "
                                "operation_key=\"stonith-guest1-off\" on_node=\"guest1\" "
                                "on_node_uuid=\"guest1\"><attributes/></pseudo_event>"),
                        synapse(1, pseudo(2, "grp_start_0"))}));
  REQUIRE(r.ok());
  CHECK(lines(r->log) ==
        std::vector<std::string>{"  * Pseudo action:   stonith-guest1-off on guest1",
                                 "  * Pseudo action:   grp_start_0"});
}

TEST_CASE("simulation: every action succeeds and is recorded as the controller records it") {
  Sim s;
  auto r = s.run(graph({synapse(0, rsc_op(1, "r1", "start", "node1")),
                        synapse(1, rsc_op(2, "r1", "monitor", "node1", 10000), {1}),
                        synapse(2, rsc_op(3, "r2", "start", "node2"))}));
  REQUIRE(r.ok());
  // The monitor becomes ready as the start is confirmed, and the pass goes
  // on behind the start: it fires before r2's start.
  CHECK(lines(r->log) == std::vector<std::string>{rsc_line("r1", "start on node1"),
                                                  rsc_line("r1", "monitor=10000 on node1"),
                                                  rsc_line("r2", "start on node2")});
  CHECK(r->summary.result == GraphResult::kComplete);
  // History records with the controller's ids and digests and crm_simulate's
  // keys (the call id, transition -1); call ids continue each resource's own
  // numbering (r2 had 4 on node2).
  CHECK(
      s.has("<lrm_rsc_op id=\"r1_last_0\" operation_key=\"r1_start_0\" operation=\"start\" "
            "crm-debug-origin=\"crm_simulate\" crm_feature_set=\"3.16.1\" "
            "transition-key=\"1:-1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\""));
  CHECK(op_attr(s, "node2", "r2_last_0", "transition-key") ==
        "5:-1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  CHECK(s.has("id=\"r1_monitor_10000\" operation_key=\"r1_monitor_10000\""));
  CHECK(op_attr(s, "node2", "r2_last_0", "operation_key") == "r2_start_0");
  CHECK(op_attr(s, "node2", "r2_last_0", "call-id") == "5");
  CHECK(op_attr(s, "node2", "r2_last_0", "last-rc-change") == "1700000000");
  CHECK(op_attr(s, "node1", "r1_monitor_10000", "call-id") == "2");
  CHECK(op_attr(s, "node1", "r1_last_0", "op-digest").size() == 32);
  const std::string status = s.status();
  CHECK_THAT(status, Catch::Contains("r1\t(ocf:pacemaker:Dummy):\t Started node1"));
  CHECK_THAT(status, Catch::Contains("r2\t(ocf:pacemaker:Dummy):\t Started node2"));
}

TEST_CASE("simulation: an injected failure aborts the transition, and the status shows it") {
  Sim s;
  const std::string g = graph({
      synapse(0, pseudo(10, "grp_start_0")), synapse(1, rsc_op(1, "r1", "start", "node1"), {10}),
      synapse(2, rsc_op(2, "r2", "start", "node2"), {10}),          // ruled out by the abort
      synapse(3, pseudo(11, "grp_running_0"), {10}),                // pseudo: still fires
      synapse(4, event(5, "do_shutdown", "node2"), {10}, 1000000),  // INFINITY: still fires
      synapse(5, rsc_op(3, "r1", "monitor", "node1", 10000), {1}),  // waits on the failure
  });
  auto r = s.run(g, {"r1_start_0@node1=1"});
  REQUIRE(r.ok());
  CHECK(lines(r->log) ==
        std::vector<std::string>{
            "  * Pseudo action:   grp_start_0",
            rsc_line("r1", "start on node1"),
            "Pretending action 1 failed with rc=1",
            "  * Injecting attribute fail-count-r1#start_0=value++ into /node_state '1'",
            "  * Injecting attribute last-failure-r1#start_0=1700000000 into /node_state '1'",
            "  * Pseudo action:   grp_running_0",
            "  * Cluster action:  do_shutdown on node2",
        });
  CHECK(r->summary.result == GraphResult::kFailed);
  CHECK(r->summary.abort_priority == vigil::kInfinity);
  CHECK(r->summary.failed == 1);
  CHECK(r->summary.skipped == 1);
  CHECK(r->summary.incomplete == 1);
  CHECK_FALSE(r->terminated());  // aborted, not stuck
  // The failure is recorded as the controller records it, with the fail count.
  CHECK(op_attr(s, "node1", "r1_last_failure_0", "rc-code") == "1");
  CHECK(op_attr(s, "node1", "r1_last_0", "transition-magic").rfind("0:1;1:-1:0:", 0) == 0);
  CHECK(op_attr(s, "node1", "r1_last_0", "exit-reason") == "User-injected result");
  CHECK(s.has("name=\"fail-count-r1#start_0\" value=\"1\""));
  CHECK_FALSE(s.has("r2_last_0\" operation_key=\"r2_start_0"));
  const std::string status = s.status();
  CHECK_THAT(status, Catch::Contains("r1\t(ocf:pacemaker:Dummy):\t FAILED node1"));
  CHECK_THAT(status, Catch::Contains("r2\t(ocf:pacemaker:Dummy):\t Stopped"));
}

TEST_CASE("simulation: op-fail specifications are matched as crm_simulate matches them") {
  const std::string g =
      graph({synapse(0, rsc_op(1, "r1", "monitor", "node1", 0, "CRM_meta_op_target_rc=\"7\"")),
             synapse(1, rsc_op(2, "r1", "start", "node1"), {1})});
  SECTION("the key is matched without regard to case; a probe's 'not running' counts no failure") {
    Sim s;
    auto r = s.run(g, {"R1_Monitor_0@NODE1=7"});
    REQUIRE(r.ok());
    CHECK(lines(r->log) == std::vector<std::string>{rsc_line("r1", "monitor on node1"),
                                                    "Pretending action 1 failed with rc=7"});
    // It counts as failed all the same: the start never runs.
    CHECK(r->summary.failed == 1);
    CHECK_FALSE(s.has("fail-count-r1"));
    // rc 7 is what the probe expected: recorded as a plain result.
    CHECK(s.has("id=\"r1_last_0\" operation_key=\"r1_monitor_0\""));
    CHECK_FALSE(s.has("r1_last_failure_0"));
  }
  SECTION("a failed probe counts") {
    Sim s;
    auto r = s.run(g, {"r1_monitor_0@node1=1"});
    REQUIRE(r.ok());
    CHECK_THAT(r->log, Catch::Contains("fail-count-r1#monitor_0=value++"));
    CHECK(s.has("id=\"r1_last_failure_0\""));
  }
  SECTION("another node, another interval or an rc that is no number change nothing") {
    Sim s;
    auto r = s.run(g, {"r1_monitor_0@node2=1", "r1_monitor_10000@node1=1", "r1_start_0@node1=x",
                       "r1_start_0@node1="});
    REQUIRE(r.ok());
    CHECK(r->summary.result == GraphResult::kComplete);
    CHECK(r->log.find("Pretending") == std::string::npos);
  }
}

TEST_CASE("simulation: fencing takes the node down and erases its history and attributes") {
  const std::string reboot =
      "<attributes CRM_meta_stonith_action=\"reboot\"/><downed><node id=\"2\"/></downed>";
  SECTION("reboot") {
    Sim s;
    auto r = s.run(graph({synapse(0, event(1, "stonith", "node2", reboot)),
                          synapse(1, rsc_op(2, "r2", "start", "node1"), {1})}));
    REQUIRE(r.ok());
    CHECK(lines(r->log) ==
          std::vector<std::string>{"  * Fencing node2 (reboot)", rsc_line("r2", "start on node1")});
    CHECK(
        s.has("<node_state id=\"2\" uname=\"node2\" in_ccm=\"false\" crmd=\"offline\" "
              "join=\"down\" expected=\"down\" crm-debug-origin=\"crm_simulate\"/>"));
    CHECK_FALSE(s.has("fail-count-r2"));
    CHECK_FALSE(s.has("r3_"));
    const std::string status = s.status();
    CHECK_THAT(status, Catch::Contains("OFFLINE: [ node2 ]"));
    CHECK_THAT(status, Catch::Contains("r2\t(ocf:pacemaker:Dummy):\t Started node1"));
    CHECK_THAT(status, Catch::Contains("r3\t(ocf:pacemaker:Dummy):\t Stopped"));
  }
  SECTION("'on' and no action named") {
    Sim s;
    const std::string before = s.text();
    auto r = s.run(graph({synapse(
        0, event(1, "stonith", "node2", "<attributes CRM_meta_stonith_action=\"on\"/>"))}));
    REQUIRE(r.ok());
    CHECK(r->log == "  * Fencing node2 (on)\n");
    CHECK(s.text() == before);
    auto dflt = s.run(graph({synapse(0, event(1, "stonith", "node1"))}));
    REQUIRE(dflt.ok());
    CHECK(dflt->log == "  * Fencing node1 (reboot)\n");
    CHECK(s.has("<node_state id=\"1\" uname=\"node1\" in_ccm=\"false\""));
  }
}

TEST_CASE("simulation: cluster events, cancels, deletes and probe requests") {
  Sim s;
  std::string cancel = rsc_op(2, "r3", "cancel", "node2", 10000, "CRM_meta_operation=\"monitor\"");
  cancel.replace(cancel.find("r3_cancel_10000"), 15, "r3_monitor_10000");
  const std::string clear =
      "<primitive id=\"r2\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"/><attributes/>";
  auto r = s.run(graph({
      synapse(0, event(1, "clear_failcount", "node2", clear)),
      // A cancel carries the key of the operation it cancels.
      synapse(1, cancel),
      synapse(2, rsc_op(3, "r2", "delete", "node2")),
      synapse(3, "<rsc_op id=\"4\" operation=\"probe_again\" operation_key=\"probe_again-node1\"" +
                     node_attrs("node1") + "><attributes/></rsc_op>"),
      synapse(4, rsc_op(5, "r1", "notify", "node1", 0,
                        "CRM_meta_notify_type=\"post\" CRM_meta_notify_operation=\"start\"")),
  }));
  REQUIRE(r.ok());
  CHECK(lines(r->log) == std::vector<std::string>{
                             "  * Cluster action:  clear_failcount for r2 on node2",
                             rsc_line("r3", "cancel=10000 on node2"),
                             rsc_line("r2", "delete on node2"), rsc_line("r1", "notify on node1")});
  CHECK(r->summary.result == GraphResult::kComplete);
  // The cancelled monitor's record is gone; crm_simulate leaves the rest
  // (the fail count, the deleted resource's history) as it was, and
  // records no notification.
  CHECK_FALSE(s.has("r3_monitor_10000"));
  CHECK(s.has("r3_last_0"));
  CHECK(s.has("r2_last_0"));
  CHECK(s.has("fail-count-r2#start_0"));
  CHECK_FALSE(s.has("r1_"));
}

TEST_CASE("simulation: synapses waiting on a cycle end the transition terminated") {
  Sim s;
  auto r = s.run(graph({synapse(0, rsc_op(1, "r1", "start", "node1"), {2}),
                        synapse(1, rsc_op(2, "r2", "start", "node2"), {1}),
                        synapse(2, pseudo(3, "all_start_0"))}));
  REQUIRE(r.ok());
  CHECK(r->log == "  * Pseudo action:   all_start_0\n");
  CHECK(r->summary.incomplete == 2);
  CHECK(r->terminated());
}

TEST_CASE("simulation: a synapse waiting on no action of the graph ends it terminated") {
  // Pacemaker's scheduler can write an input it left out of the graph: the
  // synapse never fires, the rest runs.
  Sim s;
  auto r = s.run(graph({synapse(0, rsc_op(1, "r1", "stop", "node1")),
                        synapse(1, pseudo(3, "all_stopped_0"), {1, 30})}));
  REQUIRE(r.ok());
  CHECK(r->log == rsc_line("r1", "stop on node1") + "\n");
  CHECK(r->summary.incomplete == 1);
  CHECK(r->terminated());
  // Without allow_stuck the graph is refused, naming the input.
  auto refused = parse_graph(graph({synapse(0, rsc_op(1, "r1", "stop", "node1")),
                                    synapse(1, pseudo(3, "all_stopped_0"), {1, 30})}));
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message(), Catch::Contains("input 30 is not an action"));
}

TEST_CASE("simulation: a result that cannot be recorded is an error naming the action") {
  Sim s;
  std::string op = rsc_op(7, "r1", "start", "node1");
  op.replace(op.find(" on_node_uuid=\"1\""), std::string(" on_node_uuid=\"1\"").size(), "");
  auto r = s.run(graph({synapse(0, op)}));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message(), Catch::Contains("simulated transition 4"));
  CHECK_THAT(r.error().message(), Catch::Contains("action 7 (r1_start_0)"));
}

TEST_CASE("simulation: the scheduler's graphs, executed, leave a settled cluster") {
  xml::init();
  auto path = std::string(VIGIL_SOURCE_DIR) + "/examples/web-cluster.xml";
  auto d = xml::parse_file(path);
  REQUIRE(d.ok());
  Sim s;
  s.doc = std::move(d).value();
  // Forget the history: nothing has run yet.
  for (xmlNode* st : xml::children(xmlDocGetRootElement(s.doc.get()), "status")) {
    for (xmlNode* ns : xml::children(st, "node_state")) {
      for (xmlNode* lrm : xml::children(ns, "lrm")) {
        xmlUnlinkNode(lrm);
        xmlFreeNode(lrm);
      }
    }
  }
  const std::string first = s.next_graph();
  auto g = parse_graph(first);
  REQUIRE(g.ok());
  const std::size_t actions = g->size();
  auto r = s.run(first);
  REQUIRE(r.ok());
  CHECK(r->summary.result == GraphResult::kComplete);
  CHECK(static_cast<std::size_t>(r->summary.fired) == actions);
  CHECK(lines(r->log).size() == actions);  // one line per action
  // Probes before starts, starts before monitors, the group's pseudo
  // actions around its members.
  auto at = [&](const std::string& l) {
    auto p = r->log.find(l);
    INFO(l);
    REQUIRE(p != std::string::npos);
    return p;
  };
  CHECK(at(rsc_line("VIP", "monitor on node1")) < at(rsc_line("VIP", "start on node1")));
  CHECK(at(rsc_line("VIP", "start on node1")) < at(rsc_line("Web", "start on node1")));
  CHECK(at(rsc_line("Web", "start on node1")) < at("Pseudo action:   myweb_running_0"));
  CHECK(at(rsc_line("Web", "start on node1")) < at(rsc_line("Web", "monitor=30000 on node1")));
  const std::string status = s.status();
  CHECK_THAT(status, Catch::Contains("VIP\t(ocf:heartbeat:IPaddr2):\t Started node1"));
  CHECK_THAT(status, Catch::Contains("Web\t(ocf:heartbeat:apache):\t Started node1"));
  // The records are what the scheduler reads: nothing is left to do.
  auto again = parse_graph(s.next_graph());
  REQUIRE(again.ok());
  CHECK(again->synapses.empty());
}
