// SPDX-License-Identifier: GPL-2.0-or-later
// The real Executor (Asio timers, PosixSpawner) running the test agents of
// agents/ocf/vigil from a temporary OCF_ROOT, a fake LSB init script and a
// fake systemctl. No root needed; every wait is bounded.
#include <libxml/relaxng.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>

#include "test_support.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/exec/executor.hpp"

using namespace vigil;
using namespace vigil::exec;
using namespace std::chrono_literals;
using testing::run_until;

namespace {

struct Env {
  boost::asio::io_context io;
  testing::TempDir dir;
  std::string ocf_root = dir / "ocf";
  std::string state = dir / "state";
  testing::ResultLog log;
  std::unique_ptr<Executor> executor;

  explicit Env(Duration grace = 300ms, std::size_t output_limit = 64 * 1024) {
    testing::install_test_agents(ocf_root);
    std::filesystem::create_directories(state);
    std::filesystem::create_directories(dir / "init.d");
    ExecutorOptions options;
    options.paths.ocf_root = ocf_root;
    options.paths.lsb_dir = dir / "init.d";
    options.paths.systemctl = dir / "systemctl";
    options.kill_grace = grace;
    options.output_limit = output_limit;
    executor = std::make_unique<Executor>(io, options, log.callback());
  }

  OperationRequest request(const std::string& rsc, const std::string& type,
                           const std::string& action) {
    OperationRequest r;
    r.rsc_id = rsc;
    r.agent = {AgentClass::kOcf, "vigil", type};
    r.action = action;
    r.timeout = 10s;
    r.params["state_dir"] = state;
    return r;
  }

  int submit(const OperationRequest& r) {
    auto id = executor->execute(r);
    REQUIRE(id);
    return *id;
  }

  // Runs one operation to its (first) result.
  OperationResult run(const OperationRequest& r, Duration limit = 10s) {
    const int id = submit(r);
    REQUIRE(run_until(
        io, [&] { return !log.for_call(id).empty(); }, limit));
    return log.for_call(id).front();
  }
  OperationResult run(const std::string& rsc, const std::string& type, const std::string& action) {
    return run(request(rsc, type, action));
  }
};

}  // namespace

TEST_CASE("agents: the dummy resource's life cycle") {
  Env env;
  CHECK(env.run("d1", "dummy", "monitor").rc == OcfRc::kNotRunning);
  auto start = env.run("d1", "dummy", "start");
  CHECK(start.rc == OcfRc::kOk);
  CHECK(start.status == ExecStatus::kDone);
  CHECK(start.pid > 0);
  CHECK(testing::file_exists(env.state + "/d1.state"));
  CHECK(env.run("d1", "dummy", "monitor").rc == OcfRc::kOk);
  CHECK(env.run("d1", "dummy", "promote").rc == OcfRc::kOk);
  CHECK(env.run("d1", "dummy", "monitor").rc == OcfRc::kRunningPromoted);
  CHECK(env.run("d1", "dummy", "demote").rc == OcfRc::kOk);
  CHECK(env.run("d1", "dummy", "monitor").rc == OcfRc::kOk);
  CHECK(env.run("d1", "dummy", "notify").rc == OcfRc::kOk);
  CHECK(env.run("d1", "dummy", "reload-agent").rc == OcfRc::kOk);
  CHECK(env.run("d1", "dummy", "migrate_to").rc == OcfRc::kOk);
  CHECK(env.run("d1", "dummy", "migrate_from").rc == OcfRc::kOk);
  CHECK(env.run("d1", "dummy", "stop").rc == OcfRc::kOk);
  CHECK_FALSE(testing::file_exists(env.state + "/d1.state"));
  CHECK(env.run("d1", "dummy", "monitor").rc == OcfRc::kNotRunning);
  CHECK(env.run("d1", "dummy", "frobnicate").rc == OcfRc::kUnimplementFeature);

  auto r = env.request("d2", "dummy", "validate-all");
  r.params.erase("state_dir");
  auto v = env.run(r);
  CHECK(v.rc == OcfRc::kNotConfigured);
  CHECK(v.exit_reason == "state_dir is not set");
  r.params["state_dir"] = env.dir / "nowhere";
  CHECK(env.run(r).rc == OcfRc::kInvalidParam);
  CHECK(env.executor->idle());
}

