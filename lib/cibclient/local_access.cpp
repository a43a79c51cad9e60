// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cibclient/local_access.hpp"

#include "vigil/cibd/replica.hpp"
#include "vigil/common/deferred.hpp"

namespace vigil::cibclient {

// Shared with the callbacks given to the CibNode: they outlive nothing, a
// destroyed LocalCibAccess simply drops the answers still to come.
struct LocalCibAccess::State {
  cibd::CibNode& node;
  Deferred posted;  // runs answers from the clock's loop, never inside a call
  std::map<SubscriptionId, ChangeHandler> handlers;
  SubscriptionId next_subscription = 1;
  std::optional<std::uint64_t> node_subscription;
  bool alive = true;

  State(cibd::CibNode& n, Clock& c) : node(n), posted(c) {}

  void post(std::function<void()> fn) {
    posted.post([this, fn = std::move(fn)] {
      if (alive) fn();
    });
  }
};

LocalCibAccess::LocalCibAccess(cibd::CibNode& node, Clock& clock)
    : state_(std::make_shared<State>(node, clock)) {}

LocalCibAccess::~LocalCibAccess() {
  state_->alive = false;
  if (state_->node_subscription) state_->node.unsubscribe(*state_->node_subscription);
  state_->posted.clear();
}

void LocalCibAccess::execute(CibRequest request, ReplyHandler done) {
  if (request.client.empty()) request.client = client_name();
  std::weak_ptr<State> weak = state_;
  state_->node.submit(std::move(request), [weak, done = std::move(done)](Result<CibReply> r) {
    auto s = weak.lock();
    if (!s || !s->alive) return;
    auto shared = std::make_shared<Result<CibReply>>(std::move(r));
    s->post([done, shared] {
      if (done) done(std::move(*shared));
    });
  });
}

SubscriptionId LocalCibAccess::subscribe(ChangeHandler handler) {
  const SubscriptionId id = state_->next_subscription++;
  state_->handlers.emplace(id, std::move(handler));
  if (!state_->node_subscription) {
    std::weak_ptr<State> weak = state_;
    state_->node_subscription = state_->node.subscribe([weak](const CibChange& change) {
      auto s = weak.lock();
      if (!s || !s->alive) return;
      s->post([weak, change] {
        auto st = weak.lock();
        if (!st) return;
        std::vector<SubscriptionId> ids;
        for (const auto& [hid, h] : st->handlers) ids.push_back(hid);
        for (SubscriptionId hid : ids) {
          auto it = st->handlers.find(hid);
          if (it != st->handlers.end() && it->second) it->second(change);
        }
      });
    });
  }
  return id;
}

void LocalCibAccess::unsubscribe(SubscriptionId id) {
  state_->handlers.erase(id);
}

}  // namespace vigil::cibclient
