// SPDX-License-Identifier: GPL-2.0-or-later
// Runs alert agents as Pacemaker 2.1.5's executor does
// (daemons/execd/execd_alerts.c): every agent at once, each in its own
// process group with the daemon's environment plus the alert variables and
// CRM_alert_node_sequence (one count per agent this runner started), as the
// cluster's daemon user (hacluster) when run as root, killed (its whole
// group, SIGKILL) at its timeout. Nothing waits for an agent (only the
// daemon's exit, bounded by their timeouts); a failure is only logged. The caller's event loop
// drives the spawner and the clock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vigil/alerts/alerts.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/common/log_sink.hpp"
#include "vigil/exec/process.hpp"

namespace vigil::alerts {

struct RunnerOptions {
  // Whom the agents run as when this process is root: Pacemaker's
  // CRM_DAEMON_USER. Empty, or not root: as this process.
  std::string user = "hacluster";
  // The program that drops privileges (util-linux): setpriv --reuid --regid
  // --init-groups -- AGENT.
  std::string setpriv = "/usr/bin/setpriv";
  // The environment the agents inherit (the daemon's).
  std::vector<std::string> base_env;
  // The time an event is sent (wall clock); replaced by tests.
  std::function<Stamp()> now;
};

class Runner {
 public:
  Runner(exec::Spawner& spawner, Clock& clock, LogSink log, RunnerOptions options);
  ~Runner();  // kills what still runs
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Stamps `event` now and starts every selected alert's agent.
  void send(const std::vector<Alert>& alerts, const Event& event);
  // Starts these agents (already stamped).
  void run(std::vector<Invocation> invocations);

  // Shutdown, as Pacemaker's executor drains its alerts: no agent starts
  // from now on, and `drained` is called (from the event loop, or at once
  // when none runs) once every running agent has ended or been killed at
  // its timeout.
  void drain(std::function<void()> drained);
  // The longest timeout among the agents still running (0 when none).
  Duration longest_timeout() const;

  std::size_t running() const { return running_.size(); }
  int sequence() const { return sequence_; }

  // The spawn request run() makes for one invocation (sequence included).
  exec::SpawnRequest request_for(const Invocation& inv, int sequence) const;

 private:
  struct Running;
  void finish(std::uint64_t key, const exec::ProcessExit& exit);
  void time_out(std::uint64_t key);
  void ended();  // an agent left running_

  exec::Spawner& spawner_;
  Clock& clock_;
  LogSink log_;
  RunnerOptions options_;
  std::optional<std::pair<unsigned, unsigned>> ids_;  // uid, gid to run as
  int sequence_ = 0;
  std::uint64_t next_key_ = 1;
  std::map<std::uint64_t, std::unique_ptr<Running>> running_;
  bool draining_ = false;
  std::function<void()> drained_;
  std::shared_ptr<char> alive_ = std::make_shared<char>(0);
};

// The wall clock, with microseconds.
Stamp system_stamp();

}  // namespace vigil::alerts
