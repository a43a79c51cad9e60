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
  auto o = parse_daemon_options(8, argv, {"--daemon-dir"});
  ::unsetenv("VIGIL_STATE_DIR");
  REQUIRE(o);
  CHECK(o->run_dir == "/tmp/run");
  CHECK(o->state_dir == "/env/state");
  CHECK(o->log_level == "debug");
  CHECK(o->log_file.empty());
  CHECK(o->rest == std::vector<std::string>{"--standalone", "--daemon-dir", "/opt/bin"});
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
  CHECK_FALSE(parse_daemon_options(2, no_value, {"--daemon-dir"}));
  const char* help[] = {"x", "--help", "--version"};
  auto h = parse_daemon_options(3, help);
  REQUIRE(h);
  CHECK(h->help);
  CHECK(h->version);
}
