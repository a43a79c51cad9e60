// SPDX-License-Identifier: GPL-2.0-or-later
// Daemon logging over libqb: one call at start-up, then plain functions.
// Lines go to stderr (journald picks them up under systemd) and, when a file
// is configured, to that file, with millisecond timestamps. Before init()
// everything at warning and above goes to stderr, so libraries may log.
// Tests may capture lines instead (set_capture). The level type is lib/common's
// LogLevel; `vigil::log::write` is itself a LogSink for libraries.
#pragma once

#include <string>
#include <string_view>

#include "vigil/common/log_sink.hpp"

namespace vigil::log {

struct Options {
  std::string name = "vigil";  // the program, shown on every line
  std::string file;            // empty: no log file
  bool to_stderr = true;
  LogLevel min_level = LogLevel::kInfo;
};

// Sets up libqb's targets. Call once from main(); a second call reconfigures.
// Returns false (and keeps logging to stderr) when the file cannot be opened.
bool init(const Options& options);
// Flushes and closes libqb's targets.
void shutdown();

bool enabled(LogLevel level);

void write(LogLevel level, std::string_view message);
inline void debug(std::string_view m) {
  write(LogLevel::kDebug, m);
}
inline void info(std::string_view m) {
  write(LogLevel::kInfo, m);
}
inline void notice(std::string_view m) {
  write(LogLevel::kNotice, m);
}
inline void warning(std::string_view m) {
  write(LogLevel::kWarning, m);
}
inline void error(std::string_view m) {
  write(LogLevel::kError, m);
}

// Tests: every line (at any level) goes to `capture` instead of libqb; an
// empty function restores normal output.
void set_capture(LogSink capture);

}  // namespace vigil::log
