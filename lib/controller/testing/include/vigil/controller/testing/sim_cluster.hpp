// SPDX-License-Identifier: GPL-2.0-or-later
// SimCluster: N simulated nodes in one thread, each running the real
// stack: cibd::CibNode (over SimCpg under ChunkedMessaging, as the daemons'
// Corosync groups are) behind LocalCibAccess, lrmd::Service
// over lib/sim's AgentWorld behind InProcessExecutor, pengined::Scheduler
// behind InProcessScheduler, and the Controller. Corosync is lib/cluster's
// SimNetwork, time a ManualClock kept in step with the network's virtual
// time. Everything comes from one seed, so a run replays exactly.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "vigil/cluster/chunking.hpp"
#include "vigil/cluster/sim_network.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/controller/controller.hpp"
#include "vigil/sim/agents.hpp"

namespace vigil::cibd {
class CibNode;
}
namespace vigil::cibclient {
class CibAccess;
}

namespace vigil::controller::testing {

using cluster::NodeId;

struct SimClusterOptions {
  std::uint64_t seed = 1;
  int nodes = 2;
  std::string cib_xml;  // the CIB every node starts from (configuration)
  Duration agent_run_time{100};
  ControllerOptions controller;
  // Simulated time per step of the driver loop.
  Duration tick{1};
  std::size_t log_lines = 4000;  // kept for failure reports
  // Corosync's limit on one CPG message (SimOptions::max_message_size) and
  // the chunking every daemon's group goes through (lib/cluster's
  // corosync_group.hpp); a test lowers both to make messages "large".
  std::size_t max_message_size = cluster::SimOptions{}.max_message_size;
  cluster::ChunkLimits chunk_limits;
  // false: the controller's group without the chunking layer (only to show
  // what it is for).
  bool chunk_controller = true;
  // What each node's controller asks to run for its alerts (with
  // controller.alerts set); empty: nothing.
  std::function<void(NodeId, const std::vector<alerts::Alert>&, const alerts::Event&)> alerts;
};

class SimCluster {
 public:
  explicit SimCluster(SimClusterOptions options);
  ~SimCluster();
  SimCluster(const SimCluster&) = delete;
  SimCluster& operator=(const SimCluster&) = delete;

  cluster::SimNetwork& net() { return net_; }
  ManualClock& clock() { return clock_; }
  sim::AgentWorld& world() { return *world_; }
  int size() const { return options_.nodes; }
  static std::string name_of(NodeId id) { return "node" + std::to_string(id); }

  // Boots a node (corosync, then its daemons); a restart after crash().
  void start(NodeId id);
  void start_all();
  // Power loss: the node's daemons vanish, its resources stop running.
  void crash(NodeId id);
  // SIGTERM to vigil-crmd: clean shutdown; once it is done the node powers
  // off (see shutdown_done()).
  void shutdown(NodeId id);
  bool shutdown_done(NodeId id) const;
  // The same clean shutdown of vigil-crmd, but the node stays in the
  // Corosync membership afterwards (`vigil cluster stop --all` stops
  // Corosync only once every node's daemons are down); shutdown_done()
  // tells when its controller has left.
  void stop_controller(NodeId id);
  // vigil-crmd alone dies and is started again (the supervisor's respawn):
  // the CIB, the executor and the resources stay as they are.
  void restart_controller(NodeId id);
  // vigil-crmd alone dies (the node, its CIB and executor stay up) ...
  void kill_controller(NodeId id);
  // ... and is started again.
  void start_controller(NodeId id);
  bool up(NodeId id) const;
  // The fencer tells every running controller that a fencing operation
  // ended (as after `vigil stonith fence|confirm` by hand); the cluster's
  // own fencing requests are refused (no fencing daemon).
  void fence_event(const FenceEvent& e);
  // The node's controller learnt it was fenced and exited (not respawned).
  bool halted(NodeId id) const;

  Controller* controller(NodeId id);
  cibd::CibNode* cib(NodeId id);
  cibclient::CibAccess* cib_access(NodeId id);
  // The node's CIB replica as XML ("" when down).
  std::string cib_xml(NodeId id) const;

  // Runs the network and the clock for `d` of simulated time.
  void run_for(Duration d);
  // Runs until `pred` holds (checked after every tick) or `limit` passes.
  bool run_until(const std::function<bool()>& pred, Duration limit);
  // Called after every tick (invariant checks).
  void set_tick_hook(std::function<void()> hook) { tick_hook_ = std::move(hook); }

  // The DC every running controller agrees on, or kNoNode when they do not
  // agree (or none runs).
  NodeId agreed_dc() const;
  const std::deque<std::string>& log() const { return log_; }
  std::string dump(std::size_t lines = 200) const;
  void note(const std::string& line);

  struct Stack;
  class SimFencer;

 private:
  void build(NodeId id);
  void make_controller(NodeId id, Stack& s);
  // A daemon's log on node `id` into log() (debug lines dropped).
  LogSink node_log(NodeId id);
  void tear_down(NodeId id);
  void tick();

  SimClusterOptions options_;
  cluster::SimNetwork net_;
  ManualClock clock_;
  std::unique_ptr<sim::AgentWorld> world_;
  std::map<NodeId, std::unique_ptr<Stack>> stacks_;
  std::map<NodeId, std::string> disk_;  // each node's persisted CIB
  std::map<NodeId, bool> shutdown_done_;
  std::deque<std::string> log_;
  std::function<void()> tick_hook_;
};

}  // namespace vigil::controller::testing
