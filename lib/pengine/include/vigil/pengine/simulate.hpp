// SPDX-License-Identifier: GPL-2.0-or-later
// crm_simulate's half of the story: changes injected into a CIB before
// scheduling (node up/down/fail, operation results) and the simulated
// execution of a transition graph, whose results are written into the CIB
// status so that the revised cluster state can be computed from it.
#pragma once

#include <libxml/tree.h>

#include <string>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/common/time.hpp"
#include "vigil/pengine/graph.hpp"

namespace vigil::pengine {

struct Injections {
  std::vector<std::string> node_up, node_down, node_fail;
  std::vector<std::string> op_inject;  // rsc_task_interval@node=rc
  std::vector<std::string> op_fail;    // same syntax, applied while executing
  std::string quorum, watchdog;
  bool any() const {
    return !node_up.empty() || !node_down.empty() || !node_fail.empty() || !op_inject.empty() ||
           !quorum.empty() || !watchdog.empty();
  }
};

// Applies the injections to `doc`; returns the "Performing Requested
// Modifications" lines, or an error for a malformed specification.
Result<std::string> inject(xmlDoc* doc, const Injections& inj, EpochSeconds now);

// Executes `g` in Pacemaker's order (synapses by id, repeatedly, each once its
// inputs are confirmed), appending a line per action to `log` and recording
// results in `doc`. Returns false when the transition could not complete.
bool execute_graph(WorkingSet& ws, const Graph& g, xmlDoc* doc,
                   const std::vector<std::string>& op_fail, EpochSeconds now, std::string& log);

}  // namespace vigil::pengine
