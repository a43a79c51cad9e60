// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/transition/graph.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace vigil;
using namespace vigil::transition;

namespace {

// A live migration as Pacemaker writes it (ids out of document order, a
// pseudo action, probe with target rc 7, record-pending on migrate_to).
const char* kMigrate =
    R"(<transition_graph cluster-delay="60s" stonith-timeout="90s" failed-stop-offset="INFINITY" failed-start-offset="10" batch-limit="5" migration-limit="2" transition_id="7" recheck-by="1700000123">
  <synapse id="0">
    <action_set>
      <rsc_op id="5" operation="migrate_from" operation_key="rsc3_migrate_from_0" on_node="node2" on_node_uuid="2">
        <primitive id="rsc3" class="ocf" provider="heartbeat" type="apache"/>
        <attributes CRM_meta_migrate_source="node1" CRM_meta_migrate_target="node2" CRM_meta_on_node="node2" CRM_meta_on_node_uuid="2" CRM_meta_timeout="20000" allow_migrate="on" />
      </rsc_op>
    </action_set>
    <inputs>
      <trigger>
        <rsc_op id="4" operation="migrate_to" operation_key="rsc3_migrate_to_0" on_node="node1" on_node_uuid="1"/>
      </trigger>
    </inputs>
  </synapse>
  <synapse id="1" priority="3">
    <action_set>
      <rsc_op id="4" operation="migrate_to" operation_key="rsc3_migrate_to_0" on_node="node1" on_node_uuid="1">
        <primitive id="rsc3" class="ocf" provider="heartbeat" type="apache"/>
        <attributes CRM_meta_migrate_source="node1" CRM_meta_migrate_target="node2" CRM_meta_record_pending="true" CRM_meta_timeout="20000" CRM_meta_start_delay="500" allow_migrate="on" />
      </rsc_op>
    </action_set>
    <inputs>
      <trigger>
        <rsc_op id="1" operation="monitor" operation_key="rsc3_monitor_0" on_node="node2" on_node_uuid="2"/>
      </trigger>
    </inputs>
  </synapse>
  <synapse id="2">
    <action_set>
      <pseudo_event id="3" operation="start" operation_key="rsc3_start_0">
        <attributes CRM_meta_timeout="20000" allow_migrate="on" />
      </pseudo_event>
    </action_set>
    <inputs>
      <trigger>
        <rsc_op id="1" operation="monitor" operation_key="rsc3_monitor_0" on_node="node2" on_node_uuid="2"/>
      </trigger>
      <trigger>
        <rsc_op id="5" operation="migrate_from" operation_key="rsc3_migrate_from_0" on_node="node2" on_node_uuid="2"/>
      </trigger>
    </inputs>
  </synapse>
  <synapse id="3">
    <action_set>
      <rsc_op id="1" operation="monitor" operation_key="rsc3_monitor_0" on_node="node2" on_node_uuid="2">
        <primitive id="rsc3" long-id="grp:rsc3" class="ocf" provider="heartbeat" type="apache"/>
        <attributes CRM_meta_on_node="node2" CRM_meta_on_node_uuid="2" CRM_meta_op_target_rc="7" CRM_meta_timeout="20000" allow_migrate="on" />
      </rsc_op>
    </action_set>
    <inputs/>
  </synapse>
  <synapse id="4" priority="1000000">
    <action_set>
      <crm_event id="9" operation="stonith" operation_key="stonith-node3-reboot" on_node="node3" on_node_uuid="3">
        <attributes CRM_meta_on_node="node3" CRM_meta_on_node_uuid="3" CRM_meta_stonith_action="reboot" />
        <downed>
          <node id="3"/>
        </downed>
      </crm_event>
    </action_set>
    <inputs/>
  </synapse>
  <synapse id="5">
    <action_set>
      <crm_event id="10" operation="do_shutdown" operation_key="do_shutdown-node1" on_node="node1" on_node_uuid="1">
        <attributes CRM_meta_on_node="node1" CRM_meta_on_node_uuid="1" CRM_meta_op_no_wait="true" />
      </crm_event>
    </action_set>
    <inputs>
      <trigger>
        <rsc_op id="4" operation="migrate_to" operation_key="rsc3_migrate_to_0" on_node="node1" on_node_uuid="1"/>
      </trigger>
    </inputs>
  </synapse>
</transition_graph>)";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  s.replace(pos, from.size(), to);
  return s;
}

std::string error_of(std::string_view text) {
  auto g = parse_graph(text);
  REQUIRE_FALSE(g.ok());
  return g.error().message();
}

}  // namespace

