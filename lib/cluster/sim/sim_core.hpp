// SPDX-License-Identifier: GPL-2.0-or-later
// The simulator's state behind SimNetwork, SimNode and SimCpg (private).
//
// Model: every node has one FIFO queue of events (membership, quorum, CPG
// view, CPG message). Anything that happens in a partition (a send, a join,
// a ring change) is appended at once to the queues of all the nodes it
// concerns, so each node sees the partition's events in the same relative
// order: that is the agreed order. Latency only decides when a queue's head
// becomes deliverable (ready times within a queue never decrease), which
// interleaves nodes without ever reordering one node's events.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "vigil/cluster/sim_cpg.hpp"
#include "vigil/cluster/sim_network.hpp"
#include "vigil/cluster/sim_node.hpp"
#include "vigil/cluster/sim_random.hpp"

namespace vigil::cluster::detail {

struct MembershipEvent {
  MembershipChange change;
};
struct QuorumEvent {
  bool quorate = false;
};
struct ViewEvent {
  std::uint64_t endpoint = 0;
  GroupView view;
};
struct MessageEvent {
  std::uint64_t endpoint = 0;
  GroupMember sender;
  std::uint64_t msg_seq = 0;
  std::shared_ptr<const std::string> payload;  // shared by all recipients
};

struct SimEvent {
  SimTime ready{0};
  std::variant<MembershipEvent, QuorumEvent, ViewEvent, MessageEvent> body;
};

// Network-side state of a node: what has been enqueued for it.
struct NodeState {
  std::unique_ptr<SimNode> node;
  bool up = false;
  std::uint32_t incarnation = 0;
  std::uint64_t partition = 0;
  std::vector<NodeId> ring_members;  // of the last ring enqueued
  RingId ring;
  bool quorate = false;  // last quorum state enqueued
  bool wait_for_all_pending = false;
  std::deque<SimEvent> queue;
  SimTime last_ready{0};
  SimTime clogged_until{0};
  double loss = 0.0;
};

// Network-side state of a CPG endpoint.
struct EndpointState {
  SimCpg* cpg = nullptr;
  GroupMember self;
  bool alive = true;  // false once its node crashed
  bool joined = false;
  std::string group;
  std::vector<GroupMember> view_members;  // of the last view enqueued for it
};

class SimCore {
 public:
  explicit SimCore(SimOptions options);
  ~SimCore();

  // SimNetwork's API.
  SimNode& add_node(NodeId id, std::string name, std::string addr);
  NodeState& state(NodeId id);
  const NodeState& state(NodeId id) const;
  const NodeList& node_list() const { return node_list_; }
  void start(NodeId id);
  void start_all();
  void crash(NodeId id);
  void partition(const std::vector<std::vector<NodeId>>& sides);
  void isolate(NodeId id);
  void heal();
  void set_latency(SimTime min, SimTime max);
  void set_loss(NodeId id, double rate);
  void clog(NodeId id, SimTime duration);
  SimTime now() const { return now_; }
  std::optional<SimTime> next_delivery_time() const;
  bool deliver_next();
  void advance_to(SimTime t);
  std::vector<std::vector<NodeId>> partitions() const;
  const std::vector<std::string>& trace() const { return trace_; }
  SimRandom& random() { return random_; }
  const SimOptions& options() const { return options_; }

  // SimNode's and SimCpg's.
  Result<std::unique_ptr<SimCpg>> connect_cpg(NodeId node);
  void endpoint_destroyed(std::uint64_t id);
  Status join(std::uint64_t id, std::string_view group);
  Status leave(std::uint64_t id);
  Status send(std::uint64_t id, std::string_view payload);
  bool endpoint_alive(std::uint64_t id) const;

 private:
  void start_all_of(const std::vector<NodeId>& ids);
  void reform();
  bool compute_quorum(NodeState& n, std::size_t votes);
  void refresh_views(const std::string& group, const std::vector<NodeId>& ring, LeaveReason reason,
                     const std::vector<std::uint64_t>& leavers);
  std::vector<std::uint64_t> group_endpoints(const std::string& group,
                                             const std::vector<NodeId>& ring) const;
  void enqueue(NodeState& n, SimEvent event, SimTime extra_delay = SimTime{0});
  Status endpoint_usable(std::uint64_t id) const;
  void deliver(NodeState& n, SimEvent event);
  void note(const std::string& line);

  SimOptions options_;
  SimRandom random_;
  SimTime now_{0};
  std::map<NodeId, NodeState> nodes_;
  NodeList node_list_;
  std::map<std::uint64_t, EndpointState> endpoints_;
  std::uint64_t next_endpoint_ = 1;
  std::uint32_t next_pid_ = 1000;
  std::uint64_t next_partition_ = 1;
  std::uint64_t ring_seq_ = 0;
  std::uint64_t msg_seq_ = 0;
  std::vector<std::string> trace_;
};

}  // namespace vigil::cluster::detail
