// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/transition/status_document.hpp"

#include <catch2/catch.hpp>

#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::transition;

namespace {

// node1 has history under containers with ids of their own (as old CIBs
// write them) and a fail count; node2 has nothing yet.
const char* kCib = R"(<cib><configuration/><status>
  <node_state id="1" uname="node1" in_ccm="true">
    <lrm id="lrm.auto-1"><lrm_resources id="lrm_resources.x">
      <lrm_resource id="A" class="ocf" provider="pacemaker" type="Dummy">
        <lrm_rsc_op id="A_last_0" operation="start" call-id="7" rc-code="0"/>
        <lrm_rsc_op id="A_monitor_10000" operation="monitor" call-id="12" rc-code="0"/>
      </lrm_resource>
    </lrm_resources></lrm>
    <transient_attributes id="1"><instance_attributes id="status-1">
      <nvpair id="status-1-fail-count-A#start_0" name="fail-count-A#start_0" value="2"/>
      <nvpair id="status-1-last-failure-A#start_0" name="last-failure-A#start_0" value="99"/>
      <nvpair id="status-1-fail-count-B#stop_0" name="fail-count-B#stop_0" value="INFINITY"/>
    </instance_attributes></transient_attributes>
  </node_state>
  <node_state id="2" uname="node2" in_ccm="true"/>
</status></cib>)";

struct Doc {
  xml::DocPtr doc;
  Doc(const char* text = kCib) {
    auto d = xml::parse_string(text, "cib");
    if (!d) FAIL(d.error().message());
    doc = std::move(d).value();
  }
  std::string text() const { return xml::to_string(doc.get(), false); }
  int count(const std::string& needle) const {
    const std::string t = text();
    int n = 0;
    for (auto p = t.find(needle); p != std::string::npos; p = t.find(needle, p + 1)) ++n;
    return n;
  }
};

const char* kStopUpdate =
    R"(<node_state id="1" uname="node1" crm-debug-origin="test"><lrm id="1"><lrm_resources>)"
    R"(<lrm_resource id="A" class="ocf" provider="pacemaker" type="Dummy">)"
    R"(<lrm_rsc_op id="A_last_0" operation="stop" call-id="13" rc-code="0"/>)"
    R"(</lrm_resource></lrm_resources></lrm></node_state>)";

}  // namespace

TEST_CASE("status document: an update merges into the node's one history, whatever its ids") {
  Doc d;
  StatusDocument s(d.doc.get());
  REQUIRE(s.apply(kStopUpdate).ok());
  // The record changed in place; no second lrm or lrm_resources appeared,
  // and the containers kept their ids.
  CHECK(d.count("<lrm ") == 1);
  CHECK(d.count("<lrm_resources ") == 1);
  CHECK(d.count("lrm.auto-1") == 1);
  CHECK(d.count("id=\"A_last_0\"") == 1);
  CHECK(d.count("operation=\"stop\" call-id=\"13\"") == 1);
  CHECK(d.count("id=\"A_monitor_10000\"") == 1);  // untouched
  CHECK(d.count("crm-debug-origin=\"test\"") == 1);
  CHECK(s.next_call_id("1", "node1", "A") == 14);
}

TEST_CASE("status document: a resource with two histories on a node gets a third") {
  // crm_simulate looks the entry up by XPath and wants exactly one match:
  // with two it finds none and records into a new entry.
  const std::string twice = R"(<cib><configuration/><status>
    <node_state id="1" uname="node1" in_ccm="true"><lrm id="1"><lrm_resources>
      <lrm_resource id="A" class="ocf" provider="pacemaker" type="Dummy">
        <lrm_rsc_op id="A_last_0" operation="start" call-id="7" rc-code="0"/>
      </lrm_resource>
      <lrm_resource id="A" class="ocf" provider="pacemaker" type="Dummy">
        <lrm_rsc_op id="A_last_0" operation="monitor" call-id="3" rc-code="7"/>
      </lrm_resource>
    </lrm_resources></lrm></node_state>
  </status></cib>)";
  Doc d(twice.c_str());
  StatusDocument s(d.doc.get());
  CHECK_FALSE(s.has_history("1", "node1", "A"));
  REQUIRE(s.apply(kStopUpdate).ok());
  CHECK(d.count("<lrm_resource id=\"A\"") == 3);
  // Both old records are as they were.
  CHECK(d.count("operation=\"start\" call-id=\"7\"") == 1);
  CHECK(d.count("operation=\"monitor\" call-id=\"3\"") == 1);
  CHECK(d.count("operation=\"stop\" call-id=\"13\"") == 1);

  // With one entry, the update goes into it.
  Doc one;
  StatusDocument s1(one.doc.get());
  CHECK(s1.has_history("1", "node1", "A"));
  REQUIRE(s1.apply(kStopUpdate).ok());
  CHECK(one.count("<lrm_resource id=\"A\"") == 1);
}

