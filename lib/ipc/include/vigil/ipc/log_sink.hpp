// SPDX-License-Identifier: GPL-2.0-or-later
// Where lib/ipc reports what it refuses and why. A daemon passes its logger
// (libqb once lib/common has one); tests capture the lines.
#pragma once

#include <functional>
#include <string_view>

namespace vigil::ipc {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

using LogSink = std::function<void(LogLevel level, std::string_view line)>;

// Writes warnings and errors to stderr, drops the rest.
LogSink stderr_log_sink();

const char* to_string(LogLevel level);

}  // namespace vigil::ipc
