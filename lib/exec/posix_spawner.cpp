// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/exec/posix_spawner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include "vigil/exec/output_buffer.hpp"
#include "vigil/exec/unique_fd.hpp"

extern char** environ;

namespace vigil::exec {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
// Per wake-up, so that one noisy agent cannot starve the loop; the rest is
// read on the next turn.
constexpr std::size_t kReadBudgetPerWake = 1024 * 1024;
// After the exit: what is still in the pipe, or what a daemon left holding
// the pipe keeps writing, is read up to this much and no more.
constexpr std::size_t kDrainBudget = 8 * 1024 * 1024;

std::string errno_message(const std::string& what, int err, const char* step) {
  return what + ": " + std::strerror(err) + " (" + step + ")";
}

// Descriptors 0..2 must not be reused for our pipes: the child's dup2 would
// then clobber one of its own standard streams.
int move_above_stdio(UniqueFd& fd) {
  if (fd.get() > STDERR_FILENO) return 0;
  const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  if (moved < 0) return errno;
  fd.reset(moved);
  return 0;
}

struct FileActions {
  posix_spawn_file_actions_t fa;
  FileActions() { posix_spawn_file_actions_init(&fa); }
  ~FileActions() { posix_spawn_file_actions_destroy(&fa); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
};

struct SpawnAttr {
  posix_spawnattr_t attr;
  SpawnAttr() { posix_spawnattr_init(&attr); }
  ~SpawnAttr() { posix_spawnattr_destroy(&attr); }
  SpawnAttr(const SpawnAttr&) = delete;
  SpawnAttr& operator=(const SpawnAttr&) = delete;
};

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) return -errno;
  // pidfds are close-on-exec from the start.
  return static_cast<int>(fd);
#else
  (void)pid;
  return -ENOSYS;
#endif
}

// ---- one child ---------------------------------------------------------------

// Everything about one started child. Owned jointly by its Process handle
// and by the handlers pending on its descriptors, so a handler never touches
// freed memory, and an abandoned child is still reaped.
class Child : public std::enable_shared_from_this<Child> {
 public:
  // `out` and `err` are our ends of the child's stdout and stderr pipes, or
  // empty when the child writes to ours.
  Child(asio::io_context& io, pid_t pid, UniqueFd out, UniqueFd err, std::size_t limit,
        ExitHandler on_exit)
      : io_(io), pid_(pid), on_exit_(std::move(on_exit)) {
    if (out) streams_[0].emplace(io, out.release(), limit);
    if (err) streams_[1].emplace(io, err.release(), limit);
  }

  ~Child() {
    if (!reaped_) {
      // Only when the io_context goes away with this child still running
      // (daemon shutdown): kill it, and reap it if it is already gone.
      ::kill(-pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, WNOHANG);
    }
  }

  pid_t pid() const { return pid_; }
  bool reaped() const { return reaped_; }

  void start_watching(std::optional<UniqueFd> pidfd) {
    watch_stream(0);
    watch_stream(1);
    if (pidfd) {
      pidfd_.emplace(io_, pidfd->release());
      watch_pidfd();
    }
  }

  // The leader has exited with `status` (from waitpid).
  void on_reaped(int status) {
    reaped_ = true;
    wait_status_ = status;
    if (pidfd_) {
      boost::system::error_code ignored;
      pidfd_->close(ignored);
    }
    finish();
  }

  // waitpid(pid) could not tell us how it ended (someone else reaped it).
  void on_lost(int err) {
    lost_errno_ = err;
    on_reaped(0);
  }

  // The handle is gone: kill the group, forget the handler, keep reaping.
  void abandon() {
    if (finished_) return;
    finished_ = true;
    on_exit_ = nullptr;
    ::kill(-pid_, SIGKILL);
    close_streams();
  }

