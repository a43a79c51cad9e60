// SPDX-License-Identifier: GPL-2.0-or-later
// `resource why`: the decision and the levers it names (a failure that
// expires or is cleaned up, standby, a ban, stickiness), each checked
// against the placement the scheduler makes once that lever is pulled.
#include <catch2/catch.hpp>
#include <string>

#include "cib_text_test.hpp"
#include "scheduled_test.hpp"
#include "vigil/pengine/output.hpp"

namespace {

using Catch::Matchers::Contains;
using namespace vigil;
using namespace vigil::pengine::testing;

// svc runs on node1, which it prefers (100); its monitor failed there once.
const std::string kFailedLrm = failed_monitor("svc");
const std::string kFailCount = one_monitor_failure("svc", "1795600100");

std::string failed_cib(const std::string& meta) {
  return make_cib(dummy("svc", nvpair("svc-mt", "migration-threshold", "1") + meta),
                  location("svc", "node1", "100"), kFailedLrm, probed("svc"), "", kFailCount);
}

std::string why(const Scheduled& s, const std::string& rsc, const std::string& node = "") {
  auto text = pengine::why_text(*s.ws, rsc, node);
  INFO((text ? std::string() : text.error().message()));
  REQUIRE(text);
  return *text;
}

}  // namespace

TEST_CASE("why: a failure that moved the resource, and when it expires") {
  auto s = schedule(failed_cib(nvpair("svc-ft", "failure-timeout", "600")), 1795600200);
  REQUIRE(s.placed("svc") == "node2");
  const std::string text = why(s, "svc");
  CHECK_THAT(text, Contains("Decision:\n  Recover svc (node1 -> node2)"));
  // 1795600100 + 600 s is 2026-11-25 09:58:20 UTC.
  CHECK_THAT(text, Contains("node1 would win (score 100 against 0) if the failure of svc on "
                            "node1 (fail count 1) expired at 2026-11-25 09:58:20 UTC "
                            "(failure-timeout=600s) or were cleaned up (vigil resource cleanup "
                            "svc node=node1)"));
  // The lever is real: past the expiry the scheduler does put it back.
  auto later = schedule(failed_cib(nvpair("svc-ft", "failure-timeout", "600")), 1795600701);
  CHECK(later.placed("svc") == "node1");
}

TEST_CASE("why: without failure-timeout only a cleanup helps") {
  auto s = schedule(failed_cib(""));
  const std::string text = why(s, "svc");
  CHECK_THAT(text, Contains("if the failure of svc on node1 (fail count 1) were cleaned up"));
  CHECK(text.find("expired at") == std::string::npos);
}

TEST_CASE("why: a ban, and stickiness that keeps it") {
  SECTION("a cli-ban constraint") {
    auto s = schedule(make_cib(dummy("svc"),
                               location("svc", "node2", "10") +
                                   R"(<rsc_location id="cli-ban-svc-on-node2" rsc="svc" )"
                                   R"(node="node2" score="-INFINITY"/>)",
                               probed("svc"), probed("svc")));
    REQUIRE(s.placed("svc") == "node1");
    CHECK_THAT(why(s, "svc"), Contains("node2 would win (score 10 against 0) if the move/ban "
                                       "constraint cli-ban-svc-on-node2 were cleared (vigil "
                                       "resource clear svc)"));
  }
  SECTION("stickiness outweighs a preference") {
    auto s = schedule(make_cib(dummy("svc", nvpair("svc-st", "resource-stickiness", "100")),
                               location("svc", "node1", "50"), probed("svc"), started("svc")));
    REQUIRE(s.placed("svc") == "node2");
    const std::string text = why(s, "svc");
    CHECK_THAT(text, Contains("Decision:\n  nothing to do: it stays where it is (node2)"));
    CHECK_THAT(text, Contains("node1 would win (score 50 against 0) if svc had no "
                              "resource-stickiness on node2 (now 100 per resource)"));
  }
}

TEST_CASE("why: one node, and unknown names") {
  auto s = schedule(failed_cib(""));
  const std::string text = why(s, "svc", "node1");
  CHECK_THAT(text, Contains("  node1: -INFINITY"));
  CHECK(text.find("  node2:") == std::string::npos);
  auto unknown = pengine::why_text(*s.ws, "nope", "");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message() == "Unable to find resource: nope");
  auto bad_node = pengine::why_text(*s.ws, "svc", "node9");
  REQUIRE_FALSE(bad_node);
  CHECK(bad_node.error().message() == "Unable to find node: node9");
}
