// SPDX-License-Identifier: GPL-2.0-or-later
// The --watch loop (status_watch.hpp): draw, then wait for a key, a signal
// or the next interval, with the terminal in non-canonical mode so q needs
// no Enter.
#include "vigil/admin/status_watch.hpp"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>

#include "vigil/common/time.hpp"

namespace vigil::admin {

namespace {

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int) {
  g_stop = 1;
}

// SIGINT and SIGTERM end the loop (and interrupt its poll) while it runs;
// the previous handlers come back after.
class StopSignals {
 public:
  StopSignals() {
    g_stop = 0;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {
  }, old_term_{};
};

// Keys arrive one by one and are not echoed; restored on scope exit.
class KeyMode {
 public:
  explicit KeyMode(int fd) : fd_(fd) {
    if (::isatty(fd_) && ::tcgetattr(fd_, &saved_) == 0) {
      termios raw = saved_;
      raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
      raw.c_cc[VMIN] = 1;
      raw.c_cc[VTIME] = 0;
      active_ = ::tcsetattr(fd_, TCSANOW, &raw) == 0;
    }
  }
  ~KeyMode() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }
  KeyMode(const KeyMode&) = delete;
  KeyMode& operator=(const KeyMode&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Waits up to `ms` for input; true when q (or Q) was read or the input is
// gone (end of file). Other keys are read and ignored.
bool wait_for_quit(int fd, std::int64_t ms) {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + std::chrono::milliseconds(ms);
  while (!g_stop) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return ready < 0;
    char c = 0;
    const ssize_t n = ::read(fd, &c, 1);
    if (n == 0) {
      // No more keys (stdin closed): keep refreshing until a signal.
      ::poll(nullptr, 0, static_cast<int>(left));
      return false;
    }
    if (n == 1 && (c == 'q' || c == 'Q')) return true;
  }
  return true;
}

}  // namespace

Result<std::int64_t> parse_watch_interval(const std::string& text) {
  const auto ms = parse_interval_ms(text);
  if (!ms || *ms <= 0) {
    return Error(ErrorCode::kInvalidInput, "Invalid value for --interval: '" + text + "'");
  }
  return *ms;
}

Status watch_status(const std::function<std::string()>& render, const WatchOptions& options) {
  StopSignals signals;
  KeyMode keys(options.input_fd);
  for (int draws = 0; !g_stop;) {
    // Home, clear the screen, then the status.
    if (!write_all(options.output_fd, "\033[H\033[2J" + render())) {
      return Error(ErrorCode::kInternal, "cannot write the status to the terminal");
    }
    if (options.max_draws > 0 && ++draws >= options.max_draws) break;
    if (wait_for_quit(options.input_fd, options.interval_ms)) break;
  }
  return ok_status();
}

}  // namespace vigil::admin
