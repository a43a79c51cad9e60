// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/clock.hpp"

#include <boost/asio/steady_timer.hpp>
#include <stdexcept>

namespace vigil {

// ---- AsioClock -------------------------------------------------------------

namespace {

// Shared between the handle and the pending wait: the handler may still be
// queued when the handle goes away, so it checks `cancelled` before calling.
struct AsioTimerState {
  explicit AsioTimerState(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  std::function<void()> fn;
  bool cancelled = false;
};

class AsioTimer final : public Timer {
 public:
  explicit AsioTimer(std::shared_ptr<AsioTimerState> state) : state_(std::move(state)) {}
  ~AsioTimer() override {
    state_->cancelled = true;
    state_->fn = nullptr;
    state_->timer.cancel();
  }

 private:
  std::shared_ptr<AsioTimerState> state_;
};

}  // namespace

TimePoint AsioClock::now() const {
  return std::chrono::steady_clock::now();
}

std::int64_t AsioClock::wall_seconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<Timer> AsioClock::start_timer(Duration after, std::function<void()> fn) {
  auto state = std::make_shared<AsioTimerState>(io_);
  state->fn = std::move(fn);
  state->timer.expires_after(after);
  state->timer.async_wait([state](const boost::system::error_code& ec) {
    if (ec || state->cancelled || !state->fn) return;
    // One shot: move the callback out first, the callback may destroy the handle.
    auto fn = std::move(state->fn);
    state->fn = nullptr;
    fn();
  });
  return std::make_unique<AsioTimer>(std::move(state));
}

// ---- ManualClock -----------------------------------------------------------

struct ManualClock::Entry {
  std::function<void()> fn;
};

class ManualClock::Handle final : public Timer {
 public:
  Handle(ManualClock* clock, Key key) : clock_(clock), key_(key) {}
  ~Handle() override {
    if (clock_ != nullptr) clock_->timers_.erase(key_);
  }

 private:
  ManualClock* clock_;
  Key key_;
};

ManualClock::~ManualClock() = default;

std::int64_t ManualClock::wall_seconds() const {
  return wall_start_ +
         std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch()).count();
}

std::unique_ptr<Timer> ManualClock::start_timer(Duration after, std::function<void()> fn) {
  const Key key{now_ + after, next_seq_++};
  timers_.emplace(key, std::make_shared<Entry>(Entry{std::move(fn)}));
  return std::make_unique<Handle>(this, key);
}

void ManualClock::advance(Duration d) {
  const TimePoint target = now_ + d;
  int fired = 0;
  while (!timers_.empty() && timers_.begin()->first.first <= target) {
    if (++fired > 100000) throw std::logic_error("ManualClock: runaway timer chain");
    auto it = timers_.begin();
    now_ = it->first.first;
    // Keep the entry alive through the call, but unlisted: it fires once, and
    // a handle destroyed inside the callback erases nothing.
    std::shared_ptr<Entry> entry = it->second;
    timers_.erase(it);
    auto fn = std::move(entry->fn);
    if (fn) fn();
  }
  now_ = target;
}

}  // namespace vigil
