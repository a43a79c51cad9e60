// SPDX-License-Identifier: GPL-2.0-or-later
// Child processes behind an interface: the executor asks a Spawner to start
// an agent and hears back once, when the agent's process has exited. The
// real one is PosixSpawner (posix_spawner.hpp), the only code in Vigil that
// starts processes (agents, vigild's daemons, `vigil`'s meta-data calls);
// tests and lib/sim plug in scripted ones.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vigil::exec {

struct SpawnRequest {
  // Where the child's stdout and stderr go: captured into ProcessExit
  // (bounded), or the spawner's own (vigild's daemons log to its journal).
  enum class Output { kCapture, kInherit };

  std::string path;                      // the executable, absolute
  std::vector<std::string> argv;         // argv[0] included
  std::vector<std::string> env;          // "NAME=value": the complete environment
  std::size_t output_limit = 64 * 1024;  // bytes kept of stdout, and of stderr
  Output output = Output::kCapture;
  // What the child reads on stdin (fence agents take their options there);
  // nullopt: /dev/null. Written whole before the child starts, so it must
  // fit in a pipe (up to the system's pipe-max-size, 1 MiB by default).
  std::optional<std::string> input;
};

// This process's own environment as "NAME=value" entries, for children that
// inherit it (SpawnRequest::env is always given in full).
std::vector<std::string> current_environment();

// How the process ended and what it printed (bounded excerpts).
struct ProcessExit {
  enum class Kind { kExited, kSignaled };
  Kind kind = Kind::kExited;
  int code = 0;  // exit status, or the signal number when kSignaled
  bool core_dumped = false;
  int wait_status = 0;  // as waitpid() gave it (0 when the status was lost)
  pid_t pid = 0;
  std::string out;              // stdout excerpt (see OutputBuffer)
  std::string err;              // stderr excerpt
  std::uint64_t out_bytes = 0;  // everything printed, kept or not
  std::uint64_t err_bytes = 0;
};

// A started child, leader of its own process group. Destroying the handle of
// a child still running kills its whole group with SIGKILL; the spawner then
// reaps it in the background, and its exit handler is never called.
class Process {
 public:
  virtual ~Process() = default;
  virtual pid_t pid() const = 0;
  // Sends `signo` to the leader only (the child we started); nothing once it
  // has been reaped, so a recycled pid is never hit.
  virtual void signal(int signo) = 0;
  // Sends `signo` to every process of the group (children the agent forked
  // included). Harmless once the group is gone.
  virtual void signal_group(int signo) = 0;
  // Whether any process of the group still exists.
  virtual bool group_alive() const = 0;
};

using ExitHandler = std::function<void(ProcessExit)>;

struct Spawned {
  std::unique_ptr<Process> process;  // null when the start failed
  int error = 0;                     // errno of the failure
  std::string message;               // "<path>: <strerror> (<step>)"
};

class Spawner {
 public:
  virtual ~Spawner() = default;
  // Starts `request` in a new process group, stdin on /dev/null (or fed
  // request.input), stdout and
  // stderr captured or inherited (request.output). `on_exit` runs exactly
  // once from the event loop (never inside spawn()) when the group leader has
  // exited, with what was read of its output by then; children left running
  // (daemons an agent started) are not waited for. It is not called if the
  // Process was destroyed first.
  virtual Spawned spawn(const SpawnRequest& request, ExitHandler on_exit) = 0;
};

}  // namespace vigil::exec
