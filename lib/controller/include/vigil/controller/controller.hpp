// SPDX-License-Identifier: GPL-2.0-or-later
// Controller: vigil-crmd's logic (Pacemaker's pacemaker-controld), one per
// node. The decisions are a state machine (lib/controller/machine.hpp) that
// takes one input at a time and returns effects; Controller is its driver
// over the edges below, on one event loop, testable without sockets or
// Corosync.
//
// - DC election: the DC is the lowest node id among the members of the
//   "vigil-crmd" CPG view; every member derives it from the same view at the
//   same point of the agreed order, so a takeover costs no extra round trip.
// - Join: on every DC change (and when a node's crmd joins) each node sends
//   the DC its executor's whole history; the DC replaces that node's
//   status/node_state/lrm with it and marks it a member. Departed nodes get
//   in_ccm/crmd/join down and lose their transient attributes.
// - Only the DC writes the status section. It runs the scheduler whenever
//   something relevant changed (coalesced, never sleeping), executes the
//   transition graph (local actions through the executor, remote ones over
//   CPG), records every result in the CIB and confirms an action only once
//   that write is acknowledged.
// - Transient attributes (fail counts, last-failure, shutdown, client
//   attributes) are kept by the DC and written to
//   status/node_state/transient_attributes.
// - Clean shutdown: the node sets its "shutdown" attribute, waits (bounded)
//   for the DC's do_shutdown, then leaves the group.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/alerts/alerts.hpp"
#include "vigil/cluster/membership.hpp"
#include "vigil/cluster/messaging.hpp"
#include "vigil/cluster/quorum.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/common/log_sink.hpp"
#include "vigil/common/result.hpp"
#include "vigil/controller/fencer.hpp"

namespace vigil::cibclient {
class CibAccess;
}
namespace vigil::lrmd {
class ExecutorAccess;
}
namespace vigil::pengined {
class SchedulerAccess;
}

namespace vigil::controller {

inline constexpr const char* kCpgGroup = "vigil-crmd";
// The client name the controller gives its CibAccess (set_client_name):
// the DC recognises other controllers' writes by it.
inline constexpr const char* kCibClientName = "crmd";

using vigil::LogLevel;
using vigil::LogSink;

struct ControllerEnv {
  Clock& clock;
  cluster::Messaging& cpg;
  cluster::Membership& membership;
  cluster::Quorum& quorum;
  cibclient::CibAccess& cib;
  lrmd::ExecutorAccess& executor;
  pengined::SchedulerAccess& scheduler;
  FencerAccess& fencer;
  LogSink log;  // may be empty
  // Runs the alert agents of an event (vigil-crmd: lib/alerts' Runner);
  // empty: none run. Called with the alerts that selected the event.
  std::function<void(const std::vector<alerts::Alert>&, const alerts::Event&)> alerts;
};

struct ControllerOptions {
  // How long a clean shutdown waits for the DC to move resources away.
  Duration shutdown_escalation = std::chrono::minutes(20);
  // How long a controller that just started waits for the configured nodes
  // it does not see yet before it schedules anything (dc-deadtime; the
  // CIB's value wins).
  Duration dc_deadtime = std::chrono::seconds(20);
  // How long the DC waits for the controller of a node that is still in the
  // membership to come back (vigild respawns it) before it schedules
  // without that node; 0 disables the wait. Without fencing, scheduling at
  // once would start elsewhere what still runs there.
  Duration respawn_grace = std::chrono::seconds(15);
  // Scheduler re-run when nothing else happens (cluster-recheck-interval;
  // the CIB's value wins).
  Duration recheck_interval = std::chrono::minutes(15);
  // What a new DC records, as Pacemaker's does at takeover: the CIB's
  // crm_feature_set (without it the scheduler reads the CIB as a legacy one
  // and ignores per-operation fail counts), and the cluster options
  // dc-version, cluster-infrastructure and cluster-name (Corosync's
  // totem.cluster_name; empty: not written).
  std::string feature_set = "3.16.1";
  std::string dc_version = "vigil-0.1.0";
  std::string cluster_infrastructure = "corosync";
  std::string cluster_name;
  // Read the CIB's alerts section (at start and after each configuration
  // change) and have the driver run the alerts of node, fencing, resource
  // and attribute events, as Pacemaker's controller does.
  bool alerts = false;
};

enum class TransitionState { kIdle, kComputing, kExecuting, kAborting };
const char* to_string(TransitionState s);

struct ControllerStatus {
  cluster::NodeId self = cluster::kNoNode;
  cluster::NodeId dc = cluster::kNoNode;  // kNoNode before the first view
  std::string dc_name;
  struct Member {
    cluster::NodeId id = cluster::kNoNode;
    std::string name;
  };
  std::vector<Member> members;  // nodes with a controller in the group
  bool quorate = false;
  bool shutting_down = false;
  std::string state;  // the controller's state machine ("Idle", "NotDc" ...)
  TransitionState transition = TransitionState::kIdle;
  int transition_id = -1;  // last transition started by this DC
  std::size_t actions_in_flight = 0;
  std::size_t scheduler_runs = 0;  // computations started by this node as DC
  std::size_t transitions_completed = 0;
};

class Controller {
 public:
  Controller(ControllerEnv env, ControllerOptions options = {});
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Installs the handlers and joins the CPG group.
  Status start();

  // Clean shutdown; `done` runs once the node has left the group (after the
  // DC's do_shutdown or shutdown_escalation).
  void request_shutdown(std::function<void()> done);

  // Runs when this node learns from the fencer that it was fenced: the
  // controller has stopped and the process must exit without being
  // respawned (Pacemaker's controller exits with CRM_EX_FATAL).
  void set_halt_handler(std::function<void(const std::string& reason)> handler);

  // Transient attribute of `node` (a uname); an empty node is this node.
  // Forwarded to the DC, which writes it.
  Status set_attribute(const std::string& node, const std::string& name, const std::string& value);
  Status delete_attribute(const std::string& node, const std::string& name);
  // Forgets a resource's history and fail counts on `node` (empty: every
  // node), so that the scheduler re-probes it.
  Status cleanup(const std::string& rsc, const std::string& node);

  ControllerStatus status() const;
  bool is_dc() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The crmd.sock protocol, without the socket: one XML request in, one XML
// answer out. Requests:
//   <status/>  -> <status node dc dc-name is-dc quorate shutting-down transition
//                  transition-id in-flight><member id name/>...</status>
//   <attr_update node=".." name=".." value=".."/> -> <ok/>
//   <attr_delete node=".." name=".."/>         -> <ok/>
//   <cleanup rsc=".." [node=".."]/>            -> <ok/>
// Bad requests are refused with ErrorCode::kInvalidInput and change nothing.
Result<std::string> handle_client_request(Controller& controller, std::string_view payload);

}  // namespace vigil::controller
