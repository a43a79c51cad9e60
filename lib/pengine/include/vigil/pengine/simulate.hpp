// SPDX-License-Identifier: GPL-2.0-or-later
// crm_simulate's injections: changes made to a CIB before scheduling (node
// up/down/fail, tickets, operation results, quorum, watchdog). The simulated
// execution of the resulting graph is lib/transition's
// (vigil/transition/simulation.hpp), the executor the controller uses.
#pragma once

#include <libxml/tree.h>

#include <string>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/common/time.hpp"

namespace vigil::pengine {

struct Injections {
  std::vector<std::string> node_up, node_down, node_fail;
  std::vector<std::string> op_inject;  // rsc_task_interval@node=rc
  std::vector<std::string> op_fail;    // same syntax, applied while executing
  std::string quorum, watchdog;
  // Ticket ids to grant, revoke, put in standby and take out of it (in that
  // order, whatever the command line's).
  std::vector<std::string> ticket_grant, ticket_revoke, ticket_standby, ticket_activate;
  bool any() const {
    return !node_up.empty() || !node_down.empty() || !node_fail.empty() || !op_inject.empty() ||
           !quorum.empty() || !watchdog.empty() || !ticket_grant.empty() ||
           !ticket_revoke.empty() || !ticket_standby.empty() || !ticket_activate.empty();
  }
};

// Applies the injections to `doc`; returns the "Performing Requested
// Modifications" lines, or an error for a malformed specification.
Result<std::string> inject(xmlDoc* doc, const Injections& inj, EpochSeconds now);

}  // namespace vigil::pengine
