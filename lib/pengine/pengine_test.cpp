// SPDX-License-Identifier: GPL-2.0-or-later
// The engine called directly: CIB text in, placements, score lines and the
// transition summary out. Every expectation here is what crm_simulate 2.1.5
// prints for the same CIB.
#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cib_text_test.hpp"
#include "internal.hpp"
#include "scheduled_test.hpp"
#include "vigil/cib/cib.hpp"
#include "vigil/pengine/graph.hpp"
#include "vigil/pengine/output.hpp"
#include "vigil/pengine/working_set.hpp"

namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::VectorContains;
using vigil::pengine::testing::schedule;
using vigil::pengine::testing::Scheduled;
using namespace vigil;
using namespace vigil::pengine::testing;

const std::string kWebGroup = R"(
      <group id="myweb">
        <primitive id="VIP" class="ocf" provider="heartbeat" type="IPaddr2">
          <instance_attributes id="VIP-params"><nvpair id="VIP-ip" name="ip" value="192.168.122.120"/></instance_attributes>
        </primitive>
        <primitive id="Web" class="ocf" provider="heartbeat" type="apache"/>
      </group>
)";

// Every resource's score records, replayed, give its score on every node.
void check_replays(const Scheduled& s) {
  for (const auto& r : s.ws->all_rscs) {
    for (const auto& n : s.ws->nodes) {
      const pengine::NodeScore& entry = r->allowed[n->index];
      INFO(r->id << " on " << n->uname);
      CHECK(pengine::replay_scores(s.ws->scores.history(entry)) == entry.weight);
    }
  }
}

}  // namespace

TEST_CASE("a group goes where its members' location scores send it", "[pengine][group]") {
  SECTION("Web prefers node1") {
    auto s = schedule(
        make_cib(kWebGroup, location("Web", "node1", "10") + location("Web", "node2", "5")));
    CHECK(s.placed("VIP") == "node1");
    CHECK(s.placed("Web") == "node1");
    CHECK_THAT(
        s.ws->score_lines,
        VectorContains(std::string("pcmk__group_assign: Web allocation score on node1: 10")));
    CHECK_THAT(
        s.ws->score_lines,
        VectorContains(std::string("pcmk__primitive_assign: VIP allocation score on node1: 10")));
    CHECK(s.summary() ==
          std::vector<std::string>{"* Start VIP ( node1 )", "* Start Web ( node1 )"});
  }
  SECTION("Web prefers node2") {
    auto s = schedule(
        make_cib(kWebGroup, location("Web", "node1", "5") + location("Web", "node2", "10")));
    CHECK(s.placed("VIP") == "node2");
    CHECK(s.placed("Web") == "node2");
  }
  SECTION("Web may not run on node1: the whole group avoids it") {
    auto s = schedule(make_cib(kWebGroup, location("Web", "node1", "-INFINITY")));
    CHECK(s.placed("VIP") == "node2");
    CHECK(s.placed("Web") == "node2");
  }
}

TEST_CASE("a -INFINITY colocation keeps two resources apart", "[pengine][colocation]") {
  const std::string rscs = dummy("A") + dummy("B");
  const std::string both_like_node1 = location("A", "node1", "100") + location("B", "node1", "50");
  const std::string apart =
      R"(<rsc_colocation id="col-B-A" rsc="B" with-rsc="A" score="-INFINITY"/>)";

  SECTION("without it both go to node1") {
    auto s = schedule(make_cib(rscs, both_like_node1));
    CHECK(s.placed("A") == "node1");
    CHECK(s.placed("B") == "node1");
  }
  SECTION("with it B takes the other node") {
    auto s = schedule(make_cib(rscs, both_like_node1 + apart));
    CHECK(s.placed("A") == "node1");
    CHECK(s.placed("B") == "node2");
    CHECK_THAT(s.ws->score_lines,
               VectorContains(
                   std::string("pcmk__primitive_assign: B allocation score on node1: -INFINITY")));
    CHECK(s.summary() == std::vector<std::string>{"* Start A ( node1 )", "* Start B ( node2 )"});
  }
  SECTION("with it and one usable node, B stays stopped") {
    auto s = schedule(make_cib(rscs, both_like_node1 + apart + location("B", "node2", "-INFINITY") +
                                         location("A", "node2", "-INFINITY")));
    CHECK(s.placed("A") == "node1");
    CHECK(s.placed("B").empty());
    CHECK(s.summary() == std::vector<std::string>{"* Start A ( node1 )"});
  }
}

