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

TEST_CASE("attributes are appended escaped, integers written and read strictly") {
  std::string out = "<e";
  xml::append_attr(out, "a", "x\"y\tz");
  xml::append_attr(out, "b", "x\"y\tz", xml::kEscapeWhitespace);
  xml::append_attr(out, "n", std::int64_t{-12});
  xml::append_attr(out, "empty", "");
  out += "/>";
  CHECK(out == "<e a=\"x&quot;y\tz\" b=\"x&quot;y&#9;z\" n=\"-12\" empty=\"\"/>");

  auto doc = xml::parse_string(R"(<e n="-12" big="5" bad="1-2" space=" 3"/>)");
  REQUIRE(doc.ok());
  const xmlNode* e = xmlDocGetRootElement(doc->get());
  std::int64_t v = 99;
  CHECK(xml::read_int_attr(e, "absent", &v));
  CHECK(v == 99);  // absent: unchanged
  CHECK(xml::read_int_attr(e, "n", &v));
  CHECK(v == -12);
  CHECK_FALSE(xml::read_int_attr(e, "bad", &v));
  CHECK_FALSE(xml::read_int_attr(e, "space", &v));
  CHECK_FALSE(xml::read_int_attr(e, "n", &v, 0));  // below the minimum
  CHECK(v == -12);
  CHECK(xml::read_int_attr(e, "big", &v, 0));
  CHECK(v == 5);
}

TEST_CASE("parse_rooted checks the root element's name") {
  auto ok = xml::parse_rooted("<msg a=\"1\"/>", "test message", "msg");
  REQUIRE(ok.ok());
  CHECK(xml::attr_or(ok->root, "a") == "1");
  auto wrong = xml::parse_rooted("<other/>", "test message", "msg");
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().code() == vigil::ErrorCode::kInvalidInput);
  CHECK(wrong.error().message() == "test message: root is not <msg>");
  auto broken = xml::parse_rooted("<msg", "test message", "msg");
  REQUIRE_FALSE(broken.ok());
  CHECK_THAT(broken.error().message(), Catch::Contains("test message"));
}