TEST_CASE("agents: parameters and Pacemaker's variables reach the agent") {
  Env env;
  auto r = env.request("web:1", "dummy", "monitor");
  r.params["dump_env"] = "true";
  r.params["odd_value"] = "a b  'c' \"d\" $HOME `x` \\ =";
  r.params["OCF_CHECK_LEVEL"] = "20";
  r.timeout = 7s;
  const auto res = env.run(r);
  const std::string& out = res.output;
  auto has = [&](const std::string& line) { return out.find(line + "\n") != std::string::npos; };
  CHECK(has("OCF_ROOT=" + env.ocf_root));
  CHECK(has("OCF_RESOURCE_INSTANCE=web:1"));
  CHECK(has("OCF_RESOURCE_TYPE=dummy"));
  CHECK(has("OCF_RESOURCE_PROVIDER=vigil"));
  CHECK(has("OCF_RA_VERSION_MAJOR=1"));
  CHECK(has("OCF_RESKEY_state_dir=" + env.state));
  CHECK(has("OCF_RESKEY_odd_value=a b  'c' \"d\" $HOME `x` \\ ="));
  CHECK(has("OCF_CHECK_LEVEL=20"));
  CHECK(has("OCF_RESKEY_CRM_meta_timeout=7000"));
  CHECK(out.find("OCF_RESKEY_CRM_meta_interval") == std::string::npos);
}

TEST_CASE("agents: lying and crashing agents") {
  Env env;
  auto r = env.request("l", "lie", "start");
  auto res = env.run(r);  // 42
  CHECK(res.rc == OcfRc::kUnknownError);
  CHECK(res.status == ExecStatus::kDone);
  CHECK(res.exit_reason == "agent returned unexpected exit code 42");
  CHECK(res.output == "all is well, says start\n");
  for (auto [code, expected] :
       {std::pair{190, OcfRc::kDegraded}, std::pair{8, OcfRc::kRunningPromoted},
        std::pair{255, OcfRc::kUnknownError}, std::pair{5, OcfRc::kNotInstalled}}) {
    r.params["rc"] = std::to_string(code);
    res = env.run(r);
    CHECK(res.rc == expected);
    CHECK(res.status == ExecStatus::kDone);
  }
  r.params["rc"] = "1";
  r.params["reason"] = "it is all lies";
  CHECK(env.run(r).exit_reason == "it is all lies");
  r.params["signal"] = "SEGV";
  res = env.run(r);
  CHECK(res.rc == OcfRc::kUnknownError);
  CHECK(res.status == ExecStatus::kError);
  CHECK(res.exit_reason.rfind("start interrupted by SIGSEGV signal", 0) == 0);
}

TEST_CASE("agents: missing and unusable agents") {
  Env env;
  auto res = env.run("x", "no-such-agent", "start");
  CHECK(res.rc == OcfRc::kNotInstalled);
  CHECK(res.status == ExecStatus::kNotInstalled);
  CHECK(res.exit_reason.find("no-such-agent") != std::string::npos);
  testing::write_file(env.ocf_root + "/resource.d/vigil/not-exec", "#!/bin/sh\nexit 0\n", 0644);
  res = env.run("x", "not-exec", "start");
  CHECK(res.rc == OcfRc::kInsufficientPriv);
  CHECK(res.status == ExecStatus::kError);
}

TEST_CASE("agents: a hanging agent is killed at its timeout") {
  Env env(300ms);
  auto r = env.request("h", "hang", "start");
  r.timeout = 300ms;
  const auto t0 = std::chrono::steady_clock::now();
  auto res = env.run(r, 5s);
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
  CHECK(res.status == ExecStatus::kTimeout);
  CHECK(res.rc == OcfRc::kUnknownError);
  CHECK(res.output == "hanging in start\n");
  CHECK(env.executor->running() == 0);
}

TEST_CASE("agents: timeout kills the whole process group, SIGTERM-proof children too") {
  Env env(300ms);
  for (const char* leader_ignores : {"false", "true"}) {
    INFO("leader ignores SIGTERM: " << leader_ignores);
    auto r = env.request(std::string("h-") + leader_ignores, "hang", "start");
    const std::string pid_file = env.dir / (std::string("pids-") + leader_ignores);
    r.params = {{"ignore_term", leader_ignores}, {"child", "ignore_term"}, {"pid_file", pid_file}};
    r.timeout = 300ms;
    auto res = env.run(r, 5s);
    CHECK(res.status == ExecStatus::kTimeout);
    // Timeout plus grace: SIGKILL was needed for the child.
    CHECK(res.exec_time >= 600ms);
    std::istringstream pids(testing::read_file(pid_file));
    pid_t leader = 0, child = 0;
    pids >> leader >> child;
    REQUIRE(leader == res.pid);
    REQUIRE(child > 0);
    CHECK(run_until(
        env.io, [&] { return testing::process_ended(child); }, 2s));
    CHECK(testing::process_ended(leader));
  }
}

