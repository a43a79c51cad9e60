// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/transition/runner.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <set>

using namespace vigil;
using namespace vigil::transition;

namespace {

// Builds graph XML from a compact description.
struct Act {
  Act(int i, std::string k = "rsc_op", std::string o = "start", std::string n = "node1",
      std::string extra = "", int prio = 0, std::vector<int> in = {})
      : id(i),
        kind(std::move(k)),
        op(std::move(o)),
        node(std::move(n)),
        extra_attrs(std::move(extra)),
        priority(prio),
        inputs(std::move(in)) {}
  int id;
  std::string kind;  // rsc_op, pseudo_event, crm_event
  std::string op;
  std::string node;
  std::string extra_attrs;  // more <attributes> text
  int priority;
  std::vector<int> inputs;
};

std::string graph_xml(const std::vector<Act>& acts, const std::string& graph_attrs = "") {
  std::string s =
      "<transition_graph cluster-delay=\"10s\" stonith-timeout=\"100s\" "
      "failed-stop-offset=\"INFINITY\" failed-start-offset=\"INFINITY\" "
      "transition_id=\"3\" " +
      graph_attrs + ">\n";
  int sid = 0;
  for (const Act& a : acts) {
    s += "<synapse id=\"" + std::to_string(sid++) + "\"";
    if (a.priority) s += " priority=\"" + std::to_string(a.priority) + "\"";
    s += "><action_set><" + a.kind + " id=\"" + std::to_string(a.id) + "\" operation=\"" + a.op +
         "\" operation_key=\"r" + std::to_string(a.id) + "_" + a.op + "_0\"";
    if (a.kind != "pseudo_event")
      s += " on_node=\"" + a.node + "\" on_node_uuid=\"" + a.node + "\"";
    s += ">";
    if (a.kind == "rsc_op") {
      s += "<primitive id=\"r" + std::to_string(a.id) +
           "\" class=\"ocf\" provider=\"pacemaker\" "
           "type=\"Dummy\"/>";
    }
    s += "<attributes CRM_meta_timeout=\"20000\" " + a.extra_attrs + "/>";
    s += "</" + a.kind + "></action_set><inputs>";
    for (int in : a.inputs) s += "<trigger><rsc_op id=\"" + std::to_string(in) + "\"/></trigger>";
    s += "</inputs></synapse>\n";
  }
  return s + "</transition_graph>";
}

Graph parse(const std::vector<Act>& acts, const std::string& graph_attrs = "") {
  auto g = parse_graph(graph_xml(acts, graph_attrs));
  if (!g) FAIL(g.error().message());
  return std::move(g).value();
}

// Records what the runner asks for; can answer synchronously or refuse.
struct Sink : ActionSink {
  std::vector<int> fired;
  std::vector<int> timed_out;
  std::set<int> refuse;
  Runner* sync_confirm = nullptr;  // confirm ok from inside execute
  Status execute(const GraphAction& a) {
    fired.push_back(a.id);
    if (refuse.count(a.id)) return Error(ErrorCode::kIo, "node unreachable");
    if (sync_confirm) (void)sync_confirm->confirm(a.id, ActionOutcome::kOk);
    return ok_status();
  }
  Status execute_rsc_op(const GraphAction& a) override { return execute(a); }
  Status execute_cluster_event(const GraphAction& a) override { return execute(a); }
  Status execute_fence(const GraphAction& a) override { return execute(a); }
  void action_timed_out(const GraphAction& a) override { timed_out.push_back(a.id); }
  void pseudo_action_fired(const GraphAction& a) override { pseudo.push_back(a.id); }
  std::vector<int> pseudo;
};

struct Fixture {
  ManualClock clock;
  Sink sink;
  std::optional<RunSummary> done;
  int done_calls = 0;
  std::unique_ptr<Runner> runner;
  void make(Graph g, RunnerOptions o = {}) {
    runner = std::make_unique<Runner>(
        std::move(g), clock, sink,
        [this](const RunSummary& s) {
          done = s;
          ++done_calls;
        },
        o);
  }
  void ok(int id) { REQUIRE(runner->confirm(id, ActionOutcome::kOk).ok()); }
};

}  // namespace

