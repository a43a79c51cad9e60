// SPDX-License-Identifier: GPL-2.0-or-later
// The timeout the scheduler gives one action of a primitive, for tools that
// wait for it (`vigil resource restart`, as crm_resource's
// max_delay_for_resource asks the scheduler for a stop's).
#pragma once

#include <cstdint>
#include <string>

#include "vigil/common/result.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::pengine {

// `task` (interval 0) of primitive `rsc`, unpacked exactly as a scheduled
// action is (its <op>, the op's meta_attributes, op_defaults with their
// rules, pcmk_monitor_timeout for a fencing device, 20 s otherwise), in
// milliseconds. Adds a transient action to `ws` (never scheduled).
Result<std::int64_t> action_timeout_ms(WorkingSet& ws, Resource* rsc, const std::string& task);

}  // namespace vigil::pengine
