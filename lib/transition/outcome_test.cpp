// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/transition/outcome.hpp"

#include <catch2/catch.hpp>

#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::transition;

namespace {

Graph graph_with(const std::string& op, const std::string& attrs,
                 const std::string& offsets =
                     "failed-stop-offset=\"INFINITY\" "
                     "failed-start-offset=\"INFINITY\"") {
  std::string text = "<transition_graph cluster-delay=\"60s\" transition_id=\"4\" " + offsets +
                     "><synapse id=\"0\"><action_set><rsc_op id=\"12\" operation=\"" + op +
                     "\" operation_key=\"web_" + op +
                     "_0\" on_node=\"node1\" on_node_uuid=\"1\"><primitive id=\"web\" "
                     "class=\"ocf\" provider=\"heartbeat\" type=\"apache\"/><attributes " +
                     attrs + "/></rsc_op></action_set><inputs/></synapse></transition_graph>";
  auto g = parse_graph(text);
  if (!g) FAIL(g.error().message());
  return std::move(g).value();
}

OpResult result(int rc, int status = kExecDone) {
  OpResult r;
  r.rc = rc;
  r.op_status = status;
  r.call_id = 5;
  return r;
}

Classification classify_ok(const Graph& g, const OpResult& r) {
  auto c = classify(g, g.actions.front(), r, 1700000000);
  if (!c) FAIL(c.error().message());
  return std::move(c).value();
}

}  // namespace

TEST_CASE("outcome: attribute names as Pacemaker 2.1.5 writes them") {
  CHECK(fail_count_name("web", "monitor", 10000) == "fail-count-web#monitor_10000");
  CHECK(last_failure_name("web", "start", 0) == "last-failure-web#start_0");
}

TEST_CASE("outcome: degraded results count as healthy ones") {
  CHECK(effective_rc(190) == 0);
  CHECK(effective_rc(191) == 8);
  CHECK(effective_rc(7) == 7);
  Graph g = graph_with("monitor", "CRM_meta_interval=\"10000\"");
  auto c = classify_ok(g, result(190));
  CHECK(c.expected);
  CHECK(c.outcome == ActionOutcome::kOk);
}

TEST_CASE("outcome: probes") {
  Graph g = graph_with("monitor", "CRM_meta_op_target_rc=\"7\"");
  SECTION("not running is expected") {
    auto c = classify_ok(g, result(7));
    CHECK(c.probe);
    CHECK(c.expected);
    CHECK_FALSE(c.found_running);
    CHECK(c.outcome == ActionOutcome::kOk);
    CHECK(c.attr_updates.empty());
  }
  SECTION("found running aborts, without a fail count") {
    auto c = classify_ok(g, result(0));
    CHECK_FALSE(c.expected);
    CHECK(c.found_running);
    CHECK(c.outcome == ActionOutcome::kFailed);
    CHECK(c.aborts);
    CHECK(c.attr_updates.empty());
  }
  SECTION("an error is a failure, the history records it, not the fail count") {
    auto c = classify_ok(g, result(5));
    CHECK_FALSE(c.expected);
    CHECK_FALSE(c.found_running);
    CHECK(c.outcome == ActionOutcome::kFailed);
    CHECK(c.attr_updates.empty());
  }
}

TEST_CASE("outcome: a failed recurring monitor increments its fail count") {
  Graph g = graph_with("monitor", "CRM_meta_interval=\"10000\"");
  auto c = classify_ok(g, result(7));
  CHECK_FALSE(c.expected);
  CHECK_FALSE(c.probe);
  CHECK(c.outcome == ActionOutcome::kFailed);
  CHECK(c.aborts);
  REQUIRE(c.attr_updates.size() == 2);
  CHECK(c.attr_updates[0].name == "fail-count-web#monitor_10000");
  CHECK(c.attr_updates[0].value == "value++");
  CHECK(c.attr_updates[1].name == "last-failure-web#monitor_10000");
  CHECK(c.attr_updates[1].value == "1700000000");
}

