// SPDX-License-Identifier: GPL-2.0-or-later
// Executor: runs resource-agent operations the way pacemaker-execd does, on
// one event loop and no thread of its own. vigil-lrmd is meant to be a thin
// main over it; lib/sim can drive it with a ManualClock and a scripted
// Spawner.
//
// Rules (Pacemaker 2.1.5's daemons/execd/execd_commands.c and lib/services):
// - One operation at a time per resource, in request order; operations of
//   different resources run in parallel. An operation waiting for its
//   start delay holds back the ones queued after it on the same resource.
// - Every run has a timeout (the request's, else the default). When it
//   expires the agent's whole process group gets SIGTERM, then SIGKILL after
//   `kill_grace` if anything of the group is left; the result is "Timed Out"
//   with rc 1, reported once the agent itself has exited (and the group is
//   gone or has been sent SIGKILL). A cancelled operation that is running is
//   killed with SIGKILL at once, as Pacemaker does.
// - Recurring operations (interval > 0) run first right away (after the
//   start delay), then `interval` after each run completes. They report
//   their first result and then only when the (rc, execution status) pair
//   differs from the last one reported - Pacemaker's "notify changes only",
//   which its controller always asks for - unless the request sets
//   report_every_result. Failures do not stop them; cancel() does.
// - A request for a recurring operation that already exists (same rsc,
//   action, interval) replaces it: new call id, parameters and user data,
//   first result reported again, and it runs now if it was waiting.
// - A stop first cancels every recurring operation of the resource (each
//   reported as Cancelled), as the controller expects.
// - Results are delivered to the callback from the event loop, never from
//   inside execute() or cancel(); the callback may call execute() and
//   cancel(), but must not destroy the Executor.
// - Stonith resources (fence devices) run through `fence_devices`, not as
//   processes (fence_devices.hpp): a probe answers from the device's last
//   start or stop here (running after a successful start, else not
//   running), start and recurring monitor ask the fencer (success: OCF 0,
//   else an error with the fencer's reason; the operation's timeout
//   applies; a start asks again every second while the fencer does not
//   know the device yet, since it reads the CIB itself), stop succeeds;
//   without `fence_devices` all but probes fail
//   ("No connection to fencer"). Meta-data runs the fence agent.
// - Destroying the Executor kills the process group of every operation
//   still running and reports nothing more.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"
#include "vigil/exec/fence_devices.hpp"
#include "vigil/exec/operation.hpp"
#include "vigil/exec/process.hpp"

namespace vigil::exec {

struct ExecutorOptions {
  AgentPaths paths;
  Duration default_timeout{20000};       // Pacemaker's default operation timeout
  Duration kill_grace{5000};             // between SIGTERM and SIGKILL on timeout
  std::size_t output_limit = 64 * 1024;  // bytes kept of stdout, and of stderr
  // The environment agents start from ("NAME=value"): the daemon's own when
  // inherit_environment is set, else exactly `environment`.
  bool inherit_environment = true;
  std::vector<std::string> environment;
  // The fencer, for stonith resources (not owned; null: none).
  FenceDevices* fence_devices = nullptr;
};

using ResultCallback = std::function<void(const OperationResult&)>;

class Executor {
 public:
  // The daemon's wiring: Asio timers and PosixSpawner on `io`, which must
  // outlive the executor.
  Executor(boost::asio::io_context& io, ExecutorOptions options, ResultCallback on_result);
  // Injected edges (tests, simulation); both must outlive the executor.
  Executor(Clock& clock, Spawner& spawner, ExecutorOptions options, ResultCallback on_result);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues an operation; returns its call id (> 0). Bad requests (see
  // validate_request) are refused here; an agent that is missing or cannot
  // start is a result (not installed, ...), delivered like any other.
  Result<int> execute(OperationRequest request);

  // Cancels the operation (rsc, action, interval): queued or waiting for its
  // next run -> reported Cancelled right away; running -> killed, then
  // reported Cancelled. kNotFound when there is no such operation.
  Status cancel(std::string_view rsc_id, std::string_view action, Duration interval);
  // Cancels every recurring operation of a resource; returns how many.
  std::size_t cancel_all_recurring(std::string_view rsc_id);

  // Agents running now (including ones being killed).
  std::size_t running() const;
  // Recurring operations in place (queued, running or between runs).
  std::size_t recurring() const;
  // Nothing queued, running, recurring or waiting to be reported.
  bool idle() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::exec
