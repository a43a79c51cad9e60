// SPDX-License-Identifier: GPL-2.0-or-later
// The typed CIB model: what the configuration and status sections say, with
// ids resolved (id-refs, templates, tags) and nothing decided yet. It is the
// only reader of the XML: everything the policy engine needs (document order
// included) is captured here at parse time, and the document is not
// reachable afterwards, so no later stage can walk it again.
#pragma once

#include <libxml/tree.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "vigil/cib/history_element.hpp"
#include "vigil/common/result.hpp"
#include "vigil/common/rules.hpp"
#include "vigil/common/score.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::cib {

using rules::AttrMap;
using rules::NvSet;

enum class RscKind { kPrimitive, kGroup, kClone, kBundle };

struct OpConfig {
  std::string id, name, role;
  std::int64_t interval_ms = 0;
  bool enabled = true;
  AttrMap attrs;                 // attributes of <op> itself (timeout, on-fail ...)
  std::vector<NvSet> meta_sets;  // <op><meta_attributes>
  std::vector<NvSet> instance_sets;
};

// A bundle's own elements (Pacemaker's <docker>/<podman>/<rkt>, <network>,
// <storage>), attributes as written; lib/pengine/bundle_unpack.cpp reads them.
struct BundleConfig {
  std::string agent;  // "docker", "rkt" or "podman"; "" when the bundle has none
  AttrMap container;  // attributes of that element
  bool has_network = false;
  AttrMap network;
  std::vector<AttrMap> ports;    // <network>'s children, in order
  std::vector<AttrMap> storage;  // <storage>'s children, in order
};

struct ResourceConfig {
  std::string id;
  RscKind kind = RscKind::kPrimitive;
  // Attributes of the primitive/group/clone element itself, in document order.
  std::vector<std::pair<std::string, std::string>> attrs;
  std::string cls, provider, type;  // primitives (templates resolved)
  std::string template_id;
  bool promotable = false;  // <master> or clone meta promotable=true
  std::vector<NvSet> meta_sets, instance_sets, utilization_sets;
  std::vector<OpConfig> ops;
  std::vector<std::unique_ptr<ResourceConfig>> children;
  ResourceConfig* parent = nullptr;
  std::shared_ptr<const BundleConfig> bundle;  // bundles only
};

struct NodeConfig {
  std::string id, uname, type;  // type: member (default), remote, ping
  std::vector<NvSet> instance_sets, utilization_sets;
  std::optional<Score> score;  // deprecated node "score"
};

// One lrm_rsc_op entry.
struct OpHistory {
  std::string id, key, task, on_node, migrate_source, migrate_target, exit_reason;
  std::string transition_key, transition_magic, digest, restart_digest, secure_digest;
  std::string feature_set;    // crm_feature_set the digests were computed with ("" = the CIB's)
  std::string secure_params;  // op-secure-params: " a b " (parameters left out of secure_digest)
  // op-force-restart: " a b " (parameters restart_digest covers); nullopt when
  // absent, which is not the same as an empty list.
  std::optional<std::string> force_restart_params;
  std::int64_t interval_ms = 0;
  int call_id = -1, rc = 0, op_status = 0;
  int doc_index = 0;  // position among its lrm_resource's entries
  std::int64_t last_rc_change = 0, last_run = 0;
  bool has_rc = false;
};

// Pacemaker's pe__is_newer_op: <0 when `a` is older than `b`, >0 newer, 0
// unordered. Records on named nodes are on one node when the names match
// (case aside); a record without a node counts as `same_node_default`.
int compare_op_history(const OpHistory& a, const OpHistory& b, bool same_node_default);

struct ResourceHistory {
  std::string id, cls, provider, type, container;
  std::string shutdown_lock;   // epoch seconds the resource was locked, if any
  std::vector<OpHistory> ops;  // sorted by call id (Pacemaker's order)
};

struct NodeState {
  std::string id, uname;
  std::optional<bool> in_ccm;  // boolean or timestamp in newer CIBs
  std::string crmd, join, expected, ha;
  bool has_in_ccm = false, has_crmd = false;
  // Pacemaker Remote nodes: node_fenced, node_in_maintenance.
  bool remote_fenced = false, remote_maintenance = false;
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
  std::string require_all;  // as written ("" when absent); deprecated, clone-min=1 when false
  std::optional<Score> score;
  std::vector<ResourceSet> sets;
};

// rsc_ticket: a resource (or sets of them) that may run only while a ticket
// is granted. Attributes as written ("" when absent); the engine interprets
// them.
struct TicketConstraint {
  std::string id, rsc, rsc_role, ticket, loss_policy;
  std::string rsc_instance;  // deprecated (2.1.5): one clone instance
  std::vector<ResourceSet> sets;
};

