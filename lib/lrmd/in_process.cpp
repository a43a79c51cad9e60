// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/lrmd/in_process.hpp"

#include "vigil/common/deferred.hpp"

namespace vigil::lrmd {

struct InProcessExecutor::State {
  State(Service& s, Clock& c) : service(s), deferred(c) {}
  Service& service;
  Deferred deferred;
  EventHandler on_event;
  SubscriberId subscription = 0;
};

InProcessExecutor::InProcessExecutor(Service& service, Clock& clock)
    : state_(std::make_shared<State>(service, clock)) {
  // Results already come from the event loop: handed on as they are. The
  // handler may destroy this adapter: the state lives through the call.
  std::weak_ptr<State> weak = state_;
  state_->subscription = service.subscribe([weak](const exec::OperationResult& r) {
    auto state = weak.lock();
    if (!state) return;
    auto handler = state->on_event;
    if (handler) handler(r);
  });
}

InProcessExecutor::~InProcessExecutor() {
  state_->service.unsubscribe(state_->subscription);
}

void InProcessExecutor::exec(const exec::OperationRequest& request,
                             std::function<void(Result<int>)> done) {
  auto id = state_->service.exec(request);
  state_->deferred.post([done = std::move(done), id = std::move(id)] { done(id); });
}

void InProcessExecutor::cancel(const CancelRequest& request, std::function<void(Status)> done) {
  auto st = state_->service.cancel(request);
  state_->deferred.post([done = std::move(done), st = std::move(st)] { done(st); });
}

void InProcessExecutor::metadata(const exec::AgentSpec& agent,
                                 std::function<void(Result<std::string>)> done) {
  // The service answers from the event loop already; a weak reference keeps
  // a destroyed adapter from calling back.
  std::weak_ptr<State> weak = state_;
  state_->service.metadata(agent, [weak, done = std::move(done)](Result<std::string> text) {
    if (weak.lock()) done(std::move(text));
  });
}

void InProcessExecutor::history(const std::string& rsc_id,
                                std::function<void(Result<std::vector<ResourceHistory>>)> done) {
  auto h = state_->service.history(rsc_id);
  state_->deferred.post([done = std::move(done), h = std::move(h)] { done(h); });
}

void InProcessExecutor::forget(const std::string& rsc_id, std::function<void(Status)> done) {
  auto st = state_->service.forget(rsc_id);
  state_->deferred.post([done = std::move(done), st = std::move(st)] { done(st); });
}

void InProcessExecutor::set_event_handler(EventHandler handler) {
  state_->on_event = std::move(handler);
}

void InProcessExecutor::set_lost_handler(LostHandler /*handler*/) {
  // In the same process the executor cannot go away on its own.
}

}  // namespace vigil::lrmd
