// SPDX-License-Identifier: GPL-2.0-or-later
// Real fence-agent scripts (testdata/fence_vigil_test) through PosixSpawner:
// the stdin API, the exit codes, a hang, a crash, garbage, a missing agent.
#include "vigil/fencing/agent_runner.hpp"

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <vector>

#include "golden_files.hpp"
#include "temp_dir.hpp"
#include "vigil/exec/posix_spawner.hpp"
#include "vigil/exec/process.hpp"

using namespace vigil;
using namespace vigil::fencing;
using namespace std::chrono_literals;

namespace {

struct Rig {
  boost::asio::io_context io;
  AsioClock clock{io};
  exec::PosixSpawner spawner{io};
  SpawnerAgentRunner runner{spawner, clock, {VIGIL_FENCING_TESTDATA, Duration{500}, 64 * 1024}};

  AgentResult run(const AgentCall& call) {
    std::optional<AgentResult> r;
    io.restart();  // a previous run may have left it out of work, stopped
    runner.run(call, [&](AgentResult res) { r = std::move(res); });
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!r && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
    REQUIRE(r.has_value());
    return *r;
  }
};

Device test_device(std::map<std::string, std::string> params) {
  AgentMetadata m;
  m.parameters = {"port"};
  m.actions = {"on", "off", "reboot", "list", "status"};
  auto d = make_device("d1", "fence_vigil_test", std::move(params), {}, m);
  REQUIRE(d.ok());
  return *d;
}

// A process that never exits, whatever it is sent (stuck in the kernel).
struct StuckProcess final : exec::Process {
  std::vector<int>* group_signals;
  explicit StuckProcess(std::vector<int>* s) : group_signals(s) {}
  pid_t pid() const override { return 4242; }
  void signal(int) override {}
  void signal_group(int signo) override { group_signals->push_back(signo); }
  bool group_alive() const override { return true; }
};

struct StuckSpawner final : exec::Spawner {
  std::vector<int> group_signals;
  exec::Spawned spawn(const exec::SpawnRequest&, exec::ExitHandler) override {
    return {std::make_unique<StuckProcess>(&group_signals), 0, ""};
  }
};

}  // namespace

TEST_CASE("agent runner: the real agent's meta-data, list, status and off") {
  Rig rig;
  vigil::test::TempDir dir;
  const std::string state = dir / "actions";
  auto meta = rig.run(make_metadata_call("fence_vigil_test", 5s));
  REQUIRE(meta.ok());
  auto m = parse_agent_metadata(meta.out);
  REQUIRE(m.ok());
  CHECK(m->supports("reboot"));
  CHECK(m->parameters.count("port"));

  const Device d = test_device({{"state", state}, {"pcmk_host_map", "node2:p2"}});
  auto list = rig.run(make_agent_call(d, "list", "", 5s));
  CHECK(parse_list_output(list.out) == std::vector<std::string>{"node1", "p2", "node2"});
  CHECK(read_status(rig.run(make_agent_call(d, "status", "node2", 5s))) == StatusAnswer::kOn);
  CHECK(read_status(rig.run(make_agent_call(d, "status", "node3", 5s))) ==
        StatusAnswer::kUnknownTarget);
  CHECK(rig.run(make_agent_call(d, "off", "node2", 5s)).ok());
  CHECK(vigil::testing::read_text_file(state) == "list \nstatus p2\nstatus node3\noff p2\n");
}

TEST_CASE("agent runner: hang, crash, failure, garbage and a missing agent") {
  Rig rig;
  AgentCall hang = make_agent_call(test_device({{"mode", "hang"}}), "off", "node2", 5s);
  hang.timeout = 300ms;
  auto r = rig.run(hang);
  CHECK(r.status == AgentResult::Status::kTimeout);
  CHECK(describe_failure(hang, r) == "d1 (fence_vigil_test off node2): timed out after 300ms");

  r = rig.run(make_agent_call(test_device({{"mode", "crash"}}), "off", "node2", 5s));
  CHECK(r.status == AgentResult::Status::kError);
  CHECK(r.reason.find("killed by signal 11") == 0);

  const AgentCall fail = make_agent_call(test_device({{"mode", "fail"}}), "off", "node2", 5s);
  r = rig.run(fail);
  CHECK(r.exit_code == 1);
  CHECK(describe_failure(fail, r) ==
        "d1 (fence_vigil_test off node2): exit code 1 (failed to reach the switch)");

  r = rig.run(make_agent_call(test_device({{"mode", "garbage"}}), "list", "", 5s));
  CHECK(r.ok());
  CHECK(parse_list_output(r.out).empty());

  AgentCall missing = make_metadata_call("fence_nosuch", 5s);
  r = rig.run(missing);
  CHECK(r.status == AgentResult::Status::kNotFound);
  CHECK(r.reason == std::string("fence agent fence_nosuch not found in ") + VIGIL_FENCING_TESTDATA);
  missing.agent = "../fence_vigil_test";
  CHECK(rig.run(missing).status == AgentResult::Status::kNotFound);
}

TEST_CASE("agent runner: a hung agent is killed at its timeout, not after a grace period") {
  // The clock moves only by hand: past the timeout and never further, so a
  // result can only come from the SIGKILL sent then (the agent ignores SIGTERM).
  boost::asio::io_context io;
  ManualClock clock;
  exec::PosixSpawner spawner{io};
  SpawnerAgentRunner runner{spawner, clock, {VIGIL_FENCING_TESTDATA, Duration{60'000}, 4096}};
  vigil::test::TempDir dir;
  const std::string state = dir / "actions";
  AgentCall hang =
      make_agent_call(test_device({{"mode", "hang"}, {"state", state}}), "off", "node2", 3s);
  std::optional<AgentResult> r;
  runner.run(hang, [&](AgentResult res) { r = std::move(res); });
  // The agent records the action just before it starts hanging.
  const auto started_by = std::chrono::steady_clock::now() + 20s;
  while (vigil::testing::read_text_file(state).empty() &&
         std::chrono::steady_clock::now() < started_by) {
    io.run_one_for(20ms);
  }
  REQUIRE(vigil::testing::read_text_file(state) == "off node2\n");
  io.run_for(200ms);  // into its `wait`, SIGTERM ignored
  REQUIRE_FALSE(r);
  clock.advance(3s);
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!r && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
  REQUIRE(r);
  CHECK(r->status == AgentResult::Status::kTimeout);
  CHECK(describe_failure(hang, *r) == "d1 (fence_vigil_test off node2): timed out after 3s");
  CHECK(runner.running() == 0);
}

TEST_CASE("agent runner: an agent that survives SIGKILL is given up on after exit_wait") {
  boost::asio::io_context io;
  ManualClock clock;
  StuckSpawner spawner;
  SpawnerAgentRunner runner{spawner, clock, {"/nowhere", Duration{2'000}, 4096}};
  const AgentCall call = make_agent_call(test_device({}), "off", "node2", 3s);
  std::optional<AgentResult> r;
  runner.run(call, [&](AgentResult res) { r = std::move(res); });
  clock.advance(3s);
  CHECK(spawner.group_signals == std::vector<int>{SIGKILL});
  clock.advance(1999ms);
  CHECK_FALSE(r);
  clock.advance(1ms);
  REQUIRE(r);
  CHECK(describe_failure(call, *r) == "d1 (fence_vigil_test off node2): timed out after 3s");
  CHECK(runner.running() == 0);
}
