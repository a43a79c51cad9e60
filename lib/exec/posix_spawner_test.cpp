// SPDX-License-Identifier: GPL-2.0-or-later
// PosixSpawner against real processes (/bin/sh), every wait bounded.
#include "vigil/exec/posix_spawner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <optional>

#include "test_support.hpp"
#include "vigil/exec/unique_fd.hpp"

using namespace vigil;
using namespace vigil::exec;
using namespace std::chrono_literals;
using vigil::exec::testing::run_until;

namespace {

SpawnRequest sh(const std::string& script, std::size_t limit = 64 * 1024) {
  SpawnRequest r;
  r.path = "/bin/sh";
  r.argv = {"sh", "-c", script};
  r.env = {"PATH=/usr/bin:/bin", "MARK=vigil"};
  r.output_limit = limit;
  return r;
}

struct Run {
  Spawned spawned;
  std::optional<ProcessExit> exit;
};

// An exit handler that keeps the exit in `slot`.
ExitHandler into(std::optional<ProcessExit>& slot) {
  return [&slot](ProcessExit e) { slot = std::move(e); };
}

// Waits (bounded) until a script has written a pid into `file`.
pid_t pid_written(boost::asio::io_context& io, const std::string& file) {
  REQUIRE(run_until(io, [&] { return testing::read_file(file).size() > 1; }));
  return std::stoi(testing::read_file(file));
}

// Spawns and waits (bounded) for the exit.
std::optional<ProcessExit> run(boost::asio::io_context& io, Spawner& spawner,
                               const SpawnRequest& req) {
  std::optional<ProcessExit> exit;
  Spawned s = spawner.spawn(req, into(exit));
  REQUIRE(s.process);
  CHECK(exit == std::nullopt);  // never from inside spawn()
  REQUIRE(run_until(io, [&] { return exit.has_value(); }));
  return exit;
}

// A shell leading its process group, with one background process whose pid
// the script wrote to $PIDFILE.
struct Group {
  boost::asio::io_context io;
  PosixSpawner spawner{io};
  testing::TempDir dir;
  std::optional<ProcessExit> exit;
  Spawned spawned;
  pid_t background = 0;

  explicit Group(const std::string& script) {
    SpawnRequest r = sh(script);
    r.env.push_back("PIDFILE=" + (dir / "pid"));
    spawned = spawner.spawn(r, into(exit));
    REQUIRE(spawned.process);
    background = pid_written(io, dir / "pid");
  }
};

}  // namespace

TEST_CASE("spawner: exit code, output, environment, stdin on /dev/null") {
  boost::asio::io_context io;
  for (bool pidfd : {true, false}) {
    PosixSpawner spawner(io, PosixSpawner::Options{pidfd});
    INFO("pidfd " << pidfd);
    auto e = run(io, spawner,
                 sh("echo out $MARK; echo err >&2; read x || echo stdin-eof; "
                    "env | grep -c . ; exit 3"));
    CHECK(e->kind == ProcessExit::Kind::kExited);
    CHECK(e->code == 3);
    CHECK(e->out == "out vigil\nstdin-eof\n3\n");  // PATH, MARK and sh's PWD only
    CHECK(e->err == "err\n");
    CHECK(e->out_bytes == e->out.size());
    CHECK(e->pid > 0);
  }
}

TEST_CASE("spawner: stdin fed from SpawnRequest::input, then end-of-file") {
  boost::asio::io_context io;
  PosixSpawner spawner(io);
  SpawnRequest r = sh("while read -r line; do echo \"got $line\"; done; echo eof");
  r.input = "action=off\nport=node2\n";
  auto e = run(io, spawner, r);
  CHECK(e->code == 0);
  CHECK(e->out == "got action=off\ngot port=node2\neof\n");
  // More than a default pipe holds (64 KiB): the pipe is grown to fit.
  r = sh("wc -c");
  r.input = std::string(200 * 1024, 'x');
  e = run(io, spawner, r);
  CHECK(e->out == "204800\n");
}

TEST_CASE("spawner: only stdin, stdout and stderr are inherited") {
  boost::asio::io_context io;
  PosixSpawner spawner(io);
  int leaked[2];
  REQUIRE(::pipe(leaked) == 0);  // no O_CLOEXEC: closefrom must catch it
  // `[` is a shell builtin: the check opens no descriptor of its own.
  std::string script;
  for (int fd : {0, 1, 2, leaked[0], leaked[1]}) {
    const std::string n = std::to_string(fd);
    script += "[ -e /proc/$$/fd/" + n + " ] && echo open " + n + "; ";
  }
  auto e = run(io, spawner, sh(script + "true"));
  ::close(leaked[0]);
  ::close(leaked[1]);
  CHECK(e->out == "open 0\nopen 1\nopen 2\n");
}

