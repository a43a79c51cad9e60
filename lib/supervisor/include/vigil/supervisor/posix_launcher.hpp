// SPDX-License-Identifier: GPL-2.0-or-later
// PosixLauncher: the real Launcher on an io_context. posix_spawn() with a
// new process group, default signal dispositions and an empty mask; exits
// through SIGCHLD (an Asio signal_set) and waitpid() on each pid it started
// (never waitpid(-1): other children are not ours).
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
  // Children still running are left alone (the supervisor stops them first).
  ~PosixLauncher() override;
  PosixLauncher(const PosixLauncher&) = delete;
  PosixLauncher& operator=(const PosixLauncher&) = delete;

  Result<pid_t> start(const LaunchRequest& request) override;
  Status signal(pid_t pid, int signo) override;
  bool accepting(const std::string& socket_path) override;
  void set_exit_handler(ExitHandler handler) override;

  // Reaps what has exited (also run on every SIGCHLD).
  void poll();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace vigil::supervisor