TEST_CASE("status document: a node is found by id, else by name, else created") {
  Doc d;
  StatusDocument s(d.doc.get());
  // Another id for node1: crm_simulate looks nodes up by name.
  REQUIRE(s.apply(R"(<node_state id="uuid-of-node1" uname="node1" join="down"/>)").ok());
  CHECK(d.count("<node_state ") == 2);
  CHECK(d.count("id=\"1\" uname=\"node1\" in_ccm=\"true\" join=\"down\"") == 1);
  REQUIRE(s.apply(R"(<node_state id="3" uname="node3" in_ccm="false"/>)").ok());
  CHECK(d.count("<node_state ") == 3);
  CHECK(d.count("<node_state id=\"3\" uname=\"node3\" in_ccm=\"false\"/>") == 1);
}

TEST_CASE("status document: bad updates are refused and change nothing") {
  Doc d;
  const std::string before = d.text();
  StatusDocument s(d.doc.get());
  for (const char* bad : {"<node_state id=\"1\"", "<lrm id=\"1\"/>", "<node_state uname=\"x\"/>"}) {
    INFO(bad);
    CHECK_FALSE(s.apply(bad).ok());
  }
  auto bad = s.erase("//node_state[");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message(), Catch::Contains("//node_state["));
  CHECK(d.text() == before);
}

TEST_CASE("status document: erase removes what an XPath selects, once") {
  Doc d;
  StatusDocument s(d.doc.get());
  // The lrm and a record inside it, both selected: removed once.
  auto n = s.erase("//node_state[@uname='node1']/lrm | //lrm_rsc_op[@id='A_last_0']");
  REQUIRE(n.ok());
  CHECK(*n == 1);
  CHECK(d.count("<lrm ") == 0);
  CHECK(d.count("<transient_attributes ") == 1);
  auto none = s.erase("//node_state[@uname='node9']");
  REQUIRE(none.ok());
  CHECK(*none == 0);
  CHECK(s.next_call_id("1", "node1", "A") == 1);
}

TEST_CASE("status document: transient attributes are set, incremented and removed") {
  Doc d;
  StatusDocument s(d.doc.get());
  CHECK(s.set_attribute("1", "node1", "fail-count-A#start_0", "value++") == "1");
  CHECK(d.count("name=\"fail-count-A#start_0\" value=\"3\"") == 1);
  s.set_attribute("1", "node1", "fail-count-B#stop_0", "value++");
  CHECK(d.count("name=\"fail-count-B#stop_0\" value=\"INFINITY\"") == 1);
  // node2 has no attributes yet: they are created with the attribute manager's ids.
  CHECK(s.set_attribute("", "node2", "fail-count-A#monitor_10000", "value++") == "2");
  CHECK(d.count("<transient_attributes id=\"2\"><instance_attributes id=\"status-2\">"
                "<nvpair id=\"status-2-fail-count-A#monitor_10000\" "
                "name=\"fail-count-A#monitor_10000\" value=\"1\"/>") == 1);
  s.set_attribute("2", "node2", "last-failure-A#monitor_10000", "1700000000");
  CHECK(d.count("value=\"1700000000\"") == 1);

  int removed = s.remove_attributes(
      "1", [](std::string_view name) { return name.find("A#start_0") != std::string_view::npos; });
  CHECK(removed == 2);
  CHECK(d.count("A#start_0") == 0);
  CHECK(d.count("name=\"fail-count-B#stop_0\"") == 1);
  CHECK(s.remove_attributes("9", [](std::string_view) { return true; }) == 0);
}

TEST_CASE("status document: a CIB without a status section gets one") {
  Doc d("<cib><configuration/></cib>");
  StatusDocument s(d.doc.get());
  CHECK(s.next_call_id("1", "node1", "A") == 1);
  REQUIRE(s.apply(kStopUpdate).ok());
  CHECK(d.count("<status><node_state id=\"1\" uname=\"node1\"") == 1);
  CHECK(s.next_call_id("1", "node1", "A") == 14);
}
