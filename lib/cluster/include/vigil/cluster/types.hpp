// SPDX-License-Identifier: GPL-2.0-or-later
// Plain values shared by the cluster interfaces (Membership, Messaging,
// Quorum): node ids, ring ids, CPG group members and views. No I/O here.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

namespace vigil::cluster {

// Corosync's node id (nodelist.node.N.nodeid). 0 never names a node.
using NodeId = std::uint32_t;
inline constexpr NodeId kNoNode = 0;

// A totem ring: its representative (lowest node id of the ring) and a
// sequence number that grows with every membership change.
struct RingId {
  NodeId rep = kNoNode;
  std::uint64_t seq = 0;
  friend bool operator==(const RingId&, const RingId&) = default;
};

// What a node sees when the set of running cluster nodes changes. All lists
// are sorted by node id; `members` is the whole new membership.
struct MembershipChange {
  RingId ring;
  std::vector<NodeId> members;
  std::vector<NodeId> joined;
  std::vector<NodeId> left;
};

// One process in a CPG group: a daemon on a node. A daemon restarted on the
// same node is a different member (new pid).
struct GroupMember {
  NodeId node = kNoNode;
  std::uint32_t pid = 0;
  friend auto operator<=>(const GroupMember&, const GroupMember&) = default;
};

// Why a member left a group (CPG_REASON_*).
enum class LeaveReason {
  kLeave,        // it called leave()
  kNodeDown,     // its node crashed or is now on the other side of a partition
  kProcessDown,  // the process went away without leaving
  kOther,
};

struct DepartedMember {
  GroupMember member;
  LeaveReason reason = LeaveReason::kOther;
  friend bool operator==(const DepartedMember&, const DepartedMember&) = default;
};

// A CPG configuration change of one group. Lists sorted; `members` is the
// whole new view and includes the receiving process itself.
struct GroupView {
  std::string group;
  std::vector<GroupMember> members;
  std::vector<GroupMember> joined;
  std::vector<DepartedMember> left;
};

const char* to_string(LeaveReason reason);

}  // namespace vigil::cluster
