// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/log_sink.hpp"

#include <cstdio>
#include <iterator>
#include <string>

namespace vigil {

namespace {
// Indexed by LogLevel.
constexpr const char* kNames[] = {"debug", "info", "notice", "warning", "error"};
}  // namespace

const char* to_string(LogLevel level) {
  const auto i = static_cast<std::size_t>(level);
  return i < std::size(kNames) ? kNames[i] : "info";
}

std::optional<LogLevel> parse_log_level(std::string_view text) {
  for (std::size_t i = 0; i < std::size(kNames); ++i) {
    if (text == kNames[i]) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

LogSink stderr_log_sink(std::string_view program, LogLevel minimum) {
  return [program = std::string(program), minimum](LogLevel level, std::string_view line) {
    if (level < minimum) return;
    std::fprintf(stderr, "%s %s: %.*s\n", program.c_str(), to_string(level),
                 static_cast<int>(line.size()), line.data());
  };
}

}  // namespace vigil