TEST_CASE("runner: a chain fires one action at a time, in order of confirmation") {
  Fixture f;
  f.make(parse({{1, "rsc_op", "monitor"},
                {2, "rsc_op", "start", "node1", "", 0, {1}},
                {3, "rsc_op", "monitor", "node1", "CRM_meta_interval=\"10000\"", 0, {2}}}));
  f.runner->start();
  CHECK(f.sink.fired == std::vector<int>{1});
  CHECK(f.runner->in_flight() == std::vector<int>{1});
  CHECK(f.runner->state(2) == ActionState::kWaiting);
  f.ok(1);
  CHECK(f.sink.fired == std::vector<int>{1, 2});
  CHECK(f.runner->state(1) == ActionState::kConfirmed);
  f.ok(2);
  CHECK_FALSE(f.done);
  f.ok(3);
  REQUIRE(f.done);
  CHECK(f.done_calls == 1);
  CHECK(f.done->result == GraphResult::kComplete);
  CHECK(f.done->status_text == "Complete");
  CHECK(f.done->completed == 3);
  CHECK(f.done->fired == 3);
  CHECK(f.done->failed == 0);
  CHECK_FALSE(f.done->abort_requested);
  CHECK(f.runner->finished());
  CHECK(f.clock.pending_timers() == 0);
}

TEST_CASE("runner: independent actions fire together in synapse order") {
  Fixture f;
  f.make(parse({{30, "rsc_op"}, {10, "rsc_op"}, {20, "crm_event", "clear_failcount"}}));
  f.runner->start();
  CHECK(f.sink.fired == std::vector<int>{30, 10, 20});
}

TEST_CASE("runner: pseudo actions confirm at once; readiness behind the cursor waits a pass") {
  // Synapse 0 (A) and synapse 2 (B) both wait for the pseudo action P of
  // synapse 1. In the first pass P fires and confirms; B, after the cursor,
  // fires in the same pass, A only in the next one.
  Fixture f;
  f.make(parse({{10, "rsc_op", "start", "node1", "", 0, {12}},
                {12, "pseudo_event", "running"},
                {11, "rsc_op", "start", "node1", "", 0, {12}}}));
  f.runner->start();
  CHECK(f.sink.fired == std::vector<int>{11, 10});
  CHECK(f.runner->state(12) == ActionState::kConfirmed);
  CHECK_FALSE(f.runner->confirm(12, ActionOutcome::kOk).ok());  // pseudo: nothing to confirm
}

TEST_CASE("runner: an empty graph, or one of pseudo actions only, completes in start()") {
  Fixture f;
  f.make(parse({}));
  f.runner->start();
  REQUIRE(f.done);
  CHECK(f.done->result == GraphResult::kComplete);
  Fixture g;
  g.make(parse({{1, "pseudo_event", "stop"}, {2, "pseudo_event", "stopped", "", "", 0, {1}}}));
  g.runner->start();
  REQUIRE(g.done);
  CHECK(g.done->completed == 2);
  CHECK(g.sink.fired.empty());
}

TEST_CASE("runner: a failed action blocks its dependents and aborts above its priority") {
  Fixture f;
  // 1 fails; 2 depends on it; 3 (priority 0) becomes ready later and is
  // skipped by the abort (priority 5+1); 4 (priority 10) still fires.
  f.make(parse({{1, "rsc_op", "stop", "node1", "", 5},
                {2, "rsc_op", "start", "node2", "", 0, {1}},
                {5, "rsc_op", "stop", "node2"},
                {3, "rsc_op", "start", "node2", "", 0, {5}},
                {4, "rsc_op", "start", "node3", "", 10, {5}}}));
  f.runner->start();
  CHECK(f.sink.fired == std::vector<int>{1, 5});
  REQUIRE(f.runner->confirm(1, ActionOutcome::kFailed).ok());
  CHECK(f.runner->state(1) == ActionState::kFailed);
  f.ok(5);
  CHECK(f.sink.fired == std::vector<int>{1, 5, 4});
  f.ok(4);
  REQUIRE(f.done);
  CHECK(f.done->result == GraphResult::kFailed);
  CHECK(f.done->abort_requested);
  CHECK(f.done->abort_priority == 6);
  CHECK_THAT(f.done->abort_reason, Catch::Contains("Event failed"));
  CHECK(f.done->failed == 1);
  CHECK(f.done->skipped == 1);     // 3
  CHECK(f.done->incomplete == 1);  // 2, blocked
  CHECK(f.done->status_text == "Stopped");
  CHECK(f.runner->state(2) == ActionState::kWaiting);
  CHECK(f.runner->state(3) == ActionState::kWaiting);
}

