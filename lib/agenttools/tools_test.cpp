// SPDX-License-Identifier: GPL-2.0-or-later
// The tools over a fake Cluster: options, attribute names, the requests
// sent to vigil-crmd and vigil-cib, output and exit codes.
#include "vigil/agenttools/tools.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <sstream>

#include "internal.hpp"

using namespace vigil;
using namespace vigil::agenttools;

namespace {

constexpr const char* kCib =
    R"(<cib><configuration><crm_config><cluster_property_set id="cib-bootstrap-options">)"
    R"(<nvpair id="opt-stonith" name="stonith-enabled" value="false"/></cluster_property_set>)"
    R"(</crm_config><nodes><node id="1" uname="node1"><instance_attributes id="n1-attrs">)"
    R"(<nvpair id="n1-rack" name="rack" value="r1"/></instance_attributes></node>)"
    R"(<node id="2" uname="node2"/><node id="10" uname="node10"/></nodes><resources/>)"
    R"(<constraints/></configuration><status>)"
    R"(<node_state id="1" uname="node1"><transient_attributes id="1"><instance_attributes )"
    R"(id="status-1"><nvpair id="status-1-pingd" name="pingd" value="1000"/></instance_attributes>)"
    R"(</transient_attributes></node_state><node_state id="2" uname="node2"><transient_attributes )"
    R"(id="2"><instance_attributes id="status-2"><nvpair id="status-2-pingd" name="pingd" )"
    R"(value="0"/><nvpair id="status-2-master-db" name="master-db" value="10"/>)"
    R"(</instance_attributes></transient_attributes></node_state></status></cib>)";

struct FakeCluster : Cluster {
  bool crmd_up = true;
  bool cib_up = true;
  std::string status =
      R"(<status node="2" quorate="true"><member id="2" name="node2"/><member id="1" )"
      R"(name="node1"/></status>)";
  std::string cib_xml = kCib;
  std::vector<std::string> sent;  // to vigil-crmd, <status/> left out
  std::vector<std::pair<std::string, std::string>> modified;
  std::vector<std::string> removed;

  Result<std::string> controller(const std::string& request) override {
    if (!crmd_up) return Error(ErrorCode::kIo, "cannot reach vigil-crmd at /run/vigil/crmd.sock");
    if (request == "<status/>") return status;
    sent.push_back(request);
    return std::string("<ok/>");
  }
  Result<std::string> cib() override {
    if (!cib_up) return Error(ErrorCode::kIo, "cannot reach vigil-cib");
    return cib_xml;
  }
  Status cib_modify(const std::string& section, const std::string& xml) override {
    modified.emplace_back(section, xml);
    return ok_status();
  }
  Status cib_remove(const std::string& xpath) override {
    removed.push_back(xpath);
    return ok_status();
  }
};

Getenv env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// The environment vigil-lrmd gives an agent running on node2.
const Getenv kAgentEnv =
    env_of({{"OCF_RESKEY_CRM_meta_on_node", "node2"}, {"OCF_RESOURCE_INSTANCE", "db:1"}});
const Getenv kNoEnv = env_of({});

}  // namespace

