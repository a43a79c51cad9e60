// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/admin/stonith_params.hpp"

#include <algorithm>
#include <set>

namespace vigil::admin {
namespace {

constexpr const char* kForce = ", use --force to override";

std::string quoted(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "'" : ", '") + i + "'";
  return s;
}

std::vector<AgentParameter> build_fencer_parameters() {
  std::vector<AgentParameter> out;
  auto add = [&](std::string name, std::string desc, bool advanced) {
    AgentParameter p;
    p.name = std::move(name);
    p.shortdesc = std::move(desc);
    p.advanced = advanced;
    out.push_back(std::move(p));
  };
  add("pcmk_host_argument",
      "Advanced use only: the agent parameter that carries the target (default: port, or plug)",
      true);
  add("pcmk_host_map", "Targets mapped to device ports, e.g. node1:1;node2:2,3", false);
  add("pcmk_host_list", "The nodes this device can fence, e.g. node1,node2", false);
  add("pcmk_host_check",
      "How the fencer learns which nodes the device fences: static-list (pcmk_host_list or "
      "pcmk_host_map), dynamic-list (the agent's list action), status (its status action), none "
      "(every node)",
      false);
  add("pcmk_delay_max", "Upper bound of a random delay before the device's fencing actions", false);
  add("pcmk_delay_base",
      "Fixed delay before the device's fencing actions, one value or per node (node1:1s;node2:5)",
      false);
  add("pcmk_action_limit",
      "How many actions may run on the device at once (-1: unlimited; needs "
      "concurrent-fencing=true)",
      false);
  for (const char* action : {"reboot", "off", "on", "list", "monitor", "status"}) {
    const std::string a = action;
    add("pcmk_" + a + "_action",
        "Advanced use only: the agent action to run instead of '" + a + "'", true);
    add("pcmk_" + a + "_timeout",
        "Advanced use only: the timeout of '" + a + "' actions instead of stonith-timeout", true);
    add("pcmk_" + a + "_retries",
        "Advanced use only: how often '" + a + "' is retried within its timeout", true);
  }
  return out;
}

}  // namespace

const std::vector<AgentParameter>& fencer_parameters() {
  static const std::vector<AgentParameter> params = build_fencer_parameters();
  return params;
}

std::vector<AgentParameter> stonith_parameters(const AgentMetadata& agent) {
  std::vector<AgentParameter> out;
  for (const auto& p : agent.parameters) {
    if (p.name == "help" || p.name == "version") continue;
    AgentParameter q = p;
    if (q.name == "action") {
      q.required = false;
      q.deprecated = true;
    }
    if (q.name == "port" || q.name == "plug") q.required = false;
    out.push_back(std::move(q));
  }
  for (const auto& p : fencer_parameters()) out.push_back(p);
  return out;
}

OptionProblems check_stonith_options(const std::vector<AgentParameter>& params,
                                     const std::vector<std::string>& named,
                                     const std::vector<std::string>& present) {
  OptionProblems out;
  std::set<std::string> allowed;
  for (const auto& p : params) allowed.insert(p.name);
  std::vector<std::string> bad;
  for (const auto& n : named) {
    if (!allowed.contains(n) && std::find(bad.begin(), bad.end(), n) == bad.end()) {
      bad.push_back(n);
    }
  }
  std::sort(bad.begin(), bad.end());
  if (!bad.empty()) {
    out.errors.push_back(
        std::string(bad.size() == 1 ? "invalid stonith option " : "invalid stonith options: ") +
        quoted(bad) + ", allowed options are: " + quoted({allowed.begin(), allowed.end()}) +
        kForce);
  }
  // Deprecated options given: 'action' is an error, the others a warning
  // naming their replacement.
  for (const auto& n : named) {
    if (n == "action" && allowed.contains("action")) {
      out.errors.push_back(
          "stonith option 'action' is deprecated and should not be used, use 'pcmk_off_action', "
          "'pcmk_reboot_action' instead" +
          std::string(kForce));
      continue;
    }
    for (const auto& p : params) {
      if (p.obsoletes == n && !n.empty()) {
        out.warnings.push_back("stonith option '" + n +
                               "' is deprecated and should not be used, use '" + p.name +
                               "' instead");
      }
    }
  }
  const std::set<std::string> have(present.begin(), present.end());
  std::vector<std::string> missing;
  for (const auto& p : params) {
    if (!p.required || p.deprecated || have.contains(p.name)) continue;
    if (!p.obsoletes.empty()) {
      if (have.contains(p.obsoletes)) continue;
      out.errors.push_back("stonith option '" + p.name + "' or '" + p.obsoletes +
                           "' (deprecated) has to be specified" + kForce);
      continue;
    }
    missing.push_back(p.name);
  }
  if (!missing.empty()) {
    out.errors.push_back(std::string(missing.size() == 1 ? "required stonith option "
                                                         : "required stonith options ") +
                         quoted(missing) + (missing.size() == 1 ? " is" : " are") + " missing" +
                         kForce);
  }
  return out;
}

}  // namespace vigil::admin
