// SPDX-License-Identifier: GPL-2.0-or-later
// The resource commands beyond create/delete (config, defaults and their
// rules, op add/delete, group remove and placement, utilization,
// manage/unmanage, failcount) on in-memory CIBs: the rules behind what the
// parity suite compares with pcs, and refusals that leave the CIB as it was.
#include <catch2/catch.hpp>

#include "command_fixture_test.hpp"
#include "defaults_rule.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::admin;

namespace {

constexpr const char* kCib =
    R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes><node id="1" uname="node1"/></nodes><resources>
    <primitive id="A" class="ocf" provider="pacemaker" type="Dummy"><operations>
      <op id="A-monitor-interval-10s" name="monitor" interval="10s"/></operations></primitive>
    <primitive id="B" class="ocf" provider="pacemaker" type="Dummy"/>
    <group id="G"><primitive id="C" class="ocf" provider="pacemaker" type="Dummy"/>
      <primitive id="D" class="ocf" provider="pacemaker" type="Dummy"/></group>
    <clone id="E-clone"><primitive id="E" class="ocf" provider="pacemaker" type="Dummy"/></clone>
  </resources><constraints><rsc_location id="loc-G" rsc="G" node="node1" score="5"/></constraints>
  </configuration>
  <status><node_state id="1" uname="node1"><transient_attributes id="1">
    <instance_attributes id="status-1">
      <nvpair id="n1" name="fail-count-A#monitor_10000" value="2"/>
      <nvpair id="n2" name="fail-count-A#start_0" value="INFINITY"/>
      <nvpair id="n3" name="fail-count-E:0#monitor_10000" value="1"/>
    </instance_attributes></transient_attributes></node_state></status></cib>)";

class Agents : public MetadataSource {
 public:
  Result<AgentMetadata> metadata(const AgentName& a) const override {
    if (a.type == "Dummy") {
      AgentMetadata md;
      md.actions = {{"start", "", "20s", "", ""}, {"stop", "", "20s", "", ""}};
      return md;
    }
    return Error(ErrorCode::kNotFound, "Agent '" + a.full() + "' is not installed");
  }
  std::vector<AgentName> agents_of_type(const std::string& type) const override {
    if (type == "Dummy") return {{"ocf", "heartbeat", "Dummy"}, {"ocf", "pacemaker", "Dummy"}};
    if (type == "dummy2") return {{"ocf", "pacemaker", "Dummy2"}};
    return {};
  }
};

struct Fixture : CommandCib<Agents> {
  Fixture() : CommandCib(kCib) {}
  std::string cib() { return xml::to_string(doc.get(), false); }
  std::string out(std::vector<std::string> args, Flags flags = {}) {
    Status st = run(std::move(args), std::move(flags));
    return st ? output : "ERROR " + st.error().message();
  }
};

const std::string kSummary = "\nError: Errors have occurred, therefore vigil is unable to continue";

}  // namespace

TEST_CASE("defaults rules: and/or group left to right, parentheses nest, pcs's ids") {
  Fixture f;
  REQUIRE(f.run({"resource", "op", "defaults", "set", "create",   "id=S",    "meta", "timeout=5",
                 "rule",     "op", "monitor",  "and", "resource", "::Dummy", "or",   "(",
                 "defined",  "a",  "and",      "b",   "gt",       "integer", "3",    ")"}));
  const std::string set = f.xml_of("S");
  // (monitor and Dummy) or (nested): the first two group before the "or".
  CHECK(
      set.find(
          R"(<rule id="S-rule" boolean-op="or" score="INFINITY"><rule id="S-rule-rule" )"
          R"(boolean-op="and" score="0"><op_expression id="S-rule-rule-op-monitor" name="monitor"/>)"
          R"(<rsc_expression id="S-rule-rule-rsc-Dummy" type="Dummy"/></rule>)"
          R"(<rule id="S-rule-rule-1" boolean-op="and" score="0">)") != std::string::npos);
  CHECK(set.find(R"(<expression id="S-rule-rule-1-expr-1" attribute="b" operation="gt" )"
                 R"(value="3" type="integer"/>)") != std::string::npos);
  const std::string listing = f.out({"resource", "op", "defaults"});
  CHECK(listing ==
        "Meta Attrs: S\n  timeout=5\n  Rule: boolean-op=or score=INFINITY\n"
        "    Rule: boolean-op=and score=0\n      Expression: op monitor\n"
        "      Expression: resource ::Dummy\n    Rule: boolean-op=and score=0\n"
        "      Expression: defined a\n      Expression: b gt integer 3\n");
}

