// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/xml_guard.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "hostile_xml.hpp"
#include "temp_dir.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;
using Catch::Matchers::Contains;

namespace {

std::string message(const std::string& ref) {
  return "<message text=\"" + ref + "\">" + ref + "</message>";
}

}  // namespace

TEST_CASE("documents with a DOCTYPE are refused before any entity is expanded", "[xml][guard]") {
  for (const auto& h : testing::hostile_documents("message", message)) {
    INFO(h.name);
    auto doc = xml::parse_string(h.text, "hostile");
    REQUIRE_FALSE(doc);
    CHECK(doc.error().code() == ErrorCode::kInvalidInput);
    CHECK_THAT(doc.error().message(),
               Contains("hostile: XML with a DTD or entity declarations is not accepted"));
  }
}

TEST_CASE("a file with a DOCTYPE is refused too", "[xml][guard]") {
  vigil::test::TempDir dir;
  for (const auto& h : testing::hostile_documents("message", message)) {
    INFO(h.name);
    const std::string path = dir.path() + "/hostile.xml";
    std::ofstream(path) << h.text;
    auto doc = xml::parse_file(path);
    REQUIRE_FALSE(doc);
    CHECK_THAT(doc.error().message(), Contains(std::string(xml::kDoctypeRefused)));
  }
}

TEST_CASE("a DOCTYPE with nothing in it is refused as well", "[xml][guard]") {
  auto doc = xml::parse_string("<!DOCTYPE message><message/>", "plain");
  REQUIRE_FALSE(doc);
  CHECK_THAT(doc.error().message(), Contains(std::string(xml::kDoctypeRefused)));
}

TEST_CASE("without a DTD only the predefined entities and character references exist",
          "[xml][guard]") {
  auto ok = xml::parse_string("<m a=\"&lt;&amp;&#65;&quot;\">&gt;&#x42;</m>", "ok");
  REQUIRE(ok);
  const xmlNode* root = xmlDocGetRootElement(ok->get());
  CHECK(xml::attr(root, "a") == "<&A\"");
  auto undeclared = xml::parse_string("<m a=\"&lol;\"/>", "undeclared");
  REQUIRE_FALSE(undeclared);
  CHECK_THAT(undeclared.error().message(), Contains("malformed XML"));
}

TEST_CASE("a deep document and a long text parse within libxml2's default limits", "[xml][guard]") {
  // What a CIB needs, with room to spare: 200 levels, a 9 MB attribute.
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "<e>";
  for (int i = 0; i < 200; ++i) deep += "</e>";
  CHECK(xml::parse_string(deep, "deep"));
  auto longtext = xml::parse_string("<m v=\"" + std::string(9'000'000, 'v') + "\"/>", "long");
  REQUIRE(longtext);
  CHECK(xml::attr(xmlDocGetRootElement(longtext->get()), "v")->size() == 9'000'000);
}

TEST_CASE("agent meta-data may name an external DTD, never declare anything", "[xml][guard]") {
  const std::string agent =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n"
      "<resource-agent name=\"Dummy\"><parameters/></resource-agent>\n";
  auto ok = xml::parse_agent_metadata(agent, "meta-data");
  REQUIRE(ok);
  CHECK(xml::is(xmlDocGetRootElement(ok->get()), "resource-agent"));
  const xmlDtd* dtd = ok->get()->intSubset;
  CHECK((dtd == nullptr || dtd->children == nullptr));  // nothing declared, nothing loaded
  // Everywhere else the same document is refused.
  CHECK_FALSE(xml::parse_string(agent, "meta-data"));
  auto meta = [](const std::string& ref) {
    return "<resource-agent name=\"" + ref + "\"><longdesc>" + ref + "</longdesc></resource-agent>";
  };
  for (const auto& h : testing::hostile_documents("resource-agent", meta)) {
    if (h.name == "external DTD") continue;  // allowed here, and not loaded
    INFO(h.name);
    auto doc = xml::parse_agent_metadata(h.text, "meta-data");
    REQUIRE_FALSE(doc);
    CHECK_THAT(doc.error().message(), Contains(std::string(xml::kDoctypeRefused)));
  }
}

TEST_CASE("a document over 10 MB with long values parses from memory without XML_PARSE_HUGE",
          "[xml][guard]") {
  // Read at once, libxml2 2.9.14 refuses to look 10 MB back into the buffer.
  std::string text = "<cib>";
  for (int i = 0; i < 20; ++i) text += "<e v=\"" + std::string(1 << 20, 'v') + "\"/>";
  text += "</cib>";
  auto doc = xml::parse_string(text, "big");
  REQUIRE(doc);
  CHECK(xml::children(xmlDocGetRootElement(doc->get()), "e").size() == 20);
}
