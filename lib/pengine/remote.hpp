// SPDX-License-Identifier: GPL-2.0-or-later
// Pacemaker Remote nodes, guest nodes and containers (remote.cpp): the hooks
// the shared stages call. A remote node is made by an ocf:pacemaker:remote
// primitive, a guest node by the remote-node meta attribute of a primitive
// (its container), and a resource with the container meta attribute runs
// inside another one.
#pragma once

#include <string>
#include <vector>

#include "vigil/pengine/working_set.hpp"

namespace vigil::pengine {

struct Graph;

// Node kinds: a guest node's connection runs inside a container resource; a
// remote node's does not (or it has no connection at all).
bool is_guest_node(const Node* node);
bool is_remote_only_node(const Node* node);
// Whether a primitive is a Pacemaker Remote connection (ocf:pacemaker:remote).
bool is_remote_agent(const Resource* rsc);
// The guest node connection inside `rsc` (one of its fillers), if any.
Resource* guest_connection_in(const WorkingSet& ws, const Resource* rsc);

// ---- unpacking (unpack.cpp)
// An operation of an implicit resource ("<rsc>-<task>-interval-<interval>"),
// without a timeout when `timeout` is empty.
cib::OpConfig connection_op(const std::string& rsc, const char* task, const char* interval,
                            std::int64_t interval_ms, const std::string& timeout);
// The nodes that remote connections and remote-node meta attributes make,
// for those not in the nodes section; also prepares the guest connections'
// configurations (WorkingSet::guest_connections).
const std::vector<std::unique_ptr<cib::NodeConfig>>& remote_node_configs(WorkingSet& ws);
// Per resource, after its meta attributes: connection flags, the default
// allow-migrate of remote connections, reconnect_interval.
void unpack_remote_meta(WorkingSet& ws, Resource* rsc);
// After every resource: containers and their fillers, nodes linked to their
// connections, and a guest connection's opt-in location.
void link_remote_resources(WorkingSet& ws);
// Status: a remote node's node_state (first pass); whether its history can
// be unpacked yet; what to do before unpacking it; and once all is unpacked.
void note_remote_node_state(Node* node, const cib::NodeState& st);
bool remote_history_ready(const WorkingSet& ws, const Node* node);
void unpack_remote_node_state(WorkingSet& ws, Node* node, const cib::NodeState& st);
void finish_remote_status(WorkingSet& ws);
// Pacemaker creates the node of an orphaned connection only when the status
// section's history of that connection is unpacked: resources unpacked before
// (all configured ones) never list it among their allowed nodes.
void mark_orphan_connection_nodes(WorkingSet& ws);
// An orphan (history without configuration) that is a remote connection
// shuts its node down; one recorded inside a container is mapped to it once
// its node's history is unpacked.
void link_orphan_resource(WorkingSet& ws, Resource* rsc, const cib::ResourceHistory& h);
void map_orphaned_fillers(WorkingSet& ws, const std::vector<cib::ResourceHistory>& histories);
// A managed resource active on a node that is down: handles remote and guest
// nodes (true), leaving cluster nodes to the caller (false).
bool remote_active_on_down_node(WorkingSet& ws, Resource* rsc, Node* node);
// on-fail=restart-container and reset of a remote connection.
void remote_on_fail(WorkingSet& ws, Resource* rsc, Node* node, OnFail on_fail);
// A failed connection whose node is unclean is fenced even if it reconnects.
void remote_after_failure(WorkingSet& ws, Resource* rsc);
// Whether an expired failure of a connection with reconnect_interval waits
// for fencing of its node.
bool remote_keeps_failure(const WorkingSet& ws, const Resource* rsc, const cib::OpHistory& op);
// Clearing a connection's failure waits for fencing of its node.
void order_clear_after_remote_fencing(WorkingSet& ws, Resource* rsc, Action* clear);

// ---- actions (actions.cpp)
// The default on-fail of container fillers and remote connections: true
// when it decided `*result` (and maybe the action's fail role).
bool remote_on_fail_default(const WorkingSet& ws, Action* a, bool configured, OnFail* result);
// Fencing a remote or guest node (a guest is "fenced" by recovering its
// container).
void fence_pcmk_remote_node(WorkingSet& ws, Node* node, const std::string& reason);
// Whether a guest node can be fenced: its container's hosts can be.
bool can_fence_guest(const WorkingSet& ws, const Node* node);
// An action on a guest node that is down but not failed can still run: the
// guest comes back up within the transition.
bool runnable_on_guest(const Node* node);

// ---- assignment and constraints (assign.cpp)
void assign_remote_connections(WorkingSet& ws);
void remote_connection_assigned(WorkingSet& ws, Resource* connection);
void remote_internal_constraints(WorkingSet& ws, Resource* rsc);
// The fail counts of the resources inside a container, which count towards
// its migration-threshold.
int fillers_failcount(const WorkingSet& ws, const Node* node, const Resource* rsc);

// ---- probes (rsc_actions.cpp)
// Whether a probe of `rsc` on `node` is ruled out by remote or container
// rules (before and after the discovery checks).
bool remote_rules_out_probe(const WorkingSet& ws, const Resource* rsc, const Node* node);
bool guest_rules_out_probe(WorkingSet& ws, Resource* rsc, Node* node);
// An offline remote node whose connection cannot recover is fenced.
void fence_failed_remote_node(WorkingSet& ws, Node* node);

// ---- orderings and fencing (schedule.cpp, ordering.cpp)
void order_remote_connection_actions(WorkingSet& ws);
void fence_guest(WorkingSet& ws, Node* node);
// User orderings between a guest node's container and resources on that
// guest are invalid: they are dropped (those the scheduler made are kept).
void disable_guest_orderings(WorkingSet& ws);

// ---- graph and output (graph.cpp, summary.cpp, status_output.cpp)
// The cluster node an action on a remote node is routed through.
Node* connection_host_for_action(const Action* a);
// CRM_meta_container and CRM_meta_physical_host of an action.
void remote_graph_meta(const Action* a,
                       std::vector<std::pair<std::string_view, const std::string*>>& attrs);
// The nodes a stop of a connection or a fencing takes down with it.
std::vector<const Node*> remote_downed_nodes(const WorkingSet& ws, const Action* a);
// Remote nodes whose maintenance mode the transition changes, and the
// pseudo-action that carries them (maintenance_nodes), if any.
std::vector<const Node*> maintenance_changes(const WorkingSet& ws);
void add_maintenance_update(WorkingSet& ws);
// "lxc1 (resource: container1)" for guests.
std::string fenced_node_name(const Node* node);
// "Node", "RemoteNode" or "GuestNode".
const char* node_kind_label(const Node* node);

}  // namespace vigil::pengine
