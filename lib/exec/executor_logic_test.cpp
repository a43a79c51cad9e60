// SPDX-License-Identifier: GPL-2.0-or-later
// The executor's rules with a scripted spawner and a manual clock: exact,
// instant, and no process involved.
#include <signal.h>

#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "test_support.hpp"
#include "vigil/exec/executor.hpp"

using namespace vigil;
using namespace vigil::exec;
using namespace std::chrono_literals;

namespace {

// One scripted child. The test decides when and how it exits.
struct FakeChild {
  SpawnRequest request;
  ExitHandler on_exit;
  std::vector<int> signals;
  bool group_alive = true;
  bool handle_alive = true;  // false once the executor dropped the Process
  bool exited = false;
  pid_t pid = 0;
};

class FakeProcess final : public Process {
 public:
  explicit FakeProcess(std::shared_ptr<FakeChild> c) : c_(std::move(c)) {}
  ~FakeProcess() override { c_->handle_alive = false; }
  pid_t pid() const override { return c_->pid; }
  void signal(int signo) override { c_->signals.push_back(signo); }
  void signal_group(int signo) override { c_->signals.push_back(signo); }
  bool group_alive() const override { return c_->group_alive; }

 private:
  std::shared_ptr<FakeChild> c_;
};

class FakeSpawner final : public Spawner {
 public:
  Spawned spawn(const SpawnRequest& request, ExitHandler on_exit) override {
    Spawned s;
    if (fail_with != 0) {
      s.error = fail_with;
      s.message = request.path + ": scripted failure";
      return s;
    }
    auto c = std::make_shared<FakeChild>();
    c->request = request;
    c->on_exit = std::move(on_exit);
    c->pid = 1000 + static_cast<pid_t>(children.size());
    children.push_back(c);
    s.process = std::make_unique<FakeProcess>(c);
    return s;
  }

  // The child's leader exits (as the loop would report it).
  void exit(std::size_t i, int code, std::string out = {}, std::string err = {}) {
    auto& c = *children.at(i);
    REQUIRE(c.handle_alive);
    REQUIRE_FALSE(c.exited);
    c.exited = true;
    ProcessExit e;
    e.code = code;
    e.pid = c.pid;
    e.out = std::move(out);
    e.err = std::move(err);
    e.out_bytes = e.out.size();
    auto handler = std::move(c.on_exit);
    handler(std::move(e));
  }
  void kill(std::size_t i, int signo) {
    auto& c = *children.at(i);
    c.exited = true;
    ProcessExit e;
    e.kind = ProcessExit::Kind::kSignaled;
    e.code = signo;
    e.pid = c.pid;
    auto handler = std::move(c.on_exit);
    handler(std::move(e));
  }
  std::string action(std::size_t i) const { return children.at(i)->request.argv.at(1); }

  std::vector<std::shared_ptr<FakeChild>> children;
  int fail_with = 0;
};

struct Fixture {
  ManualClock clock;
  FakeSpawner spawner;
  testing::ResultLog log;
  std::unique_ptr<Executor> executor;

  explicit Fixture(Duration grace = 1000ms) {
    ExecutorOptions options;
    options.paths.ocf_root = "/ocf";
    options.kill_grace = grace;
    options.inherit_environment = false;
    options.environment = {"PATH=/bin"};
    executor = std::make_unique<Executor>(clock, spawner, options, log.callback());
  }

  int execute(const std::string& rsc, const std::string& action, Duration interval = 0ms,
              Duration timeout = 10s) {
    auto id = executor->execute(
        testing::request_of(rsc, {AgentClass::kOcf, "vigil", "dummy"}, action, interval, timeout));
    REQUIRE(id);
    return *id;
  }
  void settle() { clock.run_due(); }
};

}  // namespace

TEST_CASE("executor: one result per operation, never from inside execute()") {
  Fixture f;
  const int id = f.execute("web", "start");
  CHECK(f.spawner.children.empty());  // started from the loop
  f.settle();
  REQUIRE(f.spawner.children.size() == 1);
  CHECK(f.spawner.children[0]->request.path == "/ocf/resource.d/vigil/dummy");
  f.clock.advance(250ms);
  f.spawner.exit(0, 0, "started\n");
  CHECK(f.log.size() == 0);  // delivered from the loop, too
  f.settle();
  REQUIRE(f.log.size() == 1);
  const auto& r = f.log.last();
  CHECK(r.call_id == id);
  CHECK(r.rsc_id == "web");
  CHECK(r.action == "start");
  CHECK(r.rc == OcfRc::kOk);
  CHECK(r.status == ExecStatus::kDone);
  CHECK(r.exec_time == 250ms);
  CHECK(r.queue_time == 0ms);
  CHECK(r.output == "started\n");
  CHECK(r.pid == 1000);
  CHECK_FALSE(f.spawner.children[0]->handle_alive);
  CHECK(f.executor->idle());
}

