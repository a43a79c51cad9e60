// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/supervisor/privileges.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace vigil;
using namespace vigil::supervisor;

namespace {

struct Scratch {
  Scratch() {
    char tmpl[] = "/tmp/vigil-priv-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    REQUIRE(made != nullptr);
    path = made;
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string path;
};

struct stat stat_of(const std::string& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st;
}

// "nobody" stands for hacluster: present on every Debian system.
std::optional<DaemonAccount> nobody() {
  return find_daemon_account("nobody", "nogroup");
}

}  // namespace

TEST_CASE("privileges: an account that does not exist") {
  CHECK_FALSE(find_daemon_account("no-such-user-vigil", "haclient"));
  CHECK_FALSE(find_daemon_account("nobody", "no-such-group-vigil"));
  CHECK_FALSE(find_daemon_account("root", "root"));  // nothing to drop to
}

TEST_CASE("privileges: directories the daemon writes") {
  Scratch s;
  const auto who = nobody();
  if (!who || ::geteuid() != 0) {
    WARN("needs root and user nobody: not run");
    return;
  }

  std::string note;
  const std::string cib = s.path + "/cib";
  REQUIRE(prepare_owned_directory(cib, *who, 0750, note));
  auto st = stat_of(cib);
  CHECK(st.st_uid == who->uid);
  CHECK(st.st_gid == who->gid);
  CHECK((st.st_mode & 07777) == 0750);
  CHECK(note.empty());
  CHECK(prepare_owned_directory(cib, *who, 0750, note));  // again: nothing to do

  // Left by a daemon that ran as root: handed over with its files.
  const std::string old = s.path + "/old";
  REQUIRE(::mkdir(old.c_str(), 0750) == 0);
  std::ofstream(old + "/cib.xml") << "<cib/>";
  REQUIRE(prepare_owned_directory(old, *who, 0750, note));
  CHECK(stat_of(old).st_uid == who->uid);
  CHECK(stat_of(old + "/cib.xml").st_uid == who->uid);
  CHECK(note.find("were root's") != std::string::npos);

  // Writable by everyone: refused, left as it is.
  const std::string open = s.path + "/open";
  REQUIRE(::mkdir(open.c_str(), 0777) == 0);
  REQUIRE(::chmod(open.c_str(), 0777) == 0);
  auto refused = prepare_owned_directory(open, *who, 0750, note);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message() == open +
                                         " is writable by everyone (mode 0777): refusing to use "
                                         "it; chmod o-w " +
                                         open);
  CHECK(stat_of(open).st_uid == 0);

  // Someone else's: refused.
  const std::string other = s.path + "/other";
  REQUIRE(::mkdir(other.c_str(), 0750) == 0);
  REQUIRE(::chown(other.c_str(), who->uid + 1, who->gid) == 0);
  auto theirs = prepare_owned_directory(other, *who, 0750, note);
  REQUIRE_FALSE(theirs);
  CHECK(theirs.error().message().find("refusing to use it; chown -R nobody:nogroup") !=
        std::string::npos);
  CHECK_FALSE(check_directory_owner(other, who->uid));
  CHECK(check_directory_owner(cib, who->uid));
  CHECK_FALSE(check_directory_owner(open, who->uid));
}

TEST_CASE("privileges: the run directory is root's, group-writable, sticky") {
  Scratch s;
  const auto who = nobody();
  if (!who || ::geteuid() != 0) {
    WARN("needs root and user nobody: not run");
    return;
  }
  const std::string run = s.path + "/run";
  REQUIRE(prepare_run_directory(run, *who));
  auto st = stat_of(run);
  CHECK(st.st_uid == 0);
  CHECK(st.st_gid == who->gid);
  CHECK((st.st_mode & 07777) == 01775);
  REQUIRE(::chown(run.c_str(), who->uid, who->gid) == 0);
  CHECK_FALSE(prepare_run_directory(run, *who));
}

TEST_CASE("privileges: dropping root for good") {
  const auto who = nobody();
  if (!who || ::geteuid() != 0) {
    WARN("needs root and user nobody: not run");
    return;
  }
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const bool ok = static_cast<bool>(drop_privileges(*who)) && ::getuid() == who->uid &&
                    ::getgid() == who->gid && ::setuid(0) != 0;
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("privileges: directories the account cannot reach keep the daemon root") {
  Scratch s;  // mkdtemp: 0700, closed to hacluster
  if (!find_daemon_account() || ::geteuid() != 0) {
    WARN("needs root and user hacluster: not run");
    return;
  }
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const ClusterUserPlan plan{s.path + "/run", {s.path + "/cib"}, s.path, {}};
    const bool ok = static_cast<bool>(run_as_cluster_user("test", plan)) && ::geteuid() == 0;
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
