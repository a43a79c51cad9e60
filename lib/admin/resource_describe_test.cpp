// SPDX-License-Identifier: GPL-2.0-or-later
// `resource describe` against what pcs 0.11.5 printed for the same
// meta-data: the documents below are those of the test agents in
// testdata/ocf/resource.d/vigiltest, whose pcs output (run with those agents
// installed) is the expected text.
#include "resource_describe.hpp"

#include <catch2/catch.hpp>

#include "pcs_wrap.hpp"

namespace vigil::admin {
namespace {

constexpr const char* kOcf10 = R"(<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="v10" version="0.1">
<version>1.0</version>
<longdesc lang="en">
An agent to test describe.
	It has a tab, two  spaces and
several lines.
</longdesc>
<shortdesc lang="en">Test agent, OCF 1.0</shortdesc>
<parameters>
<parameter name="old" unique="0" required="0" deprecated="1">
<longdesc lang="en">Old name of new.</longdesc>
<shortdesc lang="en">old</shortdesc>
<content type="string" default="x"/>
</parameter>
<parameter name="new" unique="1" required="1" obsoletes="old">
<longdesc lang="en">
The new one.
Second line.
</longdesc>
<shortdesc lang="en">new</shortdesc>
<content type="string"/>
</parameter>
<parameter name="newer" obsoletes="old">
<shortdesc lang="en">Only a short description
on two lines</shortdesc>
<content type="integer" default="5"/>
</parameter>
<parameter name="plain" required="1">
<content type="boolean" default="false"/>
</parameter>
<parameter name="trace_ra">
<longdesc lang="en"></longdesc>
<shortdesc lang="en">Tracing, the agent's own</shortdesc>
</parameter>
<parameter name="gone" deprecated="1">
<longdesc lang="en">Deprecated, nothing replaces it.</longdesc>
</parameter>
</parameters>
<actions>
<action name="start" timeout="20s" />
<action name="stop" timeout="20s" />
<action name="monitor" depth="0" timeout="20s" interval="10s" />
<action name="monitor" depth="10" timeout="30s" interval="10s" />
<action name="monitor" role="Master" timeout="20s" interval="9s" />
<action name="promote" timeout="10s" start-delay="5s" />
<action name="notify" />
<action name="status" timeout="20s" />
<action name="meta-data" timeout="5s" />
<action name="validate-all" timeout="20s" />
</actions>
</resource-agent>
)";

constexpr const char* kOcf11 = R"(<?xml version="1.0"?>
<resource-agent name="v11" version="0.1">
<version>1.1</version>
<shortdesc lang="en">Test agent,
OCF 1.1</shortdesc>
<parameters>
<parameter name="addr" unique-group="address" required="1" reloadable="1"><longdesc lang="en">Address.</longdesc><shortdesc lang="en">addr</shortdesc><content type="string"/></parameter>
<parameter name="port" unique-group="address"><shortdesc lang="en">port</shortdesc><content type="integer" default="80"/></parameter>
<parameter name="ip" unique="1" required="1"><deprecated><replaced-with name="addr"/><replaced-with name="host"/><desc lang="en">Use addr.</desc></deprecated><longdesc lang="en">Old address.</longdesc><shortdesc lang="en">ip</shortdesc><content type="string"/></parameter>
<parameter name="flag"><deprecated/><shortdesc lang="en">A flag</shortdesc><content type="select" default="a"><option value="a"/><option value="b"/></content></parameter>
<parameter name="host" unique-group="_pcs_unique_group_host"><longdesc lang="en">Host name.</longdesc></parameter>
</parameters>
<actions><action timeout="20s" name="start"/><action timeout="20s" name="stop"/><action role="Unpromoted" interval="10s" timeout="20s" name="monitor"/><action role="Promoted" interval="11s" timeout="20s" name="monitor"/><action name="promote" timeout="10s" /><action name="demote" timeout="10s" /><action name="reload-agent" timeout="10s" /><action name="meta-data" timeout="5s" /></actions>
</resource-agent>
)";

constexpr const char* kOcf10Operations =
    "Default operations:\n"
    "  start:\n    interval=0s\n    timeout=20s\n"
    "  stop:\n    interval=0s\n    timeout=20s\n"
    "  monitor:\n    interval=10s\n    timeout=20s\n"
    "  monitor:\n    interval=11\n    timeout=30s\n    OCF_CHECK_LEVEL=10\n"
    "  monitor:\n    interval=9s\n    timeout=20s\n    role=Promoted\n"
    "  promote:\n    interval=0s\n    start-delay=5s\n    timeout=10s\n"
    "  notify:\n    interval=0s\n";

