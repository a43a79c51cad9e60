// SPDX-License-Identifier: GPL-2.0-or-later
// Stonith resources (fence devices): their meta-data is the fence agent's
// (`<fence_agent_dir>/<type> -o metadata`, the action also on
// stdin as Pacemaker's stonith__metadata passes it); start, stop and monitor go to the fencer
// (executor.cpp over FenceDevices), never to a process.
#include "agent_classes.hpp"

namespace vigil::exec::detail {

Plan plan_stonith(const OperationRequest& r, const AgentPaths& paths,
                  const std::vector<std::string>& base_env, std::size_t output_limit) {
  Plan plan;
  if (r.action != "meta-data") {
    plan.immediate = {OcfRc::kUnimplementFeature, ExecStatus::kError,
                      "fence device action '" + r.action + "' is for the fencer, not an agent"};
    return plan;
  }
  SpawnRequest cmd;
  cmd.path = paths.fence_agent_dir + "/" + r.agent.type;
  cmd.argv = {cmd.path, "-o", "metadata"};
  // Agents that read their options from stdin only (as Pacemaker's fencer
  // passes them) find the action there; fence-agents' take argv first.
  cmd.input = "action=metadata\n";
  cmd.env = merge_environment(base_env, {});
  cmd.output_limit = output_limit;
  plan.command = std::move(cmd);
  return plan;
}

Outcome interpret_stonith(const OperationRequest&, const ProcessExit& exit) {
  if (exit.code == 0) return {OcfRc::kOk, ExecStatus::kDone, ""};
  return {OcfRc::kUnknownError, ExecStatus::kError,
          "fence agent exited with status " + std::to_string(exit.code)};
}

}  // namespace vigil::exec::detail
