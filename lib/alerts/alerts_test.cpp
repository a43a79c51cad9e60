// SPDX-License-Identifier: GPL-2.0-or-later
// The <alerts> section and the alert environment, against Pacemaker 2.1.5's
// documented behaviour (Pacemaker Explained, "Alerts"; lrmd_alerts.c).
#include "vigil/alerts/alerts.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>

#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::alerts;

namespace {

struct Doc {
  xml::DocPtr doc;
  const xmlNode* alerts() const {
    const xmlNode* root = xmlDocGetRootElement(doc.get());
    if (xml::is(root, "alerts")) return root;
    const xmlNode* config = xml::first_child(root, "configuration");
    return xml::first_child(config, "alerts");
  }
};

Doc parse(const std::string& text) {
  auto d = xml::parse_string(text);
  REQUIRE(d);
  return Doc{std::move(*d)};
}

constexpr EpochSeconds kNow = 1'800'000'000;  // 2027-01-15 08:00:00 UTC

void use_utc() {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
}

}  // namespace

TEST_CASE("an alert without anything else gets Pacemaker's defaults") {
  auto d = parse(R"(<alerts><alert id="a1" path="/bin/a1" description="d"/></alerts>)");
  const auto u = unpack(d.alerts(), kNow);
  REQUIRE(u.warnings.empty());
  REQUIRE(u.alerts.size() == 1);
  const Alert& a = u.alerts[0];
  CHECK(a.id == "a1");
  CHECK(a.path == "/bin/a1");
  CHECK(a.description == "d");
  CHECK(!a.recipient);
  CHECK(a.timeout_ms == 30000);
  CHECK(a.timestamp_format == "%H:%M:%S.%06N");
  CHECK(a.env.empty());
  CHECK(a.kinds == (kNode | kFencing | kResource));
  CHECK(!a.attribute_names);
}

TEST_CASE("meta_attributes set the timeout and timestamp format, instance_attributes the env") {
  auto d = parse(R"(<alerts><alert id="a" path="/p">
    <meta_attributes id="m"><nvpair id="m1" name="timeout" value="15s"/>
      <nvpair id="m2" name="timestamp-format" value="%Y-%m-%d"/></meta_attributes>
    <instance_attributes id="i"><nvpair id="i1" name="LOGFILE" value="/var/log/x"/>
      <nvpair id="i2" name="EMPTY"/></instance_attributes>
    <instance_attributes id="i-second"><nvpair id="i3" name="IGNORED" value="1"/></instance_attributes>
  </alert></alerts>)");
  const auto u = unpack(d.alerts(), kNow);
  REQUIRE(u.alerts.size() == 1);
  CHECK(u.alerts[0].timeout_ms == 15000);
  CHECK(u.alerts[0].timestamp_format == "%Y-%m-%d");
  // Only the first instance_attributes set counts; a pair without a value is empty.
  CHECK(u.alerts[0].env ==
        std::map<std::string, std::string>{{"EMPTY", ""}, {"LOGFILE", "/var/log/x"}});
}

TEST_CASE("meta_attributes sets follow rules and scores") {
  auto d = parse(R"(<alerts><alert id="a" path="/p">
    <meta_attributes id="later"><rule id="r" boolean-op="and">
        <date_expression id="de" operation="gt" start="2030-01-01"/></rule>
      <nvpair id="m1" name="timeout" value="99s"/></meta_attributes>
    <meta_attributes id="low" score="1"><nvpair id="m2" name="timeout" value="5s"/></meta_attributes>
    <meta_attributes id="high" score="10"><nvpair id="m3" name="timeout" value="7s"/></meta_attributes>
  </alert></alerts>)");
  const auto u = unpack(d.alerts(), kNow);
  REQUIRE(u.alerts.size() == 1);
  CHECK(u.alerts[0].timeout_ms == 7000);
}

