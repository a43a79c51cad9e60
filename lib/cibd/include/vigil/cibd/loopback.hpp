// SPDX-License-Identifier: GPL-2.0-or-later
// LoopbackMessaging: a CPG group of one, without Corosync (vigil-cib
// --standalone, single-node use and tests). join() delivers a view with
// this process as the only member; send() delivers the payload back to
// itself in order. Deliveries run from the Clock's timers (zero delay),
// never inside the call, as with a real group.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include "vigil/cluster/messaging.hpp"
#include "vigil/common/clock.hpp"

namespace vigil::cibd {

class LoopbackMessaging final : public cluster::Messaging {
 public:
  LoopbackMessaging(Clock& clock, cluster::GroupMember self);
  ~LoopbackMessaging() override;

  void set_handlers(cluster::MessagingHandlers handlers) override;
  Status join(std::string_view group) override;
  Status leave() override;
  Status send(std::string_view payload) override;
  cluster::GroupMember self() const override { return self_; }
  std::size_t max_message_size() const override { return 64 * 1024 * 1024; }

 private:
  struct Event {
    bool is_view = false;
    cluster::GroupView view;
    std::string payload;
  };
  void post(Event event);
  void drain();

  Clock& clock_;
  cluster::GroupMember self_;
  cluster::MessagingHandlers handlers_;
  std::string group_;
  bool joined_ = false;
  std::deque<Event> queue_;
  std::unique_ptr<Timer> timer_;
};

}  // namespace vigil::cibd
