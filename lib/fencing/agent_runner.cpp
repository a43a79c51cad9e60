// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/fencing/agent_runner.hpp"

#include <signal.h>

#include <cerrno>
#include <cstring>

namespace vigil::fencing {

struct SpawnerAgentRunner::Run {
  AgentCall call;
  AgentDone done;
  std::unique_ptr<exec::Process> process;
  std::unique_ptr<Timer> timer;
  bool timed_out = false;
};

namespace {

std::string seconds(Duration d) {
  const auto ms = d.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

AgentResult from_exit(const AgentCall& call, const exec::ProcessExit& e, bool timed_out) {
  AgentResult r;
  r.out = e.out;
  r.err = e.err;
  if (timed_out) {
    r.status = AgentResult::Status::kTimeout;
    r.reason = "timed out after " + seconds(call.timeout);
  } else if (e.kind == exec::ProcessExit::Kind::kSignaled) {
    r.status = AgentResult::Status::kError;
    r.reason = "killed by signal " + std::to_string(e.code) + " (" + strsignal(e.code) + ")";
  } else {
    r.exit_code = e.code;
    if (e.code != 0) r.reason = "exit code " + std::to_string(e.code);
  }
  return r;
}

}  // namespace

SpawnerAgentRunner::SpawnerAgentRunner(exec::Spawner& spawner, Clock& clock, Options options)
    : spawner_(spawner), clock_(clock), options_(std::move(options)) {}

SpawnerAgentRunner::~SpawnerAgentRunner() {
  *alive_ = false;
}

void SpawnerAgentRunner::run(const AgentCall& call, AgentDone done) {
  const std::uint64_t id = next_id_++;
  auto run = std::make_unique<Run>();
  run->call = call;
  run->done = std::move(done);
  Run& r = *run;
  runs_.emplace(id, std::move(run));

  auto fail_later = [&](AgentResult::Status status, std::string reason) {
    AgentResult res;
    res.status = status;
    res.reason = std::move(reason);
    // Delivered from the loop, as every other result.
    r.timer = clock_.start_timer(Duration{0}, [this, id, res] { finish(id, res); });
  };
  if (!valid_agent_name(call.agent)) {
    fail_later(AgentResult::Status::kNotFound, "invalid fence agent name '" + call.agent + "'");
    return;
  }
  exec::SpawnRequest req;
  req.path = options_.agent_dir + "/" + call.agent;
  req.argv = {req.path};
  req.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"};
  req.input = call.input;
  req.output_limit = options_.output_limit;
  std::weak_ptr<bool> alive = alive_;
  exec::Spawned s = spawner_.spawn(req, [this, id, alive](exec::ProcessExit e) {
    if (alive.expired()) return;
    auto it = runs_.find(id);
    if (it == runs_.end()) return;
    finish(id, from_exit(it->second->call, e, it->second->timed_out));
  });
  if (!s.process) {
    const bool missing = s.error == ENOENT;
    fail_later(
        missing ? AgentResult::Status::kNotFound : AgentResult::Status::kError,
        missing ? "fence agent " + call.agent + " not found in " + options_.agent_dir : s.message);
    return;
  }
  r.process = std::move(s.process);
  r.timer = clock_.start_timer(call.timeout, [this, id] { on_timeout(id); });
}

// As Pacemaker's fencer: SIGKILL to the whole group at the timeout, so the
// failure is known then (a grace period would let a hung agent hold the
// request past its overall timer, which then fails it without naming the
// device). A process that still does not go (stuck in the kernel) is given
// up on `exit_wait` later.
void SpawnerAgentRunner::on_timeout(std::uint64_t id) {
  auto it = runs_.find(id);
  if (it == runs_.end()) return;
  Run& r = *it->second;
  if (!r.timed_out) {
    r.timed_out = true;
    r.process->signal_group(SIGKILL);
    r.timer = clock_.start_timer(options_.exit_wait, [this, id] { on_timeout(id); });
    return;
  }
  finish(id, from_exit(r.call, exec::ProcessExit{}, true));
}

void SpawnerAgentRunner::finish(std::uint64_t id, AgentResult result) {
  auto it = runs_.find(id);
  if (it == runs_.end()) return;
  std::unique_ptr<Run> run = std::move(it->second);
  runs_.erase(it);
  // Whatever the agent left behind in its group goes with it.
  if (run->process && run->process->group_alive()) run->process->signal_group(SIGKILL);
  run->done(std::move(result));
}

}  // namespace vigil::fencing
