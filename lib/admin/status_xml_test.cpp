// SPDX-License-Identifier: GPL-2.0-or-later
// crm_mon's XML status on small CIBs: which attributes and sections a
// resource, node and failure get. Expected values follow Pacemaker 2.1.5's
// XML formatters.
#include "vigil/admin/status_xml.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/status_facts.hpp"

namespace vigil::admin {
namespace {

constexpr EpochSeconds kNow = 1700000000;

// A two-node cluster (node1 the DC) around `resources`, `constraints` and
// node1's lrm resources; node2 is online with no history.
std::string cib(const std::string& resources, const std::string& lrm = "",
                const std::string& constraints = "", const std::string& node1_attrs = "",
                const std::string& tickets = "") {
  return R"(<cib epoch="1" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.7" crm_feature_set="3.16.2"
    have-quorum="1" dc-uuid="1" cib-last-written="Tue Nov 14 22:13:20 2023"
    update-client="cibadmin">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o-s" name="stonith-enabled" value="false"/>
      <nvpair id="o-v" name="dc-version" value="2.1.5-a3f44794f94"/>
      <nvpair id="o-i" name="cluster-infrastructure" value="corosync"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
    <resources>)" +
         resources + R"(</resources>
    <constraints>)" +
         constraints + R"(</constraints>
  </configuration>
  <status>)" +
         tickets +
         R"(
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
      <transient_attributes id="1"><instance_attributes id="s1">)" +
         node1_attrs + R"(</instance_attributes></transient_attributes>
      <lrm id="1"><lrm_resources>)" +
         lrm + R"(</lrm_resources></lrm>
    </node_state>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>)";
}

std::string dummy(const std::string& id, const std::string& meta = "") {
  return R"(<primitive id=")" + id + R"(" class="ocf" provider="pacemaker" type="Dummy">)" +
         (meta.empty()
              ? ""
              : R"(<meta_attributes id=")" + id + R"(-m">)" + meta + "</meta_attributes>") +
         "</primitive>";
}

// Clone C of Dummy P, clone-max=2, with more meta attributes.
std::string two_instance_clone(const std::string& more_meta = "") {
  return R"(<clone id="C"><meta_attributes id="C-m">
      <nvpair id="C-m1" name="clone-max" value="2"/>)" +
         more_meta + "</meta_attributes>" + dummy("P") + "</clone>";
}

std::string op(const std::string& rsc, const std::string& task, int interval, int call, int rc,
               const std::string& extra = "") {
  const std::string key = rsc + "_" + task + "_" + std::to_string(interval);
  return R"(<lrm_rsc_op id=")" + key + R"(" operation_key=")" + key + R"(" operation=")" + task +
         R"(" interval=")" + std::to_string(interval) + R"(" call-id=")" + std::to_string(call) +
         R"(" rc-code=")" + std::to_string(rc) +
         R"(" op-status="0" on_node="node1" last-rc-change="1699999000" exec-time="12"
           queue-time="0" transition-key="1:1:0:00000000-0000-0000-0000-000000000000" )" +
         extra + "/>";
}

std::string history(const std::string& rsc, const std::string& ops) {
  return R"(<lrm_resource id=")" + rsc + R"(" class="ocf" provider="pacemaker" type="Dummy">)" +
         ops + "</lrm_resource>";
}

struct XmlStatus {
  xml::DocPtr doc;
  explicit XmlStatus(const std::string& text) {
    auto d = xml::parse_string(text);
    REQUIRE(d);
    xml::DocPtr in = std::move(d).value();
    auto out = cluster_status_xml(in.get(), kNow);
    REQUIRE(out);
    auto parsed = xml::parse_string(*out);
    REQUIRE(parsed);
    doc = std::move(parsed).value();
  }
  const xmlNode* root() const { return xmlDocGetRootElement(doc.get()); }
  // The first element named `name` anywhere whose `attr` is `value` (any
  // such element when attr is null).
  const xmlNode* find(const char* name, const char* attr = nullptr,
                      const std::string& value = "") const {
    return find_in(root(), name, attr, value);
  }
  static const xmlNode* find_in(const xmlNode* n, const char* name, const char* attr,
                                const std::string& value) {
    for (const xmlNode* c : xml::children(n)) {
      if (xml::is(c, name) && (!attr || xml::attr_or(c, attr) == value)) return c;
      if (const xmlNode* f = find_in(c, name, attr, value)) return f;
    }
    return nullptr;
  }
  std::string attr(const char* name, const char* key, const std::string& value,
                   const char* wanted) const {
    const xmlNode* n = find(name, key, value);
    REQUIRE(n);
    return xml::attr_or(n, wanted, "(absent)");
  }
};