TEST_CASE("runner: an input that may fail (can_fail) does not block") {
  Fixture f;
  f.make(parse({{1, "rsc_op", "stop", "node1", "CRM_meta_can_fail=\"true\"", 0},
                {2, "rsc_op", "start", "node2", "", 10, {1}}}));
  f.runner->start();
  REQUIRE(f.runner->confirm(1, ActionOutcome::kFailed).ok());
  CHECK(f.sink.fired == std::vector<int>{1, 2});
}

TEST_CASE("runner: batch-limit caps the actions in flight") {
  Fixture f;
  f.make(parse({{1}, {2}, {3}, {4, "pseudo_event"}}, "batch-limit=\"2\""));
  f.runner->start();
  CHECK(f.sink.fired == std::vector<int>{1, 2});
  CHECK(f.runner->in_flight().size() == 2);
  f.ok(2);
  CHECK(f.sink.fired == std::vector<int>{1, 2, 3});
  CHECK(f.runner->state(4) == ActionState::kWaiting);  // the walk stopped at the limit
  f.ok(1);
  CHECK(f.runner->state(4) == ActionState::kConfirmed);
  f.ok(3);
  REQUIRE(f.done);
  CHECK(f.done->result == GraphResult::kComplete);
}

TEST_CASE("runner: migration-limit caps migrations per node, source and target") {
  Fixture f;
  std::string n1to2 = "CRM_meta_migrate_source=\"node1\" CRM_meta_migrate_target=\"node2\"";
  std::string n3to2 = "CRM_meta_migrate_source=\"node3\" CRM_meta_migrate_target=\"node2\"";
  std::string n3to4 = "CRM_meta_migrate_source=\"node3\" CRM_meta_migrate_target=\"node4\"";
  f.make(parse({{1, "rsc_op", "migrate_to", "node1", n1to2},
                {2, "rsc_op", "migrate_to", "node3", n3to2},
                {3, "rsc_op", "migrate_to", "node3", n3to4},
                {4, "rsc_op", "start", "node2"}},
               "migration-limit=\"1\""));
  f.runner->start();
  // 2 waits for node2 (busy with 1), 3 then for node3? No: node3 is free.
  CHECK(f.sink.fired == std::vector<int>{1, 3, 4});
  f.ok(1);
  CHECK(f.sink.fired == std::vector<int>{1, 3, 4});  // node3 still migrating (3)
  f.ok(3);
  CHECK(f.sink.fired == std::vector<int>{1, 3, 4, 2});
}

TEST_CASE("runner: a per-node job limit holds actions back until one finishes") {
  Fixture f;
  f.make(parse({{1, "rsc_op", "start", "node1"},
                {2, "rsc_op", "start", "node1"},
                {3, "rsc_op", "start", "node2"}}),
         RunnerOptions{1});
  f.runner->start();
  CHECK(f.sink.fired == std::vector<int>{1, 3});
  f.ok(1);
  CHECK(f.sink.fired == std::vector<int>{1, 3, 2});
}

TEST_CASE("runner: an action not confirmed in time is lost and aborts everything") {
  Fixture f;
  f.make(parse({{1, "rsc_op", "start", "node1"},
                {2, "rsc_op", "monitor", "node1", "", 0, {1}},
                {3, "rsc_op", "start", "node2", "", 0},
                {4, "rsc_op", "start", "node2", "", kInfinity - 1, {3}}}));
  f.runner->start();
  CHECK(f.sink.fired == std::vector<int>{1, 3});
  // 20 s timeout + 10 s cluster-delay.
  f.clock.advance(Duration(29999));
  CHECK(f.sink.timed_out.empty());
  f.ok(3);  // 4 fires
  f.clock.advance(Duration(1));
  CHECK(f.sink.timed_out == std::vector<int>{1});
  CHECK(f.runner->state(1) == ActionState::kFailed);
  CHECK_FALSE(f.runner->confirm(1, ActionOutcome::kOk).ok());  // late result refused
  CHECK_FALSE(f.done);                                         // 4 still in flight
  f.ok(4);
  REQUIRE(f.done);
  CHECK(f.done->result == GraphResult::kFailed);
  CHECK(f.done->timed_out == 1);
  CHECK(f.done->failed == 1);
  CHECK(f.done->abort_priority == kInfinity);
  CHECK(f.done->abort_reason == "Action lost");
  CHECK(f.runner->state(2) == ActionState::kWaiting);
}