TEST_CASE("graph: transition attributes") {
  auto g = parse_graph(kMigrate);
  REQUIRE(g.ok());
  CHECK(g->transition_id == 7);
  CHECK(g->cluster_delay == Duration(60000));
  CHECK(g->stonith_timeout == Duration(90000));
  CHECK(g->failed_stop_offset == "INFINITY");
  CHECK(g->failed_start_offset == "10");
  CHECK(g->batch_limit == 5);
  CHECK(g->migration_limit == 2);
  REQUIRE(g->recheck_by.has_value());
  CHECK(*g->recheck_by == 1700000123);
  CHECK(g->synapses.size() == 6);
  CHECK(g->size() == 6);
}

TEST_CASE("graph: stonith-timeout defaults to cluster-delay, limits to none") {
  auto g = parse_graph(
      R"(<transition_graph cluster-delay="2min" failed-stop-offset="INFINITY" failed-start-offset="INFINITY" transition_id="0"/>)");
  REQUIRE(g.ok());
  CHECK(g->cluster_delay == Duration(120000));
  CHECK(g->stonith_timeout == Duration(120000));
  CHECK(g->batch_limit == 0);
  CHECK(g->migration_limit == -1);
  CHECK_FALSE(g->recheck_by.has_value());
  CHECK(g->synapses.empty());
}

TEST_CASE("graph: actions, primitives, attributes and inputs") {
  auto g = parse_graph(kMigrate);
  REQUIRE(g.ok());
  const GraphAction* mt = g->find(4);
  REQUIRE(mt);
  CHECK(mt->kind == ActionKind::kRscOp);
  CHECK(mt->operation == "migrate_to");
  CHECK(mt->operation_key == "rsc3_migrate_to_0");
  CHECK(mt->on_node == "node1");
  CHECK(mt->on_node_uuid == "1");
  CHECK(mt->router_node.empty());
  REQUIRE(mt->primitive);
  CHECK(mt->primitive->id == "rsc3");
  CHECK(mt->primitive->cls == "ocf");
  CHECK(mt->primitive->provider == "heartbeat");
  CHECK(mt->primitive->type == "apache");
  CHECK(mt->rsc_id() == "rsc3");
  // 20000 ms timeout plus 500 ms start delay.
  CHECK(mt->timeout_ms == 20500);
  CHECK(mt->target_rc == 0);
  REQUIRE(mt->meta("migrate_target"));
  CHECK(*mt->meta("migrate_target") == "node2");
  CHECK(mt->parameters() ==
        std::map<std::string, std::string, std::less<>>{{"allow_migrate", "on"}});
  CHECK(g->synapses[mt->synapse].id == 1);
  CHECK(g->synapses[mt->synapse].priority == 3);
  CHECK(g->synapses[mt->synapse].inputs == std::vector<int>{1});

  const GraphAction* probe = g->find(1);
  REQUIRE(probe);
  CHECK(probe->target_rc == 7);
  CHECK(probe->interval_ms == 0);
  CHECK(probe->primitive->long_id == "grp:rsc3");

  const GraphAction* start = g->find(3);
  REQUIRE(start);
  CHECK(start->kind == ActionKind::kPseudo);
  CHECK_FALSE(start->primitive);
  CHECK(g->synapses[start->synapse].inputs == std::vector<int>{1, 5});

  const GraphAction* fence = g->find(9);
  REQUIRE(fence);
  CHECK(fence->kind == ActionKind::kFence);
  CHECK(fence->downed == std::vector<std::string>{"3"});
  CHECK(g->synapses[fence->synapse].priority == 1000000);

  const GraphAction* shutdown = g->find(10);
  REQUIRE(shutdown);
  CHECK(shutdown->kind == ActionKind::kClusterEvent);
  CHECK(shutdown->no_wait);
  CHECK_FALSE(mt->no_wait);

  CHECK(g->find(2) == nullptr);
  CHECK(g->find(-1) == nullptr);
}

TEST_CASE("graph: node-level rsc_ops have no primitive") {
  // Pacemaker's reprobe request (cts/scheduler reprobe-target_rc).
  auto g = parse_graph(
      "<transition_graph cluster-delay=\"60s\" transition_id=\"0\"><synapse id=\"0\">"
      "<action_set><rsc_op id=\"2\" operation=\"probe_again\" "
      "operation_key=\"probe_again-node-1\" on_node=\"node-1\" on_node_uuid=\"node-1\">"
      "<attributes CRM_meta_on_node=\"node-1\" CRM_meta_op_no_wait=\"true\"/></rsc_op>"
      "</action_set><inputs/></synapse></transition_graph>");
  REQUIRE(g.ok());
  CHECK_FALSE(g->actions[0].primitive);
  CHECK(g->actions[0].rsc_id().empty());
  CHECK(g->actions[0].no_wait);
}

