// SPDX-License-Identifier: GPL-2.0-or-later
// Stonith resources (fence devices) in the executor, with a scripted fencer
// and a manual clock, as Pacemaker 2.1.5's executor runs them: nothing is
// spawned; probes answer from the last start or stop; start registers the
// device then monitors it, monitor monitors, stop unregisters; no fencer
// fails all but probes.
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <vector>

#include "test_support.hpp"
#include "vigil/exec/executor.hpp"

using namespace vigil;
using namespace vigil::exec;
using namespace std::chrono_literals;

namespace {

// Fails the test if the executor starts a process for a fence device.
class NoSpawner final : public Spawner {
 public:
  Spawned spawn(const SpawnRequest& request, ExitHandler) override {
    FAIL("a fence device action spawned " << request.path);
    return {};
  }
};

// The fencer's requests, answered when the test says.
class ScriptedFencer final : public FenceDevices {
 public:
  struct Call {
    std::string kind;  // register, monitor, unregister
    std::string device;
    std::string agent{};
    std::map<std::string, std::string> params{};
    Duration timeout{0};
    std::function<void(Status)> done{};
  };
  void register_device(const std::string& device, const std::string& agent,
                       const std::map<std::string, std::string>& params,
                       std::function<void(Status)> done) override {
    calls.push_back({"register", device, agent, params, 0ms, std::move(done)});
  }
  void monitor(const std::string& device, Duration timeout,
               std::function<void(Status)> done) override {
    calls.push_back({"monitor", device, {}, {}, timeout, std::move(done)});
  }
  void unregister_device(const std::string& device, std::function<void(Status)> done) override {
    calls.push_back({"unregister", device, {}, {}, 0ms, std::move(done)});
  }
  // Answers the last call, which must be of `kind`.
  void answer(const std::string& kind, Status st) {
    REQUIRE_FALSE(calls.empty());
    CHECK(calls.back().kind == kind);
    answer_at(calls.size() - 1, std::move(st));
  }
  void answer_at(std::size_t i, Status st) {
    auto done = std::move(calls.at(i).done);
    REQUIRE(done);
    done(std::move(st));
  }
  std::vector<Call> calls;
};

struct Fixture {
  ManualClock clock;
  NoSpawner spawner;
  ScriptedFencer fencer;
  testing::ResultLog log;
  std::unique_ptr<Executor> executor;

  explicit Fixture(bool with_fencer = true) {
    ExecutorOptions options;
    options.inherit_environment = false;
    options.fence_devices = with_fencer ? &fencer : nullptr;
    executor = std::make_unique<Executor>(clock, spawner, options, log.callback());
  }
  int execute(const std::string& action, Duration interval = 0ms, Duration timeout = 20s,
              std::map<std::string, std::string> params = {}) {
    auto r = testing::request_of("fence-ipmi", *parse_agent_spec("stonith:fence_ipmilan"), action,
                                 interval, timeout);
    r.params = std::move(params);
    auto id = executor->execute(r);
    REQUIRE(id);
    return *id;
  }
  void settle() { clock.run_due(); }
  // `action` run, the fencer's one request (of `kind`) answered `st`.
  const OperationResult& answered(const std::string& action, const std::string& kind, Status st,
                                  Duration interval = 0ms) {
    execute(action, interval);
    settle();
    fencer.answer(kind, std::move(st));
    settle();
    REQUIRE(log.last().action == action);
    return log.last();
  }
  // A probe's answer (no fencer asked).
  OcfRc probe() {
    execute("monitor");
    settle();
    return log.last().rc;
  }
  // A start the fencer takes: registered, then monitored fine.
  void start() {
    execute("start");
    settle();
    fencer.answer("register", ok_status());
    settle();
    fencer.answer("monitor", ok_status());
    settle();
    REQUIRE(log.last().action == "start");
    REQUIRE(log.last().rc == OcfRc::kOk);
  }
};

}  // namespace

TEST_CASE("executor stonith: probe, start registers and monitors, monitor, stop unregisters") {
  Fixture f;
  f.execute("monitor");
  f.settle();
  REQUIRE(f.log.size() == 1);
  CHECK(f.log.last().rc == OcfRc::kNotRunning);  // never started here
  CHECK(f.log.last().status == ExecStatus::kDone);
  CHECK(f.fencer.calls.empty());  // a probe needs no fencer

  const int start = f.execute("start", 0ms, 30s,
                              {{"ipaddr", "10.0.0.7"},
                               {"pcmk_host_list", "node1"},
                               {"CRM_meta_timeout", "30000"},
                               {"CRM_meta_on_node", "node2"}});
  f.settle();
  REQUIRE(f.fencer.calls.size() == 1);
  CHECK(f.fencer.calls[0].kind == "register");
  CHECK(f.fencer.calls[0].device == "fence-ipmi");
  CHECK(f.fencer.calls[0].agent == "fence_ipmilan");
  // The instance attributes only: the controller's CRM_meta_* stay here.
  CHECK(f.fencer.calls[0].params ==
        std::map<std::string, std::string>{{"ipaddr", "10.0.0.7"}, {"pcmk_host_list", "node1"}});
  f.clock.advance(1s);
  f.fencer.answer("register", ok_status());
  f.settle();
  CHECK(f.log.size() == 1);  // then the device is monitored
  REQUIRE(f.fencer.calls.size() == 2);
  CHECK(f.fencer.calls[1].kind == "monitor");
  CHECK(f.fencer.calls[1].timeout == 30s);
  f.clock.advance(1s);
  f.fencer.answer("monitor", ok_status());
  f.settle();
  REQUIRE(f.log.size() == 2);
  CHECK(f.log.last().call_id == start);
  CHECK(f.log.last().rc == OcfRc::kOk);
  CHECK(f.log.last().exec_time == 2s);

  f.execute("monitor");  // a probe now finds it running
  f.settle();
  CHECK(f.log.last().rc == OcfRc::kOk);

  const int mon = f.execute("monitor", 60s);
  f.settle();
  REQUIRE(f.fencer.calls.size() == 3);
  f.fencer.answer("monitor", Error(ErrorCode::kFailed, "fence_ipmilan: unable to connect"));
  f.settle();
  CHECK(f.log.last().call_id == mon);
  CHECK(f.log.last().rc == OcfRc::kUnknownError);
  CHECK(f.log.last().status == ExecStatus::kError);
  CHECK(f.log.last().exit_reason == "fence_ipmilan: unable to connect");
  // Recurring: asked again after the interval.
  f.clock.advance(60s);
  f.settle();
  REQUIRE(f.fencer.calls.size() == 4);

  // Stop cancels the recurring monitor (its late answer is ignored) and
  // unregisters the device.
  const std::size_t before = f.log.size();
  f.execute("stop");
  f.settle();
  REQUIRE(f.fencer.calls.size() == 5);
  CHECK(f.fencer.calls[4].kind == "unregister");
  CHECK(f.fencer.calls[4].device == "fence-ipmi");
  f.fencer.answer_at(3, ok_status());
  f.settle();
  CHECK(f.log.size() == before + 1);
  CHECK(f.log.last().status == ExecStatus::kCancelled);
  f.fencer.answer("unregister", ok_status());
  f.settle();
  REQUIRE(f.log.size() == before + 2);
  CHECK(f.log.last().action == "stop");
  CHECK(f.log.last().rc == OcfRc::kOk);
  f.execute("monitor");
  f.settle();
  CHECK(f.log.last().rc == OcfRc::kNotRunning);
  CHECK(f.executor->idle());
}

