// SPDX-License-Identifier: GPL-2.0-or-later
// vigild's logic: ordered start, readiness, respawn with back-off, crash
// loop detection, dependants, ordered stop (see supervisor.hpp).
#include "vigil/supervisor/supervisor.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <deque>
#include <map>

namespace vigil::supervisor {

std::string_view to_string(ChildState state) {
  switch (state) {
    case ChildState::kStopped:
      return "stopped";
    case ChildState::kStarting:
      return "starting";
    case ChildState::kRunning:
      return "running";
    case ChildState::kBackoff:
      return "backoff";
    case ChildState::kStopping:
      return "stopping";
  }
  return "unknown";
}

namespace {

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* abbrev = sigabbrev_np(WTERMSIG(status));
    std::string sig = abbrev ? std::string("SIG") + abbrev : std::to_string(WTERMSIG(status));
    return "killed by " + sig + (WCOREDUMP(status) ? " (core dumped)" : "");
  }
  return "ended (wait status " + std::to_string(status) + ")";
}

struct Child {
  ChildSpec spec;
  ChildState state = ChildState::kStopped;
  pid_t pid = 0;
  int restarts = 0;
  int last_exit = 0;
  std::deque<TimePoint> crashes;  // within the window
  std::unique_ptr<Timer> timer;   // readiness poll, back-off or kill
  TimePoint started_at{};
  bool killed_unready = false;
};

}  // namespace

struct Supervisor::Impl {
  Impl(Clock& c, Launcher& l, SupervisorOptions o, LogSink lg)
      : clock(c), launcher(l), options(std::move(o)), log(std::move(lg)) {
    for (auto& spec : options.children) {
      Child child;
      child.spec = spec;
      children.push_back(std::move(child));
    }
  }

  Clock& clock;
  Launcher& launcher;
  SupervisorOptions options;
  LogSink log;
  std::vector<Child> children;
  std::map<pid_t, std::size_t> by_pid;
  bool started = false;
  bool stopping = false;
  bool fatal = false;
  int fatal_code = 1;
  std::string fatal_reason;
  std::function<void()> stop_done;
  std::function<void(const std::string&)> on_fatal;
  std::function<void()> on_change;
  std::unique_ptr<Timer> done_timer;

  void notice(const std::string& line) {
    if (log) log(LogLevel::kNotice, line);
  }
  void error(const std::string& line) {
    if (log) log(LogLevel::kError, line);
  }
  void changed() {
    if (on_change) on_change();
  }

  Child* find(const std::string& name) {
    for (auto& c : children) {
      if (c.spec.name == name) return &c;
    }
    return nullptr;
  }

  // Starts the first child that should run and does not, once every child
  // before it is ready.
  void reconcile() {
    if (stopping) return;
    for (auto& c : children) {
      if (c.state == ChildState::kRunning) continue;
      if (c.state != ChildState::kStopped) return;  // starting, back-off or stopping
      launch(c);
      if (c.state != ChildState::kRunning) return;
    }
  }

  void launch(Child& c) {
    auto pid = launcher.start(c.spec.launch);
    if (!pid) {
      error("event=child-start-failed child=" + c.spec.name + " reason=\"" + pid.error().message() +
            "\"");
      crashed(c, "could not be started: " + pid.error().message());
      return;
    }
    c.pid = *pid;
    by_pid[c.pid] = static_cast<std::size_t>(&c - children.data());
    c.started_at = clock.now();
    c.killed_unready = false;
    notice("event=child-started child=" + c.spec.name + " pid=" + std::to_string(c.pid));
    if (c.spec.socket_path.empty()) {
      c.state = ChildState::kRunning;
    } else {
      c.state = ChildState::kStarting;
      poll_ready(c);
    }
    changed();
  }

  void poll_ready(Child& c) {
    c.timer = clock.start_timer(options.ready_poll, [this, &c] {
      if (c.state != ChildState::kStarting || c.pid == 0) return;
      if (launcher.accepting(c.spec.socket_path)) {
        c.state = ChildState::kRunning;
        notice("event=child-ready child=" + c.spec.name + " pid=" + std::to_string(c.pid));
        changed();
        reconcile();
        return;
      }
      if (clock.now() - c.started_at >= options.ready_timeout) {
        error("event=child-not-ready child=" + c.spec.name + " pid=" + std::to_string(c.pid) +
              " reason=\"no connection accepted on " + c.spec.socket_path + " within " +
              std::to_string(options.ready_timeout.count()) + " ms\"");
        c.killed_unready = true;
        (void)launcher.signal(c.pid, SIGKILL);
        return;  // its exit counts as a crash
      }
      poll_ready(c);
    });
  }

  void on_exit(pid_t pid, int status) {
    auto it = by_pid.find(pid);
    if (it == by_pid.end()) return;
    Child& c = children[it->second];
    by_pid.erase(it);
    c.pid = 0;
    c.last_exit = status;
    c.timer.reset();
    if (c.state == ChildState::kStopping || stopping) {
      notice("event=child-stopped child=" + c.spec.name + " how=\"" + describe_exit(status) + "\"");
      c.state = ChildState::kStopped;
      changed();
      if (stopping) {
        continue_stop();
      } else {
        reconcile();
      }
      return;
    }
    std::string why = c.killed_unready ? "was not ready in time" : describe_exit(status);
    if (!c.killed_unready && WIFEXITED(status) &&
        std::find(options.fatal_exit_codes.begin(), options.fatal_exit_codes.end(),
                  WEXITSTATUS(status)) != options.fatal_exit_codes.end()) {
      error("event=child-fatal child=" + c.spec.name + " pid=" + std::to_string(pid) + " how=\"" +
            why + "\"");
      c.state = ChildState::kStopped;
      fatal_code = WEXITSTATUS(status);
      give_up(c.spec.name + " " + why + ": restarting it cannot help");
      return;
    }
    error("event=child-crashed child=" + c.spec.name + " pid=" + std::to_string(pid) + " how=\"" +
          why + "\"");
    crashed(c, why);
  }

