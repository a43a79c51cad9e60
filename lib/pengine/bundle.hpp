// SPDX-License-Identifier: GPL-2.0-or-later
// Bundles (Pacemaker's container variant): a bundle is a set of replicas,
// each an implicit container resource (ocf:heartbeat:docker, podman or
// rkt), an optional IP address (ocf:heartbeat:IPaddr2) and, when the bundle
// holds a primitive, a Pacemaker Remote connection making the replica's
// guest node and one instance of a clone of that primitive running there.
// The implicit resources are ordinary primitives under the bundle; the
// clone is the bundle's last child. These functions are the bundle's hooks
// in the shared stages.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/pengine/working_set.hpp"

namespace vigil::pengine {

struct BundleReplica {
  int offset = 0;
  std::string ipaddr;
  Resource* ip = nullptr;
  Resource* container = nullptr;
  Resource* remote = nullptr;
  Resource* child = nullptr;  // the clone instance running in the container
  Node* node = nullptr;       // the guest node the connection makes
};

struct BundleData {
  std::string agent, image;  // agent: docker, podman or rkt
  int promoted_max = 0, nreplicas = 1, replicas_per_host = 1;
  Resource* child = nullptr;  // the clone of the bundled primitive, if any
  std::vector<BundleReplica> replicas;
  // Containers whose connection failed with on-fail=restart-container, in
  // the order the failures were found.
  std::vector<Resource*> stop_needed;
};

inline bool is_bundle(const Resource* rsc) {
  return rsc && rsc->kind == cib::RscKind::kBundle;
}
// The bundle a resource is part of (an implicit resource, the clone or an
// instance), if any.
Resource* parent_bundle(Resource* rsc);
const Resource* parent_bundle(const Resource* rsc);
// Whether a node is a bundle replica's guest node.
bool is_bundle_node(const Node* node);

// ---- unpacking (bundle_unpack.cpp)
// The guest nodes a bundle's configuration makes ("<bundle>-N"), for
// remote_node_configs; none when the bundle is invalid.
std::vector<std::string> bundle_node_names(const cib::ResourceConfig& rc);
// The replicas' guest nodes take no resource but their replica's instance.
void mark_bundle_nodes(WorkingSet& ws);
// The nodes a clone unpacked now counts for its default clone-max: the
// guest nodes of bundles not unpacked yet do not exist for it.
int nodes_known_to_clones(const WorkingSet& ws);
// What Pacemaker refuses in a bundle: Ignored (logged, left out of the
// cluster) when it has no container or a primitive it cannot reach; an
// error for what this version does not do yet (a promotable bundle).
Status check_bundle_config(WorkingSet& ws, const cib::ResourceConfig& rc, bool* ignore);
// The replicas' resources and the clone under a bundle (unpack_tree).
void unpack_bundle_replicas(WorkingSet& ws, Resource* bundle);
// A replica's container must stop where it is found active; scheduled once
// the whole status is unpacked.
void bundle_stop_needed(Resource* container);
void schedule_bundle_stops_needed(WorkingSet& ws);
// The instance a node's history of the bundled primitive belongs to: the
// one of the replica whose guest node it is.
Resource* bundle_history_instance(Resource* clone, const Node* node);

// ---- assignment, constraints (bundle_assign.cpp)
Node* bundle_assign(WorkingSet& ws, Resource* bundle, Node* prefer);
void bundle_internal_constraints(WorkingSet& ws, Resource* bundle);
void bundle_apply_coloc_score(WorkingSet& ws, Resource* dependent, Resource* bundle,
                              const Colocation& c);
// A location constraint on the bundle applies to its containers and IPs too
// (and to its clone, with a role).
std::vector<Resource*> bundle_location_targets(const Location& loc);
// The container of `bundle` on the node `dependent` is (or would best be) on.
Resource* compatible_bundle_container(WorkingSet& ws, Resource* dependent, const Resource* bundle,
                                      bool current);

// ---- actions (bundle_actions.cpp)
void bundle_create_actions(WorkingSet& ws, Resource* bundle);
std::uint32_t bundle_action_flags(Action* action, const Node* node);
std::uint32_t bundle_update_ordered_actions(WorkingSet& ws, Action* first, Action* then,
                                            const Node* node, std::uint32_t flags,
                                            std::uint32_t filter, std::uint32_t type);
// Probes of the replicas' resources on a node (`probe` probes one).
bool bundle_create_probes(WorkingSet& ws, Resource* bundle, Node* node,
                          const std::function<bool(Resource*)>& probe);
// The containers of a bundle (what its own actions stand for).
std::vector<Resource*> bundle_containers(const Resource* bundle);
// For an ordering between bundles instance by instance: the instance inside
// `container` when it is the replica on `node`, else `fallback`.
Resource* bundle_replica_instance(const Resource* rsc, Resource* container, const Node* node,
                                  Resource* fallback);
// The resources whose actions go into the graph, in order: the clone, then
// each replica's IP, container and connection (the bundle's own come last,
// with the actions of no resource).
std::vector<Resource*> bundle_graph_order(const Resource* bundle);
// The resources of the transition summary, in order: each replica's IP,
// container, connection and instance.
std::vector<Resource*> bundle_summary_order(const Resource* bundle);
// Whether a resource is a bundle connection to "#uname" (its address is
// its container's host, known only once containers are placed).
bool bundle_needs_remote_name(const WorkingSet& ws, const Resource* rsc);
// The host a bundle connection with addr="#uname" connects to: its
// container's node (assigned, else current); null for other resources.
Node* bundle_connection_host(const Resource* remote);

// A node attribute as a resource sees it (Pacemaker's
// pe_node_attribute_calculated): with container-attribute-target=host, a
// guest node's attributes are its container's host's.
const std::string* node_attr_for(const Node* node, const std::string& name, const Resource* rsc);
// pcmk_external_ip of an action of a replica's instance (the graph).
void bundle_graph_meta(const Action* a,
                       std::vector<std::pair<std::string_view, const std::string*>>& attrs);

// ---- output (bundle_output.cpp)
void bundle_status_lines(const WorkingSet& ws, const Resource* bundle, const std::string& indent,
                         std::string& out, bool show_pending, bool details = false);

}  // namespace vigil::pengine
