// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cib/cib.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "hostile_xml.hpp"
#include "temp_dir.hpp"

namespace {

using Catch::Matchers::Contains;
using vigil::ErrorCode;
using vigil::cib::Cib;
using vigil::cib::OpConfig;
using vigil::cib::ResourceConfig;
using vigil::cib::RscKind;

// A CIB around the given sections (each may be empty).
std::string make_cib(const std::string& resources, const std::string& constraints = "",
                     const std::string& status = "", const std::string& extra_config = "") {
  return R"(<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="1" uname="node1"/>
      <node id="2"/>
    </nodes>
    <resources>)" +
         resources + "</resources>\n<constraints>" + constraints + "</constraints>\n" +
         extra_config + "</configuration>\n<status>" + status + "</status>\n</cib>\n";
}

std::unique_ptr<Cib> load(const std::string& text) {
  auto cib = Cib::from_string(text, "test.xml");
  INFO((cib ? std::string("parsed") : cib.error().message()));
  REQUIRE(cib.ok());
  return std::move(cib).value();
}

std::string load_error(const std::string& text, const std::string& what = "test.xml") {
  auto cib = Cib::from_string(text, what);
  REQUIRE_FALSE(cib.ok());
  return cib.error().message();
}

// A CIB whose node1 ran primitive "a" with the given lrm_rsc_op entries.
std::unique_ptr<Cib> load_history(const std::string& ops) {
  const std::string status = R"(
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1"><lrm_resources>
        <lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy">)" +
                             ops + R"(</lrm_resource>
      </lrm_resources></lrm>
    </node_state>)";
  return load(
      make_cib(R"(<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>)", "", status));
}

const OpConfig* find_op(const ResourceConfig& rc, const std::string& id) {
  auto it =
      std::find_if(rc.ops.begin(), rc.ops.end(), [&](const OpConfig& op) { return op.id == id; });
  return it == rc.ops.end() ? nullptr : &*it;
}

std::vector<std::string> op_ids(const ResourceConfig& rc) {
  std::vector<std::string> ids;
  for (const auto& op : rc.ops) ids.push_back(op.id);
  return ids;
}

const std::string kTemplate = R"(
      <template id="dummy-tmpl" class="ocf" provider="pacemaker" type="Dummy">
        <meta_attributes id="tmpl-meta">
          <nvpair id="tmpl-meta-stickiness" name="resource-stickiness" value="5"/>
        </meta_attributes>
        <instance_attributes id="tmpl-params">
          <nvpair id="tmpl-params-state" name="state" value="/run/tmpl"/>
        </instance_attributes>
        <operations>
          <op id="tmpl-monitor" name="monitor" interval="10s" timeout="20s"/>
          <op id="tmpl-start" name="start" interval="0" timeout="60s"/>
        </operations>
      </template>
      <primitive id="r1" template="dummy-tmpl">
        <meta_attributes id="r1-meta">
          <nvpair id="r1-meta-stickiness" name="resource-stickiness" value="50"/>
        </meta_attributes>
        <operations>
          <op id="r1-monitor" name="monitor" interval="10s" timeout="30s"/>
          <op id="r1-monitor-long" name="monitor" interval="60s"/>
        </operations>
      </primitive>
      <primitive id="r2" template="dummy-tmpl"/>
)";

}  // namespace