TEST_CASE("agents: megabytes of output stay bounded, the exit reason survives") {
  Env env(300ms, 8 * 1024);
  auto r = env.request("n", "noisy", "monitor");
  r.params["kib"] = "4096";
  const auto res = env.run(r);
  CHECK(res.rc == OcfRc::kOk);
  CHECK(res.output_bytes > 4u * 1024 * 1024);
  CHECK(res.error_output_bytes > 4u * 1024 * 1024);
  CHECK(res.output.size() < 8 * 1024 + 64);
  CHECK(res.error_output.size() < 8 * 1024 + 64);
  CHECK(res.output.rfind("noisy monitor: begin\n", 0) == 0);
  CHECK(res.output.find("noisy monitor: end\n") != std::string::npos);
  CHECK(res.exit_reason == "noisy monitor printed 4096 KiB");
}

TEST_CASE("agents: a daemon left on the agent's pipes does not hold the operation") {
  Env env;
  auto r = env.request("dm", "daemonize", "start");
  const auto t0 = std::chrono::steady_clock::now();
  auto res = env.run(r);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  CHECK(res.rc == OcfRc::kOk);
  CHECK(res.output.rfind("started daemon ", 0) == 0);
  const pid_t daemon = std::stoi(testing::read_file(env.state + "/dm.pid"));
  CHECK_FALSE(testing::process_ended(daemon));  // resources outlive their start
  CHECK(env.run("dm", "daemonize", "monitor").rc == OcfRc::kOk);
  CHECK(env.run("dm", "daemonize", "stop").rc == OcfRc::kOk);
  CHECK(run_until(
      env.io, [&] { return testing::process_ended(daemon); }, 2s));
  CHECK(env.run("dm", "daemonize", "monitor").rc == OcfRc::kNotRunning);
}

TEST_CASE("agents: a slow stop times out; operations queued behind it wait") {
  Env env(200ms);
  REQUIRE(env.run("s", "slow-stop", "start").rc == OcfRc::kOk);
  auto stop = env.request("s", "slow-stop", "stop");
  stop.params["stop_delay"] = "5";
  stop.timeout = 300ms;
  const int stop_id = env.submit(stop);
  const int mon_id = env.submit(env.request("s", "slow-stop", "monitor"));
  REQUIRE(run_until(
      env.io, [&] { return !env.log.for_call(mon_id).empty(); }, 5s));
  const auto stopped = env.log.for_call(stop_id);
  REQUIRE(stopped.size() == 1);
  CHECK(stopped[0].status == ExecStatus::kTimeout);
  const auto mon = env.log.for_call(mon_id).front();
  CHECK(mon.rc == OcfRc::kOk);  // the killed stop left the state file
  CHECK(mon.queue_time >= 300ms);

  stop.params["stop_delay"] = "0.1";
  stop.timeout = 5s;
  CHECK(env.run(stop).rc == OcfRc::kOk);
  CHECK(env.run("s", "slow-stop", "monitor").rc == OcfRc::kNotRunning);
}

TEST_CASE("agents: a recurring monitor reports changes only, until cancelled") {
  Env env;
  REQUIRE(env.run("r", "dummy", "start").rc == OcfRc::kOk);
  auto mon = env.request("r", "dummy", "monitor");
  mon.interval = 50ms;
  const int id = env.submit(mon);
  REQUIRE(run_until(env.io, [&] { return env.log.for_call(id).size() == 1; }));
  CHECK(env.log.for_call(id)[0].rc == OcfRc::kOk);
  testing::run_for(env.io, 250ms);  // several runs, same result: nothing new
  CHECK(env.log.for_call(id).size() == 1);

  std::filesystem::remove(env.state + "/r.state");  // the resource fails behind our back
  REQUIRE(run_until(env.io, [&] { return env.log.for_call(id).size() == 2; }));
  CHECK(env.log.for_call(id)[1].rc == OcfRc::kNotRunning);
  CHECK(env.log.for_call(id)[1].interval == 50ms);

  REQUIRE(env.executor->cancel("r", "monitor", 50ms));
  REQUIRE(run_until(env.io, [&] { return env.log.for_call(id).size() == 3; }));
  CHECK(env.log.for_call(id)[2].status == ExecStatus::kCancelled);
  testing::run_for(env.io, 200ms);
  CHECK(env.log.for_call(id).size() == 3);
  CHECK(env.executor->idle());
}

