// SPDX-License-Identifier: GPL-2.0-or-later
// Stonith resources (fence devices) in the executor, with a scripted fencer
// and a manual clock, as Pacemaker 2.1.5's executor runs them: nothing is
// spawned; probes answer from the last start or stop; start and monitor ask
// the fencer; stop succeeds; no fencer fails all but probes.
#include <catch2/catch.hpp>
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

// The fencer's monitor requests, answered when the test says.
class ScriptedFencer final : public FenceDevices {
 public:
  struct Call {
    std::string device;
    Duration timeout;
    std::function<void(Status)> done;
  };
  void monitor(const std::string& device, Duration timeout,
               std::function<void(Status)> done) override {
    calls.push_back({device, timeout, std::move(done)});
  }
  void answer(std::size_t i, Status st) {
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
  int execute(const std::string& action, Duration interval = 0ms, Duration timeout = 20s) {
    auto id = executor->execute(testing::request_of(
        "fence-ipmi", *parse_agent_spec("stonith:fence_ipmilan"), action, interval, timeout));
    REQUIRE(id);
    return *id;
  }
  void settle() { clock.run_due(); }
};

}  // namespace

TEST_CASE("executor stonith: probe, start through the fencer, monitor, stop") {
  Fixture f;
  f.execute("monitor");
  f.settle();
  REQUIRE(f.log.size() == 1);
  CHECK(f.log.last().rc == OcfRc::kNotRunning);  // never started here
  CHECK(f.log.last().status == ExecStatus::kDone);
  CHECK(f.fencer.calls.empty());  // a probe needs no fencer

  const int start = f.execute("start", 0ms, 30s);
  f.settle();
  REQUIRE(f.fencer.calls.size() == 1);
  CHECK(f.fencer.calls[0].device == "fence-ipmi");
  CHECK(f.fencer.calls[0].timeout == 30s);
  CHECK(f.log.size() == 1);  // waits for the fencer
  f.clock.advance(2s);
  f.fencer.answer(0, ok_status());
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
  REQUIRE(f.fencer.calls.size() == 2);
  f.fencer.answer(1, Error(ErrorCode::kFailed, "fence_ipmilan: unable to connect"));
  f.settle();
  CHECK(f.log.last().call_id == mon);
  CHECK(f.log.last().rc == OcfRc::kUnknownError);
  CHECK(f.log.last().status == ExecStatus::kError);
  CHECK(f.log.last().exit_reason == "fence_ipmilan: unable to connect");
  // Recurring: asked again after the interval.
  f.clock.advance(60s);
  f.settle();
  REQUIRE(f.fencer.calls.size() == 3);

  // Stop cancels the recurring monitor (its late answer is ignored) and
  // succeeds without asking the fencer.
  const std::size_t before = f.log.size();
  f.execute("stop");
  f.settle();
  f.fencer.answer(2, ok_status());
  f.settle();
  REQUIRE(f.log.size() == before + 2);
  CHECK(f.log.results[before].status == ExecStatus::kCancelled);
  CHECK(f.log.last().action == "stop");
  CHECK(f.log.last().rc == OcfRc::kOk);
  CHECK(f.fencer.calls.size() == 3);
  f.execute("monitor");
  f.settle();
  CHECK(f.log.last().rc == OcfRc::kNotRunning);
  CHECK(f.executor->idle());
}

TEST_CASE("executor stonith: unknown device, timeout, other actions, no fencer") {
  Fixture f;
  // The fencer reads the CIB itself and may learn of the device after the
  // start arrives: the start asks again every second, within its timeout.
  f.execute("start", 0ms, 3s);
  f.settle();
  f.fencer.answer(0, Error(ErrorCode::kNotFound, "no device 'fence-ipmi'"));
  f.settle();
  CHECK(f.log.size() == 0);
  f.clock.advance(1s);
  f.settle();
  REQUIRE(f.fencer.calls.size() == 2);
  f.fencer.answer(1, ok_status());
  f.settle();
  REQUIRE(f.log.size() == 1);
  CHECK(f.log.last().rc == OcfRc::kOk);
  f.execute("stop");
  f.settle();
  // Never known within the timeout: not installed, with the fencer's reason.
  f.execute("start", 0ms, 3s);
  f.settle();
  for (int i = 0; i < 3; ++i) {
    f.fencer.answer(f.fencer.calls.size() - 1,
                    Error(ErrorCode::kNotFound, "no device 'fence-ipmi'"));
    f.settle();
    f.clock.advance(1s);
    f.settle();
  }
  CHECK(f.log.last().action == "start");
  CHECK(f.log.last().rc == OcfRc::kNotInstalled);
  CHECK(f.log.last().status == ExecStatus::kError);
  CHECK(f.log.last().exit_reason == "no device 'fence-ipmi'");
  const std::size_t asked = f.fencer.calls.size();
  f.clock.advance(5s);
  f.settle();
  CHECK(f.fencer.calls.size() == asked);  // no more asking once it is over
  // A monitor of a device the fencer does not have: not running.
  f.execute("monitor", 10s);
  f.settle();
  f.fencer.answer(f.fencer.calls.size() - 1, Error(ErrorCode::kNotFound, "no device 'fence-ipmi'"));
  f.settle();
  CHECK(f.log.last().rc == OcfRc::kNotRunning);

  // The fencer does not answer in time: a timeout, and its late answer is
  // ignored.
  f.executor->cancel_all_recurring("fence-ipmi");
  f.settle();
  const std::size_t before = f.log.size();
  f.execute("start", 0ms, 5s);
  f.settle();
  const std::size_t slow = f.fencer.calls.size() - 1;
  f.clock.advance(5s);
  f.settle();
  REQUIRE(f.log.size() == before + 1);
  CHECK(f.log.last().status == ExecStatus::kTimeout);
  f.fencer.answer(slow, ok_status());
  f.settle();
  CHECK(f.log.size() == before + 1);
  f.execute("monitor");  // the late success did not make it running
  f.settle();
  CHECK(f.log.last().rc == OcfRc::kNotRunning);

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
