// SPDX-License-Identifier: GPL-2.0-or-later
// PosixSpawner: the real Spawner, on one Boost.Asio io_context and no thread
// of its own.
//
// - posix_spawn() (no code of ours runs between fork and exec): a new process
//   group (POSIX_SPAWN_SETPGROUP), all signal dispositions reset to default
//   and an empty signal mask (an ignored SIGPIPE in the daemon must not leak
//   into shell agents), stdin on /dev/null, stdout and stderr on our pipes
//   (or ours, inherited, with SpawnRequest::Output::kInherit), every other
//   descriptor closed.
// - Captured output: both pipes are non-blocking and watched with
//   stream_descriptor::async_wait; the reads are ours, so nothing is read
//   behind our back after the exit handler ran. Bytes beyond the limit are
//   read and counted, not kept, so a noisy agent never blocks on a full pipe.
// - Exit: a pidfd (Linux >= 5.3) per child, readable when it exits; or, with
//   Options::use_pidfd = false or when pidfd_open() is not available, one
//   SIGCHLD signal_set for the spawner and waitpid(pid, WNOHANG) on each
//   child we started (never waitpid(-1): other children of the daemon are not
//   ours to reap).
// - Completion does not wait for end-of-file: an agent that leaves a daemon
//   holding its stdout open is done when the agent itself exits. What it
//   printed is drained (bounded) and the pipes are closed then.
//
// The spawner must outlive the Process handles it returns, and the
// io_context must outlive the spawner. The daemon must not set SIGCHLD to
// SIG_IGN (the kernel would then reap agents itself and their exit status
// would be lost: such a run is reported as an execution error).
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "vigil/exec/process.hpp"

namespace vigil::exec {

class PosixSpawner final : public Spawner {
 public:
  struct Options {
    bool use_pidfd = true;
  };
  explicit PosixSpawner(boost::asio::io_context& io);
  PosixSpawner(boost::asio::io_context& io, Options options);
  ~PosixSpawner() override;
  PosixSpawner(const PosixSpawner&) = delete;
  PosixSpawner& operator=(const PosixSpawner&) = delete;

  Spawned spawn(const SpawnRequest& request, ExitHandler on_exit) override;

  // Whether exits are watched through pidfds (false: through SIGCHLD).
  bool using_pidfd() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace vigil::exec