TEST_CASE("defaults rules: pcs's parse error names the column of what is left over") {
  auto r = parse_defaults_rule("resource ::Dummy or date gt");
  REQUIRE_FALSE(r);
  CHECK(r.error().message() ==
        "'resource ::Dummy or date gt' is not a valid rule expression, parse error near or "
        "after line 1 column 18\n  resource ::Dummy or date gt\n  -----------------^");
  auto unclosed = parse_defaults_rule("( op monitor");
  REQUIRE_FALSE(unclosed);
  CHECK(unclosed.error().message().find("column 1\n") != std::string::npos);
  CHECK(parse_defaults_rule("date in_range to 2030-01-01"));
  CHECK(parse_defaults_rule("date in_range 2020-01-01 to duration months=2 weeks=1"));
}

TEST_CASE("resource defaults: generated set ids step past taken ones; refusals change nothing") {
  Fixture f;
  REQUIRE(f.run({"resource", "defaults", "set", "create", "meta", "a=1"}));
  REQUIRE(
      f.run({"resource", "defaults", "set", "create", "meta", "a-very-long-option-name-indeed=2"}));
  CHECK(f.xml_of("rsc_defaults-meta_attributes-1") ==
        R"(<meta_attributes id="rsc_defaults-meta_attributes-1"><nvpair )"
        R"(id="rsc_defaults-meta_attributes-1-a-very-long-option-n" )"
        R"(name="a-very-long-option-name-indeed" value="2"/></meta_attributes>)");
  const std::string before = f.cib();
  CHECK(f.error({"resource", "defaults", "update", "a=3"}) ==
        "Several options sets exist, please use the 'vigil resource defaults set update' "
        "command and specify an option set ID" +
            kSummary);
  CHECK(f.error({"resource", "defaults", "set", "create", "id=A", "meta", "x=1"}) ==
        "'A' already exists" + kSummary);
  CHECK(f.error({"resource", "defaults", "set", "create", "meta", "x=1", "rule", "op", "stop"}) ==
        "Keyword 'op' cannot be used in a rule in this command" + kSummary);
  CHECK(f.error({"resource", "defaults", "set", "delete", "rsc_defaults-meta_attributes", "Z"}) ==
        "options set 'Z' does not exist" + kSummary);
  CHECK(f.cib() == before);
}

TEST_CASE("resource config: pcs's order (primitives, groups, clones), first sets only") {
  Fixture f;
  REQUIRE(f.run({"resource", "update", "B", "meta", "x=a b"}));
  CHECK(f.out({"resource", "config", "E-clone", "B", "G"}) ==
        "Resource: B (class=ocf provider=pacemaker type=Dummy)\n"
        "  Meta Attributes: B-meta_attributes\n    x=\"a b\"\n"
        "Group: G\n  Resource: C (class=ocf provider=pacemaker type=Dummy)\n"
        "  Resource: D (class=ocf provider=pacemaker type=Dummy)\n"
        "Clone: E-clone\n  Resource: E (class=ocf provider=pacemaker type=Dummy)\n");
  CHECK(f.out({"resource", "config", "Nope"}) == "ERROR No resource found");
  CHECK(f.notes == std::vector<std::string>{"Warning: Unable to find resource 'Nope'"});
}

TEST_CASE("group add --before/--after places members in order; group remove empties") {
  Fixture f;
  Flags after;
  after.after = "C";
  REQUIRE(f.run({"resource", "group", "add", "G", "A", "B"}, after));
  CHECK(f.out({"resource", "group", "list"}) == "G: C A B D\n");
  Flags before;
  before.before = "C";
  REQUIRE(f.run({"resource", "group", "add", "G", "D"}, before));
  CHECK(f.out({"resource", "group", "list"}) == "G: D C A B\n");
  const std::string kept = f.cib();
  CHECK(f.error({"resource", "group", "remove", "G", "Nope"}) ==
        "Resource 'Nope' does not exist in group 'G'");
  CHECK(f.cib() == kept);
  REQUIRE(f.run({"resource", "ungroup", "G"}));
  CHECK(f.xml_of("G").empty());
  CHECK(f.xml_of("loc-G").empty());  // the group's constraints go with it
  CHECK(f.notes == std::vector<std::string>{"Removing Constraint - loc-G"});
}

TEST_CASE("utilization takes integers only, empty values remove") {
  Fixture f;
  REQUIRE(f.run({"resource", "utilization", "A", "cpu=2", "mem=+1_0"}));
  CHECK(f.out({"resource", "utilization"}) == "Resource Utilization:\n A: cpu=2 mem=+1_0\n");
  const std::string kept = f.cib();
  CHECK(f.error({"resource", "utilization", "A", "cpu=1.5"}) ==
        "Value of utilization attribute must be integer: 'cpu=1.5'");
  CHECK(f.cib() == kept);
  REQUIRE(f.run({"resource", "utilization", "A", "cpu=", "mem="}));
  CHECK(f.out({"resource", "utilization", "A"}) == "Resource Utilization:\n A: \n");
}

