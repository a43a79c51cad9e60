// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-agent-tool: Pacemaker's agent-facing tools (attrd_updater,
// crm_attribute, crm_master, crm_node; crm_mon, crm_resource, cibadmin
// refused) in one program, chosen by the name it is called by (links in
// <libexec>/vigil/agent-tools) or by its first argument. Everything but the
// process glue lives in lib/agenttools.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "vigil/agenttools/tools.hpp"
#include "vigil/common/xml.hpp"

int main(int argc, char** argv) {
  vigil::xml::init();
  std::string tool = argc > 0 ? argv[0] : "";
  tool = tool.substr(tool.rfind('/') + 1);
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  if (tool == "vigil-agent-tool") {
    if (args.empty()) {
      std::cerr << "Usage: vigil-agent-tool TOOL [ARGS...]  (TOOL: attrd_updater, crm_attribute,"
                   " crm_master, crm_node)\n";
      return 64;
    }
    tool = args.front();
    args.erase(args.begin());
  }
  const char* run = std::getenv("VIGIL_RUN_DIR");
  auto cluster = vigil::agenttools::socket_cluster(run && *run ? run : "/run/vigil");
  const auto result =
      vigil::agenttools::run_tool(tool, args, vigil::agenttools::process_environment(), *cluster);
  std::cout << result.out << std::flush;
  std::cerr << result.err << std::flush;
  return result.exit_code;
}