TEST_CASE("options: GLib's spellings, grouped flags, optional and missing arguments") {
  const std::vector<OptionSpec> specs = {{'n', "name", Arg::kRequired, "name"},
                                         {'q', "quiet", Arg::kNone, "quiet"},
                                         {'G', "query", Arg::kNone, "G"},
                                         {'p', "promotion", Arg::kOptional, "promotion"}};
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-nfoo"}, {"-n", "foo"}, {"--name=foo"}, {"--name", "foo"}}) {
    auto p = parse_options(args, specs);
    REQUIRE(p);
    REQUIRE(p->options.size() == 1);
    CHECK(p->options[0].key == "name");
    CHECK(p->options[0].value == std::optional<std::string>("foo"));
  }
  auto grouped = parse_options({"-qGnbar", "left", "--", "-q"}, specs);
  REQUIRE(grouped);
  REQUIRE(grouped->options.size() == 3);
  CHECK(grouped->options[1].key == "G");
  CHECK(grouped->options[2].value == std::optional<std::string>("bar"));
  CHECK(grouped->operands == std::vector<std::string>{"left", "-q"});

  auto optional = parse_options({"--promotion", "-q", "-p", "rsc", "--promotion=x"}, specs);
  REQUIRE(optional);
  CHECK_FALSE(optional->options[0].value);
  CHECK(optional->options[2].value == std::optional<std::string>("rsc"));
  CHECK(optional->options[3].value == std::optional<std::string>("x"));

  CHECK_FALSE(parse_options({"-x"}, specs));
  CHECK_FALSE(parse_options({"--bogus"}, specs));
  CHECK_FALSE(parse_options({"-n"}, specs));
  CHECK_FALSE(parse_options({"--quiet=1"}, specs));
  CHECK_FALSE(parse_options({"--output-as=xml"}, specs));
  CHECK(parse_options({"--output-as=text", "-VV"}, specs));
}

TEST_CASE("attrd_updater: updates and deletions go to vigil-crmd for the agent's node") {
  FakeCluster cluster;
  auto run = attrd_updater({"-n", "pingd", "-v", "2000", "-d", "5s"}, kAgentEnv, cluster);
  CHECK(run.exit_code == 0);
  CHECK(run.out.empty());
  CHECK(run.err.empty());
  run = attrd_updater({"-n", "pingd", "-B", "3000", "-d", "5s"}, kAgentEnv, cluster);
  CHECK(run.exit_code == 0);
  run = attrd_updater({"-D", "-n", "pingd", "-d", "5s"}, kAgentEnv, cluster);
  CHECK(run.exit_code == 0);
  run = attrd_updater({"-n", "hits", "-U", "value++", "-N", "node1"}, kNoEnv, cluster);
  CHECK(run.exit_code == 0);
  // Outside an agent without -N: empty node, the controller's own.
  run = attrd_updater({"--name=x", "--update=1"}, kNoEnv, cluster);
  CHECK(run.exit_code == 0);
  CHECK(cluster.sent ==
        std::vector<std::string>{R"(<attr_update node="node2" name="pingd" value="2000"/>)",
                                 R"(<attr_update node="node2" name="pingd" value="3000"/>)",
                                 R"(<attr_delete node="node2" name="pingd"/>)",
                                 R"(<attr_update node="node1" name="hits" value="value++"/>)",
                                 R"(<attr_update node="" name="x" value="1"/>)"});

  // -B without -d warns on stdout, as 2.1.5 does, and still updates.
  run = attrd_updater({"-n", "pingd", "-B", "1"}, kAgentEnv, cluster);
  CHECK(run.exit_code == 0);
  CHECK(run.out == "Warning: 'B' command given without required --delay\n");
  CHECK(cluster.sent.size() == 6);
  // -Y changes only the delay, which Vigil does not keep: nothing is sent.
  CHECK(attrd_updater({"-n", "pingd", "-Y", "-d", "10"}, kAgentEnv, cluster).exit_code == 0);
  CHECK(cluster.sent.size() == 6);
}

TEST_CASE("attrd_updater: queries read the CIB's status section") {
  FakeCluster cluster;
  auto run = attrd_updater({"-Q", "-n", "pingd", "-N", "node1"}, kNoEnv, cluster);
  CHECK(run.exit_code == 0);
  CHECK(run.out == "name=\"pingd\" host=\"node1\" value=\"1000\"\n");
  run = attrd_updater({"-Q", "-n", "pingd"}, kAgentEnv, cluster);  // the agent's node
  CHECK(run.out == "name=\"pingd\" host=\"node2\" value=\"0\"\n");
  run = attrd_updater({"-Q", "-A", "-n", "pingd"}, kAgentEnv, cluster);
  CHECK(run.out ==
        "name=\"pingd\" host=\"node1\" value=\"1000\"\nname=\"pingd\" host=\"node2\" "
        "value=\"0\"\n");
  run = attrd_updater({"-n", "pingd"}, kNoEnv, cluster);  // -Q is the default: every node
  CHECK(run.out.find("node1") != std::string::npos);
  CHECK(run.out.find("node2") != std::string::npos);
  run = attrd_updater({"-Q", "-n", "nosuch"}, kNoEnv, cluster);
  CHECK(run.exit_code == 78);
  CHECK(run.err == "attrd_updater: Could not query value of nosuch: attribute does not exist\n");
  cluster.cib_up = false;
  CHECK(attrd_updater({"-Q", "-n", "pingd"}, kNoEnv, cluster).exit_code == 102);
}