std::vector<std::string> child_names(const xmlNode* n) {
  std::vector<std::string> out;
  for (const xmlNode* c : xml::children(n)) out.emplace_back(xml::name(c));
  return out;
}

TEST_CASE("status xml: the sections crm_mon's XML mode shows, in its order") {
  XmlStatus s(cib(dummy("A"), history("A", op("A", "start", 0, 5, 0))));
  CHECK(child_names(s.root()) ==
        std::vector<std::string>{"summary", "nodes", "resources", "node_history", "status"});
  CHECK(s.attr("current_dc", nullptr, "", "name") == "node1");
  CHECK(s.attr("current_dc", nullptr, "", "version") == "2.1.5-a3f44794f94");
  CHECK(s.attr("current_dc", nullptr, "", "with_quorum") == "true");
  CHECK(s.attr("stack", nullptr, "", "type") == "corosync");
  CHECK(s.attr("last_change", nullptr, "", "client") == "cibadmin");
  CHECK(s.attr("last_change", nullptr, "", "user").empty());
  CHECK(s.attr("cluster_options", nullptr, "", "stonith-timeout-ms") == "60000");
  CHECK(s.attr("resources_configured", nullptr, "", "number") == "1");
  CHECK(s.attr("status", nullptr, "", "message") == "OK");
}

TEST_CASE("status xml: a stopped primitive has no node and is not active") {
  XmlStatus s(cib(dummy("A")));
  CHECK(s.attr("resource", "id", "A", "role") == "Stopped");
  CHECK(s.attr("resource", "id", "A", "active") == "false");
  CHECK(s.attr("resource", "id", "A", "nodes_running_on") == "0");
  CHECK(s.attr("resource", "id", "A", "resource_agent") == "ocf:pacemaker:Dummy");
  CHECK(s.attr("resource", "id", "A", "target_role") == "(absent)");
  CHECK(xml::children(s.find("resource", "id", "A")).empty());
  // Nothing ran anywhere: no history, and node2 has none either.
  CHECK(s.find("node_history") != nullptr);
  CHECK(s.find("resource_history") == nullptr);
}

TEST_CASE("status xml: a started primitive names its node; probes that found nothing are hidden") {
  XmlStatus s(cib(dummy("A"), history("A", op("A", "monitor", 0, 2, 7) + op("A", "start", 0, 5, 0) +
                                               op("A", "monitor", 10000, 6, 0))));
  CHECK(s.attr("resource", "id", "A", "role") == "Started");
  CHECK(s.attr("resource", "id", "A", "active") == "true");
  const xmlNode* on = s.find("resource", "id", "A")->children;
  while (on && on->type != XML_ELEMENT_NODE) on = on->next;
  REQUIRE(on);
  CHECK(xml::attr_or(on, "name") == "node1");
  CHECK(xml::attr_or(on, "cached") == "true");
  CHECK(s.attr("node", "name", "node1", "resources_running") == "1");
  CHECK(s.attr("node", "name", "node2", "resources_running") == "0");
  const xmlNode* rh = s.find("resource_history", "id", "A");
  REQUIRE(rh);
  CHECK(xml::attr_or(rh, "migration-threshold") == "1000000");
  CHECK(xml::attr_or(rh, "fail-count", "(absent)") == "(absent)");
  std::vector<std::string> tasks;
  for (const xmlNode* o : xml::children(rh, "operation_history")) {
    tasks.push_back(xml::attr_or(o, "task") + "/" + xml::attr_or(o, "interval", "-"));
  }
  CHECK(tasks == std::vector<std::string>{"start/-", "monitor/10000ms"});
  CHECK(s.attr("operation_history", "call", "5", "exec-time") == "12ms");
  CHECK(s.attr("operation_history", "call", "5", "queue-time") == "0ms");
}

TEST_CASE("status xml: a failed monitor marks the resource failed and is listed as a failure") {
  const std::string attrs =
      R"(<nvpair id="f1" name="fail-count-A#monitor_10000" value="2"/>
         <nvpair id="f2" name="last-failure-A#monitor_10000" value="1699999100"/>)";
  XmlStatus s(
      cib(dummy("A"),
          history("A", op("A", "start", 0, 5, 0) +
                           op("A", "monitor", 10000, 6, 7, R"(exit-reason="gone &lt;away&gt;")")),
          "", attrs));
  CHECK(s.attr("resource", "id", "A", "failed") == "true");
  const xmlNode* f = s.find("failure");
  REQUIRE(f);
  CHECK(xml::attr_or(f, "op_key") == "A_monitor_10000");
  CHECK(xml::attr_or(f, "node") == "node1");
  CHECK(xml::attr_or(f, "exitstatus") == "not running");
  CHECK(xml::attr_or(f, "exitcode") == "7");
  CHECK(xml::attr_or(f, "status") == "complete");
  CHECK(xml::attr_or(f, "interval") == "10000");
  CHECK(xml::attr_or(f, "task") == "monitor");
  // Pacemaker escapes the reason before it becomes an attribute.
  CHECK(xml::attr_or(f, "exitreason") == "gone &lt;away&gt;");
  CHECK(s.attr("resource_history", "id", "A", "fail-count") == "2");
  CHECK(s.attr("resource_history", "id", "A", "last-failure") != "(absent)");
  // Fail counts are no node attributes to list.
  CHECK(s.find("attribute", "name", "fail-count-A#monitor_10000") == nullptr);
}