TEST_CASE("templates are resolved into the primitives that use them", "[cib][template]") {
  auto cib = load(make_cib(kTemplate));
  // The template itself is not a resource.
  REQUIRE(cib->resources.size() == 2);
  const ResourceConfig& r1 = *cib->resources[0];
  const ResourceConfig& r2 = *cib->resources[1];
  CHECK(r1.id == "r1");
  CHECK(r1.kind == RscKind::kPrimitive);
  CHECK(r1.template_id == "dummy-tmpl");
  CHECK(r1.cls == "ocf");
  CHECK(r1.provider == "pacemaker");
  CHECK(r1.type == "Dummy");

  SECTION("the primitive's own sets come after the template's, so they win") {
    // Pacemaker appends the primitive's children to a copy of the template,
    // and of sets with equal scores the later one applies first.
    REQUIRE(r1.meta_sets.size() == 2);
    CHECK(r1.meta_sets[0].id == "tmpl-meta");
    CHECK(r1.meta_sets[1].id == "r1-meta");
    vigil::rules::AttrMap meta;
    vigil::rules::apply_nvsets(r1.meta_sets, vigil::rules::RuleInput{}, meta);
    CHECK(meta.at("resource-stickiness") == "50");
    REQUIRE(r1.instance_sets.size() == 1);
    CHECK(r1.instance_sets[0].id == "tmpl-params");
  }
  SECTION("a primitive's ops replace the template's of the same name and role") {
    // Whatever their intervals; the primitive's come first.
    CHECK(op_ids(r1) == std::vector<std::string>{"r1-monitor", "r1-monitor-long", "tmpl-start"});
    const OpConfig* mon = find_op(r1, "r1-monitor");
    REQUIRE(mon != nullptr);
    CHECK(mon->interval_ms == 10000);
    CHECK(mon->attrs.at("timeout") == "30s");
  }
  SECTION("a primitive without its own parts takes everything from the template") {
    CHECK(r2.cls == "ocf");
    CHECK(r2.type == "Dummy");
    CHECK(op_ids(r2) == std::vector<std::string>{"tmpl-monitor", "tmpl-start"});
    REQUIRE(r2.meta_sets.size() == 1);
    CHECK(r2.meta_sets[0].id == "tmpl-meta");
  }
}

TEST_CASE("a primitive naming a missing template is refused", "[cib][template]") {
  auto msg = load_error(make_cib(R"(<primitive id="r1" template="no-such-tmpl"/>)"));
  CHECK_THAT(msg, Contains("r1"));
  CHECK_THAT(msg, Contains("no-such-tmpl"));
}