// One <ticket_state> of the status section: its attributes other than the id,
// in document order (granted, standby, last-granted and any others).
struct TicketState {
  std::string id;
  std::vector<std::pair<std::string, std::string>> attrs;
};

enum class ConstraintKind { kLocation, kColocation, kOrder, kTicket };

// One constraint in document order: its kind and its index in the list of
// that kind (Cib::locations, colocations, orders, tickets).
struct ConstraintRef {
  ConstraintKind kind;
  std::size_t index;
};

// The parsed CIB. No XML can be reached from it: the document is read once,
// when the model is made.
class Cib {
 public:
  // Parses text/a file. Structural problems are errors; semantic problems
  // (unknown ids in constraints) are left to the engine, as Pacemaker does.
  static Result<std::unique_ptr<Cib>> from_file(const std::string& path);
  static Result<std::unique_ptr<Cib>> from_string(std::string_view text,
                                                  const std::string& what = "CIB");
  static Result<std::unique_ptr<Cib>> from_doc(xml::DocPtr doc, const std::string& what);

  // Re-reading a document the caller keeps (lib/pengined holds the CIB
  // between scheduler runs and re-reads only what a change touched). The
  // model points into nothing of the document. from_tree is from_doc
  // without taking the document; the others read one part of it exactly as
  // from_doc does: the root's attributes, status/tickets, one node_state
  // (id-refs found through `resolve`).
  static Result<std::unique_ptr<Cib>> from_tree(const xmlDoc* doc, const std::string& what);
  void read_root_attributes(const xmlNode* root);
  void read_ticket_states(const xmlNode* status);
  static Result<NodeState> read_node_state(const xmlNode* node_state,
                                           const rules::IdResolver& resolve);

  // Checks a streaming read runs on the parts of the document while they exist.
  struct StreamChecks {
    // Each element of a resource history (under <lrm_resources>), which is
    // never a tree.
    std::function<Status(const HistoryElement&)> history;
    // Each <node_state>, before it becomes part of the model and is freed;
    // its <lrm_resources> is empty (see `history`).
    std::function<Status(const xmlNode*)> node_state;
    // The document without its node_state elements (the root, the
    // configuration and the rest of the status section), before the model is
    // made of it.
    std::function<Status(xmlDoc*)> document;
  };
  // Reads a CIB file without holding the whole document: the status section's
  // node_state elements, nearly all of a large CIB, are read, checked and
  // turned into the model one at a time, their resource histories (nearly
  // all of a node_state) without ever being a tree; the rest becomes a small
  // document.
  // The model is the same as from_file's.
  static Result<std::unique_ptr<Cib>> from_file_streaming(const std::string& path,
                                                          const StreamChecks& checks = {});
  // The same from text in memory; `what` names it in errors.
  static Result<std::unique_ptr<Cib>> from_string_streaming(std::string_view text,
                                                            const std::string& what,
                                                            const StreamChecks& checks = {});

  std::string validate_with, dc_uuid, execution_date, crm_feature_set;
  std::string no_quorum_panic;  // the root's no-quorum-panic attribute, as written
  bool have_quorum = false;
  std::vector<NvSet> crm_config;
  std::vector<NvSet> rsc_defaults, op_defaults;  // meta_attributes sets
  std::vector<NodeConfig> nodes;
  std::vector<std::unique_ptr<ResourceConfig>> resources;  // top level, document order
  std::vector<LocationConstraint> locations;
  std::vector<ColocationConstraint> colocations;
  std::vector<OrderConstraint> orders;
  std::vector<TicketConstraint> tickets;
  // Every constraint above in document order, across kinds: the order in
  // which Pacemaker unpacks them decides the order of the orderings made.
  std::vector<ConstraintRef> constraint_order;
  std::unordered_map<std::string, std::vector<std::string>> tags;  // tag id -> object ids
  // Ids of <template> elements (primitives made from one name it in
  // ResourceConfig::template_id); a constraint may name a template.
  std::unordered_set<std::string> template_ids;
  std::vector<NodeState> node_states;
  std::vector<TicketState> ticket_states;  // status/tickets, document order
  std::vector<std::string> warnings;       // recoverable oddities, for the log

 private:
  // The document the model was made from: owned, never read again. It goes
  // with the model, so a caller that skips freeing the model at exit (a
  // large CIB takes tens of milliseconds to free) skips this too.
  xml::DocPtr doc_;
};

}  // namespace vigil::cib
