// SPDX-License-Identifier: GPL-2.0-or-later
// The runner with real processes: agents run at once, see the alert
// variables and the node sequence, and are killed (with their children) at
// their timeout without holding anything up.
#include "vigil/alerts/runner.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "temp_dir.hpp"
#include "vigil/exec/posix_spawner.hpp"

using namespace vigil;
using namespace vigil::alerts;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_agent(const std::string& path, const std::string& body) {
  std::ofstream out(path);
  out << "#!/bin/sh\n" << body;
  out.close();
  ::chmod(path.c_str(), 0755);
}

// An alert of `id` running `path` for `recipient`.
Alert make_alert(const std::string& id, const std::string& path, const std::string& recipient,
                 int timeout_ms = kDefaultTimeoutMs) {
  Alert a;
  a.id = id;
  a.path = path;
  a.recipient = recipient;
  a.timeout_ms = timeout_ms;
  return a;
}

struct Fixture {
  boost::asio::io_context io;
  exec::PosixSpawner spawner{io};
  AsioClock clock{io};
  std::vector<std::string> logs;
  RunnerOptions options() {
    RunnerOptions o;
    o.user = "";  // as this process
    o.base_env = {"PATH=/usr/bin:/bin", "FROM_DAEMON=yes"};
    o.now = [] { return Stamp{1'800'000'000, 42}; };
    return o;
  }
  LogSink sink() {
    return [this](LogLevel, std::string_view line) { logs.emplace_back(line); };
  }
  // Runs the loop until `done` or 10 s.
  template <typename F>
  bool run_until(F done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.run_for(std::chrono::milliseconds(20));
      io.restart();
    }
    return done();
  }
};

}  // namespace

TEST_CASE("alert agents run with the alert environment and a node sequence") {
  test::TempDir dir;
  Fixture f;
  const std::string agent = dir.path() + "/agent";
  write_agent(agent,
              "env | grep -E '^(CRM_|FROM_DAEMON|EXTRA)' | sort > \"$CRM_alert_recipient\"\n");
  Runner runner(f.spawner, f.clock, f.sink(), f.options());
  Alert a1 = make_alert("a1", agent, dir.path() + "/one");
  a1.env = {{"EXTRA", "x"}};
  Alert a2 = a1;
  a2.recipient = dir.path() + "/two";
  a2.kinds = kFencing;  // not for node events
  Alert a3 = a1;
  a3.recipient = dir.path() + "/three";
  runner.send({a1, a2, a3}, node_event("node1", 1, "lost"));
  CHECK(runner.running() == 2);
  REQUIRE(f.run_until([&] { return runner.running() == 0; }));
  const std::string one = slurp(dir.path() + "/one");
  const std::string three = slurp(dir.path() + "/three");
  CHECK(one.find("CRM_alert_node=node1\n") != std::string::npos);
  CHECK(one.find("CRM_notify_node=node1\n") != std::string::npos);
  CHECK(one.find("CRM_alert_desc=lost\n") != std::string::npos);
  CHECK(one.find("CRM_alert_kind=node\n") != std::string::npos);
  CHECK(one.find("CRM_alert_timestamp_usec=000042\n") != std::string::npos);
  CHECK(one.find("CRM_alert_node_sequence=1\n") != std::string::npos);
  CHECK(one.find("CRM_notify_node_sequence=1\n") != std::string::npos);
  CHECK(one.find("EXTRA=x\n") != std::string::npos);
  CHECK(one.find("FROM_DAEMON=yes\n") != std::string::npos);
  CHECK(three.find("CRM_alert_node_sequence=2\n") != std::string::npos);
  CHECK(!std::ifstream(dir.path() + "/two").good());
  CHECK(runner.sequence() == 2);
}

TEST_CASE("an agent past its timeout is killed with its children; the others finish") {
  test::TempDir dir;
  Fixture f;
  const std::string slow = dir.path() + "/slow";
  const std::string fast = dir.path() + "/fast";
  // The slow agent leaves a child that would write a file after 1 s.
  write_agent(slow, "(sleep 1; touch \"$CRM_alert_recipient.child\") &\nsleep 30\n");
  write_agent(fast, "echo done > \"$CRM_alert_recipient\"; exit 3\n");
  Runner runner(f.spawner, f.clock, f.sink(), f.options());
  Alert s = make_alert("slow", slow, dir.path() + "/s", 300);
  Alert q = make_alert("fast", fast, dir.path() + "/q");
  const auto start = std::chrono::steady_clock::now();
  runner.send({s, q}, fencing_event("node2", "st_notify_fence", "d", 0));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));  // never waits
  REQUIRE(f.run_until([&] { return runner.running() == 0; }));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  CHECK(slurp(dir.path() + "/q") == "done\n");
  bool timed_out = false, exit_status = false;
  for (const auto& l : f.logs) {
    timed_out = timed_out || (l.find("alert=slow") != std::string::npos &&
                              l.find("Timed Out") != std::string::npos);
    exit_status = exit_status || l.find("completed but exited with status 3") != std::string::npos;
  }
  CHECK(timed_out);
  CHECK(exit_status);
  ::usleep(1'500'000);  // past the child's 1 s: it was killed with the group
  CHECK(!std::ifstream(dir.path() + "/s.child").good());
}

