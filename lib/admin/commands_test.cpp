// SPDX-License-Identifier: GPL-2.0-or-later
// Commands applied to in-memory CIBs, with agent metadata from a table
// (the shapes pcs 0.11.5 writes, see cli-reference.md 3, 4, 7, 10).
#include "vigil/admin/commands.hpp"

#include <catch2/catch.hpp>
#include <map>

#include "command_fixture_test.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/cib_file.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::admin;

namespace {

constexpr const char* kEmpty =
    R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>)";

AgentParameter param(std::string name, bool required) {
  AgentParameter p;
  p.name = std::move(name);
  p.required = required;
  return p;
}

AgentMetadata agent_md(std::vector<AgentAction> actions, std::vector<AgentParameter> params) {
  AgentMetadata md;
  md.actions = std::move(actions);
  md.parameters = std::move(params);
  return md;
}

class FakeAgents : public MetadataSource {
 public:
  Result<AgentMetadata> metadata(const AgentName& a) const override {
    if (a.full() == "ocf:heartbeat:IPaddr2") {
      return agent_md({{"start", "", "20s", "", ""},
                       {"stop", "", "20s", "", ""},
                       {"status", "10s", "20s", "", "0"},
                       {"monitor", "10s", "20s", "", "0"},
                       {"meta-data", "", "5s", "", ""},
                       {"validate-all", "", "20s", "", ""}},
                      {param("ip", true), param("cidr_netmask", false), param("nic", false)});
    }
    if (a.full() == "ocf:pacemaker:Dummy") {
      return agent_md({{"start", "", "20s", "", ""},
                       {"stop", "", "20s", "", ""},
                       {"monitor", "10s", "20s", "", "0"},
                       {"reload", "", "20s", "", ""},
                       {"reload-agent", "", "20s", "", ""},
                       {"migrate_to", "", "20s", "", ""},
                       {"migrate_from", "", "20s", "", ""},
                       {"meta-data", "", "5s", "", ""},
                       {"validate-all", "", "20s", "", ""}},
                      {param("state", false), param("fake", false)});
    }
    return Error(
        ErrorCode::kNotFound,
        "Agent '" + a.full() + "' is not installed or does not provide valid metadata: no");
  }
};

struct Fixture : CommandCib<FakeAgents> {
  Fixture() : CommandCib(kEmpty) {}
};

const std::string kSummary = "\nError: Errors have occurred, therefore vigil is unable to continue";

}  // namespace

TEST_CASE("property set and unset") {
  Fixture f;
  REQUIRE(f.run({"property", "set", "stonith-enabled=false", "no-quorum-policy=ignore"}));
  CHECK(
      f.xml_of("cib-bootstrap-options") ==
      R"(<cluster_property_set id="cib-bootstrap-options"><nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/><nvpair id="cib-bootstrap-options-no-quorum-policy" name="no-quorum-policy" value="ignore"/></cluster_property_set>)");
  REQUIRE(f.run({"property", "set", "stonith-enabled=true"}));
  CHECK(xml::attr_or(find_by_id(f.doc.get(), "cib-bootstrap-options-stonith-enabled"), "value") ==
        "true");
  CHECK(f.error({"property", "set", "maintenance-mode="}) ==
        "Cannot remove property 'maintenance-mode', it is not present in property set "
        "'cib-bootstrap-options', use --force to override" +
            kSummary);
  REQUIRE(f.run({"property", "set", "no-quorum-policy="}));
  CHECK(find_by_id(f.doc.get(), "cib-bootstrap-options-no-quorum-policy") == nullptr);
  REQUIRE(f.run({"property", "unset", "stonith-enabled"}));
  CHECK(f.xml_of("cib-bootstrap-options") ==
        R"(<cluster_property_set id="cib-bootstrap-options"/>)");
}

