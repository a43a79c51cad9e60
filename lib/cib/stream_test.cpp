// SPDX-License-Identifier: GPL-2.0-or-later
// The streaming reader must make the very model the whole-document reader
// makes, call its checks on every part, and refuse what that one refuses.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "vigil/cib/cib.hpp"
#include "vigil/common/xml.hpp"

namespace {

using vigil::Error;
using vigil::ErrorCode;
using vigil::Status;
using vigil::cib::Cib;

// A file that goes away with the test.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/vigil-stream-test-XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    close(fd);
    path = name;
    std::ofstream(path, std::ios::binary) << text;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

const char* kCib = R"(<cib validate-with="pacemaker-3.7" epoch="4" num_updates="2" admin_epoch="0"
     have-quorum="1" dc-uuid="1" execution-date="1700000000">
  <configuration>
    <crm_config>
      <cluster_property_set id="opts"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set>
    </crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
    <resources>
      <primitive id="A" class="ocf" provider="heartbeat" type="Dummy">
        <instance_attributes id="A-params"><nvpair id="A-p" name="fake" value="1"/></instance_attributes>
      </primitive>
    </resources>
    <constraints><rsc_location id="l1" rsc="A" node="node1" score="10"/></constraints>
    <rsc_defaults><meta_attributes id="shared"><nvpair id="s1" name="resource-stickiness" value="3"/></meta_attributes></rsc_defaults>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
      <transient_attributes id="1"><instance_attributes id="st-1"><nvpair id="st-1-a" name="pingd" value="100"/></instance_attributes></transient_attributes>
      <lrm id="1"><lrm_resources>
        <lrm_resource id="A" class="ocf" provider="heartbeat" type="Dummy">
          <lrm_rsc_op id="A_monitor_10000" operation_key="A_monitor_10000" operation="monitor" call-id="3" rc-code="0" op-status="0" interval="10000" last-rc-change="1699999990" op-digest="d2"/>
          <lrm_rsc_op id="A_last_0" operation_key="A_start_0" operation="start" call-id="2" rc-code="0" op-status="0" interval="0" on_node="node1" transition-key="1:2:0:abc" op-digest="d1" op-force-restart=" fake "/>
        </lrm_resource>
      </lrm_resources></lrm>
    </node_state>
    <node_state id="2" uname="node2" in_ccm="false" crmd="offline">
      <transient_attributes id="2"><instance_attributes id-ref="st-1"/></transient_attributes>
    </node_state>
  </status>
</cib>
)";

}  // namespace

TEST_CASE("the streaming reader makes the whole-document reader's model", "[cib][stream]") {
  TempFile f(kCib);
  auto whole = Cib::from_file(f.path);
  REQUIRE(whole.ok());
  int node_states = 0, documents = 0;
  Cib::StreamChecks checks;
  checks.node_state = [&](const xmlNode*) -> Status {
    ++node_states;
    return vigil::ok_status();
  };
  checks.document = [&](xmlDoc* d) -> Status {
    ++documents;
    // The node_state elements are not in the document the check sees.
    const xmlNode* status = xmlDocGetRootElement(d)->last;
    CHECK(vigil::xml::is(status, "status"));
    CHECK(status->children == nullptr);
    return vigil::ok_status();
  };
  auto streamed = Cib::from_file_streaming(f.path, checks);
  INFO((streamed ? "" : streamed.error().message()));
  REQUIRE(streamed.ok());
  CHECK(node_states == 2);
  CHECK(documents == 1);
  const Cib& a = **whole;
  const Cib& b = **streamed;
  CHECK(b.execution_date == a.execution_date);
  CHECK(b.have_quorum == a.have_quorum);
  CHECK(b.dc_uuid == "1");
  REQUIRE(b.resources.size() == 1);
  CHECK(b.resources[0]->id == "A");
  REQUIRE(b.locations.size() == 1);
  CHECK(b.rsc_defaults.size() == a.rsc_defaults.size());
  REQUIRE(b.node_states.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    const auto& x = a.node_states[i];
    const auto& y = b.node_states[i];
    CHECK(y.uname == x.uname);
    CHECK(y.in_ccm == x.in_ccm);
    CHECK(y.crmd == x.crmd);
    CHECK(y.transient_sets.size() == x.transient_sets.size());
    REQUIRE(y.resources.size() == x.resources.size());
    for (size_t r = 0; r < x.resources.size(); ++r) {
      REQUIRE(y.resources[r].ops.size() == x.resources[r].ops.size());
      for (size_t o = 0; o < x.resources[r].ops.size(); ++o) {
        const auto& p = x.resources[r].ops[o];
        const auto& q = y.resources[r].ops[o];
        CHECK(q.id == p.id);
        CHECK(q.call_id == p.call_id);
        CHECK(q.interval_ms == p.interval_ms);
        CHECK(q.digest == p.digest);
        CHECK(q.transition_key == p.transition_key);
        CHECK(q.force_restart_params == p.force_restart_params);
        CHECK(q.last_rc_change == p.last_rc_change);
      }
    }
  }
  // Sorted by call id, as the whole-document reader does.
  CHECK(b.node_states[0].resources[0].ops[0].id == "A_last_0");
  CHECK(b.node_states[0].resources[0].ops[0].on_node == "node1");
  CHECK(b.node_states[0].resources[0].ops[0].force_restart_params == std::string(" fake "));
  CHECK(!b.node_states[0].resources[0].ops[1].force_restart_params);
  // The id-ref in node2's transient attributes names node1's set.
  REQUIRE(b.node_states[1].transient_sets.size() == 1);
}

