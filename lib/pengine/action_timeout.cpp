// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/pengine/action_timeout.hpp"

#include "internal.hpp"
#include "vigil/common/number.hpp"

namespace vigil::pengine {

Result<std::int64_t> action_timeout_ms(WorkingSet& ws, Resource* rsc, const std::string& task) {
  const Action* a = custom_action(ws, rsc, op_key(rsc->id, task, 0), task, nullptr, true, false);
  // unpack_operation leaves the timeout there, in milliseconds.
  const std::string* t = lookup(a->meta, "timeout");
  const std::optional<std::int64_t> ms = t != nullptr ? parse_int64(*t) : std::nullopt;
  if (!ms) {
    return Error(ErrorCode::kInternal,
                 "the scheduler gave " + rsc->id + "'s " + task + " no timeout in milliseconds");
  }
  return *ms;
}

}  // namespace vigil::pengine
