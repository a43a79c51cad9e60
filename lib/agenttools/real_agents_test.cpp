// SPDX-License-Identifier: GPL-2.0-or-later
// Pacemaker's own Stateful and ping agents (/usr/lib/ocf/resource.d/pacemaker)
// and Vigil's ocf:vigil:health-script (agents/ocf/vigil), run by the real
// Executor with the built agent tools first in PATH and as HA_SBIN_DIR,
// against a fake vigil-crmd socket that records what they set. Skipped (with
// a message) when the agents or ping are not installed.
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>

#include "temp_dir.hpp"
#include "vigil/exec/executor.hpp"
#include "vigil/ipc/server.hpp"

using namespace vigil;
using namespace std::chrono_literals;

namespace {

constexpr const char* kAgents = "/usr/lib/ocf/resource.d/pacemaker";

bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(20ms);
  }
  return true;
}

struct Bench {
  boost::asio::io_context io;
  test::TempDir dir;
  std::vector<std::string> requests;  // what the agents' tools sent vigil-crmd
  std::unique_ptr<ipc::Server> crmd;
  std::vector<exec::OperationResult> results;
  std::unique_ptr<exec::Executor> executor;

  // The OCF root: the system's, or (provider "vigil") a scratch one whose
  // resource.d/vigil is the checkout's agents/ocf/vigil.
  std::string ocf_root = "/usr/lib/ocf";

  explicit Bench(bool vigil_agents = false) {
    if (vigil_agents) {
      ocf_root = dir / "ocf";
      std::filesystem::create_directories(ocf_root + "/resource.d");
      std::filesystem::create_directory_symlink(VIGIL_OCF_AGENTS_DIR,
                                                ocf_root + "/resource.d/vigil");
    }
    ipc::AccessPolicy policy;
    policy.allow_uid(::geteuid());
    ipc::ServerOptions so;
    so.log = [](LogLevel, std::string_view) {};
    auto server = ipc::Server::listen(
        io, dir / "crmd.sock", policy,
        [this](ipc::Request req, ipc::Responder resp) {
          if (req.payload == "<status/>") {
            resp.reply(R"(<status node="1" quorate="true"><member id="1" name="node1"/></status>)");
            return;
          }
          requests.push_back(req.payload);
          resp.reply("<ok/>");
        },
        so);
    REQUIRE(server);
    crmd = std::move(*server);
    std::filesystem::create_directories(dir / "rsctmp");
    exec::ExecutorOptions options;
    options.paths.ocf_root = ocf_root;
    options.paths.tools_dir = VIGIL_AGENT_TOOLS_BUILD_DIR;
    options.inherit_environment = false;
    // No VIGIL_AGENT_TOOLS: the tools must come from paths.tools_dir alone.
    options.environment = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "VIGIL_RUN_DIR=" + dir.path(),
                           "HA_RSCTMP=" + (dir / "rsctmp"), "HA_VARRUN=" + dir.path() + "/"};
    executor = std::make_unique<exec::Executor>(
        io, options, [this](const exec::OperationResult& r) { results.push_back(r); });
  }

  exec::OperationResult run(const std::string& rsc, const std::string& type,
                            const std::string& action,
                            const std::map<std::string, std::string>& params,
                            const std::string& provider = "pacemaker") {
    exec::OperationRequest r;
    r.rsc_id = rsc;
    r.agent = {exec::AgentClass::kOcf, provider, type};
    r.action = action;
    r.timeout = 20s;
    r.params = params;
    r.params["CRM_meta_on_node"] = "node1";  // as the controller sends it
    const std::size_t before = results.size();
    auto id = executor->execute(r);
    REQUIRE(id);
    REQUIRE(run_until(
        io, [&] { return results.size() > before; }, 30s));
    INFO(type << " " << action << " stderr: " << results.back().error_output);
    return results.back();
  }
};

}  // namespace

