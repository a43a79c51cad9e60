// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cibd/loopback.hpp"

namespace vigil::cibd {

LoopbackMessaging::LoopbackMessaging(Clock& clock, cluster::GroupMember self)
    : clock_(clock), self_(self) {}

LoopbackMessaging::~LoopbackMessaging() = default;

void LoopbackMessaging::set_handlers(cluster::MessagingHandlers handlers) {
  handlers_ = std::move(handlers);
}

Status LoopbackMessaging::join(std::string_view group) {
  if (joined_) return Error(ErrorCode::kInvalidInput, "already in group '" + group_ + "'");
  if (group.empty()) return Error(ErrorCode::kInvalidInput, "empty group name");
  joined_ = true;
  group_ = std::string(group);
  Event e;
  e.is_view = true;
  e.view.group = group_;
  e.view.members = {self_};
  e.view.joined = {self_};
  post(std::move(e));
  return ok_status();
}

Status LoopbackMessaging::leave() {
  if (!joined_) return Error(ErrorCode::kInvalidInput, "not in a group");
  joined_ = false;
  queue_.clear();
  timer_.reset();
  return ok_status();
}

Status LoopbackMessaging::send(std::string_view payload) {
  if (!joined_) return Error(ErrorCode::kInvalidInput, "send: not in a group");
  if (payload.size() > max_message_size()) {
    return Error(ErrorCode::kInvalidInput,
                 "message of " + std::to_string(payload.size()) + " bytes exceeds the limit");
  }
  Event e;
  e.payload = std::string(payload);
  post(std::move(e));
  return ok_status();
}

void LoopbackMessaging::post(Event event) {
  queue_.push_back(std::move(event));
  if (!timer_) timer_ = clock_.start_timer(Duration{0}, [this] { drain(); });
}

// One event per timer tick keeps deliveries interleaved with other timers,
// as a real group's would be.
void LoopbackMessaging::drain() {
  timer_.reset();
  if (queue_.empty()) return;
  Event e = std::move(queue_.front());
  queue_.pop_front();
  if (!queue_.empty()) timer_ = clock_.start_timer(Duration{0}, [this] { drain(); });
  if (e.is_view) {
    if (handlers_.on_view) handlers_.on_view(e.view);
  } else if (handlers_.on_message) {
    handlers_.on_message(self_, e.payload);
  }
}

}  // namespace vigil::cibd
