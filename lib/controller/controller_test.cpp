// SPDX-License-Identifier: GPL-2.0-or-later
// The controller over the whole simulated stack (SimCluster): real CIB
// replicas, executors over simulated agents, scheduler, on SimNetwork and
// virtual time.
#include <catch2/catch.hpp>
#include <cerrno>

#include "machine.hpp"
#include "vigil/cibclient/access.hpp"
#include "vigil/cibd/replica.hpp"
#include "vigil/cluster/sim_node.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/controller/testing/sim_cluster.hpp"
#include "vigil/controller/testing/web_cib.hpp"
#include "vigil/fencing/agent_protocol.hpp"

using namespace vigil;
using namespace vigil::controller;
using namespace vigil::controller::testing;
using namespace std::chrono_literals;

namespace {

bool runs_only_on(SimCluster& c, const std::string& node) {
  auto vip = c.world().nodes_running("VIP");
  auto web = c.world().nodes_running("Web");
  return vip == std::vector<std::string>{node} && web == std::vector<std::string>{node};
}

// An attribute of the first element matching `xpath` in node `id`'s CIB.
std::optional<std::string> cib_attr(SimCluster& c, cluster::NodeId id, const std::string& xpath,
                                    const char* attr) {
  auto* cib = c.cib(id);
  if (!cib) return std::nullopt;
  auto r = cib->query(xpath);
  if (!r) return std::nullopt;
  auto doc = xml::parse_string(r->xml);
  if (!doc) return std::nullopt;
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (xml::name(root) == "xpath-query")
    root = xml::children(root).empty() ? nullptr : xml::children(root)[0];
  if (!root) return std::nullopt;
  return xml::attr(root, attr);
}

// The DC has nothing left to do.
bool settled(SimCluster& c) {
  auto dc = c.agreed_dc();
  if (dc == cluster::kNoNode || !c.controller(dc)) return false;
  auto st = c.controller(dc)->status();
  return st.transition == TransitionState::kIdle && st.transitions_completed > 0;
}

SimClusterOptions options(int nodes, WebCibOptions web = {}) {
  web.nodes = nodes;
  SimClusterOptions o;
  o.nodes = nodes;
  o.seed = 7;
  o.cib_xml = web_cluster_cib(web);
  return o;
}

// Fencing on, with a device (Pacemaker would refuse to start anything
// without one, and schedules no fencing without one).
void enable_fencing(SimCluster& c) {
  bool set = false;
  c.cib_access(2)->modify("crm_config",
                          "<cluster_property_set id=\"cib-bootstrap-options\"><nvpair "
                          "id=\"cib-bootstrap-options-stonith-enabled\" name=\"stonith-enabled\" "
                          "value=\"true\"/></cluster_property_set>",
                          [&](Result<cibclient::CibReply> r) { set = r.ok(); });
  REQUIRE(c.run_until([&] { return set && settled(c); }, 10s));
  set = false;
  c.cib_access(2)->modify(
      "resources", "<primitive id=\"fence1\" class=\"stonith\" type=\"fence_dummy\"/>",
      [&](Result<cibclient::CibReply> r) { set = r.ok(); },
      cibclient::UpdateOptions{std::nullopt, true, false});
  REQUIRE(c.run_until([&] { return set && settled(c); }, 10s));
}

// The group runs on node1, fencing is on, and node1 crashes.
void lose_node1_with_fencing_on(SimCluster& c) {
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  enable_fencing(c);
  c.crash(1);
  c.run_for(20s);
}

}  // namespace

