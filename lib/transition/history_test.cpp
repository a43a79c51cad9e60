// SPDX-License-Identifier: GPL-2.0-or-later
// Expected records follow Pacemaker's own: digests and attribute layouts are
// taken from lrm_rsc_op elements that Pacemaker 2.0/2.1 controllers wrote
// (cts/scheduler/xml/rule-dbl-as-integer-match.xml and
// restart-with-extra-op-params.xml), and the digest text format
// (" <parameters k=\"v\".../>\n", sorted) from lib/common/digest.c.
#include "vigil/transition/history.hpp"

#include <catch2/catch.hpp>

#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::transition;

namespace {

const char* kUuid = "7da33dac-2387-4da8-99fa-177eb69326d7";

GraphAction action(const std::string& op, const std::string& attrs, int id = 7,
                   const std::string& rsc = "dummy") {
  std::string text =
      "<transition_graph cluster-delay=\"60s\" transition_id=\"156\"><synapse id=\"0\">"
      "<action_set><rsc_op id=\"" +
      std::to_string(id) + "\" operation=\"" + op + "\" operation_key=\"" + rsc + "_" + op +
      "_0\" on_node=\"node1\" on_node_uuid=\"1\"><primitive id=\"" + rsc +
      "\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\"/><attributes "
      "CRM_meta_on_node=\"node1\" CRM_meta_on_node_uuid=\"1\" crm_feature_set=\"3.16.2\" " +
      attrs + "/></rsc_op></action_set><inputs/></synapse></transition_graph>";
  auto g = parse_graph(text);
  if (!g) FAIL(g.error().message());
  return g->actions.front();
}

HistoryContext ctx() {
  HistoryContext c;
  c.transition_id = 156;
  c.dc_uuid = kUuid;
  return c;
}

OpResult ok_result(int call_id, int rc = 0) {
  OpResult r;
  r.rc = rc;
  r.call_id = call_id;
  r.run_time = 1596926857;
  r.exec_time_ms = 48;
  r.queue_time_ms = 4;
  return r;
}

std::vector<HistoryRecord> build(const GraphAction& a, const OpResult& r,
                                 const HistoryContext& c = ctx()) {
  auto h = build_history(a, r, c);
  if (!h) FAIL(h.error().message());
  return std::move(h).value();
}

// Dummy's meta-data in Pacemaker 2.1.5: only "state" needs a restart, and
// no parameter is marked private (so passwd is secret by name).
AgentMetadata dummy_metadata() {
  AgentMetadata md;
  md.reload_agent = true;
  md.params = {{"state", false, false, false},        {"passwd", true, false, false},
               {"fake", true, false, false},          {"op_sleep", true, false, false},
               {"fail_start_on", true, false, false}, {"envfile", true, false, false}};
  return md;
}

}  // namespace

TEST_CASE("history: a successful start, as Pacemaker's controller records it") {
  auto recs = build(action("start", "CRM_meta_timeout=\"20000\""), ok_result(11));
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].xml() ==
        "<lrm_rsc_op id=\"dummy_last_0\" operation_key=\"dummy_start_0\" operation=\"start\" "
        "crm-debug-origin=\"do_update_resource\" crm_feature_set=\"3.16.2\" "
        "transition-key=\"7:156:0:7da33dac-2387-4da8-99fa-177eb69326d7\" "
        "transition-magic=\"0:0;7:156:0:7da33dac-2387-4da8-99fa-177eb69326d7\" exit-reason=\"\" "
        "on_node=\"node1\" call-id=\"11\" rc-code=\"0\" op-status=\"0\" interval=\"0\" "
        "last-rc-change=\"1596926857\" exec-time=\"48\" queue-time=\"4\" "
        "op-digest=\"f2317cad3d54cec5d7d7aa7d0bf35cf8\"/>");
}

TEST_CASE("history: a recurring monitor keeps its own record and its timeout in the digest") {
  auto recs = build(action("monitor", "CRM_meta_interval=\"10000\" CRM_meta_timeout=\"20000\""),
                    ok_result(12));
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].id == "dummy_monitor_10000");
  CHECK(*recs[0].attr("operation_key") == "dummy_monitor_10000");
  CHECK(*recs[0].attr("interval") == "10000");
  CHECK(*recs[0].attr("op-digest") == "4811cef7f7f94e3a35a70be7916cb2fd");
}