TEST_CASE("stickiness keeps a running resource where it is", "[pengine][stickiness]") {
  const std::string prefers_node1 = location("svc", "node1", "50");
  // svc runs on node2; node1 only probed it.
  const std::string lrm1 = probed("svc"), lrm2 = started("svc");

  SECTION("stickiness 100 outweighs a preference of 50") {
    auto s = schedule(make_cib(dummy("svc", nvpair("svc-stick", "resource-stickiness", "100")),
                               prefers_node1, lrm1, lrm2));
    REQUIRE(s.rsc("svc").current_node() != nullptr);
    CHECK(s.rsc("svc").current_node()->uname == "node2");
    CHECK(s.placed("svc") == "node2");
    CHECK(s.summary().empty());
  }
  SECTION("stickiness 20 does not") {
    auto s = schedule(make_cib(dummy("svc", nvpair("svc-stick", "resource-stickiness", "20")),
                               prefers_node1, lrm1, lrm2));
    CHECK(s.placed("svc") == "node1");
    CHECK(s.summary() == std::vector<std::string>{"* Move svc ( node2 -> node1 )"});
  }
  SECTION("without stickiness the resource follows the preference") {
    auto s = schedule(make_cib(dummy("svc"), prefers_node1, lrm1, lrm2));
    CHECK(s.placed("svc") == "node1");
  }
}

TEST_CASE("reaching migration-threshold bans the node", "[pengine][failures]") {
  // svc runs on node1, which it prefers; its monitor failed there once.
  const std::string lrm1 = failed_monitor("svc");
  const std::string fail_count = one_monitor_failure("svc", "1795600100");
  auto with_threshold = [&](const std::string& threshold) {
    return make_cib(dummy("svc", nvpair("svc-mt", "migration-threshold", threshold)),
                    location("svc", "node1", "100"), lrm1, probed("svc"), "", fail_count);
  };

  SECTION("threshold 1: one failure moves it away") {
    auto s = schedule(with_threshold("1"));
    CHECK(s.placed("svc") == "node2");
    CHECK_THAT(s.ws->score_lines,
               VectorContains(std::string(
                   "pcmk__primitive_assign: svc allocation score on node1: -INFINITY")));
    CHECK(s.summary() == std::vector<std::string>{"* Recover svc ( node1 -> node2 )"});
  }
  SECTION("threshold 3: it recovers in place") {
    auto s = schedule(with_threshold("3"));
    CHECK(s.placed("svc") == "node1");
    CHECK(s.summary() == std::vector<std::string>{"* Recover svc ( node1 )"});
  }
}

TEST_CASE("scheduling the same CIB twice gives identical output", "[pengine][determinism]") {
  const std::string text =
      make_cib(kWebGroup + dummy("A") + dummy("B") + dummy("C") + dummy("D"),
               location("Web", "node1", "10") + location("Web", "node2", "5") +
                   R"(<rsc_colocation id="col-B-A" rsc="B" with-rsc="A" score="-INFINITY"/>
             <rsc_colocation id="col-C-myweb" rsc="C" with-rsc="myweb" score="INFINITY"/>
             <rsc_order id="order-A-C" first="A" then="C"/>
             <rsc_order id="order-myweb-D" first="myweb" then="D" kind="Optional"/>
)",
               probed("A") + started("B"), started("A") + probed("B"));
  auto render = [](const Scheduled& s) {
    pengine::Graph g = pengine::build_graph(*s.ws);
    std::string out;
    for (const auto& l : s.ws->score_lines) out += l + "\n";
    out += pengine::cluster_status_text(*s.ws);
    out += pengine::transition_summary_text(*s.ws);
    out += pengine::graph_xml(*s.ws, g);
    out += pengine::graph_dot(*s.ws, false);
    return out;
  };
  auto first = schedule(text);
  auto second = schedule(text);
  const std::string a = render(first), b = render(second);
  CHECK_FALSE(first.ws->score_lines.empty());
  CHECK_THAT(a, Contains("<synapse"));
  CHECK(a == b);
  // Placements too, resource by resource.
  for (const auto& r : first.ws->all_rscs) {
    INFO(r->id);
    CHECK(first.placed(r->id) == second.placed(r->id));
  }
}