  // Checks, without blocking, whether the leader has exited.
  void poll_exit() {
    if (reaped_) return;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      on_reaped(status);
    } else if (r < 0 && errno != EINTR) {
      on_lost(errno);
    }
  }

 private:
  struct Stream {
    Stream(asio::io_context& io, int fd, std::size_t limit) : desc(io, fd), buffer(limit) {}
    asio::posix::stream_descriptor desc;
    OutputBuffer buffer;
    bool open = true;
  };

  void watch_stream(int i) {
    if (!streams_[i] || !streams_[i]->open) return;
    Stream& s = *streams_[i];
    s.desc.async_wait(asio::posix::stream_descriptor::wait_read,
                      [self = shared_from_this(), i](const boost::system::error_code& ec) {
                        if (ec || self->finished_) return;
                        if (self->read_stream(i, kReadBudgetPerWake)) self->watch_stream(i);
                      });
  }

  void watch_pidfd() {
    pidfd_->async_wait(asio::posix::stream_descriptor::wait_read,
                       [self = shared_from_this()](const boost::system::error_code& ec) {
                         if (ec == asio::error::operation_aborted || self->reaped_) return;
                         int status = 0;
                         const pid_t r = ::waitpid(self->pid_, &status, WNOHANG);
                         if (r == self->pid_) {
                           self->on_reaped(status);
                         } else if (r == 0 || (r < 0 && errno == EINTR)) {
                           self->watch_pidfd();  // not yet (should not happen)
                         } else {
                           self->on_lost(errno);
                         }
                       });
  }

  // Reads what is available, up to `budget` bytes. Returns whether the
  // stream is still open and should be watched again.
  bool read_stream(int i, std::size_t budget) {
    if (!streams_[i]) return false;
    Stream& s = *streams_[i];
    std::array<char, kReadChunk> buf;
    std::size_t done = 0;
    while (s.open && done < budget) {
      const ssize_t n = ::read(s.desc.native_handle(), buf.data(), buf.size());
      if (n > 0) {
        s.buffer.append(std::string_view(buf.data(), static_cast<std::size_t>(n)));
        done += static_cast<std::size_t>(n);
      } else if (n == 0) {
        close_stream(s);  // end of file: every writer has closed it
      } else if (errno == EINTR) {
        continue;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return true;
      } else {
        close_stream(s);
      }
    }
    return s.open;
  }

  static void close_stream(Stream& s) {
    if (!s.open) return;
    s.open = false;
    boost::system::error_code ignored;
    s.desc.close(ignored);
  }

  void close_streams() {
    for (auto& s : streams_) {
      if (s) close_stream(*s);
    }
  }

  static void take_output(const std::optional<Stream>& s, std::string& text, std::uint64_t& total) {
    if (!s) return;
    text = s->buffer.text();
    total = s->buffer.total();
  }

  void finish() {
    if (finished_) return;  // abandoned: reaping was all that was left to do
    finished_ = true;
    for (int i = 0; i < 2; ++i) read_stream(i, kDrainBudget);
    close_streams();

    ProcessExit exit;
    exit.pid = pid_;
    exit.wait_status = wait_status_;
    if (lost_errno_ != 0) {
      exit.kind = ProcessExit::Kind::kExited;
      exit.code = -1;
    } else if (WIFSIGNALED(wait_status_)) {
      exit.kind = ProcessExit::Kind::kSignaled;
      exit.code = WTERMSIG(wait_status_);
      exit.core_dumped = WCOREDUMP(wait_status_);
    } else {
      exit.kind = ProcessExit::Kind::kExited;
      exit.code = WEXITSTATUS(wait_status_);
    }
    take_output(streams_[0], exit.out, exit.out_bytes);
    take_output(streams_[1], exit.err, exit.err_bytes);
    if (lost_errno_ != 0) {
      exit.err += "\n[vigil: exit status of pid " + std::to_string(pid_) +
                  " lost: " + std::strerror(lost_errno_) + "]\n";
    }
    auto handler = std::move(on_exit_);
    on_exit_ = nullptr;
    if (handler) handler(std::move(exit));
  }

  asio::io_context& io_;
  pid_t pid_;
  ExitHandler on_exit_;
  std::array<std::optional<Stream>, 2> streams_;
  std::optional<asio::posix::stream_descriptor> pidfd_;
  bool reaped_ = false;
  bool finished_ = false;  // handler called, or abandoned
  int wait_status_ = 0;
  int lost_errno_ = 0;
};

