// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/clock.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace vigil;
using namespace std::chrono_literals;

TEST_CASE("ManualClock fires timers in due order, at their due time") {
  ManualClock clock;
  const TimePoint t0 = clock.now();
  std::vector<std::string> fired;
  auto b = clock.start_timer(
      20ms, [&] { fired.push_back("b@" + std::to_string((clock.now() - t0) / 1ms)); });
  auto a = clock.start_timer(
      10ms, [&] { fired.push_back("a@" + std::to_string((clock.now() - t0) / 1ms)); });
  auto c = clock.start_timer(10ms, [&] { fired.push_back("c"); });  // same time: creation order
  clock.advance(5ms);
  CHECK(fired.empty());
  clock.advance(100ms);
  CHECK(fired == std::vector<std::string>{"a@10", "c", "b@20"});
  CHECK(clock.now() - t0 == 105ms);
  CHECK(clock.pending_timers() == 0);
}

TEST_CASE("ManualClock: destroying the handle cancels; zero delay waits for the loop") {
  ManualClock clock;
  int fired = 0;
  auto t = clock.start_timer(0ms, [&] { ++fired; });
  CHECK(fired == 0);  // never inside start_timer
  auto u = clock.start_timer(5ms, [&] { fired += 10; });
  u.reset();
  clock.advance(10ms);
  CHECK(fired == 1);
}

TEST_CASE("ManualClock: callbacks may arm timers and destroy their own handle") {
  ManualClock clock;
  std::unique_ptr<Timer> self;
  int runs = 0;
  std::function<void()> tick = [&] {
    ++runs;
    self.reset();  // the running timer's own handle
    if (runs < 3) self = clock.start_timer(10ms, tick);
  };
  self = clock.start_timer(10ms, tick);
  clock.advance(100ms);
  CHECK(runs == 3);
  auto loop = std::make_shared<std::function<void()>>();
  std::unique_ptr<Timer> handle;
  *loop = [&] { handle = clock.start_timer(0ms, *loop); };
  handle = clock.start_timer(0ms, *loop);
  CHECK_THROWS_AS(clock.run_due(), std::logic_error);
}

TEST_CASE("AsioClock fires after the delay and not once cancelled") {
  boost::asio::io_context io;
  AsioClock clock(io);
  const TimePoint t0 = clock.now();
  bool fired = false, cancelled_fired = false;
  TimePoint when{};
  auto t = clock.start_timer(30ms, [&] {
    fired = true;
    when = clock.now();
  });
  auto u = clock.start_timer(10ms, [&] { cancelled_fired = true; });
  u.reset();
  // Bounded: the io_context runs for at most 5 s.
  io.run_for(std::chrono::seconds(5));
  REQUIRE(fired);
  CHECK(when - t0 >= 30ms);
  CHECK_FALSE(cancelled_fired);
  CHECK(clock.wall_seconds() > 1'600'000'000);
}