TEST_CASE("spawner: a crash is reported as a signal") {
  boost::asio::io_context io;
  PosixSpawner spawner(io);
  auto e = run(io, spawner, sh("kill -s KILL $$"));
  CHECK(e->kind == ProcessExit::Kind::kSignaled);
  CHECK(e->code == SIGKILL);
}

TEST_CASE("spawner: failures to start carry errno and context") {
  boost::asio::io_context io;
  PosixSpawner spawner(io);
  testing::TempDir dir;
  SpawnRequest r = sh("true");
  r.path = dir / "missing";
  Spawned s = spawner.spawn(r, [](ProcessExit) { FAIL("no exit expected"); });
  CHECK_FALSE(s.process);
  CHECK(s.error == ENOENT);
  CHECK(s.message.find(r.path) != std::string::npos);
  testing::write_file(dir / "noexec", "#!/bin/sh\nexit 0\n", 0644);
  r.path = dir / "noexec";
  s = spawner.spawn(r, [](ProcessExit) { FAIL("no exit expected"); });
  CHECK_FALSE(s.process);
  CHECK(s.error == EACCES);
}

TEST_CASE("spawner: megabytes of output are read and bounded") {
  boost::asio::io_context io;
  PosixSpawner spawner(io);
  auto e = run(io, spawner,
               sh("echo BEGIN; dd if=/dev/zero bs=1024 count=8192 2>/dev/null | tr '\\000' x; "
                  "echo; echo END; echo ERR >&2",
                  1000));
  CHECK(e->code == 0);
  CHECK(e->out_bytes == 8192u * 1024 + 6 + 1 + 4);
  CHECK(e->out.size() < 1100);
  CHECK(e->out.rfind("BEGIN\n", 0) == 0);
  CHECK(e->out.size() >= 4);
  CHECK(e->out.substr(e->out.size() - 4) == "END\n");
  CHECK(e->err == "ERR\n");
}

TEST_CASE("spawner: a daemon holding the pipes does not delay the exit") {
  boost::asio::io_context io;
  PosixSpawner spawner(io);
  // The background sleep keeps stdout and stderr open for 30 s.
  const auto t0 = std::chrono::steady_clock::now();
  auto e = run(io, spawner, sh("sleep 30 & echo $!; echo bye"));
  CHECK(std::chrono::steady_clock::now() - t0 < 10s);
  CHECK(e->code == 0);
  const pid_t daemon = std::stoi(e->out);
  CHECK(e->out.find("bye\n") != std::string::npos);
  CHECK_FALSE(testing::process_ended(daemon));  // the agent's daemon lives on
  ::kill(daemon, SIGKILL);
}

TEST_CASE("spawner: signal_group reaches the agent's children") {
  // The child is forked with SIGTERM already ignored (no window before its
  // own trap), then the leader takes the default back.
  Group g(
      "trap '' TERM; (while :; do sleep 1; done) & echo $! > $PIDFILE; "
      "trap - TERM; while :; do sleep 1; done");
  CHECK(g.spawned.process->group_alive());
  g.spawned.process->signal_group(SIGTERM);
  REQUIRE(run_until(g.io, [&] { return g.exit.has_value(); }));
  CHECK(g.exit->kind == ProcessExit::Kind::kSignaled);
  CHECK(g.exit->code == SIGTERM);
  CHECK_FALSE(testing::process_ended(g.background));  // it ignores SIGTERM
  CHECK(g.spawned.process->group_alive());
  g.spawned.process->signal_group(SIGKILL);
  REQUIRE(run_until(g.io, [&] { return testing::process_ended(g.background); }));
}

TEST_CASE("spawner: signal() reaches the leader only; wait_status is waitpid's") {
  Group g("sleep 30 & echo $! > $PIDFILE; wait");
  g.spawned.process->signal(SIGTERM);
  REQUIRE(run_until(g.io, [&] { return g.exit.has_value(); }));
  CHECK(WIFSIGNALED(g.exit->wait_status));
  CHECK(WTERMSIG(g.exit->wait_status) == SIGTERM);
  CHECK_FALSE(testing::process_ended(g.background));  // the sleep was not signalled
  g.spawned.process->signal(SIGKILL);                 // reaped: a no-op, whatever has the pid now
  g.spawned.process->signal_group(SIGKILL);
  REQUIRE(run_until(g.io, [&] { return testing::process_ended(g.background); }));
}

