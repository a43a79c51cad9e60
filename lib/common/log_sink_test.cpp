// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/log_sink.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

using namespace vigil;

TEST_CASE("log levels: names round-trip, anything else is refused") {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kNotice, LogLevel::kWarning,
                     LogLevel::kError}) {
    CHECK(parse_log_level(to_string(l)) == l);
  }
  CHECK(std::string(to_string(LogLevel::kNotice)) == "notice");
  CHECK_FALSE(parse_log_level("Warning"));
  CHECK_FALSE(parse_log_level("warn"));
  CHECK_FALSE(parse_log_level(""));
  CHECK(LogLevel::kDebug < LogLevel::kInfo);
  CHECK(LogLevel::kWarning < LogLevel::kError);
}

TEST_CASE("the stderr sink keeps lines at its minimum and above") {
  // Point stderr at a temporary file for the duration of the test.
  std::FILE* tmp = std::tmpfile();
  REQUIRE(tmp != nullptr);
  std::fflush(stderr);
  const int saved = ::dup(STDERR_FILENO);
  REQUIRE(saved >= 0);
  REQUIRE(::dup2(::fileno(tmp), STDERR_FILENO) >= 0);
  LogSink sink = stderr_log_sink("prog", LogLevel::kNotice);
  sink(LogLevel::kInfo, "dropped");
  sink(LogLevel::kNotice, "kept one");
  sink(LogLevel::kError, "kept two");
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::rewind(tmp);
  std::string text;
  char buf[256];
  while (std::fgets(buf, sizeof(buf), tmp) != nullptr) text += buf;
  std::fclose(tmp);
  CHECK(text == "prog notice: kept one\nprog error: kept two\n");
}