TEST_CASE("history: digests ignore meta attributes and node names, not parameters") {
  auto plain = action("start", "CRM_meta_timeout=\"20000\" fake=\"foo\" passwd=\"secret\"");
  auto noisy = action("start",
                      "CRM_meta_timeout=\"90000\" CRM_meta_name=\"start\" fake=\"foo\" "
                      "passwd=\"secret\" pcmk_external_ip=\"10.0.0.1\"");
  CHECK(op_digest(plain) == "0a23db6bf7afcd6399b059381001561f");
  CHECK(op_digest(noisy) == op_digest(plain));
  CHECK(op_digest(action("start", "fake=\"bar\" passwd=\"secret\"")) != op_digest(plain));
}

TEST_CASE("history: a failed start rewrites last_failure and last, with the exit reason") {
  OpResult r = ok_result(13, 1);
  r.exit_reason = "cannot bind <port> & \"address\"";
  auto recs = build(action("start", "CRM_meta_timeout=\"20000\""), r);
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].id == "dummy_last_failure_0");
  CHECK(recs[1].id == "dummy_last_0");
  for (const auto& rec : recs) {
    CHECK(*rec.attr("operation_key") == "dummy_start_0");
    CHECK(*rec.attr("rc-code") == "1");
    CHECK(*rec.attr("transition-magic") == "0:1;7:156:0:" + std::string(kUuid));
    CHECK(*rec.attr("exit-reason") == r.exit_reason);
  }
  CHECK_THAT(recs[0].xml(),
             Catch::Contains("exit-reason=\"cannot bind &lt;port&gt; &amp; &quot;address&quot;\""));
}

TEST_CASE("history: a failed recurring monitor only records last_failure") {
  auto recs = build(action("monitor", "CRM_meta_interval=\"10000\" CRM_meta_timeout=\"20000\""),
                    ok_result(14, 7));
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].id == "dummy_last_failure_0");
  CHECK(*recs[0].attr("operation_key") == "dummy_monitor_10000");
  CHECK(*recs[0].attr("rc-code") == "7");
}

TEST_CASE("history: a timed out operation is a failure whatever its rc") {
  OpResult r = ok_result(15, 0);
  r.op_status = kExecTimeout;
  auto recs = build(action("stop", "CRM_meta_timeout=\"20000\""), r);
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].id == "dummy_last_failure_0");
  CHECK(*recs[0].attr("op-status") == "2");
  CHECK(*recs[0].attr("transition-magic") == "2:0;7:156:0:" + std::string(kUuid));
}

TEST_CASE("history: a probe that finds nothing is expected, with target rc 7 in the key") {
  auto recs = build(action("monitor", "CRM_meta_op_target_rc=\"7\" CRM_meta_timeout=\"20000\"", 3),
                    ok_result(5, 7));
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].id == "dummy_last_0");
  CHECK(*recs[0].attr("transition-key") == "3:156:7:" + std::string(kUuid));
  CHECK(*recs[0].attr("exit-reason") == "");
}

TEST_CASE("history: migrations keep a record per direction with source and target") {
  auto recs = build(action("migrate_to",
                           "CRM_meta_migrate_source=\"node1\" CRM_meta_migrate_target=\"node2\" "
                           "CRM_meta_timeout=\"20000\""),
                    ok_result(20));
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].id == "dummy_migrate_to_0");
  CHECK(*recs[0].attr("migrate_source") == "node1");
  CHECK(*recs[0].attr("migrate_target") == "node2");
  // Even failed, a migration stays under its own id.
  auto failed = build(
      action("migrate_from", "CRM_meta_migrate_source=\"node1\" CRM_meta_migrate_target=\"node2\""),
      ok_result(21, 1));
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].id == "dummy_migrate_from_0");
}

