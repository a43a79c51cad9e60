// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cibd/wire.hpp"

#include <catch2/catch.hpp>

#include "hostile_xml.hpp"

namespace vigil::cibd {

TEST_CASE("versions print and parse as colon-separated counters") {
  CHECK(CibVersion{0, 12, 3}.to_string() == "0:12:3");
  CHECK(*CibVersion::parse("1:2:3") == CibVersion{1, 2, 3});
  CHECK(CibVersion{0, 2, 0} > CibVersion{0, 1, 9});
  CHECK(CibVersion{1, 0, 0} > CibVersion{0, 99, 99});
  for (const char* bad : {"", "1:2", "1:2:3:4", "a:b:c", "-1:0:0", "1::2"}) {
    CHECK_FALSE(CibVersion::parse(bad));
  }
  CHECK(*ConfigVersion::parse("0:12") == ConfigVersion{0, 12});
  CHECK_FALSE(ConfigVersion::parse("0:12:1"));
}

TEST_CASE("requests round-trip through the wire format") {
  CibRequest r;
  r.op = CibOp::kModify;
  r.scope = "/cib/configuration/resources";
  r.payload = R"(<primitive id="a&amp;b"/>)";
  r.expect_version = ConfigVersion{0, 12};
  r.allow_create = true;
  r.client = "crmd \"x\"";
  auto back = decode_request(encode_request(r));
  REQUIRE(back);
  CHECK_FALSE(back->subscribe);
  CHECK(back->request.op == CibOp::kModify);
  CHECK(back->request.scope == r.scope);
  CHECK(back->request.payload == r.payload);
  CHECK(back->request.expect_version == r.expect_version);
  CHECK(back->request.allow_create);
  CHECK_FALSE(back->request.force);
  CHECK(back->request.client == r.client);
  CHECK(decode_request(encode_subscribe())->subscribe);
}

TEST_CASE("malformed requests are refused with a reason") {
  for (const char* bad :
       {"", "garbage", "<cib-request op=\"query\"", "<other op=\"query\"/>",
        "<cib-request op=\"explode\"/>", "<cib-request op=\"query\" section=\"a\" xpath=\"/b\"/>",
        "<cib-request op=\"query\" xpath=\"relative\"/>",
        "<cib-request op=\"modify\" expect-version=\"x\"/>",
        "<cib-request op=\"modify\" force=\"maybe\"/>",
        "<cib-request op=\"create\"><a/><b/></cib-request>"}) {
    auto r = decode_request(bad);
    CHECK_FALSE(r);
    if (!r) CHECK(r.error().code() == ErrorCode::kInvalidInput);
  }
}

TEST_CASE("replies and events round-trip") {
  auto reply = decode_reply(encode_reply(CibReply{{0, 3, 4}, "<resources/>"}));
  REQUIRE(reply);
  CHECK(reply->version == CibVersion{0, 3, 4});
  CHECK(reply->xml == "<resources/>");
  CibChange c;
  c.previous = {0, 1, 0};
  c.current = {0, 2, 0};
  c.config_changed = true;
  c.op = CibOp::kCreate;
  c.origin = "node1";
  c.client = "vigil";
  c.diff = "<cib-diff from=\"0:1:0\"/>";
  auto e = decode_event(encode_event(c));
  REQUIRE(e);
  CHECK(e->current == c.current);
  CHECK(e->config_changed);
  CHECK(e->op == CibOp::kCreate);
  CHECK(e->origin == "node1");
  CHECK(e->diff == c.diff);
  CHECK_FALSE(decode_reply("<cib-result version=\"bad\"/>"));
  CHECK_FALSE(decode_event("<cib-result/>"));
}

}  // namespace vigil::cibd

namespace vigil::cibd {

// Every hostile variant of `make`'s message is refused by `decode`.
template <class Make, class Decode>
void check_refused(const char* root, Make make, Decode decode) {
  for (const auto& h : testing::hostile_documents(root, make)) {
    INFO(root << ": " << h.name);
    auto r = decode(h.text);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message(),
               Catch::Matchers::Contains("XML with a DTD or entity declarations is not accepted"));
  }
}

TEST_CASE("the CIB wire decoders refuse entity declarations", "[untrusted]") {
  check_refused(
      "cib-request",
      [](const std::string& ref) {
        return R"(<cib-request op="create" section="resources" client=")" + ref +
               R"("><primitive id="x" class="ocf" provider="pacemaker" type=")" + ref +
               R"("/></cib-request>)";
      },
      [](std::string_view t) { return decode_request(t); });
  check_refused(
      "cib-result",
      [](const std::string& ref) {
        return R"(<cib-result version="0:1:2"><nodes>)" + ref + "</nodes></cib-result>";
      },
      [](std::string_view t) { return decode_reply(t); });
  check_refused(
      "cib-event",
      [](const std::string& ref) {
        return R"(<cib-event previous="0:1:2" current="0:1:3" config-changed="false" )"
               R"(op="modify" origin=")" +
               ref + R"(" client="c"/>)";
      },
      [](std::string_view t) { return decode_event(t); });
}

}  // namespace vigil::cibd