TEST_CASE("property config lists what is set, sorted") {
  Fixture f;
  Context empty;
  empty.doc = f.doc.get();
  REQUIRE(run_command(empty, {"property"}));
  CHECK(empty.out == "Cluster Properties:\n");
  REQUIRE(f.run({"property", "set", "stonith-enabled=false", "no-quorum-policy=ignore"}));
  Context ctx;
  ctx.doc = f.doc.get();
  REQUIRE(run_command(ctx, {"property", "config"}));
  CHECK(ctx.out == "Cluster Properties:\n no-quorum-policy: ignore\n stonith-enabled: false\n");
  Context one;
  one.doc = f.doc.get();
  REQUIRE(run_command(one, {"property", "show", "stonith-enabled"}));
  CHECK(one.out == "Cluster Properties:\n stonith-enabled: false\n");
  CHECK(one.notes.size() == 1);
  // Not set: its default.
  Context unset;
  unset.doc = f.doc.get();
  REQUIRE(run_command(unset, {"property", "config", "batch-limit"}));
  CHECK(unset.out == "Cluster Properties:\n batch-limit: 0\n");
}

TEST_CASE("property errors") {
  Fixture f;
  CHECK(f.error({"property", "set", "foo=bar"})
            .rfind("invalid cluster property option 'foo', allowed options are: 'batch-limit', ",
                   0) == 0);
  CHECK(f.error({"property", "set", "cluster-name=x"}).ends_with("'transition-delay'" + kSummary));
  CHECK(f.error({"property", "set", "no-quorum-policy=bogus"}) ==
        "'bogus' is not a valid no-quorum-policy value, use 'demote', 'freeze', 'ignore', 'stop', "
        "'suicide', use --force to override" +
            kSummary);
  CHECK(f.error({"property", "set", "stonith-enabled=maybe"})
            .rfind("'maybe' is not a valid stonith-enabled value, use a pacemaker boolean value",
                   0) == 0);
  CHECK(f.error({"property", "set", "batch-limit=abc"}) ==
        "'abc' is not a valid batch-limit value, use an integer or INFINITY or -INFINITY, use "
        "--force to override" +
            kSummary);
  CHECK(f.error({"property", "set", "stonith-enabled"}) ==
        "missing value of 'stonith-enabled' option");
  CHECK(f.error({"property", "unset", "nonexist"}) ==
        "Cannot remove property 'nonexist', it is not present in property set "
        "'cib-bootstrap-options', use --force to override" +
            kSummary);
  CHECK(find_by_id(f.doc.get(), "cib-bootstrap-options") == nullptr);
}

TEST_CASE("resource create writes pcs's ids, sorted attributes and default ops") {
  Fixture f;
  REQUIRE(f.run({"resource", "create", "VIP", "ocf:heartbeat:IPaddr2", "ip=192.168.3.118",
                 "cidr_netmask=24", "op", "monitor", "interval=30s"}));
  CHECK(
      f.xml_of("VIP") ==
      R"(<primitive id="VIP" class="ocf" type="IPaddr2" provider="heartbeat"><instance_attributes id="VIP-instance_attributes"><nvpair id="VIP-instance_attributes-cidr_netmask" name="cidr_netmask" value="24"/><nvpair id="VIP-instance_attributes-ip" name="ip" value="192.168.3.118"/></instance_attributes><operations><op name="monitor" interval="30s" id="VIP-monitor-interval-30s"/><op name="start" interval="0s" timeout="20s" id="VIP-start-interval-0s"/><op name="stop" interval="0s" timeout="20s" id="VIP-stop-interval-0s"/></operations></primitive>)");
  REQUIRE(f.run({"resource", "create", "X2", "ocf:heartbeat:IPaddr2", "ip=1.2.3.4"}));
  CHECK(f.xml_of("X2-monitor-interval-10s") ==
        R"(<op name="monitor" interval="10s" timeout="20s" id="X2-monitor-interval-10s"/>)");
}