TEST_CASE("tags list their objects and expand inside resource sets", "[cib][tags]") {
  auto cib = load(make_cib(
      R"(<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>
         <primitive id="b" class="ocf" provider="pacemaker" type="Dummy"/>
         <primitive id="c" class="ocf" provider="pacemaker" type="Dummy"/>)",
      R"(<rsc_order id="order-tagged">
           <resource_set id="order-tagged-0">
             <resource_ref id="web-tag"/>
             <resource_ref id="c"/>
           </resource_set>
         </rsc_order>)",
      "",
      R"(<tags>
           <tag id="web-tag"><obj_ref id="a"/><obj_ref id="b"/></tag>
           <tag id="empty-tag"/>
         </tags>)"));
  REQUIRE(cib->tags.count("web-tag") == 1);
  CHECK(cib->tags.at("web-tag") == std::vector<std::string>{"a", "b"});
  REQUIRE(cib->tags.count("empty-tag") == 1);
  CHECK(cib->tags.at("empty-tag").empty());
  REQUIRE(cib->orders.size() == 1);
  REQUIRE(cib->orders[0].sets.size() == 1);
  CHECK(cib->orders[0].sets[0].rscs == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("resource sets keep their attributes, defaults and references", "[cib][sets]") {
  auto cib = load(make_cib(
      R"(<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>
         <primitive id="b" class="ocf" provider="pacemaker" type="Dummy"/>
         <primitive id="c" class="ocf" provider="pacemaker" type="Dummy"/>)",
      R"(<rsc_colocation id="coloc-sets" score="INFINITY">
           <resource_set id="set-1" sequential="false" require-all="false" role="Started">
             <resource_ref id="a"/>
             <resource_ref id="b"/>
           </resource_set>
           <resource_set id="set-2">
             <resource_ref id="c"/>
           </resource_set>
         </rsc_colocation>
         <rsc_order id="order-sets" kind="Serialize">
           <resource_set id="set-3" action="stop" score="-50"><resource_ref id="c"/></resource_set>
           <resource_set id-ref="set-1"/>
         </rsc_order>)"));
  REQUIRE(cib->colocations.size() == 1);
  const auto& k = cib->colocations[0];
  CHECK(k.id == "coloc-sets");
  CHECK(k.score.value() == vigil::kInfinity);
  CHECK(k.rsc.empty());
  REQUIRE(k.sets.size() == 2);
  CHECK(k.sets[0].id == "set-1");
  CHECK(k.sets[0].rscs == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(k.sets[0].sequential);
  CHECK_FALSE(k.sets[0].require_all);
  CHECK(k.sets[0].role == "Started");
  CHECK(k.sets[1].sequential);
  CHECK(k.sets[1].require_all);
  CHECK(k.sets[1].role.empty());
  CHECK_FALSE(k.sets[1].score.has_value());

  REQUIRE(cib->orders.size() == 1);
  const auto& o = cib->orders[0];
  CHECK(o.kind == "Serialize");
  REQUIRE(o.sets.size() == 2);
  CHECK(o.sets[0].action == "stop");
  REQUIRE(o.sets[0].score.has_value());
  CHECK(o.sets[0].score->value() == -50);
  // An id-ref set is the set it names.
  CHECK(o.sets[1].id == "set-1");
  CHECK(o.sets[1].rscs == std::vector<std::string>{"a", "b"});
}

TEST_CASE("a resource_set id-ref to nothing is refused", "[cib][sets]") {
  auto msg = load_error(
      make_cib(R"(<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>)",
               R"(<rsc_order id="order-bad"><resource_set id-ref="nowhere"/></rsc_order>)"));
  CHECK_THAT(msg, Contains("order-bad"));
  CHECK_THAT(msg, Contains("nowhere"));
}

TEST_CASE("operation history is sorted by call id with pending operations last", "[cib][status]") {
  auto cib = load_history(R"(
          <lrm_rsc_op id="a_pending_first" operation_key="a_start_0" operation="start" call-id="-1" rc-code="193" op-status="-1" interval="0"/>
          <lrm_rsc_op id="a_monitor_10000" operation_key="a_monitor_10000" operation="monitor" call-id="12" rc-code="0" op-status="0" interval="10000"/>
          <lrm_rsc_op id="a_last_0" operation_key="a_start_0" operation="start" call-id="5" rc-code="0" op-status="0" interval="0" last-rc-change="1700000000"/>
          <lrm_rsc_op id="a_pending_second" operation_key="a_stop_0" operation="stop" call-id="-1" op-status="-1" interval="0"/>
          <lrm_rsc_op id="a_probe" operation_key="a_monitor_0" operation="monitor" call-id="2" rc-code="7" op-status="0" interval="0"/>
          <lrm_rsc_op id="a_big" operation_key="a_monitor_60000" operation="monitor" call-id="100" rc-code="0" op-status="0" interval="60000"/>
)");
  REQUIRE(cib->node_states.size() == 1);
  REQUIRE(cib->node_states[0].resources.size() == 1);
  const auto& h = cib->node_states[0].resources[0];
  CHECK(h.id == "a");
  CHECK(h.cls == "ocf");
  CHECK(h.type == "Dummy");
  std::vector<std::string> ids;
  std::vector<int> calls;
  for (const auto& op : h.ops) {
    ids.push_back(op.id);
    calls.push_back(op.call_id);
  }
  // Numeric order (12 < 100, not as strings), and the two pending ones at
  // the end, in reverse document order (Pacemaker gathers them newest
  // element first).
  CHECK(calls == std::vector<int>{2, 5, 12, 100, -1, -1});
  CHECK(ids == std::vector<std::string>{"a_probe", "a_last_0", "a_monitor_10000", "a_big",
                                        "a_pending_second", "a_pending_first"});
  const auto& probe = h.ops[0];
  CHECK(probe.has_rc);
  CHECK(probe.rc == 7);
  CHECK(probe.task == "monitor");
  CHECK(probe.key == "a_monitor_0");
  CHECK(h.ops[1].last_rc_change == 1700000000);
  CHECK_FALSE(h.ops[4].has_rc);
  CHECK(h.ops[4].op_status == -1);
}

TEST_CASE("pending operations of several transitions sort around completed ones", "[cib][status]") {
  // Pending notifications are all "equal" to each other, yet each is ordered
  // against a completed operation by its transition: the promoted monitor
  // (transition 20) stays before the start (transition 30).
  auto cib = load_history(R"(
          <lrm_rsc_op id="a_last_0" operation_key="a_start_0" operation="start" call-id="50" rc-code="0" op-status="0" interval="0" transition-magic="0:0;1:30:0:0e7ed8a3-0385-4a94-b1ff-f4f765fb3cb6"/>
          <lrm_rsc_op id="a_post_notify_start_0" operation_key="a_notify_0" operation="notify" call-id="-1" rc-code="0" op-status="0" interval="0" transition-magic="0:0;2:30:0:0e7ed8a3-0385-4a94-b1ff-f4f765fb3cb6"/>
          <lrm_rsc_op id="a_pre_notify_promote_0" operation_key="a_notify_0" operation="notify" call-id="-1" rc-code="0" op-status="0" interval="0" transition-magic="0:0;3:19:0:0e7ed8a3-0385-4a94-b1ff-f4f765fb3cb6"/>
          <lrm_rsc_op id="a_pre_notify_demote_0" operation_key="a_notify_0" operation="notify" call-id="-1" rc-code="0" op-status="0" interval="0" transition-magic="0:0;4:25:0:0e7ed8a3-0385-4a94-b1ff-f4f765fb3cb6"/>
          <lrm_rsc_op id="a_monitor_31000" operation_key="a_monitor_31000" operation="monitor" call-id="40" rc-code="8" op-status="0" interval="31000" transition-magic="0:8;5:20:8:0e7ed8a3-0385-4a94-b1ff-f4f765fb3cb6"/>
)");
  REQUIRE(cib->node_states.size() == 1);
  const auto& h = cib->node_states[0].resources[0];
  std::vector<std::string> ids;
  for (const auto& op : h.ops) ids.push_back(op.id);
  auto pos = [&](const char* id) { return std::find(ids.begin(), ids.end(), id) - ids.begin(); };
  CHECK(pos("a_monitor_31000") < pos("a_last_0"));
  CHECK(pos("a_last_0") < pos("a_post_notify_start_0"));
  CHECK(ids.back() == "a_post_notify_start_0");
}

TEST_CASE("a pending operation is ordered by its transition against a completed one",
          "[cib][status]") {
  // The pending start is of transition 8, the stop of 9 (same engine): the
  // stop is newer. The pending monitor's transition (12) is later than the
  // start's (3): it comes last.
  auto cib = load_history(R"(
          <lrm_rsc_op id="a_pending" operation_key="a_start_0" operation="start" call-id="-1" rc-code="-1" op-status="-1" interval="0" transition-magic="-1:-1;-1:8:0:uuid-1"/>
          <lrm_rsc_op id="a_stop" operation_key="a_stop_0" operation="stop" call-id="8" rc-code="0" op-status="0" interval="0" transition-magic="0:0;0:9:0:uuid-1"/>
)");
  const auto& h = cib->node_states.at(0).resources.at(0);
  REQUIRE(h.ops.size() == 2);
  CHECK(h.ops[0].id == "a_pending");
  CHECK(h.ops[1].id == "a_stop");

  auto later = load_history(R"(
          <lrm_rsc_op id="a_pending" operation_key="a_start_0" operation="start" call-id="-1" rc-code="-1" op-status="-1" interval="0" transition-magic="-1:-1;-1:12:0:uuid-1"/>
          <lrm_rsc_op id="a_start" operation_key="a_start_0" operation="start" call-id="8" rc-code="0" op-status="0" interval="0" transition-magic="0:0;0:3:0:uuid-1"/>
)");
  const auto& l = later->node_states.at(0).resources.at(0);
  REQUIRE(l.ops.size() == 2);
  CHECK(l.ops[0].id == "a_start");
  CHECK(l.ops[1].id == "a_pending");

  // Another engine's transition says nothing: the pending one is last.
  auto other = load_history(R"(
          <lrm_rsc_op id="a_pending" operation_key="a_start_0" operation="start" call-id="-1" rc-code="-1" op-status="-1" interval="0" transition-magic="-1:-1;-1:8:0:uuid-1"/>
          <lrm_rsc_op id="a_stop" operation_key="a_stop_0" operation="stop" call-id="8" rc-code="0" op-status="0" interval="0" transition-magic="0:0;0:9:0:uuid-2"/>
)");
  const auto& o = other->node_states.at(0).resources.at(0);
  REQUIRE(o.ops.size() == 2);
  CHECK(o.ops[1].id == "a_pending");
}

TEST_CASE("history intervals are milliseconds; configured intervals are durations",
          "[cib][status]") {
  const std::string status = R"(
    <node_state id="1" uname="node1" in_ccm="true" crmd="online">
      <lrm id="1"><lrm_resources>
        <lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy">
          <lrm_rsc_op id="a_monitor_30000" operation_key="a_monitor_30000" operation="monitor" call-id="3" rc-code="0" interval="30000"/>
          <lrm_rsc_op id="a_monitor_120000" operation_key="a_monitor_120000" operation="monitor" call-id="4" rc-code="0" interval="120000"/>
          <lrm_rsc_op id="a_last_0" operation_key="a_start_0" operation="start" call-id="2" rc-code="0"/>
        </lrm_resource>
      </lrm_resources></lrm>
    </node_state>)";
  auto cib = load(make_cib(R"(<primitive id="a" class="ocf" provider="pacemaker" type="Dummy">
          <operations>
            <op id="a-mon-30s" name="monitor" interval="30s"/>
            <op id="a-mon-2m" name="monitor" interval="2m"/>
            <op id="a-mon-iso" name="monitor" interval="PT1H"/>
            <op id="a-mon-plain" name="monitor" interval="15"/>
            <op id="a-start" name="start"/>
          </operations>
        </primitive>)",
                           "", status));
  const auto& h = cib->node_states[0].resources[0];
  REQUIRE(h.ops.size() == 3);
  CHECK(h.ops[0].interval_ms == 0);  // absent
  CHECK(h.ops[1].interval_ms == 30000);
  CHECK(h.ops[2].interval_ms == 120000);

  const ResourceConfig& a = *cib->resources[0];
  CHECK(find_op(a, "a-mon-30s")->interval_ms == 30000);
  CHECK(find_op(a, "a-mon-2m")->interval_ms == 120000);
  CHECK(find_op(a, "a-mon-iso")->interval_ms == 3600000);
  CHECK(find_op(a, "a-mon-plain")->interval_ms == 15000);  // bare numbers are seconds
  CHECK(find_op(a, "a-start")->interval_ms == 0);
}

