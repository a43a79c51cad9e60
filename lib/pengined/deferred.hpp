// SPDX-License-Identifier: GPL-2.0-or-later
// Runs closures soon from the event loop through a Clock (zero-delay
// timers); destroying it drops what has not run yet.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "vigil/common/clock.hpp"

namespace vigil::pengined {

class Deferred {
 public:
  explicit Deferred(Clock& clock) : clock_(clock) {}
  Deferred(const Deferred&) = delete;
  Deferred& operator=(const Deferred&) = delete;

  void post(std::function<void()> fn) {
    const std::uint64_t id = next_++;
    timers_[id] = clock_.start_timer(Duration{0}, [this, id, fn = std::move(fn)] {
      timers_.erase(id);
      fn();
    });
  }

 private:
  Clock& clock_;
  std::uint64_t next_ = 1;
  std::map<std::uint64_t, std::unique_ptr<Timer>> timers_;
};

}  // namespace vigil::pengined
