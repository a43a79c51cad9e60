// SPDX-License-Identifier: GPL-2.0-or-later
// Launcher: how the supervisor starts, signals and hears about its
// children. PosixLauncher (posix_launcher.hpp) runs real processes; tests
// plug in a fake one. A launcher only ever signals pids it started and has
// not reaped yet.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "vigil/common/result.hpp"

namespace vigil::supervisor {

struct LaunchRequest {
  std::string path;               // executable
  std::vector<std::string> args;  // argv[1..]
};

class Launcher {
 public:
  // `wait_status` as from waitpid(): WIFEXITED/WIFSIGNALED apply.
  using ExitHandler = std::function<void(pid_t pid, int wait_status)>;

  virtual ~Launcher() = default;
  // Starts the process (its own process group, stdin on /dev/null, stdout
  // and stderr inherited). kNotFound/kIo when it could not start.
  virtual Result<pid_t> start(const LaunchRequest& request) = 0;
  // Signals a child of ours; kNotFound when `pid` is not one (anymore).
  virtual Status signal(pid_t pid, int signo) = 0;
  // Whether something accepts connections on this Unix socket now.
  virtual bool accepting(const std::string& socket_path) = 0;
  // Called from the event loop once per child, when it has been reaped.
  virtual void set_exit_handler(ExitHandler handler) = 0;
};

}  // namespace vigil::supervisor