TEST_CASE("spawner: dropping the handle kills the group and reaps it") {
  boost::asio::io_context io;
  for (bool pidfd : {true, false}) {
    PosixSpawner spawner(io, PosixSpawner::Options{pidfd});
    bool called = false;
    Spawned s = spawner.spawn(sh("sleep 30"), [&](ProcessExit) { called = true; });
    REQUIRE(s.process);
    const pid_t pid = s.process->pid();
    s.process.reset();
    // Reaped in the background: the pid disappears (no zombie left).
    REQUIRE(run_until(io, [&] { return ::kill(pid, 0) != 0; }));
    CHECK_FALSE(called);
  }
}

TEST_CASE("spawner: many children at once, in SIGCHLD mode too") {
  boost::asio::io_context io;
  for (bool pidfd : {true, false}) {
    PosixSpawner spawner(io, PosixSpawner::Options{pidfd});
    CHECK(spawner.using_pidfd() == pidfd);
    std::vector<std::unique_ptr<Process>> procs;
    std::vector<int> codes;
    for (int i = 0; i < 20; ++i) {
      Spawned s = spawner.spawn(sh("exit " + std::to_string(i)),
                                [&codes](ProcessExit e) { codes.push_back(e.code); });
      REQUIRE(s.process);
      procs.push_back(std::move(s.process));
    }
    REQUIRE(run_until(io, [&] { return codes.size() == 20; }));
    std::sort(codes.begin(), codes.end());
    for (int i = 0; i < 20; ++i) CHECK(codes[static_cast<std::size_t>(i)] == i);
  }
}

TEST_CASE("spawner: inherited output goes to our own stdout and stderr") {
  boost::asio::io_context io;
  PosixSpawner spawner(io);
  testing::TempDir dir;
  // Our stdout and stderr point at a file while the child is started: it
  // holds its own copies of both from then on.
  UniqueFd file(::open((dir / "out").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  REQUIRE(file);
  std::fflush(stdout);
  std::fflush(stderr);
  UniqueFd saved_out(::dup(STDOUT_FILENO)), saved_err(::dup(STDERR_FILENO));
  ::dup2(file.get(), STDOUT_FILENO);
  ::dup2(file.get(), STDERR_FILENO);
  SpawnRequest r = sh("echo to-stdout; echo to-stderr >&2; exit 4");
  r.output = SpawnRequest::Output::kInherit;
  std::optional<ProcessExit> exit;
  Spawned s = spawner.spawn(r, into(exit));
  ::dup2(saved_out.get(), STDOUT_FILENO);
  ::dup2(saved_err.get(), STDERR_FILENO);
  REQUIRE(s.process);
  REQUIRE(run_until(io, [&] { return exit.has_value(); }));
  CHECK(exit->code == 4);
  CHECK(WIFEXITED(exit->wait_status));
  CHECK(WEXITSTATUS(exit->wait_status) == 4);
  CHECK(exit->out.empty());
  CHECK(exit->out_bytes == 0);
  CHECK(exit->err.empty());
  CHECK(testing::read_file(dir / "out") == "to-stdout\nto-stderr\n");
}

TEST_CASE("current_environment is this process's environment") {
  ::setenv("VIGIL_SPAWNER_TEST", "a=b", 1);
  const auto env = current_environment();
  CHECK(std::count(env.begin(), env.end(), "VIGIL_SPAWNER_TEST=a=b") == 1);
  ::unsetenv("VIGIL_SPAWNER_TEST");
  const auto without = current_environment();
  CHECK(without.size() == env.size() - 1);
}

TEST_CASE("UniqueFd closes what it owns, once") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  {
    UniqueFd a(fds[0]);
    UniqueFd b(fds[1]);
    UniqueFd c(std::move(a));
    CHECK_FALSE(a.valid());
    CHECK(c.get() == fds[0]);
    b = std::move(c);  // closes fds[1]
    CHECK(::fcntl(fds[1], F_GETFD) == -1);
    CHECK(b.get() == fds[0]);
    const int raw = b.release();
    CHECK_FALSE(b);
    CHECK(::fcntl(raw, F_GETFD) != -1);
    b.reset(raw);
  }
  CHECK(::fcntl(fds[0], F_GETFD) == -1);
}