TEST_CASE("unmanage marks primitives only; manage clears the tree and warns of monitors") {
  Fixture f;
  Flags monitor;
  monitor.monitor = true;
  REQUIRE(f.run({"resource", "unmanage", "G", "A"}, monitor));
  CHECK(f.xml_of("G-meta_attributes").empty());
  CHECK(f.xml_of("C-meta_attributes").find(R"(name="is-managed" value="false")") !=
        std::string::npos);
  CHECK(f.xml_of("A-monitor-interval-10s").find(R"(enabled="false")") != std::string::npos);
  REQUIRE(f.run({"resource", "manage", "A"}));
  CHECK(f.notes == std::vector<std::string>{"Warning: Resource 'A' has no enabled monitor "
                                            "operations. Re-run with '--monitor' to enable them."});
  CHECK(f.xml_of("A-meta_attributes").find("is-managed") == std::string::npos);
}

TEST_CASE("op add refuses a second monitor of the same role; op delete matches exactly") {
  Fixture f;
  const std::string kept = f.cib();
  CHECK(f.error({"resource", "op", "add", "A", "monitor", "interval=20s"}) ==
        "operation monitor already specified for A, use --force to override:\n"
        "monitor interval=10s (A-monitor-interval-10s)");
  CHECK(f.error({"resource", "op", "add", "A", "monitor", "interval=10"}) ==
        "operation monitor with interval 10s already specified for A:\n"
        "monitor interval=10s (A-monitor-interval-10s)");
  CHECK(f.cib() == kept);
  REQUIRE(f.run({"resource", "op", "add", "A", "monitor", "interval=20s", "role=Promoted"}));
  CHECK(f.error({"resource", "op", "delete", "A", "monitor", "interval=20s"}) ==
        "Unable to find operation matching: monitor interval=20s");
  REQUIRE(f.run({"resource", "op", "delete", "A", "monitor", "interval=20s", "role=Promoted"}));
  CHECK(f.xml_of("A-monitor-interval-20s").empty());
}

TEST_CASE("failcount show sums per node, INFINITY wins, clone instances fold") {
  Fixture f;
  CHECK(f.out({"resource", "failcount", "show"}) ==
        "Failcounts for resource 'A'\n  node1: INFINITY\nFailcounts for resource 'E'\n"
        "  node1: 1\n");
  Flags full;
  full.full = true;
  CHECK(f.out({"resource", "failcount", "show", "A"}, full) ==
        "Failcounts for resource 'A'\n  node1:\n    monitor 10000ms: 2\n    start 0ms: "
        "INFINITY\n");
  CHECK(f.out({"resource", "failcount", "show", "B"}) == "No failcounts for resource 'B'\n");
}

TEST_CASE("short agent names: one match is assumed, several are refused") {
  Fixture f;
  CHECK(f.error({"resource", "create", "X", "Dummy"}) ==
        "Multiple agents match 'Dummy', please specify full name: 'ocf:heartbeat:Dummy' or "
        "'ocf:pacemaker:Dummy'" +
            kSummary);
  CHECK(f.error({"resource", "create", "X", "Nope"}) ==
        "Unable to find agent 'Nope', try specifying its full name" + kSummary);
  CHECK(f.error({"resource", "create", "X", "dummy2"}).find("ocf:pacemaker:Dummy2") !=
        std::string::npos);
  CHECK(f.notes == std::vector<std::string>{
                       "Assumed agent name 'ocf:pacemaker:Dummy2' (deduced from 'dummy2')"});
}

TEST_CASE("a rule's in-effect label: judged by its one date expression, at the given time") {
  auto label = [](const char* rule_xml, EpochSeconds now) {
    auto doc = xml::parse_string(rule_xml).value();
    return rule_in_effect_label(xmlDocGetRootElement(doc.get()), now);
  };
  const EpochSeconds y2020 = 1577836800;  // 2020-01-01T00:00:00Z
  const char* lt =
      R"(<rule id="r"><date_expression id="d" operation="lt" end="2020-01-01"/></rule>)";
  CHECK(label(lt, y2020 - 1).empty());
  CHECK(label(lt, y2020) == "expired");
  const char* gt = R"(<rule id="r"><date_expression id="d" operation="gt" start="2020-01-01"/>
    <rsc_expression id="x" type="Dummy"/></rule>)";
  CHECK(label(gt, y2020) == "not yet in effect");
  CHECK(label(gt, y2020 + 1).empty());
  const char* duration = R"(<rule id="r"><date_expression id="d" operation="in_range"
    start="2020-01-01"><duration id="u" months="1"/></date_expression></rule>)";
  CHECK(label(duration, y2020 + 31 * 86400).empty());
  CHECK(label(duration, y2020 + 31 * 86400 + 1) == "expired");
  // Two date expressions, or a date-spec: crm_rule does not judge them.
  const char* two = R"(<rule id="r"><date_expression id="d" operation="lt" end="2000-01-01"/>
    <date_expression id="e" operation="lt" end="2000-01-01"/></rule>)";
  CHECK(label(two, y2020).empty());
  const char* spec = R"(<rule id="r"><date_expression id="d" operation="date_spec">
    <date_spec id="s" hours="1"/></date_expression></rule>)";
  CHECK(label(spec, y2020).empty());
}
