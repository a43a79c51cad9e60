// SPDX-License-Identifier: GPL-2.0-or-later
// A fence device: a stonith-class primitive of the CIB with Pacemaker's
// device parameters (pcmk_host_list, pcmk_host_map, pcmk_host_check, delays,
// per-action names, timeouts and retries) read once into typed fields, and
// what the agent's meta-data told about it. Plain data and pure functions.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"

namespace vigil::fencing {

// How a device learns which nodes it can fence (pcmk_host_check).
enum class HostCheck { kStaticList, kDynamicList, kStatus, kNone };
const char* to_string(HostCheck check);

// What the agent's `action=metadata` advertised.
struct AgentMetadata {
  std::set<std::string> actions;     // <action name="..."/>
  std::set<std::string> parameters;  // <parameter name="..."/>
  bool on_target = false;            // `on` must run on the target itself
  bool automatic_unfencing = false;  // `on` with automatic="1"
  bool supports(std::string_view action) const { return actions.count(std::string(action)) > 0; }
};
// Refuses anything that is not a <resource-agent> document.
Result<AgentMetadata> parse_agent_metadata(std::string_view xml);

struct Device {
  std::string id;
  std::string agent;                          // the primitive's type, e.g. fence_ipmilan
  std::map<std::string, std::string> params;  // instance attributes, pcmk_* included
  bool enabled = true;                        // meta target-role is not Stopped
  bool provides_unfencing = false;            // meta provides=unfencing
  AgentMetadata metadata;

  std::vector<std::string> host_list;           // pcmk_host_list
  std::map<std::string, std::string> host_map;  // pcmk_host_map: node -> port
  std::string host_argument;                    // "port", "plug" or "none"
  HostCheck host_check = HostCheck::kDynamicList;
  Duration delay_base{0};                           // pcmk_delay_base, plain form
  std::map<std::string, Duration> delay_per_host;   // pcmk_delay_base "node:5s" form
  Duration delay_max{0};                            // pcmk_delay_max
  int action_limit = 1;                             // pcmk_action_limit (-1: unlimited)
  std::map<std::string, std::string> action_names;  // pcmk_<action>_action
  std::map<std::string, Duration> timeouts;         // pcmk_<action>_timeout
  std::map<std::string, int> retries;               // pcmk_<action>_retries

  // The action name given to the agent for `action` (pcmk_reboot_action ...).
  std::string agent_action(std::string_view action) const;
  // pcmk_<action>_timeout, or the cluster's stonith-timeout.
  Duration timeout_for(std::string_view action, Duration stonith_timeout) const;
  // pcmk_<action>_retries (default 2).
  int retries_for(std::string_view action) const;
  // The static part of the delay before fencing `target`.
  Duration delay_base_for(std::string_view target) const;
  // The agent's name for `target` (pcmk_host_map, else the node name).
  std::string port_for(std::string_view target) const;
  // Whether pcmk_host_list / pcmk_host_map name `target`.
  bool lists_statically(std::string_view target) const;
  // Whether the device can reboot by itself (the agent advertises it, or
  // pcmk_reboot_action renames it to an action the agent has).
  bool can_reboot() const;
};

// Builds a device from a primitive's id, agent, instance attributes and meta
// attributes, with the agent's meta-data. Refuses unparsable parameters
// (a bad interval, host map, host check or number) with the parameter named.
Result<Device> make_device(std::string id, std::string agent,
                           std::map<std::string, std::string> params,
                           const std::map<std::string, std::string>& meta, AgentMetadata metadata);

// pcmk_host_list: names separated by spaces, commas, semicolons, tabs or
// newlines (empty items dropped).
std::vector<std::string> parse_host_list(std::string_view text);
// pcmk_host_map: "node:port;node2:port2" (also '=' between node and port,
// and any host-list delimiter between entries).
Result<std::map<std::string, std::string>> parse_host_map(std::string_view text);

// Whether an instance attribute is Pacemaker's (pcmk_*) or internal, and so
// never passed to the agent.
bool is_fencer_parameter(std::string_view name);

}  // namespace vigil::fencing
