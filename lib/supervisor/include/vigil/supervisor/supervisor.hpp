// SPDX-License-Identifier: GPL-2.0-or-later
// Supervisor: vigild's logic (Pacemaker's pacemakerd), over a Launcher and
// a Clock so that it is tested without processes.
//
// Rules:
// - Children start in their configured order (vigil-cib, vigil-stonithd,
//   vigil-lrmd, vigil-pengine, vigil-crmd), each once every child before it is ready:
//   it accepts connections on its socket (polled every `ready_poll`, at most
//   `ready_timeout`; a child that does not get there is killed and counts as
//   a crash). A child without a socket is ready once started.
// - A child that exits while it should run has crashed: it is started again
//   after a back-off (`backoff_initial`, doubled for each further crash in
//   the window, at most `backoff_max`). More than `max_restarts` crashes of
//   one child within `crash_window`: everything is stopped, the reason
//   logged, and on_fatal() is called (vigild then exits non-zero and systemd
//   applies its own policy).
// - A child that exits with one of `fatal_exit_codes` (usage error, bad
//   configuration, vigil-crmd told by the fencer that this node was fenced:
//   restarting cannot help) stops everything at once; its code becomes
//   fatal_exit_code().
// - Dependants: a child lists the children whose state depends on it. When
//   it crashes they are stopped too (not counted as crashes) and start again
//   once it is ready, in order. vigil-stonithd and vigil-crmd depend on vigil-cib (their view of
//   the cluster is built from the CIB connection), as pacemakerd restarts
//   the controller with the CIB manager.
// - stop(): no more respawns; children are stopped in reverse order, one at
//   a time: SIGTERM, then SIGKILL after `stop_timeout`. Only pids the
//   launcher started and has not reaped are ever signalled.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/clock.hpp"
#include "vigil/common/log_sink.hpp"
#include "vigil/supervisor/launcher.hpp"

namespace vigil::supervisor {

struct ChildSpec {
  std::string name;  // vigil-cib ...
  LaunchRequest launch;
  std::string socket_path;              // readiness; empty: ready once started
  std::vector<std::string> dependants;  // names, restarted with this child
};

struct SupervisorOptions {
  std::vector<ChildSpec> children;  // in start order
  Duration ready_timeout{60'000};
  Duration ready_poll{100};
  Duration stop_timeout{30'000};
  Duration backoff_initial{1'000};
  Duration backoff_max{30'000};
  int max_restarts = 5;
  Duration crash_window{60'000};
  std::vector<int> fatal_exit_codes{2, 78, 100};  // 100: Pacemaker's CRM_EX_FATAL
};

enum class ChildState { kStopped, kStarting, kRunning, kBackoff, kStopping };
std::string_view to_string(ChildState state);

struct ChildStatus {
  std::string name;
  ChildState state = ChildState::kStopped;
  pid_t pid = 0;      // 0 when none runs
  int restarts = 0;   // respawns since vigild started
  int last_exit = 0;  // wait status of the last exit
};

class Supervisor {
 public:
  // `clock` and `launcher` must outlive the supervisor. `log` (may be empty)
  // gets what happens to children at notice level, what goes wrong at error.
  Supervisor(Clock& clock, Launcher& launcher, SupervisorOptions options, LogSink log);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  void start();
  // `done` runs once every child has exited.
  void stop(std::function<void()> done);
  // Gave up (crash loop): everything has been stopped when this is called.
  void set_fatal_handler(std::function<void(const std::string& reason)> handler);
  // Any state change (for a status file).
  void set_change_handler(std::function<void()> handler);

  std::vector<ChildStatus> status() const;
  bool all_ready() const;
  bool stopping() const;
  // After giving up: the exit status vigild should end with (1 for a crash
  // loop, the child's own code for a fatal exit), else 0.
  int fatal_exit_code() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// "vigil-cib 1234 running 0 0" lines, one per child: name, pid, state,
// restarts, last wait status. What vigild writes to $run/vigild.status.
std::string format_status(const std::vector<ChildStatus>& status);

}  // namespace vigil::supervisor