constexpr const char* kOcf11Operations =
    "Default operations:\n"
    "  start:\n    interval=0s\n    timeout=20s\n"
    "  stop:\n    interval=0s\n    timeout=20s\n"
    "  monitor:\n    interval=10s\n    timeout=20s\n    role=Unpromoted\n"
    "  monitor:\n    interval=11s\n    timeout=20s\n    role=Promoted\n"
    "  promote:\n    interval=0s\n    timeout=10s\n"
    "  demote:\n    interval=0s\n    timeout=10s\n"
    "  reload-agent:\n    interval=0s\n    timeout=10s\n";

struct Described {
  std::string text;
  std::vector<std::string> warnings;
};

Described describe(const AgentName& agent, const char* xml, bool full, int width = 0) {
  auto md = parse_agent_metadata(xml);
  REQUIRE(md);
  Described d;
  auto text = describe_agent_text(agent, *md, {full, width}, d.warnings);
  REQUIRE(text);
  d.text = *text;
  return d;
}

const AgentName kV10{"ocf", "vigiltest", "v10"};
const AgentName kV11{"ocf", "vigiltest", "v11"};

TEST_CASE("describe: OCF 1.0 meta-data as pcs prints it") {
  const std::string head =
      "ocf:vigiltest:v10 - Test agent, OCF 1.0\n\n"
      "An agent to test describe. \tIt has a tab, two  spaces and several lines.\n\n"
      "Resource options:\n";
  auto d = describe(kV10, kOcf10, false);
  CHECK(d.text == head +
                      "  new (required) (unique): The new one. Second line.\n"
                      "  newer: Only a short description on two lines\n"
                      "  plain (required): No description available\n"
                      "  trace_ra: Tracing, the agent's own\n\n" +
                      kOcf10Operations);
  // The second 10s monitor (another depth) gets the next free second.
  CHECK(d.warnings == std::vector<std::string>{"Warning: changing a monitor operation interval "
                                               "from 10s to 11 to make the operation unique"});
  d = describe(kV10, kOcf10, true);
  CHECK(d.text == head +
                      "  old (deprecated by new, newer): Old name of new.\n"
                      "  new (required) (unique): The new one. Second line.\n"
                      "  newer: Only a short description on two lines\n"
                      "  plain (required): No description available\n"
                      "  trace_ra: Tracing, the agent's own\n"
                      "  gone (deprecated): Deprecated, nothing replaces it.\n\n" +
                      kOcf10Operations);
}

TEST_CASE("describe: OCF 1.1 meta-data as pcs prints it") {
  const std::string head = "ocf:vigiltest:v11 - Test agent, OCF 1.1\n\nResource options:\n";
  const std::string grouped =
      "  addr (required) (unique group: address): Address.\n"
      "  port (unique group: address): port\n";
  const std::string own_group = "  host (unique): Host name.\n\n";
  // Deprecated ones with --full only; the 'desc' of <deprecated> as pcs
  // 0.11.5 prints it (its format placeholder).
  const std::string deprecated =
      "  ip (deprecated by addr, host) (required): Old address.DEPRECATED: "
      "{param.deprecated_desc}\n  flag (deprecated): A flag\n";
  CHECK(describe(kV11, kOcf11, false).text == head + grouped + own_group + kOcf11Operations);
  const auto full = describe(kV11, kOcf11, true);
  CHECK(full.warnings.empty());
  CHECK(full.text == head + grouped + deprecated + own_group + kOcf11Operations);
}