TEST_CASE("the real Stateful agent sets and clears its promotion score through crm_attribute") {
  if (::access((std::string(kAgents) + "/Stateful").c_str(), X_OK) != 0) {
    WARN("skipped: Pacemaker's Stateful agent is not installed");
    return;
  }
  Bench b;
  const std::map<std::string, std::string> params = {{"state", b.dir / "db.state"}};
  for (const char* action : {"start", "promote", "demote", "stop"}) {
    auto r = b.run("db:0", "Stateful", action, params);
    INFO(action << ": " << r.error_output << r.output);
    CHECK(r.rc == exec::OcfRc::kOk);
  }
  CHECK(b.requests ==
        std::vector<std::string>{R"(<attr_update node="node1" name="master-db:0" value="5"/>)",
                                 R"(<attr_update node="node1" name="master-db:0" value="10"/>)",
                                 R"(<attr_update node="node1" name="master-db:0" value="5"/>)",
                                 R"(<attr_delete node="node1" name="master-db:0"/>)"});
}

TEST_CASE("the real ping agent publishes its score through attrd_updater") {
  if (::access((std::string(kAgents) + "/ping").c_str(), X_OK) != 0 ||
      (::access("/usr/bin/ping", X_OK) != 0 && ::access("/bin/ping", X_OK) != 0)) {
    WARN("skipped: Pacemaker's ping agent or ping is not installed");
    return;
  }
  Bench b;
  const std::map<std::string, std::string> params = {{"host_list", "127.0.0.1"},
                                                     {"multiplier", "1000"},
                                                     {"attempts", "1"},
                                                     {"timeout", "2"},
                                                     {"pidfile", b.dir / "ping.pid"}};
  for (const char* action : {"start", "monitor", "stop"}) {
    auto r = b.run("ping", "ping", action, params);
    INFO(action << ": " << r.error_output << r.output);
    CHECK(r.rc == exec::OcfRc::kOk);
  }
  // -d (dampening) is accepted and not forwarded: Vigil writes at once.
  CHECK(b.requests ==
        std::vector<std::string>{R"(<attr_update node="node1" name="pingd" value="1000"/>)",
                                 R"(<attr_update node="node1" name="pingd" value="1000"/>)",
                                 R"(<attr_delete node="node1" name="pingd"/>)"});
}

TEST_CASE("ocf:vigil:health-script sets its attribute through attrd_updater after rise/fall") {
  Bench b(true);
  const std::string flag = b.dir / "healthy";
  const std::map<std::string, std::string> params = {
      {"script", "test -e " + flag}, {"rise", "2"}, {"fall", "1"}, {"dampen", "2s"}};
  // Each step: the action, the script's result, how many writes reached
  // vigil-crmd so far.
  auto step = [&](const char* action, bool healthy, std::size_t writes) {
    if (healthy) {
      std::FILE* f = std::fopen(flag.c_str(), "w");
      REQUIRE(f);
      std::fclose(f);
    } else {
      std::filesystem::remove(flag);
    }
    auto r = b.run("hs:0", "health-script", action, params, "vigil");
    INFO(action << ": " << r.error_output << r.output);
    CHECK(r.rc == exec::OcfRc::kOk);
    CHECK(b.requests.size() == writes);
  };
  step("start", true, 1);     // the first result at once: 1
  step("monitor", false, 2);  // fall 1: 0
  step("monitor", true, 2);   // 1 success of rise 2: nothing
  step("monitor", true, 3);   // 2 of 2: 1
  step("monitor", true, 3);   // unchanged: nothing
  step("stop", true, 4);
  CHECK(b.requests == std::vector<std::string>{R"(<attr_update node="node1" name="hs" value="1"/>)",
                                               R"(<attr_update node="node1" name="hs" value="0"/>)",
                                               R"(<attr_update node="node1" name="hs" value="1"/>)",
                                               R"(<attr_delete node="node1" name="hs"/>)"});
}

TEST_CASE("an agent calling crm_mon gets a loud failure, not a silent success") {
  // The agent tools directory holds crm_mon too; run it as an agent would.
  const std::string tool = std::string(VIGIL_AGENT_TOOLS_BUILD_DIR) + "/crm_mon";
  REQUIRE(::access(tool.c_str(), X_OK) == 0);
  const std::string cmd = tool + " -1 >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 3);
}
