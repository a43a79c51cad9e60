// SPDX-License-Identifier: GPL-2.0-or-later
// How the executor runs stonith-class resources ("stonith:fence_ipmilan"):
// as Pacemaker 2.1.5's executor does (execute_stonith_action), nothing is
// spawned; start and monitor ask the fencer to check the device, stop
// succeeds, and a probe answers from what the executor last did with the
// device. vigil-lrmd plugs in vigil-stonithd's client; tests a scripted
// fencer. Meta-data is the fence agent's own (`<agent> -o metadata`).
#pragma once

#include <functional>
#include <string>

#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"

namespace vigil::exec {

class FenceDevices {
 public:
  virtual ~FenceDevices() = default;
  // Asks the fencer whether fence device `device` (the resource id) works.
  // `done` runs exactly once, later (never from inside this call): ok, or
  // why not (ErrorCode::kNotFound: the fencer has no such device).
  virtual void monitor(const std::string& device, Duration timeout,
                       std::function<void(Status)> done) = 0;
};

}  // namespace vigil::exec
