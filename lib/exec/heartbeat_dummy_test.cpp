// SPDX-License-Identifier: GPL-2.0-or-later
// Debian's own ocf:heartbeat:Dummy (package resource-agents), run unmodified
// from /usr/lib/ocf, with its state file in a temporary directory.
#include <catch2/catch.hpp>

#include "test_support.hpp"
#include "vigil/exec/executor.hpp"

using namespace vigil;
using namespace vigil::exec;
using namespace std::chrono_literals;

TEST_CASE("ocf:heartbeat:Dummy from resource-agents: start, monitor, stop") {
  const std::string agent = "/usr/lib/ocf/resource.d/heartbeat/Dummy";
  if (!testing::file_exists(agent)) {
    WARN("skipped: " << agent << " is absent (install resource-agents)");
    return;
  }
  boost::asio::io_context io;
  testing::TempDir dir;
  testing::ResultLog log;
  ExecutorOptions options;  // the real OCF_ROOT, /usr/lib/ocf
  Executor executor(io, options, log.callback());
  const std::string state = dir / "Dummy.state";

  auto run = [&](const std::string& action, Duration interval = 0ms) {
    OperationRequest r;
    r.rsc_id = "dummy1";
    r.agent = {AgentClass::kOcf, "heartbeat", "Dummy"};
    r.action = action;
    r.interval = interval;
    r.timeout = 20s;
    r.params["state"] = state;
    auto id = executor.execute(r);
    REQUIRE(id);
    REQUIRE(testing::run_until(io, [&] { return !log.for_call(*id).empty(); }));
    return log.for_call(*id).front();
  };

  auto meta = run("meta-data");
  CHECK(meta.rc == OcfRc::kOk);
  CHECK(meta.output.find("<resource-agent name=\"Dummy\"") != std::string::npos);
  CHECK(run("validate-all").rc == OcfRc::kOk);
  CHECK(run("monitor").rc == OcfRc::kNotRunning);
  CHECK(run("start").rc == OcfRc::kOk);
  CHECK(testing::file_exists(state));
  CHECK(run("monitor", 10s).rc == OcfRc::kOk);  // recurring: the first result comes at once
  CHECK(executor.recurring() == 1);
  auto stop = run("stop");  // cancels the recurring monitor first
  CHECK(stop.rc == OcfRc::kOk);
  CHECK(executor.recurring() == 0);
  CHECK_FALSE(testing::file_exists(state));
  CHECK(run("monitor").rc == OcfRc::kNotRunning);
}