TEST_CASE("resource create with op, meta, --group, --disabled") {
  Fixture f;
  Flags flags;
  flags.group = "g1";
  flags.disabled = true;
  REQUIRE(f.run({"resource", "create", "D2", "ocf:pacemaker:Dummy", "op", "monitor", "interval=20s",
                 "timeout=40s", "op", "start", "timeout=60s", "meta", "resource-stickiness=100",
                 "target-role=Stopped"},
                flags));
  const std::string g = f.xml_of("g1");
  CHECK(
      g.rfind(
          R"(<group id="g1"><primitive id="D2" class="ocf" type="Dummy" provider="pacemaker"><meta_attributes id="D2-meta_attributes"><nvpair id="D2-meta_attributes-resource-stickiness" name="resource-stickiness" value="100"/><nvpair id="D2-meta_attributes-target-role" name="target-role" value="Stopped"/></meta_attributes><operations><op name="migrate_from" interval="0s" timeout="20s" id="D2-migrate_from-interval-0s"/>)",
          0) == 0);
  CHECK(f.xml_of("D2-start-interval-0s") ==
        R"(<op name="start" timeout="60s" interval="0s" id="D2-start-interval-0s"/>)");
  CHECK(f.xml_of("D2-reload-agent-interval-0s") != "");
  Flags no_defaults;
  no_defaults.no_default_ops = true;
  REQUIRE(f.run({"resource", "create", "D3", "ocf:pacemaker:Dummy"}, no_defaults));
  CHECK(f.xml_of("D3").find("<operations><op name=\"monitor\" interval=\"10s\" timeout=\"20s\" "
                            "id=\"D3-monitor-interval-10s\"/></operations>") != std::string::npos);
}

TEST_CASE("resource create: a deleted resource's history keeps its id free, as in pcs") {
  // Live, the status keeps a deleted resource's lrm_resource until the
  // cluster forgets it; pcs looks for ids outside the status section.
  CommandCib<FakeAgents> f(
      R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes/><resources/><constraints/></configuration><status>
  <node_state id="1" uname="node1"><lrm id="1"><lrm_resources>
  <lrm_resource id="Gone" class="ocf" provider="pacemaker" type="Dummy"/>
  </lrm_resources></lrm></node_state></status></cib>)");
  REQUIRE(f.run({"resource", "create", "Gone", "ocf:pacemaker:Dummy"}));
  CHECK(xml::is(find_by_id(f.doc.get(), "Gone"), "primitive"));
  CHECK(f.error({"resource", "create", "Gone", "ocf:pacemaker:Dummy"}) == "'Gone' already exists");
}

TEST_CASE("resource create errors") {
  Fixture f;
  REQUIRE(f.run({"resource", "create", "VIP", "ocf:pacemaker:Dummy"}));
  CHECK(f.error({"resource", "create", "VIP", "ocf:pacemaker:Dummy"}) == "'VIP' already exists");
  CHECK(f.error({"resource", "create", "1bad", "ocf:pacemaker:Dummy"}) ==
        "invalid resource name '1bad', '1' is not a valid first character for a resource name");
  CHECK(f.error({"resource", "create", "X", "ocf:heartbeat:Nope"})
            .rfind("Agent 'ocf:heartbeat:Nope' is not installed", 0) == 0);
  CHECK(f.error({"resource", "create", "X", "ocf:heartbeat:IPaddr2"}) ==
        "required resource option 'ip' is missing, use --force to override" + kSummary);
  CHECK(f.error({"resource", "create", "X", "ocf:pacemaker:Dummy", "bogus=1"}) ==
        "invalid resource option 'bogus', allowed options are: 'fake', 'state', 'trace_file', "
        "'trace_ra', use --force to override" +
            kSummary);
  CHECK(
      f.error({"resource", "create", "A2", "ocf:pacemaker:Dummy", "op", "bogus", "interval=0"}) ==
      "'bogus' is not a valid operation name value, use 'meta-data', 'migrate_from', 'migrate_to', "
      "'monitor', 'reload', 'reload-agent', 'start', 'stop', 'validate-all', use --force to "
      "override" +
          kSummary);
  CHECK(f.error({"resource", "create", "A3", "ocf:pacemaker:Dummy", "op", "monitor", "interval=30",
                 "on-fail=bogus"}) ==
        "'bogus' is not a valid on-fail value, use 'block', 'demote', 'fence', 'ignore', "
        "'restart', 'restart-container', 'standby', 'stop'" +
            kSummary);
  CHECK(f.error({"resource", "create", "A4", "ocf:pacemaker:Dummy", "op", "monitor", "interval=10",
                 "foo=bar"}) ==
        "invalid resource operation option 'foo', allowed options are: 'OCF_CHECK_LEVEL', "
        "'description', 'enabled', 'id', 'interval', 'interval-origin', 'name', 'on-fail', "
        "'record-pending', 'role', 'start-delay', 'timeout'" +
            kSummary);
  CHECK(f.error({"resource", "create", "A5", "ocf:pacemaker:Dummy", "op", "monitor",
                 "interval=1min", "monitor", "interval=60s"}) ==
        "multiple specification of the same operation with the same interval:\nmonitor with "
        "intervals 1min, 60s" +
            kSummary);
  CHECK(f.error({"resource", "create", "J", "ocf:pacemaker:Dummy", "fake=", "state="}) ==
        "fake cannot be empty\nError: state cannot be empty" + kSummary);
  CHECK(f.error({"resource", "create", "E", "ocf:pacemaker:Dummy", "op", "monitor", "interval=5s",
                 "role=bogus"}) ==
        "'bogus' is not a valid role value, use 'Master', 'Promoted', 'Slave', 'Started', "
        "'Stopped', 'Unpromoted'" +
            kSummary);
  CHECK(
      f.error({"resource", "create", "F", "ocf:pacemaker:Dummy", "op", "start", "enabled=maybe"}) ==
      "'maybe' is not a valid enabled value, use '0', '1', 'false', 'true'" + kSummary);
  REQUIRE(f.run({"resource", "create", "H", "ocf:pacemaker:Dummy", "op", "monitor", "timeout="}));
  CHECK(f.xml_of("H-monitor-interval-60s") ==
        R"(<op name="monitor" interval="60s" id="H-monitor-interval-60s"/>)");
  Flags flags;
  flags.group = "VIP";
  CHECK(f.run({"resource", "create", "X", "ocf:pacemaker:Dummy"}, flags).error().message() ==
        "'VIP' is not a group" + kSummary);
  CHECK(find_by_id(f.doc.get(), "X") == nullptr);
}