TEST_CASE("runner: timer lengths follow Pacemaker's rule") {
  auto g = parse({{1, "rsc_op"},
                  {2, "rsc_op", "start", "node1", "CRM_meta_start_delay=\"5000\""},
                  {3, "crm_event", "stonith"}});
  CHECK(Runner::action_timer(g, *g.find(1)) == Duration(30000));
  CHECK(Runner::action_timer(g, *g.find(2)) == Duration(35000));
  CHECK(Runner::action_timer(g, *g.find(3)) == Duration(110000));
  auto z = parse_graph(
      "<transition_graph cluster-delay=\"10s\" transition_id=\"1\"><synapse id=\"0\"><action_set>"
      "<crm_event id=\"1\" operation=\"do_shutdown\" operation_key=\"do_shutdown-n1\" "
      "on_node=\"n1\"/></action_set></synapse></transition_graph>");
  REQUIRE(z.ok());
  // No timeout: cluster-delay stands in for it.
  CHECK(Runner::action_timer(*z, *z->find(1)) == Duration(20000));
}

TEST_CASE("runner: abort(INFINITY) fires nothing new and completes once in flight is done") {
  Fixture f;
  f.make(parse({{1},
                {2, "rsc_op", "start", "node1", "", 0, {1}},
                {3, "pseudo_event", "running", "", "", 0, {1}}}));
  f.runner->start();
  f.runner->abort(kInfinity, "CIB changed");
  f.runner->abort(5, "another reason");
  CHECK_FALSE(f.done);
  f.ok(1);
  REQUIRE(f.done);
  CHECK(f.sink.fired == std::vector<int>{1});
  CHECK(f.runner->state(3) == ActionState::kConfirmed);  // pseudo actions still run
  CHECK(f.done->result == GraphResult::kAborted);
  CHECK(f.done->abort_reason == "CIB changed");
  CHECK(f.done->abort_priority == kInfinity);
  CHECK(f.done->skipped == 1);
  CHECK(f.done->status_text == "Stopped");
}

TEST_CASE("runner: a lower abort priority lets higher-priority synapses run") {
  Fixture f;
  f.make(parse({{1},
                {2, "rsc_op", "start", "node1", "", 0, {1}},
                {3, "crm_event", "stonith", "node2", "", kInfinity, {1}}}));
  f.runner->start();
  f.runner->abort(1, "attribute change");
  f.ok(1);
  CHECK(f.sink.fired == std::vector<int>{1, 3});
  f.ok(3);
  REQUIRE(f.done);
  CHECK(f.done->result == GraphResult::kAborted);
  CHECK(f.done->abort_requested);
}

TEST_CASE("runner: stop() cancels timers and refuses late results, without a callback") {
  Fixture f;
  f.make(parse({{1}, {2}, {3, "rsc_op", "start", "node1", "", 0, {1}}}));
  f.runner->start();
  CHECK(f.clock.pending_timers() == 2);
  RunSummary s = f.runner->stop();
  CHECK(s.stopped);
  CHECK(s.in_flight == 2);
  CHECK(f.clock.pending_timers() == 0);
  CHECK_FALSE(f.runner->confirm(1, ActionOutcome::kOk).ok());
  f.runner->abort(kInfinity, "late");
  f.clock.advance(Duration(100000));
  CHECK(f.sink.timed_out.empty());
  CHECK(f.sink.fired == std::vector<int>{1, 2});
  CHECK_FALSE(f.done);
  CHECK(f.runner->finished());
}