TEST_CASE("a wait's timer never fires before its deadline") {
  using std::chrono::nanoseconds;
  const TimePoint now(nanoseconds(5'000'300'000));
  // 19,999.7 ms ahead: 19,999 ms (truncated) would fire 0.7 ms early.
  const TimePoint until = now + nanoseconds(19'999'700'000);
  CHECK(time_left(now, until) == Duration(20'000));
  CHECK(now + time_left(now, until) >= until);
  CHECK(time_left(now, now + Duration(20'000)) == Duration(20'000));
  CHECK(time_left(until, now) == Duration(0));
}

TEST_CASE("two nodes: node1 is DC, joins both nodes and starts the group where Web prefers") {
  SimCluster c(options(2));
  c.start_all();
  bool ok = c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s);
  INFO(c.dump());
  REQUIRE(ok);
  CHECK(c.agreed_dc() == 1);
  CHECK(c.controller(1)->is_dc());
  // Acknowledged on the DC means delivered everywhere; node2 applies it a
  // network latency later.
  c.run_for(10ms);
  CHECK_FALSE(c.controller(2)->is_dc());
  // The DC recorded itself and both nodes' state.
  CHECK(cib_attr(c, 2, "/cib", "dc-uuid") == std::optional<std::string>("1"));
  CHECK(cib_attr(c, 2, "/cib", "have-quorum") == std::optional<std::string>("1"));
  // And, as Pacemaker's DC does, the feature set (without it the scheduler
  // reads the CIB as a legacy one) and the options crm_mon shows.
  CHECK(cib_attr(c, 2, "/cib", "crm_feature_set") == std::optional<std::string>("3.16.1"));
  CHECK(cib_attr(c, 2, "//nvpair[@name='cluster-infrastructure']", "value") ==
        std::optional<std::string>("corosync"));
  CHECK(cib_attr(c, 2, "//nvpair[@name='dc-version']", "value") ==
        std::optional<std::string>(ControllerOptions{}.dc_version));
  for (const char* id : {"1", "2"}) {
    std::string ns = std::string("/cib/status/node_state[@id='") + id + "']";
    CHECK(cib_attr(c, 2, ns, "join") == std::optional<std::string>("member"));
    CHECK(cib_attr(c, 2, ns, "crmd") == std::optional<std::string>("online"));
    CHECK(cib_attr(c, 2, ns, "in_ccm") == std::optional<std::string>("true"));
  }
  // Results are in the status section, written by the DC.
  CHECK(cib_attr(c, 2, "//node_state[@id='1']//lrm_rsc_op[@id='VIP_last_0']", "rc-code") ==
        std::optional<std::string>("0"));
  CHECK(cib_attr(c, 2, "//node_state[@id='1']//lrm_rsc_op[@id='Web_monitor_10000']", "rc-code") ==
        std::optional<std::string>("0"));
  // Probes on node2 found nothing.
  CHECK(cib_attr(c, 2, "//node_state[@id='2']//lrm_rsc_op[@id='VIP_last_0']", "rc-code") ==
        std::optional<std::string>("7"));
  // Settled: more time changes nothing.
  c.run_for(30s);
  CHECK(runs_only_on(c, "node1"));
}

TEST_CASE("a new DC rewrites no cluster option that is already recorded") {
  SimCluster c(options(2));
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  auto epoch = cib_attr(c, 2, "/cib", "epoch");
  REQUIRE(epoch);
  // node1 dies; node2 takes over and finds dc-version & co. already there.
  c.crash(1);
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node2") && settled(c); }, 60s));
  CHECK(cib_attr(c, 2, "/cib", "epoch") == epoch);
}

TEST_CASE("DC crash: the survivor takes over and runs the group") {
  SimCluster c(options(2));
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1"); }, 30s));
  const auto crashed_at = c.net().now();
  c.crash(1);
  bool vip_up = c.run_until(
      [&] { return c.world().nodes_running("VIP") == std::vector<std::string>{"node2"}; }, 30s);
  REQUIRE(vip_up);
  // Simulated (deterministic) time from the membership change to the VIP
  // running on the survivor, minus the agent's own run time: the
  // controller's overhead. The controller never sleeps, so this is a few
  // network and CIB round trips (the target on real hardware is 0.3 s).
  auto overhead =
      std::chrono::duration_cast<std::chrono::milliseconds>(c.net().now() - crashed_at) -
      std::chrono::milliseconds(100);
  INFO("takeover overhead " << overhead.count() << " ms of simulated time");
  CHECK(overhead < std::chrono::milliseconds(50));
  bool ok = c.run_until([&] { return runs_only_on(c, "node2"); }, 30s);
  INFO(c.dump());
  REQUIRE(ok);
  CHECK(c.controller(2)->is_dc());
  auto ns = std::string("/cib/status/node_state[@id='1']");
  CHECK(cib_attr(c, 2, ns, "crmd") == std::optional<std::string>("offline"));
  CHECK(cib_attr(c, 2, ns, "in_ccm") == std::optional<std::string>("false"));
  CHECK(cib_attr(c, 2, ns, "join") == std::optional<std::string>("down"));
  CHECK(cib_attr(c, 2, "/cib", "dc-uuid") == std::optional<std::string>("2"));
  // node1 comes back (empty history: it rebooted) and gets the group back.
  c.start(1);
  ok = c.run_until([&] { return runs_only_on(c, "node1"); }, 60s);
  INFO(c.dump());
  REQUIRE(ok);
  CHECK(c.agreed_dc() == 1);
}

TEST_CASE("alerts: the textbook failover as the survivor's controller alerts it") {
  // Pacemaker's alert_file.sh recipient, and an alert for fencing only:
  // node2 asks for the node event of node1's loss and for the resource
  // events of what it ran (its probes at start found what they expected
  // and are not alerted); node1's own operations were its to alert.
  SimClusterOptions o = options(2);
  const std::string alerts =
      "<alerts><alert id=\"alert_file\" path=\"/usr/share/pacemaker/alerts/alert_file.sh\">"
      "<recipient id=\"alert_file-recipient\" value=\"/var/log/pcmk_alerts.log\"/></alert>"
      "<alert id=\"fence\" path=\"/bin/fence-alert\"><select><select_fencing/></select>"
      "</alert></alerts>";
  o.cib_xml.insert(o.cib_xml.find("</configuration>"), alerts);
  o.controller.alerts = true;
  std::map<NodeId, std::vector<std::string>> seen;
  o.alerts = [&seen](NodeId node, const std::vector<alerts::Alert>& list,
                     const alerts::Event& event) {
    std::string line = std::string(alerts::kind_name(event.kind)) + " to=";
    for (const auto& a : list) line += a.id + "/" + a.recipient.value_or("") + " ";
    for (const auto& [key, value] : event.vars) {
      if (key == alerts::Key::kExecTime) continue;  // simulated agents' run time
      line += std::string(alerts::key_names(key).second.substr(10)) + "=" + value + " ";
    }
    line.pop_back();
    seen[node].push_back(line);
  };
  SimCluster c(o);
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  const std::vector<std::string> at_start_node1 = seen[1];
  seen.clear();
  c.crash(1);
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node2") && settled(c); }, 30s));
  c.run_for(1s);
  INFO("node1 at start:\n"
       << [&] {
            std::string s;
            for (const auto& l : at_start_node1) s += l + "\n";
            return s;
          }());
  // What Pacemaker's alert_file.sh writes on node2 for it: "Node 'node1' is
  // now 'lost'", then "Resource operation 'start' for 'VIP' on 'node2': ok",
  // "... 'monitor (10000)' for 'VIP' ...", and the same for Web.
  const std::string to = "to=alert_file//var/log/pcmk_alerts.log ";
  const std::string ok = " target_rc=0 status=0 rc=0 desc=ok";
  const std::vector<std::string> expected = {
      "node " + to + "node=node1 desc=lost nodeid=1",
      "resource " + to + "node=node2 rsc=VIP task=start interval=0" + ok,
      "resource " + to + "node=node2 rsc=VIP task=monitor interval=10000" + ok,
      "resource " + to + "node=node2 rsc=Web task=start interval=0" + ok,
      "resource " + to + "node=node2 rsc=Web task=monitor interval=10000" + ok,
  };
  CHECK(seen[2] == expected);
  CHECK(seen[1].empty());  // node1 is gone
  // node1 started the group: its own starts and first monitors, no probes.
  CHECK(at_start_node1.size() == 6);
  for (const auto& l : at_start_node1) {
    CHECK(l.find("interval=0 target_rc=7") == std::string::npos);
    CHECK(l.find("node=node2 rsc=") == std::string::npos);
  }
}

TEST_CASE("a fencing alert's rc is the code Pacemaker's controller would give") {
  // Built from the reasons as lib/fencing writes them, so that a change of
  // its wording shows here.
  auto failed = [](std::string reason) {
    FenceEvent e;
    e.target = "node1";
    e.action = "reboot";
    e.reason = std::move(reason);
    return e;
  };
  fencing::AgentCall call;
  call.device = "ipmi1";
  call.agent = "fence_ipmilan";
  call.action = "reboot";
  call.target = "node1";
  fencing::AgentResult exited;
  exited.exit_code = 1;
  exited.reason = "exit code 1";
  fencing::AgentResult said = exited;
  said.err = "Failed: Unable to obtain correct plug status\n";
  fencing::AgentResult slow;
  slow.status = fencing::AgentResult::Status::kTimeout;
  slow.reason = "timed out after 20s";
  fencing::AgentResult said_slow = exited;  // the agent's words, not a timeout
  said_slow.err = "Connection timed out\n";
  FenceEvent ok = failed("");
  ok.succeeded = true;
  CHECK(fence_alert_rc(ok) == 0);
  CHECK(fence_alert_rc(failed("no device can fence node1")) == -ENODEV);
  CHECK(fence_alert_rc(failed(fencing::describe_failure(call, slow))) == -ETIME);
  CHECK(fence_alert_rc(failed("timed out (" + fencing::describe_failure(call, exited) + ")")) ==
        -ETIME);
  CHECK(fence_alert_rc(failed(fencing::describe_failure(call, said))) == -ENODATA);
  CHECK(fence_alert_rc(failed(fencing::describe_failure(call, exited))) == -ENODATA);
  CHECK(fence_alert_rc(failed(fencing::describe_failure(call, said_slow))) == -ENODATA);
  CHECK(fence_alert_rc(failed("")) == -ENODATA);
}

TEST_CASE("an unexpected monitor failure raises the fail count and the DC recovers in place") {
  SimCluster c(options(2));
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  c.world().kill_resource("node1", "Web");
  bool ok = c.run_until(
      [&] {
        return runs_only_on(c, "node1") &&
               cib_attr(c, 1, "//nvpair[@name='fail-count-Web#monitor_10000']", "value") ==
                   std::optional<std::string>("1") &&
               settled(c);
      },
      40s);
  INFO(c.dump());
  REQUIRE(ok);
  CHECK(cib_attr(c, 1, "//node_state[@id='1']//nvpair[@name='last-failure-Web#monitor_10000']",
                 "value")
            .has_value());
  // The failed monitor is on record, and the DC restarted Web (stop, start).
  CHECK(cib_attr(c, 1, "//lrm_rsc_op[@id='Web_last_failure_0']", "rc-code") ==
        std::optional<std::string>("7"));
  CHECK(cib_attr(c, 1, "//node_state[@id='1']//lrm_rsc_op[@id='Web_last_0']", "operation") ==
        std::optional<std::string>("start"));
  // The scheduler read the whole CIB once, at takeover; every later run
  // took vigil-cib's changes since its copy, re-reading one node_state or two.
  int whole = 0, from_changes = 0;
  for (const auto& line : c.log()) {
    if (line.find("event=transition-start") == std::string::npos) continue;
    INFO(line);
    CHECK(line.find("cib_read=") != std::string::npos);
    if (line.find("cib_read=\"whole\"") != std::string::npos) ++whole;
    if (line.find("cib_read=\"diffs=") != std::string::npos) ++from_changes;
    CHECK(line.find("node_states=64") == std::string::npos);
  }
  CHECK(whole == 1);
  CHECK(from_changes >= 1);
}

TEST_CASE("migration-threshold=1: one failure moves the whole group") {
  WebCibOptions web;
  web.migration_threshold = "1";
  SimCluster c(options(2, web));
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  c.world().kill_resource("node1", "Web");
  bool ok = c.run_until([&] { return runs_only_on(c, "node2") && settled(c); }, 40s);
  INFO(c.dump());
  REQUIRE(ok);
  c.run_for(20s);
  CHECK(runs_only_on(c, "node2"));
}

TEST_CASE("quorum loss with no-quorum-policy=stop stops the group; the quorate side runs it") {
  WebCibOptions web;
  web.no_quorum_policy = "stop";
  SimCluster c(options(3, web));
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  c.net().partition({{1}, {2, 3}});
  bool ok = c.run_until([&] { return runs_only_on(c, "node2"); }, 30s);
  INFO(c.dump());
  REQUIRE(ok);
  CHECK(c.controller(1)->is_dc());  // alone in its partition
  CHECK(c.controller(2)->is_dc());
  CHECK_FALSE(c.controller(1)->status().quorate);
  // Healing: node1 is DC of the whole cluster again and Web goes home.
  c.net().heal();
  ok = c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 60s);
  INFO(c.dump());
  REQUIRE(ok);
  CHECK(c.agreed_dc() == 1);
}

TEST_CASE("clean shutdown of the node running the group moves it first, then leaves") {
  SimCluster c(options(2));
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  bool twice = false;
  c.set_tick_hook([&] {
    if (c.world().nodes_running("VIP").size() > 1) twice = true;
  });
  c.shutdown(1);  // node1 is also the DC
  bool ok = c.run_until([&] { return c.shutdown_done(1); }, 60s);
  INFO(c.dump());
  REQUIRE(ok);
  // Its resources were moved before it left, not lost with it.
  CHECK(runs_only_on(c, "node2"));
  CHECK_FALSE(twice);
  REQUIRE(c.run_until([&] { return c.controller(2)->is_dc() && settled(c); }, 30s));
  auto ns = std::string("/cib/status/node_state[@id='1']");
  CHECK(cib_attr(c, 2, ns, "expected") == std::optional<std::string>("down"));
  CHECK(cib_attr(c, 2, ns, "crmd") == std::optional<std::string>("offline"));
  CHECK(runs_only_on(c, "node2"));
}

TEST_CASE("shutdown of the last node stops its resources through the same path") {
  SimCluster c(options(2));
  c.start(1);
  // two_node implies wait_for_all: a lone node never had quorum, so start both
  // and then stop node2 first.
  c.start(2);
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  c.shutdown(2);
  REQUIRE(c.run_until([&] { return c.shutdown_done(2); }, 60s));
  c.shutdown(1);
  bool ok = c.run_until([&] { return c.shutdown_done(1); }, 60s);
  INFO(c.dump());
  REQUIRE(ok);
  CHECK(c.world().nodes_running("VIP").empty());
  CHECK(c.world().nodes_running("Web").empty());
}

// `cluster stop --all` one node after the other: node1 (the DC, running
// the group) stops its controller cleanly while Corosync stays up, then
// node2 stops. node2 takes over in between with node1 still a member.
TEST_CASE("a DC that shut down cleanly is not awaited; one whose controller died is") {
  SimCluster c(options(2));
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  REQUIRE(c.agreed_dc() == 1);
  SECTION("clean: the survivor schedules at once") {
    c.stop_controller(1);
    REQUIRE(c.run_until([&] { return c.shutdown_done(1); }, 30s));
    CHECK(runs_only_on(c, "node2"));
    REQUIRE(c.run_until([&] { return c.controller(2)->is_dc(); }, 5s));
    CHECK(c.net().node(1).up());
    c.stop_controller(2);
    // Well within the 15 s a controller restart is given.
    bool ok = c.run_until([&] { return c.shutdown_done(2); }, 5s);
    INFO(c.dump());
    REQUIRE(ok);
    // node2's own shutdown stopped the group that node1 handed over.
    CHECK((c.world().nodes_running("VIP").empty() && c.world().nodes_running("Web").empty()));
    auto ns = std::string("/cib/status/node_state[@id='1']");
    CHECK(cib_attr(c, 2, ns, "expected") == std::optional<std::string>("down"));
  }
  SECTION("crash: the survivor waits for the controller to come back") {
    c.kill_controller(1);
    REQUIRE(c.run_until([&] { return c.controller(2)->is_dc(); }, 5s));
    c.stop_controller(2);
    c.run_for(5s);
    INFO(c.dump());
    // node1's resources may still run: nothing is decided without it yet.
    CHECK_FALSE(c.shutdown_done(2));
    CHECK(runs_only_on(c, "node1"));
    // After the grace node2 schedules without it and leaves.
    CHECK(c.run_until([&] { return c.shutdown_done(2); }, 20s));
  }
}

TEST_CASE("a DC crash mid-transition: the new DC recomputes from the CIB and finishes") {
  SimCluster c(options(3));
  c.start_all();
  // Crash node1 (the DC) while Web's start is running somewhere.
  bool in_flight = c.run_until(
      [&] { return c.world().in_flight() > 0 && !c.world().nodes_running("VIP").empty(); }, 30s);
  REQUIRE(in_flight);
  c.crash(1);
  bool ok = c.run_until([&] { return runs_only_on(c, "node2") && settled(c); }, 60s);
  INFO(c.dump());
  REQUIRE(ok);
  CHECK(c.agreed_dc() == 2);
}

TEST_CASE("every result is in the CIB before the transition that produced it is complete") {
  SimCluster c(options(2));
  std::size_t seen_completed = 0;
  std::vector<std::string> missing;
  c.set_tick_hook([&] {
    auto* ctl = c.controller(1);
    if (!ctl) return;
    auto st = ctl->status();
    if (st.transitions_completed == seen_completed) return;
    seen_completed = st.transitions_completed;
    // The DC's own replica has every operation the agents ran on node1.
    for (const char* id : {"VIP_last_0", "Web_last_0", "VIP_monitor_10000", "Web_monitor_10000"}) {
      if (!c.world().running("node1", "Web")) continue;
      if (!cib_attr(c, 1, std::string("//node_state[@id='1']//lrm_rsc_op[@id='") + id + "']",
                    "rc-code")) {
        missing.push_back(id);
      }
    }
  });
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  CHECK(seen_completed > 0);
  CHECK(missing.empty());
}

TEST_CASE("attributes and cleanup through the client protocol; bad requests change nothing") {
  SimCluster c(options(2));
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  Controller& n2 = *c.controller(2);

  auto st = handle_client_request(n2, "<status/>");
  REQUIRE(st);
  CHECK(st->find("dc=\"1\"") != std::string::npos);
  CHECK(st->find("<member id=\"2\" name=\"node2\"/>") != std::string::npos);
  CHECK(st->find("dc-name=\"node1\"") != std::string::npos);

  // Sends an update through node2 and waits for the DC to write `expect`.
  auto update = [&](const std::string& name, const std::string& value, const char* expect) {
    REQUIRE(handle_client_request(
        n2, "<attr_update node=\"node2\" name=\"" + name + "\" value=\"" + value + "\"/>"));
    const std::string xpath = "//node_state[@id='2']//nvpair[@name='" + name + "']";
    return c.run_until(
        [&] { return cib_attr(c, 1, xpath, "value") == std::optional<std::string>(expect); }, 5s);
  };
  CHECK(update("rack", "r7", "r7"));
  // Increments count from the DC's current value (attrd's value++ / value+=N).
  CHECK(update("hits", "value++", "1"));
  CHECK(update("hits", "value+=5", "6"));
  REQUIRE(handle_client_request(n2, "<attr_delete node=\"node2\" name=\"rack\"/>"));
  REQUIRE(c.run_until(
      [&] { return !cib_attr(c, 1, "//node_state[@id='2']//nvpair[@name='rack']", "value"); }, 5s));

  // Bad requests: refused with a reason.
  for (const char* bad :
       {"", "garbage", "<unknown/>", "<attr_update name=\"x\"/>",
        "<attr_update node=\"node9\" name=\"x\" value=\"1\"/>", "<attr_delete node=\"node1\"/>",
        "<cleanup/>", "<cleanup rsc=\"Web\" node=\"nosuch\"/>"}) {
    INFO(bad);
    auto r = handle_client_request(n2, bad);
    CHECK_FALSE(r);
  }
  // Garbage on the CPG group is ignored by every controller.
  auto cpg = c.net().node(2).connect_cpg();
  REQUIRE(cpg);
  REQUIRE((*cpg)->join(kCpgGroup));
  c.run_for(5ms);
  for (const char* junk : {"junk", "<crmd t=\"exec\" to=\"1\"/>", "<crmd t=\"shutdown\" to=\"1\"/>",
                           "<crmd t=\"cleanup\" rsc=\"\"/>"}) {
    REQUIRE((*cpg)->send(junk));
  }
  c.run_for(2s);
  CHECK(runs_only_on(c, "node1"));
  CHECK(c.shutdown_done(1) == false);

  // Cleanup after a failure: fail count gone, history re-probed.
  c.world().kill_resource("node1", "Web");
  REQUIRE(c.run_until(
      [&] {
        return cib_attr(c, 1, "//nvpair[@name='fail-count-Web#monitor_10000']", "value")
                   .has_value() &&
               runs_only_on(c, "node1") && settled(c);
      },
      40s));
  REQUIRE(handle_client_request(n2, "<cleanup rsc=\"Web\"/>"));
  bool ok = c.run_until(
      [&] {
        return !cib_attr(c, 1, "//nvpair[@name='fail-count-Web#monitor_10000']", "value") &&
               !cib_attr(c, 1, "//lrm_rsc_op[@id='Web_last_failure_0']", "rc-code") &&
               runs_only_on(c, "node1") && settled(c);
      },
      30s);
  INFO(c.dump());
  CHECK(ok);
}

TEST_CASE("fencing is refused loudly: a lost node's resources are not recovered elsewhere") {
  SimCluster c(options(2));
  lose_node1_with_fencing_on(c);
  INFO(c.dump());
  // node1 must be fenced before its resources may run anywhere else; with
  // no fencing daemon the DC says so and never pretends it happened.
  bool said = false;
  for (const auto& line : c.log()) {
    if (line.find("fencing is not available: this controller has no fencing daemon") !=
        std::string::npos) {
      said = true;
    }
  }
  CHECK(said);
  CHECK(c.world().nodes_running("VIP").empty());
  CHECK(c.world().nodes_running("Web").empty());
  auto ns = std::string("/cib/status/node_state[@id='1']");
  CHECK(cib_attr(c, 2, ns, "expected") == std::optional<std::string>("member"));
  // The DC does not spin on the same fencing request.
  auto runs = c.controller(2)->status().scheduler_runs;
  c.run_for(60s);
  CHECK(c.controller(2)->status().scheduler_runs <= runs + 1);
}

TEST_CASE("fencing done by hand: the DC records the node down and recovers its resources") {
  SimCluster c(options(2));
  lose_node1_with_fencing_on(c);
  REQUIRE(c.world().nodes_running("Web").empty());  // the DC's own fencing is refused
  // `vigil stonith confirm node1` on node2: the fencer tells every controller.
  FenceEvent e;
  e.id = "node2:1";
  e.target = "node1";
  e.action = "off";
  e.succeeded = true;
  e.delegate = "node2";
  e.client = "stonith_admin.4242";
  e.origin = "node2";
  c.fence_event(e);
  const bool recovered = c.run_until([&] { return runs_only_on(c, "node2") && settled(c); }, 30s);
  INFO(c.dump());
  CHECK(recovered);
  auto ns = std::string("/cib/status/node_state[@id='1']");
  CHECK(cib_attr(c, 2, ns, "expected") == std::optional<std::string>("down"));
  CHECK(cib_attr(c, 2, ns, "join") == std::optional<std::string>("down"));
  CHECK_FALSE(cib_attr(c, 2, ns + "/lrm", "id"));
  // A failed fencing changes nothing.
  e.id = "node2:2";
  e.target = "node1";
  e.succeeded = false;
  c.fence_event(e);
  c.run_for(5s);
  CHECK(runs_only_on(c, "node2"));
  // node2 learns that it was fenced itself: its controller stops and is
  // not started again.
  e.id = "node2:3";
  e.target = "node2";
  e.succeeded = true;
  c.fence_event(e);
  c.run_for(1s);
  CHECK(c.halted(2));
  CHECK(c.controller(2) == nullptr);
  CHECK_FALSE(c.halted(1));
}

TEST_CASE("vigil-crmd restarts alone: state is rebuilt from the CIB and the executor") {
  SimCluster c(options(2));
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  const auto ops_before = c.world().journal().size();
  c.restart_controller(2);  // not the DC
  REQUIRE(c.run_until([&] { return settled(c) && c.agreed_dc() == 1; }, 30s));
  c.run_for(5s);
  CHECK(runs_only_on(c, "node1"));
  c.restart_controller(1);  // the DC, on the node running the group
  bool ok = c.run_until([&] { return c.agreed_dc() == 1 && settled(c); }, 30s);
  INFO(c.dump());
  REQUIRE(ok);
  c.run_for(5s);
  // The group never stopped: its history came back from the executor.
  CHECK(runs_only_on(c, "node1"));
  bool restarted = false;
  const auto& j = c.world().journal();
  for (std::size_t i = ops_before; i < j.size(); ++i) {
    if (j[i].find(" stop ") != std::string::npos || j[i].find(" start ") != std::string::npos) {
      restarted = true;
    }
  }
  CHECK_FALSE(restarted);
}

TEST_CASE("a CIB the scheduler refuses is reported and not retried until it changes") {
  SimCluster c(options(2));
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  bool set = false;
  // Something vigil-cib accepts and the scheduler refuses: a bundle whose
  // primitive would be a promotable clone of an LSB agent (Pacemaker refuses
  // a promotable resource that is not OCF).
  c.cib_access(1)->modify(
      "resources",
      "<bundle id=\"b1\"><docker image=\"vigil/test\" promoted-max=\"1\"/>"
      "<network control-port=\"3121\"/><primitive id=\"b1-db\" class=\"lsb\" "
      "type=\"db\"/></bundle>",
      [&](Result<cibclient::CibReply> r) { set = r.ok(); },
      cibclient::UpdateOptions{std::nullopt, true, false});
  REQUIRE(c.run_until([&] { return set; }, 10s));
  c.run_for(2s);
  bool reported = false;
  for (const auto& line : c.log()) {
    if (line.find("event=schedule-failed") != std::string::npos) reported = true;
  }
  INFO(c.dump());
  CHECK(reported);
  const auto runs = c.controller(1)->status().scheduler_runs;
  c.run_for(60s);
  CHECK(c.controller(1)->status().scheduler_runs == runs);
  // What runs keeps running.
  CHECK(runs_only_on(c, "node1"));
}

TEST_CASE("cluster-recheck-interval from the CIB re-runs the scheduler when nothing happens") {
  SimCluster c(options(2));
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  bool set = false;
  c.cib_access(1)->modify(
      "crm_config",
      "<cluster_property_set id=\"cib-bootstrap-options\"><nvpair "
      "id=\"cib-bootstrap-options-cluster-recheck-interval\" name=\"cluster-recheck-interval\" "
      "value=\"2min\"/></cluster_property_set>",
      [&](Result<cibclient::CibReply> r) { set = r.ok(); });
  REQUIRE(c.run_until([&] { return set && settled(c); }, 10s));
  c.run_for(1s);
  const auto runs = c.controller(1)->status().scheduler_runs;
  c.run_for(110s);
  CHECK(c.controller(1)->status().scheduler_runs == runs);
  c.run_for(20s);
  CHECK(c.controller(1)->status().scheduler_runs == runs + 1);
  CHECK(runs_only_on(c, "node1"));
}

TEST_CASE("a controller that starts alone waits dc-deadtime for the others before acting") {
  WebCibOptions web;
  web.no_quorum_policy = "ignore";
  SimCluster c(options(3, web));
  c.start(2);
  c.run_for(10s);
  // Alone, and not even sure it is alone: nothing is decided yet.
  CHECK(c.world().nodes_running("VIP").empty());
  CHECK(c.controller(2)->status().scheduler_runs == 0);
  // The others show up: no need to wait any longer.
  c.start(1);
  c.start(3);
  bool ok = c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 5s);
  INFO(c.dump());
  REQUIRE(ok);

  SimCluster lone(options(3, web));
  lone.start(3);
  lone.run_for(19s);
  CHECK(lone.world().nodes_running("VIP").empty());
  // dc-deadtime (20 s) passed: node3 runs the cluster on its own.
  CHECK(lone.run_until([&] { return runs_only_on(lone, "node3"); }, 5s));
}

TEST_CASE("vigil-crmd down for a while on the node running the group: the DC waits for it") {
  SimCluster c(options(2));
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  const auto ops_before = c.world().journal().size();
  // The DC's own controller dies; node2 takes over, but node1 is still a
  // member and its resources still run: node2 must not start them.
  c.kill_controller(1);
  c.run_for(3s);
  CHECK(runs_only_on(c, "node1"));
  c.start_controller(1);
  bool ok = c.run_until([&] { return c.agreed_dc() == 1 && settled(c); }, 30s);
  INFO(c.dump());
  REQUIRE(ok);
  c.run_for(5s);
  CHECK(runs_only_on(c, "node1"));
  for (std::size_t i = ops_before; i < c.world().journal().size(); ++i) {
    INFO(c.world().journal()[i]);
    CHECK(c.world().journal()[i].find(" start ") == std::string::npos);
  }
  // A controller that does not come back: after the grace the DC schedules
  // without it (no fencing: what ran there is taken for stopped, as
  // Pacemaker does with stonith-enabled=false).
  c.kill_controller(2);
  c.run_for(5s);
  CHECK(runs_only_on(c, "node1"));
  c.kill_controller(1);
  c.start_controller(1);  // alone in the group now; node2 is a member without a controller
  c.run_for(10s);
  CHECK(runs_only_on(c, "node1"));
}

TEST_CASE("fail counts survive a controller restart; a node that leaves loses them") {
  WebCibOptions web;
  web.migration_threshold = "2";
  SimCluster c(options(2, web));
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  const std::string count = "//node_state[@id='1']//nvpair[@name='fail-count-Web#monitor_10000']";
  c.world().kill_resource("node1", "Web");
  REQUIRE(c.run_until(
      [&] {
        return runs_only_on(c, "node1") &&
               cib_attr(c, 2, count, "value") == std::optional<std::string>("1") && settled(c);
      },
      40s));
  // The DC's controller restarts on the node that holds the failure (node2
  // is DC for a moment, then node1 again): the count is not a new life's.
  c.restart_controller(1);
  REQUIRE(c.run_until([&] { return c.agreed_dc() == 1 && settled(c); }, 30s));
  c.run_for(5s);
  CHECK(cib_attr(c, 2, count, "value") == std::optional<std::string>("1"));
  // So the second failure reaches migration-threshold=2 ...
  c.world().kill_resource("node1", "Web");
  bool moved = c.run_until([&] { return runs_only_on(c, "node2") && settled(c); }, 40s);
  INFO(c.dump());
  REQUIRE(moved);
  // ... and another restart of node1's controller does not bring it back.
  c.restart_controller(1);
  REQUIRE(c.run_until([&] { return c.agreed_dc() == 1 && settled(c); }, 30s));
  c.run_for(10s);
  CHECK(runs_only_on(c, "node2"));
  CHECK(cib_attr(c, 2, count, "value") == std::optional<std::string>("2"));
  // A node that leaves the cluster takes its transient attributes with it:
  // node1 back from a crash is a new node, free to run the group again.
  c.crash(1);
  REQUIRE(c.run_until([&] { return settled(c) && !cib_attr(c, 2, count, "value"); }, 30s));
  c.start(1);
  bool back = c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 60s);
  INFO(c.dump());
  CHECK(back);
}

// Corosync refuses a CPG message above its limit; the controller's group goes
// through lib/cluster's chunking as vigil-crmd's does. A controller that
// restarts on a node running the group sends that node's whole executor
// history to the DC, at a limit far below it: it arrives only in chunks.
namespace {

SimClusterOptions tiny_cpg(bool chunk_controller) {
  SimClusterOptions o = options(2);
  o.max_message_size = 700;
  o.chunk_limits.compress_threshold = 256;
  o.chunk_limits.chunk_payload = 600;  // + the 40-byte chunk header
  o.chunk_controller = chunk_controller;
  return o;
}

bool logged(const SimCluster& c, const std::string& text) {
  for (const auto& line : c.log()) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

// The group running on node1, then node1's controller restarted.
void restart_controller_with_history(SimCluster& c) {
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s));
  c.restart_controller(1);
}

}  // namespace

TEST_CASE("controller messages above Corosync's limit travel in chunks") {
  SimCluster c(tiny_cpg(true));
  restart_controller_with_history(c);
  c.run_for(1s);
  bool ok = c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s);
  INFO(c.dump());
  REQUIRE(ok);
  CHECK_FALSE(logged(c, "event=send-failed"));
  // The DC got node1's history whole: nothing was stopped or started again.
  bool history_joined = false;
  for (const auto& line : c.log()) {
    const auto at = line.find("event=join node=node1 operations=");
    if (at != std::string::npos && line.find("fresh=true") != std::string::npos) {
      history_joined = history_joined || line.compare(at + 33, 2, "0 ") != 0;
    }
  }
  CHECK(history_joined);
  CHECK(c.world().nodes_running("VIP") == std::vector<std::string>{"node1"});
}

TEST_CASE("without the chunks the same limit refuses the controller's large messages") {
  SimCluster c(tiny_cpg(false));
  restart_controller_with_history(c);
  c.run_for(5s);
  INFO(c.dump());
  // The test above is about something: at this limit a history does not fit.
  CHECK(logged(c, "event=send-failed type=history"));
}
