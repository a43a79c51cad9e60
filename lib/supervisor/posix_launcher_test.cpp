// SPDX-License-Identifier: GPL-2.0-or-later
// The supervisor over real processes: /bin/sleep children, a respawn after
// a kill, and a clean stop, all by pid; what a child inherits.
#include "vigil/supervisor/posix_launcher.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>

#include "vigil/supervisor/supervisor.hpp"

using namespace vigil;
using namespace vigil::supervisor;
using namespace std::chrono_literals;

namespace {

bool process_exists(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

// Runs the loop until `done` or `limit` has passed.
template <typename Pred>
bool run_until(boost::asio::io_context& io, Pred done, std::chrono::milliseconds limit = 10s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.run_for(20ms);
    io.restart();
  }
  return done();
}

}  // namespace

TEST_CASE("posix launcher: start, signal, reap; nothing else is touched") {
  boost::asio::io_context io;
  PosixLauncher launcher(io);
  std::vector<std::pair<pid_t, int>> exits;
  launcher.set_exit_handler([&](pid_t pid, int status) { exits.emplace_back(pid, status); });
  auto pid = launcher.start({"/bin/sleep", {"30"}});
  REQUIRE(pid);
  CHECK(process_exists(*pid));
  CHECK(::getpgid(*pid) == *pid);            // its own process group
  CHECK_FALSE(launcher.signal(1, SIGTERM));  // not ours: refused
  CHECK_FALSE(launcher.signal(::getpid(), SIGTERM));
  REQUIRE(launcher.signal(*pid, SIGTERM));
  REQUIRE(run_until(io, [&] { return !exits.empty(); }));
  CHECK(exits[0].first == *pid);
  CHECK(WIFSIGNALED(exits[0].second));
  CHECK(WTERMSIG(exits[0].second) == SIGTERM);
  CHECK_FALSE(launcher.signal(*pid, SIGTERM));  // reaped: no longer ours

  auto missing = launcher.start({"/nonexistent/vigil-daemon", {}});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == ErrorCode::kNotFound);
}

TEST_CASE("posix launcher: a child gets our environment and stdio, no other descriptor") {
  boost::asio::io_context io;
  PosixLauncher launcher(io);
  std::vector<std::pair<pid_t, int>> exits;
  launcher.set_exit_handler([&](pid_t pid, int status) { exits.emplace_back(pid, status); });
  ::setenv("VIGIL_LAUNCHER_TEST", "inherited", 1);
  int leaked[2];
  REQUIRE(::pipe(leaked) == 0);  // no O_CLOEXEC: the spawner must close it anyway
  const std::string fd = std::to_string(leaked[1]);
  auto pid = launcher.start({"/bin/sh",
                             {"-c",
                              "[ \"$VIGIL_LAUNCHER_TEST\" = inherited ] || exit 1; "
                              "[ -e /proc/$$/fd/2 ] || exit 2; "
                              "[ -e /proc/$$/fd/" +
                                  fd + " ] && exit 3; exit 7"}});
  ::unsetenv("VIGIL_LAUNCHER_TEST");
  ::close(leaked[0]);
  ::close(leaked[1]);
  REQUIRE(pid);
  REQUIRE(run_until(io, [&] { return !exits.empty(); }));
  CHECK(exits[0].first == *pid);
  REQUIRE(WIFEXITED(exits[0].second));
  CHECK(WEXITSTATUS(exits[0].second) == 7);
}

TEST_CASE("posix launcher: readiness is a real connect") {
  boost::asio::io_context io;
  PosixLauncher launcher(io);
  const std::string path = "/tmp/vigil-launcher-test-" + std::to_string(::getpid()) + ".sock";
  ::unlink(path.c_str());
  CHECK_FALSE(launcher.accepting(path));
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  CHECK_FALSE(launcher.accepting(path));  // bound, not listening
  REQUIRE(::listen(fd, 4) == 0);
  CHECK(launcher.accepting(path));
  ::close(fd);
  ::unlink(path.c_str());
}

TEST_CASE("supervisor over real processes: respawn after a kill, clean stop by pid") {
  boost::asio::io_context io;
  AsioClock clock(io);
  PosixLauncher launcher(io);
  SupervisorOptions o;
  for (const char* name : {"first", "second"}) {
    ChildSpec c;
    c.name = name;
    c.launch = {"/bin/sleep", {"300"}};
    o.children.push_back(c);
  }
  o.backoff_initial = 50ms;
  o.stop_timeout = 5s;
  Supervisor sup(clock, launcher, o, nullptr);
  sup.start();
  REQUIRE(run_until(io, [&] { return sup.all_ready(); }));
  const pid_t first = sup.status()[0].pid;
  const pid_t second = sup.status()[1].pid;
  REQUIRE(first > 0);
  REQUIRE(second > 0);
  REQUIRE(::kill(first, SIGKILL) == 0);
  REQUIRE(run_until(io, [&] {
    auto s = sup.status();
    return s[0].restarts == 1 && s[0].state == ChildState::kRunning;
  }));
  const pid_t respawned = sup.status()[0].pid;
  CHECK(respawned != first);
  CHECK(process_exists(respawned));
  CHECK(sup.status()[1].pid == second);  // untouched

  bool stopped = false;
  sup.stop([&] { stopped = true; });
  REQUIRE(run_until(io, [&] { return stopped; }));
  CHECK_FALSE(process_exists(respawned));
  CHECK_FALSE(process_exists(second));
  for (const auto& s : sup.status()) {
    CHECK(s.pid == 0);
    CHECK(s.state == ChildState::kStopped);
  }
}
