// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/ipc/credentials.hpp"

#include <grp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vigil::ipc {

Result<PeerCredentials> peer_credentials(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred) {
    return Error(ErrorCode::kIo, std::string("SO_PEERCRED: ") + std::strerror(errno));
  }
  PeerCredentials peer;
  peer.pid = cred.pid;
  peer.uid = cred.uid;
  peer.gid = cred.gid;
#ifdef SO_PEERGROUPS
  // Supplementary groups as of connect(); ERANGE tells the size needed.
  std::vector<gid_t> groups(16);
  for (int attempt = 0; attempt < 4; ++attempt) {
    socklen_t glen = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &glen) == 0) {
      groups.resize(glen / sizeof(gid_t));
      peer.groups = std::move(groups);
      break;
    }
    if (errno != ERANGE) break;  // old kernel: primary group only
    groups.resize(glen / sizeof(gid_t) + 1);
  }
#endif
  return peer;
}

std::string describe(const PeerCredentials& peer) {
  std::string s = "pid " + std::to_string(peer.pid) + " uid " + std::to_string(peer.uid) + " gid " +
                  std::to_string(peer.gid);
  if (!peer.groups.empty()) {
    s += " groups ";
    for (std::size_t i = 0; i < peer.groups.size(); ++i) {
      if (i > 0) s += ',';
      s += std::to_string(peer.groups[i]);
    }
  }
  return s;
}

Result<AccessPolicy> AccessPolicy::root_and_group(const std::string& group) {
  std::vector<char> buf(4096);
  struct group g {};
  struct group* found = nullptr;
  int rc;
  while ((rc = ::getgrnam_r(group.c_str(), &g, buf.data(), buf.size(), &found)) == ERANGE &&
         buf.size() < (1u << 20)) {
    buf.resize(buf.size() * 2);
  }
  if (rc != 0 || found == nullptr) {
    return Error(ErrorCode::kNotFound, "group '" + group + "' does not exist");
  }
  AccessPolicy p = root_only();
  p.allow_gid(found->gr_gid, group);
  return p;
}

AccessPolicy AccessPolicy::root_only() {
  AccessPolicy p;
  p.allow_uid(0);
  return p;
}

AccessPolicy& AccessPolicy::allow_uid(uid_t uid) {
  uids_.insert(uid);
  return *this;
}

AccessPolicy& AccessPolicy::allow_gid(gid_t gid, std::string name) {
  gids_.insert(gid);
  allowed_groups_.push_back(name.empty() ? "gid " + std::to_string(gid) : "group " + name);
  return *this;
}

std::string AccessPolicy::describe_allowed() const {
  std::string s;
  for (uid_t u : uids_) s += (s.empty() ? "uid " : ", uid ") + std::to_string(u);
  for (const auto& g : allowed_groups_) s += (s.empty() ? "" : ", ") + g;
  return s.empty() ? "nobody" : s;
}

Status AccessPolicy::check(const PeerCredentials& peer) const {
  if (uids_.count(peer.uid) != 0) return ok_status();
  if (gids_.count(peer.gid) != 0) return ok_status();
  for (gid_t g : peer.groups) {
    if (gids_.count(g) != 0) return ok_status();
  }
  return Error(ErrorCode::kInvalidInput, "permission denied: uid " + std::to_string(peer.uid) +
                                             " is not allowed (allowed: " + describe_allowed() +
                                             ")");
}

}  // namespace vigil::ipc
