// SPDX-License-Identifier: GPL-2.0-or-later
// AgentWorld: resource agents without processes, for whole-cluster
// simulations. Each simulated node gets an exec::Spawner that lib/exec's
// Executor (and so vigil-lrmd's service) drives exactly as it drives real
// agents; instead of forking, the "agent" changes the world's state and
// exits after a simulated run time on the shared Clock.
//
// The world is the ground truth the simulation's invariants read: which
// resources really run where, whatever the cluster believes. Semantics of
// an OCF agent: start makes the resource run on that node (exit 0), stop
// makes it not run (0), monitor answers 0 when running and 7 when not,
// meta-data and validate-all answer 0. Faults: an action can be made to
// fail with a given exit code or to hang until it is killed, a running
// resource can die on its own, and a node can lose everything at once.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "vigil/common/clock.hpp"
#include "vigil/exec/process.hpp"

namespace vigil::sim {

class AgentWorld {
 public:
  // `run_time`: how long every agent action takes on the clock.
  explicit AgentWorld(Clock& clock, Duration run_time = Duration(100));
  ~AgentWorld();
  AgentWorld(const AgentWorld&) = delete;
  AgentWorld& operator=(const AgentWorld&) = delete;

  // The spawner of one node (created on first use; valid while the world lives).
  exec::Spawner& spawner(const std::string& node);

  // --- ground truth --------------------------------------------------------
  bool running(const std::string& node, const std::string& rsc) const;
  // Nodes where `rsc` runs now (sorted).
  std::vector<std::string> nodes_running(const std::string& rsc) const;
  // Every agent invocation so far, "node rsc action rc" (or "... hung",
  // "... killed"), for failure reports.
  const std::vector<std::string>& journal() const { return journal_; }
  // Agent processes not yet exited (hung or still within their run time).
  std::size_t in_flight() const;
  // Called after every action that exited on its own (not killed), once the
  // world reflects it: invariants are checked at the moment of a start.
  using Observer = std::function<void(const std::string& node, const std::string& rsc,
                                      const std::string& action, int rc)>;
  void set_observer(Observer observer) { observer_ = std::move(observer); }

  // --- faults --------------------------------------------------------------
  // The next `action` of `rsc` on `node` exits with `rc` and leaves the
  // state unchanged (a failed start does not start, a failed stop does not stop).
  void fail_next(const std::string& node, const std::string& rsc, const std::string& action,
                 int rc);
  // The next `action` of `rsc` on `node` never exits on its own; it ends
  // when the executor kills it (timeout), leaving the state unchanged.
  void hang_next(const std::string& node, const std::string& rsc, const std::string& action);
  // The resource dies on its own on that node (a crashed daemon): monitors
  // now answer 7.
  void kill_resource(const std::string& node, const std::string& rsc);
  // The node lost power: nothing runs there any more, agents in flight on
  // it vanish without reporting (their executor is gone with the node).
  void power_off(const std::string& node);

 private:
  class NodeSpawner;
  class SimProcess;
  struct Pending;
  struct Fault {
    enum class Kind { kFail, kHang } kind = Kind::kFail;
    int rc = 0;
  };
  using FaultKey = std::tuple<std::string, std::string, std::string>;  // node, rsc, action

  exec::Spawned spawn(const std::string& node, const exec::SpawnRequest& request,
                      exec::ExitHandler on_exit);
  void finish(std::uint64_t id, exec::ProcessExit exit);
  void kill(std::uint64_t id, int signo);
  void note(const std::string& line) { journal_.push_back(line); }

  Clock& clock_;
  Duration run_time_;
  std::map<std::string, std::unique_ptr<NodeSpawner>> spawners_;
  std::map<std::string, std::set<std::string>> running_;  // node -> resources
  std::map<FaultKey, Fault> faults_;
  std::map<std::uint64_t, std::unique_ptr<Pending>> pending_;
  std::uint64_t next_id_ = 1;
  std::vector<std::string> journal_;
  Observer observer_;
};

}  // namespace vigil::sim