TEST_CASE("each recipient is a copy of its alert with its own settings over it") {
  auto d = parse(R"(<alerts>
    <alert id="a" path="/pa">
      <meta_attributes id="am"><nvpair id="am1" name="timeout" value="20s"/></meta_attributes>
      <instance_attributes id="ai"><nvpair id="ai1" name="X" value="alert"/>
        <nvpair id="ai2" name="Y" value="alert"/></instance_attributes>
      <select><select_nodes/></select>
      <recipient id="r1" value="one"/>
      <recipient id="r2" value="two">
        <meta_attributes id="rm"><nvpair id="rm1" name="timestamp-format" value="%s"/></meta_attributes>
        <instance_attributes id="ri"><nvpair id="ri1" name="Y" value="recipient"/></instance_attributes>
        <select><select_resources/><select_fencing/></select>
      </recipient>
    </alert>
    <alert id="b" path="/pb"/>
  </alerts>)");
  const auto u = unpack(d.alerts(), kNow);
  REQUIRE(u.warnings.empty());
  // Pacemaker's order: built by prepending.
  REQUIRE(u.alerts.size() == 3);
  CHECK(u.alerts[0].id == "b");
  CHECK(u.alerts[1].recipient == "two");
  CHECK(u.alerts[2].recipient == "one");
  const Alert& one = u.alerts[2];
  const Alert& two = u.alerts[1];
  CHECK(one.recipient_id == "r1");
  CHECK(one.timeout_ms == 20000);
  CHECK(one.kinds == kNode);
  CHECK(one.env.at("Y") == "alert");
  CHECK(two.timeout_ms == 20000);
  CHECK(two.timestamp_format == "%s");
  CHECK(two.env.at("X") == "alert");
  CHECK(two.env.at("Y") == "recipient");
  CHECK(two.kinds == (kResource | kFencing));
}

TEST_CASE("select_attributes: every attribute, or the names listed") {
  auto d = parse(R"(<alerts>
    <alert id="all" path="/p"><select><select_attributes/></select></alert>
    <alert id="some" path="/p"><select><select_attributes>
      <attribute id="s1" name="pingd"/><attribute id="s2" name="standby"/></select_attributes>
      <select_nodes/></select>
      <recipient id="keep" value="k"><select><select_attributes/></select></recipient>
      <recipient id="own" value="o"><select><select_attributes>
        <attribute id="s3" name="other"/></select_attributes></select></recipient>
    </alert>
    <alert id="empty-select" path="/p"><select/></alert>
  </alerts>)");
  const auto u = unpack(d.alerts(), kNow);
  REQUIRE(u.alerts.size() == 4);
  const Alert& empty = u.alerts[0];
  const Alert& own = u.alerts[1];
  const Alert& keep = u.alerts[2];
  const Alert& all = u.alerts[3];
  CHECK(empty.kinds == kDefaultKinds);
  CHECK(all.kinds == kAttribute);
  CHECK(!all.attribute_names);
  // A recipient's select replaces the kinds; names only when it lists some.
  CHECK(keep.kinds == kAttribute);
  CHECK(keep.attribute_names == std::vector<std::string>{"pingd", "standby"});
  CHECK(own.attribute_names == std::vector<std::string>{"other"});

  const Event pingd = attribute_event("node1", 1, "pingd", std::string("100"));
  const Event other = attribute_event("node1", 1, "other", std::nullopt);
  CHECK(selected(all, pingd));
  CHECK(selected(all, other));
  CHECK(selected(keep, pingd));
  CHECK(!selected(keep, other));
  CHECK(!selected(own, pingd));
  CHECK(selected(own, other));
  CHECK(!selected(empty, pingd));  // attributes only when selected
  CHECK(selected(empty, node_event("node1", 1, "lost")));
  CHECK(!selected(keep, node_event("node1", 1, "lost")));
}

TEST_CASE("bad values are logged and defaulted or ignored, never fatal") {
  auto d = parse(R"(<alerts>
    <alert id="nopath"/>
    <alert path="/noid"/>
    <alert id="t-bad" path="/p"><meta_attributes id="m1"><nvpair id="n1" name="timeout" value="soon"/></meta_attributes></alert>
    <alert id="t-neg" path="/p"><meta_attributes id="m2"><nvpair id="n2" name="timeout" value="-5s"/></meta_attributes></alert>
    <alert id="t-zero" path="/p"><meta_attributes id="m3"><nvpair id="n3" name="timeout" value="0"/></meta_attributes></alert>
    <alert id="t-huge" path="/p"><meta_attributes id="m4"><nvpair id="n4" name="timeout" value="3000000s"/></meta_attributes></alert>
    <alert id="nv" path="/p"><instance_attributes id="i"><nvpair id="noname" value="v"/></instance_attributes>
      <recipient id="novalue"/></alert>
  </alerts>)");
  const auto u = unpack(d.alerts(), kNow);
  REQUIRE(u.alerts.size() == 5);
  for (const Alert& a : u.alerts) CHECK(a.timeout_ms == 30000);
  const Alert& nv = u.alerts[0];
  CHECK(nv.id == "nv");
  CHECK(nv.env.empty());
  CHECK(!nv.recipient);  // its only recipient had no value
  // Two invalid alerts, "soon", "-5s", 3000000 s (beyond an int of ms), the
  // nameless pair and the valueless recipient; "0" is the default silently.
  REQUIRE(u.warnings.size() == 7);
  CHECK(u.warnings[0] == "Ignoring invalid alert without id and path (nopath)");
  CHECK(u.warnings[2] == "Alert t-bad has invalid timeout value 'soon', using default 30000msec");
  CHECK(u.warnings[5].find("noname") != std::string::npos);
  CHECK(u.warnings[6].find("novalue") != std::string::npos);
  CHECK(unpack(nullptr, kNow).alerts.empty());
}

