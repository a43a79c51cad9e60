// SPDX-License-Identifier: GPL-2.0-or-later
// Who is on the other end of a Unix socket (SO_PEERCRED, SO_PEERGROUPS), and
// who may talk to a daemon. Pacemaker's rule is root and the members of
// group haclient; the policy is an object so that tests (and other daemons)
// can allow exactly whom they mean.
#pragma once

#include <sys/types.h>

#include <set>
#include <string>
#include <vector>

#include "vigil/common/result.hpp"

namespace vigil::ipc {

// Taken by the kernel when the peer connected (not when it is read), so a
// peer cannot change them afterwards.
struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;              // primary group
  std::vector<gid_t> groups;  // supplementary groups (empty if unavailable)
};

Result<PeerCredentials> peer_credentials(int fd);
std::string describe(const PeerCredentials& peer);  // "pid 12 uid 1000 gid 1000 groups 27,105"

class AccessPolicy {
 public:
  // Nobody is allowed until told otherwise.
  AccessPolicy() = default;

  // root plus the members of `group` (primary or supplementary). Fails with
  // ErrorCode::kNotFound when the group does not exist; a daemon may then
  // fall back to root_only() and say so.
  static Result<AccessPolicy> root_and_group(const std::string& group = "haclient");
  static AccessPolicy root_only();

  AccessPolicy& allow_uid(uid_t uid);
  AccessPolicy& allow_gid(gid_t gid, std::string name = {});

  // Ok, or ErrorCode::kInvalidInput whose message says why.
  Status check(const PeerCredentials& peer) const;

 private:
  std::string describe_allowed() const;

  std::set<uid_t> uids_;
  std::set<gid_t> gids_;
  std::vector<std::string> allowed_groups_;  // for messages: "group haclient", "gid 105"
};

}  // namespace vigil::ipc
