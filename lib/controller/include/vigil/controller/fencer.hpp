// SPDX-License-Identifier: GPL-2.0-or-later
// How the controller asks for fencing: one request per fencing action of a
// transition graph, answered once the target is fenced (or unfenced) or the
// attempt failed; and how it learns of every fencing operation that ends,
// whoever asked for it (Pacemaker's st_notify_fence). vigil-crmd plugs in
// vigil-stonithd's client (daemons/vigil-crmd/fencerd_access.hpp); NoFencer,
// for tests and setups without the fencing daemon, refuses every request
// loudly (a fencing that did not happen is never reported as done).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"

namespace vigil::controller {

// Who the controller's requests come from, in the fencer's history and
// events: the controller knows its own requests by it.
inline constexpr const char* kFenceClientName = "vigil-crmd";

struct FenceRequest {
  std::string target;   // node name
  std::string action;   // "reboot", "off" or "on" (unfencing)
  Duration timeout{0};  // stonith-timeout for the whole attempt
};

// A fencing operation that ended, told to every subscriber: this
// controller's own requests, other nodes' and people's (`stonith fence`,
// `stonith confirm`).
struct FenceEvent {
  std::string id;
  std::string target;  // node name
  std::string action;  // reboot, off, on
  bool succeeded = false;
  std::string delegate;        // the node that fenced ("" when unknown)
  std::string client;          // who asked
  std::string origin;          // the node whose fencer took the request
  std::string reason;          // why it failed
  std::int64_t created = 0;    // wall seconds when it was asked for (0: unknown)
  std::int64_t completed = 0;  // wall seconds when it ended (0: unknown)
};

class FencerAccess {
 public:
  virtual ~FencerAccess() = default;
  // `done` runs exactly once, later (never from inside this call).
  virtual void fence(const FenceRequest& request, std::function<void(Status)> done) = 0;
  // `on_event` runs, later, for each fencing operation that ends from now
  // on; an empty function stops the events.
  virtual void set_event_handler(std::function<void(const FenceEvent&)> on_event) = 0;
};

// No fencing daemon: every request fails (from the event loop, as a real
// answer would) with ErrorCode::kUnsupported and a message naming the node.
class NoFencer final : public FencerAccess {
 public:
  explicit NoFencer(Clock& clock) : clock_(clock) {}
  void fence(const FenceRequest& request, std::function<void(Status)> done) override;
  // Nothing is ever fenced, so there is nothing to tell.
  void set_event_handler(std::function<void(const FenceEvent&)>) override {}

 private:
  Clock& clock_;
  std::map<std::uint64_t, std::unique_ptr<Timer>> pending_;
  std::uint64_t next_ = 0;
};

}  // namespace vigil::controller
