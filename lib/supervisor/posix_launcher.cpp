// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/supervisor/posix_launcher.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <cstring>
#include <map>

#include "vigil/exec/posix_spawner.hpp"

namespace vigil::supervisor {

struct PosixLauncher::Impl {
  explicit Impl(boost::asio::io_context& io) : spawner(io) {}

  exec::PosixSpawner spawner;
  // Started and not reaped: a pid here is ours to signal.
  std::map<pid_t, std::unique_ptr<exec::Process>> children;
  ExitHandler on_exit;
};

PosixLauncher::PosixLauncher(boost::asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {}

PosixLauncher::~PosixLauncher() {
  impl_->on_exit = nullptr;
  impl_->children.clear();  // before the spawner they belong to
}

Result<pid_t> PosixLauncher::start(const LaunchRequest& request) {
  exec::SpawnRequest spawn;
  spawn.path = request.path;
  spawn.argv.push_back(request.path);
  spawn.argv.insert(spawn.argv.end(), request.args.begin(), request.args.end());
  spawn.env = exec::current_environment();
  spawn.output = exec::SpawnRequest::Output::kInherit;
  // The spawner reports from the event loop, never from inside spawn(): the
  // child is listed before its exit can be heard of.
  exec::Spawned started =
      impl_->spawner.spawn(spawn, [weak = std::weak_ptr<Impl>(impl_)](exec::ProcessExit exit) {
        auto self = weak.lock();
        if (!self) return;
        self->children.erase(exit.pid);
        if (self->on_exit) self->on_exit(exit.pid, exit.wait_status);
      });
  if (!started.process) {
    return Error(started.error == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, started.message);
  }
  const pid_t pid = started.process->pid();
  impl_->children.emplace(pid, std::move(started.process));
  return pid;
}

Status PosixLauncher::signal(pid_t pid, int signo) {
  auto it = impl_->children.find(pid);
  if (pid <= 0 || it == impl_->children.end()) {
    return Error(ErrorCode::kNotFound, "pid " + std::to_string(pid) + " is not a child of ours");
  }
  it->second->signal(signo);
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

}  // namespace vigil::supervisor