TEST_CASE("outcome: failed starts and stops follow the graph's offsets") {
  SECTION("INFINITY offsets make the fail count INFINITY") {
    auto c = classify_ok(graph_with("start", ""), result(1));
    REQUIRE(c.attr_updates.size() == 2);
    CHECK(c.attr_updates[0].name == "fail-count-web#start_0");
    CHECK(c.attr_updates[0].value == "INFINITY");
    auto s = classify_ok(graph_with("stop", ""), result(1));
    CHECK(s.attr_updates[0].value == "INFINITY");
  }
  SECTION("finite offsets increment") {
    std::string offsets = "failed-stop-offset=\"1\" failed-start-offset=\"1\"";
    auto c = classify_ok(graph_with("start", "", offsets), result(1));
    CHECK(c.attr_updates[0].value == "value++");
  }
}

TEST_CASE("outcome: promote and demote failures count, migrations do not") {
  CHECK(classify_ok(graph_with("promote", ""), result(1)).attr_updates.size() == 2);
  CHECK(classify_ok(graph_with("demote", ""), result(1)).attr_updates.size() == 2);
  auto m = classify_ok(graph_with("migrate_to", ""), result(1));
  CHECK(m.outcome == ActionOutcome::kFailed);
  CHECK(m.attr_updates.empty());
}

TEST_CASE("outcome: executor statuses") {
  Graph g = graph_with("start", "");
  auto t = classify_ok(g, result(1, kExecTimeout));
  CHECK(t.outcome == ActionOutcome::kTimedOut);
  CHECK(t.attr_updates.size() == 2);
  // A timeout is a failure even with the target rc.
  CHECK_FALSE(classify_ok(g, result(0, kExecTimeout)).expected);
  auto c = classify_ok(g, result(0, kExecCancelled));
  CHECK(c.outcome == ActionOutcome::kCancelled);
  CHECK(c.attr_updates.empty());
  auto nc = classify_ok(g, result(1, kExecNotConnected));
  CHECK(nc.outcome == ActionOutcome::kFailed);
  auto pending = classify(g, g.actions.front(), result(193, kExecPending), 0);
  REQUIRE_FALSE(pending.ok());
  CHECK_THAT(pending.error().message(), Catch::Contains("pending"));
}

TEST_CASE("outcome: on-fail=ignore is no failure for the graph, only last-failure is kept") {
  Graph g = graph_with("monitor", "CRM_meta_interval=\"10000\" CRM_meta_on_fail=\"ignore\"");
  auto c = classify_ok(g, result(1));
  CHECK_FALSE(c.expected);
  CHECK(c.ignored);
  CHECK(c.outcome == ActionOutcome::kOk);
  CHECK_FALSE(c.aborts);
  REQUIRE(c.attr_updates.size() == 1);
  CHECK(c.attr_updates[0].name == "last-failure-web#monitor_10000");
}

TEST_CASE("outcome: only resource actions are classified") {
  auto g = parse_graph(
      "<transition_graph cluster-delay=\"60s\" transition_id=\"1\"><synapse id=\"0\">"
      "<action_set><crm_event id=\"1\" operation=\"stonith\" operation_key=\"stonith-n1-reboot\" "
      "on_node=\"n1\" on_node_uuid=\"101\"/></action_set></synapse></transition_graph>");
  REQUIRE(g.ok());
  auto c = classify(*g, g->actions[0], result(0), 0);
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.error().message(), Catch::Contains("not a resource action"));
}

