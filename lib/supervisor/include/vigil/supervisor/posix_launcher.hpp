// SPDX-License-Identifier: GPL-2.0-or-later
// PosixLauncher: the real Launcher on an io_context, over lib/exec's
// PosixSpawner (the one process spawner of Vigil): posix_spawn() with a new
// process group, default signal dispositions, an empty mask, stdin on
// /dev/null, stdout and stderr inherited, no other descriptor, vigild's own
// environment. Exits are watched by the spawner (a pidfd per child, or
// SIGCHLD and waitpid() on its own pids only).
#pragma once

#include <memory>

#include "vigil/supervisor/launcher.hpp"

namespace boost::asio {
class io_context;
}

namespace vigil::supervisor {

class PosixLauncher final : public Launcher {
 public:
  explicit PosixLauncher(boost::asio::io_context& io);
  // The process group of a child still running is killed (SIGKILL): the
  // supervisor stops its children first, so this only happens when vigild
  // gives up abnormally, and then no daemon is left orphaned.
  ~PosixLauncher() override;
  PosixLauncher(const PosixLauncher&) = delete;
  PosixLauncher& operator=(const PosixLauncher&) = delete;

  Result<pid_t> start(const LaunchRequest& request) override;
  Status signal(pid_t pid, int signo) override;
  bool accepting(const std::string& socket_path) override;
  void set_exit_handler(ExitHandler handler) override;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace vigil::supervisor
