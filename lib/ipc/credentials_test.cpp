// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/ipc/credentials.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

using namespace vigil::ipc;
using vigil::ErrorCode;

namespace {

struct Pair {
  int fd[2] = {-1, -1};
  Pair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd) == 0); }
  ~Pair() {
    ::close(fd[0]);
    ::close(fd[1]);
  }
};

}  // namespace

TEST_CASE("credentials: the kernel tells who is on the other end") {
  Pair p;
  auto peer = peer_credentials(p.fd[0]);
  REQUIRE(peer);
  CHECK(peer->pid == ::getpid());
  CHECK(peer->uid == ::getuid());
  CHECK(peer->gid == ::getgid());
  CHECK(describe(*peer).rfind("pid " + std::to_string(::getpid()) + " uid ", 0) == 0);
  CHECK_FALSE(peer_credentials(-1));
}

TEST_CASE("credentials: the policy allows by uid, primary or supplementary group") {
  PeerCredentials alice{100, 1000, 1000, {1000, 27, 105}};
  CHECK_FALSE(AccessPolicy().check(alice));
  CHECK(AccessPolicy().allow_uid(1000).check(alice));
  CHECK(AccessPolicy().allow_gid(1000).check(alice));
  CHECK(AccessPolicy().allow_gid(105, "haclient").check(alice));
  const PeerCredentials root{1, 0, 0, {}};
  CHECK(AccessPolicy::root_only().check(root));
  const auto denied = AccessPolicy::root_only()
                          .allow_gid(105, "haclient")
                          .check(PeerCredentials{7, 1001, 1001, {1001}});
  REQUIRE_FALSE(denied);
  CHECK(denied.error().message() ==
        "permission denied: uid 1001 is not allowed (allowed: uid 0, group haclient)");
  CHECK(AccessPolicy().check(root).error().message().find("allowed: nobody") != std::string::npos);
}

TEST_CASE("credentials: root_and_group looks the group up") {
  auto p = AccessPolicy::root_and_group("root");  // gid 0 exists everywhere
  REQUIRE(p);
  CHECK(p->check(PeerCredentials{1, 4242, 0, {}}));
  CHECK_FALSE(p->check(PeerCredentials{1, 4242, 4242, {}}));
  auto missing = AccessPolicy::root_and_group("no-such-group-vigil");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == ErrorCode::kNotFound);
}
