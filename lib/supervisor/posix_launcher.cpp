// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/supervisor/posix_launcher.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <cerrno>
#include <cstring>
#include <set>

extern char** environ;

namespace vigil::supervisor {

struct PosixLauncher::Impl : std::enable_shared_from_this<Impl> {
  explicit Impl(boost::asio::io_context& io) : io(io), sigchld(io, SIGCHLD) {}

  boost::asio::io_context& io;
  boost::asio::signal_set sigchld;
  std::set<pid_t> children;  // started and not reaped
  ExitHandler on_exit;
  bool closed = false;

  void watch() {
    sigchld.async_wait([weak = weak_from_this()](const boost::system::error_code& ec, int) {
      auto self = weak.lock();
      if (!self || ec || self->closed) return;
      self->reap();
      self->watch();
    });
  }

  void reap() {
    std::vector<std::pair<pid_t, int>> exited;
    for (auto it = children.begin(); it != children.end();) {
      int status = 0;
      const pid_t r = ::waitpid(*it, &status, WNOHANG);
      if (r == *it) {
        exited.emplace_back(*it, status);
        it = children.erase(it);
      } else if (r < 0 && errno == ECHILD) {
        exited.emplace_back(*it, 0);  // gone without a status (should not happen)
        it = children.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [pid, status] : exited) {
      if (on_exit) on_exit(pid, status);
    }
  }
};

PosixLauncher::PosixLauncher(boost::asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {
  impl_->watch();
}

PosixLauncher::~PosixLauncher() {
  impl_->closed = true;
  impl_->on_exit = nullptr;
  boost::system::error_code ignored;
  impl_->sigchld.cancel(ignored);
}

Result<pid_t> PosixLauncher::start(const LaunchRequest& request) {
  if (::access(request.path.c_str(), X_OK) != 0) {
    const int err = errno;
    return Error(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                 request.path + ": " + std::strerror(err));
  }
  std::vector<std::string> args;
  args.push_back(request.path);
  args.insert(args.end(), request.args.begin(), request.args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_init(&actions);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, request.path.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Error(ErrorCode::kIo, request.path + ": " + std::strerror(rc));
  impl_->children.insert(pid);
  // A child that died before the signal handler was in place is caught here.
  boost::asio::post(impl_->io, [weak = std::weak_ptr<Impl>(impl_)] {
    if (auto self = weak.lock(); self && !self->closed) self->reap();
  });
  return pid;
}

Status PosixLauncher::signal(pid_t pid, int signo) {
  if (pid <= 0 || impl_->children.count(pid) == 0) {
    return Error(ErrorCode::kNotFound, "pid " + std::to_string(pid) + " is not a child of ours");
  }
  if (::kill(pid, signo) != 0) {
    return Error(ErrorCode::kIo, "kill " + std::to_string(pid) + ": " + std::strerror(errno));
  }
  return ok_status();
}

bool PosixLauncher::accepting(const std::string& socket_path) {
  sockaddr_un addr{};
  if (socket_path.size() >= sizeof(addr.sun_path)) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  if (ok) {
    // Take the server's greeting (briefly) before hanging up, so that the
    // daemon does not log a write to a vanished client for every probe.
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0 && (p.revents & POLLIN) != 0) {
      char buf[256];
      (void)::recv(fd, buf, sizeof(buf), 0);
    }
  }
  ::close(fd);
  return ok;
}

void PosixLauncher::set_exit_handler(ExitHandler handler) {
  impl_->on_exit = std::move(handler);
}

void PosixLauncher::poll() {
  impl_->reap();
}

}  // namespace vigil::supervisor
