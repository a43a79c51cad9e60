// SPDX-License-Identifier: GPL-2.0-or-later
// What the fencer reads from the CIB: the stonith-class primitives (before
// their agents' meta-data is known), the fencing topology, stonith-timeout
// and stonith-enabled from crm_config, node names and permanent node
// attributes (for target-attribute levels).
#pragma once

#include <libxml/tree.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/fencing/fencer.hpp"

namespace vigil::fencing {

struct DeviceSpec {
  std::string id;
  std::string agent;
  std::map<std::string, std::string> params;  // instance attributes
  std::map<std::string, std::string> meta;    // meta attributes
};

struct CibFencing {
  std::vector<DeviceSpec> devices;
  std::vector<FencingLevel> levels;
  NodeAttributes node_attributes;
  std::vector<std::string> nodes;
  Duration stonith_timeout{60'000};
  bool stonith_enabled = true;
};

// Reads a whole CIB (<cib>) or its <configuration>. Refuses a level without
// a valid target or index, a stonith primitive without a type, and
// rule-based device attributes (not supported: they would be evaluated
// differently on each node).
Result<CibFencing> read_cib_fencing(const xmlNode* cib);
Result<CibFencing> read_cib_fencing(std::string_view cib_xml);

// The machine's configuration, once each device's meta-data is known
// (`metadata` by agent name; a device whose agent has none is left out and
// named in `skipped` with the reason).
struct BuiltConfig {
  FencerConfig config;
  std::vector<std::string> skipped;
};
Result<BuiltConfig> build_config(const CibFencing& cib,
                                 const std::map<std::string, Result<AgentMetadata>>& metadata);

}  // namespace vigil::fencing