TEST_CASE("attrd_updater: bad usage and what Vigil refuses fail loudly and send nothing") {
  FakeCluster cluster;
  struct Case {
    std::vector<std::string> args;
    int code;
  };
  for (const auto& c : std::vector<Case>{{{"-v", "1"}, 64},
                                         {{"-n", "x", "-l", "sometimes"}, 64},
                                         {{"-n", "x", "--bogus"}, 64},
                                         {{"-R"}, 3},
                                         {{"-n", "x", "-v", "1", "-p"}, 3},
                                         {{"-n", "x", "-v", "1", "-s", "set1"}, 3}}) {
    auto run = attrd_updater(c.args, kAgentEnv, cluster);
    CHECK(run.exit_code == c.code);
    CHECK(run.err.rfind("attrd_updater: ", 0) == 0);
  }
  CHECK(cluster.sent.empty());
  cluster.crmd_up = false;
  auto run = attrd_updater({"-n", "pingd", "-v", "1"}, kAgentEnv, cluster);
  CHECK(run.exit_code == 102);
  CHECK(run.err.find("Could not update pingd=1: cannot reach vigil-crmd") != std::string::npos);
}

TEST_CASE("crm_attribute --promotion: master-<OCF_RESOURCE_INSTANCE>, transient, this node") {
  FakeCluster cluster;
  CHECK(promotion_score_name("db:1") == "master-db:1");
  auto run = crm_attribute({"--promotion", "-v", "10"}, kAgentEnv, cluster);
  CHECK(run.exit_code == 0);
  run = crm_attribute({"--promotion", "-D"}, kAgentEnv, cluster);
  CHECK(run.exit_code == 0);
  // An explicit resource; outside an agent the controller names this node.
  run = crm_attribute({"--promotion=web", "-v", "5"}, kNoEnv, cluster);
  CHECK(run.exit_code == 0);
  // ocf_promotion_score's form: crm_attribute -p -v N.
  run = crm_attribute({"-p", "-v", "7"}, kAgentEnv, cluster);
  CHECK(run.exit_code == 0);
  CHECK(cluster.sent ==
        std::vector<std::string>{R"(<attr_update node="node2" name="master-db:1" value="10"/>)",
                                 R"(<attr_delete node="node2" name="master-db:1"/>)",
                                 R"(<attr_update node="node2" name="master-web" value="5"/>)",
                                 R"(<attr_update node="node2" name="master-db:1" value="7"/>)"});
  CHECK(cluster.modified.empty());

  run = crm_attribute({"--promotion", "-v", "10"}, kNoEnv, cluster);
  CHECK(run.exit_code == 64);
  CHECK(run.err.find("-p/--promotion must be called from an OCF resource agent") !=
        std::string::npos);
}

TEST_CASE("crm_attribute: transient queries, defaults and quiet output") {
  FakeCluster cluster;
  auto run = crm_attribute({"-l", "reboot", "-n", "master-db", "-G"}, kNoEnv, cluster);
  CHECK(run.exit_code == 0);
  CHECK(run.out == "scope=status  name=master-db value=10\n");
  run = crm_attribute({"-N", "node1", "-l", "reboot", "-n", "pingd", "-G", "-q"}, kNoEnv, cluster);
  CHECK(run.out == "1000\n");
  run = crm_attribute({"-t", "status", "-n", "nosuch", "-G"}, kAgentEnv, cluster);
  CHECK(run.exit_code == 105);
  CHECK(run.err == "crm_attribute: Error performing operation: No such device or address\n");
  run = crm_attribute({"-t", "status", "-n", "nosuch", "-G", "-d", "0", "-q"}, kAgentEnv, cluster);
  CHECK(run.exit_code == 0);
  CHECK(run.out == "0\n");
}

