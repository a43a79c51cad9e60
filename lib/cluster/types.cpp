// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cluster/types.hpp"

#include <algorithm>

#include "vigil/cluster/membership.hpp"

namespace vigil::cluster {

const char* to_string(LeaveReason reason) {
  switch (reason) {
    case LeaveReason::kLeave:
      return "leave";
    case LeaveReason::kNodeDown:
      return "nodedown";
    case LeaveReason::kProcessDown:
      return "procdown";
    case LeaveReason::kOther:
      return "other";
  }
  return "other";
}

bool Membership::is_member(NodeId id) const {
  const auto& m = members();
  return std::binary_search(m.begin(), m.end(), id);
}

}  // namespace vigil::cluster
