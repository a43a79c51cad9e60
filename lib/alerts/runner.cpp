// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/alerts/runner.hpp"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <utility>

namespace vigil::alerts {

Stamp system_stamp() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  return Stamp{us / 1'000'000, static_cast<int>(us % 1'000'000)};
}

struct Runner::Running {
  std::string alert_id, recipient;
  int sequence = 0;
  Duration timeout{0};
  std::unique_ptr<exec::Process> process;
  std::unique_ptr<Timer> timer;
  bool timed_out = false;
};

Runner::Runner(exec::Spawner& spawner, Clock& clock, LogSink log, RunnerOptions options)
    : spawner_(spawner), clock_(clock), log_(std::move(log)), options_(std::move(options)) {
  if (!options_.now) options_.now = system_stamp;
  if (!options_.user.empty() && ::geteuid() == 0) {
    struct passwd pw {};
    struct passwd* found = nullptr;
    char buf[4096];
    if (::getpwnam_r(options_.user.c_str(), &pw, buf, sizeof buf, &found) == 0 &&
        found != nullptr) {
      ids_ = std::make_pair(static_cast<unsigned>(pw.pw_uid), static_cast<unsigned>(pw.pw_gid));
    } else if (log_) {
      // Pacemaker's executor refuses to run the alert then.
      log_(LogLevel::kError, "event=alert-user-missing user=" + options_.user +
                                 " reason=\"no such user: alert agents will not run\"");
    }
  }
}

Runner::~Runner() {
  for (auto& [key, r] : running_) {
    if (r->process) r->process->signal_group(SIGKILL);
  }
}

void Runner::send(const std::vector<Alert>& alerts, const Event& event) {
  bool any = false;
  for (const Alert& a : alerts) any = any || selected(a, event);
  if (!any) return;
  run(invocations(alerts, event, options_.now()));
}

exec::SpawnRequest Runner::request_for(const Invocation& inv, int sequence) const {
  exec::SpawnRequest req;
  if (ids_) {
    req.path = options_.setpriv;
    req.argv = {options_.setpriv,
                "--reuid=" + std::to_string(ids_->first),
                "--regid=" + std::to_string(ids_->second),
                "--init-groups",
                "--",
                inv.path};
  } else {
    req.path = inv.path;
    req.argv = {inv.path};
  }
  std::map<std::string, std::string> env;
  for (const std::string& e : options_.base_env) {
    const auto eq = e.find('=');
    if (eq != std::string::npos) env[e.substr(0, eq)] = e.substr(eq + 1);
  }
  for (const auto& [k, v] : inv.env) env[k] = v;
  const auto [legacy, name] = key_names(Key::kNodeSequence);
  env[std::string(legacy)] = std::to_string(sequence);
  env[std::string(name)] = std::to_string(sequence);
  for (const auto& [k, v] : env) req.env.push_back(k + "=" + v);
  req.output_limit = 4096;
  return req;
}

void Runner::run(std::vector<Invocation> invocations) {
  if (draining_) return;
  if (!options_.user.empty() && ::geteuid() == 0 && !ids_) {
    return;  // logged once at construction
  }
  for (const Invocation& inv : invocations) {
    const int seq = ++sequence_;
    const std::uint64_t key = next_key_++;
    auto r = std::make_unique<Running>();
    r->alert_id = inv.alert_id;
    r->recipient = inv.recipient;
    r->sequence = seq;
    r->timeout = std::chrono::milliseconds(inv.timeout_ms);
    if (log_) {
      log_(LogLevel::kInfo,
           "event=alert-exec alert=" + inv.alert_id + " recipient=" + inv.recipient +
               " kind=" + inv.env.at("CRM_alert_kind") + " sequence=" + std::to_string(seq));
    }
    std::weak_ptr<char> alive = alive_;
    auto spawned = spawner_.spawn(request_for(inv, seq), [this, alive, key](exec::ProcessExit e) {
      if (alive.expired()) return;
      finish(key, e);
    });
    if (!spawned.process) {
      if (log_) {
        log_(LogLevel::kNotice, "event=alert-failed alert=" + inv.alert_id +
                                    " reason=\"Could not send alert: " + spawned.message + "\"");
      }
      continue;
    }
    r->process = std::move(spawned.process);
    r->timer = clock_.start_timer(r->timeout, [this, alive, key] {
      if (alive.expired()) return;
      time_out(key);
    });
    running_[key] = std::move(r);
  }
}

void Runner::time_out(std::uint64_t key) {
  auto it = running_.find(key);
  if (it == running_.end()) return;
  Running& r = *it->second;
  r.timed_out = true;
  if (log_) {
    log_(LogLevel::kNotice, "event=alert-failed alert=" + r.alert_id + " recipient=" + r.recipient +
                                " reason=\"Could not send alert: Timed Out\"" +
                                " pid=" + std::to_string(r.process->pid()));
  }
  // Destroying the handle of a running child kills its group with SIGKILL
  // (and the spawner reaps it).
  r.process->signal_group(SIGKILL);
  running_.erase(it);
  ended();
}

void Runner::finish(std::uint64_t key, const exec::ProcessExit& exit) {
  auto it = running_.find(key);
  if (it == running_.end()) return;
  Running& r = *it->second;
  if (log_) {
    if (exit.kind == exec::ProcessExit::Kind::kSignaled) {
      log_(LogLevel::kNotice, "event=alert-failed alert=" + r.alert_id +
                                  " reason=\"Could not send alert: killed by signal " +
                                  std::to_string(exit.code) + "\" pid=" + std::to_string(exit.pid));
    } else if (exit.code != 0) {
      log_(LogLevel::kNotice, "event=alert-failed alert=" + r.alert_id + " reason=\"Alert [" +
                                  std::to_string(exit.pid) + "] completed but exited with status " +
                                  std::to_string(exit.code) + "\"");
    } else {
      log_(LogLevel::kDebug,
           "event=alert-done alert=" + r.alert_id + " pid=" + std::to_string(exit.pid));
    }
  }
  running_.erase(it);
  ended();
}

void Runner::drain(std::function<void()> drained) {
  draining_ = true;
  drained_ = std::move(drained);
  if (running_.empty() && drained_) std::exchange(drained_, nullptr)();
}

Duration Runner::longest_timeout() const {
  Duration longest{0};
  for (const auto& [key, r] : running_) longest = std::max(longest, r->timeout);
  return longest;
}

void Runner::ended() {
  if (draining_ && running_.empty() && drained_) std::exchange(drained_, nullptr)();
}

}  // namespace vigil::alerts
