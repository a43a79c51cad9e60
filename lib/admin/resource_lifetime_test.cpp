// SPDX-License-Identifier: GPL-2.0-or-later
// lifetime= and the ban of the current node: the CIB crm_resource 2.1.5
// writes (`CIB_file=F crm_resource --ban|--move ... --lifetime`, its output
// below) for a clock fixed at the second it ran, and its duration grammar.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>

#include "resource_move.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::admin;

namespace {

// A running on node1, S stopped there, the clone C-clone on both nodes.
constexpr const char* kCib = R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9"
 epoch="5" num_updates="0" admin_epoch="0"><configuration>
  <crm_config><cluster_property_set id="cfg"><nvpair id="cfg-se" name="stonith-enabled"
   value="false"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
  <resources><primitive id="A" class="ocf" type="Dummy" provider="heartbeat"/>
   <primitive id="S" class="ocf" type="Dummy" provider="heartbeat"/><clone id="C-clone">
   <primitive id="C" class="ocf" type="Dummy" provider="heartbeat"/></clone></resources>
  <constraints/></configuration>
 <status>
  <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
   <lrm id="1"><lrm_resources>
    <lrm_resource id="A" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="A_last_0"
     operation_key="A_start_0" operation="start" transition-key="1:1:0:x"
     transition-magic="0:0;1:1:0:x" call-id="2" rc-code="0" op-status="0" interval="0"/>
    </lrm_resource>
    <lrm_resource id="C" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="C_last_0"
     operation_key="C_start_0" operation="start" transition-key="2:1:0:x"
     transition-magic="0:0;2:1:0:x" call-id="3" rc-code="0" op-status="0" interval="0"/>
    </lrm_resource>
    <lrm_resource id="S" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="S_last_0"
     operation_key="S_stop_0" operation="stop" transition-key="3:1:0:x"
     transition-magic="0:0;3:1:0:x" call-id="4" rc-code="0" op-status="0" interval="0"/>
    </lrm_resource>
   </lrm_resources></lrm></node_state>
  <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"><lrm
   id="2"><lrm_resources><lrm_resource id="C" class="ocf" provider="heartbeat" type="Dummy">
   <lrm_rsc_op id="C_last_0" operation_key="C_start_0" operation="start" call-id="3" interval="0"
    transition-key="2:1:0:x" transition-magic="0:0;2:1:0:x" rc-code="0" op-status="0"/>
   </lrm_resource></lrm_resources></lrm></node_state>
 </status></cib>)";

// 2026-12-07 07:29:07 UTC, when crm_resource wrote the expected XML below.
constexpr EpochSeconds kNow = 1796628547;

struct Run {
  xml::DocPtr doc = xml::parse_string(kCib).value();
  std::vector<std::string> notes;
  Status run(std::vector<std::string> args, Flags flags = {}) {
    setenv("TZ", "UTC", 1);  // crm_resource writes the end in local time
    tzset();
    Context ctx;
    ctx.doc = doc.get();
    ctx.now = kNow;
    ctx.flags = std::move(flags);
    Status st = run_command(ctx, args);
    notes = ctx.notes;
    return st;
  }
  std::string error(std::vector<std::string> args) {
    Status st = run(std::move(args));
    return st ? "" : st.error().message();
  }
  std::string xml_of(const std::string& id) {
    xmlNode* n = find_by_id(doc.get(), id);
    return n ? xml::to_string(n, false) : "";
  }
  std::string text() { return xml::to_string(xmlDocGetRootElement(doc.get()), false); }
};

std::string compact(std::string s) {
  std::string out;
  bool in_tag_gap = false;
  for (char c : s) {
    if (c == '>') in_tag_gap = true;
    if (c == '<') in_tag_gap = false;
    if (in_tag_gap && (c == '\n' || c == ' ')) continue;
    out += c;
  }
  return out;
}

}  // namespace

