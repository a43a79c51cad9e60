// SPDX-License-Identifier: GPL-2.0-or-later
// CorosyncQuorum: Quorum and Membership over Corosync's quorum service
// (libquorum, model v1: quorate flag plus the member list of every ring).
// Node names come from a NodeList the caller reads with CorosyncCmap (and
// refreshes with set_node_list() when cmap reports a change), so this class
// stays a single corosync connection.
//
// Same rules as CorosyncCpg: callbacks from the io_context passed in, which
// must outlive the object; connect() and a later loss report ErrorCode::kIo
// naming corosync's error. A corosync without a quorum provider is refused
// (ErrorCode::kUnsupported), as Pacemaker refuses it.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "vigil/cluster/membership.hpp"
#include "vigil/cluster/quorum.hpp"
#include "vigil/common/result.hpp"

namespace boost::asio {
class io_context;
}

namespace vigil::cluster {

class CorosyncQuorum final : public Quorum, public Membership {
 public:
  // `local_node`: this node's id (CorosyncCmap::local_node_id()).
  static Result<std::unique_ptr<CorosyncQuorum>> connect(boost::asio::io_context& io,
                                                         NodeList nodes, NodeId local_node);
  ~CorosyncQuorum() override;
  CorosyncQuorum(const CorosyncQuorum&) = delete;
  CorosyncQuorum& operator=(const CorosyncQuorum&) = delete;

  // Quorum
  bool quorate() const override;
  void set_quorum_handler(Quorum::ChangeHandler handler) override;

  // Membership (members arrive with the first notification, shortly after connect)
  NodeId local_node() const override;
  const NodeList& nodes() const override;
  const std::vector<NodeId>& members() const override;
  void set_membership_handler(Membership::ChangeHandler handler) override;
  RingId ring() const;

  void set_node_list(NodeList nodes);
  void set_lost_handler(std::function<void(const Error&)> handler);

 private:
  class Impl;
  explicit CorosyncQuorum(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace vigil::cluster
