// SPDX-License-Identifier: GPL-2.0-or-later
// Which tool a program name runs, and the refusal of the ones Vigil does
// not provide.
#include <cstdlib>

#include "internal.hpp"

namespace vigil::agenttools {

namespace {

// Pacemaker tools agents call that Vigil does not provide: they fail loudly,
// so that an agent never takes a silent success for an answer.
constexpr const char* kNotProvided[] = {"crm_mon",       "crm_resource", "cibadmin",
                                        "crm_failcount", "crm_standby",  "crm_ticket",
                                        "crm_diff",      "crm_verify",   "stonith_admin"};

}  // namespace

Getenv process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

ToolRun not_provided(const std::string& tool, const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--version") return version_text();
  }
  return failure(tool, kExitUnimplemented,
                 "not provided by Vigil: this Pacemaker tool has no Vigil equivalent for "
                 "resource agents (the vigil command line shows and edits the cluster)");
}

ToolRun run_tool(const std::string& tool, const std::vector<std::string>& args, const Getenv& env,
                 Cluster& cluster) {
  if (tool == "attrd_updater") return attrd_updater(args, env, cluster);
  if (tool == "crm_attribute") return crm_attribute(args, env, cluster);
  if (tool == "crm_master") return crm_master(args, env, cluster);
  if (tool == "crm_node") return crm_node(args, env, cluster);
  return not_provided(tool, args);
}

std::vector<std::string> tool_names() {
  std::vector<std::string> names = {"attrd_updater", "crm_attribute", "crm_master", "crm_node"};
  names.insert(names.end(), std::begin(kNotProvided), std::end(kNotProvided));
  return names;
}

}  // namespace vigil::agenttools