  void crashed(Child& c, const std::string& why) {
    const TimePoint now = clock.now();
    c.crashes.push_back(now);
    while (!c.crashes.empty() && now - c.crashes.front() > options.crash_window) {
      c.crashes.pop_front();
    }
    // Dependants go down with it and come back after it.
    for (const auto& name : c.spec.dependants) {
      Child* d = find(name);
      if (d == nullptr) continue;
      if (d->state == ChildState::kStarting || d->state == ChildState::kRunning) {
        notice("event=child-restart-dependant child=" + d->spec.name + " because=" + c.spec.name);
        stop_child(*d);
      } else if (d->state == ChildState::kBackoff) {
        d->timer.reset();
        d->state = ChildState::kStopped;
      }
    }
    if (static_cast<int>(c.crashes.size()) > options.max_restarts) {
      give_up(c.spec.name + " failed " + std::to_string(c.crashes.size()) + " times within " +
              std::to_string(options.crash_window.count() / 1000) + " s (last: " + why + ")");
      return;
    }
    Duration backoff = options.backoff_initial;
    for (std::size_t i = 1; i < c.crashes.size() && backoff < options.backoff_max; ++i) {
      backoff *= 2;
    }
    backoff = std::min(backoff, options.backoff_max);
    c.state = ChildState::kBackoff;
    notice("event=child-respawn-scheduled child=" + c.spec.name +
           " in_ms=" + std::to_string(backoff.count()));
    c.timer = clock.start_timer(backoff, [this, &c] {
      if (c.state != ChildState::kBackoff) return;
      c.state = ChildState::kStopped;
      ++c.restarts;
      reconcile();
    });
    changed();
  }

  void stop_child(Child& c) {
    c.state = ChildState::kStopping;
    c.timer.reset();
    if (!launcher.signal(c.pid, SIGTERM)) {
      // Not ours any more: its exit has been (or is being) reported.
      return;
    }
    notice("event=child-stopping child=" + c.spec.name + " pid=" + std::to_string(c.pid));
    c.timer = clock.start_timer(options.stop_timeout, [this, &c] {
      if (c.state != ChildState::kStopping || c.pid == 0) return;
      error("event=child-kill child=" + c.spec.name + " pid=" + std::to_string(c.pid) +
            " reason=\"still running " + std::to_string(options.stop_timeout.count()) +
            " ms after SIGTERM\"");
      (void)launcher.signal(c.pid, SIGKILL);
    });
    changed();
  }

  void give_up(const std::string& reason) {
    error("event=supervisor-giving-up reason=\"" + reason + "\"");
    fatal = true;
    fatal_reason = reason;
    stop_all();
  }

  void stop_all() {
    stopping = true;
    for (auto& c : children) {
      if (c.state == ChildState::kBackoff) {
        c.timer.reset();
        c.state = ChildState::kStopped;
      }
    }
    continue_stop();
  }

  // One child at a time, last first.
  void continue_stop() {
    for (auto& c : children) {
      if (c.state == ChildState::kStopping) return;
    }
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
      if (it->pid != 0) {
        stop_child(*it);
        return;
      }
    }
    // Everything is down.
    if (done_timer) return;
    done_timer = clock.start_timer(Duration{0}, [this] {
      if (fatal && on_fatal) on_fatal(fatal_reason);
      auto done = std::move(stop_done);
      stop_done = nullptr;
      if (done) done();
    });
  }
};

Supervisor::Supervisor(Clock& clock, Launcher& launcher, SupervisorOptions options, LogSink log)
    : impl_(std::make_unique<Impl>(clock, launcher, std::move(options), std::move(log))) {
  Impl* impl = impl_.get();
  launcher.set_exit_handler([impl](pid_t pid, int status) { impl->on_exit(pid, status); });
}

Supervisor::~Supervisor() {
  impl_->launcher.set_exit_handler(nullptr);
}

void Supervisor::start() {
  if (impl_->started) return;
  impl_->started = true;
  impl_->reconcile();
}

void Supervisor::stop(std::function<void()> done) {
  impl_->stop_done = std::move(done);
  if (impl_->stopping) {
    if (impl_->done_timer == nullptr) impl_->continue_stop();
    return;
  }
  impl_->notice("event=supervisor-stopping");
  impl_->stop_all();
}

void Supervisor::set_fatal_handler(std::function<void(const std::string&)> handler) {
  impl_->on_fatal = std::move(handler);
}

void Supervisor::set_change_handler(std::function<void()> handler) {
  impl_->on_change = std::move(handler);
}

std::vector<ChildStatus> Supervisor::status() const {
  std::vector<ChildStatus> out;
  for (const auto& c : impl_->children) {
    out.push_back({c.spec.name, c.state, c.pid, c.restarts, c.last_exit});
  }
  return out;
}

bool Supervisor::all_ready() const {
  return std::all_of(impl_->children.begin(), impl_->children.end(),
                     [](const Child& c) { return c.state == ChildState::kRunning; });
}

bool Supervisor::stopping() const {
  return impl_->stopping;
}

int Supervisor::fatal_exit_code() const {
  return impl_->fatal ? impl_->fatal_code : 0;
}

std::string format_status(const std::vector<ChildStatus>& status) {
  std::string out;
  for (const auto& s : status) {
    out += s.name + " " + std::to_string(s.pid) + " " + std::string(to_string(s.state)) + " " +
           std::to_string(s.restarts) + " " + std::to_string(s.last_exit) + "\n";
  }
  return out;
}

}  // namespace vigil::supervisor