TEST_CASE("a configured op with a bad interval is refused", "[cib]") {
  auto msg = load_error(make_cib(R"(<primitive id="a" class="ocf" provider="pacemaker" type="Dummy">
        <operations><op id="a-mon" name="monitor" interval="often"/></operations>
      </primitive>)"));
  CHECK_THAT(msg, Contains("a-mon"));
  CHECK_THAT(msg, Contains("often"));
}

TEST_CASE("node states read membership in its old and new forms", "[cib][status]") {
  auto cib = load(make_cib("", "", R"(
      <node_state id="1" uname="node1" in_ccm="1700000000" crmd="online" join="member" expected="member"/>
      <node_state id="2" uname="node2" in_ccm="false" crmd="offline" join="down" expected="down"/>)"));
  REQUIRE(cib->node_states.size() == 2);
  const auto& n1 = cib->node_states[0];
  const auto& n2 = cib->node_states[1];
  CHECK(n1.has_in_ccm);
  CHECK(n1.in_ccm == true);  // a timestamp means "member since"
  CHECK(n1.crmd == "online");
  CHECK_FALSE(n1.has_lrm);
  CHECK(n2.in_ccm == false);
  CHECK(n2.expected == "down");
  // A node without uname is known by its id.
  REQUIRE(cib->nodes.size() == 2);
  CHECK(cib->nodes[0].uname == "node1");
  CHECK(cib->nodes[1].uname == "2");
}

TEST_CASE("groups keep their members in order with parent links", "[cib]") {
  auto cib = load(make_cib(R"(<group id="g">
        <primitive id="first" class="ocf" provider="heartbeat" type="IPaddr2"/>
        <primitive id="second" class="ocf" provider="heartbeat" type="apache"/>
      </group>
      <primitive id="alone" class="systemd" type="chronyd"/>)"));
  REQUIRE(cib->resources.size() == 2);
  const ResourceConfig& g = *cib->resources[0];
  CHECK(g.kind == RscKind::kGroup);
  CHECK(g.parent == nullptr);
  REQUIRE(g.children.size() == 2);
  CHECK(g.children[0]->id == "first");
  CHECK(g.children[1]->id == "second");
  CHECK(g.children[1]->parent == &g);
  CHECK(cib->resources[1]->cls == "systemd");
  CHECK(cib->resources[1]->provider.empty());
  // The element's own attributes are kept (they become meta attributes).
  using Attrs = std::vector<std::pair<std::string, std::string>>;
  CHECK(g.children[1]->attrs ==
        Attrs{{"id", "second"}, {"class", "ocf"}, {"provider", "heartbeat"}, {"type", "apache"}});
  CHECK(g.attrs == Attrs{{"id", "g"}});
}

TEST_CASE("malformed XML is an error naming the input and the line", "[cib][errors]") {
  auto cib = Cib::from_string("<cib>\n<configuration>\n</cib>\n", "broken.xml");
  REQUIRE_FALSE(cib.ok());
  CHECK(cib.error().code() == ErrorCode::kInvalidInput);
  CHECK_THAT(cib.error().message(), Contains("broken.xml"));
  CHECK_THAT(cib.error().message(), Contains("malformed XML"));
  CHECK_THAT(cib.error().message(), Contains("line 3"));

  SECTION("an empty document too") {
    auto empty = Cib::from_string("", "empty.xml");
    REQUIRE_FALSE(empty.ok());
    CHECK_THAT(empty.error().message(), Contains("empty.xml"));
  }
  SECTION("and a missing file") {
    auto missing = Cib::from_file("/nonexistent/vigil-cib-test.xml");
    REQUIRE_FALSE(missing.ok());
    CHECK_THAT(missing.error().message(), Contains("vigil-cib-test.xml"));
  }
}

TEST_CASE("a document whose root is not <cib> is refused", "[cib][errors]") {
  auto msg = load_error("<configuration><resources/></configuration>", "notcib.xml");
  CHECK_THAT(msg, Contains("notcib.xml"));
  CHECK_THAT(msg, Contains("<configuration>"));
  CHECK_THAT(msg, Contains("expected <cib>"));
}

TEST_CASE("a cib without configuration is refused", "[cib][errors]") {
  auto msg = load_error(R"(<cib validate-with="pacemaker-3.7"><status/></cib>)", "noconfig.xml");
  CHECK_THAT(msg, Contains("noconfig.xml"));
  CHECK_THAT(msg, Contains("configuration"));
}

TEST_CASE("cib attributes are read", "[cib]") {
  auto cib = load(
      R"(<cib validate-with="pacemaker-3.7" have-quorum="1" dc-uuid="2" execution-date="1700000000">
      <configuration><crm_config/><nodes/><resources/><constraints/></configuration>
    </cib>)");
  CHECK(cib->validate_with == "pacemaker-3.7");
  CHECK(cib->have_quorum);
  CHECK(cib->dc_uuid == "2");
  CHECK(cib->execution_date == "1700000000");
  CHECK(cib->no_quorum_panic.empty());
  CHECK(cib->node_states.empty());
  auto panic = load(R"(<cib validate-with="pacemaker-3.7" no-quorum-panic="true">
      <configuration><crm_config/><nodes/><resources/><constraints/></configuration></cib>)");
  CHECK(panic->no_quorum_panic == "true");
}

TEST_CASE("constraints keep their document order across kinds", "[cib]") {
  using vigil::cib::ConstraintKind;
  auto cib = load(make_cib(R"(<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>
      <primitive id="b" class="ocf" provider="pacemaker" type="Dummy"/>)",
                           R"(<rsc_order id="o1" first="a" then="b"/>
      <rsc_location id="l1" rsc="a" node="node1" score="10"/>
      <rsc_colocation id="c1" rsc="b" with-rsc="a" score="5"/>
      <rsc_ticket id="t1" rsc="a" ticket="T"/>
      <rsc_order id="o2" first="b" then="a"/>)"));
  REQUIRE(cib->constraint_order.size() == 5);
  std::vector<std::string> ids;
  for (const auto& c : cib->constraint_order) {
    if (c.kind == ConstraintKind::kLocation) ids.push_back(cib->locations.at(c.index).id);
    if (c.kind == ConstraintKind::kColocation) ids.push_back(cib->colocations.at(c.index).id);
    if (c.kind == ConstraintKind::kOrder) ids.push_back(cib->orders.at(c.index).id);
    if (c.kind == ConstraintKind::kTicket) ids.push_back(cib->tickets.at(c.index).id);
  }
  CHECK(ids == std::vector<std::string>{"o1", "l1", "c1", "t1", "o2"});
}

TEST_CASE("rsc_ticket constraints and ticket states are read", "[cib][tickets]") {
  auto cib = load(make_cib(R"(<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>
      <primitive id="b" class="ocf" provider="pacemaker" type="Dummy"/>)",
                           R"(<rsc_ticket id="t1" rsc="a" rsc-role="Promoted" ticket="T"
                                          loss-policy="demote"/>
      <rsc_ticket id="t2" ticket="U">
        <resource_set id="s1" role="Started"><resource_ref id="a"/><resource_ref id="b"/></resource_set>
      </rsc_ticket>)",
                           R"(<tickets>
        <ticket_state id="T" granted="true" last-granted="1000" owner="x"/>
        <ticket_state id="U" standby="yes"/>
      </tickets>)"));
  REQUIRE(cib->tickets.size() == 2);
  const auto& t1 = cib->tickets[0];
  CHECK(t1.rsc == "a");
  CHECK(t1.rsc_role == "Promoted");
  CHECK(t1.ticket == "T");
  CHECK(t1.loss_policy == "demote");
  CHECK(t1.sets.empty());
  const auto& t2 = cib->tickets[1];
  CHECK(t2.rsc.empty());
  CHECK(t2.loss_policy.empty());
  REQUIRE(t2.sets.size() == 1);
  CHECK(t2.sets[0].role == "Started");
  CHECK(t2.sets[0].rscs == std::vector<std::string>{"a", "b"});
  REQUIRE(cib->ticket_states.size() == 2);
  CHECK(cib->ticket_states[0].id == "T");
  using Attrs = std::vector<std::pair<std::string, std::string>>;
  CHECK(cib->ticket_states[0].attrs ==
        Attrs{{"granted", "true"}, {"last-granted", "1000"}, {"owner", "x"}});
  CHECK(cib->ticket_states[1].attrs == Attrs{{"standby", "yes"}});
}

TEST_CASE("template ids are known without the document", "[cib][template]") {
  auto cib = load(make_cib(kTemplate));
  CHECK(cib->template_ids.count("dummy-tmpl") == 1);
  CHECK(cib->template_ids.count("r1") == 0);
}

TEST_CASE("what digests need from a history entry is captured", "[cib][status]") {
  auto cib = load_history(R"(
          <lrm_rsc_op id="a_last_0" operation_key="a_start_0" operation="start" call-id="5" rc-code="0" op-status="0" interval="0" crm_feature_set="3.0.14" op-secure-params=" passwd " op-force-restart=""/>
          <lrm_rsc_op id="a_monitor_10000" operation_key="a_monitor_10000" operation="monitor" call-id="6" rc-code="0" op-status="0" interval="10000"/>
)");
  const auto& ops = cib->node_states.at(0).resources.at(0).ops;
  REQUIRE(ops.size() == 2);
  CHECK(ops[0].feature_set == "3.0.14");
  CHECK(ops[0].secure_params == " passwd ");
  // An empty op-force-restart is a list of no parameters, not a missing one.
  REQUIRE(ops[0].force_restart_params.has_value());
  CHECK(ops[0].force_restart_params->empty());
  CHECK(ops[1].feature_set.empty());
  CHECK_FALSE(ops[1].force_restart_params.has_value());
}

TEST_CASE("every CIB reader refuses a document with a DOCTYPE before expanding it",
          "[cib][untrusted]") {
  vigil::test::TempDir dir;
  const std::string path = dir.path() + "/cib.xml";
  auto cib = [](const std::string& ref) {
    return R"(<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0">)"
           R"(<configuration><crm_config/><nodes><node id="1" uname=")" +
           ref + R"("/></nodes><resources/><constraints/></configuration><status/></cib>)";
  };
  for (const auto& h : vigil::testing::hostile_documents("cib", cib)) {
    INFO(h.name);
    std::ofstream(path) << h.text;
    for (int reader = 0; reader < 4; ++reader) {
      INFO("reader " << reader);
      auto r = reader == 0   ? Cib::from_file(path)
               : reader == 1 ? Cib::from_string(h.text, "cib text")
               : reader == 2 ? Cib::from_file_streaming(path)
                             : Cib::from_string_streaming(h.text, "cib text");
      REQUIRE_FALSE(r);
      CHECK(r.error().code() == ErrorCode::kInvalidInput);
      CHECK_THAT(r.error().message(),
                 Contains("XML with a DTD or entity declarations is not accepted"));
    }
  }
}
