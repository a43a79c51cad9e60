// SPDX-License-Identifier: GPL-2.0-or-later
// The transition graph: synapses (one action each) with their inputs, in the
// order Pacemaker emits them; written as graph XML or as Graphviz DOT.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/pengine/working_set.hpp"

namespace vigil::pengine {

struct Synapse {
  int id = 0;
  int priority = 0;
  Action* action = nullptr;
  std::vector<Action*> inputs;
};

struct Graph {
  std::vector<Synapse> synapses;
  int transition_id = 0;
};

// Builds the graph; marks the actions and links it includes as dumped.
Graph build_graph(WorkingSet& ws);
std::string graph_xml(const WorkingSet& ws, const Graph& g);
// The same, handed out in chunks (for writing large graphs to a file).
void write_graph_xml(const WorkingSet& ws, const Graph& g,
                     const std::function<void(std::string_view)>& sink);
// crm_simulate's DOT rendering of every action (all_actions) or the useful ones.
std::string graph_dot(const WorkingSet& ws, bool all_actions);
// Name of an action as crm_simulate prints it in DOT output.
std::string action_display_name(const Action* a);

}  // namespace vigil::pengine
