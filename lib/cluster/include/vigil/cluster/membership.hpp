// SPDX-License-Identifier: GPL-2.0-or-later
// Membership: which configured nodes are running and reachable right now, as
// this node sees it. Implemented over Corosync by CorosyncQuorum (members from
// the quorum service, names from cmap) and in tests by SimNode.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vigil/cluster/node_list.hpp"
#include "vigil/cluster/types.hpp"

namespace vigil::cluster {

class Membership {
 public:
  using ChangeHandler = std::function<void(const MembershipChange&)>;

  virtual ~Membership() = default;

  virtual NodeId local_node() const = 0;
  // The configured nodes. The reference stays valid until the next callback.
  virtual const NodeList& nodes() const = 0;
  // Current members (sorted), as of the last change delivered to this node.
  // Empty until the first change arrives.
  virtual const std::vector<NodeId>& members() const = 0;
  // Called on every membership change, in order. Replaces any previous handler.
  virtual void set_membership_handler(ChangeHandler handler) = 0;

  bool is_member(NodeId id) const;
  std::optional<std::string> node_name(NodeId id) const { return nodes().name_of(id); }
};

}  // namespace vigil::cluster
