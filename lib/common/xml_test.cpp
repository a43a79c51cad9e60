// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/xml.hpp"

#include <catch2/catch.hpp>

namespace xml = vigil::xml;

TEST_CASE("attribute escaping matches libxml2's and can cover single quotes") {
  CHECK(xml::escaped("plain") == "plain");
  CHECK(xml::escaped(R"(a&b<c>d"e'f)") == "a&amp;b&lt;c&gt;d&quot;e'f");
  CHECK(xml::escaped(R"(a&b<c>d"e'f)", xml::kEscapeApostrophe) ==
        "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  CHECK(xml::escaped("a\tb\nc\rd'", xml::kEscapeWhitespace) == "a&#9;b&#10;c&#13;d'");
  CHECK(xml::escaped("a\tb\n") == "a\tb\n");
  std::string out = "x=";
  xml::append_escaped(out, "1<2");
  CHECK(out == "x=1&lt;2");

  // What libxml2 writes for the same value, so graph XML can be compared byte for byte.
  auto doc = xml::parse_string("<r/>");
  REQUIRE(doc.ok());
  xmlNode* root = xmlDocGetRootElement(doc.value().get());
  xmlSetProp(root, BAD_CAST "v", BAD_CAST R"(a&b<c>d"e'f)");
  CHECK(xml::to_string(root, false) == "<r v=\"" + xml::escaped(R"(a&b<c>d"e'f)") + "\"/>");
}

TEST_CASE("malformed and empty documents are refused with the source named") {
  auto bad = xml::parse_string("<cib><configuration></cib>", "broken.xml");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message(), Catch::Contains("broken.xml"));
  auto empty = xml::parse_string("", "empty.xml");
  REQUIRE_FALSE(empty.ok());
  CHECK_THAT(empty.error().message(), Catch::Contains("empty.xml"));
}
