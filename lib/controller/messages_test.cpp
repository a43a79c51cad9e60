// SPDX-License-Identifier: GPL-2.0-or-later
#include "messages.hpp"

#include <catch2/catch.hpp>

#include "hostile_xml.hpp"
#include "records.hpp"

using namespace vigil;
using namespace vigil::controller;

TEST_CASE("crmd messages round-trip") {
  Message m;
  m.type = MsgType::kExec;
  m.target = 3;
  m.exec.rsc = "VIP";
  m.exec.cls = "ocf";
  m.exec.provider = "heartbeat";
  m.exec.type = "IPaddr2";
  m.exec.task = "start";
  m.exec.timeout_ms = 20000;
  m.exec.key = "7:2:0:abc";
  m.exec.params["ip"] = "10.0.0.1 \"quoted\" <&>";
  auto back = decode(encode(m));
  REQUIRE(back);
  CHECK(back->type == MsgType::kExec);
  CHECK(back->target == 3);
  CHECK(back->exec.rsc == "VIP");
  CHECK(back->exec.provider == "heartbeat");
  CHECK(back->exec.timeout_ms == 20000);
  CHECK(back->exec.params.at("ip") == "10.0.0.1 \"quoted\" <&>");

  Message r;
  r.type = MsgType::kResult;
  OpEvent e;
  e.rsc = "Web";
  e.cls = "ocf";
  e.provider = "heartbeat";
  e.type = "apache";
  e.task = "monitor";
  e.interval_ms = 10000;
  e.call_id = 12;
  e.rc = 7;
  e.transition_key = "4:1:0:0000000000000000000000000001-1-1";
  e.digest = "d41d8cd98f00b204e9800998ecf8427e";
  r.ops.push_back(e);
  auto rb = decode(encode(r));
  REQUIRE(rb);
  REQUIRE(rb->ops.size() == 1);
  const OpEvent& o = rb->ops[0];
  CHECK(o.rc == 7);
  CHECK(o.interval_ms == 10000);
  CHECK(o.target_rc() == 0);
  CHECK(o.action_id() == 4);
  CHECK(o.transition_id() == 1);
  CHECK(o.key_uuid() == "0000000000000000000000000001-1-1");
  CHECK(o.digest == e.digest);
  CHECK(o.op_key() == "Web_monitor_10000");
}

TEST_CASE("crmd messages: malformed payloads are refused") {
  const char* bad[] = {
      "",
      "garbage",
      "<crmd",
      "<other t=\"exec\"/>",
      "<crmd t=\"nope\"/>",
      "<crmd t=\"exec\"/>",  // no target, no action
      "<crmd t=\"exec\" to=\"x\"><action rsc=\"a\" task=\"start\"/></crmd>",  // bad target
      "<crmd t=\"exec\" to=\"0\"><action rsc=\"a\" task=\"start\"/></crmd>",
      "<crmd t=\"exec\" to=\"99999999999\"><action rsc=\"a\" task=\"start\"/></crmd>",
      "<crmd t=\"exec\" to=\"1\"><action rsc=\"a\" task=\"start\" interval=\"-5\"/></crmd>",
      "<crmd t=\"exec\" to=\"1\"><action rsc=\"a\" task=\"start\"><param "
      "value=\"x\"/></action></crmd>",
      "<crmd t=\"result\"/>",  // no op
      "<crmd t=\"result\"><op rsc=\"a\"/></crmd>",
      "<crmd t=\"result\"><op rsc=\"a\" class=\"ocf\" type=\"t\" task=\"start\" interval=\"0\" "
      "call-id=\"1\" rc=\"zero\" status=\"0\"/></crmd>",
      "<crmd t=\"result\"><op rsc=\"a\" class=\"ocf\" type=\"t\" task=\"start\" interval=\"0\" "
      "call-id=\"1\" rc=\"0\" status=\"42\"/></crmd>",
      "<crmd t=\"attr\" to=\"1\"/>",  // no name
      "<crmd t=\"cleanup\"/>",
      "<crmd t=\"forget\" to=\"1\"/>",
      "<crmd t=\"joined\"/>",  // no target
      "<crmd t=\"shutdown\"/>",
  };
  for (const char* p : bad) {
    INFO(p);
    auto m = decode(p);
    REQUIRE_FALSE(m);
    CHECK(m.error().code() == ErrorCode::kInvalidInput);
  }
}

TEST_CASE("crmd messages: history with the fresh flag, rejoin and joined") {
  Message h;
  h.type = MsgType::kHistory;
  h.fresh = true;
  auto hb = decode(encode(h));
  REQUIRE(hb);
  CHECK(hb->type == MsgType::kHistory);
  CHECK(hb->fresh);
  CHECK(hb->ops.empty());
  Message j;
  j.type = MsgType::kJoined;
  j.target = 2;
  auto jb = decode(encode(j));
  REQUIRE(jb);
  CHECK(jb->type == MsgType::kJoined);
  CHECK(jb->target == 2);
  CHECK_FALSE(jb->fresh);
  Message r;
  r.type = MsgType::kRejoin;
  auto rb = decode(encode(r));
  REQUIRE(rb);
  CHECK(rb->type == MsgType::kRejoin);
}

TEST_CASE("operation events: failure attribute names") {
  CHECK(is_failure_attr_of("fail-count-Web#monitor_10000", "Web"));
  CHECK(is_failure_attr_of("last-failure-Web#start_0", "Web"));
  CHECK_FALSE(is_failure_attr_of("fail-count-Web2#start_0", "Web"));
  CHECK_FALSE(is_failure_attr_of("shutdown", "Web"));
}

TEST_CASE("controller messages with entity declarations are refused", "[untrusted]") {
  auto msg = [](const std::string& ref) {
    return R"(<crmd t="join-offer" rsc=")" + ref + R"(">)" + ref + "</crmd>";
  };
  for (const auto& h : vigil::testing::hostile_documents("crmd", msg)) {
    INFO(h.name);
    auto m = decode(h.text);
    REQUIRE_FALSE(m);
    CHECK_THAT(m.error().message(),
               Catch::Matchers::Contains("XML with a DTD or entity declarations is not accepted"));
  }
}