TEST_CASE("graph: a <param> child of attributes is a parameter") {
  // Pacemaker writes a parameter named with a leading digit this way.
  auto g = parse_graph(
      "<transition_graph cluster-delay=\"60s\" transition_id=\"0\"><synapse id=\"0\">"
      "<action_set><rsc_op id=\"2\" operation=\"start\" operation_key=\"ip_start_0\" "
      "on_node=\"node-1\" on_node_uuid=\"node-1\"><primitive id=\"ip\" class=\"ocf\" "
      "provider=\"heartbeat\" type=\"IPaddr\"/><attributes CRM_meta_timeout=\"20000\">"
      "<param name=\"1\" value=\"10.0.0.1\"/></attributes></rsc_op>"
      "</action_set><inputs/></synapse></transition_graph>");
  REQUIRE(g.ok());
  CHECK(g->actions[0].attributes.at("1") == "10.0.0.1");
  CHECK(g->actions[0].attributes.at("CRM_meta_timeout") == "20000");
}

TEST_CASE("graph: malformed graphs are refused with the element named") {
  SECTION("garbage and truncation") {
    CHECK_FALSE(parse_graph("not xml at all").ok());
    CHECK_FALSE(parse_graph(std::string(kMigrate).substr(0, 700)).ok());
    CHECK_FALSE(parse_graph("").ok());
  }
  SECTION("wrong root") {
    CHECK_THAT(error_of("<cib/>"), Catch::Contains("not <transition_graph>"));
  }
  SECTION("missing transition_id") {
    CHECK_THAT(error_of(replace(kMigrate, "transition_id=\"7\"", "")),
               Catch::Contains("missing transition_id"));
  }
  SECTION("missing or bad cluster-delay") {
    CHECK_THAT(error_of(replace(kMigrate, "cluster-delay=\"60s\"", "")),
               Catch::Contains("missing cluster-delay"));
    CHECK_THAT(error_of(replace(kMigrate, "cluster-delay=\"60s\"", "cluster-delay=\"soon\"")),
               Catch::Contains("bad cluster-delay"));
  }
  SECTION("bad synapse priority") {
    CHECK_THAT(error_of(replace(kMigrate, "priority=\"3\"", "priority=\"high\"")),
               Catch::Contains("synapse 1: bad priority"));
  }
  SECTION("action without id") {
    CHECK_THAT(error_of(replace(kMigrate, "<pseudo_event id=\"3\"", "<pseudo_event")),
               Catch::Contains("synapse 2") && Catch::Contains("missing id"));
  }
  SECTION("duplicate action id") {
    CHECK_THAT(error_of(replace(kMigrate, "<crm_event id=\"10\"", "<crm_event id=\"9\"")),
               Catch::Contains("duplicate action id 9"));
  }
  SECTION("unknown action element") {
    std::string text = replace(kMigrate, "<pseudo_event id=\"3\"", "<bogus_event id=\"3\"");
    text = replace(text, "</pseudo_event>", "</bogus_event>");
    CHECK_THAT(error_of(text), Catch::Contains("unknown action element <bogus_event>"));
  }
  SECTION("input naming no action of the graph") {
    std::string text = replace(kMigrate, "<trigger>\n        <rsc_op id=\"4\"",
                               "<trigger>\n        <rsc_op id=\"44\"");
    CHECK_THAT(error_of(text), Catch::Contains("synapse 0: input 44 is not an action"));
  }
  SECTION("resource action without node") {
    CHECK_THAT(
        error_of(replace(kMigrate, "on_node=\"node3\" on_node_uuid=\"3\">", "on_node_uuid=\"3\">")),
        Catch::Contains("crm_event 9: missing on_node"));
  }
  SECTION("bad timeout") {
    CHECK_THAT(
        error_of(replace(kMigrate, "CRM_meta_start_delay=\"500\"", "CRM_meta_start_delay=\"x\"")),
        Catch::Contains("bad CRM_meta_start_delay"));
  }
  SECTION("dependency cycle") {
    // migrate_to (4) now also waits for migrate_from (5), which waits for it.
    std::string text = replace(kMigrate,
                               "<inputs>\n      <trigger>\n        <rsc_op id=\"1\" "
                               "operation=\"monitor\" operation_key=\"rsc3_monitor_0\" "
                               "on_node=\"node2\" on_node_uuid=\"2\"/>\n      </trigger>\n    "
                               "</inputs>\n  </synapse>\n  <synapse id=\"2\">",
                               "<inputs>\n      <trigger>\n        <rsc_op id=\"5\" "
                               "operation=\"migrate_from\"/>\n      </trigger>\n    "
                               "</inputs>\n  </synapse>\n  <synapse id=\"2\">");
    CHECK_THAT(error_of(text), Catch::Contains("dependency cycle"));
  }
  SECTION("self dependency") {
    std::string text = replace(kMigrate, "<inputs/>\n  </synapse>\n  <synapse id=\"4\"",
                               "<inputs><trigger><rsc_op id=\"1\"/></trigger></inputs>\n  "
                               "</synapse>\n  <synapse id=\"4\"");
    CHECK_THAT(error_of(text), Catch::Contains("depends on its own action 1"));
  }
}

