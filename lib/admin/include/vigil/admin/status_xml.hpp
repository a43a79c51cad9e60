// SPDX-License-Identifier: GPL-2.0-or-later
// `pcs status xml`: crm_mon 2.1.5's `--one-shot --inactive --output-as xml`
// document (summary, nodes, resources, node attributes, operation history,
// failed actions, tickets, bans), built from the scheduler's unpacked
// working set and the CIB's status section.
#pragma once

#include <libxml/tree.h>

#include <string>
#include <vector>

#include "vigil/admin/commands.hpp"
#include "vigil/common/result.hpp"
#include "vigil/common/time.hpp"
#include "vigil/fencing/history.hpp"

namespace vigil::admin {

// The document as crm_mon prints it (indented, no XML declaration, ending
// in a newline). `doc` is only read: the scheduler works on a copy. `now`
// is the "last_update" time and the clock failure timeouts are judged by.
// `fencing`: the fencer's history, shown as <fence_history> (live, when
// the fencer answers); null: no such section (a CIB file).
Result<std::string> cluster_status_xml(xmlDoc* doc, EpochSeconds now,
                                       const std::vector<fencing::HistoryEntry>* fencing = nullptr);

// `status xml` (args: what follows "status"): the document on ctx.out, with
// the fencing history when ctx.fencer answers.
Status status_xml_command(Context& ctx, const std::vector<std::string>& args);

}  // namespace vigil::admin
