// SPDX-License-Identifier: GPL-2.0-or-later
// How the controller asks for fencing: one request per fencing action of a
// transition graph, answered once the target is fenced (or unfenced) or the
// attempt failed. The daemon plugs in the fencing daemon's client; until
// vigil-stonithd exists, NoFencer refuses every request loudly (a fencing
// that did not happen is never reported as done).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"

namespace vigil::controller {

struct FenceRequest {
  std::string target;   // node name
  std::string action;   // "reboot", "off" or "on" (unfencing)
  Duration timeout{0};  // stonith-timeout for the whole attempt
  // priority-fencing-delay, as the scheduler computed it for this target
  // (the side holding the more important resources fences first).
  Duration delay{0};
};

class FencerAccess {
 public:
  virtual ~FencerAccess() = default;
  // `done` runs exactly once, later (never from inside this call).
  virtual void fence(const FenceRequest& request, std::function<void(Status)> done) = 0;
};

// No fencing daemon: every request fails (from the event loop, as a real
// answer would) with ErrorCode::kUnsupported and a message naming the node.
class NoFencer final : public FencerAccess {
 public:
  explicit NoFencer(Clock& clock) : clock_(clock) {}
  void fence(const FenceRequest& request, std::function<void(Status)> done) override;

 private:
  Clock& clock_;
  std::map<std::uint64_t, std::unique_ptr<Timer>> pending_;
  std::uint64_t next_ = 0;
};

}  // namespace vigil::controller
