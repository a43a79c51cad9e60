// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/log/log.hpp"

#include <qb/qblog.h>
#include <syslog.h>

#include <cstdio>
#include <mutex>
#include <string>

namespace vigil::log {

namespace {

struct State {
  std::mutex mutex;
  bool initialised = false;
  int file_target = -1;
  LogLevel min_level = LogLevel::kInfo;
  LogSink capture;
};

State& state() {
  static State s;
  return s;
}

int priority_of(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return LOG_DEBUG;
    case LogLevel::kInfo:
      return LOG_INFO;
    case LogLevel::kNotice:
      return LOG_NOTICE;
    case LogLevel::kWarning:
      return LOG_WARNING;
    case LogLevel::kError:
      return LOG_ERR;
  }
  return LOG_INFO;
}

void enable_target(int target, LogLevel min_level) {
  qb_log_filter_ctl(target, QB_LOG_FILTER_CLEAR_ALL, QB_LOG_FILTER_FILE, "*", LOG_TRACE);
  qb_log_filter_ctl(target, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", priority_of(min_level));
  // %t: time with milliseconds (libqb >= 2.0), %N: program, %p: priority.
  qb_log_format_set(target, "%t %N[%P] %p: %b");
  qb_log_ctl(target, QB_LOG_CONF_ENABLED, QB_TRUE);
}

}  // namespace

bool init(const Options& options) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (s.initialised) {
    if (s.file_target >= 0) qb_log_file_close(s.file_target);
    s.file_target = -1;
    qb_log_fini();
  }
  qb_log_init(options.name.c_str(), LOG_DAEMON, priority_of(options.min_level));
  qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
  qb_log_tags_stringify_fn_set(nullptr);
  s.min_level = options.min_level;
  if (options.to_stderr) enable_target(QB_LOG_STDERR, options.min_level);
  bool ok = true;
  if (!options.file.empty()) {
    int32_t t = qb_log_file_open(options.file.c_str());
    if (t < 0) {
      ok = false;
      if (!options.to_stderr) enable_target(QB_LOG_STDERR, options.min_level);
    } else {
      s.file_target = t;
      enable_target(t, options.min_level);
    }
  }
  s.initialised = true;
  return ok;
}

void shutdown() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (!s.initialised) return;
  if (s.file_target >= 0) qb_log_file_close(s.file_target);
  s.file_target = -1;
  qb_log_fini();
  s.initialised = false;
}

bool enabled(LogLevel level) {
  State& s = state();
  if (s.capture) return true;
  LogLevel min = s.initialised ? s.min_level : LogLevel::kWarning;
  return static_cast<int>(level) >= static_cast<int>(min);
}

void write(LogLevel level, std::string_view message) {
  State& s = state();
  if (s.capture) {
    s.capture(level, message);
    return;
  }
  if (!enabled(level)) return;
  if (!s.initialised) {
    std::fprintf(stderr, "%s: %.*s\n", to_string(level), static_cast<int>(message.size()),
                 message.data());
    return;
  }
  std::string text(message);
  qb_log_from_external_source(__func__, __FILE__, "%s", static_cast<uint8_t>(priority_of(level)),
                              __LINE__, 0, text.c_str());
}

void set_capture(LogSink capture) {
  state().capture = std::move(capture);
}

}  // namespace vigil::log
