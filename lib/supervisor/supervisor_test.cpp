// SPDX-License-Identifier: GPL-2.0-or-later
// The supervisor's rules with a fake launcher and a manual clock.
#include "vigil/supervisor/supervisor.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>

using namespace vigil;
using namespace vigil::supervisor;
using namespace std::chrono_literals;

namespace {

class FakeLauncher final : public Launcher {
 public:
  Result<pid_t> start(const LaunchRequest& request) override {
    if (missing.count(request.path) != 0) {
      return Error(ErrorCode::kNotFound, request.path + ": No such file or directory");
    }
    const pid_t pid = next_pid++;
    alive[pid] = request.path;
    started.push_back(request.path);
    return pid;
  }
  Status signal(pid_t pid, int signo) override {
    if (alive.count(pid) == 0) return Error(ErrorCode::kNotFound, "not ours");
    signals.emplace_back(pid, signo);
    return ok_status();
  }
  bool accepting(const std::string& socket_path) override {
    return listening.count(socket_path) != 0;
  }
  void set_exit_handler(ExitHandler handler) override { on_exit = std::move(handler); }

  // The process `path` ends with `status` (a wait status).
  void exit(pid_t pid, int status) {
    REQUIRE(alive.count(pid) == 1);
    alive.erase(pid);
    on_exit(pid, status);
  }
  pid_t pid_of(const std::string& path) const {
    for (const auto& [pid, p] : alive) {
      if (p == path) return pid;
    }
    return 0;
  }
  int signals_to(pid_t pid, int signo) const {
    int n = 0;
    for (const auto& [p, s] : signals) n += (p == pid && s == signo) ? 1 : 0;
    return n;
  }

  pid_t next_pid = 100;
  std::map<pid_t, std::string> alive;
  std::vector<std::string> started;
  std::vector<std::pair<pid_t, int>> signals;
  std::set<std::string> listening;
  std::set<std::string> missing;
  ExitHandler on_exit;
};

constexpr int kExit1 = 1 << 8;    // wait status of exit(1)
constexpr int kSegv = SIGSEGV;    // wait status of a SIGSEGV death
constexpr int kTermed = SIGTERM;  // wait status of a SIGTERM death

SupervisorOptions four_daemons() {
  SupervisorOptions o;
  for (const char* name : {"cib", "lrmd", "pengine", "crmd"}) {
    ChildSpec c;
    c.name = name;
    c.launch.path = std::string("/bin/") + name;
    c.socket_path = std::string("/run/") + name + ".sock";
    o.children.push_back(c);
  }
  o.children[0].dependants = {"crmd"};
  o.ready_poll = 100ms;
  o.ready_timeout = 5s;
  o.stop_timeout = 10s;
  o.backoff_initial = 1s;
  o.backoff_max = 8s;
  o.max_restarts = 3;
  o.crash_window = 60s;
  return o;
}

struct Fixture {
  ManualClock clock;
  FakeLauncher launcher;
  std::vector<std::string> log;
  Supervisor sup;
  std::string fatal;

  explicit Fixture(SupervisorOptions o = four_daemons())
      : sup(clock, launcher, std::move(o),
            [this](LogLevel, std::string_view l) { log.emplace_back(l); }) {
    sup.set_fatal_handler([this](const std::string& why) { fatal = why; });
  }
  void ready(const std::string& name) { launcher.listening.insert("/run/" + name + ".sock"); }
  void start_all() {
    sup.start();
    for (const char* n : {"cib", "lrmd", "pengine", "crmd"}) {
      ready(n);
      clock.advance(100ms);
    }
    REQUIRE(sup.all_ready());
  }
  pid_t pid(const std::string& name) { return launcher.pid_of("/bin/" + name); }
};

}  // namespace