TEST_CASE("history: reloads are recorded as a start, failed ones as a monitor") {
  auto ok = build(action("reload-agent", "fake=\"foo\""), ok_result(30));
  REQUIRE(ok.size() == 1);
  CHECK(ok[0].id == "dummy_last_0");
  CHECK(*ok[0].attr("operation") == "start");
  CHECK(*ok[0].attr("operation_key") == "dummy_start_0");
  OpResult bad = ok_result(31, 1);
  bad.op_status = kExecError;
  auto failed = build(action("reload", "fake=\"foo\""), bad);
  REQUIRE(failed.size() == 2);
  CHECK(*failed[0].attr("operation") == "monitor");
  CHECK(*failed[0].attr("operation_key") == "dummy_monitor_0");
}

TEST_CASE("history: timing attributes only when the executor gave any") {
  OpResult r;
  r.call_id = 2;
  auto recs = build(action("stop", ""), r);
  CHECK(recs[0].attr("last-rc-change") == nullptr);
  CHECK(recs[0].attr("exec-time") == nullptr);
  // A recurring op whose rc changed earlier keeps that time.
  OpResult m = ok_result(3);
  m.rc_change = 1596900000;
  auto mon = build(action("monitor", "CRM_meta_interval=\"5000\""), m);
  CHECK(*mon[0].attr("last-rc-change") == "1596900000");
  auto start = build(action("start", ""), m);
  CHECK(*start[0].attr("last-rc-change") == "1596926857");
}

TEST_CASE("history: restart and secure digests from the agent's meta-data") {
  AgentMetadata md = dummy_metadata();
  HistoryContext c = ctx();
  c.metadata = &md;
  auto start = build(action("start", "CRM_meta_timeout=\"20000\" fake=\"foo\" passwd=\"secret\""),
                     ok_result(10), c);
  REQUIRE(start.size() == 1);
  CHECK(*start[0].attr("op-force-restart") == "  state  ");
  CHECK(*start[0].attr("op-restart-digest") == "f2317cad3d54cec5d7d7aa7d0bf35cf8");
  CHECK(*start[0].attr("op-secure-params") == "  passwd  ");
  CHECK(*start[0].attr("op-secure-digest") == "e989cbe4a0e9492305ffdc8c6391ffee");
  auto mon = build(action("monitor",
                          "CRM_meta_interval=\"10000\" CRM_meta_timeout=\"20000\" "
                          "fake=\"foo\" passwd=\"secret\""),
                   ok_result(12), c);
  CHECK(mon[0].attr("op-force-restart") == nullptr);  // monitors are not reloadable
  CHECK(*mon[0].attr("op-secure-digest") == "5bdf174ed64795a495a62489f1057eff");
  // Explicitly private parameters replace the implicit names; several
  // parameters are listed in Pacemaker's (reversed meta-data) order.
  md.params[0].is_private = true;  // state
  md.params[2].is_private = true;  // fake
  auto priv = build(action("start", "fake=\"foo\" passwd=\"secret\""), ok_result(10), c);
  CHECK(*priv[0].attr("op-secure-params") == "  fake state  ");
  // No meta-data: neither list is recorded.
  auto bare = build(action("start", "fake=\"foo\""), ok_result(10));
  CHECK(bare[0].attr("op-force-restart") == nullptr);
  CHECK(bare[0].attr("op-secure-params") == nullptr);
}

TEST_CASE("history: only resource actions have history") {
  auto g = parse_graph(
      "<transition_graph cluster-delay=\"60s\" transition_id=\"1\"><synapse id=\"0\">"
      "<action_set><crm_event id=\"1\" operation=\"do_shutdown\" operation_key=\"do_shutdown-n1\" "
      "on_node=\"n1\"/></action_set></synapse></transition_graph>");
  REQUIRE(g.ok());
  auto h = build_history(g->actions[0], ok_result(1), ctx());
  REQUIRE_FALSE(h.ok());
  CHECK_THAT(h.error().message(), Catch::Contains("not a resource action"));
}

