// SPDX-License-Identifier: GPL-2.0-or-later
// Private: the per-class halves of agent.hpp, and helpers they share.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/exec/agent.hpp"

namespace vigil::exec::detail {

Plan plan_ocf(const OperationRequest& request, const AgentPaths& paths,
              const std::vector<std::string>& base_env, std::size_t output_limit);
Outcome interpret_ocf(const OperationRequest& request, const ProcessExit& exit);

Plan plan_lsb(const OperationRequest& request, const AgentPaths& paths,
              const std::vector<std::string>& base_env, std::size_t output_limit);
Outcome interpret_lsb(const OperationRequest& request, const ProcessExit& exit);

Plan plan_systemd(const OperationRequest& request, const AgentPaths& paths,
                  const std::vector<std::string>& base_env, std::size_t output_limit);
Outcome interpret_systemd(const OperationRequest& request, const ProcessExit& exit);

// Stonith resources: only meta-data runs a process (the fence agent); the
// executor takes their other actions to the fencer.
Plan plan_stonith(const OperationRequest& request, const AgentPaths& paths,
                  const std::vector<std::string>& base_env, std::size_t output_limit);
Outcome interpret_stonith(const OperationRequest& request, const ProcessExit& exit);

// `base` with `overrides` replacing same-named entries (appended in the
// given order) and PATH defaulted when neither has it.
std::vector<std::string> merge_environment(
    const std::vector<std::string>& base,
    const std::vector<std::pair<std::string, std::string>>& overrides);

// Killed by a signal (crash, or killed by someone else): execution error.
Outcome outcome_of_signal(const OperationRequest& request, const ProcessExit& exit);
// waitpid() could not report the exit status.
bool exit_status_lost(const ProcessExit& exit);

std::string xml_escape(std::string_view text);
// First non-empty line, trimmed (for exit reasons built from tool output).
std::string first_line(std::string_view text);

}  // namespace vigil::exec::detail
