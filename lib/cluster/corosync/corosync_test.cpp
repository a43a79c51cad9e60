// SPDX-License-Identifier: GPL-2.0-or-later
// What can be checked of the Corosync adapters without a running corosync:
// error naming, node-list parsing, and a clear failure to connect.
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "corosync/cs_error.hpp"
#include "vigil/cluster/corosync_cmap.hpp"
#include "vigil/cluster/corosync_cpg.hpp"
#include "vigil/cluster/corosync_quorum.hpp"

using namespace vigil::cluster;
using vigil::ErrorCode;
using vigil::cluster::corosync::cs_error_name;
using vigil::cluster::corosync::cs_failure;

TEST_CASE("corosync: cs_error_t values are named") {
  CHECK(cs_error_name(CS_OK) == "CS_OK");
  CHECK(cs_error_name(CS_ERR_LIBRARY) == "CS_ERR_LIBRARY");
  CHECK(cs_error_name(CS_ERR_TRY_AGAIN) == "CS_ERR_TRY_AGAIN");
  CHECK(cs_error_name(CS_ERR_SECURITY) == "CS_ERR_SECURITY");
  CHECK(cs_error_name(static_cast<cs_error_t>(29)) == "CS_ERR_29");
  const auto e = cs_failure("cpg_initialize", CS_ERR_LIBRARY);
  CHECK(e.code() == ErrorCode::kIo);
  CHECK(e.message() == "cpg_initialize: CS_ERR_LIBRARY (cannot reach corosync: is it running?)");
  CHECK(cs_failure("cpg_join", CS_ERR_ACCESS).message().find("uidgid.d") != std::string::npos);
}

TEST_CASE("corosync: nodelist keys become a NodeList") {
  std::vector<CmapEntry> entries = {
      {"nodelist.local_node_pos", "1"},
      {"nodelist.node.0.name", "node1"},
      {"nodelist.node.0.nodeid", "1"},
      {"nodelist.node.0.ring0_addr", "10.99.0.1"},
      {"nodelist.node.1.nodeid", "2"},
      {"nodelist.node.1.ring0_addr", "node2.example"},  // a host name names the node
      {"nodelist.node.1.quorum_votes", "1"},
      {"nodelist.node.10.nodeid", "12"},
      {"nodelist.node.10.ring0_addr", "fd00::12"},  // an address does not
      {"totem.cluster_name", "hanet"},
  };
  auto list = parse_nodelist(entries);
  REQUIRE(list);
  REQUIRE(list->size() == 3);
  CHECK(list->nodes()[0] == NodeInfo{1, "node1", "10.99.0.1"});
  CHECK(list->nodes()[1] == NodeInfo{2, "node2.example", "node2.example"});
  CHECK(list->nodes()[2] == NodeInfo{12, "", "fd00::12"});
  CHECK(list->id_of("node1") == std::optional<NodeId>(1));
}

TEST_CASE("corosync: bad nodelists are refused with the key at fault") {
  auto no_id = parse_nodelist({{"nodelist.node.3.name", "x"}});
  REQUIRE_FALSE(no_id);
  CHECK(no_id.error().message().find("nodelist.node.3 has no nodeid") != std::string::npos);
  auto bad_id = parse_nodelist({{"nodelist.node.0.nodeid", "one"}});
  REQUIRE_FALSE(bad_id);
  CHECK(bad_id.error().message().find("'one'") != std::string::npos);
  CHECK_FALSE(parse_nodelist({{"nodelist.node.0.nodeid", "0"}}));
  auto dup = parse_nodelist({{"nodelist.node.0.nodeid", "1"}, {"nodelist.node.1.nodeid", "1"}});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().message().find("corosync nodelist: ") == 0);
  CHECK(parse_nodelist({}));
}

namespace {

// True when a corosync answers on this machine: the "not running" checks
// then have nothing to check.
bool corosync_running() {
  boost::asio::io_context io;
  return CorosyncCmap::connect(io).ok();
}

}  // namespace

TEST_CASE("corosync: connecting without corosync fails with a clear error") {
  if (corosync_running()) {
    WARN("a corosync is running here: the not-running errors cannot be checked");
    return;
  }
  boost::asio::io_context io;
  auto cpg = CorosyncCpg::connect(io);
  REQUIRE_FALSE(cpg);
  CHECK(cpg.error().code() == ErrorCode::kIo);
  CHECK(cpg.error().message() ==
        "cpg_initialize: CS_ERR_LIBRARY (cannot reach corosync: is it running?)");
  INFO(cpg.error().message());

  auto quorum = CorosyncQuorum::connect(io, NodeList{}, 1);
  REQUIRE_FALSE(quorum);
  CHECK(quorum.error().message().rfind("quorum_initialize: CS_ERR_", 0) == 0);

  auto cmap = CorosyncCmap::connect(io);
  REQUIRE_FALSE(cmap);
  CHECK(cmap.error().message().rfind("cmap_initialize: CS_ERR_", 0) == 0);
  // Nothing was left registered on the io_context.
  CHECK(io.poll() == 0);
}
