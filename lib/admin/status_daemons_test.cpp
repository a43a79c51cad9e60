// SPDX-License-Identifier: GPL-2.0-or-later
// "Daemon Status:" from a test's table of services, and the --watch loop
// on a pipe.
#include "vigil/admin/status_daemons.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "vigil/admin/status_watch.hpp"

using Catch::Matchers::Contains;

namespace vigil::admin {
namespace {

struct FakeProbe final : ServiceProbe {
  bool systemd = true;
  std::map<std::string, ServiceState> units;  // by unit name, absent: inactive/disabled
  std::map<std::string, bool> processes;
  mutable int systemctl_calls = 0;

  bool has_systemd() const override { return systemd; }
  std::vector<ServiceState> unit_states(const std::vector<std::string>& names) const override {
    ++systemctl_calls;
    std::vector<ServiceState> out;
    for (const auto& n : names) {
      auto it = units.find(n);
      out.push_back(it == units.end() ? ServiceState{} : it->second);
    }
    return out;
  }
  bool process_running(const std::string& name) const override {
    auto it = processes.find(name);
    return it != processes.end() && it->second;
  }
};

TEST_CASE("daemon status: systemd units, as pcs prints its services", "[status]") {
  FakeProbe probe;
  probe.units["corosync"] = {true, true};
  probe.units["vigil-cib"] = {true, false};
  probe.units["vigil-crmd"] = {false, true};
  CHECK(daemon_status_text(probe) ==
        "  corosync: active/enabled\n"
        "  vigil-cib: active/disabled\n"
        "  vigil-crmd: inactive/enabled\n"
        "  vigil-lrmd: inactive/disabled\n"
        "  vigil-pengine: inactive/disabled\n"
        "  vigil-stonithd: inactive/disabled\n");
  CHECK(probe.systemctl_calls == 1);  // one systemctl call for every unit
}

TEST_CASE("daemon status: daemons under vigild follow vigil.service", "[status]") {
  FakeProbe probe;
  probe.units["corosync"] = {true, true};
  probe.units["vigil"] = {true, true};
  for (const char* d : {"vigil-cib", "vigil-crmd", "vigil-lrmd", "vigil-pengine"}) {
    probe.processes[d] = true;
  }
  const std::string out = daemon_status_text(probe);
  CHECK_THAT(out, Contains("  vigil: active/enabled\n  vigil-cib: active/enabled\n"));
  // A daemon whose process is gone is inactive even though vigild's unit runs.
  CHECK_THAT(out, Contains("  vigil-stonithd: inactive/enabled\n"));
}

TEST_CASE("daemon status: without systemd, the process list", "[status]") {
  FakeProbe probe;
  probe.systemd = false;
  probe.processes["corosync"] = true;
  probe.processes["vigil-cib"] = true;
  const std::string out = daemon_status_text(probe);
  CHECK(probe.systemctl_calls == 0);
  CHECK_THAT(out, Contains("  corosync: active/disabled\n  vigil-cib: active/disabled\n"
                           "  vigil-crmd: inactive/disabled\n"));
  // vigild's unit is listed only when it runs or is enabled.
  CHECK_THAT(out, !Contains("  vigil: "));
  probe.processes["vigild"] = true;
  CHECK_THAT(daemon_status_text(probe), Contains("  vigil: active/disabled\n"));
}

TEST_CASE("watch interval: crm_mon's --interval values", "[status]") {
  CHECK(parse_watch_interval("5").value() == 5000);
  CHECK(parse_watch_interval("2s").value() == 2000);
  CHECK(parse_watch_interval("500ms").value() == 500);
  CHECK(parse_watch_interval("1min").value() == 60000);
  CHECK(parse_watch_interval("abc").error().message() == "Invalid value for --interval: 'abc'");
  CHECK_FALSE(parse_watch_interval("0"));
}

// The loop's output through a pipe, keys through another.
std::string drain(int fd) {
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

TEST_CASE("watch: redraws on a cleared screen until q", "[status]") {
  int screen[2], keys[2];
  REQUIRE(::pipe(screen) == 0);
  REQUIRE(::pipe(keys) == 0);
  int draws = 0;
  WatchOptions options;
  options.interval_ms = 10;
  options.input_fd = keys[0];
  options.output_fd = screen[1];
  SECTION("until the drawing limit") {
    options.max_draws = 3;
    REQUIRE(watch_status([&] { return "view " + std::to_string(++draws) + "\n"; }, options));
    ::close(screen[1]);
    CHECK(drain(screen[0]) == "\033[H\033[2Jview 1\n\033[H\033[2Jview 2\n\033[H\033[2Jview 3\n");
  }
  SECTION("q stops it") {
    options.interval_ms = 60000;  // only the key can end the wait
    REQUIRE(::write(keys[1], "xq", 2) == 2);
    REQUIRE(watch_status([&] { return "view " + std::to_string(++draws) + "\n"; }, options));
    ::close(screen[1]);
    CHECK(drain(screen[0]) == "\033[H\033[2Jview 1\n");
  }
  ::close(screen[0]);
  ::close(keys[0]);
  ::close(keys[1]);
}

}  // namespace
}  // namespace vigil::admin