TEST_CASE("crm_attribute: permanent node attributes and cluster options in the CIB") {
  FakeCluster cluster;
  auto run = crm_attribute({"-N", "node1", "-n", "rack", "-G"}, kNoEnv, cluster);
  CHECK(run.out == "scope=nodes  name=rack value=r1\n");
  // Existing nvpair: its own ids; a new one: Pacemaker's generated ones.
  CHECK(crm_attribute({"-N", "node1", "-n", "rack", "-v", "r2"}, kNoEnv, cluster).exit_code == 0);
  CHECK(crm_attribute({"-l", "forever", "-n", "ssd", "-v", "yes"}, kAgentEnv, cluster).exit_code ==
        0);
  REQUIRE(cluster.modified.size() == 2);
  CHECK(cluster.modified[0].first == "nodes");
  CHECK(cluster.modified[0].second ==
        R"(<node id="1"><instance_attributes id="n1-attrs"><nvpair id="n1-rack" name="rack" )"
        R"(value="r2"/></instance_attributes></node>)");
  CHECK(cluster.modified[1].second ==
        R"(<node id="2"><instance_attributes id="nodes-2"><nvpair id="nodes-2-ssd" name="ssd" )"
        R"(value="yes"/></instance_attributes></node>)");
  CHECK(crm_attribute({"-N", "node1", "-n", "rack", "-D"}, kNoEnv, cluster).exit_code == 0);
  CHECK(crm_attribute({"-N", "node1", "-n", "absent", "-D"}, kNoEnv, cluster).exit_code == 0);
  CHECK(cluster.removed ==
        std::vector<std::string>{R"(/cib/configuration/nodes/node[@id="1"]/*[@id="n1-attrs"])"
                                 R"(/nvpair[@id="n1-rack"])"});
  run = crm_attribute({"-N", "node9", "-n", "rack", "-v", "x"}, kNoEnv, cluster);
  CHECK(run.exit_code == 105);
  CHECK(run.err.find("Could not map name=node9 to a UUID") != std::string::npos);

  run = crm_attribute({"-n", "stonith-enabled", "-q"}, kNoEnv, cluster);  // crm_config, query
  CHECK(run.out == "false\n");
  CHECK(crm_attribute({"-t", "crm_config", "-n", "no-quorum-policy", "-v", "stop"}, kNoEnv, cluster)
            .exit_code == 0);
  CHECK(cluster.modified.back().first == "crm_config");
  CHECK(cluster.modified.back().second ==
        R"(<crm_config><cluster_property_set id="cib-bootstrap-options"><nvpair )"
        R"(id="cib-bootstrap-options-no-quorum-policy" name="no-quorum-policy" value="stop"/>)"
        R"(</cluster_property_set></crm_config>)");
  CHECK(cluster.sent.empty());

  CHECK(crm_attribute({"-t", "rsc_defaults", "-n", "x", "-v", "1"}, kNoEnv, cluster).exit_code ==
        3);
  CHECK(crm_attribute({"-P", "pat.*", "-G"}, kNoEnv, cluster).exit_code == 3);
  CHECK(crm_attribute({"-D"}, kNoEnv, cluster).exit_code == 64);
  cluster.cib_up = false;
  CHECK(crm_attribute({"-N", "node1", "-n", "rack", "-G"}, kNoEnv, cluster).exit_code == 102);
}