TEST_CASE("status xml: an active orphan is listed as orphaned, an inactive one not at all") {
  XmlStatus active(cib(dummy("A"), history("A", op("A", "start", 0, 5, 0)) +
                                       history("Gone", op("Gone", "start", 0, 6, 0))));
  CHECK(active.attr("resource", "id", "Gone", "orphaned") == "true");
  CHECK(active.attr("resource", "id", "A", "orphaned") == "false");
  XmlStatus stopped(cib(dummy("A"), history("Gone", op("Gone", "stop", 0, 6, 0))));
  CHECK(stopped.find("resource", "id", "Gone") == nullptr);
}

TEST_CASE("status xml: unmanaged and disabled resources, and groups") {
  XmlStatus s(cib(dummy("U", R"(<nvpair id="U-m1" name="is-managed" value="false"/>)") +
                  R"(<group id="G"><meta_attributes id="G-m">
                    <nvpair id="G-m1" name="target-role" value="Stopped"/></meta_attributes>)" +
                  dummy("G1") + dummy("G2") + "</group>"));
  CHECK(s.attr("resource", "id", "U", "managed") == "false");
  CHECK(s.attr("group", "id", "G", "disabled") == "true");
  CHECK(s.attr("group", "id", "G", "number_resources") == "2");
  // Members inherit the group's target-role.
  CHECK(s.attr("resource", "id", "G1", "target_role") == "Stopped");
  CHECK(s.attr("resources_configured", nullptr, "", "disabled") == "2");
}

