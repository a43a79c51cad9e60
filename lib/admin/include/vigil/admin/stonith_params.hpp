// SPDX-License-Identifier: GPL-2.0-or-later
// What `stonith create|update|describe` make of a fence agent's parameters:
// the agent's own, adjusted as Pacemaker's fencer presents them, plus the
// fencer's pcmk_* device parameters, and pcs's checks of given options.
#pragma once

#include <string>
#include <vector>

#include "vigil/admin/agent.hpp"
#include "vigil/admin/cib_edit.hpp"

namespace vigil::admin {

// The device parameters the fencer itself reads (pcmk_host_list ...), in
// the order `describe` lists them; the per-action ones are advanced.
const std::vector<AgentParameter>& fencer_parameters();

// The parameters of a fence device: the agent's (without help and version;
// 'action' not required, the fencer sends it; port and plug not required, the
// fencer fills them from the target and pcmk_host_map) followed by the
// fencer's.
std::vector<AgentParameter> stonith_parameters(const AgentMetadata& agent);

// Problems with a device's options, in pcs's order and words. `errors` can
// be overridden with --force (they then become warnings), `warnings` never
// stop the command.
struct OptionProblems {
  std::vector<std::string> errors;    // each ends ", use --force to override"
  std::vector<std::string> warnings;  // "stonith option 'x' is deprecated ..."
};

// `named`: the option names given on the command line (unknown and
// deprecated ones are reported); `present`: the names the device has after
// the command (required ones must be among them).
OptionProblems check_stonith_options(const std::vector<AgentParameter>& params,
                                     const std::vector<std::string>& named,
                                     const std::vector<std::string>& present);

}  // namespace vigil::admin
