// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/controller/fencer.hpp"

namespace vigil::controller {

void NoFencer::fence(const FenceRequest& request, std::function<void(Status)> done) {
  const std::uint64_t id = next_++;
  Error refusal(ErrorCode::kUnsupported,
                "fencing is not available: this controller has no fencing daemon (cannot fence " +
                    request.target + ")");
  pending_[id] = clock_.start_timer(Duration(0), [this, id, refusal, done = std::move(done)] {
    pending_.erase(id);
    done(Status(refusal));
  });
}

}  // namespace vigil::controller
