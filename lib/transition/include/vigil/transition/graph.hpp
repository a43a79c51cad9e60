// SPDX-License-Identifier: GPL-2.0-or-later
// A transition graph as the policy engine writes it (Pacemaker's graph XML):
// synapses in document order, each holding one action and the ids of the
// actions that must be confirmed before it may fire. Plain C++ once parsed;
// actions are indexed by id.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"
#include "vigil/common/score.hpp"

struct _xmlNode;  // libxml2's xmlNode, for the parser overload

namespace vigil::transition {

// Pacemaker's INFINITY score (vigil::kInfinity, vigil/common/score.hpp) is
// the priority of synapses that must run whatever happens (fencing,
// shutdowns) and the priority of an abort that stops all.

enum class ActionKind {
  kRscOp,         // <rsc_op>: run by the executor on on_node (via router_node)
  kPseudo,        // <pseudo_event>: nothing to run, confirmed at once
  kClusterEvent,  // <crm_event> other than fencing: do_shutdown, clear_failcount, lrm_delete ...
  kFence,         // <crm_event operation="stonith">
};
const char* to_string(ActionKind k);

// The <primitive> of a resource action.
struct GraphPrimitive {
  std::string id, long_id, cls, provider, type;
};

struct GraphAction {
  int id = 0;
  ActionKind kind = ActionKind::kPseudo;
  std::string operation;               // "start", "monitor", "stonith", "do_shutdown" ...
  std::string operation_key;           // "web_monitor_10000", "stonith-node1-reboot" ...
  std::string internal_operation_key;  // clone instances only, else empty
  std::string on_node, on_node_uuid, router_node;  // empty when absent
  std::string mode;  // crm_event mode="cib": lrm_delete done in the CIB by the DC
  // shutdown-lock: when the resource's node asked to shut down (epoch
  // seconds); 0 when the action carries no lock.
  std::int64_t shutdown_lock = 0;
  std::optional<GraphPrimitive> primitive;  // resource actions (not probe_again)
  // Every attribute of <attributes>: CRM_meta_* and the resource parameters.
  std::map<std::string, std::string, std::less<>> attributes;
  std::vector<std::string> downed;  // node ids under <downed> (fencing, shutdown)
  std::size_t synapse = 0;          // index of its synapse in Graph::synapses

  // Derived from the attributes at parse time, as Pacemaker's graph reader.
  int timeout_ms = 0;            // CRM_meta_timeout + CRM_meta_start_delay (0 when absent)
  std::int64_t interval_ms = 0;  // CRM_meta_interval
  int target_rc = 0;             // CRM_meta_op_target_rc (0 when absent)
  bool can_fail = false;         // CRM_meta_can_fail: dependents fire even when it fails
  bool no_wait = false;          // CRM_meta_op_no_wait: confirmed once initiated

  // An attribute of <attributes>, or nullptr.
  const std::string* attr(std::string_view name) const;
  // CRM_meta_<name>, or nullptr.
  const std::string* meta(std::string_view name) const;
  // The resource parameters: the attributes that are not CRM_meta_*.
  std::map<std::string, std::string, std::less<>> parameters() const;
  // The resource id (primitive id) for rsc_op, else empty.
  const std::string& rsc_id() const;
};

struct Synapse {
  int id = 0;
  int priority = 0;
  std::vector<int> actions;  // action ids (Pacemaker writes exactly one)
  std::vector<int> inputs;   // action ids that must be confirmed first
};

struct ParseOptions;

struct Graph {
  int transition_id = -1;
  Duration cluster_delay{0};    // "network delay" added to every action timer
  Duration stonith_timeout{0};  // cluster-delay when absent
  std::string failed_stop_offset = "INFINITY", failed_start_offset = "INFINITY";
  int batch_limit = 0;                     // in-flight actions at most; 0 = no cap
  int migration_limit = -1;                // migrate ops in flight per node; <= 0 = no cap
  std::optional<std::int64_t> recheck_by;  // epoch seconds, when present
  std::vector<Synapse> synapses;           // document order
  std::vector<GraphAction> actions;        // one per action, in synapse order

  const GraphAction* find(int action_id) const;
  std::size_t size() const { return actions.size(); }

 private:
  std::unordered_map<int, std::size_t> by_id_;
  friend Result<Graph> parse_graph(const _xmlNode* root, const ParseOptions& options);
  friend class GraphParser;
};

struct ParseOptions {
  // Keep synapses that could never fire (waiting on a dependency cycle, or
  // on an input that is no action of the graph, which Pacemaker's scheduler
  // writes in rare cases) instead of refusing the graph. A Runner ends such a
  // transition "Terminated", as Pacemaker's graph consumer does: the
  // simulator shows what the cluster would do with the graph the scheduler
  // wrote.
  bool allow_stuck = false;
};

// Parses <transition_graph>. Errors name the element at fault ("synapse 3:
// rsc_op without id", "synapse 5: input 12 is not an action of the graph").
// Duplicate action ids, unknown action elements, an input referring to no
// action of the graph, a missing transition_id or cluster-delay, bad
// numbers and (unless options.allow_stuck) synapses waiting on a cycle are
// refused.
Result<Graph> parse_graph(std::string_view xml_text, const ParseOptions& options = {});
Result<Graph> parse_graph(const _xmlNode* root, const ParseOptions& options = {});

// parse_graph over text handed over in pieces (as the scheduler writes a
// graph): each synapse is read once its element is complete and its tree
// freed, so neither the whole text nor its whole tree is ever held. The
// result and its errors are parse_graph's on the whole text.
class GraphParser {
 public:
  explicit GraphParser(const ParseOptions& options = {});
  ~GraphParser();
  GraphParser(const GraphParser&) = delete;
  GraphParser& operator=(const GraphParser&) = delete;

  void feed(std::string_view piece);
  Result<Graph> finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::transition