// The graph read from pieces of every size is the graph read whole, and its
// errors are the same: a malformed text is refused as malformed even when
// a bad synapse comes first.
TEST_CASE("graph: GraphParser reads a graph handed over in pieces") {
  auto whole = parse_graph(kMigrate);
  REQUIRE(whole.ok());
  const std::string_view text = kMigrate;
  for (std::size_t piece : {1, 7, 64, 300, 5000}) {
    CAPTURE(piece);
    GraphParser reader;
    for (std::size_t at = 0; at < text.size(); at += piece) reader.feed(text.substr(at, piece));
    auto g = reader.finish();
    REQUIRE(g.ok());
    CHECK(g->transition_id == whole->transition_id);
    CHECK(g->batch_limit == whole->batch_limit);
    REQUIRE(g->synapses.size() == whole->synapses.size());
    for (std::size_t i = 0; i < g->synapses.size(); ++i) {
      CHECK(g->synapses[i].id == whole->synapses[i].id);
      CHECK(g->synapses[i].priority == whole->synapses[i].priority);
      CHECK(g->synapses[i].actions == whole->synapses[i].actions);
      CHECK(g->synapses[i].inputs == whole->synapses[i].inputs);
    }
    REQUIRE(g->size() == whole->size());
    for (std::size_t i = 0; i < g->size(); ++i) {
      CHECK(g->actions[i].id == whole->actions[i].id);
      CHECK(g->actions[i].operation_key == whole->actions[i].operation_key);
      CHECK(g->actions[i].attributes == whole->actions[i].attributes);
      CHECK(g->actions[i].timeout_ms == whole->actions[i].timeout_ms);
    }
    CHECK(g->find(5)->synapse == whole->find(5)->synapse);
  }
  SECTION("errors") {
    auto error_in_pieces = [](std::string_view t) {
      GraphParser reader;
      for (std::size_t at = 0; at < t.size(); at += 50) reader.feed(t.substr(at, 50));
      auto g = reader.finish();
      REQUIRE_FALSE(g.ok());
      return g.error().message();
    };
    std::string bad = replace(kMigrate, "priority=\"3\"", "priority=\"high\"");
    CHECK(error_in_pieces(bad) == error_of(bad));
    std::string broken = bad.substr(0, bad.size() - 30);
    CHECK_THAT(error_in_pieces(broken), Catch::Contains("malformed XML"));
    CHECK(error_in_pieces(broken) == error_of(broken));
    CHECK_THAT(error_in_pieces("<cib/>"), Catch::Contains("not <transition_graph>"));
  }
}

// Every graph of Pacemaker's regression corpus parses (run on demand:
// vigil_transition_tests "[.corpus]"; needs ../shared/conformance or
// $VIGIL_CONFORMANCE_DIR).
TEST_CASE("graph: Pacemaker's corpus parses", "[.corpus]") {
  namespace fs = std::filesystem;
  const char* env = std::getenv("VIGIL_CONFORMANCE_DIR");
  fs::path base =
      env ? fs::path(env) : fs::path(VIGIL_SOURCE_DIR) / ".." / "shared" / "conformance";
  fs::path dir = base / "cases" / "exp";
  REQUIRE(fs::is_directory(dir));
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    auto g = parse_graph(ss.str());
    INFO(e.path().filename().string());
    CHECK(g.ok());
    if (!g.ok()) WARN(g.error().message());
    ++n;
  }
  CHECK(n > 100);
}