class ChildHandle final : public Process {
 public:
  explicit ChildHandle(std::shared_ptr<Child> child) : child_(std::move(child)) {}
  ~ChildHandle() override { child_->abandon(); }
  pid_t pid() const override { return child_->pid(); }
  void signal(int signo) override {
    if (!child_->reaped()) ::kill(child_->pid(), signo);
  }
  void signal_group(int signo) override { ::kill(-child_->pid(), signo); }
  bool group_alive() const override { return ::kill(-child_->pid(), 0) == 0 || errno == EPERM; }

 private:
  std::shared_ptr<Child> child_;
};

}  // namespace

std::vector<std::string> current_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  return env;
}

// ---- the spawner -------------------------------------------------------------

struct PosixSpawner::Impl : std::enable_shared_from_this<PosixSpawner::Impl> {
  Impl(asio::io_context& io, bool pidfd) : io(io), use_pidfd(pidfd) {}

  asio::io_context& io;
  bool use_pidfd;
  // SIGCHLD mode only: the children we started and have not reaped yet.
  std::optional<asio::signal_set> sigchld;
  std::map<pid_t, std::shared_ptr<Child>> unreaped;

  void start_sigchld() {
    if (sigchld) return;
    sigchld.emplace(io, SIGCHLD);
    wait_sigchld();
  }

  void wait_sigchld() {
    sigchld->async_wait([weak = weak_from_this()](const boost::system::error_code& ec, int) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->reap_all();
      self->wait_sigchld();
    });
  }

  // One SIGCHLD may stand for several exits: ask each of our children.
  void reap_all() {
    for (auto it = unreaped.begin(); it != unreaped.end();) {
      auto child = it->second;
      child->poll_exit();
      it = child->reaped() ? unreaped.erase(it) : std::next(it);
    }
  }
};

PosixSpawner::PosixSpawner(asio::io_context& io) : PosixSpawner(io, Options{}) {}

PosixSpawner::PosixSpawner(asio::io_context& io, Options options)
    : impl_(std::make_shared<Impl>(io, options.use_pidfd)) {
  if (impl_->use_pidfd) {
    // Probe once: kernels before 5.3 (and some sandboxes) lack pidfd_open.
    const int fd = open_pidfd(::getpid());
    if (fd < 0) {
      impl_->use_pidfd = false;
    } else {
      ::close(fd);
    }
  }
  if (!impl_->use_pidfd) impl_->start_sigchld();
}

PosixSpawner::~PosixSpawner() {
  if (impl_->sigchld) {
    boost::system::error_code ignored;
    impl_->sigchld->cancel(ignored);
  }
}

bool PosixSpawner::using_pidfd() const {
  return impl_->use_pidfd;
}

namespace {

// A pipe holding `data` whole, its write end closed, so the child reads the
// data then end-of-file and we never wait on it. Returns an errno.
int fill_input_pipe(const std::string& data, UniqueFd& read_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return errno;
  UniqueFd r(fds[0]), w(fds[1]);
  if (int e = move_above_stdio(r); e != 0) return e;
  if (::fcntl(w.get(), F_SETFL, O_NONBLOCK) != 0) return errno;
  if (data.size() > 4096) {
    // Linux rounds the size up; a failure leaves the default and the write
    // below reports what did not fit.
    (void)::fcntl(w.get(), F_SETPIPE_SZ, static_cast<int>(data.size()));
  }
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(w.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN ? EMSGSIZE : errno;
    done += static_cast<std::size_t>(n);
  }
  read_end = std::move(r);
  return 0;
}

}  // namespace