TEST_CASE("history: the CIB update for one result") {
  HistoryContext c = ctx();
  auto xml_text =
      result_update_xml(action("start", "CRM_meta_timeout=\"20000\""), ok_result(11), c);
  REQUIRE(xml_text.ok());
  auto doc = xml::parse_string(*xml_text);
  REQUIRE(doc.ok());
  xmlNode* ns = xmlDocGetRootElement(doc->get());
  CHECK(xml::is(ns, "node_state"));
  CHECK(xml::attr_or(ns, "id") == "1");
  CHECK(xml::attr_or(ns, "uname") == "node1");
  CHECK(xml::attr_or(ns, "crm-debug-origin") == "do_update_resource");
  xmlNode* lrm = xml::first_child(ns, "lrm");
  REQUIRE(lrm);
  CHECK(xml::attr_or(lrm, "id") == "1");
  xmlNode* rscs = xml::first_child(lrm, "lrm_resources");
  REQUIRE(rscs);
  xmlNode* rsc = xml::first_child(rscs, "lrm_resource");
  REQUIRE(rsc);
  CHECK(xml::attr_or(rsc, "id") == "dummy");
  CHECK(xml::attr_or(rsc, "class") == "ocf");
  CHECK(xml::attr_or(rsc, "provider") == "heartbeat");
  CHECK(xml::attr_or(rsc, "type") == "Dummy");
  auto ops = xml::children(rsc, "lrm_rsc_op");
  REQUIRE(ops.size() == 1);
  CHECK(xml::attr_or(ops[0], "id") == "dummy_last_0");

  GraphAction no_uuid = action("start", "");
  no_uuid.on_node_uuid.clear();
  auto bad = result_update_xml(no_uuid, ok_result(1), c);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message(), Catch::Contains("on_node_uuid"));
}

TEST_CASE("transition keys and magic encode and decode") {
  TransitionKey k{9, 2, 7, "be2e97d9-05e2-439d-863e-48f7aecab2aa"};
  CHECK(encode_transition_key(k) == "9:2:7:be2e97d9-05e2-439d-863e-48f7aecab2aa");
  // Short UUIDs are padded to 36 characters, as Pacemaker's "%-36s".
  CHECK(encode_transition_key({1, 0, 0, "dc"}) == "1:0:0:dc" + std::string(34, ' '));
  auto m = decode_transition_magic("0:7;9:2:7:be2e97d9-05e2-439d-863e-48f7aecab2aa");
  REQUIRE(m.ok());
  CHECK(m->op_status == 0);
  CHECK(m->rc == 7);
  CHECK(m->key.action_id == 9);
  CHECK(m->key.transition_id == 2);
  CHECK(m->key.target_rc == 7);
  CHECK(m->key.uuid == "be2e97d9-05e2-439d-863e-48f7aecab2aa");
  CHECK(encode_transition_magic(*m) == "0:7;9:2:7:be2e97d9-05e2-439d-863e-48f7aecab2aa");
  auto fake = decode_transition_key("2:-1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  REQUIRE(fake.ok());
  CHECK(fake->transition_id == -1);
  auto padded = decode_transition_key("1:0:0:dc" + std::string(34, ' '));
  REQUIRE(padded.ok());
  CHECK(padded->uuid == "dc");
  for (const char* bad : {"", "1:2:3", "a:2:3:uuid", "1:2:3:", "1:2:3:" /* no uuid */,
                          "1:2:3:0123456789012345678901234567890123456789", "1::3:u"}) {
    INFO(bad);
    CHECK_FALSE(decode_transition_key(bad).ok());
  }
  for (const char* bad : {"", "0:7", "x:7;9:2:7:u", "0:7;garbage", "0;7:9:2:7:u"}) {
    INFO(bad);
    CHECK_FALSE(decode_transition_magic(bad).ok());
  }
}

TEST_CASE("history: pending and lost results") {
  GraphAction mig = action("migrate_to", "CRM_meta_record_pending=\"true\"");
  CHECK(records_pending(mig));
  CHECK(records_pending(action("start", "")));  // the default is true
  CHECK_FALSE(records_pending(action("start", "CRM_meta_record_pending=\"false\"")));
  CHECK_FALSE(records_pending(action("cancel", "")));
  CHECK_FALSE(is_recordable(action("delete", "")));
  CHECK(is_recordable(action("stop", "")));

  auto pending = build(action("start", ""), pending_result(1700000000));
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].id == "dummy_last_0");
  CHECK(*pending[0].attr("op-status") == "-1");
  CHECK(*pending[0].attr("rc-code") == "193");
  CHECK(*pending[0].attr("call-id") == "-1");
  CHECK(*pending[0].attr("transition-magic") == "-1:193;7:156:0:" + std::string(kUuid));

  OpResult lost = lost_result(action("start", ""), 1700000000, "node2");
  CHECK(lost.op_status == kExecTimeout);
  CHECK(lost.rc == 1);
  CHECK(lost.exit_reason == "Controller on node1 did not return result in time");
  CHECK(lost_result(action("start", ""), 0, "node1").exit_reason ==
        "Local executor did not return result in time");
  HistoryContext c = ctx();
  c.origin = std::string(kLostResultOrigin);
  auto recs = build(action("start", ""), lost, c);
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].id == "dummy_last_failure_0");
  CHECK(*recs[0].attr("crm-debug-origin") == "controld_record_action_event");
  CHECK(*recs[0].attr("exit-reason") == "Controller on node1 did not return result in time");
}

