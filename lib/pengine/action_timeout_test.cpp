// SPDX-License-Identifier: GPL-2.0-or-later
// action_timeout_ms: a stop's timeout from every place the scheduler reads
// one, in its order (the op, the op's meta_attributes, op_defaults and
// their rules, 20 s).
#include "vigil/pengine/action_timeout.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "scheduled_test.hpp"

namespace {

using namespace vigil;
using namespace vigil::pengine;

// Two primitives: P of class ocf with `ops`, S of class lsb with none;
// `op_defaults` in the configuration.
std::string cib_text(const std::string& ops, const std::string& op_defaults = "") {
  return R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes><node id="1" uname="node1"/></nodes><resources>
    <primitive id="P" class="ocf" provider="heartbeat" type="Dummy"><operations>)" +
         ops + R"(</operations></primitive>
    <primitive id="S" class="lsb" type="cron"/>
  </resources><constraints/>)" +
         op_defaults + R"(</configuration><status/></cib>)";
}

std::int64_t stop_ms(const testing::Scheduled& s, const std::string& rsc) {
  auto ms = action_timeout_ms(*s.ws, &s.rsc(rsc), "stop");
  REQUIRE(ms);
  return *ms;
}

}  // namespace

TEST_CASE("action timeout: nothing configured is 20 s") {
  auto s = testing::schedule(cib_text(""));
  CHECK(stop_ms(s, "P") == 20000);
  CHECK(stop_ms(s, "S") == 20000);
}

TEST_CASE("action timeout: the stop op's own, not another op's") {
  auto s = testing::schedule(cib_text(R"(<op id="P-start" name="start" interval="0" timeout="90s"/>
      <op id="P-stop" name="stop" interval="0s" timeout="2min"/>
      <op id="P-mon" name="monitor" interval="10s" timeout="33s"/>)"));
  CHECK(stop_ms(s, "P") == 120000);
  auto start = action_timeout_ms(*s.ws, &s.rsc("P"), "start");
  REQUIRE(start);
  CHECK(*start == 90000);
}

TEST_CASE("action timeout: the op's meta_attributes") {
  auto s = testing::schedule(cib_text(R"(<op id="P-stop" name="stop" interval="0">
      <meta_attributes id="P-stop-m"><nvpair id="P-stop-t" name="timeout" value="45s"/>
      </meta_attributes></op>)"));
  CHECK(stop_ms(s, "P") == 45000);
}

TEST_CASE("action timeout: op_defaults and their rules, below the op's own") {
  const std::string defaults = R"(<op_defaults>
    <meta_attributes id="od-stop" score="10"><rule id="od-stop-r" score="INFINITY" boolean-op="and">
      <op_expression id="od-stop-e" name="stop"/></rule>
      <nvpair id="od-stop-t" name="timeout" value="77s"/></meta_attributes>
    <meta_attributes id="od-lsb" score="20"><rule id="od-lsb-r" score="INFINITY" boolean-op="and">
      <rsc_expression id="od-lsb-e" class="lsb"/></rule>
      <nvpair id="od-lsb-t" name="timeout" value="61s"/></meta_attributes>
    <meta_attributes id="od-all" score="0"><nvpair id="od-all-t" name="timeout" value="30s"/>
    </meta_attributes></op_defaults>)";
  SECTION("no stop op: the defaults decide, the highest-scored set that applies first") {
    auto s = testing::schedule(cib_text("", defaults));
    CHECK(stop_ms(s, "P") == 77000);  // stop rule; the lsb set does not apply
    CHECK(stop_ms(s, "S") == 61000);  // lsb outscores the stop rule
    auto start = action_timeout_ms(*s.ws, &s.rsc("P"), "start");
    REQUIRE(start);
    CHECK(*start == 30000);  // neither rule applies to P's start
  }
  SECTION("the stop op's own timeout wins over every default") {
    auto s = testing::schedule(
        cib_text(R"(<op id="P-stop" name="stop" interval="0" timeout="15s"/>)", defaults));
    CHECK(stop_ms(s, "P") == 15000);
  }
}