TEST_CASE("group add moves primitives and drops emptied groups") {
  Fixture f;
  REQUIRE(f.run({"resource", "create", "A", "ocf:pacemaker:Dummy"}));
  REQUIRE(f.run({"resource", "create", "B", "ocf:pacemaker:Dummy"}));
  REQUIRE(f.run({"resource", "group", "add", "g", "A", "B"}));
  xmlNode* g = find_by_id(f.doc.get(), "g");
  REQUIRE(g != nullptr);
  CHECK(xml::children(g, "primitive").size() == 2);
  REQUIRE(f.run({"resource", "group", "add", "h", "A", "B"}));
  CHECK(find_by_id(f.doc.get(), "g") == nullptr);
  CHECK(f.error({"resource", "group", "add", "A", "B"}) == "'A' is not a group" + kSummary);
  CHECK(f.error({"resource", "group", "add", "h", "A", "B"}) ==
        "Cannot add resources 'A', 'B', they are already present in group 'h'" + kSummary);
  CHECK(f.error({"resource", "group", "add", "h", "h"}) ==
        "'h' is a group resource, group resources cannot be put into a group" + kSummary);
  CHECK(f.error({"resource", "group", "add", "k", "A", "A"}) ==
        "Resources to add or remove must be unique, duplicate resources: 'A'" + kSummary);
  CHECK(f.error({"resource", "group", "add", "h", "Nope"}) ==
        "'Nope' does not exist\nError: Cannot modify group 'h', no resources to add or remove "
        "specified" +
            kSummary);
  CHECK(f.error({"resource", "group", "add", "1g", "A"}) ==
        "invalid group name '1g', '1' is not a valid first character for a group name" + kSummary);
}

