// SPDX-License-Identifier: GPL-2.0-or-later
// What the tools share: Pacemaker's exit codes, a GLib-like option parser,
// the node a tool acts on, and attribute lookups in the CIB.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vigil/agenttools/tools.hpp"

namespace vigil::agenttools {

// Pacemaker's crm_exit_t values the tools return.
enum Exit : int {
  kExitOk = 0,
  kExitError = 1,
  kExitUnimplemented = 3,
  kExitUsage = 64,
  kExitNoHost = 68,
  kExitProtocol = 76,
  kExitConfig = 78,
  kExitDisconnect = 102,
  kExitNoSuch = 105,
  kExitQuorum = 106,
};

// ---- options --------------------------------------------------------------

enum class Arg { kNone, kRequired, kOptional };

struct OptionSpec {
  char short_name = 0;  // 0: long only
  const char* long_name = nullptr;
  Arg arg = Arg::kNone;
  const char* key = nullptr;  // what parse() reports (several spellings, one key)
};

struct ParsedOption {
  std::string key;
  std::optional<std::string> value;
};

struct ParsedArgs {
  std::vector<ParsedOption> options;  // in command-line order
  std::vector<std::string> operands;  // everything else
};

// GLib's rules as Pacemaker's tools see them: -xVALUE, -x VALUE, --long=VALUE,
// --long VALUE, grouped flags (-qG), "--" ends the options; an optional
// argument is --long=VALUE, -xVALUE or a following word not starting with
// '-'. Every tool also takes -h/--help, --version, -V/--verbose and
// --output-as=text. An unknown option or a missing argument is an Error.
Result<ParsedArgs> parse_options(const std::vector<std::string>& args,
                                 const std::vector<OptionSpec>& specs);

// --help or --version anywhere on the line end the tool at once with this.
std::optional<ToolRun> help_or_version(const ParsedArgs& parsed, const std::string& help);

// ---- output ---------------------------------------------------------------

ToolRun usage_error(const std::string& tool, const std::string& message);
ToolRun failure(const std::string& tool, int code, const std::string& message);
ToolRun version_text();
// A failure to reach or use a daemon: its message with a hint, and
// Pacemaker's code for it (102 when the daemon cannot be reached).
std::string reach_hint(const Error& e);
int code_of(const Error& e);

// ---- nodes ----------------------------------------------------------------

// pcmk__node_attr_target: for no name, "auto" or "localhost", the node the
// executor says the agent runs for (the container host when the resource
// asks for it), else nullopt.
std::optional<std::string> node_attr_target(const std::optional<std::string>& name,
                                            const Getenv& env);

// What vigil-crmd says of the cluster (its <status/> answer).
struct ControllerView {
  std::string self_id;
  std::string self_name;  // empty when this node is not among the members yet
  bool quorate = false;
  struct Member {
    std::string id;
    std::string name;
  };
  std::vector<Member> members;
};
Result<ControllerView> controller_view(Cluster& cluster);

// This node's name: the executor's (OCF_RESKEY_CRM_meta_on_node), else the
// controller's, else the short host name (Corosync's default node name).
std::string local_node_name(const Getenv& env, Cluster& cluster);

// <attr_update> (with a value) or <attr_delete> (without) to vigil-crmd for
// `node` (empty: the controller's own node); nullopt when it was accepted,
// else the tool's failure (Pacemaker's "Could not update NAME=VALUE").
std::optional<ToolRun> send_attribute(const std::string& tool, Cluster& cluster,
                                      const std::string& node, const std::string& name,
                                      const std::optional<std::string>& value);

// ---- the CIB --------------------------------------------------------------

struct FoundAttribute {
  std::string node;  // uname (status and nodes)
  std::string set_id;
  std::string id;
  std::string value;
};

// Transient attribute `name` of every node in the status section (of node
// `node` only when given), in the CIB's order.
Result<std::vector<FoundAttribute>> transient_attributes(const std::string& cib_xml,
                                                         const std::string& name,
                                                         const std::optional<std::string>& node);
// The id of the node called `uname` in the configuration's nodes section.
Result<std::optional<std::string>> node_id_of(const std::string& cib_xml, const std::string& uname);
// The first nvpair `name` under the nodes section's node `node_id`, or in
// crm_config's cluster_property_sets.
Result<std::optional<FoundAttribute>> permanent_attribute(const std::string& cib_xml,
                                                          const std::string& node_id,
                                                          const std::string& name);
Result<std::optional<FoundAttribute>> cluster_option(const std::string& cib_xml,
                                                     const std::string& name);

// A quoted XPath string literal for `text`.
std::string xpath_literal(const std::string& text);

}  // namespace vigil::agenttools