TEST_CASE("an explanation gives every change to a score with its cause", "[pengine][provenance]") {
  // svc runs on node1 with stickiness, failed there once (migration-threshold
  // 1) and prefers node2; web follows svc by a score-20 colocation.
  const std::string lrm1 =
      R"(<lrm_resource id="svc" class="ocf" provider="pacemaker" type="Dummy">)" +
      op("svc", "svc_last_0", "start", 0, 2, 0) +
      op("svc", "svc_last_failure_0", "monitor", 10000, 4, 7) + "</lrm_resource>";
  const std::string fail_count =
      R"(<transient_attributes id="1"><instance_attributes id="status-1">)" +
      nvpair("status-1-fc", "fail-count-svc#monitor_10000", "1") +
      "</instance_attributes></transient_attributes>";
  auto s = schedule(make_cib(dummy("svc", nvpair("svc-stick", "resource-stickiness", "100") +
                                              nvpair("svc-mt", "migration-threshold", "1")) +
                                 dummy("web"),
                             location("svc", "node2", "50") +
                                 R"(<rsc_colocation id="web-with-svc" rsc="web" with-rsc="svc" )"
                                 R"(score="20"/>)",
                             lrm1, probed("svc"), "", fail_count));
  CHECK(s.placed("svc") == "node2");
  CHECK(s.placed("web") == "node2");
  const std::string svc = pengine::explain_text(*s.ws, "svc");
  CHECK_THAT(svc, Contains("Placement of svc (primitive): assigned to node2\n"));
  CHECK_THAT(svc, Contains("  node1: -INFINITY (not a candidate: negative score)\n"
                           "    +0          symmetric            symmetric-cluster=true allows "
                           "every node\n"
                           "    +100        stickiness           active here, "
                           "resource-stickiness=100\n"
                           "    -INFINITY   migration-threshold  fail count 1 here reached "
                           "migration-threshold=1\n"));
  CHECK_THAT(svc, Contains("  node2: 50\n"));
  CHECK_THAT(svc, Contains("    +50         location             loc-svc-node2\n"));
  const std::string web = pengine::explain_text(*s.ws, "web");
  CHECK_THAT(web, Contains("    +20         colocation           web-with-svc: web with svc, "
                           "score 20; svc is on node2\n"));
  CHECK(pengine::explain_text(*s.ws, "nope") == "No resource named nope\n");
  // The records replay to every score, and the score lines print them.
  check_replays(s);
  CHECK_THAT(
      s.ws->score_lines,
      VectorContains(std::string("pcmk__primitive_assign: web allocation score on node2: 20")));
}

