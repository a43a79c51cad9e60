// SPDX-License-Identifier: GPL-2.0-or-later
// The transition summary as data: one item per change a scheduled run
// makes to a node (fencing, shutdown) or a resource (start, stop, move ...),
// decided from the working set's actions as crm_simulate decides its
// "Transition Summary" lines. The text (output.hpp's
// transition_summary_text) and vigil-pengine's counts are both derived from
// these items, so they cannot disagree.
#pragma once

#include <string>
#include <vector>

#include "vigil/pengine/working_set.hpp"

namespace vigil::pengine {

enum class Change {
  kFence,
  kShutdown,
  kStart,
  kStop,
  kRestart,
  kMove,
  kRecover,
  kPromote,
  kDemote,
  kMigrate,
  kReload,
  kRepromote,
};
// The word crm_simulate prints: "Fence", "Start", "Re-promote" ...
const char* to_string(Change c);

struct SummaryItem {
  Change change = Change::kStart;
  // Fencing and shutdown: the node's action (its node, reason and, for
  // fencing, stonith_action). Resource changes: null.
  const Action* node_action = nullptr;
  // Resource changes: the resource, where it is and where it goes (either
  // may be null), the action whose runnability is shown, and the action
  // whose reason is given (null: `action`).
  const Resource* rsc = nullptr;
  const Node* origin = nullptr;
  const Node* destination = nullptr;
  const Action* action = nullptr;
  const Action* source = nullptr;
};

// The items of a scheduled working set, in crm_simulate's order: node
// changes newest first, then resources in configuration order. Like
// crm_simulate, it marks a resource that runs but has no known role as
// started.
std::vector<SummaryItem> transition_summary(WorkingSet& ws);

// "  * Start      rsc    ( node1 )" lines for `items`, each ending in '\n';
// the columns are as wide as the widest id and details need (they widen, as
// Pacemaker's, in steps: an id longer than the column makes it 2 wider).
std::string summary_text(const std::vector<SummaryItem>& items);

}  // namespace vigil::pengine