TEST_CASE("a failed node_state check stops the read with its error", "[cib][stream]") {
  TempFile f(kCib);
  Cib::StreamChecks checks;
  int seen = 0;
  checks.node_state = [&](const xmlNode* n) -> Status {
    ++seen;
    if (vigil::xml::attr_or(n, "uname") == "node1") {
      return Error(ErrorCode::kInvalidInput, "node1 is bad");
    }
    return vigil::ok_status();
  };
  auto streamed = Cib::from_file_streaming(f.path, checks);
  REQUIRE(!streamed.ok());
  CHECK(streamed.error().message() == "node1 is bad");
  CHECK(seen == 1);  // nothing after the first failure is checked
}

TEST_CASE("a failed document check wins over a node_state's", "[cib][stream]") {
  TempFile f(kCib);
  Cib::StreamChecks checks;
  checks.node_state = [](const xmlNode*) -> Status {
    return Error(ErrorCode::kInvalidInput, "status");
  };
  checks.document = [](xmlDoc*) -> Status { return Error(ErrorCode::kInvalidInput, "schema"); };
  auto streamed = Cib::from_file_streaming(f.path, checks);
  REQUIRE(!streamed.ok());
  CHECK(streamed.error().message() == "schema");
}

TEST_CASE("malformed XML in a streamed file is refused with its line", "[cib][stream][errors]") {
  std::string text = kCib;
  text.replace(text.find("</lrm_resource>"), 15, "</lrm_resourc>");
  TempFile f(text);
  auto streamed = Cib::from_file_streaming(f.path);
  REQUIRE(!streamed.ok());
  CHECK(streamed.error().code() == ErrorCode::kInvalidInput);
  CHECK_THAT(streamed.error().message(), Catch::Matchers::Contains(f.path + ": malformed XML"));
  CHECK_THAT(streamed.error().message(), Catch::Matchers::Contains("line 23"));
}

TEST_CASE("a streamed file that is not a CIB is refused", "[cib][stream][errors]") {
  TempFile f("<notacib><configuration/></notacib>");
  auto streamed = Cib::from_file_streaming(f.path);
  REQUIRE(!streamed.ok());
  CHECK_THAT(streamed.error().message(), Catch::Matchers::Contains("expected <cib>"));
  TempFile empty("");
  CHECK(!Cib::from_file_streaming(empty.path).ok());
  CHECK(Cib::from_file_streaming("/nonexistent/cib.xml").error().code() == ErrorCode::kIo);
}

TEST_CASE("history entries reach their check as views, never as a tree", "[cib][stream]") {
  TempFile f(kCib);
  std::vector<std::string> seen;
  Cib::StreamChecks checks;
  checks.history = [&](const vigil::cib::HistoryElement& e) -> Status {
    std::string id;
    for (const auto& [name, value] : e.attrs) {
      if (name == "id") id = value;
    }
    seen.push_back(std::string(e.parent) + "/" + std::string(e.name) + ":" + id + "@" +
                   std::to_string(e.line));
    CHECK(vigil::xml::attr_or(e.node_state, "uname") == "node1");
    return vigil::ok_status();
  };
  checks.node_state = [&](const xmlNode* n) -> Status {
    // The history is not in the tree the node_state check sees.
    for (const xmlNode* lrm : vigil::xml::children(n, "lrm")) {
      for (const xmlNode* lrs : vigil::xml::children(lrm, "lrm_resources")) {
        CHECK(lrs->children == nullptr);
      }
    }
    return vigil::ok_status();
  };
  auto streamed = Cib::from_file_streaming(f.path, checks);
  REQUIRE(streamed.ok());
  CHECK(seen == std::vector<std::string>{"lrm_resources/lrm_resource:A@20",
                                         "lrm_resource/lrm_rsc_op:A_monitor_10000@21",
                                         "lrm_resource/lrm_rsc_op:A_last_0@22"});
}

TEST_CASE("a failed history check is the read's error", "[cib][stream]") {
  TempFile f(kCib);
  Cib::StreamChecks checks;
  int calls = 0;
  checks.history = [&](const vigil::cib::HistoryElement& e) -> Status {
    ++calls;
    if (e.name == "lrm_rsc_op") return Error(ErrorCode::kInvalidInput, "bad entry");
    return vigil::ok_status();
  };
  auto streamed = Cib::from_file_streaming(f.path, checks);
  REQUIRE(!streamed.ok());
  CHECK(streamed.error().message() == "bad entry");
  CHECK(calls == 2);
}
