// SPDX-License-Identifier: GPL-2.0-or-later
// The typed CIB model: what the configuration and status sections say, with
// ids resolved (id-refs, templates, tags) and nothing decided yet. The policy
// engine reads this; it never touches the XML again except to copy parameter
// blocks into the transition graph.
#pragma once

#include <libxml/tree.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/common/rules.hpp"
#include "vigil/common/score.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::cib {

using rules::AttrMap;
using rules::NvSet;

enum class RscKind { kPrimitive, kGroup, kClone, kBundle };

struct OpConfig {
  const xmlNode* xml = nullptr;
  std::string id, name, role;
  std::int64_t interval_ms = 0;
  bool enabled = true;
  AttrMap attrs;                 // attributes of <op> itself (timeout, on-fail ...)
  std::vector<NvSet> meta_sets;  // <op><meta_attributes>
  std::vector<NvSet> instance_sets;
};

struct ResourceConfig {
  std::string id;
  RscKind kind = RscKind::kPrimitive;
  const xmlNode* xml = nullptr;     // the primitive/group/clone element
  std::string cls, provider, type;  // primitives (templates resolved)
  std::string template_id;
  bool promotable = false;  // <master> or clone meta promotable=true
  std::vector<NvSet> meta_sets, instance_sets, utilization_sets;
  std::vector<OpConfig> ops;
  std::vector<std::unique_ptr<ResourceConfig>> children;
  ResourceConfig* parent = nullptr;
};

struct NodeConfig {
  std::string id, uname, type;  // type: member (default), remote, ping
  std::vector<NvSet> instance_sets, utilization_sets;
  std::optional<Score> score;  // deprecated node "score"
};

// One lrm_rsc_op entry.
struct OpHistory {
  const xmlNode* xml = nullptr;
  std::string id, key, task, on_node, migrate_source, migrate_target, exit_reason;
  std::string transition_key, transition_magic, digest, restart_digest, secure_digest;
  std::int64_t interval_ms = 0;
  int call_id = -1, rc = 0, op_status = 0;
  int doc_index = 0;  // position among its lrm_resource's entries
  std::int64_t last_rc_change = 0, last_run = 0;
  bool has_rc = false;
};

struct ResourceHistory {
  std::string id, cls, provider, type, container;
  std::string shutdown_lock;   // epoch seconds the resource was locked, if any
  std::vector<OpHistory> ops;  // sorted by call id (Pacemaker's order)
};

struct NodeState {
  const xmlNode* xml = nullptr;
  std::string id, uname;
  std::optional<bool> in_ccm;  // boolean or timestamp in newer CIBs
  std::string crmd, join, expected, ha;
  bool has_in_ccm = false, has_crmd = false;
  std::vector<NvSet> transient_sets;
  std::vector<ResourceHistory> resources;
  bool has_lrm = false;
};

struct RoleRef {
  std::string rsc;
  std::string role;  // "" = any
};

struct ResourceSet {
  std::string id;
  std::vector<std::string> rscs;
  bool sequential = true, require_all = true;
  std::string role, action, ordering;
  std::optional<Score> score;
  std::string kind;  // order set "kind"
};

struct LocationConstraint {
  std::string id, rsc, rsc_pattern, node, role, discovery;
  std::optional<Score> score;
  std::vector<rules::Rule> rules;
  std::vector<ResourceSet> sets;
};

struct ColocationConstraint {
  std::string id, rsc, with_rsc, rsc_role, with_rsc_role, node_attribute, influence;
  std::string rsc_instance, with_rsc_instance;
  Score score;
  std::vector<ResourceSet> sets;
};

struct OrderConstraint {
  std::string id, first, then, first_action, then_action, kind, symmetrical;
  std::string first_instance, then_instance;
  std::optional<Score> score;
  std::vector<ResourceSet> sets;
};

struct TicketConstraint {
  std::string id;
};

// The parsed CIB. Owns the XML document; every xmlNode* above points into it.
class Cib {
 public:
  // Parses text/a file. Structural problems are errors; semantic problems
  // (unknown ids in constraints) are left to the engine, as Pacemaker does.
  static Result<std::unique_ptr<Cib>> from_file(const std::string& path);
  static Result<std::unique_ptr<Cib>> from_string(std::string_view text,
                                                  const std::string& what = "CIB");
  static Result<std::unique_ptr<Cib>> from_doc(xml::DocPtr doc, const std::string& what);

  xmlDoc* doc() const { return doc_.get(); }
  xmlNode* root() const { return xmlDocGetRootElement(doc_.get()); }
  const xmlNode* by_id(const std::string& id) const;
  rules::IdResolver resolver() const;

  std::string validate_with, dc_uuid, execution_date, crm_feature_set;
  bool have_quorum = false;
  std::vector<NvSet> crm_config;
  std::vector<NvSet> rsc_defaults, op_defaults;  // meta_attributes sets
  std::vector<NodeConfig> nodes;
  std::vector<std::unique_ptr<ResourceConfig>> resources;  // top level, document order
  std::vector<LocationConstraint> locations;
  std::vector<ColocationConstraint> colocations;
  std::vector<OrderConstraint> orders;
  std::vector<TicketConstraint> tickets;
  std::unordered_map<std::string, std::vector<std::string>> tags;  // tag id -> object ids
  std::vector<NodeState> node_states;
  std::vector<std::string> warnings;  // recoverable oddities, for the log

 private:
  Status parse();
  xml::DocPtr doc_;
  std::unordered_map<std::string, const xmlNode*> ids_;
};

}  // namespace vigil::cib
