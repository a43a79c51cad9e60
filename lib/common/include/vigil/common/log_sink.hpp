// SPDX-License-Identifier: GPL-2.0-or-later
// The one log-level type, and the sink through which libraries log. A
// library never writes a log itself: it is handed a LogSink (a daemon passes
// lib/log's vigil::log::write, tests capture the lines), so the same code
// logs to libqb in a daemon and to memory under lib/sim.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

namespace vigil {

// syslog's order; a sink filters with `level >= minimum`.
enum class LogLevel { kDebug, kInfo, kNotice, kWarning, kError };

// "debug", "info", "notice", "warning", "error".
const char* to_string(LogLevel level);
// The reverse of to_string; nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view text);

using LogSink = std::function<void(LogLevel level, std::string_view line)>;

// Writes lines at `minimum` and above to stderr as "<program> <level>: <line>"
// and drops the rest: the default of a library used outside a daemon.
LogSink stderr_log_sink(std::string_view program, LogLevel minimum = LogLevel::kWarning);

}  // namespace vigil
