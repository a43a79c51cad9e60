// SPDX-License-Identifier: GPL-2.0-or-later
// Parsing steps shared by the whole-document reader (cib.cpp) and the
// streaming one (stream.cpp); not part of the public API.
#pragma once

#include <libxml/tree.h>

#include <span>

#include "vigil/cib/cib.hpp"
#include "vigil/cib/history_element.hpp"

namespace vigil::cib::detail {

// History entries from their attributes (a tree's or a stream's).
OpHistory op_history_from(std::span<const AttrView> attrs);
void resource_history_from(std::span<const AttrView> attrs, ResourceHistory& h);
// In the order Pacemaker replays them.
void sort_history(ResourceHistory& h);

// One <node_state> element of the status section into the model.
Result<NodeState> parse_node_state(const xmlNode* ns, const rules::IdResolver& resolve);

}  // namespace vigil::cib::detail