TEST_CASE("agents: LSB init scripts and their status codes") {
  Env env;
  const std::string control = env.dir / "status-code";
  testing::write_file(env.dir / "init.d/webd",
                      "#!/bin/sh\n"
                      "# SPDX-License-Identifier: GPL-2.0-or-later\n"
                      "### BEGIN INIT INFO\n"
                      "# Provides:          webd\n"
                      "# Short-Description: fake web daemon\n"
                      "### END INIT INFO\n"
                      "echo \"$1 $OCF_RESKEY_ignored\"\n"
                      "case \"$1\" in\n"
                      "  start|stop) exit 0 ;;\n"
                      "  status) exit $(cat " +
                          control +
                          ") ;;\n"
                          "  *) exit 3 ;;\n"
                          "esac\n",
                      0755);
  OperationRequest r;
  r.rsc_id = "webd";
  r.agent = {AgentClass::kLsb, "", "webd"};
  r.params["ignored"] = "param";
  r.action = "start";
  auto res = env.run(r);
  CHECK(res.rc == OcfRc::kOk);
  CHECK(res.output == "start \n");  // LSB scripts take no parameters
  r.action = "monitor";
  for (auto [code, expected] :
       {std::pair{0, OcfRc::kOk}, std::pair{1, OcfRc::kNotRunning},
        std::pair{3, OcfRc::kNotRunning}, std::pair{4, OcfRc::kUnknownError},
        std::pair{150, OcfRc::kNotInstalled}}) {
    testing::write_file(control, std::to_string(code));
    res = env.run(r);
    CHECK(res.output == "status \n");
    CHECK(res.rc == expected);
  }
  r.action = "meta-data";
  res = env.run(r);
  CHECK(res.rc == OcfRc::kOk);
  CHECK(res.pid == 0);
  CHECK(res.output.find("<shortdesc lang='en'> fake web daemon\n</shortdesc>") !=
        std::string::npos);
  r.action = "reload";
  CHECK(env.run(r).rc == OcfRc::kUnimplementFeature);
  r.agent.type = "nosuch";
  r.action = "start";
  CHECK(env.run(r).status == ExecStatus::kNotInstalled);
}

TEST_CASE("agents: systemd units through a fake systemctl") {
  Env env;
  const std::string log = env.dir / "systemctl.log";
  testing::write_file(
      env.dir / "systemctl",
      "#!/bin/sh\n"
      "# SPDX-License-Identifier: GPL-2.0-or-later\n"
      "echo \"$*\" >> " +
          log +
          "\n"
          "for unit; do :; done\n"  // the last argument
          "case \"$1 $unit\" in\n"
          "  'start nginx.service') echo active > " +
          env.state +
          "/nginx; exit 0 ;;\n"
          "  'stop nginx.service') echo inactive > " +
          env.state +
          "/nginx; exit 0 ;;\n"
          "  'show nginx.service') echo LoadState=loaded;"
          " echo ActiveState=$(cat " +
          env.state +
          "/nginx 2>/dev/null || echo inactive); exit 0 ;;\n"
          "  'show'*) echo LoadState=not-found; echo ActiveState=inactive; exit 0 ;;\n"
          "  *) echo \"Unit $2 not found.\" >&2; exit 5 ;;\n"
          "esac\n",
      0755);
  OperationRequest r;
  r.rsc_id = "web";
  r.agent = {AgentClass::kSystemd, "", "nginx"};
  r.action = "monitor";
  CHECK(env.run(r).rc == OcfRc::kNotRunning);
  r.action = "start";
  CHECK(env.run(r).rc == OcfRc::kOk);
  r.action = "monitor";
  CHECK(env.run(r).rc == OcfRc::kOk);
  r.action = "stop";
  CHECK(env.run(r).rc == OcfRc::kOk);
  r.action = "monitor";
  CHECK(env.run(r).rc == OcfRc::kNotRunning);
  r.agent.type = "ghost";
  CHECK(env.run(r).status == ExecStatus::kNotInstalled);
  r.action = "start";
  auto res = env.run(r);
  CHECK(res.status == ExecStatus::kNotInstalled);
  r.action = "stop";
  CHECK(env.run(r).rc == OcfRc::kOk);  // an unknown unit is stopped
  CHECK(testing::read_file(log).rfind("show --property=LoadState,ActiveState nginx.service\n", 0) ==
        0);
}

