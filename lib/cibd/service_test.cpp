// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cibd/service.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <set>

#include "hostile_xml.hpp"
#include "vigil/cibd/loopback.hpp"
#include "vigil/cibd/wire.hpp"

namespace vigil::cibd {
namespace {

struct Fixture {
  ManualClock clock;
  LoopbackMessaging loop{clock, cluster::GroupMember{1, 1}};
  CibNode node{loop, clock, Store::empty()};
  std::map<ConnectionId, std::vector<std::string>> events;
  std::set<ConnectionId> gone;
  CibService service{node, [this](ConnectionId c, const std::string& p) {
                       if (gone.count(c) != 0) return false;
                       events[c].push_back(p);
                       return true;
                     }};

  Fixture() {
    REQUIRE(node.start());
    clock.run_due();
  }

  Result<std::string> call(ConnectionId c, const std::string& payload,
                           const std::string& user = "hacluster") {
    std::optional<Result<std::string>> answer;
    service.handle(c, payload, user, [&](Result<std::string> r) { answer = std::move(r); });
    for (int i = 0; i < 20 && !answer; ++i) clock.run_due();
    REQUIRE(answer);
    return std::move(*answer);
  }
};

constexpr const char* kCreate =
    R"(<cib-request op="create" section="resources" user="root">)"
    R"(<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"/></cib-request>)";

}  // namespace

TEST_CASE("CibService answers with <cib-result> and refuses bad frames with a reason") {
  Fixture f;
  auto q = f.call(1, R"(<cib-request op="query" section="nodes"/>)");
  REQUIRE(q);
  CHECK(*q == R"(<cib-result version="0:0:0"><nodes/></cib-result>)");
  for (const char* bad : {"", "junk", "<cib-request/>", "<cib-result version=\"0:0:0\"/>"}) {
    auto r = f.call(1, bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kInvalidInput);
  }
  CHECK(f.node.store().version() == CibVersion{0, 0, 0});
}

TEST_CASE("only root and hacluster may name another user in update-user") {
  // As Pacemaker's CIB_user: the cluster's own users may act for a client.
  Fixture f;
  REQUIRE(f.call(1, kCreate, "hacluster"));
  CHECK(f.node.query("")->xml.find("update-user=\"root\"") != std::string::npos);
  REQUIRE(f.call(1,
                 R"(<cib-request op="modify" section="resources" user="root">)"
                 R"(<primitive id="d1" description="y"/></cib-request>)",
                 "bob"));
  CHECK(f.node.query("")->xml.find("update-user=\"bob\"") != std::string::npos);
  REQUIRE(f.call(1,
                 R"(<cib-request op="modify" section="resources" user="alice">)"
                 R"(<primitive id="d1" description="x"/></cib-request>)",
                 "root"));
  CHECK(f.node.query("")->xml.find("update-user=\"alice\"") != std::string::npos);
}

TEST_CASE("subscribers get events until they are gone") {
  Fixture f;
  auto sub = f.call(7, R"(<cib-request op="subscribe"/>)");
  REQUIRE(sub);
  CHECK(f.service.subscribers() == 1);
  REQUIRE(f.call(8, kCreate));
  REQUIRE(f.events[7].size() == 1);
  auto ev = decode_event(f.events[7][0]);
  REQUIRE(ev);
  CHECK(ev->config_changed);
  CHECK(ev->current == CibVersion{0, 1, 0});
  CHECK(f.events.count(8) == 0);  // not subscribed

  f.gone.insert(7);  // the connection went away: dropped at the next event
  REQUIRE(f.call(8, R"(<cib-request op="modify" section="resources">)"
                    R"(<primitive id="d1" description="y"/></cib-request>)"));
  CHECK(f.service.subscribers() == 0);
  f.service.disconnected(7);
  CHECK(f.service.subscribers() == 0);
}

}  // namespace vigil::cibd

TEST_CASE("CibService refuses a request frame with entity declarations; nothing changes",
          "[untrusted]") {
  using Catch::Matchers::Contains;
  vigil::cibd::Fixture f;
  const auto version = f.node.store().version();
  const std::string digest = f.node.store().digest();
  auto request = [](const std::string& ref) {
    return R"(<cib-request op="create" section="resources" user="root">)"
           R"(<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy" description=")" +
           ref + R"("/></cib-request>)";
  };
  for (const auto& h : vigil::testing::hostile_documents("cib-request", request)) {
    INFO(h.name);
    auto r = f.call(1, h.text);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == vigil::ErrorCode::kInvalidInput);
    CHECK_THAT(r.error().message(),
               Contains("XML with a DTD or entity declarations is not accepted"));
  }
  CHECK(f.node.store().version() == version);
  CHECK(f.node.store().digest() == digest);
}