TEST_CASE("runner: bad confirmations change nothing") {
  Fixture f;
  f.make(parse({{1}, {2, "rsc_op", "start", "node1", "", 0, {1}}}));
  f.runner->start();
  RunSummary before = f.runner->summary();
  auto unknown = f.runner->confirm(99, ActionOutcome::kOk);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code() == ErrorCode::kNotFound);
  CHECK_THAT(unknown.error().message(), Catch::Contains("action 99"));
  auto not_fired = f.runner->confirm(2, ActionOutcome::kOk);
  REQUIRE_FALSE(not_fired.ok());
  CHECK_THAT(not_fired.error().message(), Catch::Contains("not fired"));
  RunSummary after = f.runner->summary();
  CHECK(after.completed == before.completed);
  CHECK(after.fired == before.fired);
  CHECK(f.runner->state(2) == ActionState::kWaiting);
  f.ok(1);
  auto twice = f.runner->confirm(1, ActionOutcome::kFailed);
  REQUIRE_FALSE(twice.ok());
  CHECK_THAT(twice.error().message(), Catch::Contains("already confirmed"));
  CHECK(f.runner->state(1) == ActionState::kConfirmed);
  f.ok(2);
  REQUIRE(f.done);
  CHECK_FALSE(f.runner->confirm(2, ActionOutcome::kOk).ok());
  CHECK(f.done_calls == 1);
}

TEST_CASE("runner: no_wait actions are confirmed once initiated, without a timer") {
  Fixture f;
  f.make(parse({{1, "crm_event", "do_shutdown", "node1", "CRM_meta_op_no_wait=\"true\""},
                {2, "rsc_op", "start", "node2", "", 0, {1}}}));
  f.runner->start();
  CHECK(f.sink.fired == std::vector<int>{1, 2});
  CHECK(f.runner->state(1) == ActionState::kConfirmed);
  CHECK(f.clock.pending_timers() == 1);  // only 2's
}

TEST_CASE("runner: an action the sink cannot initiate fails and aborts") {
  Fixture f;
  f.sink.refuse = {1};
  f.make(parse({{1}, {2, "rsc_op", "start", "node1", "", 0, {1}}, {3}}));
  f.runner->start();
  CHECK(f.sink.fired == std::vector<int>{1});  // 3 is skipped by the abort
  REQUIRE(f.done);
  CHECK(f.done->result == GraphResult::kFailed);
  CHECK_THAT(f.done->abort_reason, Catch::Contains("node unreachable"));
  CHECK(f.done->failed == 1);
}

TEST_CASE("runner: synchronous confirmations, and a runner destroyed by its callback") {
  Fixture f;
  std::vector<Act> acts;
  // A chain of 200 actions plus 200 independent ones: fired from inside the
  // sink's calls, without recursion depth growing per action.
  for (int i = 1; i <= 200; ++i) {
    Act a{i};
    if (i > 1) a.inputs = {i - 1};
    acts.push_back(a);
    acts.push_back(Act{1000 + i});
  }
  auto g = parse(acts);
  f.runner = std::make_unique<Runner>(std::move(g), f.clock, f.sink, [&](const RunSummary& s) {
    f.done = s;
    ++f.done_calls;
    f.runner.reset();
  });
  f.sink.sync_confirm = f.runner.get();
  f.runner->start();
  REQUIRE(f.done);
  CHECK(f.done_calls == 1);
  CHECK(f.runner == nullptr);
  CHECK(f.done->completed == 400);
  CHECK(f.done->result == GraphResult::kComplete);
  CHECK(f.sink.fired.size() == 400);
  CHECK(f.clock.pending_timers() == 0);
}

TEST_CASE("runner: the sink may abort or stop from inside its calls") {
  struct Reentrant : Sink {
    Runner* runner = nullptr;
    int abort_at = -1, stop_at = -1;
    std::optional<RunSummary> stopped;
    Status execute_rsc_op(const GraphAction& a) override {
      fired.push_back(a.id);
      if (a.id == abort_at) runner->abort(kInfinity, "from the sink");
      if (a.id == stop_at) stopped = runner->stop();
      return ok_status();
    }
  };
  SECTION("abort") {
    ManualClock clock;
    Reentrant sink;
    sink.abort_at = 1;
    std::optional<RunSummary> done;
    Runner r(parse({{1}, {2}, {3, "pseudo_event"}}), clock, sink,
             [&](const RunSummary& s) { done = s; });
    sink.runner = &r;
    r.start();
    CHECK(sink.fired == std::vector<int>{1});  // 2 is skipped, 3 (pseudo) still runs
    CHECK(r.state(3) == ActionState::kConfirmed);
    REQUIRE(r.confirm(1, ActionOutcome::kOk).ok());
    REQUIRE(done);
    CHECK(done->result == GraphResult::kAborted);
    CHECK(done->abort_reason == "from the sink");
  }
  SECTION("stop") {
    ManualClock clock;
    Reentrant sink;
    sink.stop_at = 2;
    int calls = 0;
    Runner r(parse({{1}, {2}, {3}}), clock, sink, [&](const RunSummary&) { ++calls; });
    sink.runner = &r;
    r.start();
    CHECK(sink.fired == std::vector<int>{1, 2});
    REQUIRE(sink.stopped);
    CHECK(sink.stopped->stopped);
    CHECK(clock.pending_timers() == 0);
    CHECK_FALSE(r.confirm(1, ActionOutcome::kOk).ok());
    CHECK(calls == 0);
  }
}

