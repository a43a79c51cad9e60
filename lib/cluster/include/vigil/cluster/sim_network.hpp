// SPDX-License-Identifier: GPL-2.0-or-later
// SimNetwork: Corosync in one process, deterministic, for tests and
// whole-cluster simulations (FoundationDB's approach). It plays totem, CPG
// and votequorum for a set of SimNodes:
//  - nothing happens by itself: events wait in per-node queues until the
//    test calls deliver_next() / run_until_idle() / run_until(); no threads,
//    no real time. Time is virtual (now()), advanced by deliveries.
//  - all choices (latencies, tie-breaks, retransmissions) come from one
//    SimRandom seeded by SimOptions::seed: the same seed and the same calls
//    give the same run, event for event (see trace()).
//  - a partition is a set of nodes that can talk. Each partition forms its
//    own ring: its nodes get the same membership change, quorum state and
//    CPG view changes at the same point of the partition's agreed order, and
//    messages sent in it are delivered in one total order to the members of
//    the sender's view (virtual synchrony, as CPG gives).
//  - faults: crash/start (a restart is a new incarnation; its undelivered
//    events are lost), partition/isolate/heal, latency bounds, clogging (a
//    node receives nothing for a while), and loss. Loss is modelled as totem
//    does it: a lost message is retransmitted (delivered later, order kept);
//    more than max_retransmits losses in a row to a node evict that node
//    from its partition, as a token loss would.
//  - quorum is votequorum's: one vote per node, quorate when the partition
//    holds more than half of expected_votes; two_node makes one vote enough
//    for a two-node cluster and implies wait_for_all (after a node boots it
//    is quorate only once it has seen every node at least once).
//
// Ownership: the network owns its SimNodes (references stay valid for its
// lifetime). SimCpg endpoints belong to the caller; one that outlives the
// network only returns errors.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vigil/cluster/node_list.hpp"
#include "vigil/cluster/types.hpp"

namespace vigil::cluster {

class SimNode;
class SimRandom;
namespace detail {
class SimCore;
}

// Virtual time since the network was created.
using SimTime = std::chrono::microseconds;

struct SimOptions {
  std::uint64_t seed = 1;
  // Every delivery takes a latency drawn uniformly from [min, max].
  SimTime min_latency{50};
  SimTime max_latency{500};
  // votequorum. 0: one vote per configured node.
  std::uint32_t expected_votes = 0;
  bool two_node = false;
  // Unset: on exactly when two_node is (votequorum's default).
  std::optional<bool> wait_for_all;
  // Totem under loss: the delay each retransmission adds, and how many lost
  // transmissions in a row to one node make the ring drop that node.
  SimTime retransmit_delay = std::chrono::milliseconds(714);
  std::uint32_t max_retransmits = 4;
  std::size_t max_message_size = 16 * 1024 * 1024;
  // Record a line per event in trace() (cheap enough to leave on in tests).
  bool trace = true;
};

class SimNetwork {
 public:
  explicit SimNetwork(SimOptions options = {});
  ~SimNetwork();
  SimNetwork(SimNetwork&&) noexcept;
  SimNetwork& operator=(SimNetwork&&) noexcept;
  SimNetwork(const SimNetwork&) = delete;
  SimNetwork& operator=(const SimNetwork&) = delete;

  // --- configuration (throws std::invalid_argument on misuse) -------------
  // A configured node, down until start(). Ids must be unique and non-zero.
  SimNode& add_node(NodeId id, std::string name, std::string addr = {});
  SimNode& node(NodeId id);
  const NodeList& node_list() const;

  // --- topology and faults -------------------------------------------------
  // Boots a down node (a restart after crash() is a new incarnation); it
  // joins the nodes of its partition.
  void start(NodeId id);
  // Boots every down node at once: one ring per partition.
  void start_all();
  // The node stops dead: its undelivered events are dropped, its CPG
  // endpoints die, its handlers are cleared, peers see it leave.
  void crash(NodeId id);
  // Splits the network: each side can only talk to itself. Nodes not
  // listed end up alone. Down nodes keep their side for when they start.
  void partition(const std::vector<std::vector<NodeId>>& sides);
  void isolate(NodeId id);
  // One network again.
  void heal();
  void set_latency(SimTime min, SimTime max);
  // Probability that one transmission to `id` is lost (see loss above).
  void set_loss(NodeId id, double rate);
  // `id` receives nothing for `duration` of virtual time (then catches up, in order).
  void clog(NodeId id, SimTime duration);

  // --- stepping --------------------------------------------------------------
  SimTime now() const;
  std::optional<SimTime> next_delivery_time() const;
  // Delivers the earliest pending event (ties broken by the random); false
  // when nothing is pending.
  bool deliver_next();
  // Delivers until nothing is pending or max_steps were delivered; returns
  // the number delivered (handlers may keep sending: the bound stops loops).
  std::size_t run_until_idle(std::size_t max_steps = 1'000'000);
  // Delivers everything due at or before `t`, then sets now() to `t`.
  std::size_t run_until(SimTime t);
  bool idle() const;

  // --- introspection -------------------------------------------------------
  // The running nodes grouped by partition (each sorted, groups sorted).
  std::vector<std::vector<NodeId>> partitions() const;
  const std::vector<std::string>& trace() const;
  SimRandom& random();

 private:
  std::unique_ptr<detail::SimCore> core_;
};

}  // namespace vigil::cluster
