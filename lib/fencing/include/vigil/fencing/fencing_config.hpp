// SPDX-License-Identifier: GPL-2.0-or-later
// What the fencer reads from the CIB: the stonith-class primitives (before
// their agents' meta-data is known), the fencing topology, stonith-timeout,
// stonith-enabled and symmetric-cluster from crm_config, node names and
// permanent node attributes (for target-attribute levels), and the location
// constraints of each device. As Pacemaker 2.1.5's fencer, a node registers
// a device only when it is not disabled (target-role=Stopped, its own or
// its group's or clone's) and this node is allowed to run it (no negative
// location score here, and a constraint naming the node in an
// opt-in cluster).
#pragma once

#include <libxml/tree.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/common/score.hpp"
#include "vigil/fencing/fencer.hpp"

namespace vigil::fencing {

struct DeviceSpec {
  std::string id;
  std::string agent;
  std::map<std::string, std::string> params;  // instance attributes
  std::map<std::string, std::string> meta;    // meta attributes, its parents' inherited
  std::vector<std::string> parents;           // enclosing group/clone ids, outermost first
  bool disabled = false;                      // target-role=Stopped
  // Location constraints on the device or its group/clone: each named
  // node's summed score.
  std::map<std::string, Score> node_scores;
};

struct CibFencing {
  std::vector<DeviceSpec> devices;
  std::vector<FencingLevel> levels;
  NodeAttributes node_attributes;
  std::vector<std::string> nodes;
  Duration stonith_timeout{60'000};
  bool stonith_enabled = true;
  bool symmetric_cluster = true;
};

// Reads a whole CIB (<cib>) or its <configuration>. Refuses a level without
// a valid target or index, a stonith primitive without a type, and
// rule-based device attributes or location constraints of a device (not
// supported: they would be evaluated differently on each node).
Result<CibFencing> read_cib_fencing(const xmlNode* cib);
Result<CibFencing> read_cib_fencing(std::string_view cib_xml);

// The machine's configuration on node `self`, once each device's meta-data
// is known (`metadata` by agent name). A device whose agent has none, a
// disabled device, or one that `self` may not run is left out and named in
// `config.left_out` with the reason.
struct BuiltConfig {
  FencerConfig config;
};
Result<BuiltConfig> build_config(const CibFencing& cib,
                                 const std::map<std::string, Result<AgentMetadata>>& metadata,
                                 const std::string& self);
// Why `self` may not run `d` (empty: it may).
std::string why_not_registered(const CibFencing& cib, const DeviceSpec& d, const std::string& self);

}  // namespace vigil::fencing