TEST_CASE("history: what deletes and cancels erase") {
  auto del = erase_xpaths(action("delete", ""));
  REQUIRE(del.ok());
  CHECK(*del == std::vector<std::string>{
                    "//node_state[@uname='node1']/lrm/lrm_resources/lrm_resource[@id='dummy']"});
  GraphAction cancel = action("cancel", "CRM_meta_interval=\"10000\"");
  cancel.operation_key = "dummy_monitor_10000";
  auto c = erase_xpaths(cancel);
  REQUIRE(c.ok());
  CHECK(*c == std::vector<std::string>{
                  "//node_state[@uname='node1']/lrm/lrm_resources/"
                  "lrm_resource[@id='dummy']/lrm_rsc_op[@id='dummy_monitor_10000']"});
  auto start = erase_xpaths(action("start", ""));
  REQUIRE_FALSE(start.ok());
  CHECK_THAT(start.error().message(), Catch::Contains("erases no history"));
  GraphAction odd = action("delete", "");
  odd.on_node = "it's \"odd\"";
  CHECK_FALSE(erase_xpaths(odd).ok());
}

TEST_CASE("history: notifications are recorded under their own key, always successful") {
  OpResult r = ok_result(40, 1);
  r.exit_reason = "ignored";
  auto recs = build(
      action("notify", "CRM_meta_notify_type=\"post\" CRM_meta_notify_operation=\"start\""), r);
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].id == "dummy_post_notify_start_0");
  CHECK(*recs[0].attr("operation_key") == "dummy_notify_0");
  CHECK(*recs[0].attr("rc-code") == "0");
  CHECK(*recs[0].attr("exit-reason") == "");
  auto bad = build_history(action("notify", ""), r, ctx());
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message(), Catch::Contains("notify_type"));
}

TEST_CASE("history: agent meta-data as the controller reads it") {
  // The shape of ocf:pacemaker:Dummy's meta-data in Pacemaker 2.1.5.
  const char* dummy = R"(<?xml version="1.0"?>
<resource-agent name="Dummy" version="2.1">
<version>1.1</version>
<parameters>
<parameter name="state" unique-group="state"><content type="string"/></parameter>
<parameter name="passwd" reloadable="1"><content type="string"/></parameter>
<parameter name="fake" reloadable="1"><content type="string"/></parameter>
<parameter name="op_sleep" reloadable="1"><content type="string"/></parameter>
<parameter name="fail_start_on" reloadable="1"><content type="string"/></parameter>
<parameter name="envfile" reloadable="1"><content type="string"/></parameter>
</parameters>
<actions>
<action name="start" timeout="20s"/>
<action name="reload" timeout="20s"/>
<action name="reload-agent" timeout="20s"/>
</actions>
</resource-agent>)";
  auto md = parse_agent_metadata(dummy, "ocf");
  REQUIRE(md.ok());
  CHECK(md->reload_agent);
  CHECK_FALSE(md->legacy_reload);  // an OCF 1.1 agent's "reload" is not the legacy one
  REQUIRE(md->params.size() == 6);
  CHECK(md->params[0].name == "state");
  CHECK_FALSE(md->params[0].reloadable);
  CHECK(md->params[1].reloadable);
  CHECK_FALSE(md->params[1].is_private);
  HistoryContext c = ctx();
  c.metadata = &*md;
  auto recs = build(action("start", "fake=\"foo\" passwd=\"secret\""), ok_result(10), c);
  CHECK(*recs[0].attr("op-force-restart") == "  state  ");
  CHECK(*recs[0].attr("op-secure-params") == "  passwd  ");

  // A pre-1.1 agent: "reload" with unique parameters.
  const char* legacy = R"(<resource-agent name="old"><version>1.0</version>