TEST_CASE("describe: heartbeat and pacemaker agents get pcs's tracing parameters") {
  auto d = describe({"ocf", "heartbeat", "VigilV11"}, kOcf11, true);
  CHECK(d.text.find("  host (unique): Host name.\n"
                    "  trace_ra: Set to 1 to turn on resource agent tracing (expect large output) "
                    "The trace output will be saved to trace_file, if set, or by default to "
                    "$HA_VARRUN/ra_trace/<type>/<id>.<action>.<timestamp> e.g. "
                    "$HA_VARRUN/ra_trace/oracle/db.start.2012-11-27.08:37:08\n"
                    "  trace_file: Path to a file to store resource agent tracing log\n\n") !=
        std::string::npos);
  // An agent's own trace_ra is kept, pcs's trace_file added.
  d = describe({"ocf", "pacemaker", "v10"}, kOcf10, true);
  CHECK(d.text.find("  trace_ra: Tracing, the agent's own\n") != std::string::npos);
  CHECK(d.text.find("  trace_file: Path") != std::string::npos);
  CHECK(d.text.find("Set to 1") == std::string::npos);
  // Advanced: not without --full.
  d = describe({"ocf", "heartbeat", "VigilV11"}, kOcf11, false);
  CHECK(d.text.find("trace_") == std::string::npos);
}

TEST_CASE("describe: lines wrapped to the terminal as pcs wraps them") {
  auto d = describe(kV10, kOcf10, true, 50);
  const std::string want =
      "ocf:vigiltest:v10 - Test agent, OCF 1.0\n\n"
      "An agent to test describe.      It has a tab, two\n"
      "spaces and several lines.\n\n"
      "Resource options:\n"
      "  old (deprecated by new, newer): Old name of new.\n"
      "  new (required) (unique): The new one. Second\n"
      "      line.\n"
      "  newer: Only a short description on two lines\n"
      "  plain (required): No description available\n"
      "  trace_ra: Tracing, the agent's own\n"
      "  gone (deprecated): Deprecated, nothing replaces\n"
      "      it.\n\n";
  CHECK(d.text == want + kOcf10Operations);
}

TEST_CASE("pcs_wrap is Python's textwrap.wrap") {
  using Lines = std::vector<std::string>;
  CHECK(pcs_wrap("a well-known self-contained re-use of x--y and --verbose options", 20, 4) ==
        Lines{"a well-known self-", "    contained re-use", "    of x--y and", "    --verbose",
              "    options"});
  CHECK(
      pcs_wrap("averyveryverylongwordwithouthyphens-and-then-some more", 12, 2) ==
      Lines{"averyveryver", "  ylongwordw", "  ithouthyph", "  ens-and-", "  then-some", "  more"});
  CHECK(pcs_wrap("tab\there and  two spaces", 15, 0) == Lines{"tab     here", "and  two spaces"});
  CHECK(pcs_wrap("  indented line that wraps around here", 20, 6) ==
        Lines{"  indented line that", "      wraps around", "      here"});
  CHECK(pcs_wrap("ünïcödé wörds wrap by characters not bytes", 16, 0) ==
        Lines{"ünïcödé wörds", "wrap by", "characters not", "bytes"});
  CHECK(pcs_wrap("   ", 10, 0).empty());
}

TEST_CASE("describe: the least meta-data, and fence agents") {
  auto d = describe({"ocf", "vigiltest", "minimal"}, R"(<resource-agent name="minimal"/>)", true);
  CHECK(d.text == "ocf:vigiltest:minimal\n\nDefault operations:\n  monitor:\n    interval=60s\n");
  // Fence agents: the type alone, "Stonith options:", only monitor kept;
  // 'action' is replaced by the fencer's options (--full).
  const char* fence = R"(<resource-agent name="fence_x" shortdesc="Fence X">
<parameters>
<parameter name="action" required="1"><shortdesc lang="en">Fencing action</shortdesc></parameter>
<parameter name="port" required="1" deprecated="1"><shortdesc>Port</shortdesc></parameter>
<parameter name="plug" required="1" obsoletes="port"><shortdesc>Plug</shortdesc></parameter>
<parameter name="help"><shortdesc>Help</shortdesc></parameter>
</parameters>
<actions><action name="on"/><action name="monitor" timeout="20"/></actions>
</resource-agent>)";
  d = describe({"stonith", "", "fence_x"}, fence, false);
  CHECK(d.text.starts_with("fence_x - Fence X\n\nStonith options:\n  plug: Plug\n"));
  CHECK(d.text.ends_with("\nDefault operations:\n  monitor:\n    interval=60s\n    timeout=20\n"));
  d = describe({"stonith", "", "fence_x"}, fence, true);
  CHECK(d.text.find("  action (deprecated by pcmk_off_action, pcmk_reboot_action): Fencing "
                    "action\n  port (deprecated by plug): Port\n  plug: Plug\n") !=
        std::string::npos);
  CHECK(d.text.find("help") == std::string::npos);
}

