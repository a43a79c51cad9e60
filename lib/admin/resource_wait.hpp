// SPDX-License-Identifier: GPL-2.0-or-later
// Private to lib/admin: what the --wait code of resource_wait.cpp and
// resource_wait_more.cpp share: a resource's state as crm_mon's XML shows
// it, in the words of pcs's library and of its older command line code.
#pragma once

#include <libxml/tree.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "resource_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {

// role -> nodes, from crm_mon's XML.
using RoleNodes = std::map<std::string, std::set<std::string>>;

// crm_mon's XML of `doc` (parsed), as pcs reads the cluster's state.
Result<xml::DocPtr> cluster_state(xmlDoc* doc, EpochSeconds now);

// pcs's library (get_resource_state / ensure_resource_state): the roles of
// the resource's primitives (a group's last one when it is expected to run,
// its first one otherwise; a clone's instances).
RoleNodes library_state(const xmlNode* state_root, const std::string& id, bool expect_running);
// "resource 'A' is running on node 'n1'" / "... is not running on any node".
std::string library_line(const std::string& id, const RoleNodes& roles);
// The nodes where the resource runs or is promoted (not unpromoted).
std::set<std::string> active_nodes(const RoleNodes& roles);
// pcs's command line code (utils.resource_running_on): "Resource 'A' is
// running on node n1."
std::string cli_line(const xmlNode* state_root, const std::string& id);

// The library's "Waiting for the cluster to apply configuration changes
// (timeout: N seconds)..." for --wait's value.
std::string waiting_line(const std::string& value, int timeout_s);
// crm_resource --wait's report of what was left when it timed out.
std::string pending_text(const WaitOutcome& waited);
// The poll for a --wait value: 0, like no value, leaves crm_resource its
// default of an hour.
WaitOutcome settle_for(Context& ctx, int timeout_s);
// crm_mon's XML once the wait ended: of the settled CIB, or of the CIB as it
// is now when the wait timed out.
Result<xml::DocPtr> state_after(Context& ctx, WaitOutcome& waited);

// --wait on the commands resource_wait_more.cpp serves (clone, promotable,
// unclone, group remove, ungroup, ban, clear, move-with-constraint).
bool waits_more(const std::vector<std::string>& args);
Status wait_after_write_more(Context& ctx, const std::vector<std::string>& args, int timeout_s);

}  // namespace vigil::admin