Spawned PosixSpawner::spawn(const SpawnRequest& request, ExitHandler on_exit) {
  Spawned result;
  auto fail = [&](int err, const char* step) {
    result.error = err;
    result.message = errno_message(request.path, err, step);
    return std::move(result);
  };
  if (request.path.empty() || request.argv.empty()) {
    return fail(EINVAL, "empty command");
  }

  std::vector<char*> argv;
  for (const auto& a : request.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : request.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  const bool capture = request.output == SpawnRequest::Output::kCapture;
  std::array<UniqueFd, 2> out, err;  // [0] read end (ours), [1] write end (the child's)
  for (auto* p : {&out, &err}) {
    if (!capture) break;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return fail(errno, "pipe2");
    (*p)[0].reset(fds[0]);
    (*p)[1].reset(fds[1]);
    for (auto& fd : *p) {
      if (int e = move_above_stdio(fd); e != 0) return fail(e, "fcntl");
    }
    // Only our end is non-blocking; the agent writes to a blocking pipe.
    if (::fcntl((*p)[0].get(), F_SETFL, O_NONBLOCK) != 0) return fail(errno, "fcntl");
  }

  UniqueFd in;  // read end of the stdin pipe, already filled
  if (request.input) {
    if (int e = fill_input_pipe(*request.input, in); e != 0) return fail(e, "stdin pipe");
  }

  FileActions fa;
  if (in.get() >= 0) {
    posix_spawn_file_actions_adddup2(&fa.fa, in.get(), STDIN_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&fa.fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  if (capture) {
    posix_spawn_file_actions_adddup2(&fa.fa, out[1].get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa.fa, err[1].get(), STDERR_FILENO);
  }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // Whatever the daemon has open (sockets, the CIB file) stays out of agents,
  // even descriptors opened without O_CLOEXEC by some library.
  posix_spawn_file_actions_addclosefrom_np(&fa.fa, STDERR_FILENO + 1);
#endif

  SpawnAttr attr;
  sigset_t mask;
  sigemptyset(&mask);
  sigset_t defaults;
  sigfillset(&defaults);
  posix_spawnattr_setflags(&attr.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr.attr, 0);  // its own group, pgid = its pid
  posix_spawnattr_setsigmask(&attr.attr, &mask);
  posix_spawnattr_setsigdefault(&attr.attr, &defaults);

  pid_t pid = -1;
  if (int e =
          ::posix_spawn(&pid, request.path.c_str(), &fa.fa, &attr.attr, argv.data(), envp.data());
      e != 0) {
    return fail(e, "posix_spawn");
  }
  out[1].reset();
  err[1].reset();

  std::optional<UniqueFd> pidfd;
  if (impl_->use_pidfd) {
    const int fd = open_pidfd(pid);
    if (fd >= 0) {
      pidfd.emplace(fd);
    } else {
      // Cannot happen after the probe, short of running out of descriptors:
      // fall back to SIGCHLD for this child (and the next ones).
      impl_->start_sigchld();
    }
  }
  const std::size_t limit = request.output_limit;
  auto child = std::make_shared<Child>(impl_->io, pid, std::move(out[0]), std::move(err[0]), limit,
                                       std::move(on_exit));
  const bool by_sigchld = !pidfd.has_value();
  child->start_watching(std::move(pidfd));
  if (by_sigchld) {
    impl_->unreaped.emplace(pid, child);
    // It may have exited before it was listed: look once from the loop.
    asio::post(impl_->io, [weak = std::weak_ptr<Impl>(impl_)] {
      if (auto self = weak.lock()) self->reap_all();
    });
  }
  result.process = std::make_unique<ChildHandle>(std::move(child));
  return result;
}

}  // namespace vigil::exec