TEST_CASE("outcome: fencing") {
  auto g = parse_graph(
      "<transition_graph cluster-delay=\"60s\" transition_id=\"1\"><synapse id=\"0\">"
      "<action_set><crm_event id=\"1\" operation=\"stonith\" operation_key=\"stonith-n1-reboot\" "
      "on_node=\"n1\" on_node_uuid=\"101\"/></action_set></synapse>"
      "<synapse id=\"1\"><action_set><crm_event id=\"2\" operation=\"do_shutdown\" "
      "operation_key=\"do_shutdown-n1\" on_node=\"n1\"/></action_set></synapse>"
      "</transition_graph>");
  REQUIRE(g.ok());
  CHECK(fence_outcome({true, ""}) == ActionOutcome::kOk);
  CHECK(fence_outcome({false, "no device"}) == ActionOutcome::kFailed);
  auto u = fenced_node_update(*g->find(1));
  REQUIRE(u.ok());
  auto doc = xml::parse_string(u->node_state_xml);
  REQUIRE(doc.ok());
  xmlNode* ns = xmlDocGetRootElement(doc->get());
  CHECK(xml::attr_or(ns, "id") == "101");
  CHECK(xml::attr_or(ns, "uname") == "n1");
  CHECK(xml::attr_or(ns, "in_ccm") == "false");
  CHECK(xml::attr_or(ns, "crmd") == "offline");
  CHECK(xml::attr_or(ns, "join") == "down");
  CHECK(xml::attr_or(ns, "expected") == "down");
  CHECK(xml::attr_or(ns, "crm-debug-origin") == "send_stonith_update");
  CHECK(u->delete_xpaths ==
        std::vector<std::string>{"//node_state[@uname='n1']/lrm",
                                 "//node_state[@uname='n1']/transient_attributes"});
  auto not_fence = fenced_node_update(*g->find(2));
  REQUIRE_FALSE(not_fence.ok());
  CHECK_THAT(not_fence.error().message(), Catch::Contains("not a fencing action"));
}

TEST_CASE("outcome: clear_failcount events") {
  auto parse_event = [](const std::string& attrs) {
    auto g = parse_graph(
        "<transition_graph cluster-delay=\"60s\" transition_id=\"1\"><synapse id=\"0\">"
        "<action_set><crm_event id=\"3\" operation=\"clear_failcount\" "
        "operation_key=\"web_clear_failcount_0\" on_node=\"n1\" on_node_uuid=\"1\">"
        "<primitive id=\"web\" class=\"ocf\" provider=\"heartbeat\" type=\"apache\"/>"
        "<attributes CRM_meta_op_no_wait=\"true\" " +
        attrs + "/></crm_event></action_set></synapse></transition_graph>");
    if (!g) FAIL(g.error().message());
    return g->actions.front();
  };
  auto all = clear_failures(parse_event(""));
  REQUIRE(all.ok());
  CHECK(all->rsc == "web");
  CHECK(all->node == "n1");
  CHECK(all->matches("fail-count-web#monitor_10000"));
  CHECK(all->matches("last-failure-web#start_0"));
  CHECK(all->matches("fail-count-web"));  // a whole-resource count
  CHECK_FALSE(all->matches("fail-count-webserver#start_0"));
  CHECK_FALSE(all->matches("fail-count-db#start_0"));
  CHECK_FALSE(all->matches("probe_complete"));
  CHECK(all->last_failure_xpath() ==
        "//node_state[@uname='n1']/lrm/lrm_resources/lrm_resource[@id='web']/"
        "lrm_rsc_op[@id='web_last_failure_0']");

  auto one = clear_failures(
      parse_event("CRM_meta_clear_failure_op=\"monitor\" CRM_meta_clear_failure_interval=\"10s\""));
  REQUIRE(one.ok());
  CHECK(one->matches("fail-count-web#monitor_10000"));
  CHECK_FALSE(one->matches("fail-count-web#monitor_20000"));
  CHECK_FALSE(one->matches("fail-count-web#start_0"));
  CHECK_FALSE(one->matches("fail-count-web"));

  CHECK_FALSE(clear_failures(parse_event("CRM_meta_clear_failure_interval=\"soon\"")).ok());
  auto g = parse_graph(
      "<transition_graph cluster-delay=\"60s\" transition_id=\"1\"><synapse id=\"0\">"
      "<action_set><crm_event id=\"2\" operation=\"do_shutdown\" "
      "operation_key=\"do_shutdown-n1\" on_node=\"n1\"/></action_set></synapse>"
      "</transition_graph>");
  REQUIRE(g.ok());
  CHECK_FALSE(clear_failures(g->actions[0]).ok());
}
