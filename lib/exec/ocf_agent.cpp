// SPDX-License-Identifier: GPL-2.0-or-later
// OCF agents: <ocf_root>/resource.d/<provider>/<type> <action>, parameters in
// OCF_RESKEY_* (services_ocf.c and services_linux.c in Pacemaker 2.1.5).
#include "agent_classes.hpp"

namespace vigil::exec::detail {

Plan plan_ocf(const OperationRequest& r, const AgentPaths& paths,
              const std::vector<std::string>& base_env, std::size_t output_limit) {
  SpawnRequest cmd;
  cmd.path = paths.ocf_root + "/resource.d/" + r.agent.provider + "/" + r.agent.type;
  cmd.argv = {cmd.path, r.action};
  cmd.env = ocf_environment(r, paths, base_env);
  cmd.output_limit = output_limit;
  Plan plan;
  plan.command = std::move(cmd);
  return plan;
}

Outcome interpret_ocf(const OperationRequest& r, const ProcessExit& exit) {
  Outcome out{ocf_exit_to_rc(exit.code), ExecStatus::kDone, parse_exit_reason(exit.err)};
  if (out.rc == OcfRc::kUnknownError && exit.code != 1 && out.exit_reason.empty()) {
    // A lying agent: the result is a generic error (as with Pacemaker); say
    // what it really returned, for whoever reads the failure.
    out.exit_reason = "agent returned unexpected exit code " + std::to_string(exit.code);
  }
  return out;
}

}  // namespace vigil::exec::detail