TEST_CASE("executor: one operation at a time per resource, resources in parallel") {
  Fixture f;
  f.execute("web", "start");
  f.execute("web", "monitor");
  f.execute("db", "start");
  f.settle();
  REQUIRE(f.spawner.children.size() == 2);  // web start and db start
  CHECK(f.executor->running() == 2);
  f.clock.advance(100ms);
  f.spawner.exit(0, 0);
  f.settle();
  REQUIRE(f.spawner.children.size() == 3);  // now web monitor
  CHECK(f.spawner.action(2) == "monitor");
  f.spawner.exit(2, 7);
  f.spawner.exit(1, 1, "", "ocf-exit-reason:no database\n");
  f.settle();
  REQUIRE(f.log.size() == 3);
  CHECK(f.log.results[1].action == "monitor");
  CHECK(f.log.results[1].rc == OcfRc::kNotRunning);
  CHECK(f.log.results[1].queue_time == 100ms);  // waited for the start
  CHECK(f.log.results[2].rsc_id == "db");
  CHECK(f.log.results[2].exit_reason == "no database");
}

TEST_CASE("executor: timeout sends SIGTERM, then SIGKILL to what is left") {
  Fixture f(1000ms);
  f.execute("web", "start", 0ms, 5s);
  f.settle();
  auto& child = *f.spawner.children.at(0);
  f.clock.advance(4999ms);
  CHECK(child.signals.empty());
  f.clock.advance(1ms);
  CHECK(child.signals == std::vector<int>{SIGTERM});

  SECTION("the agent dies on SIGTERM and leaves nothing: reported at once") {
    child.group_alive = false;
    f.clock.advance(10ms);
    f.spawner.kill(0, SIGTERM);
    f.settle();
    REQUIRE(f.log.size() == 1);
    CHECK(f.log.last().status == ExecStatus::kTimeout);
    CHECK(f.log.last().rc == OcfRc::kUnknownError);
    CHECK(f.log.last().exec_time == 5010ms);
    CHECK(child.signals == std::vector<int>{SIGTERM});
  }
  SECTION("the agent dies but a child ignores SIGTERM: SIGKILL after the grace") {
    f.spawner.kill(0, SIGTERM);
    f.settle();
    CHECK(f.log.size() == 0);
    f.clock.advance(999ms);
    CHECK(f.log.size() == 0);
    f.clock.advance(1ms);
    CHECK(child.signals == std::vector<int>{SIGTERM, SIGKILL});
    f.settle();
    REQUIRE(f.log.size() == 1);
    CHECK(f.log.last().status == ExecStatus::kTimeout);
    CHECK(f.log.last().exec_time == 6000ms);
  }
  SECTION("the agent ignores SIGTERM: SIGKILL after the grace, reported on exit") {
    f.clock.advance(1000ms);
    CHECK(child.signals == std::vector<int>{SIGTERM, SIGKILL});
    CHECK(f.log.size() == 0);
    f.spawner.kill(0, SIGKILL);
    f.settle();
    REQUIRE(f.log.size() == 1);
    CHECK(f.log.last().status == ExecStatus::kTimeout);
    CHECK(f.log.last().exit_reason == "Resource agent did not complete within 5s");
  }
  CHECK(f.executor->running() == 0);
}

