// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/fencing/fencing_config.hpp"

#include <catch2/catch.hpp>

using namespace vigil;
using namespace vigil::fencing;
using namespace std::chrono_literals;

namespace {
constexpr const char* kCib = R"(<cib><configuration>
  <crm_config><cluster_property_set id="o">
    <nvpair id="a" name="stonith-timeout" value="90s"/></cluster_property_set></crm_config>
  <nodes>
    <node id="1" uname="node1"><instance_attributes id="n1">
      <nvpair id="r" name="rack" value="r1"/></instance_attributes></node>
    <node id="2" uname="node2"/>
  </nodes>
  <resources>
    <primitive id="ipmi" class="stonith" type="fence_ipmilan">
      <instance_attributes id="i"><nvpair id="h" name="pcmk_host_list" value="node1"/>
        <nvpair id="ip" name="ip" value="10.0.0.1"/></instance_attributes>
      <meta_attributes id="m"><nvpair id="p" name="provides" value="unfencing"/></meta_attributes>
    </primitive>
    <primitive id="web" class="ocf" provider="heartbeat" type="apache"/>
  </resources>
  <fencing-topology>
    <fencing-level id="l1" target="node2" index="1" devices="ipmi,other"/>
    <fencing-level id="l2" target-pattern="^node" index="2" devices="ipmi"/>
    <fencing-level id="l3" target-attribute="rack" target-value="r1" index="1" devices="ipmi"/>
  </fencing-topology>
</configuration><status/></cib>)";
}  // namespace

TEST_CASE("config: devices, levels, options and node attributes from the CIB") {
  auto c = read_cib_fencing(std::string_view(kCib));
  REQUIRE(c.ok());
  REQUIRE(c->devices.size() == 1);
  CHECK(c->devices[0].agent == "fence_ipmilan");
  CHECK(c->devices[0].params.at("ip") == "10.0.0.1");
  CHECK(c->stonith_timeout == 90s);
  CHECK(c->levels.size() == 3);
  std::map<std::string, Result<AgentMetadata>> md;
  md.emplace("fence_ipmilan", AgentMetadata{{"off", "on", "reboot"}, {"port"}, false, false});
  auto b = build_config(*c, md, "node1");
  REQUIRE(b.ok());
  CHECK(b->config.devices.at(0).provides_unfencing);
  const auto& t = b->config.topology;
  CHECK(t.levels_for("node2", b->config.node_attributes).at(0)->id == "l1");
  // node1: no level by name; the first matching pattern or attribute target.
  CHECK(t.levels_for("node1", b->config.node_attributes).size() == 1);
  // A device whose agent has no meta-data is left out, with the reason.
  md.clear();
  md.emplace("fence_ipmilan", Error(ErrorCode::kNotFound, "fence agent missing"));
  auto s = build_config(*c, md, "node1");
  REQUIRE(s.ok());
  CHECK(s->config.devices.empty());
  CHECK(s->config.left_out.at("ipmi") == "fence agent missing");
}

TEST_CASE("config: bad levels and rules are refused") {
  auto bad_index = read_cib_fencing(std::string_view(
      "<configuration><fencing-topology><fencing-level id=\"l\" target=\"n\" index=\"x\" "
      "devices=\"d\"/></fencing-topology></configuration>"));
  CHECK(bad_index.error().message() == "fencing-level l: index 'x' is not an integer");
  auto no_target = read_cib_fencing(std::string_view(
      "<configuration><fencing-topology><fencing-level id=\"l\" index=\"1\" devices=\"d\"/>"
      "</fencing-topology></configuration>"));
  CHECK_FALSE(no_target.ok());
  Topology t;
  FencingLevel l{"l", FencingLevel::Kind::kPattern, "([", "", 1, {"d"}};
  CHECK_FALSE(t.add(l).ok());
  l.kind = FencingLevel::Kind::kNode;
  l.index = 10;
  CHECK_FALSE(t.add(l).ok());
  CHECK(t.empty());
  auto rule = read_cib_fencing(std::string_view(
      "<configuration><resources><primitive id=\"f\" class=\"stonith\" type=\"fence_x\">"
      "<instance_attributes id=\"i\"><rule id=\"r\"/></instance_attributes></primitive>"
      "</resources></configuration>"));
  CHECK(rule.error().code() == ErrorCode::kUnsupported);
}

