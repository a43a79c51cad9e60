// SPDX-License-Identifier: GPL-2.0-or-later
#include "fencerd_access.hpp"

namespace vigil::crmd {

namespace {
constexpr std::size_t kSeenMax = 1000;
}  // namespace

controller::FenceEvent fence_event_of(const fencing::HistoryEntry& e) {
  controller::FenceEvent out;
  out.id = e.id;
  out.target = e.target;
  out.action = e.action;
  out.succeeded = e.state == fencing::OpState::kDone;
  out.delegate = e.delegate;
  out.client = e.client;
  out.origin = e.origin;
  out.reason = e.reason;
  out.created = e.created;
  out.completed = e.completed;
  return out;
}

FencerdAccess::FencerdAccess(fencerd::FencerdClient& client, Clock& clock, LogSink log,
                             Duration resubscribe_after)
    : client_(client), clock_(clock), log_(std::move(log)), resubscribe_after_(resubscribe_after) {}

FencerdAccess::~FencerdAccess() = default;

void FencerdAccess::fence(const controller::FenceRequest& request,
                          std::function<void(Status)> done) {
  fencerd::FenceCall call;
  call.target = request.target;
  call.action = request.action;
  call.timeout = request.timeout;
  call.client = controller::kFenceClientName;
  std::weak_ptr<char> alive = alive_;
  client_.fence(call, [alive, request, done = std::move(done)](Result<fencerd::FenceReply> r) {
    if (alive.expired()) return;
    if (r) {
      done(ok_status());
      return;
    }
    done(r.error().with_context("cannot " + request.action + " " + request.target));
  });
}

void FencerdAccess::set_event_handler(std::function<void(const controller::FenceEvent&)> on_event) {
  on_event_ = std::move(on_event);
  if (on_event_ && !subscribed_ && !subscribing_) subscribe();
}

void FencerdAccess::subscribe() {
  retry_.reset();
  subscribing_ = true;
  std::weak_ptr<char> alive = alive_;
  client_.subscribe(
      [this, alive](const fencing::HistoryEntry& e) {
        if (!alive.expired()) tell(e);
      },
      [this, alive](const Error& e) {
        if (!alive.expired()) subscription_lost(e);
      },
      [this, alive](Status st) {
        if (alive.expired()) return;
        subscribing_ = false;
        if (!st) {
          subscription_lost(st.error());
          return;
        }
        subscribed_ = true;
        if (log_) log_(LogLevel::kInfo, "event=fencer-subscribed");
        // What ended while nobody listened (not at the first subscription:
        // the past before this controller started is the CIB's business).
        if (lost_at_ > 0) catch_up(lost_at_);
      });
}

void FencerdAccess::subscription_lost(const Error& e) {
  const bool was = subscribed_;
  subscribed_ = false;
  subscribing_ = false;
  if (was || lost_at_ == 0) {
    lost_at_ = clock_.wall_seconds();
    if (log_) {
      log_(LogLevel::kWarning,
           "event=fencer-unreachable error=\"" + e.message() + "\" action=\"subscribing again\"");
    }
  }
  if (!on_event_) return;
  retry_ = clock_.start_timer(resubscribe_after_, [this] {
    if (on_event_) subscribe();
  });
}

void FencerdAccess::catch_up(std::int64_t since) {
  std::weak_ptr<char> alive = alive_;
  client_.history({}, [this, alive, since](Result<std::vector<fencing::HistoryEntry>> h) {
    if (alive.expired()) return;
    if (!h) {
      if (log_)
        log_(LogLevel::kWarning,
             "event=fencer-history-failed error=\"" + h.error().message() + "\"");
      return;
    }
    for (const auto& e : *h) {
      if (e.state != fencing::OpState::kPending && e.completed >= since) tell(e);
    }
  });
}

void FencerdAccess::tell(const fencing::HistoryEntry& e) {
  if (e.state == fencing::OpState::kPending) return;  // only what ended
  if (!seen_.insert(e.id).second) return;
  seen_order_.push_back(e.id);
  if (seen_order_.size() > kSeenMax) {
    seen_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
  if (on_event_) on_event_(fence_event_of(e));
}

}  // namespace vigil::crmd