TEST_CASE("at shutdown the runner drains: no new agent, the running ones end or time out") {
  test::TempDir dir;
  Fixture f;
  const std::string writer = dir.path() + "/writer";
  const std::string hung = dir.path() + "/hung";
  write_agent(writer, "sleep 0.3; echo written > \"$CRM_alert_recipient\"\n");
  write_agent(hung, "sleep 30\n");
  Runner runner(f.spawner, f.clock, f.sink(), f.options());
  Alert w = make_alert("writer", writer, dir.path() + "/w", 5000);
  Alert h = make_alert("hung", hung, dir.path() + "/h", 400);
  const Event event = fencing_event("node2", "st_notify_fence", "d", 0);
  runner.send({w, h}, event);
  REQUIRE(runner.running() == 2);
  CHECK(runner.longest_timeout() == std::chrono::milliseconds(5000));
  bool drained = false;
  runner.drain([&drained] { drained = true; });
  CHECK_FALSE(drained);
  Alert late = w;
  late.recipient = dir.path() + "/late";
  runner.send({late}, event);  // refused: shutting down
  CHECK(runner.running() == 2);
  CHECK(runner.sequence() == 2);
  REQUIRE(f.run_until([&] { return drained; }));
  CHECK(runner.running() == 0);
  CHECK(slurp(dir.path() + "/w") == "written\n");  // ran to its end, not killed
  CHECK(!std::ifstream(dir.path() + "/late").good());
  const bool hung_timed_out = std::any_of(f.logs.begin(), f.logs.end(), [](const std::string& l) {
    return l.find("alert=hung") != std::string::npos && l.find("Timed Out") != std::string::npos;
  });
  CHECK(hung_timed_out);

  // Nothing running: drained at once.
  Runner idle(f.spawner, f.clock, f.sink(), f.options());
  bool at_once = false;
  idle.drain([&at_once] { at_once = true; });
  CHECK(at_once);
  CHECK(idle.longest_timeout() == Duration{0});
}

TEST_CASE("a missing agent is logged, never thrown") {
  Fixture f;
  Runner runner(f.spawner, f.clock, f.sink(), f.options());
  Alert a;
  a.id = "missing";
  a.path = "/nonexistent/agent";
  runner.send({a}, node_event("n", 1, "member"));
  REQUIRE(f.run_until([&] { return runner.running() == 0; }));
  bool logged = false;
  for (const auto& l : f.logs) logged = logged || l.find("alert=missing") != std::string::npos;
  CHECK(logged);
}

TEST_CASE("as root, agents run as the daemon user through setpriv") {
  Fixture f;
  RunnerOptions o = f.options();
  o.user = "hacluster";
  Runner runner(f.spawner, f.clock, f.sink(), o);
  Invocation inv;
  inv.path = "/agent";
  inv.env = {{"CRM_alert_kind", "node"}};
  const auto req = runner.request_for(inv, 7);
  if (::geteuid() == 0 && ::getpwnam("hacluster") != nullptr) {
    CHECK(req.path == "/usr/bin/setpriv");
    CHECK(req.argv.back() == "/agent");
    CHECK(req.argv[3] == "--init-groups");
  } else {
    CHECK(req.path == "/agent");
  }
  CHECK(std::find(req.env.begin(), req.env.end(), "CRM_alert_node_sequence=7") != req.env.end());
}

TEST_CASE("Pacemaker's alert_file.sh sample runs unmodified") {
  // Pacemaker's sample, where Debian's pacemaker package installs it (not
  // part of Vigil's sources); without it there is nothing to run.
  const std::string sample = "/usr/share/pacemaker/alerts/alert_file.sh.sample";
  if (!std::ifstream(sample).good()) {
    WARN("no " << sample << ": Pacemaker's sample agent is not installed");
    return;
  }
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  test::TempDir dir;
  Fixture f;
  const std::string agent = dir.path() + "/alert_file.sh";
  {
    std::ifstream in(sample);
    std::ofstream out(agent);
    out << in.rdbuf();
  }
  ::chmod(agent.c_str(), 0755);
  RunnerOptions o = f.options();
  o.now = [] { return Stamp{1'800'000'000 + 3723, 4567}; };
  Runner runner(f.spawner, f.clock, f.sink(), o);
  Alert a = make_alert("alert_file", agent, dir.path() + "/pcmk_alerts.log");
  a.kinds = kDefaultKinds | kAttribute;
  const std::vector<Event> events = {
      node_event("node1", 1, "lost"),
      fencing_event("node1", "st_notify_fence",
                    "Operation reboot of node1 by node2 for vigil-crmd@node2: OK (ref=r1)", 0),
      *resource_event("node2", ResourceOp{"WebSite", "start", 0, 0, 0, 0, 120, 20000}),
      *resource_event("node2", ResourceOp{"WebSite", "monitor", 10000, 0, 0, 7, 15, 20000}),
      attribute_event("node1", 1, "pingd", std::string("100")),
  };
  for (const Event& e : events) {
    runner.send({a}, e);
    REQUIRE(f.run_until([&] { return runner.running() == 0; }));
  }
  CHECK(slurp(dir.path() + "/pcmk_alerts.log") ==
        "09:02:03.004567: Node 'node1' is now 'lost'\n"
        "09:02:03.004567: Fencing Operation reboot of node1 by node2 for vigil-crmd@node2: OK "
        "(ref=r1)\n"
        "09:02:03.004567: Resource operation 'start' for 'WebSite' on 'node2': ok\n"
        "09:02:03.004567: Resource operation 'monitor (10000)' for 'WebSite' on 'node2': not "
        "running\n"
        "09:02:03.004567: Attribute 'pingd' on node 'node1' was updated to '100'\n");
}
