// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/supervisor/privileges.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "vigil/log/log.hpp"
#include "vigil/supervisor/daemon_options.hpp"

namespace vigil::supervisor {

namespace {

Error io_error(const std::string& what, int err) {
  return Error(ErrorCode::kIo, what + ": " + std::strerror(err));
}

std::string octal(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04o", mode & 07777);
  return buf;
}

Result<struct stat> stat_directory(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return io_error("cannot stat " + path, errno);
  if (!S_ISDIR(st.st_mode)) return Error(ErrorCode::kIo, path + " is not a directory");
  return st;
}

Status refuse_if_others_write(const std::string& path, const struct stat& st) {
  if ((st.st_mode & S_IWOTH) != 0) {
    return Error(ErrorCode::kInvalidInput, path + " is writable by everyone (mode " +
                                               octal(st.st_mode) +
                                               "): refusing to use it; chmod o-w " + path);
  }
  return ok_status();
}

// The regular files directly in `path` (a CIB directory holds no tree),
// handed to `owner`: left by a daemon that ran as root.
Status chown_files(const std::string& path, const DaemonAccount& owner) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
  if (!dir) return io_error("cannot read " + path, errno);
  std::size_t count = 0;
  while (const dirent* e = ::readdir(dir.get())) {
    if (++count > 1'000'000) return Error(ErrorCode::kIo, path + ": too many entries");
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string file = path + "/" + name;
    struct stat st {};
    if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0) continue;
    if (::lchown(file.c_str(), owner.uid, owner.gid) != 0) {
      return io_error("cannot chown " + file, errno);
    }
  }
  return ok_status();
}

// The first parent of `path` that `who` may not traverse ("" when none):
// a daemon that dropped to `who` could not reach its directory there.
std::string closed_parent(const std::string& path, const DaemonAccount& who) {
  std::size_t pos = 0;
  for (int depth = 0; depth < 256; ++depth) {
    pos = path.find('/', pos + 1);
    if (pos == std::string::npos) return "";
    const std::string parent = path.substr(0, pos);
    struct stat st {};
    if (::stat(parent.c_str(), &st) != 0) return parent;
    const mode_t bit = st.st_uid == who.uid ? S_IXUSR : st.st_gid == who.gid ? S_IXGRP : S_IXOTH;
    if ((st.st_mode & bit) == 0) return parent;
  }
  return path;
}

}  // namespace

std::optional<DaemonAccount> find_daemon_account(const std::string& user,
                                                 const std::string& group) {
  std::vector<char> buf(16 * 1024);
  passwd pw{};
  passwd* found_user = nullptr;
  if (::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found_user) != 0 ||
      found_user == nullptr) {
    return std::nullopt;
  }
  DaemonAccount account{pw.pw_uid, 0, user, group};
  ::group gr{};
  ::group* found_group = nullptr;
  if (::getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &found_group) != 0 ||
      found_group == nullptr) {
    return std::nullopt;
  }
  account.gid = gr.gr_gid;
  if (account.uid == 0) return std::nullopt;  // "hacluster" as root: nothing to drop
  return account;
}

Status check_directory_owner(const std::string& path, uid_t uid) {
  auto st = stat_directory(path);
  if (!st) return st.error();
  if (st->st_uid != 0 && st->st_uid != uid) {
    return Error(ErrorCode::kInvalidInput, path + " is owned by uid " + std::to_string(st->st_uid) +
                                               ", neither root nor uid " + std::to_string(uid) +
                                               ": refusing to use it");
  }
  return refuse_if_others_write(path, *st);
}

Status prepare_owned_directory(const std::string& path, const DaemonAccount& owner, unsigned mode,
                               std::string& note) {
  note.clear();
  struct stat st {};
  const bool existed = ::lstat(path.c_str(), &st) == 0;
  if (!existed) {
    if (auto made = ensure_directory(path, mode); !made) return made;
    if (::geteuid() == 0 && ::chown(path.c_str(), owner.uid, owner.gid) != 0) {
      return io_error("cannot chown " + path, errno);
    }
    if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) {
      return io_error("cannot chmod " + path, errno);
    }
    return ok_status();
  }
  auto checked = stat_directory(path);
  if (!checked) return checked.error();
  if (auto st_ok = refuse_if_others_write(path, *checked); !st_ok) return st_ok;
  if (checked->st_uid == owner.uid) return ok_status();
  if (checked->st_uid == 0 && ::geteuid() == 0) {
    if (::chown(path.c_str(), owner.uid, owner.gid) != 0) {
      return io_error("cannot chown " + path, errno);
    }
    if (auto files = chown_files(path, owner); !files) return files;
    note = path + " and its files were root's: now " + owner.user + ":" + owner.group;
    return ok_status();
  }
  return Error(ErrorCode::kInvalidInput, path + " is owned by uid " +
                                             std::to_string(checked->st_uid) + ", not " +
                                             owner.user + " (uid " + std::to_string(owner.uid) +
                                             "): refusing to use it; chown -R " + owner.user + ":" +
                                             owner.group + " " + path);
}