TEST_CASE("executor stonith: a start the fencer refuses, fails or does not answer") {
  Fixture f;
  // No such agent: not installed, with the fencer's reason; no monitor.
  const auto& missing =
      f.answered("start", "register", Error(ErrorCode::kNotFound, "no such agent fence_ipmilan"));
  REQUIRE(f.log.size() == 1);
  CHECK(missing.rc == OcfRc::kNotInstalled);
  CHECK(missing.status == ExecStatus::kError);
  CHECK(missing.exit_reason == "no such agent fence_ipmilan");
  CHECK(f.fencer.calls.size() == 1);
  // Parameters the fencer refuses, or a device whose monitor fails.
  const auto& refused =
      f.answered("start", "register", Error(ErrorCode::kInvalidInput, "pcmk_delay_max: 'soon'"));
  CHECK(refused.rc == OcfRc::kUnknownError);
  CHECK(refused.exit_reason == "pcmk_delay_max: 'soon'");
  f.execute("start");
  f.settle();
  f.fencer.answer("register", ok_status());
  f.settle();
  f.fencer.answer("monitor", Error(ErrorCode::kFailed, "fence_ipmilan: exit code 1"));
  f.settle();
  CHECK(f.log.last().rc == OcfRc::kUnknownError);
  CHECK(f.probe() == OcfRc::kNotRunning);  // a failed start did not start it

  // The fencer does not answer in time: a timeout, and its late answer is
  // ignored (no monitor follows it).
  const std::size_t before = f.log.size();
  f.execute("start", 0ms, 5s);
  f.settle();
  const std::size_t slow = f.fencer.calls.size() - 1;
  f.clock.advance(5s);
  f.settle();
  REQUIRE(f.log.size() == before + 1);
  CHECK(f.log.last().status == ExecStatus::kTimeout);
  f.fencer.answer_at(slow, ok_status());
  f.settle();
  CHECK(f.log.size() == before + 1);
  CHECK(f.fencer.calls.size() == slow + 1);
  f.execute("monitor");  // the late success did not make it running
  f.settle();
  CHECK(f.log.last().rc == OcfRc::kNotRunning);
}

TEST_CASE("executor stonith: a stop of a device the fencer lost, no fencer, other actions") {
  Fixture f;
  f.start();
  // A monitor of a device the fencer does not have (it restarted): not running.
  CHECK(
      f.answered("monitor", "monitor", Error(ErrorCode::kNotFound, "'fence-ipmi' not active"), 10s)
          .rc == OcfRc::kNotRunning);
  f.executor->cancel_all_recurring("fence-ipmi");
  f.settle();
  // The fencer unreachable at stop: failed, as Pacemaker's executor does;
  // the device still counts as started.
  const auto& unreachable =
      f.answered("stop", "unregister", Error(ErrorCode::kIo, "vigil-stonithd: connection refused"));
  CHECK(unreachable.rc == OcfRc::kUnknownError);
  CHECK(unreachable.exit_reason == "vigil-stonithd: connection refused");
  CHECK(f.probe() == OcfRc::kOk);
  // A device the fencer does not know: stopped all the same.
  CHECK(
      f.answered("stop", "unregister", Error(ErrorCode::kNotFound, "no device 'fence-ipmi'")).rc ==
      OcfRc::kOk);
  CHECK(f.probe() == OcfRc::kNotRunning);

  f.execute("promote");
  f.settle();
  CHECK(f.log.last().rc == OcfRc::kUnimplementFeature);

  Fixture none(false);
  none.execute("monitor");
  none.execute("start");
  none.execute("stop");
  none.settle();
  REQUIRE(none.log.size() == 3);
  CHECK(none.log.results[0].rc == OcfRc::kNotRunning);
  CHECK(none.log.results[1].rc == OcfRc::kUnknownError);
  CHECK(none.log.results[1].exit_reason == "No connection to fencer");
  CHECK(none.log.results[2].rc == OcfRc::kUnknownError);
}
