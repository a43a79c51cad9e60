// SPDX-License-Identifier: GPL-2.0-or-later
// `resource config --output-format=json` on inline CIBs: the details the
// parity cases (tests/cli/parity/resource-config-json.txt) cannot reach
// with schema-valid CIBs pcs accepts. Expected text follows pcs's rules
// (json.dumps with ASCII escapes, is_true for op flags).
#include <catch2/catch.hpp>

#include "resource_edit.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

std::vector<xmlNode*> of(xmlDoc* doc, const char* kind) {
  std::vector<xmlNode*> out;
  auto walk = [&](auto& self, xmlNode* n) -> void {
    for (xmlNode* c : xml::children(n)) {
      if (xml::is(c, kind)) out.push_back(c);
      self(self, c);
    }
  };
  walk(walk, xmlDocGetRootElement(doc));
  return out;
}

TEST_CASE("resource config json: escapes, op flags, a master without meta attributes") {
  auto doc = xml::parse_string(R"(<resources>
<master id="M"><primitive id="S" class="ocf" provider="pacemaker" type="Stateful"
 description="a&quot;b\c&#10;d&#9;é😀&#13;">
<operations><op id="o1" name="monitor" interval="5" enabled="No" record-pending="Y"/></operations>
</primitive></master></resources>)");
  REQUIRE(doc);
  auto json = resources_as_json(of(doc->get(), "primitive"), {}, of(doc->get(), "master"), true);
  REQUIRE(json);
  CHECK(*json ==
        R"({"primitives": [{"id": "S", "agent_name": {"standard": "ocf", "provider": "pacemaker", )"
        R"("type": "Stateful"}, "description": "a\"b\\c\nd\t\u00e9\ud83d\ude00\r", )"
        R"("operations": [{"id": "o1", "name": "monitor", "interval": "5", "description": null, )"
        R"("start_delay": null, "interval_origin": null, "timeout": null, "enabled": false, )"
        R"("record_pending": true, "role": null, "on_fail": null, "meta_attributes": [], )"
        R"("instance_attributes": []}], "meta_attributes": [], "instance_attributes": [], )"
        R"("utilization": []}], "clones": [{"id": "M", "description": null, "member_id": "S", )"
        R"("meta_attributes": [{"id": "", "options": {}, "rule": null, "nvpairs": [{"id": "", )"
        R"("name": "promotable", "value": "true"}]}], "instance_attributes": []}], )"
        R"("groups": [], "bundles": []})"
        "\n");
}

TEST_CASE(
    "resource config json: clones before masters for all resources, attribute set rules "
    "refused") {
  auto doc = xml::parse_string(R"(<resources>
<master id="A"><primitive id="a" class="ocf" provider="pacemaker" type="Stateful"/></master>
<clone id="B"><primitive id="b" class="ocf" provider="pacemaker" type="Dummy">
<meta_attributes id="b-m"><rule id="r" score="INFINITY"/></meta_attributes></primitive></clone>
</resources>)");
  REQUIRE(doc);
  std::vector<xmlNode*> clones = of(doc->get(), "master");
  for (xmlNode* c : of(doc->get(), "clone")) clones.push_back(c);
  auto all = resources_as_json({}, {}, clones, true);
  REQUIRE(all);
  CHECK(all->find(R"("clones": [{"id": "B")") != std::string::npos);
  auto some = resources_as_json({}, {}, clones, false);
  REQUIRE(some);
  CHECK(some->find(R"("clones": [{"id": "A")") != std::string::npos);
  auto refused = resources_as_json(of(doc->get(), "primitive"), {}, {}, true);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace vigil::admin