TEST_CASE("lifetime: ban without a node bans the current one until now+P1D",
          "[resource_lifetime]") {
  Run c;
  REQUIRE(c.run({"resource", "ban", "A", "lifetime=P1D"}));
  CHECK(c.xml_of("cli-ban-A-on-node1") ==
        compact(R"(<rsc_location id="cli-ban-A-on-node1" rsc="A" role="Started">
        <rule id="cli-ban-A-on-node1-rule" score="-INFINITY" boolean-op="and">
          <expression id="cli-ban-A-on-node1-expr" attribute="#uname" operation="eq" value="node1" type="string"/>
          <date_expression id="cli-ban-A-on-node1-lifetime" operation="lt" end="2026-12-08 07:29:07Z"/>
        </rule>
      </rsc_location>)"));
  REQUIRE(c.notes.size() == 2);
  CHECK(c.notes[0] == "Migration will take effect until: 2026-12-08 07:29:07Z");
  CHECK(c.notes[1].rfind("Warning: Creating location constraint 'cli-ban-A-on-node1' with a "
                         "score of -INFINITY for resource A on node1.",
                         0) == 0);
  // The same ban later merges: only the end moves.
  REQUIRE(c.run({"resource", "ban", "A", "node1", "lifetime=2D"}));
  CHECK(xml::attr_or(find_by_id(c.doc.get(), "cli-ban-A-on-node1-lifetime"), "end") ==
        "2026-12-09 07:29:07Z");
}

TEST_CASE("lifetime: move-with-constraint writes the timed preference", "[resource_lifetime]") {
  Run c;
  REQUIRE(c.run({"resource", "move-with-constraint", "A", "lifetime=PT1H30M", "node2"}));
  CHECK(c.xml_of("cli-prefer-A") ==
        compact(R"(<rsc_location id="cli-prefer-A" rsc="A" role="Started">
        <rule id="cli-prefer-rule-A" score="INFINITY" boolean-op="and">
          <expression id="cli-prefer-expr-A" attribute="#uname" operation="eq" value="node2" type="string"/>
          <date_expression id="cli-prefer-lifetime-end-A" operation="lt" end="2026-12-07 08:59:07Z"/>
        </rule>
      </rsc_location>)"));
  // crm_resource printed something, so pcs adds no "may or may not move".
  CHECK(c.notes ==
        std::vector<std::string>{"Migration will take effect until: 2026-12-07 08:59:07Z"});
}

TEST_CASE("lifetime: bad durations and where the resource is not active change nothing",
          "[resource_lifetime]") {
  Run c;
  const std::string before = c.text();
  CHECK(c.error({"resource", "ban", "A", "node2", "lifetime=1.5D"}) ==
        "cannot ban resource 'A'\nInvalid duration specified: P1.5D\nPlease refer to "
        "https://en.wikipedia.org/wiki/ISO_8601#Durations for examples of valid durations");
  CHECK(c.error({"resource", "move-with-constraint", "A", "node2", "lifetime=p1d"}) ==
        "cannot move resource 'A'\nInvalid duration specified: p1d\nPlease refer to "
        "https://en.wikipedia.org/wiki/ISO_8601#Durations for examples of valid durations");
  CHECK(c.error({"resource", "ban", "S", "lifetime=P1D"}) ==
        "You must specify a node when moving/banning a stopped resource");
  CHECK(c.error({"resource", "ban", "C-clone"}) ==
        "cannot ban resource 'C-clone'\ncrm_resource: Resource 'C-clone' not moved: active in 2 "
        "locations.\nTo prevent 'C-clone' from running on a specific location, specify a node.");
  // A plain ban and a timed one of the same id do not merge (crm_resource's
  // update fails schema validation).
  REQUIRE(c.run({"resource", "ban", "A", "node2"}));
  const std::string plain = c.text();
  Status st = c.run({"resource", "ban", "A", "node2", "lifetime=P1D"});
  REQUIRE(!st);
  CHECK(st.error().code() == ErrorCode::kUnsupported);
  CHECK(c.text() == plain);
  CHECK(before != plain);
}

TEST_CASE("lifetime: an anonymous clone's primitive names its first instance",
          "[resource_lifetime]") {
  Run c;
  REQUIRE(c.run({"resource", "ban", "C"}));
  CHECK(
      c.xml_of("cli-ban-C-on-node1") ==
      R"(<rsc_location id="cli-ban-C-on-node1" rsc="C" role="Started" node="node1" score="-INFINITY"/>)");
}

TEST_CASE("lifetime: crm_time_parse_duration's grammar", "[resource_lifetime]") {
  // Accepted by crm_resource 2.1.5 --lifetime (end printed for 07:24:12Z).
  auto end = [](const char* text) {
    auto d = parse_cli_lifetime(text);
    return d ? lifetime_end(1796628252, 0, *d) : std::string("invalid");
  };
  const std::pair<const char*, const char*> accepted[] = {
      {"PT", "2026-12-07 07:24:12Z"},    {"P0D", "2026-12-07 07:24:12Z"},
      {"P1D/x", "2026-12-08 07:24:12Z"}, {"P1D x", "2026-12-08 07:24:12Z"},
      {"P-1D", "2026-12-06 07:24:12Z"},  {"P1Y", "2027-12-07 07:24:12Z"},
      {"P1M", "2027-01-07 07:24:12Z"},   {"P1W2D", "2026-12-16 07:24:12Z"},
      {"PT90S", "2026-12-07 07:25:42Z"}, {"P1DT", "2026-12-08 07:24:12Z"},
      {"P01D", "2026-12-08 07:24:12Z"},  {"P1Y1Y", "2027-12-07 07:24:12Z"},
      {"P1M2M", "2027-02-07 07:24:12Z"},
  };
  for (const auto& [text, expected] : accepted) {
    INFO(text);
    CHECK(end(text) == std::string(expected));
  }
  // Refused by it.
  for (const char* bad : {"P1.5D", "PT1.5H", "p1d", "P12345678901D", "P", "1D", "", "P1"}) {
    CHECK(end(bad) == "invalid");
  }
  // TZ=Europe/Paris: "2026-12-08 08:24:13 +01:00" for 07:24:13Z.
  CHECK(lifetime_end(1796628253, 3600, *parse_cli_lifetime("P1D")) == "2026-12-08 08:24:13 +01:00");
  // TZ=America/St_Johns: "2026-12-07 03:59:43 -03:30" for 07:29:43Z.
  CHECK(lifetime_end(1796628583, -3 * 3600 - 1800, *parse_cli_lifetime("PT0S")) ==
        "2026-12-07 03:59:43 -03:30");
}

TEST_CASE("lifetime: clear removes the timed constraints", "[resource_lifetime]") {
  Run c;
  const std::string before = c.text();
  REQUIRE(c.run({"resource", "ban", "A", "lifetime=P1D"}));
  REQUIRE(c.run({"resource", "move-with-constraint", "A", "node2", "lifetime=P1D"}));
  REQUIRE(c.run({"resource", "clear", "A", "node1"}));
  CHECK(c.notes == std::vector<std::string>{"Removing constraint: cli-ban-A-on-node1"});
  CHECK(!c.xml_of("cli-prefer-A").empty());
  REQUIRE(c.run({"resource", "clear", "A", "node2"}));
  CHECK(c.notes == std::vector<std::string>{"Removing constraint: cli-prefer-A"});
  CHECK(c.text() == before);
}

TEST_CASE("move-with-constraint: refused where the resource already is", "[resource_lifetime]") {
  Run c;
  const std::string before = c.text();
  // Before the lifetime is even read, as crm_resource --move checks.
  CHECK(c.error({"resource", "move-with-constraint", "A", "node1", "lifetime=bad"}) ==
        "cannot move resource 'A'\ncrm_resource: Error performing operation: Requested item "
        "already exists");
  CHECK(c.text() == before);
}
