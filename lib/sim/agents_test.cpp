// SPDX-License-Identifier: GPL-2.0-or-later
// The simulated agents driven by the real executor on a ManualClock.
#include "vigil/sim/agents.hpp"

#include <catch2/catch.hpp>
#include <vector>

#include "vigil/exec/executor.hpp"

using namespace vigil;
using namespace std::chrono_literals;

namespace {

struct Node {
  ManualClock& clock;
  sim::AgentWorld& world;
  std::vector<exec::OperationResult> results;
  exec::Executor executor;
  Node(ManualClock& c, sim::AgentWorld& w, const std::string& name)
      : clock(c),
        world(w),
        executor(c, w.spawner(name), options(),
                 [this](const exec::OperationResult& r) { results.push_back(r); }) {}
  static exec::ExecutorOptions options() {
    exec::ExecutorOptions o;
    o.inherit_environment = false;
    o.kill_grace = 1000ms;
    return o;
  }
  exec::OperationResult run(const std::string& rsc, const std::string& action,
                            Duration timeout = 20000ms) {
    exec::OperationRequest r;
    r.rsc_id = rsc;
    r.agent = exec::AgentSpec{exec::AgentClass::kOcf, "heartbeat", "Dummy"};
    r.action = action;
    r.timeout = timeout;
    const std::size_t before = results.size();
    REQUIRE(executor.execute(r));
    // Bounded: at most 100 steps of 100 ms of simulated time.
    for (int i = 0; i < 100 && results.size() == before; ++i) clock.advance(100ms);
    REQUIRE(results.size() == before + 1);
    return results.back();
  }
};

}  // namespace

TEST_CASE("AgentWorld: start, monitor and stop change and report the ground truth") {
  ManualClock clock;
  sim::AgentWorld world(clock);
  Node n1(clock, world, "node1");
  Node n2(clock, world, "node2");
  CHECK(n1.run("VIP", "monitor").rc == exec::OcfRc::kNotRunning);
  CHECK(n1.run("VIP", "start").rc == exec::OcfRc::kOk);
  CHECK(world.running("node1", "VIP"));
  CHECK_FALSE(world.running("node2", "VIP"));
  CHECK(n1.run("VIP", "monitor").rc == exec::OcfRc::kOk);
  CHECK(n2.run("VIP", "monitor").rc == exec::OcfRc::kNotRunning);
  CHECK(n2.run("VIP", "start").rc == exec::OcfRc::kOk);
  CHECK(world.nodes_running("VIP") == std::vector<std::string>{"node1", "node2"});
  CHECK(n1.run("VIP", "stop").rc == exec::OcfRc::kOk);
  CHECK(world.nodes_running("VIP") == std::vector<std::string>{"node2"});
  CHECK(world.in_flight() == 0);
}

TEST_CASE("AgentWorld: the observer sees each finished action after the world changed") {
  ManualClock clock;
  sim::AgentWorld world(clock);
  Node n1(clock, world, "node1");
  std::vector<std::string> seen;
  world.set_observer(
      [&](const std::string& node, const std::string& rsc, const std::string& action, int rc) {
        seen.push_back(node + " " + rsc + " " + action + " " + std::to_string(rc) + " " +
                       (world.running(node, rsc) ? "up" : "down"));
      });
  n1.run("VIP", "start");
  n1.run("VIP", "monitor");
  n1.run("VIP", "stop");
  CHECK(seen == std::vector<std::string>{"node1 VIP start 0 up", "node1 VIP monitor 0 up",
                                         "node1 VIP stop 0 down"});
}

TEST_CASE("AgentWorld: injected failures leave the state unchanged") {
  ManualClock clock;
  sim::AgentWorld world(clock);
  Node n1(clock, world, "node1");
  world.fail_next("node1", "Web", "start", 1);
  auto r = n1.run("Web", "start");
  CHECK(r.rc == exec::OcfRc::kUnknownError);
  CHECK_FALSE(world.running("node1", "Web"));
  // Only the next one fails.
  CHECK(n1.run("Web", "start").rc == exec::OcfRc::kOk);
  world.fail_next("node1", "Web", "stop", 1);
  CHECK(n1.run("Web", "stop").rc == exec::OcfRc::kUnknownError);
  CHECK(world.running("node1", "Web"));
}

TEST_CASE("AgentWorld: a resource that dies is seen by the next monitor") {
  ManualClock clock;
  sim::AgentWorld world(clock);
  Node n1(clock, world, "node1");
  REQUIRE(n1.run("Web", "start").rc == exec::OcfRc::kOk);
  world.kill_resource("node1", "Web");
  CHECK(n1.run("Web", "monitor").rc == exec::OcfRc::kNotRunning);
}

TEST_CASE("AgentWorld: a hung action ends when the executor's timeout kills it") {
  ManualClock clock;
  sim::AgentWorld world(clock);
  Node n1(clock, world, "node1");
  world.hang_next("node1", "Web", "start");
  auto r = n1.run("Web", "start", 2000ms);
  CHECK(r.status == exec::ExecStatus::kTimeout);
  CHECK_FALSE(world.running("node1", "Web"));
  CHECK(world.in_flight() == 0);
}

TEST_CASE("AgentWorld: power_off drops what ran there and silences agents in flight") {
  ManualClock clock;
  sim::AgentWorld world(clock);
  Node n1(clock, world, "node1");
  REQUIRE(n1.run("VIP", "start").rc == exec::OcfRc::kOk);
  exec::OperationRequest r;
  r.rsc_id = "Web";
  r.agent = exec::AgentSpec{exec::AgentClass::kOcf, "heartbeat", "apache"};
  r.action = "start";
  REQUIRE(n1.executor.execute(r));
  clock.advance(10ms);  // the start is in flight
  const std::size_t before = n1.results.size();
  world.power_off("node1");
  clock.advance(1000ms);
  CHECK(n1.results.size() == before);
  CHECK(world.nodes_running("VIP").empty());
  CHECK_FALSE(world.running("node1", "Web"));
}
