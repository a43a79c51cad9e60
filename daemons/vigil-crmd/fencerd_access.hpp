// SPDX-License-Identifier: GPL-2.0-or-later
// The controller's FencerAccess over vigil-stonithd's client: fencing
// requests (with their timeout and the client name "vigil-crmd") and the
// fencer's events. Kept out of lib/controller so that it stays free of
// sockets.
//
// Events: subscribed at once and again after a lost connection (every
// `resubscribe_after` until the daemon answers). Operations that ended
// while no subscription was in place are read from the fencer's history
// once it is back and told as events, each operation id once.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>

#include "vigil/common/clock.hpp"
#include "vigil/common/log_sink.hpp"
#include "vigil/controller/fencer.hpp"
#include "vigil/fencerd/client.hpp"

namespace vigil::crmd {

class FencerdAccess final : public controller::FencerAccess {
 public:
  FencerdAccess(fencerd::FencerdClient& client, Clock& clock, LogSink log,
                Duration resubscribe_after = std::chrono::seconds(2));
  ~FencerdAccess() override;
  FencerdAccess(const FencerdAccess&) = delete;
  FencerdAccess& operator=(const FencerdAccess&) = delete;

  void fence(const controller::FenceRequest& request, std::function<void(Status)> done) override;
  void set_event_handler(std::function<void(const controller::FenceEvent&)> on_event) override;

  bool subscribed() const { return subscribed_; }

 private:
  void subscribe();
  void subscription_lost(const Error& e);
  void catch_up(std::int64_t since);
  void tell(const fencing::HistoryEntry& e);

  fencerd::FencerdClient& client_;
  Clock& clock_;
  LogSink log_;
  Duration resubscribe_after_;
  std::function<void(const controller::FenceEvent&)> on_event_;
  bool subscribing_ = false;
  bool subscribed_ = false;
  std::int64_t lost_at_ = 0;  // wall seconds; 0: never subscribed before
  std::unique_ptr<Timer> retry_;
  // Operation ids already told (bounded: the latest kSeenMax).
  std::set<std::string> seen_;
  std::deque<std::string> seen_order_;
  std::shared_ptr<char> alive_ = std::make_shared<char>(0);
};

// A fencing operation of the fencer's history as the controller's event.
controller::FenceEvent fence_event_of(const fencing::HistoryEntry& e);

}  // namespace vigil::crmd