TEST_CASE("supervisor: children start in order, each once the previous one accepts connections") {
  Fixture f;
  f.sup.start();
  CHECK(f.launcher.started == std::vector<std::string>{"/bin/cib"});
  f.clock.advance(1s);  // cib not listening yet: nothing else starts
  CHECK(f.launcher.started.size() == 1);
  f.ready("cib");
  f.clock.advance(100ms);
  CHECK(f.launcher.started == std::vector<std::string>{"/bin/cib", "/bin/lrmd"});
  f.ready("lrmd");
  f.ready("pengine");
  f.clock.advance(100ms);
  f.clock.advance(100ms);
  CHECK(f.launcher.started.size() == 4);
  CHECK_FALSE(f.sup.all_ready());
  f.ready("crmd");
  f.clock.advance(100ms);
  CHECK(f.sup.all_ready());
  auto st = f.sup.status();
  REQUIRE(st.size() == 4);
  CHECK(st[3].name == "crmd");
  CHECK(st[3].state == ChildState::kRunning);
  CHECK(st[3].pid == f.pid("crmd"));
  CHECK(format_status(st).find("crmd " + std::to_string(st[3].pid) + " running 0 0\n") !=
        std::string::npos);
}

TEST_CASE("supervisor: a crashed child comes back after a growing back-off") {
  Fixture f;
  f.start_all();
  const pid_t first = f.pid("pengine");
  f.launcher.exit(first, kSegv);
  CHECK(f.sup.status()[2].state == ChildState::kBackoff);
  f.clock.advance(999ms);
  CHECK(f.pid("pengine") == 0);
  f.clock.advance(1ms);  // 1 s back-off
  const pid_t second = f.pid("pengine");
  CHECK(second != 0);
  CHECK(second != first);
  f.clock.advance(100ms);  // still listening: ready again
  CHECK(f.sup.all_ready());
  CHECK(f.sup.status()[2].restarts == 1);
  CHECK(f.sup.status()[2].last_exit == kSegv);

  f.launcher.exit(second, kExit1);  // second crash in the window: 2 s
  f.clock.advance(1s);
  CHECK(f.pid("pengine") == 0);
  f.clock.advance(1s);
  CHECK(f.pid("pengine") != 0);
  // The other children were left alone.
  CHECK(f.launcher.signals.empty());
}

TEST_CASE("supervisor: a crash of the CIB restarts the controller after it") {
  Fixture f;
  f.start_all();
  const pid_t crmd = f.pid("crmd");
  const pid_t lrmd = f.pid("lrmd");
  f.launcher.listening.erase("/run/cib.sock");
  f.launcher.exit(f.pid("cib"), kSegv);
  CHECK(f.launcher.signals_to(crmd, SIGTERM) == 1);
  CHECK(f.launcher.signals_to(lrmd, SIGTERM) == 0);  // not a dependant
  f.launcher.exit(crmd, kTermed);
  CHECK(f.sup.status()[3].state == ChildState::kStopped);
  f.clock.advance(1s);  // cib respawned
  CHECK(f.pid("cib") != 0);
  f.clock.advance(500ms);
  CHECK(f.pid("crmd") == 0);  // waits for the CIB to be ready
  f.ready("cib");
  f.clock.advance(100ms);
  CHECK(f.pid("crmd") != 0);
  f.clock.advance(100ms);
  CHECK(f.sup.all_ready());
  CHECK(f.sup.status()[3].restarts == 0);  // a dependant's restart is no crash
}

TEST_CASE("supervisor: too many crashes in the window stop everything") {
  Fixture f;
  f.start_all();
  for (int i = 0; i < 3; ++i) {
    f.launcher.exit(f.pid("lrmd"), kSegv);
    f.clock.advance(10s);  // back-offs 1, 2, 4 s
    REQUIRE(f.pid("lrmd") != 0);
  }
  CHECK(f.fatal.empty());
  f.launcher.exit(f.pid("lrmd"), kSegv);  // 4th within 60 s, max_restarts 3
  // Stopped in reverse order, one at a time.
  const pid_t crmd = f.pid("crmd"), pengine = f.pid("pengine"), cib = f.pid("cib");
  CHECK(f.launcher.signals_to(crmd, SIGTERM) == 1);
  CHECK(f.launcher.signals_to(pengine, SIGTERM) == 0);
  f.launcher.exit(crmd, kTermed);
  CHECK(f.launcher.signals_to(pengine, SIGTERM) == 1);
  f.launcher.exit(pengine, kTermed);
  CHECK(f.launcher.signals_to(cib, SIGTERM) == 1);
  f.launcher.exit(cib, kTermed);
  CHECK(f.fatal.empty());  // told from the loop
  f.clock.run_due();
  CHECK(f.fatal.find("lrmd failed 4 times within 60 s") != std::string::npos);
  CHECK(f.sup.fatal_exit_code() == 1);
  CHECK(f.launcher.alive.empty());
  f.clock.advance(60s);
  CHECK(f.launcher.alive.empty());  // nothing respawned
}

