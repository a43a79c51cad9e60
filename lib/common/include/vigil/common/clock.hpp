// SPDX-License-Identifier: GPL-2.0-or-later
// Time as an input. The daemons' logic (the executor's timeouts and
// recurring monitors, the CIB's and the controller's timers) reads the time
// and arms timers only through Clock, so it runs unchanged over Asio's timers
// in a daemon and over a ManualClock in unit tests and whole-cluster
// simulations.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>

namespace vigil {

using Duration = std::chrono::milliseconds;
using TimePoint = std::chrono::steady_clock::time_point;

// The time an input reaches a state machine (the controller's, the
// fencer's): monotonic for timers and waits, wall seconds for what is
// recorded.
struct Now {
  TimePoint mono{};
  std::int64_t wall = 0;
};

// A pending timer. Destroying it cancels it: its callback never runs after
// the handle is gone, so a callback may safely capture its owner.
class Timer {
 public:
  virtual ~Timer() = default;
};

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time, for durations (exec and queue times, timeouts).
  virtual TimePoint now() const = 0;
  // Wall-clock seconds since the Unix epoch, for what ends up in the CIB
  // (last-run, last-rc-change).
  virtual std::int64_t wall_seconds() const = 0;
  // Runs `fn` once, `after` from now, from the event loop (never inside this
  // call, even for a zero delay).
  [[nodiscard]] virtual std::unique_ptr<Timer> start_timer(Duration after,
                                                           std::function<void()> fn) = 0;
};

// Real time over an io_context's steady_timer. The io_context must outlive
// the clock and its timers.
class AsioClock final : public Clock {
 public:
  explicit AsioClock(boost::asio::io_context& io) : io_(io) {}
  TimePoint now() const override;
  std::int64_t wall_seconds() const override;
  std::unique_ptr<Timer> start_timer(Duration after, std::function<void()> fn) override;

 private:
  boost::asio::io_context& io_;
};

// Time that moves only when told to. Timers fire from advance(), in order of
// their due time (then of creation), each with now() equal to its due time.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t wall_start = 1'700'000'000) : wall_start_(wall_start) {}
  ~ManualClock() override;
  TimePoint now() const override { return now_; }
  std::int64_t wall_seconds() const override;
  std::unique_ptr<Timer> start_timer(Duration after, std::function<void()> fn) override;

  // Moves time forward by `d`, firing every timer that falls due, including
  // timers armed by the callbacks themselves. A runaway chain of zero-delay
  // timers (more than 100000 in one call) throws std::logic_error.
  void advance(Duration d);
  // Fires what is due now without moving time (zero-delay timers).
  void run_due() { advance(Duration{0}); }
  std::size_t pending_timers() const { return timers_.size(); }

 private:
  struct Entry;
  class Handle;
  using Key = std::pair<TimePoint, std::uint64_t>;
  TimePoint now_{};
  std::int64_t wall_start_;
  std::uint64_t next_seq_ = 0;
  std::map<Key, std::shared_ptr<Entry>> timers_;
  friend class Handle;
};

}  // namespace vigil