TEST_CASE("crm_master: crm_attribute on master-<resource>, -l forever unless told") {
  FakeCluster cluster;
  auto run = crm_master({"-l", "reboot", "-v", "100"}, kAgentEnv, cluster);
  CHECK(run.exit_code == 0);
  run = crm_master({"-r", "other", "-l", "reboot", "-D"}, kAgentEnv, cluster);
  CHECK(run.exit_code == 0);
  CHECK(cluster.sent ==
        std::vector<std::string>{R"(<attr_update node="node2" name="master-db:1" value="100"/>)",
                                 R"(<attr_delete node="node2" name="master-other"/>)"});
  run = crm_master({"-v", "5"}, kAgentEnv, cluster);  // forever: the nodes section
  CHECK(run.exit_code == 0);
  REQUIRE(cluster.modified.size() == 1);
  CHECK(cluster.modified[0].second.find("name=\"master-db:1\" value=\"5\"") != std::string::npos);
  run = crm_master({"-v", "5"}, kNoEnv, cluster);
  CHECK(run.exit_code == 1);
  CHECK(run.err == "error: No resource specified\n");
  CHECK(crm_master({"--bogus"}, kAgentEnv, cluster).exit_code == 1);
}

TEST_CASE("crm_node: name, id, members, partition and quorum from vigil-crmd") {
  FakeCluster cluster;
  CHECK(crm_node({"-n"}, kAgentEnv, cluster).out == "node2\n");
  auto run = crm_node({"-n"}, kNoEnv, cluster);
  CHECK(run.out == "node2\n");
  CHECK(crm_node({"-i"}, kNoEnv, cluster).out == "2\n");
  run = crm_node({"-q"}, kNoEnv, cluster);
  CHECK(run.out == "1\n");
  CHECK(run.exit_code == 0);
  // The members, then the CIB's other nodes as lost; sorted by name, numbers as numbers.
  CHECK(crm_node({"-l"}, kNoEnv, cluster).out ==
        "1 node1 member\n2 node2 member\n10 node10 lost\n");
  CHECK(crm_node({"-p"}, kNoEnv, cluster).out == "node1 node2 \n");
  CHECK(crm_node({"-N", "10"}, kNoEnv, cluster).out == "node10\n");
  run = crm_node({"-N", "77"}, kNoEnv, cluster);
  CHECK(run.exit_code == 68);
  CHECK(run.err == "Node is not known to cluster\n");

  cluster.status = R"(<status node="2" quorate="false"><member id="2" name="node2"/></status>)";
  run = crm_node({"--quorum"}, kNoEnv, cluster);
  CHECK(run.out == "0\n");
  CHECK(run.exit_code == 106);
  CHECK(crm_node({"-l"}, kNoEnv, cluster).out == "1 node1 lost\n2 node2 member\n10 node10 lost\n");

  CHECK(crm_node({}, kNoEnv, cluster).exit_code == 64);
  CHECK(crm_node({"-R", "node1"}, kNoEnv, cluster).exit_code == 3);
  cluster.crmd_up = false;
  run = crm_node({"-q"}, kNoEnv, cluster);
  CHECK(run.exit_code == 102);
  CHECK(run.err.rfind("error: Could not connect to controller: ", 0) == 0);
  CHECK(crm_node({"-n"}, kAgentEnv, cluster).out == "node2\n");  // the agent's: no controller
}

TEST_CASE("tools Vigil does not provide fail loudly; the installed names match") {
  FakeCluster cluster;
  for (const char* tool : {"crm_mon", "crm_resource", "cibadmin"}) {
    auto run = run_tool(tool, {"-1"}, kAgentEnv, cluster);
    CHECK(run.exit_code == 3);
    CHECK(run.out.empty());
    CHECK(run.err.rfind(std::string(tool) + ": not provided by Vigil", 0) == 0);
  }
  CHECK(run_tool("crm_mon", {"--version"}, kAgentEnv, cluster).out.rfind("Pacemaker 2.1.5\n", 0) ==
        0);
  CHECK(run_tool("crm_node", {"-n"}, kAgentEnv, cluster).out == "node2\n");
  std::vector<std::string> cmake_names;
  std::stringstream names(VIGIL_AGENT_TOOL_NAMES);
  for (std::string n; std::getline(names, n, ',');) cmake_names.push_back(n);
  CHECK(cmake_names == tool_names());
}
