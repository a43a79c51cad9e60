// SPDX-License-Identifier: GPL-2.0-or-later
// LocalCibAccess: CibAccess over an in-process cibd::CibNode, without
// sockets (whole-cluster simulations, a controller embedded in a test).
// Answers and events are delivered through the Clock (a zero-delay timer),
// never inside the call, so callers see the same asynchrony as with the
// socket client. The CibNode and the Clock must outlive this object.
#pragma once

#include <map>
#include <memory>

#include "vigil/cibclient/access.hpp"
#include "vigil/common/clock.hpp"

namespace vigil::cibd {
class CibNode;
}

namespace vigil::cibclient {

class LocalCibAccess final : public CibAccess {
 public:
  LocalCibAccess(cibd::CibNode& node, Clock& clock);
  ~LocalCibAccess() override;
  LocalCibAccess(const LocalCibAccess&) = delete;
  LocalCibAccess& operator=(const LocalCibAccess&) = delete;

  void execute(CibRequest request, ReplyHandler done) override;
  SubscriptionId subscribe(ChangeHandler handler) override;
  void unsubscribe(SubscriptionId id) override;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace vigil::cibclient
