// SPDX-License-Identifier: GPL-2.0-or-later
// `cluster node remove`'s CIB edit: the node's <node> and <node_state> go,
// everything else (other nodes, their state, the resources) stays.
#include "vigil/admin/cluster_cib.hpp"

#include <catch2/catch.hpp>

#include "vigil/common/xml.hpp"

namespace {

const char* kCib = R"(<cib epoch="5" num_updates="2" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="1" uname="node1"/>
      <node id="3" uname="node3"><instance_attributes id="nodes-3"><nvpair id="nodes-3-a" name="a" value="1"/></instance_attributes></node>
      <node id="2" uname="node2"/>
    </nodes>
    <resources><primitive id="node3x" class="ocf" provider="heartbeat" type="Dummy"/></resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online"/>
    <node_state id="3" uname="node3" in_ccm="false" crmd="offline"><lrm id="3"/></node_state>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online"/>
  </status>
</cib>)";

std::vector<std::string> unames(xmlDoc* doc, const char* section, const char* tag) {
  xmlNode* cib = xmlDocGetRootElement(doc);
  xmlNode* parent = vigil::xml::first_child(cib, section);
  if (std::string(section) == "configuration") parent = vigil::xml::first_child(parent, "nodes");
  std::vector<std::string> out;
  for (xmlNode* n : vigil::xml::children(parent, tag))
    out.push_back(vigil::xml::attr_or(n, "uname"));
  return out;
}

}  // namespace

TEST_CASE("node remove takes the node's entry and state out of the CIB", "[lifecycle]") {
  vigil::xml::init();
  auto doc = vigil::xml::parse_string(kCib);
  REQUIRE(doc);
  const auto removed = vigil::admin::remove_node_entries(doc->get(), "node3");
  CHECK(removed == std::vector<std::string>{"/cib/configuration/nodes/node[@id='3']",
                                            "/cib/status/node_state[@id='3']"});
  CHECK(unames(doc->get(), "configuration", "node") == std::vector<std::string>{"node1", "node2"});
  CHECK(unames(doc->get(), "status", "node_state") == std::vector<std::string>{"node1", "node2"});
  // A resource named after the node is not the node.
  const std::string text = vigil::xml::to_string(doc->get(), false);
  CHECK(text.find("id=\"node3x\"") != std::string::npos);
}

TEST_CASE("node remove of a node the CIB does not know changes nothing", "[lifecycle]") {
  vigil::xml::init();
  auto doc = vigil::xml::parse_string(kCib);
  REQUIRE(doc);
  const std::string before = vigil::xml::to_string(doc->get(), false);
  CHECK(vigil::admin::remove_node_entries(doc->get(), "node4").empty());
  CHECK(vigil::admin::remove_node_entries(doc->get(), "node").empty());
  CHECK(vigil::admin::remove_node_entries(doc->get(), "").empty());
  CHECK(vigil::xml::to_string(doc->get(), false) == before);
}

TEST_CASE("node remove finds a node without id by its name", "[lifecycle]") {
  vigil::xml::init();
  auto doc = vigil::xml::parse_string(
      "<cib><configuration><nodes><node uname=\"n9\"/></nodes></configuration>"
      "<status><node_state uname=\"n9\"/></status></cib>");
  REQUIRE(doc);
  CHECK(vigil::admin::remove_node_entries(doc->get(), "n9") ==
        std::vector<std::string>{"/cib/configuration/nodes/node[@uname='n9']",
                                 "/cib/status/node_state[@uname='n9']"});
  CHECK(unames(doc->get(), "status", "node_state").empty());
}