TEST_CASE("executor: recurring operations report the first result and changes only") {
  Fixture f;
  const int id = f.execute("web", "monitor", 10s);
  f.settle();
  std::vector<int> codes = {0, 0, 0, 7, 7, 0, 1, 1};
  for (std::size_t i = 0; i < codes.size(); ++i) {
    REQUIRE(f.spawner.children.size() == i + 1);
    f.clock.advance(100ms);
    f.spawner.exit(i, codes[i]);
    f.settle();
    f.clock.advance(9999ms);
    CHECK(f.spawner.children.size() == i + 1);  // the interval runs from completion
    f.clock.advance(1ms);
    f.settle();
  }
  const auto results = f.log.for_call(id);
  REQUIRE(results.size() == 4);
  CHECK(results[0].rc == OcfRc::kOk);
  CHECK(results[1].rc == OcfRc::kNotRunning);
  CHECK(results[2].rc == OcfRc::kOk);
  CHECK(results[3].rc == OcfRc::kUnknownError);
  // last-rc-change is the run that changed the result, last-run the latest.
  CHECK(results[1].rc_changed_at == results[1].run_at);
  CHECK(results[1].queue_time == 0ms);
  CHECK(f.executor->recurring() == 1);
}

TEST_CASE("executor: report_every_result reports each run") {
  Fixture f;
  OperationRequest r;
  r.rsc_id = "web";
  r.agent = {AgentClass::kOcf, "vigil", "dummy"};
  r.action = "monitor";
  r.interval = 1s;
  r.report_every_result = true;
  REQUIRE(f.executor->execute(r));
  for (std::size_t i = 0; i < 3; ++i) {
    f.settle();
    f.spawner.exit(i, 0);
    f.settle();
    f.clock.advance(1s);
  }
  CHECK(f.log.size() == 3);
}

TEST_CASE("executor: cancelling recurring operations") {
  Fixture f;
  const int id = f.execute("web", "monitor", 10s);
  f.settle();
  f.spawner.exit(0, 0);
  f.settle();
  REQUIRE(f.log.size() == 1);

  SECTION("while waiting for the next run: reported at once, never runs again") {
    REQUIRE(f.executor->cancel("web", "monitor", 10s));
    CHECK(f.log.size() == 1);  // not from inside cancel()
    f.settle();
    REQUIRE(f.log.size() == 2);
    CHECK(f.log.last().call_id == id);
    CHECK(f.log.last().status == ExecStatus::kCancelled);
    CHECK(f.log.last().rc == OcfRc::kOk);
    f.clock.advance(60s);
    CHECK(f.spawner.children.size() == 1);
  }
  SECTION("while running: killed with SIGKILL, reported when gone") {
    f.clock.advance(10s);
    f.settle();
    REQUIRE(f.spawner.children.size() == 2);
    REQUIRE(f.executor->cancel("web", "monitor", 10s));
    CHECK(f.spawner.children[1]->signals == std::vector<int>{SIGKILL});
    CHECK(f.executor->recurring() == 0);
    f.spawner.kill(1, SIGKILL);
    f.settle();
    REQUIRE(f.log.size() == 2);
    CHECK(f.log.last().status == ExecStatus::kCancelled);
    f.clock.advance(60s);
    CHECK(f.spawner.children.size() == 2);
  }
  SECTION("unknown operations are not found") {
    auto st = f.executor->cancel("web", "monitor", 20s);
    REQUIRE_FALSE(st);
    CHECK(st.error().code() == vigil::ErrorCode::kNotFound);
    CHECK_FALSE(f.executor->cancel("nosuch", "monitor", 10s));
  }
  CHECK(f.executor->idle() == (f.executor->recurring() == 0 && f.log.size() == 2));
}

TEST_CASE("executor: a stop cancels the resource's recurring operations first") {
  Fixture f;
  const int mon = f.execute("web", "monitor", 10s);
  const int other = f.execute("db", "monitor", 10s);
  f.settle();
  f.spawner.exit(0, 0);
  f.spawner.exit(1, 0);
  f.settle();
  const int stop = f.execute("web", "stop");
  f.settle();
  REQUIRE(f.spawner.children.size() == 3);
  CHECK(f.spawner.action(2) == "stop");
  f.spawner.exit(2, 0);
  f.settle();
  REQUIRE(f.log.size() == 4);
  CHECK(f.log.results[2].call_id == mon);
  CHECK(f.log.results[2].status == ExecStatus::kCancelled);
  CHECK(f.log.results[3].call_id == stop);
  CHECK(f.executor->recurring() == 1);  // db's monitor is untouched
  f.clock.advance(10s);
  f.settle();
  REQUIRE(f.spawner.children.size() == 4);
  CHECK(f.spawner.children[3]->request.argv[1] == "monitor");
  (void)other;
}

