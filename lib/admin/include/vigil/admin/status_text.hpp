// SPDX-License-Identifier: GPL-2.0-or-later
// crm_mon 2.1.5's text view of a CIB: what `crm_mon --one-shot --inactive`
// prints (`vigil -f FILE status`), and with `full` what
// `--show-detail --show-node-attributes --failcounts` add (`status --full`).
#pragma once

#include <libxml/tree.h>

#include <string>

#include "vigil/common/result.hpp"
#include "vigil/common/time.hpp"

namespace vigil::admin {

// Cluster summary, node list, resources, then (full) node attributes and the
// migration summary, then the failed resource actions. `now` is "Last
// updated" and the clock failure timeouts are judged by. `doc` is only read:
// the scheduler works on a copy.
Result<std::string> monitor_status_text(xmlDoc* doc, EpochSeconds now, bool full);

// `crm_ticket --details` (what `pcs status --full` shows under "Tickets:"):
// "ID\tgranted|revoked [standby]|<9 spaces>" and the ticket's state
// attributes, one ticket a line, by id.
Result<std::string> ticket_details_text(xmlDoc* doc, EpochSeconds now);

}  // namespace vigil::admin