<parameters><parameter name="ip" unique="1"/><parameter name="user"/>
<parameter name="secret" private="true"/></parameters>
<actions><action name="RELOAD"/><action name="reload-agent"/></actions></resource-agent>)";
  auto old = parse_agent_metadata(legacy, "ocf");
  REQUIRE(old.ok());
  CHECK(old->legacy_reload);
  CHECK_FALSE(old->reload_agent);
  c.metadata = &*old;
  auto rec2 = build(action("start", "ip=\"10.0.0.1\" user=\"u\" secret=\"s\""), ok_result(11), c);
  CHECK(*rec2[0].attr("op-force-restart") == "  ip  ");
  // An explicit private parameter: user is not secret by name any more.
  CHECK(*rec2[0].attr("op-secure-params") == "  secret  ");

  // Fence agents have no OCF version: reload-agent is not used.
  auto fence = parse_agent_metadata(dummy, "stonith");
  REQUIRE(fence.ok());
  CHECK_FALSE(fence->reload_agent);
  CHECK(fence->legacy_reload);

  CHECK_FALSE(parse_agent_metadata("not xml", "ocf").ok());
  CHECK_FALSE(parse_agent_metadata("<agent/>", "ocf").ok());
  auto nameless = parse_agent_metadata(
      "<resource-agent><parameters><parameter/></parameters></resource-agent>", "ocf");
  REQUIRE_FALSE(nameless.ok());
  CHECK_THAT(nameless.error().message(), Catch::Contains("without a name"));
}

TEST_CASE("history: shutdown locks travel with the results of locked actions") {
  auto g = parse_graph(
      "<transition_graph cluster-delay=\"60s\" transition_id=\"3\"><synapse id=\"0\">"
      "<action_set><rsc_op id=\"4\" operation=\"stop\" operation_key=\"A_stop_0\" "
      "on_node=\"node1\" on_node_uuid=\"1\" shutdown-lock=\"1767261540\">"
      "<primitive id=\"A\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"/>"
      "<attributes CRM_meta_timeout=\"20000\"/></rsc_op></action_set><inputs/></synapse>"
      "</transition_graph>");
  REQUIRE(g.ok());
  const GraphAction& stop = g->actions[0];
  CHECK(stop.shutdown_lock == 1767261540);
  CHECK(recorded_shutdown_lock(stop, ok_result(3)) == std::optional<std::int64_t>(1767261540));
  // A failed stop clears the lock.
  CHECK(recorded_shutdown_lock(stop, ok_result(3, 1)) == std::optional<std::int64_t>(0));
  CHECK_FALSE(recorded_shutdown_lock(action("stop", ""), ok_result(3)).has_value());
  auto update = result_update_xml(stop, ok_result(3), ctx());
  REQUIRE(update.ok());
  CHECK_THAT(*update, Catch::Contains("<lrm_resource id=\"A\" class=\"ocf\" "
                                      "provider=\"pacemaker\" type=\"Dummy\" "
                                      "shutdown-lock=\"1767261540\">"));
  auto plain = result_update_xml(action("stop", ""), ok_result(3), ctx());
  REQUIRE(plain.ok());
  CHECK_THAT(*plain, !Catch::Contains("shutdown-lock"));
}
