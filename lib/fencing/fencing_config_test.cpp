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
  auto b = build_config(*c, md);
  REQUIRE(b.ok());
  CHECK(b->config.devices.at(0).provides_unfencing);
  const auto& t = b->config.topology;
  CHECK(t.levels_for("node2", b->config.node_attributes).at(0)->id == "l1");
  // node1: no level by name; the first matching pattern or attribute target.
  CHECK(t.levels_for("node1", b->config.node_attributes).size() == 1);
  // A device whose agent has no meta-data is left out, with the reason.
  md.clear();
  md.emplace("fence_ipmilan", Error(ErrorCode::kNotFound, "fence agent missing"));
  auto s = build_config(*c, md);
  REQUIRE(s.ok());
  CHECK(s->config.devices.empty());
  CHECK(s->skipped.at(0) == "ipmi: fence agent missing");
}

TEST_CASE("config: bad levels and rules are refused") {
  auto bad_index = read_cib_fencing(std::string_view(
      "<configuration><fencing-topology><fencing-level id=\"l\" target=\"n\" index=\"x\" "
      "devices=\"d\"/></fencing-topology></configuration>"));
  CHECK(bad_index.error().message() == "fencing-level l: index 'x' is not a number");
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