TEST_CASE("location prefers / avoids") {
  Fixture f;
  REQUIRE(f.run({"resource", "create", "Web", "ocf:pacemaker:Dummy"}));
  REQUIRE(f.run({"constraint", "location", "Web", "prefers", "node1=10", "node2"}));
  CHECK(f.notes == std::vector<std::string>{
                       "Warning: Validation for node existence in the cluster will be skipped"});
  CHECK(f.xml_of("location-Web-node1-10") ==
        R"(<rsc_location id="location-Web-node1-10" rsc="Web" node="node1" score="10"/>)");
  CHECK(f.xml_of("location-Web-node2-INFINITY") != "");
  REQUIRE(f.run({"constraint", "location", "Web", "avoids", "node1"}));
  CHECK(find_by_id(f.doc.get(), "location-Web-node1-10") == nullptr);  // replaced
  CHECK(
      f.xml_of("location-Web-node1--INFINITY") ==
      R"(<rsc_location id="location-Web-node1--INFINITY" rsc="Web" node="node1" score="-INFINITY"/>)");
  REQUIRE(f.run({"constraint", "location", "Web", "avoids", "node3=50"}));
  CHECK(f.xml_of("location-Web-node3--50") != "");
  CHECK(f.error({"constraint", "location", "Web", "prefers", "node1=abc"}) ==
        "invalid score 'abc', use integer or INFINITY or -INFINITY");
  CHECK(f.error({"constraint", "location", "Nope", "prefers", "node1=10"}) ==
        "Resource 'Nope' does not exist");
  REQUIRE(f.run({"constraint", "location", "Web", "rule", "date-spec", "hours=9-16"}));
  CHECK(f.xml_of("location-Web-rule-expr-datespec") ==
        R"(<date_spec id="location-Web-rule-expr-datespec" hours="9-16"/>)");
}

TEST_CASE("colocation add") {
  Fixture f;
  REQUIRE(f.run({"resource", "create", "VIP", "ocf:pacemaker:Dummy"}));
  REQUIRE(f.run({"resource", "create", "Web", "ocf:pacemaker:Dummy"}));
  REQUIRE(f.run({"constraint", "colocation", "add", "Web", "with", "VIP"}));
  CHECK(
      f.xml_of("colocation-Web-VIP-INFINITY") ==
      R"(<rsc_colocation rsc="Web" with-rsc="VIP" score="INFINITY" id="colocation-Web-VIP-INFINITY"/>)");
  CHECK(f.error({"constraint", "colocation", "add", "Web", "with", "VIP"}) ==
        "duplicate constraint already exists, use --force to override\n  Web with VIP "
        "(score:INFINITY) (id:colocation-Web-VIP-INFINITY)");
  REQUIRE(f.run({"constraint", "colocation", "add", "Promoted", "VIP", "with", "Started", "Web",
                 "100", "id=my-col"}));
  CHECK(
      f.xml_of("my-col") ==
      R"(<rsc_colocation rsc="VIP" with-rsc="Web" score="100" rsc-role="Promoted" with-rsc-role="Started" id="my-col"/>)");
  REQUIRE(f.run({"constraint", "colocation", "add", "VIP", "with", "Web", "-INFINITY"}));
  CHECK(f.xml_of("colocation-VIP-Web--INFINITY") != "");
  CHECK(f.notes.size() == 1);
  CHECK(f.error({"constraint", "colocation", "add", "Web", "with", "VIP", "abc"}) ==
        "invalid role value 'VIP', allowed values are: 'Master', 'Promoted', 'Slave', 'Started', "
        "'Stopped', 'Unpromoted'");
  CHECK(f.error({"constraint", "colocation", "add", "Nope", "with", "VIP"}) ==
        "Resource 'Nope' does not exist");
  CHECK(f.error({"constraint", "colocation", "add", "Web", "VIP", "INFINITY"})
            .rfind("\nUsage: vigil constraint [constraints]...\n    colocation add [<role>]", 0) ==
        0);
}