TEST_CASE("timeouts are read as crm_get_msec reads them") {
  CHECK(parse_msec("30") == 30000);
  CHECK(parse_msec(" 30s") == 30000);
  CHECK(parse_msec("500ms") == 500);
  CHECK(parse_msec("500 msec") == 500);
  CHECK(parse_msec("2min") == 120000);
  CHECK(parse_msec("2m") == 120000);
  CHECK(parse_msec("1h") == 3600000);
  CHECK(parse_msec("1.5s") == 1000);
  CHECK(parse_msec("1500us") == 1);
  CHECK(parse_msec("10S") == 10000);
  CHECK(parse_msec("10 seconds") == 10000);
  CHECK(parse_msec("PT10S") == -1);
  CHECK(parse_msec("-1") == -1);
  CHECK(parse_msec("10x") == -1);
  CHECK(parse_msec("") == -1);
}

TEST_CASE("node, fencing, resource and attribute events carry Pacemaker's variables") {
  use_utc();
  Alert a;
  a.id = "file";
  a.path = "/usr/share/pacemaker/alerts/alert_file.sh";
  a.recipient = "/var/log/alerts.log";
  a.kinds = kDefaultKinds | kAttribute;
  a.env = {{"EXTRA", "1"}};
  const Stamp when{1'800'000'000 + 3723, 4567};  // 09:02:03.004567 UTC

  auto invs = invocations({a}, node_event("node1", 1, "lost"), when);
  REQUIRE(invs.size() == 1);
  auto& env = invs[0].env;
  const std::map<std::string, std::string> expected_node = {
      {"CRM_alert_node", "node1"},
      {"CRM_alert_nodeid", "1"},
      {"CRM_alert_desc", "lost"},
      {"CRM_alert_kind", "node"},
      {"CRM_alert_version", "2.1.5"},
      {"CRM_alert_recipient", "/var/log/alerts.log"},
      {"CRM_alert_timestamp", "09:02:03.004567"},
      {"CRM_alert_timestamp_epoch", "1800003723"},
      {"CRM_alert_timestamp_usec", "004567"},
  };
  for (const auto& [k, v] : expected_node) {
    INFO(k);
    CHECK(env.at(k) == v);
    CHECK(env.at("CRM_notify_" + k.substr(10)) == v);
  }
  CHECK(env.at("EXTRA") == "1");
  CHECK(env.size() == 2 * expected_node.size() + 1);
  CHECK(invs[0].timeout_ms == 30000);
  CHECK(invs[0].path == a.path);

  invs = invocations(
      {a},
      fencing_event("node1", "st_notify_fence",
                    "Operation reboot of node1 by node2 for pacemaker-controld.5@node2: OK", 0),
      when);
  REQUIRE(invs.size() == 1);
  CHECK(invs[0].env.at("CRM_alert_kind") == "fencing");
  CHECK(invs[0].env.at("CRM_alert_node") == "node1");
  CHECK(invs[0].env.at("CRM_alert_task") == "st_notify_fence");
  CHECK(invs[0].env.at("CRM_alert_rc") == "0");
  CHECK(invs[0].env.count("CRM_alert_nodeid") == 0);

  ResourceOp start{"WebSite", "start", 0, 0, 0, 0, 1234, 20000};
  auto ev = resource_event("node2", start);
  REQUIRE(ev);
  invs = invocations({a}, *ev, when);
  REQUIRE(invs.size() == 1);
  const std::map<std::string, std::string> expected_rsc = {
      {"CRM_alert_kind", "resource"}, {"CRM_alert_node", "node2"}, {"CRM_alert_rsc", "WebSite"},
      {"CRM_alert_task", "start"},    {"CRM_alert_interval", "0"}, {"CRM_alert_target_rc", "0"},
      {"CRM_alert_status", "0"},      {"CRM_alert_rc", "0"},       {"CRM_alert_exec_time", "1234"},
      {"CRM_alert_desc", "ok"},
  };
  for (const auto& [k, v] : expected_rsc) {
    INFO(k);
    CHECK(invs[0].env.at(k) == v);
    CHECK(invs[0].env.at("CRM_notify_" + k.substr(10)) == v);
  }

  // A failed monitor: the OCF result's words.
  ResourceOp failed{"WebSite", "monitor", 10000, 0, 0, 7, 40, 20000};
  ev = resource_event("node2", failed);
  REQUIRE(ev);
  invs = invocations({a}, *ev, when);
  CHECK(invs[0].env.at("CRM_alert_desc") == "not running");
  CHECK(invs[0].env.at("CRM_alert_interval") == "10000");
  // A recurring monitor that timed out: the timeout as its execution time,
  // the execution status' words.
  ResourceOp timed_out{"WebSite", "monitor", 10000, 0, 2, 1, 0, 20000};
  invs = invocations({a}, *resource_event("node2", timed_out), when);
  CHECK(invs[0].env.at("CRM_alert_exec_time") == "20000");
  CHECK(invs[0].env.at("CRM_alert_desc") == "Timed Out");
  CHECK(invs[0].env.at("CRM_alert_status") == "2");

  // A probe that found what was expected is not alerted; one that did not is.
  CHECK(!resource_event("node2", ResourceOp{"WebSite", "monitor", 0, 7, 0, 7, 10, 20000}));
  CHECK(resource_event("node2", ResourceOp{"WebSite", "monitor", 0, 7, 0, 0, 10, 20000}));

  invs =
      invocations({a}, attribute_event("node1", 2, "fail-count-WebSite#monitor_10000", "1"), when);
  REQUIRE(invs.size() == 1);
  CHECK(invs[0].env.at("CRM_alert_kind") == "attribute");
  CHECK(invs[0].env.at("CRM_alert_nodeid") == "2");
  CHECK(invs[0].env.at("CRM_alert_attribute_name") == "fail-count-WebSite#monitor_10000");
  CHECK(invs[0].env.at("CRM_alert_attribute_value") == "1");
  invs = invocations({a}, attribute_event("node1", 2, "x", std::nullopt), when);
  CHECK(invs[0].env.at("CRM_alert_attribute_value") == "");
}

TEST_CASE("the alert's own variables win, a missing recipient is empty, filtering applies") {
  use_utc();
  Alert plain;
  plain.id = "plain";
  plain.path = "/p";
  plain.env = {{"CRM_alert_node", "mine"}};
  Alert nodes_only = plain;
  nodes_only.id = "nodes";
  nodes_only.kinds = kNode;
  nodes_only.env.clear();
  const Stamp when{0, 0};
  auto invs =
      invocations({plain, nodes_only}, fencing_event("n", "st_notify_fence", "d", -62), when);
  REQUIRE(invs.size() == 1);
  CHECK(invs[0].alert_id == "plain");
  CHECK(invs[0].env.at("CRM_alert_node") == "mine");
  CHECK(invs[0].env.at("CRM_notify_node") == "n");
  CHECK(invs[0].env.at("CRM_alert_recipient") == "");
  CHECK(invs[0].env.at("CRM_alert_rc") == "-62");
  invs = invocations({plain, nodes_only}, node_event("n", 3, "member"), when);
  REQUIRE(invs.size() == 2);
  CHECK(invs[1].alert_id == "nodes");
}

TEST_CASE("timestamps with Pacemaker's %N extension") {
  use_utc();
  const Stamp when{1'800'000'000 + 3723, 123456};  // 2027-01-15 09:02:03.123456 UTC
  CHECK(format_timestamp("%H:%M:%S.%06N", when) == "09:02:03.123456");
  CHECK(format_timestamp("%H:%M:%S.%3N", when) == "09:02:03.123");
  CHECK(format_timestamp("%H:%M:%S.%9N", when) == "09:02:03.123456");
  CHECK(format_timestamp("%S.%N!", when) == "03.!");  // no digits: nothing
  CHECK(format_timestamp("%s", when) == "1800003723");
  CHECK(format_timestamp("%Y-%m-%d %1N %2N end", when) == "2027-01-15 1 12 end");
  CHECK(format_timestamp("plain", when) == "plain");
  CHECK(format_timestamp("%%N", when) == "%N");
  CHECK(format_timestamp("odd %", when));  // a trailing '%' does not read past the end
  CHECK(!format_timestamp("", when));
  CHECK(format_timestamp("%H", Stamp{1'800'000'000, 0}) == "08");
  ::setenv("TZ", "CET-1", 1);
  ::tzset();
  CHECK(format_timestamp("%H", Stamp{1'800'000'000, 0}) == "09");  // local time
  use_utc();
}
