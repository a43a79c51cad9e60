// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/log/event_loop.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "vigil/log/log.hpp"

using namespace vigil;

TEST_CASE("event loop: a handler that throws is logged and dropped, the loop goes on") {
  std::vector<std::string> lines;
  log::set_capture([&](LogLevel l, std::string_view m) {
    if (l == LogLevel::kError) lines.emplace_back(m);
  });
  boost::asio::io_context io;
  std::vector<int> ran;
  for (int i = 0; i < 5; ++i) {
    boost::asio::post(io, [&, i] {
      if (i == 1 || i == 3) throw std::runtime_error("event " + std::to_string(i) + " is bad");
      ran.push_back(i);
    });
  }
  CHECK(log::run_event_loop(io, "vigil-test") == 2);
  log::set_capture({});
  CHECK(ran == std::vector<int>{0, 2, 4});
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] ==
        "vigil-test: an event handler: the handler failed: event 1 is bad; the event "
        "is dropped");
}

TEST_CASE("event loop: stop() ends it even after a failure") {
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);  // would run forever without stop()
  boost::asio::post(io, [] { throw std::runtime_error("bad"); });
  boost::asio::post(io, [&] { io.stop(); });
  log::set_capture([](LogLevel, std::string_view) {});
  CHECK(log::run_event_loop(io, "vigil-test") == 1);
  log::set_capture({});
}