TEST_CASE("order") {
  Fixture f;
  REQUIRE(f.run({"resource", "create", "VIP", "ocf:pacemaker:Dummy"}));
  REQUIRE(f.run({"resource", "create", "Web", "ocf:pacemaker:Dummy"}));
  REQUIRE(f.run({"constraint", "order", "VIP", "then", "Web"}));
  CHECK(f.notes ==
        std::vector<std::string>{
            "Adding VIP Web (kind: Mandatory) (Options: first-action=start then-action=start)"});
  CHECK(
      f.xml_of("order-VIP-Web-mandatory") ==
      R"(<rsc_order first="VIP" then="Web" first-action="start" then-action="start" id="order-VIP-Web-mandatory"/>)");
  CHECK(f.error({"constraint", "order", "VIP", "then", "Web"}) ==
        "duplicate constraint already exists, use --force to override\n  start VIP then start Web "
        "(kind:Mandatory) (id:order-VIP-Web-mandatory)");
  REQUIRE(
      f.run({"constraint", "order", "Web", "then", "VIP", "kind=Serialize", "symmetrical=false"}));
  CHECK(
      f.xml_of("order-Web-VIP-Serialize") ==
      R"(<rsc_order first="Web" then="VIP" kind="Serialize" first-action="start" then-action="start" symmetrical="false" id="order-Web-VIP-Serialize"/>)");
  REQUIRE(f.run({"constraint", "order", "stop", "VIP", "then", "stop", "Web", "kind=Optional"}));
  CHECK(
      f.xml_of("order-VIP-Web-Optional") ==
      R"(<rsc_order first="VIP" then="Web" kind="Optional" first-action="stop" then-action="stop" id="order-VIP-Web-Optional"/>)");
  CHECK(f.error({"constraint", "order", "Nope", "then", "VIP"}) ==
        "Resource 'Nope' does not exist");
  REQUIRE(f.run({"resource", "group", "add", "myweb", "VIP", "Web"}));
  CHECK(f.error({"constraint", "order", "start", "VIP", "then", "stop", "Web"}) ==
        "Cannot create an order constraint for resources in the same group");
}

TEST_CASE("constraint delete and resource delete") {
  Fixture f;
  REQUIRE(f.run({"resource", "create", "VIP", "ocf:pacemaker:Dummy"}));
  REQUIRE(f.run({"resource", "create", "Web", "ocf:pacemaker:Dummy"}));
  REQUIRE(f.run({"constraint", "location", "Web", "prefers", "node1=10"}));
  REQUIRE(f.run({"constraint", "colocation", "add", "Web", "with", "VIP"}));
  CHECK(f.error({"constraint", "delete", "location-Web-node1-10", "nope"}) ==
        "Unable to find constraint - 'nope'");
  CHECK(find_by_id(f.doc.get(), "location-Web-node1-10") != nullptr);
  REQUIRE(f.run({"constraint", "remove", "location-Web-node1-10"}));
  CHECK(find_by_id(f.doc.get(), "location-Web-node1-10") == nullptr);
  REQUIRE(f.run({"resource", "delete", "Web"}));
  CHECK(f.notes == std::vector<std::string>{"Removing Constraint - colocation-Web-VIP-INFINITY",
                                            "Deleting Resource - Web"});
  CHECK(f.error({"resource", "delete", "Nope"}) == "Resource 'Nope' does not exist.");
  Flags flags;
  flags.group = "g1";
  REQUIRE(f.run({"resource", "create", "D2", "ocf:pacemaker:Dummy"}, flags));
  REQUIRE(f.run({"resource", "delete", "D2"}));
  CHECK(f.notes == std::vector<std::string>{"Deleting Resource (and group) - D2"});
  CHECK(find_by_id(f.doc.get(), "g1") == nullptr);
}

TEST_CASE("unsupported commands fail loudly") {
  Fixture f;
  for (std::vector<std::string> args : {std::vector<std::string>{"cluster", "setup"},
                                        {"resource", "bundle", "create", "B"},
                                        {"property", "defaults"},
                                        {"status", "nodes"},
                                        {"cluster", "node", "add", "n1"}}) {
    auto st = f.run(args);
    REQUIRE_FALSE(st);
    CHECK(st.error().code() == ErrorCode::kUnsupported);
  }
  Flags flags;
  flags.disabled = true;
  CHECK_FALSE(f.run({"property", "set", "stonith-enabled=false"}, flags));
}

TEST_CASE("finalize bumps epoch and validates") {
  Fixture f;
  REQUIRE(f.run({"property", "set", "stonith-enabled=false"}));
  auto text = finalize_cib(f.doc.get());
  REQUIRE(text);
  CHECK(text->rfind(R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="2")",
                    0) == 0);
  REQUIRE(f.run({"resource", "create", "A", "ocf:pacemaker:Dummy"}));
  REQUIRE(f.run({"resource", "create", "B", "ocf:pacemaker:Dummy"}));
  REQUIRE(f.run(
      {"constraint", "location", "add", "L1", "A", "node1", "10", "resource-discovery=sometimes"}));
  auto bad = finalize_cib(f.doc.get());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().rfind("Unable to update cib", 0) == 0);
}