TEST_CASE("agents: every test agent prints valid OCF meta-data") {
  Env env;
  const std::string schema = "/usr/share/resource-agents/metadata.rng";
  const bool have_schema = testing::file_exists(schema);
  if (!have_schema) WARN("no " << schema << " (resource-agents): checking well-formedness only");
  for (const char* agent : {"dummy", "hang", "lie", "slow-stop", "noisy", "daemonize"}) {
    INFO(agent);
    auto res = env.run("meta", agent, "meta-data");
    REQUIRE(res.rc == OcfRc::kOk);
    auto doc = vigil::xml::parse_agent_metadata(res.output, agent);
    REQUIRE(doc);
    const xmlNode* root = xmlDocGetRootElement(doc->get());
    CHECK(vigil::xml::attr_or(root, "name") == agent);
    if (!have_schema) continue;
    xmlRelaxNGParserCtxtPtr pctx = xmlRelaxNGNewParserCtxt(schema.c_str());
    xmlRelaxNGPtr rng = xmlRelaxNGParse(pctx);
    REQUIRE(rng != nullptr);
    xmlRelaxNGValidCtxtPtr vctx = xmlRelaxNGNewValidCtxt(rng);
    const int valid = xmlRelaxNGValidateDoc(vctx, doc->get());
    xmlRelaxNGFreeValidCtxt(vctx);
    xmlRelaxNGFree(rng);
    xmlRelaxNGFreeParserCtxt(pctx);
    CHECK(valid == 0);
  }
}

namespace {

std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

}  // namespace

TEST_CASE("agents: destroying the executor kills a running agent's whole group") {
  testing::TempDir pids;
  pid_t leader = 0, child = 0;
  {
    Env env(300ms);
    auto r = env.request("h", "hang", "start");
    r.params = {{"child", "ignore_term"}, {"pid_file", pids / "pids"}};
    env.submit(r);
    REQUIRE(run_until(env.io, [&] { return testing::file_exists(pids / "pids"); }));
    std::istringstream in(testing::read_file(pids / "pids"));
    in >> leader >> child;
    REQUIRE(child > 0);
    env.executor.reset();  // no result, no wait: SIGKILL to the group
    CHECK(env.log.size() == 0);
    CHECK(run_until(
        env.io, [&] { return ::kill(leader, 0) != 0; }, 2s));  // reaped
  }
  CHECK(testing::process_ended(leader));
  CHECK(testing::eventually([&] { return testing::process_ended(child); }));
}

TEST_CASE("agents: no descriptor and no child process is left behind") {
  int status = 0;
  while (::waitpid(-1, &status, WNOHANG) > 0) {
  }
  const std::size_t fds_before = open_descriptors();
  {
    Env env(100ms, 1024);
    env.run("a", "dummy", "start");
    auto hang = env.request("b", "hang", "monitor");
    hang.params = {{"child", "plain"}};
    hang.timeout = 100ms;
    auto lie = env.request("c", "lie", "start");
    lie.params["signal"] = "ABRT";
    auto noisy = env.request("d", "noisy", "start");
    noisy.params["kib"] = "512";
    auto mon = env.request("a", "dummy", "monitor");
    mon.interval = 20ms;
    const int ids[] = {env.submit(hang), env.submit(lie), env.submit(noisy), env.submit(mon)};
    REQUIRE(run_until(env.io, [&] {
      for (int id : ids) {
        if (env.log.for_call(id).empty()) return false;
      }
      return true;
    }));
    env.run("e", "daemonize", "start");
    env.run("e", "daemonize", "stop");
    env.run("a", "dummy", "stop");  // cancels the monitor
    env.run("f", "no-such-agent", "start");
    CHECK(env.executor->idle());
  }
  CHECK(open_descriptors() == fds_before);
  errno = 0;
  CHECK(::waitpid(-1, &status, WNOHANG) == -1);  // every child was reaped
  CHECK(errno == ECHILD);
}

TEST_CASE("agents: service runs the init script of that name, else the systemd unit") {
  Env env;
  testing::write_file(env.dir / "init.d/webd",
                      "#!/bin/sh\n"
                      "# SPDX-License-Identifier: GPL-2.0-or-later\n"
                      "echo \"$1\"\n"
                      "case \"$1\" in start|stop) exit 0 ;; status) exit 3 ;; *) exit 3 ;; esac\n",
                      0755);
  OperationRequest r;
  r.rsc_id = "webd";
  r.agent = *parse_agent_spec("service:webd");
  r.action = "start";
  auto res = env.run(r);
  CHECK(res.rc == OcfRc::kOk);
  CHECK(res.output == "start\n");
  r.action = "monitor";
  CHECK(env.run(r).rc == OcfRc::kNotRunning);  // LSB status 3, mapped as LSB

  AgentPaths paths;
  paths.lsb_dir = env.dir / "init.d";
  CHECK(resolve_service(r.agent, paths) == AgentClass::kLsb);
  r.agent.type = "nosuch";
  CHECK(resolve_service(r.agent, paths) == AgentClass::kSystemd);
}
