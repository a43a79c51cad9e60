// SPDX-License-Identifier: GPL-2.0-or-later
// `pcs resource` / `pcs resource status` / `pcs status resources` in file
// mode: crm_mon's resource list, rendered by lib/pengine's status output.
#pragma once

#include <libxml/tree.h>

#include <string>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/common/time.hpp"

namespace vigil::admin {

// The resource list of `crm_mon -1 -r` without its heading, stonith
// resources left out, or "NO resources configured" (what pcs prints); with
// `stonith_only`, the stonith resources alone (`pcs stonith status`), or
// "NO stonith devices configured". `doc` is only read: the scheduler works
// on a copy.
Result<std::string> resource_status_text(xmlDoc* doc, EpochSeconds now, bool stonith_only = false);

// The warnings `pcs status` prints under "WARNINGS:" after its first line
// (empty: none): stonith enabled without a stonith device, resources still
// held by move constraints (cli-*).
std::vector<std::string> status_warnings(xmlDoc* doc);

// `pcs status`'s first line: "Cluster name: <cluster-name property>", or an
// empty string when the property is not set.
std::string cluster_name_line(xmlDoc* doc);

}  // namespace vigil::admin
