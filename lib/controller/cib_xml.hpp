// SPDX-License-Identifier: GPL-2.0-or-later
// The status-section XML the DC writes: node_state entries, transient
// attributes, a node's executor history at join. Pure functions of their
// arguments, so the machine's CIB edits can be read and tested on their own.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inputs.hpp"
#include "records.hpp"

namespace vigil::controller {

inline constexpr const char* kOrigin = "vigil-crmd";

// A Corosync node id written as a CIB node id ("2"); nullopt for anything
// else (names, 0, out of range).
std::optional<NodeId> node_id_from(std::string_view uuid);

std::string node_xpath(NodeId node);
std::string lrm_resource_xpath(NodeId node, const std::string& rsc);

// <node_state> with the join fields (join/expected omitted when null).
std::string node_state_xml(NodeId node, const std::string& uname, bool in_ccm, bool crmd_online,
                           const char* join, const char* expected);
// <node_state> with in_ccm only (membership changes).
std::string node_state_ccm_xml(NodeId node, const std::string& uname, bool in_ccm);

// Setting (value) or deleting (nullopt) a transient attribute.
std::vector<CibEdit> attr_edits(NodeId node, const std::string& name,
                                const std::optional<std::string>& value);

// "value++" (or "value+=N") applied to a counter attribute, capped at
// INFINITY; any other update is the new value.
std::string bump_attribute(const std::string& current, const std::string& update);

// The node's whole lrm section rebuilt from the history it sent at join:
// resources in id order, completed results in call order, pending runs last
// (they override the record they replace). Skipped entries are logged
// through `warn`.
std::string history_lrm_xml(NodeId node, const std::string& uname, const std::vector<OpEvent>& ops,
                            const std::function<void(const std::string&)>& warn);

// An interval cluster option (cluster-recheck-interval, dc-deadtime) from
// the CIB's cluster options, else `fallback`.
Duration cluster_interval_of(const std::string& cib, const std::string& name, Duration fallback);

}  // namespace vigil::controller
