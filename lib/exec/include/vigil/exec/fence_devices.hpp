// SPDX-License-Identifier: GPL-2.0-or-later
// How the executor runs stonith-class resources ("stonith:fence_ipmilan"):
// as Pacemaker 2.1.5's executor does (execute_stonith_action), nothing is
// spawned. Start registers the device with the fencer (the start's
// instance attributes, CRM_meta_* left out), then asks it to monitor the
// device; monitor asks the fencer; stop unregisters it; a probe answers
// from what the executor last did with the device. vigil-lrmd plugs in
// vigil-stonithd's client; tests a scripted fencer. Meta-data is the fence
// agent's own (`<agent> -o metadata`).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"

namespace vigil::exec {

class FenceDevices {
 public:
  virtual ~FenceDevices() = default;
  // Each call's `done` runs exactly once, later (never from inside the
  // call). ErrorCode::kNotFound: the fencer has no such device, or (on
  // register) no such agent; kIo: the fencer could not be reached.

  // Registers fence device `device` (the resource id) with agent `agent`
  // ("fence_ipmilan") and its parameters, for the fencer to use here.
  virtual void register_device(const std::string& device, const std::string& agent,
                               const std::map<std::string, std::string>& params,
                               std::function<void(Status)> done) = 0;
  // Asks the fencer whether the device works.
  virtual void monitor(const std::string& device, Duration timeout,
                       std::function<void(Status)> done) = 0;
  // Takes the registration back (ok when the fencer had none).
  virtual void unregister_device(const std::string& device, std::function<void(Status)> done) = 0;
};

}  // namespace vigil::exec
