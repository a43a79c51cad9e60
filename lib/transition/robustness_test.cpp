// SPDX-License-Identifier: GPL-2.0-or-later
// Seeded random inputs: mangled graphs never crash the parser, and random
// graphs with random outcomes always end with one completion whose counts
// add up. Deterministic: a fixed seed, bounded loops.
#include <catch2/catch.hpp>
#include <optional>
#include <random>
#include <set>

#include "vigil/transition/history.hpp"
#include "vigil/transition/runner.hpp"

using namespace vigil;
using namespace vigil::transition;

namespace {

const char* kGraph =
    R"(<transition_graph cluster-delay="60s" stonith-timeout="60s" failed-stop-offset="INFINITY" failed-start-offset="INFINITY" transition_id="2" batch-limit="3">
<synapse id="0"><action_set><rsc_op id="4" operation="stop" operation_key="a_stop_0" on_node="n1" on_node_uuid="1"><primitive id="a" class="ocf" provider="heartbeat" type="Dummy"/><attributes CRM_meta_timeout="20000" p="1"/></rsc_op></action_set><inputs/></synapse>
<synapse id="1"><action_set><pseudo_event id="5" operation="stopped" operation_key="g_stopped_0"><attributes CRM_meta_timeout="20000"/></pseudo_event></action_set><inputs><trigger><rsc_op id="4" operation="stop" operation_key="a_stop_0" on_node="n1" on_node_uuid="1"/></trigger></inputs></synapse>
<synapse id="2" priority="1000000"><action_set><crm_event id="6" operation="stonith" operation_key="stonith-n3-reboot" on_node="n3" on_node_uuid="3"><attributes CRM_meta_stonith_action="reboot"/><downed><node id="3"/></downed></crm_event></action_set><inputs/></synapse>
<synapse id="3"><action_set><rsc_op id="7" operation="start" operation_key="a_start_0" on_node="n2" on_node_uuid="2"><primitive id="a" class="ocf" provider="heartbeat" type="Dummy"/><attributes CRM_meta_timeout="20000" p="1"/></rsc_op></action_set><inputs><trigger><pseudo_event id="5" operation="stopped" operation_key="g_stopped_0"/></trigger><trigger><crm_event id="6" operation="stonith" operation_key="stonith-n3-reboot" on_node="n3" on_node_uuid="3"/></trigger></inputs></synapse>
</transition_graph>)";

struct RandomSink : ActionSink {
  std::vector<int> fired;
  Status execute(const GraphAction& a) {
    fired.push_back(a.id);
    return ok_status();
  }
  Status execute_rsc_op(const GraphAction& a) override { return execute(a); }
  Status execute_cluster_event(const GraphAction& a) override { return execute(a); }
  Status execute_fence(const GraphAction& a) override { return execute(a); }
  void action_timed_out(const GraphAction&) override {}
};

}  // namespace

TEST_CASE("robustness: mangled graphs are parsed or refused, never crash") {
  std::mt19937 rng(20261125);
  const std::string base = kGraph;
  const char junk[] = "<>\"'=/ 0123456789-xyz&;";
  int parsed = 0, refused = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string s = base;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      std::size_t pos = rng() % s.size();
      switch (rng() % 4) {
        case 0:
          s[pos] = junk[rng() % (sizeof(junk) - 1)];
          break;
        case 1:
          s.erase(pos, 1 + rng() % 8);
          break;
        case 2:
          s.insert(pos, 1, junk[rng() % (sizeof(junk) - 1)]);
          break;
        default:
          s.resize(pos);
          break;
      }
    }
    auto g = parse_graph(s);
    if (g.ok()) {
      ++parsed;
      // What parses is consistent: every input names an action.
      for (const auto& syn : g->synapses) {
        for (int in : syn.inputs) CHECK(g->find(in) != nullptr);
      }
    } else {
      ++refused;
      CHECK_FALSE(g.error().message().empty());
    }
  }
  CHECK(parsed > 0);
  CHECK(refused > 0);
}

TEST_CASE("robustness: random graphs and outcomes always complete once, counts add up") {
  std::mt19937 rng(77);
  for (int round = 0; round < 200; ++round) {
    // A random DAG: synapse i may depend on earlier ones only.
    int n = 1 + static_cast<int>(rng() % 25);
    std::string text = "<transition_graph cluster-delay=\"1s\" transition_id=\"" +
                       std::to_string(round) + "\" batch-limit=\"" + std::to_string(rng() % 4) +
                       "\">";
    for (int i = 0; i < n; ++i) {
      int id = 100 + i;
      bool pseudo = rng() % 4 == 0;
      text += "<synapse id=\"" + std::to_string(i) + "\" priority=\"" + std::to_string(rng() % 3) +
              "\"><action_set>";
      if (pseudo) {
        text += "<pseudo_event id=\"" + std::to_string(id) + "\" operation=\"p\"/>";
      } else {
        text += "<rsc_op id=\"" + std::to_string(id) +
                "\" operation=\"start\" operation_key=\"r_start_0\" on_node=\"n" +
                std::to_string(rng() % 3) +
                "\"><primitive id=\"r\" class=\"ocf\" type=\"Dummy\"/>"
                "<attributes CRM_meta_timeout=\"1000\"/></rsc_op>";
      }
      text += "</action_set><inputs>";
      for (int j = 0; j < i; ++j) {
        if (rng() % 5 == 0)
          text += "<trigger><rsc_op id=\"" + std::to_string(100 + j) + "\"/></trigger>";
      }
      text += "</inputs></synapse>";
    }
    text += "</transition_graph>";
    auto g = parse_graph(text);
    REQUIRE(g.ok());
    ManualClock clock;
    RandomSink sink;
    int calls = 0;
    std::optional<RunSummary> done;
    Runner r(std::move(g).value(), clock, sink, [&](const RunSummary& s) {
      ++calls;
      done = s;
    });
    r.start();
    if (rng() % 5 == 0) r.abort(static_cast<int>(rng() % 3), "random");
    // Confirm (or let time out) whatever is in flight, in a random order.
    for (int step = 0; step < 1000 && !done; ++step) {
      auto ids = r.in_flight();
      if (ids.empty()) break;
      int id = ids[rng() % ids.size()];
      switch (rng() % 6) {
        case 0:
          REQUIRE(r.confirm(id, ActionOutcome::kFailed).ok());
          break;
        case 1:
          clock.advance(Duration(2001));  // every timer in flight expires
          break;
        default:
          REQUIRE(r.confirm(id, ActionOutcome::kOk).ok());
          break;
      }
    }
    INFO("round " << round);
    REQUIRE(done);
    CHECK(calls == 1);
    CHECK(done->in_flight == 0);
    CHECK(done->completed + done->skipped + done->incomplete == done->synapses);
    CHECK(static_cast<std::size_t>(done->fired) >= sink.fired.size());
    CHECK((done->result == GraphResult::kComplete) ==
          (done->completed == done->synapses && done->failed == 0));
    CHECK(clock.pending_timers() == 0);
    // Nothing fired twice.
    std::set<int> unique(sink.fired.begin(), sink.fired.end());
    CHECK(unique.size() == sink.fired.size());
  }
}