TEST_CASE("status xml: held unpromoted by target-role counts as disabled in a promotable clone") {
  XmlStatus s(cib(two_instance_clone(R"(<nvpair id="C-m2" name="promotable" value="true"/>
      <nvpair id="C-m3" name="target-role" value="Unpromoted"/>)")));
  CHECK(s.attr("clone", "id", "C", "multi_state") == "true");
  CHECK(s.attr("clone", "id", "C", "disabled") == "true");
  CHECK(s.attr("clone", "id", "C", "target_role") == "Unpromoted");
  CHECK(s.attr("resources_configured", nullptr, "", "disabled") == "2");
}

TEST_CASE("status xml: every clone instance is listed, by its primitive's id") {
  XmlStatus s(cib(two_instance_clone(), history("P", op("P", "start", 0, 5, 0))));
  const xmlNode* clone = s.find("clone", "id", "C");
  REQUIRE(clone);
  CHECK(xml::attr_or(clone, "unique") == "false");
  CHECK(xml::attr_or(clone, "multi_state") == "false");
  const auto instances = xml::children(clone, "resource");
  REQUIRE(instances.size() == 2);
  CHECK(xml::attr_or(instances[0], "id") == "P");
  CHECK(xml::attr_or(instances[0], "role") == "Started");
  CHECK(xml::attr_or(instances[1], "role") == "Stopped");
}

TEST_CASE("status xml: negative locations are bans, newest first") {
  XmlStatus s(cib(dummy("A") + dummy("B"), "",
                  R"(<rsc_location id="l1" rsc="A" node="node2" score="-INFINITY"/>
                  <rsc_location id="l2" rsc="A" node="node1" score="100"/>
                  <rsc_location id="l3" rsc="B" node="node1" score="-50"/>)"));
  const xmlNode* bans = s.find("bans");
  REQUIRE(bans);
  std::vector<std::string> ids;
  for (const xmlNode* b : xml::children(bans, "ban")) ids.push_back(xml::attr_or(b, "id"));
  CHECK(ids == std::vector<std::string>{"l3", "l1"});
  CHECK(s.attr("ban", "id", "l1", "weight") == "-1000000");
  CHECK(s.attr("ban", "id", "l3", "promoted-only") == "false");
}

TEST_CASE("status xml: node attributes leave out the automatic ones; tickets") {
  XmlStatus s(cib(dummy("A"), "", R"(<rsc_ticket id="t1" rsc="A" ticket="tB" loss-policy="stop"/>)",
                  R"(<nvpair id="a1" name="site" value="east"/>
                  <nvpair id="a2" name="shutdown" value="0"/>)",
                  R"(<tickets><ticket_state id="tA" granted="true" last-granted="1699990000"/>
                  </tickets>)"));
  CHECK(s.attr("attribute", "name", "site", "value") == "east");
  CHECK(s.find("attribute", "name", "shutdown") == nullptr);
  CHECK(s.attr("ticket", "id", "tA", "status") == "granted");
  CHECK(s.attr("ticket", "id", "tA", "last-granted") != "(absent)");
  CHECK(s.attr("ticket", "id", "tB", "status") == "revoked");
  CHECK(s.attr("ticket", "id", "tB", "last-granted") == "(absent)");
}

TEST_CASE("status xml: tickets in the order Pacemaker's hash table lists them") {
  // migrate-partial-4's ticket states, inserted in document order, and the
  // order crm_mon 2.1.5 printed them in.
  CHECK(
      pengine::hash_table_order({"lustre", "drbd-local", "drbd-stacked", "testfs-operational",
                                 "drbd-testfs-local", "drbd-testfs-stacked", "testfs-allocated"}) ==
      std::vector<std::string>{"drbd-testfs-local", "testfs-allocated", "lustre", "drbd-local",
                               "drbd-testfs-stacked", "drbd-stacked", "testfs-operational"});
  // A table that grows keeps every key once.
  std::vector<std::string> many;
  for (int i = 0; i < 40; ++i) many.push_back("t" + std::to_string(i));
  auto order = pengine::hash_table_order(many);
  CHECK(order.size() == many.size());
  std::sort(order.begin(), order.end());
  std::sort(many.begin(), many.end());
  CHECK(order == many);
}

TEST_CASE("status xml: the fencer's history, live only") {
  auto doc = xml::parse_string(cib(dummy("A"))).value();
  fencing::HistoryEntry done{.id = "node1:1",
                             .target = "node2",
                             .action = "reboot",
                             .origin = "node1",
                             .client = "pacemaker-controld",
                             .delegate = "node1",
                             .state = fencing::OpState::kDone,
                             .created = kNow - 20,
                             .completed = kNow - 10,
                             .reason = ""};
  fencing::HistoryEntry failed = done;
  failed.id = "node1:2";
  failed.state = fencing::OpState::kFailed;
  failed.reason = "no device";
  failed.delegate.clear();
  const std::vector<fencing::HistoryEntry> events{failed, done};
  auto text = cluster_status_xml(doc.get(), kNow, &events);
  REQUIRE(text);
  auto out = xml::parse_string(*text).value();
  const xmlNode* list =
      XmlStatus::find_in(xmlDocGetRootElement(out.get()), "fence_history", nullptr, "");
  REQUIRE(list);
  const auto ev = xml::children(list, "fence_event");
  REQUIRE(ev.size() == 2);
  CHECK(xml::attr_or(ev[0], "status") == "failed");
  CHECK(xml::attr_or(ev[0], "exit-reason") == "no device");
  CHECK_FALSE(xml::has_attr(ev[0], "delegate"));
  CHECK(xml::attr_or(ev[1], "status") == "success");
  CHECK(xml::attr_or(ev[1], "delegate") == "node1");
  CHECK(xml::attr_or(ev[1], "target") == "node2");
  CHECK(xml::has_attr(ev[1], "completed"));
  // A CIB file has no fencer to ask: no section.
  XmlStatus file(cib(dummy("A")));
  CHECK(file.find("fence_history") == nullptr);
}

TEST_CASE("status xml: a CIB its schema refuses gives crm_mon's error document") {
  // Two resources with one id.
  auto doc = xml::parse_string(cib(dummy("A") + dummy("A"))).value();
  auto text = cluster_status_xml(doc.get(), kNow);
  REQUIRE(text);
  auto out = xml::parse_string(*text).value();
  const xmlNode* root = xmlDocGetRootElement(out.get());
  CHECK(child_names(root) == std::vector<std::string>{"status"});
  const xmlNode* error = XmlStatus::find_in(root, "error", nullptr, "");
  REQUIRE(error);
  xml::XmlCharPtr content(xmlNodeGetContent(error));
  CHECK(std::string(reinterpret_cast<const char*>(content.get())) ==
        "Could not connect to the CIB: Update does not conform to the configured schema");
}

TEST_CASE("status xml: the command takes no further argument") {
  auto doc = xml::parse_string(cib(dummy("A"))).value();
  Context ctx;
  ctx.doc = doc.get();
  ctx.now = kNow;
  REQUIRE(run_command(ctx, {"status", "xml"}));
  CHECK(ctx.out.rfind("<pacemaker-result", 0) == 0);
  CHECK(ctx.out.back() == '\n');
  Context extra;
  extra.doc = doc.get();
  CHECK_FALSE(run_command(extra, {"status", "xml", "more"}));
}

}  // namespace
}  // namespace vigil::admin