TEST_CASE("supervisor: crashes older than the window are forgotten") {
  Fixture f;
  f.start_all();
  for (int i = 0; i < 6; ++i) {
    f.launcher.exit(f.pid("lrmd"), kSegv);
    f.clock.advance(30s);
    REQUIRE(f.pid("lrmd") != 0);
  }
  CHECK(f.fatal.empty());
}

TEST_CASE("supervisor: stop is SIGTERM in reverse order, SIGKILL when it does not work") {
  Fixture f;
  f.start_all();
  bool done = false;
  f.sup.stop([&] { done = true; });
  const pid_t crmd = f.pid("crmd");
  CHECK(f.launcher.signals_to(crmd, SIGTERM) == 1);
  f.clock.advance(9s);
  CHECK(f.launcher.signals_to(crmd, SIGKILL) == 0);
  f.clock.advance(1s);
  CHECK(f.launcher.signals_to(crmd, SIGKILL) == 1);
  f.launcher.exit(crmd, SIGKILL);
  for (const char* n : {"pengine", "lrmd", "cib"}) {
    const pid_t p = f.pid(n);
    CHECK(f.launcher.signals_to(p, SIGTERM) == 1);
    f.launcher.exit(p, 0);
  }
  CHECK_FALSE(done);
  f.clock.run_due();
  CHECK(done);
  CHECK(f.fatal.empty());
  // Every signal went to a pid the launcher had started and not reaped.
  for (const auto& [pid, sig] : f.launcher.signals) CHECK(pid >= 100);
}

TEST_CASE("supervisor: a child that never gets ready is killed and counts as a crash") {
  Fixture f;
  f.sup.start();
  const pid_t cib = f.pid("cib");
  f.clock.advance(5s);
  CHECK(f.launcher.signals_to(cib, SIGKILL) == 1);
  f.launcher.exit(cib, SIGKILL);
  CHECK(f.sup.status()[0].state == ChildState::kBackoff);
  bool mentioned = false;
  for (const auto& l : f.log) mentioned |= l.find("child-not-ready child=cib") != std::string::npos;
  CHECK(mentioned);
}

TEST_CASE("supervisor: a binary that cannot start is a crash too") {
  auto o = four_daemons();
  o.max_restarts = 1;
  Fixture f(o);
  f.launcher.missing.insert("/bin/cib");
  f.sup.start();
  CHECK(f.sup.status()[0].state == ChildState::kBackoff);
  f.clock.advance(1s);
  f.clock.run_due();
  CHECK(f.fatal.find("cib failed 2 times") != std::string::npos);
  CHECK(f.fatal.find("No such file") != std::string::npos);
  CHECK(f.launcher.started.empty());
}

TEST_CASE("supervisor: a child's fatal exit code stops everything at once") {
  Fixture f;
  f.start_all();
  CHECK(f.sup.fatal_exit_code() == 0);
  const pid_t crmd = f.pid("crmd");
  f.launcher.exit(f.pid("pengine"), 78 << 8);  // EX_CONFIG
  CHECK(f.launcher.signals_to(crmd, SIGTERM) == 1);
  f.launcher.exit(crmd, kTermed);
  const pid_t lrmd = f.pid("lrmd");
  f.launcher.exit(lrmd, kTermed);
  f.launcher.exit(f.pid("cib"), kTermed);
  f.clock.run_due();
  CHECK(f.fatal.find("pengine exited with status 78") != std::string::npos);
  CHECK(f.sup.fatal_exit_code() == 78);
  f.clock.advance(60s);
  CHECK(f.launcher.alive.empty());
  CHECK(f.sup.status()[2].restarts == 0);
}
