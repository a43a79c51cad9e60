// SPDX-License-Identifier: GPL-2.0-or-later
// Unprivileged daemons (Pacemaker's CRM_DAEMON_USER): vigil-cib, vigil-crmd
// and vigil-pengine run as hacluster:haclient. Each drops root itself at
// start, after preparing the directories it writes, so that the same binary
// does the same under vigild and under the per-daemon systemd units
// (vigild starts its children with posix_spawn, which cannot change the
// user; lib/exec's spawner stays the one way to start a process).
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vigil/common/result.hpp"

namespace vigil::supervisor {

inline constexpr const char* kDaemonUser = "hacluster";
inline constexpr const char* kDaemonGroup = "haclient";

struct DaemonAccount {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string user;
  std::string group;
};

// `user` and `group` from the system's databases; nullopt when either is
// missing (a developer's machine).
std::optional<DaemonAccount> find_daemon_account(const std::string& user = kDaemonUser,
                                                 const std::string& group = kDaemonGroup);

// A directory the daemon writes after the drop. Missing: created with
// `mode`, owned by `owner` (when we are root). Existing: refused with a clear
// error when it is writable by others, or owned by someone other than
// `owner`; one owned by root (left by a daemon that ran as root) is handed
// over to `owner` with its files, and `note` says so.
Status prepare_owned_directory(const std::string& path, const DaemonAccount& owner, unsigned mode,
                               std::string& note);

// The run directory (sockets of every daemon): owned by root, group
// `owner.gid`, 01775 (root and the group create sockets; the sticky bit
// keeps each its own; everyone may traverse to reach a socket, whose own
// mode decides). Refused when writable by others or owned by another user.
Status prepare_run_directory(const std::string& path, const DaemonAccount& owner);

// Checks a directory the daemon uses: refused when owned by a user other
// than root or `uid`, or writable by others.
Status check_directory_owner(const std::string& path, uid_t uid);

// setgroups({gid}), setgid, setuid, then checks that root cannot be
// regained.
Status drop_privileges(const DaemonAccount& account);

struct ClusterUserPlan {
  std::string run_dir;
  std::vector<std::string> owned_dirs;  // written by the daemon (mode 0750)
  std::string state_dir;                // their parent: group-traversable
  // Run as root just before the drop (vigil-cib and vigil-crmd: let the
  // group use Corosync, cluster::allow_group_in_corosync). A failure is
  // logged: the Corosync connection that follows says the rest.
  std::function<Status(gid_t)> before_drop;
};

// The start-up step of the three unprivileged daemons. As root with the
// account present: prepares the directories, drops to it, logs one line.
// As root without the account: one warning, stays root (tests on a
// developer's machine). Not root: checks the directories only.
Status run_as_cluster_user(const std::string& daemon, const ClusterUserPlan& plan);

}  // namespace vigil::supervisor
