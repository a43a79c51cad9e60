// SPDX-License-Identifier: GPL-2.0-or-later
// Deferred: runs closures from the event loop, soon, through a Clock
// (zero-delay timers), never inside the call that posts them: how the
// in-process adapters give callers the asynchrony a socket would.
// Destroying it (or clear()) drops what has not run yet.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "vigil/common/clock.hpp"

namespace vigil {

class Deferred {
 public:
  explicit Deferred(Clock& clock) : clock_(clock) {}
  Deferred(const Deferred&) = delete;
  Deferred& operator=(const Deferred&) = delete;

  void post(std::function<void()> fn) {
    const std::uint64_t id = next_++;
    timers_[id] = clock_.start_timer(Duration{0}, [this, id, fn = std::move(fn)] {
      timers_.erase(id);  // the handle may go: the clock keeps this closure alive
      fn();
    });
  }
  std::size_t pending() const { return timers_.size(); }
  void clear() { timers_.clear(); }

 private:
  Clock& clock_;
  std::uint64_t next_ = 1;
  std::map<std::uint64_t, std::unique_ptr<Timer>> timers_;
};

}  // namespace vigil
