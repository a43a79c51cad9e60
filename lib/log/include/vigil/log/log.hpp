// SPDX-License-Identifier: GPL-2.0-or-later
// Daemon logging over libqb: one call at start-up, then plain functions.
// Lines go to stderr (journald picks them up under systemd) and, when a file
// is configured, to that file, with millisecond timestamps. Before init()
// everything at warning and above goes to stderr, so libraries may log.
// Tests may capture lines instead (set_capture).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace vigil::log {

enum class Level { kDebug, kInfo, kNotice, kWarning, kError };

struct Options {
  std::string name = "vigil";  // the program, shown on every line
  std::string file;            // empty: no log file
  bool to_stderr = true;
  Level min_level = Level::kInfo;
};

// Sets up libqb's targets. Call once from main(); a second call reconfigures.
// Returns false (and keeps logging to stderr) when the file cannot be opened.
bool init(const Options& options);
// Flushes and closes libqb's targets.
void shutdown();

// Level from "debug", "info", "notice", "warning", "error" (default info).
Level parse_level(std::string_view text, Level fallback = Level::kInfo);
const char* to_string(Level level);
bool enabled(Level level);

void write(Level level, std::string_view message);
inline void debug(std::string_view m) {
  write(Level::kDebug, m);
}
inline void info(std::string_view m) {
  write(Level::kInfo, m);
}
inline void notice(std::string_view m) {
  write(Level::kNotice, m);
}
inline void warning(std::string_view m) {
  write(Level::kWarning, m);
}
inline void error(std::string_view m) {
  write(Level::kError, m);
}

// Tests: every line (at any level) goes to `capture` instead of libqb; an
// empty function restores normal output.
void set_capture(std::function<void(Level, std::string_view)> capture);

}  // namespace vigil::log