Status prepare_run_directory(const std::string& path, const DaemonAccount& owner) {
  if (auto made = ensure_directory(path, 0755); !made) return made;
  auto st = stat_directory(path);
  if (!st) return st.error();
  if (st->st_uid != 0) {
    return Error(ErrorCode::kInvalidInput, path + " is owned by uid " + std::to_string(st->st_uid) +
                                               ", not root: refusing to use it");
  }
  if (auto ok = refuse_if_others_write(path, *st); !ok) return ok;
  if (st->st_gid != owner.gid && ::chown(path.c_str(), 0, owner.gid) != 0) {
    return io_error("cannot chgrp " + path, errno);
  }
  if ((st->st_mode & 07777) != 01775 && ::chmod(path.c_str(), 01775) != 0) {
    return io_error("cannot chmod " + path, errno);
  }
  return ok_status();
}

Status drop_privileges(const DaemonAccount& account) {
  const gid_t groups[] = {account.gid};
  if (::setgroups(1, groups) != 0) return io_error("setgroups(" + account.group + ")", errno);
  if (::setgid(account.gid) != 0) return io_error("setgid(" + account.group + ")", errno);
  if (::setuid(account.uid) != 0) return io_error("setuid(" + account.user + ")", errno);
  if (::geteuid() != account.uid || ::getegid() != account.gid) {
    return Error(ErrorCode::kIo,
                 "still not " + account.user + ":" + account.group + " after setuid/setgid");
  }
  if (::setuid(0) == 0) return Error(ErrorCode::kIo, "root could be regained after setuid");
  return ok_status();
}

Status run_as_cluster_user(const std::string& daemon, const ClusterUserPlan& plan) {
  if (::geteuid() != 0) {
    // Started as an ordinary user (tests, or User= in a unit): check only.
    for (const auto& dir : plan.owned_dirs) {
      if (auto made = ensure_directory(dir, 0750); !made) return made;
      if (auto ok = check_directory_owner(dir, ::geteuid()); !ok) return ok;
    }
    return ok_status();
  }
  const auto account = find_daemon_account();
  if (!account) {
    log::warning(std::string("event=running-as-root reason=\"user ") + kDaemonUser + " or group " +
                 kDaemonGroup + " does not exist\" daemon=" + daemon);
    return ok_status();
  }
  // A directory under a parent closed to the account (a test's private
  // temporary directory): the daemon could not work as it; stay root, say so.
  std::vector<std::string> dirs = plan.owned_dirs;
  dirs.push_back(plan.run_dir);
  for (const auto& dir : dirs) {
    if (const std::string closed = closed_parent(dir, *account); !closed.empty()) {
      log::warning("event=running-as-root reason=\"" + closed + " is closed to " + account->user +
                   ", who could not reach " + dir + "\" daemon=" + daemon);
      return ok_status();
    }
  }
  if (auto ok = prepare_run_directory(plan.run_dir, *account); !ok) return ok;
  if (!plan.state_dir.empty()) {
    if (auto made = ensure_directory(plan.state_dir, 0750); !made) return made;
    auto st = stat_directory(plan.state_dir);
    if (!st) return st.error();
    if (auto ok = check_directory_owner(plan.state_dir, account->uid); !ok) return ok;
    // Traversable by the group, whoever else may not.
    if (st->st_uid == 0 && (st->st_mode & S_IXOTH) == 0) {
      if ((st->st_gid != account->gid && ::chown(plan.state_dir.c_str(), 0, account->gid) != 0) ||
          ::chmod(plan.state_dir.c_str(), (st->st_mode & 07777) | 0050) != 0) {
        return io_error("cannot open " + plan.state_dir + " to group " + account->group, errno);
      }
    }
  }
  for (const auto& dir : plan.owned_dirs) {
    std::string note;
    if (auto ok = prepare_owned_directory(dir, *account, 0750, note); !ok) return ok;
    if (!note.empty()) log::notice("event=directory-handed-over detail=\"" + note + "\"");
  }
  if (plan.before_drop) {
    if (auto st = plan.before_drop(account->gid); !st) {
      log::warning("event=corosync-group-not-allowed group=" + account->group + " reason=\"" +
                   st.error().message() + "\"");
    }
  }
  if (auto dropped = drop_privileges(*account); !dropped) return dropped;
  log::info("event=privileges-dropped user=" + account->user + " group=" + account->group);
  return ok_status();
}

}  // namespace vigil::supervisor
