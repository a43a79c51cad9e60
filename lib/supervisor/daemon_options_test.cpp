// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/supervisor/daemon_options.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>

using namespace vigil;
using namespace vigil::supervisor;

TEST_CASE("daemon options: defaults, environment, then the command line") {
  ::unsetenv("VIGIL_RUN_DIR");
  ::unsetenv("VIGIL_LOG_FILE");
  ::unsetenv("VIGIL_LOG_LEVEL");
  ::setenv("VIGIL_STATE_DIR", "/env/state", 1);
  const char* argv[] = {"vigild",       "--run-dir",    "/tmp/run", "--log-level=debug",
                        "--standalone", "--daemon-dir", "/opt/bin", "--foreground"};
  auto o = parse_daemon_options(8, argv, {{"--standalone"}, {"--daemon-dir"}});
  ::unsetenv("VIGIL_STATE_DIR");
  REQUIRE(o);
  CHECK(o->run_dir == "/tmp/run");
  CHECK(o->state_dir == "/env/state");
  CHECK(o->log_level == "debug");
  CHECK(o->log_file.empty());
  using Own = std::vector<std::pair<std::string, std::string>>;
  CHECK(o->own == Own{{"--standalone", ""}, {"--daemon-dir", "/opt/bin"}});
  const char* eq[] = {"x", "--daemon-dir=/a", "--daemon-dir", "/b"};
  auto e = parse_daemon_options(4, eq, {{}, {"--daemon-dir"}});
  REQUIRE(e);
  CHECK(e->own == Own{{"--daemon-dir", "/a"}, {"--daemon-dir", "/b"}});
  CHECK(to_arguments(*o) == std::vector<std::string>{"--run-dir=/tmp/run", "--state-dir=/env/state",
                                                     "--log-level=debug"});
}

TEST_CASE("daemon options: usage errors") {
  const char* missing[] = {"x", "--run-dir"};
  CHECK_FALSE(parse_daemon_options(2, missing));
  const char* empty[] = {"x", "--state-dir="};
  CHECK_FALSE(parse_daemon_options(2, empty));
  const char* positional[] = {"x", "stray"};
  auto r = parse_daemon_options(2, positional);
  REQUIRE_FALSE(r);
  CHECK(r.error().message().find("stray") != std::string::npos);
  const char* no_value[] = {"x", "--daemon-dir"};
  CHECK_FALSE(parse_daemon_options(2, no_value, {{}, {"--daemon-dir"}}));
  const char* empty_value[] = {"x", "--daemon-dir="};
  CHECK_FALSE(parse_daemon_options(2, empty_value, {{}, {"--daemon-dir"}}));
  const char* valued_flag[] = {"x", "--standalone=yes"};
  CHECK_FALSE(parse_daemon_options(2, valued_flag, {{"--standalone"}, {}}));
  const char* unknown[] = {"x", "--bogus"};
  auto u = parse_daemon_options(2, unknown, {{"--standalone"}, {"--daemon-dir"}});
  REQUIRE_FALSE(u);
  CHECK(u.error().message() == "unknown option '--bogus'");
  const char* help[] = {"x", "--help", "--version"};
  auto h = parse_daemon_options(3, help);
  REQUIRE(h);
  CHECK(h->help);
  CHECK(h->version);
}