TEST_CASE("describe: meta-data pcs refuses, in pcs's words") {
  auto v12 =
      parse_agent_metadata("<resource-agent name=\"v12\"><version>1.2</version></resource-agent>");
  REQUIRE(v12);
  std::vector<std::string> warnings;
  auto text = describe_agent_text({"ocf", "vigiltest", "v12"}, *v12, {}, warnings);
  REQUIRE_FALSE(text);
  CHECK(text.error().message() ==
        "Unable to process agent 'ocf:vigiltest:v12' as it implements unsupported OCF version "
        "'1.2', supported versions are: '1.0', '1.1'");
  // libxml2's words, line and column, as lxml gives them to pcs.
  auto bad = parse_agent_metadata("<resource-agent name=\"badxml\"><version>1.0</version>\n");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message() ==
        "Premature end of data in tag resource-agent line 1, line 1, column 53 (<string>, line "
        "1)");
  // pcs's schemas (libxml2's validation messages).
  auto check = [](const std::string& xml) {
    auto md = parse_agent_metadata(xml);
    REQUIRE_FALSE(md);
    return md.error().message();
  };
  CHECK(check("<resource-agent>\n<version>1.1</version>\n</resource-agent>") ==
        "Element resource-agent failed to validate attributes, line 1");
  CHECK(check("<resource-agent name=\"x\">\n<parameters>\n<parameter name=\"a\" "
              "required=\"true\"/></parameters></resource-agent>") ==
        "Invalid attribute required for element parameter, line 3");
  CHECK(check("<resource-agent name=\"x\"><version>1.1</version><parameters><parameter "
              "name=\"a\" deprecated=\"1\"/></parameters></resource-agent>") ==
        "Invalid attribute deprecated for element parameter, line 1");
  CHECK(check("<resource-agent name=\"x\"><actions><action name=\"a\" "
              "role=\"master\"/></actions></resource-agent>") ==
        "Invalid attribute role for element action, line 1");
  CHECK(check("<resource-agent name=\"x\">\n<version>1.0</version>\n\n<foo/></resource-agent>") ==
        "Element resource-agent has extra content: foo, line 4");
  CHECK(check("<nope name=\"x\"/>") == "Expecting element resource-agent, got nope, line 1");
}

// The agents themselves, run as vigil runs them.
TEST_CASE("describe: test agents run through the meta-data reader") {
  OcfMetadataSource source(std::string(VIGIL_ADMIN_TESTDATA) + "/ocf");
  Context ctx;
  ctx.agents = &source;
  REQUIRE(resource_describe(ctx, "ocf:vigiltest:v11"));
  CHECK(ctx.out.starts_with("ocf:vigiltest:v11 - Test agent, OCF 1.1\n\nResource options:\n"));
  auto failed = [&](const std::string& name) {
    ctx.out.clear();
    auto st = resource_describe(ctx, name);
    REQUIRE_FALSE(st);
    CHECK(ctx.out.empty());
    return st.error().message();
  };
  const std::string tail = "\nError: Errors have occurred, therefore vigil is unable to continue";
  // pcs's words for each (recorded with these agents installed).
  const std::vector<std::pair<std::string, std::string>> unusable{
      {"fails",
       "crm_resource: Metadata query for ocf:vigiltest:fails failed: No such device or address, "
       "Error performing operation: No such object"},
      {"badxml",
       "Premature end of data in tag resource-agent line 1, line 1, column 53 (<string>, line 1)"},
      {"invalid", "Element resource-agent failed to validate attributes, line 2"},
      {"nope",
       "crm_resource: Metadata query for ocf:vigiltest:nope failed: No such device or address, "
       "Error performing operation: No such object"}};
  for (const auto& [agent, why] : unusable) {
    const std::string name = "ocf:vigiltest:" + agent;
    CHECK(failed(name) == "Agent '" + name +
                              "' is not installed or does not provide valid metadata: " + why +
                              tail);
  }
  CHECK(failed("ocf:vigiltest:v12") ==
        "Unable to process agent 'ocf:vigiltest:v12' as it implements unsupported OCF version "
        "'1.2', supported versions are: '1.0', '1.1'" +
            tail);
}

}  // namespace
}  // namespace vigil::admin