TEST_CASE("an explanation names the constraints resource ban and move make",
          "[pengine][provenance]") {
  auto s = schedule(
      make_cib(dummy("svc"),
               R"(<rsc_location id="cli-ban-svc-on-node1" rsc="svc" node="node1" score="-INFINITY"/>
         <rsc_location id="cli-prefer-svc" rsc="svc" node="node2" score="INFINITY"/>)"));
  const std::string text = pengine::explain_text(*s.ws, "svc");
  CHECK_THAT(text, Contains("-INFINITY   location             cli-ban-svc-on-node1 (made by "
                            "resource ban)\n"));
  CHECK_THAT(text, Contains("+INFINITY   location             cli-prefer-svc (made by resource "
                            "move)\n"));
}

TEST_CASE("an explanation names exclusive discovery and orphans", "[pengine][provenance]") {
  auto s = schedule(make_cib(dummy("svc"),
                             R"(<rsc_location id="svc-only-node1" rsc="svc" )"
                             R"(node="node1" score="0" resource-discovery="exclusive"/>)",
                             "", started("gone")));
  const std::string svc = pengine::explain_text(*s.ws, "svc");
  CHECK_THAT(svc, Contains("  node2: -INFINITY (not a candidate: negative score)\n"));
  CHECK_THAT(svc, Contains("=-INFINITY  discovery            resource-discovery=exclusive and no "
                           "such location names this node\n"));
  // A resource the configuration no longer has, still active on node2.
  const std::string gone = pengine::explain_text(*s.ws, "gone");
  CHECK_THAT(gone, Contains("-INFINITY   orphan               no longer configured"));
  check_replays(s);
}

TEST_CASE("fence devices' own parameters are told from the agent's (secure digests)") {
  using vigil::pengine::is_fence_param;
  for (const char* p :
       {"provides", "stonith-timeout", "pcmk_host_list", "pcmk_host_map", "pcmk_host_check",
        "pcmk_host_argument", "pcmk_delay_base", "pcmk_delay_max", "pcmk_action_limit",
        "pcmk_reboot_action", "pcmk_off_timeout", "pcmk_monitor_retries"}) {
    INFO(p);
    CHECK(is_fence_param(p));
  }
  for (const char* p : {"port", "ipaddr", "pcmk_", "pcmk_reboot", "pcmk_off_delay", "devices",
                        "pcmk_host", "provides_x"}) {
    INFO(p);
    CHECK_FALSE(is_fence_param(p));
  }
}

TEST_CASE("summary columns are as wide as the widest line, an earlier line included",
          "[pengine][summary]") {
  // A starts (details "node2"), then B moves ("node1 -> node2"): A's details
  // are padded to B's width, as crm_simulate prints them.
  auto s = schedule(make_cib(dummy("A") + dummy("B"),
                             location("A", "node2", "10") + location("B", "node2", "INFINITY"),
                             started("B")));
  std::string text = pengine::transition_summary_text(*s.ws);
  CHECK_THAT(text, Contains("Start      A       (          node2 )\n"));
  CHECK_THAT(text, Contains("Move       B       ( node1 -> node2 )\n"));
}

TEST_CASE("multiple-active=block on a group blocks its members, not the group itself",
          "[pengine][unpack]") {
  // A member active on both nodes blocks every member; the group is no
  // primitive, so it is never "active on several nodes" and stays managed.
  std::string group = R"(<group id="g"><meta_attributes id="g-meta">)" +
                      nvpair("g-ma", "multiple-active", "block") + "</meta_attributes>" +
                      dummy("a") + dummy("b") + "</group>\n";
  auto s = schedule(make_cib(group, "", started("a") + started("b"), started("a")));
  CHECK(s.rsc("g").is(pengine::kRscManaged));
  CHECK_FALSE(s.rsc("g").is(pengine::kRscBlock));
  for (const char* id : {"a", "b"}) {
    INFO(id);
    CHECK_FALSE(s.rsc(id).is(pengine::kRscManaged));
    CHECK(s.rsc(id).is(pengine::kRscBlock));
  }
  std::string status = pengine::cluster_status_text(*s.ws);
  CHECK_THAT(status, Contains("Resource Group: g:"));
  CHECK_THAT(status, !Contains("(unmanaged)"));
}

// Found by bench/fuzz.sh (kept as tests/fuzz/corpus/regress-empty-lrm-resource-id.xml):
// history naming no resource used to build an orphan without an id and crash.
TEST_CASE("history without a resource id is ignored with a warning", "[pengine][status]") {
  std::string no_id = started("");
  std::string remote_no_id = R"(<lrm_resource class="ocf" provider="pacemaker" type="remote">)" +
                             op("", "_last_0", "start", 0, 4, 0) + "</lrm_resource>";
  auto s = schedule(make_cib(dummy("svc"), "", started("svc") + no_id, remote_no_id));
  CHECK(s.placed("svc") == "node1");
  CHECK(s.ws->find_rsc("") == nullptr);
  CHECK(s.ws->all_rscs.size() == 1);  // no orphan, no remote connection
  CHECK(s.ws->nodes.size() == 2);
  for (const char* node : {"node1", "node2"}) {
    CHECK_THAT(
        s.ws->warnings,
        VectorContains("Ignoring malformed lrm_resource entry without id on " + std::string(node)));
  }
  CHECK(s.summary().empty());
}

TEST_CASE("numbers beyond int64 in an operation key make no key, never an exception",
          "[pengine][status]") {
  std::string rsc, task;
  std::int64_t interval = -1;
  CHECK(pengine::parse_op_key("svc_monitor_10000", &rsc, &task, &interval));
  CHECK(interval == 10000);
  CHECK_FALSE(pengine::parse_op_key("svc_monitor_99999999999999999999", &rsc, &task, &interval));
  // The same key recorded in the status: scheduling goes on.
  std::string forged = started("svc");
  const std::string key = "svc_monitor_10000";
  forged.replace(forged.find(key), key.size(), "svc_monitor_99999999999999999999");
  auto s = schedule(make_cib(dummy("svc"), "", forged));
  CHECK(s.placed("svc") == "node1");
}

// Found by bench/fuzz.sh (kept as tests/fuzz/corpus/cib_reader/regress-long-feature-set.xml):
// a crm_feature_set component of many characters overflowed (undefined behaviour).
TEST_CASE("compare_version saturates components of any length", "[pengine][version]") {
  using pengine::compare_version;
  const std::string huge = "3.1" + std::string(200, '\'') + "6.1";
  CHECK(compare_version(huge, "3.0.13") > 0);
  CHECK(compare_version("3.0.13", huge) < 0);
  CHECK(compare_version(huge, huge) == 0);
  CHECK(compare_version("3." + std::string(40, '9'), "3." + std::string(30, '9')) == 0);
  CHECK(compare_version("3.16.1", "3.0.13") > 0);
  CHECK(compare_version("3.0.9", "3.0.13") < 0);
}
