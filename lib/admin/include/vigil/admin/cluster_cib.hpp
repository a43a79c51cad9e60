// SPDX-License-Identifier: GPL-2.0-or-later
// What the life-cycle commands read and change in the running cluster's CIB
// (through this node's vigil-cib): crm_mon's view for `cluster status`, and
// a removed node's entries for `cluster node remove`.
#pragma once

#include <libxml/tree.h>

#include <string>
#include <vector>

#include "vigil/common/result.hpp"

namespace vigil::admin {

// Removes node `name`'s <node> from configuration/nodes and its <node_state>
// from status, as `crm_node --force -R NAME` does; returns the XPaths of
// the removed elements (what vigil-cib is asked to delete), none when the
// CIB does not know the node.
std::vector<std::string> remove_node_entries(xmlDoc* doc, const std::string& name);

// crm_mon's text view (`crm_mon -1 -r`) of the CIB vigil-cib holds now.
Result<std::string> live_monitor_text();
// remove_node_entries on the CIB vigil-cib holds, each XPath deleted there.
Status live_remove_node_entries(const std::string& name);

}  // namespace vigil::admin
