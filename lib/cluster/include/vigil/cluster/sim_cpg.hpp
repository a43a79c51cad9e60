// SPDX-License-Identifier: GPL-2.0-or-later
// SimCpg: one simulated CPG connection (a process's handle), created by
// SimNode::connect_cpg(). Destroying it is the process exiting: the other
// members see it leave with LeaveReason::kProcessDown. After its node
// crashes every call fails with ErrorCode::kIo, as with a lost corosync.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vigil/cluster/messaging.hpp"

namespace vigil::cluster {

namespace detail {
class SimCore;
}

class SimCpg final : public Messaging {
 public:
  ~SimCpg() override;
  SimCpg(const SimCpg&) = delete;
  SimCpg& operator=(const SimCpg&) = delete;

  void set_handlers(MessagingHandlers handlers) override;
  Status join(std::string_view group) override;
  Status leave() override;
  Status send(std::string_view payload) override;
  GroupMember self() const override { return self_; }
  std::size_t max_message_size() const override;

  // Members of the last view delivered to this process (empty before the
  // first one and after its own leave).
  const std::vector<GroupMember>& view() const { return view_; }
  // False once its node crashed (or the network is gone).
  bool alive() const;

 private:
  friend class detail::SimCore;
  SimCpg(detail::SimCore* core, std::uint64_t id, GroupMember self)
      : core_(core), id_(id), self_(self) {}

  detail::SimCore* core_;  // null once the network is destroyed
  std::uint64_t id_;
  GroupMember self_;
  MessagingHandlers handlers_;
  std::vector<GroupMember> view_;
};

}  // namespace vigil::cluster
