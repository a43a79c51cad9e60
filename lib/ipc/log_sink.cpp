// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/ipc/log_sink.hpp"

#include <cstdio>
#include <string>

namespace vigil::ipc {

const char* to_string(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}

LogSink stderr_log_sink() {
  return [](LogLevel level, std::string_view line) {
    if (level < LogLevel::kWarning) return;
    std::fprintf(stderr, "vigil-ipc %s: %.*s\n", to_string(level), static_cast<int>(line.size()),
                 line.data());
  };
}

}  // namespace vigil::ipc
