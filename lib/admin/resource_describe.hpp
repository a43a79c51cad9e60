// SPDX-License-Identifier: GPL-2.0-or-later
// `resource describe AGENT` and `stonith describe AGENT`: an agent's
// meta-data as pcs 0.11.5 prints it (resource_describe.cpp).
#pragma once

#include <string>
#include <vector>

#include "vigil/admin/agent.hpp"
#include "vigil/admin/commands.hpp"

namespace vigil::admin {

struct DescribeOptions {
  bool full = false;  // --full: advanced and deprecated parameters too
  int width = 0;      // the terminal's width to wrap to; 0: no wrapping
};

// The text pcs prints for this agent (its name, descriptions, parameters
// and default operations), each line ending in "\n". Warnings pcs prints
// first (operation intervals made unique) go to `warnings`. Fails for
// meta-data of an OCF version pcs does not process.
Result<std::string> describe_agent_text(const AgentName& agent, const AgentMetadata& md,
                                        const DescribeOptions& options,
                                        std::vector<std::string>& warnings);

// The commands: `name` as the user gave it (a short name is looked up among
// all agents); fence agents through either.
Status resource_describe(Context& ctx, const std::string& name);
Status describe_fence_agent(Context& ctx, const std::string& type);

}  // namespace vigil::admin
