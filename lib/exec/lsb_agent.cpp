// SPDX-License-Identifier: GPL-2.0-or-later
// LSB init scripts: <lsb_dir>/<type> start|stop|status|..., "monitor" run as
// "status", no parameters, meta-data generated from the script's INIT INFO
// header (lsb_metadata.cpp).
#include "agent_classes.hpp"
#include "vigil/exec/lsb_metadata.hpp"

namespace vigil::exec {

namespace detail {

Plan plan_lsb(const OperationRequest& r, const AgentPaths& paths,
              const std::vector<std::string>& base_env, std::size_t output_limit) {
  const std::string path = paths.lsb_dir + "/" + r.agent.type;
  Plan plan;
  if (r.action == "meta-data") {
    if (auto xml = lsb_metadata(path, r.agent.type)) {
      plan.immediate = {OcfRc::kOk, ExecStatus::kDone, ""};
      plan.immediate_output = std::move(*xml);
    } else {
      plan.immediate = {OcfRc::kNotInstalled, ExecStatus::kNotInstalled,
                        path + ": cannot read the init script"};
    }
    return plan;
  }
  SpawnRequest cmd;
  cmd.path = path;
  cmd.argv = {path, r.action == "monitor" ? "status" : r.action};
  cmd.env = merge_environment(base_env, {});
  cmd.output_limit = output_limit;
  plan.command = std::move(cmd);
  return plan;
}

Outcome interpret_lsb(const OperationRequest& r, const ProcessExit& exit) {
  Outcome out{lsb_exit_to_rc(r.action, exit.code), ExecStatus::kDone, ""};
  const bool status = (r.action == "status" || r.action == "monitor");
  if (out.rc == OcfRc::kUnknownError && exit.code != 1 && !(status && exit.code == 4)) {
    out.exit_reason = "init script returned unexpected exit code " + std::to_string(exit.code);
  }
  return out;
}

}  // namespace detail

}  // namespace vigil::exec