TEST_CASE("resource status lists resources like pcs resource") {
  Fixture f;
  Context ctx;
  ctx.doc = f.doc.get();
  REQUIRE(run_command(ctx, {"resource"}));
  CHECK(ctx.out == "NO resources configured\n");
  CHECK_FALSE(ctx.changed);
  REQUIRE(f.run({"resource", "create", "VIP", "ocf:heartbeat:IPaddr2", "ip=1.2.3.4"}));
  REQUIRE(f.run({"resource", "create", "Web", "ocf:pacemaker:Dummy"}));
  REQUIRE(f.run({"resource", "group", "add", "myweb", "VIP", "Web"}));
  Flags disabled;
  disabled.disabled = true;
  REQUIRE(f.run({"resource", "create", "Off", "ocf:pacemaker:Dummy"}, disabled));
  Context again;
  again.doc = f.doc.get();
  REQUIRE(run_command(again, {"status", "resources"}));
  CHECK(again.out ==
        "  * Resource Group: myweb:\n"
        "    * VIP\t(ocf:heartbeat:IPaddr2):\t Stopped\n"
        "    * Web\t(ocf:pacemaker:Dummy):\t Stopped\n"
        "  * Off\t(ocf:pacemaker:Dummy):\t Stopped (disabled)\n");
  // `status` on a file: crm_mon's whole view, with the same resource lines.
  Context whole;
  whole.doc = f.doc.get();
  REQUIRE(run_command(whole, {"status"}));
  CHECK(whole.out.rfind("Cluster Summary:\n", 0) == 0);
  CHECK(whole.out.find("  * 3 resource instances configured (1 DISABLED)\n") != std::string::npos);
  CHECK(whole.out.find("\nFull List of Resources:\n" + again.out) != std::string::npos);
  CHECK_FALSE(whole.changed);
}

TEST_CASE("constraint listing like pcs constraint") {
  Fixture f;
  for (const char* id : {"VIP", "Web", "B"}) {
    REQUIRE(f.run({"resource", "create", id, "ocf:pacemaker:Dummy"}));
  }
  REQUIRE(f.run({"constraint", "location", "Web", "prefers", "node1=10", "node2=5"}));
  REQUIRE(f.run({"constraint", "location", "B", "avoids", "node1"}));
  REQUIRE(f.run({"constraint", "colocation", "add", "Web", "with", "VIP"}));
  REQUIRE(f.run({"constraint", "colocation", "add", "Promoted", "B", "with", "VIP", "50"}));
  REQUIRE(f.run({"constraint", "order", "VIP", "then", "Web"}));
  REQUIRE(f.run({"constraint", "order", "demote", "B", "then", "stop", "Web", "symmetrical=false",
                 "require-all=false"}));
  Context ctx;
  ctx.doc = f.doc.get();
  REQUIRE(run_command(ctx, {"constraint"}));
  CHECK(ctx.out ==
        "Location Constraints:\n"
        "  Resource: B\n"
        "    Disabled on:\n"
        "      Node: node1 (score:-INFINITY)\n"
        "  Resource: Web\n"
        "    Enabled on:\n"
        "      Node: node1 (score:10)\n"
        "      Node: node2 (score:5)\n"
        "Ordering Constraints:\n"
        "  start VIP then start Web (kind:Mandatory)\n"
        "  demote B then stop Web (kind:Mandatory) (non-symmetrical) (Options: require-all=false)\n"
        "Colocation Constraints:\n"
        "  Web with VIP (score:INFINITY)\n"
        "  B with VIP (score:50) (rsc-role:Promoted) (with-rsc-role:Started)\n"
        "Ticket Constraints:\n");
  CHECK_FALSE(ctx.changed);
  CHECK(f.error({"constraint", "colocation", "add", "Promoted", "B", "with", "VIP", "50"}) ==
        "duplicate constraint already exists, use --force to override\n  B with VIP (score:50) "
        "(rsc-role:Promoted) (with-rsc-role:Started) (id:colocation-B-VIP-50)");
}
