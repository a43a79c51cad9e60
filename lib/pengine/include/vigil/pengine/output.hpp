// SPDX-License-Identifier: GPL-2.0-or-later
// Text renderings of a working set as crm_simulate prints them: the cluster
// status (node list and resources) and the transition summary.
#pragma once

#include <string>

#include "vigil/common/result.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::pengine {

// "  * Node List:" ... "  * Full List of Resources:" ... lines, each ending in '\n'.
// `show_pending` names pending operations ("Starting"), as the first status
// crm_simulate prints does. `details` is crm_mon's --show-detail: every clone
// instance on its own line, a bundle's replicas with all their resources,
// implicit resources included (the node list stays crm_simulate's).
std::string cluster_status_text(WorkingSet& ws, bool show_pending = false, bool details = false);
// Lines before the status: maintenance banners, disabled/blocked counts.
// crm_simulate shows the banner of maintenance-mode only, crm_mon also that
// of stop-all-resources (`stop_all_banner`).
std::string cluster_banner_text(WorkingSet& ws, bool stop_all_banner = true);
// "  * Start      rsc    ( node1 )" lines: summary_text(transition_summary(ws))
// (vigil/pengine/summary.hpp).
std::string transition_summary_text(WorkingSet& ws);
// Why `rsc` is placed where it is (vigil-simulate --explain): per node, each
// change to its score in the order the scheduler made it, with its cause,
// then the node the resource got. See explain.cpp for the format.
std::string explain_text(const WorkingSet& ws, const std::string& rsc);
// An OCF exit code in words, as Pacemaker's services_ocf_exitcode_str.
const char* exit_text(int rc);
// What crm_mon's node lines say of a node (status_output.cpp): its health
// (-1 red, 0 yellow, 1 green), its state ("online", "standby", "UNCLEAN
// (offline)" ...) and its kind ("Node", "RemoteNode", "GuestNode").
int node_health(const WorkingSet& ws, const Node* n);
const char* node_status_text(const Node* n);
const char* node_kind_text(const Node* n);
// A resource's instance parameters as evaluated for `node`.
AttrMap resource_params(const WorkingSet& ws, const Resource* rsc, const Node* node);
// Its fail count on `node` (every operation, expired failures included) and
// the time of the last failure.
int resource_failcount(const WorkingSet& ws, const Node* node, const Resource* rsc,
                       EpochSeconds* last_failure);
// "rsc_task_interval" (tasks with underscores, as migrate_to, included).
bool split_operation_key(const std::string& key, std::string* rsc, std::string* task,
                         std::int64_t* interval_ms);
// `vigil resource why RSC [NODE]`: explain_text (one node's part with
// `node`), the decision (the resource's transition summary lines) and what
// would change it: the failures, bans, constraints, node states and
// stickiness whose records, left out, let another node win. `ws` must be
// scheduled. Error: unknown resource or node.
Result<std::string> why_text(WorkingSet& ws, const std::string& rsc, const std::string& node);
// Pacemaker's natural, case-insensitive name order (node1 < node10).
int numeric_strcasecmp(const std::string& a, const std::string& b);

}  // namespace vigil::pengine
