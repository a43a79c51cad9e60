// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/event_barrier.hpp"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

using namespace vigil;

TEST_CASE("an event whose handler throws is logged with its context and dropped") {
  std::vector<std::pair<LogLevel, std::string>> lines;
  LogSink log = [&](LogLevel l, std::string_view m) { lines.emplace_back(l, std::string(m)); };
  int contexts_built = 0;
  auto context = [&] {
    ++contexts_built;
    return std::string("cpg message of 12 bytes from 2:1001");
  };
  std::vector<int> handled;
  for (int event = 0; event < 4; ++event) {
    const bool ok = guard_event(log, context, [&] {
      if (event == 1) throw std::runtime_error("bad input");
      if (event == 2) throw 42;
      handled.push_back(event);
    });
    CHECK(ok == (event != 1 && event != 2));
  }
  CHECK(handled == std::vector<int>{0, 3});  // the loop went on after both failures
  CHECK(contexts_built == 2);                // only for the failures
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].first == LogLevel::kError);
  CHECK(lines[0].second ==
        "cpg message of 12 bytes from 2:1001: the handler failed: bad input; the event is dropped");
  CHECK(lines[1].second ==
        "cpg message of 12 bytes from 2:1001: the handler failed: an exception "
        "that is no std::exception; the event is dropped");
}
