// SPDX-License-Identifier: GPL-2.0-or-later
// Pacemaker 2.1.5's agent-facing command-line tools (attrd_updater,
// crm_attribute, crm_master, crm_node) over Vigil's daemons, for the
// resource agents Vigil runs unmodified. Each tool is a function from its
// arguments and environment to its output and exit code, over a Cluster
// (the sockets of vigil-crmd and vigil-cib, or a fake in tests); the mains
// in agents/tools are thin. Tools Vigil does not provide (crm_mon,
// crm_resource, cibadmin) fail loudly.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vigil/common/result.hpp"

namespace vigil::agenttools {

// What the tools ask of the running cluster.
class Cluster {
 public:
  virtual ~Cluster() = default;
  // One request to vigil-crmd ($run/crmd.sock, see
  // vigil/controller/controller.hpp) and its answer.
  virtual Result<std::string> controller(const std::string& request) = 0;
  // The whole CIB from vigil-cib.
  virtual Result<std::string> cib() = 0;
  // cibadmin --modify of `section` (allowed to create what is missing), and
  // the removal of what `xpath` matches.
  virtual Status cib_modify(const std::string& section, const std::string& xml) = 0;
  virtual Status cib_remove(const std::string& xpath) = 0;
};

// The sockets of the local node's daemons in `run_dir` (connected on first
// use, each call bounded in time).
std::unique_ptr<Cluster> socket_cluster(const std::string& run_dir);

// The environment a tool reads (getenv, or a map in tests).
using Getenv = std::function<std::optional<std::string>(const std::string& name)>;
Getenv process_environment();

struct ToolRun {
  std::string out;  // stdout
  std::string err;  // stderr
  int exit_code = 0;
};

// `args` without the program name.
ToolRun attrd_updater(const std::vector<std::string>& args, const Getenv& env, Cluster& cluster);
ToolRun crm_attribute(const std::vector<std::string>& args, const Getenv& env, Cluster& cluster);
ToolRun crm_master(const std::vector<std::string>& args, const Getenv& env, Cluster& cluster);
ToolRun crm_node(const std::vector<std::string>& args, const Getenv& env, Cluster& cluster);
// crm_mon, crm_resource, cibadmin and anything else: a clear refusal.
ToolRun not_provided(const std::string& tool, const std::vector<std::string>& args);

// The tool named `tool` (a program's base name).
ToolRun run_tool(const std::string& tool, const std::vector<std::string>& args, const Getenv& env,
                 Cluster& cluster);
// The names run_tool knows, the ones it implements first (for installing
// the links).
std::vector<std::string> tool_names();

// The promotion score attribute of a resource, as Pacemaker names it:
// "master-" + the resource's id exactly as given (OCF_RESOURCE_INSTANCE,
// with a clone instance's ":N" suffix when the executor passes one).
std::string promotion_score_name(const std::string& rsc);

}  // namespace vigil::agenttools