TEST_CASE("executor: the same recurring operation again replaces it") {
  Fixture f;
  const int first = f.execute("web", "monitor", 10s);
  f.settle();
  f.spawner.exit(0, 0);
  f.settle();
  const int second = f.execute("web", "monitor", 10s);
  CHECK(second != first);
  f.settle();
  REQUIRE(f.spawner.children.size() == 2);  // runs now, not in 10 s
  f.spawner.exit(1, 0);
  f.settle();
  REQUIRE(f.log.size() == 2);  // same result, but the first of the new call
  CHECK(f.log.last().call_id == second);
  CHECK(f.executor->recurring() == 1);
}

TEST_CASE("executor: a start delay holds the resource's queue") {
  Fixture f;
  OperationRequest r;
  r.rsc_id = "web";
  r.agent = {AgentClass::kOcf, "vigil", "dummy"};
  r.action = "monitor";
  r.interval = 10s;
  r.start_delay = 3s;
  REQUIRE(f.executor->execute(r));
  f.execute("web", "notify");
  f.execute("db", "start");
  f.settle();
  REQUIRE(f.spawner.children.size() == 1);  // db only
  f.clock.advance(3s);
  REQUIRE(f.spawner.children.size() == 2);
  CHECK(f.spawner.action(1) == "monitor");
  f.spawner.exit(1, 0);
  f.settle();
  REQUIRE(f.spawner.children.size() == 3);
  CHECK(f.spawner.action(2) == "notify");
}

TEST_CASE("executor: agents that cannot start are results, bad requests are errors") {
  Fixture f;
  f.spawner.fail_with = ENOENT;
  const int id = f.execute("web", "start");
  f.settle();
  REQUIRE(f.log.size() == 1);
  CHECK(f.log.last().call_id == id);
  CHECK(f.log.last().rc == OcfRc::kNotInstalled);
  CHECK(f.log.last().status == ExecStatus::kNotInstalled);
  CHECK(f.log.last().exit_reason == "/ocf/resource.d/vigil/dummy: scripted failure");
  CHECK(f.log.last().pid == 0);

  OperationRequest bad;
  bad.rsc_id = "web";
  bad.agent = {AgentClass::kOcf, "vigil", "../../bin/sh"};
  bad.action = "start";
  auto res = f.executor->execute(bad);
  REQUIRE_FALSE(res);
  CHECK(res.error().message().rfind("execute: ", 0) == 0);

  // Generated meta-data: no process at all.
  OperationRequest meta;
  meta.rsc_id = "w";
  meta.agent = {AgentClass::kSystemd, "", "nginx"};
  meta.action = "meta-data";
  REQUIRE(f.executor->execute(meta));
  f.settle();
  REQUIRE(f.log.size() == 2);
  CHECK(f.log.last().rc == OcfRc::kOk);
  CHECK(f.log.last().output.find("<resource-agent") != std::string::npos);
}

TEST_CASE("executor: the result callback may queue more operations") {
  ManualClock clock;
  FakeSpawner spawner;
  std::vector<std::string> seen;
  std::unique_ptr<Executor> executor;
  ExecutorOptions options;
  options.inherit_environment = false;
  executor = std::make_unique<Executor>(clock, spawner, options, [&](const OperationResult& r) {
    seen.push_back(r.action);
    if (r.action == "start") {
      OperationRequest next;
      next.rsc_id = r.rsc_id;
      next.agent = r.agent;
      next.action = "monitor";
      REQUIRE(executor->execute(next));
    }
  });
  OperationRequest start;
  start.rsc_id = "web";
  start.agent = {AgentClass::kOcf, "vigil", "dummy"};
  start.action = "start";
  REQUIRE(executor->execute(start));
  clock.run_due();
  spawner.exit(0, 0);
  clock.run_due();
  REQUIRE(spawner.children.size() == 2);
  spawner.exit(1, 7);
  clock.run_due();
  CHECK(seen == std::vector<std::string>{"start", "monitor"});
}

TEST_CASE("executor: destroying it kills what runs and reports nothing more") {
  Fixture f;
  f.execute("web", "start");
  f.execute("db", "monitor", 5s);
  f.settle();
  REQUIRE(f.spawner.children.size() == 2);
  f.executor.reset();
  CHECK_FALSE(f.spawner.children[0]->handle_alive);
  CHECK_FALSE(f.spawner.children[1]->handle_alive);
  f.clock.advance(60s);
  CHECK(f.log.size() == 0);
  CHECK(f.clock.pending_timers() == 0);
}
