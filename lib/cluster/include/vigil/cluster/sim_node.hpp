// SPDX-License-Identifier: GPL-2.0-or-later
// SimNode: one simulated cluster node, as its daemons see Corosync: its
// membership and quorum (it implements both interfaces) and CPG connections
// for its processes. Owned by SimNetwork. Everything it reports is what has
// been delivered to it so far, never the network's global truth.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vigil/cluster/membership.hpp"
#include "vigil/cluster/quorum.hpp"
#include "vigil/cluster/sim_cpg.hpp"
#include "vigil/common/result.hpp"

namespace vigil::cluster {

namespace detail {
class SimCore;
}

class SimNode final : public Membership, public Quorum {
 public:
  SimNode(const SimNode&) = delete;
  SimNode& operator=(const SimNode&) = delete;

  NodeId id() const { return info_.id; }
  const std::string& name() const { return info_.name; }
  bool up() const;
  // Number of boots so far.
  std::uint32_t incarnation() const;
  // The ring of the last membership change delivered.
  RingId ring() const { return ring_; }

  // Membership
  NodeId local_node() const override { return info_.id; }
  const NodeList& nodes() const override;
  const std::vector<NodeId>& members() const override { return members_; }
  void set_membership_handler(Membership::ChangeHandler handler) override;

  // Quorum
  bool quorate() const override { return quorate_; }
  void set_quorum_handler(Quorum::ChangeHandler handler) override;

  // A CPG connection for one process on this node. Fails while the node is
  // down, as cpg_initialize does when corosync is not running.
  Result<std::unique_ptr<SimCpg>> connect_cpg();

 private:
  friend class detail::SimCore;
  SimNode(detail::SimCore& core, NodeInfo info) : core_(core), info_(std::move(info)) {}

  detail::SimCore& core_;
  NodeInfo info_;
  // Delivered state and the daemon's handlers (cleared by a crash).
  std::vector<NodeId> members_;
  RingId ring_;
  bool quorate_ = false;
  Membership::ChangeHandler membership_handler_;
  Quorum::ChangeHandler quorum_handler_;
};

}  // namespace vigil::cluster
