// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/log/log.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace vigil;

TEST_CASE("log: capture sees every line, also those written through log::write as a LogSink") {
  std::vector<std::string> lines;
  log::set_capture([&](LogLevel l, std::string_view m) {
    lines.push_back(std::string(to_string(l)) + ":" + std::string(m));
  });
  log::debug("a");
  log::error("b");
  LogSink sink = log::write;  // what a daemon hands its libraries
  sink(LogLevel::kNotice, "c");
  log::set_capture({});
  REQUIRE(lines == std::vector<std::string>{"debug:a", "error:b", "notice:c"});
}

TEST_CASE("log: a file target receives lines at or above the level") {
  char dir[] = "/tmp/vigil-log-test-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string file = std::string(dir) + "/test.log";
  log::Options o;
  o.name = "vigil-log-test";
  o.file = file;
  o.to_stderr = false;
  o.min_level = LogLevel::kNotice;
  REQUIRE(log::init(o));
  log::info("hidden line");
  log::warning("visible line");
  log::shutdown();
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str().find("visible line") != std::string::npos);
  CHECK(text.str().find("hidden line") == std::string::npos);
  CHECK(text.str().find("vigil-log-test") != std::string::npos);
  std::remove(file.c_str());
  rmdir(dir);
}

TEST_CASE("log: an unwritable file is reported") {
  log::Options o;
  o.file = "/nonexistent-dir/x/y.log";
  o.to_stderr = false;
  CHECK_FALSE(log::init(o));
  log::shutdown();
}
