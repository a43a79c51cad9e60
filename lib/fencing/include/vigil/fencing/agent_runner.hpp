// SPDX-License-Identifier: GPL-2.0-or-later
// Running fence agents: the one edge between the fencer and processes. The
// state machine never runs anything; its driver hands each AgentCall to an
// AgentRunner and feeds the AgentResult back. SpawnerAgentRunner is the real
// one (over lib/exec's Spawner and a Clock); tests script their own.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "vigil/common/clock.hpp"
#include "vigil/exec/process.hpp"
#include "vigil/fencing/agent_protocol.hpp"

namespace vigil::fencing {

using AgentDone = std::function<void(AgentResult)>;

class AgentRunner {
 public:
  virtual ~AgentRunner() = default;
  // Runs `call`; `done` is called exactly once, from the event loop (never
  // inside run()), unless the runner is destroyed first.
  virtual void run(const AgentCall& call, AgentDone done) = 0;
};

// Fence agents are executables in `agent_dir` (Debian: /usr/sbin), started
// with a minimal environment and their options on stdin. At the call's
// timeout the process group gets SIGKILL (Pacemaker's fencer does the same)
// and the run ends as timed out once it is gone, or `exit_wait` later.
class SpawnerAgentRunner final : public AgentRunner {
 public:
  struct Options {
    std::string agent_dir = "/usr/sbin";
    Duration exit_wait{5'000};
    std::size_t output_limit = 256 * 1024;  // a list of thousands of ports fits
  };
  SpawnerAgentRunner(exec::Spawner& spawner, Clock& clock, Options options);
  ~SpawnerAgentRunner() override;
  void run(const AgentCall& call, AgentDone done) override;
  std::size_t running() const { return runs_.size(); }

 private:
  struct Run;
  void finish(std::uint64_t id, AgentResult result);
  void on_timeout(std::uint64_t id);

  exec::Spawner& spawner_;
  Clock& clock_;
  Options options_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::unique_ptr<Run>> runs_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vigil::fencing