TEST_CASE("runner: executor timeouts and cancellations are failures like any other") {
  for (ActionOutcome o : {ActionOutcome::kTimedOut, ActionOutcome::kCancelled}) {
    INFO(to_string(o));
    Fixture f;
    f.make(parse(
        {{1, "rsc_op", "start", "node1", "", 7}, {2, "rsc_op", "start", "node1", "", 0, {1}}}));
    f.runner->start();
    REQUIRE(f.runner->confirm(1, o).ok());
    REQUIRE(f.done);
    CHECK(f.done->result == GraphResult::kFailed);
    CHECK(f.done->abort_priority == 8);
    CHECK(f.done->timed_out == 0);  // only the runner's own timer counts here
    CHECK(f.runner->state(2) == ActionState::kWaiting);
  }
}

TEST_CASE("runner: an abort before start keeps every non-pseudo synapse from firing") {
  Fixture f;
  f.make(parse({{1}, {2, "pseudo_event", "running", "", "", 0, {1}}, {3, "pseudo_event"}}));
  f.runner->abort(kInfinity, "early");
  CHECK_FALSE(f.done);
  f.runner->start();
  REQUIRE(f.done);
  CHECK(f.sink.fired.empty());
  CHECK(f.runner->state(3) == ActionState::kConfirmed);
  CHECK(f.done->result == GraphResult::kAborted);
  CHECK(f.done->skipped == 1);
  CHECK(f.done->incomplete == 1);  // 2 waits for 1
}

TEST_CASE("runner: thousands of actions fan out and in") {
  // stop_all (pseudo) -> 3000 stops -> stopped (pseudo) -> 3000 starts.
  std::vector<Act> acts;
  acts.emplace_back(1, "pseudo_event", "stop");
  std::vector<int> stops;
  for (int i = 0; i < 3000; ++i) {
    acts.emplace_back(10 + i, "rsc_op", "stop", "node" + std::to_string(i % 16), "", 0,
                      std::vector<int>{1});
    stops.push_back(10 + i);
  }
  acts.emplace_back(2, "pseudo_event", "stopped", "", "", 0, stops);
  for (int i = 0; i < 3000; ++i) {
    acts.emplace_back(5000 + i, "rsc_op", "start", "node" + std::to_string((i + 1) % 16), "", 0,
                      std::vector<int>{2});
  }
  Fixture f;
  f.make(parse(acts), RunnerOptions{4});
  f.runner->start();
  CHECK(f.sink.fired.size() == 64);  // 16 nodes x 4 jobs
  // Confirm in firing order until done (bounded: each action once).
  for (std::size_t next = 0; next < f.sink.fired.size() && !f.done; ++next) {
    if (!f.runner->confirm(f.sink.fired[next], ActionOutcome::kOk).ok()) FAIL("confirm refused");
  }
  REQUIRE(f.done);
  CHECK(f.done->result == GraphResult::kComplete);
  CHECK(f.done->completed == 6002);
  CHECK(f.sink.fired.size() == 6000);
}

TEST_CASE("runner: the sink hears of each pseudo action as it fires, and is asked to run none") {
  Fixture f;
  f.make(parse({{1, "rsc_op", "start"},
                {2, "pseudo_event", "running", "", "", 0, {1}},
                {3, "pseudo_event", "start"},
                {4, "rsc_op", "monitor", "node1", "", 0, {2}}}));
  f.runner->start();
  // The pseudo action without inputs is confirmed at once; the one behind
  // the start waits for it.
  CHECK(f.sink.pseudo == std::vector<int>{3});
  CHECK(f.sink.fired == std::vector<int>{1});
  f.ok(1);
  CHECK(f.sink.pseudo == std::vector<int>{3, 2});
  CHECK(f.sink.fired == std::vector<int>{1, 4});
  CHECK(f.runner->state(2) == ActionState::kConfirmed);
}