namespace {
// Three devices: one stopped by its own target-role, one in a stopped group,
// one banned from node1 and preferring node2; a location rule elsewhere.
constexpr const char* kPlaced = R"(<configuration>
  <crm_config><cluster_property_set id="o">%SYMMETRIC%</cluster_property_set></crm_config>
  <resources>
    <primitive id="stopped" class="stonith" type="fence_x">
      <meta_attributes id="m1"><nvpair id="t1" name="target-role" value="stopped"/></meta_attributes>
    </primitive>
    <group id="g">
      <meta_attributes id="m2"><nvpair id="t2" name="target-role" value="Stopped"/></meta_attributes>
      <primitive id="in-group" class="stonith" type="fence_x"/>
    </group>
    <group id="g2">
      <meta_attributes id="m3"><nvpair id="t3" name="target-role" value="Stopped"/></meta_attributes>
      <primitive id="started-in-group" class="stonith" type="fence_x">
        <meta_attributes id="m4"><nvpair id="t4" name="target-role" value="Started"/></meta_attributes>
      </primitive>
    </group>
    <primitive id="placed" class="stonith" type="fence_x"/>
    <primitive id="web" class="ocf" provider="heartbeat" type="apache"/>
  </resources>
  <constraints>
    <rsc_location id="ban" rsc="placed" node="node1" score="-INFINITY"/>
    <rsc_location id="pref" rsc-pattern="^pla" node="node2" score="100"/>
    <rsc_location id="promoted" rsc="placed" node="node3" score="-INFINITY" role="Promoted"/>
    <rsc_location id="web-rule" rsc="web"><rule id="r" score="10"/></rsc_location>
  </constraints>
</configuration>)";

std::string placed(const std::string& symmetric) {
  std::string s = kPlaced;
  s.replace(s.find("%SYMMETRIC%"), 11, symmetric);
  return s;
}

std::vector<std::string> registered(const CibFencing& c, const std::string& self) {
  std::map<std::string, Result<AgentMetadata>> md;
  md.emplace("fence_x", AgentMetadata{{"off", "on", "reboot"}, {"port"}, false, false});
  auto b = build_config(c, md, self);
  REQUIRE(b.ok());
  std::vector<std::string> ids;
  for (const auto& d : b->config.devices) ids.push_back(d.id);
  return ids;
}
}  // namespace

TEST_CASE("config: a disabled device, or one banned from this node, is not registered") {
  auto c = read_cib_fencing(std::string_view(placed("")));
  REQUIRE(c.ok());
  REQUIRE(c->devices.size() == 4);
  CHECK(c->devices[0].disabled);
  CHECK(c->devices[1].disabled);  // inherited from its group
  CHECK(c->devices[1].parents == std::vector<std::string>{"g"});
  CHECK_FALSE(c->devices[2].disabled);  // its own target-role wins
  CHECK(c->devices[3].node_scores.at("node1") == Score::minus_infinity());
  CHECK(c->devices[3].node_scores.at("node2") == Score(100));
  CHECK(c->devices[3].node_scores.count("node3") == 0);  // a role it never has

  CHECK(registered(*c, "node1") == std::vector<std::string>{"started-in-group"});
  CHECK(registered(*c, "node2") == std::vector<std::string>{"started-in-group", "placed"});
  CHECK(registered(*c, "node3") == std::vector<std::string>{"started-in-group", "placed"});
  CHECK(why_not_registered(*c, c->devices[0], "node1") == "disabled (target-role=Stopped)");
  CHECK(why_not_registered(*c, c->devices[3], "node1") == "banned from node1 (score -INFINITY)");
}

TEST_CASE("config: an opt-in cluster registers a device only where a constraint allows it") {
  auto c = read_cib_fencing(
      std::string_view(placed("<nvpair id=\"s\" name=\"symmetric-cluster\" value=\"false\"/>")));
  REQUIRE(c.ok());
  CHECK_FALSE(c->symmetric_cluster);
  CHECK(registered(*c, "node2") == std::vector<std::string>{"placed"});
  CHECK(registered(*c, "node3").empty());
  CHECK_THAT(why_not_registered(*c, c->devices[3], "node3"),
             Catch::Contains("symmetric-cluster=false"));
}

TEST_CASE("config: a device's location rule or a bad constraint is refused") {
  auto rule = read_cib_fencing(std::string_view(
      "<configuration><resources><primitive id=\"f\" class=\"stonith\" type=\"fence_x\"/>"
      "</resources><constraints><rsc_location id=\"l\" rsc=\"f\"><rule id=\"r\" score=\"1\"/>"
      "</rsc_location></constraints></configuration>"));
  REQUIRE_FALSE(rule.ok());
  CHECK(rule.error().code() == ErrorCode::kUnsupported);
  CHECK_THAT(rule.error().message(), Catch::Contains("rsc_location l (device f)"));
  auto no_score = read_cib_fencing(std::string_view(
      "<configuration><resources><primitive id=\"f\" class=\"stonith\" type=\"fence_x\"/>"
      "</resources><constraints><rsc_location id=\"l\" rsc=\"f\" node=\"n\" score=\"lots\"/>"
      "</constraints></configuration>"));
  REQUIRE_FALSE(no_score.ok());
  CHECK(no_score.error().message() == "rsc_location l (device f): needs a node and a score");
}

TEST_CASE("config: a level index beyond int64 is refused, naming the field") {
  auto huge = read_cib_fencing(std::string_view(
      "<configuration><fencing-topology><fencing-level id=\"l\" target=\"n\" "
      "index=\"99999999999999999999\" devices=\"d\"/></fencing-topology></configuration>"));
  REQUIRE_FALSE(huge);
  CHECK(huge.error().message() == "fencing-level l: index '99999999999999999999' is out of range");
}
