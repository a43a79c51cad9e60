// SPDX-License-Identifier: GPL-2.0-or-later
// Several fencers: the query/reply protocol, the executor's choice (never
// the target while another node can), history replicated to every node.
#include <catch2/catch.hpp>

#include "fencer_harness.hpp"

using namespace vigil;
using namespace vigil::fencing;
using namespace vigil::fencing::testing;
using namespace std::chrono_literals;

namespace {
Device listed(const std::string& id, const std::string& hosts) {
  return device(id, {{"pcmk_host_list", hosts}});
}
AgentScript all_ok() {
  return [](const std::string&, const AgentCall&) { return exits(0); };
}
}  // namespace

TEST_CASE("cluster: the device runs on a node other than the target") {
  Harness h({"node1", "node2", "node3"}, all_ok());
  // node2 (the target) and node3 both have the device; node1 has none.
  h.configure("node1", config({}));
  h.configure("node2", config({listed("ipmi2", "node2")}));
  h.configure("node3", config({listed("ipmi2", "node2")}));
  h.fence("node1", "crmd", "node2", "off");
  h.settle();
  REQUIRE(h.replies.size() == 1);
  CHECK(h.replies[0].ok);
  CHECK(h.replies[0].delegate == "node3");
  REQUIRE(h.runs.size() == 1);
  CHECK(h.runs[0].first == "node3");
  // Every node has the finished entry.
  for (const char* n : {"node1", "node2", "node3"}) {
    INFO(n);
    REQUIRE(h.node(n).history().size() == 1);
    CHECK(h.node(n).history().entries()[0].state == OpState::kDone);
  }
}

TEST_CASE("cluster: the target fences itself only when no other node can") {
  Harness h({"node1", "node2"}, all_ok());
  h.configure("node1", config({}));
  h.configure("node2", config({listed("self", "node2")}));
  h.fence("node1", "crmd", "node2", "off");
  h.settle();
  CHECK(h.replies.at(0).ok);
  CHECK(h.replies.at(0).delegate == "node2");
}

TEST_CASE("cluster: an executor that leaves fails its step with a clear reason") {
  Harness h({"node1", "node2", "node3"}, [](const std::string& node, const AgentCall&) {
    return node == "node2" ? hangs() : exits(0);
  });
  h.configure("node1", config({}));
  h.configure("node2", config({listed("shared", "node1")}));
  h.configure("node3", config({}));
  h.fence("node3", "crmd", "node1", "off");
  h.advance(3s);
  // Only node2 has the device, so it runs it; it leaves the group.
  h.input("node3", MembersInput{{"node1", "node3"}});
  h.settle();
  REQUIRE(h.replies.size() == 1);
  CHECK_FALSE(h.replies[0].ok);  // no other node has the device
  CHECK(h.replies[0].reason.find("node node2 left") != std::string::npos);
}

TEST_CASE("cluster: a new member receives the history; bad messages change nothing") {
  Harness h({"node1"}, all_ok());
  h.configure("node1", config({listed("d", "node2")}));
  h.fence("node1", "c", "node2", "off");
  h.settle();
  h.input("node1", PeerInput{"node9", "<fencing t=\"done\"/>"});
  h.input("node1", PeerInput{"node9", "not xml"});
  CHECK(h.logged("event=bad-message from=node9"));
  CHECK(h.node("node1").history().size() == 1);
  std::size_t before = h.lines.size();
  h.input("node1", MembersInput{{"node1", "node2"}});
  bool sent = false;
  for (std::size_t i = before; i < h.lines.size(); ++i) {
    sent |= h.lines[i].find("send to=node2 history") != std::string::npos;
  }
  CHECK(sent);
}

TEST_CASE("cluster: a manual confirmation is a done 'off' by a human on every node") {
  Harness h({"node1", "node2", "node3"}, all_ok());
  h.configure_all(config({listed("d", "node3")}));
  h.input("node1", ClientRequest{.kind = ClientRequest::Kind::kConfirm,
                                 .client = "admin",
                                 .ref = "r1",
                                 .target = "node3"});
  h.settle();
  REQUIRE(h.replies.size() == 1);
  CHECK(h.replies[0].ok);
  CHECK(h.replies[0].ref == "r1");
  CHECK(h.replies[0].delegate == "a human");
  CHECK_FALSE(h.replies[0].op.empty());
  CHECK(h.runs.empty());  // no device touched
  for (const char* n : {"node1", "node2", "node3"}) {
    INFO(n);
    REQUIRE(h.node(n).history().size() == 1);
    const HistoryEntry e = h.node(n).history().entries()[0];
    CHECK(e.id == h.replies[0].op);
    CHECK(e.target == "node3");
    CHECK(e.action == "off");
    CHECK(e.delegate == "a human");
    CHECK(e.origin == "node1");
    CHECK(e.client == "admin");
    CHECK(e.state == OpState::kDone);
    CHECK(e.completed == e.created);
    bool notified = false;
    for (const auto& [node, entry] : h.notified) notified |= node == n && entry == e;
    CHECK(notified);
  }

  // An unknown node is refused and recorded nowhere.
  h.input("node2", ClientRequest{.kind = ClientRequest::Kind::kConfirm,
                                 .client = "admin",
                                 .ref = "r2",
                                 .target = "nodeX"});
  h.settle();
  REQUIRE(h.replies.size() == 2);
  CHECK_FALSE(h.replies[1].ok);
  CHECK(h.replies[1].reason == "unknown node 'nodeX'");
  CHECK(h.replies[1].refused);
  CHECK_FALSE(h.replies[0].refused);
  CHECK(h.node("node2").history().size() == 1);
}

TEST_CASE("cluster: a history cleanup drops the target's finished entries on every node") {
  // node3's device hangs: its fencing stays pending through the cleanup.
  Harness h({"node1", "node2", "node3"}, [](const std::string&, const AgentCall& c) {
    return c.device == "d3" ? hangs() : exits(c.device == "bad" ? 1 : 0);
  });
  h.configure_all(config({listed("d2", "node2"), listed("bad", "node1"), listed("d3", "node3")}));
  h.fence("node1", "c", "node2", "off");
  h.fence("node2", "c", "node1", "off");  // fails: its only device exits 1
  h.settle();
  h.fence("node1", "c", "node3", "off");
  h.advance(5s);
  // The pending entry is known at its origin only (peers learn of the end).
  REQUIRE(h.node("node1").history().size() == 3);
  for (const char* n : {"node2", "node3"}) REQUIRE(h.node(n).history().size() == 2);

  h.input("node3",
          ClientRequest{.kind = ClientRequest::Kind::kHistoryCleanup, .client = "a", .ref = "x"});
  h.advance(1s);
  CHECK(h.replies.back().ok);
  CHECK(h.replies.back().ref == "x");
  // The pending one stays (Pacemaker never cleans a pending operation).
  REQUIRE(h.node("node1").history().size() == 1);
  CHECK(h.node("node1").history().entries()[0].target == "node3");
  CHECK(h.node("node1").history().entries()[0].state == OpState::kPending);
  for (const char* n : {"node2", "node3"}) CHECK(h.node(n).history().size() == 0);
}

TEST_CASE("cluster: a history cleanup of one target keeps the others") {
  Harness h({"node1", "node2"}, all_ok());
  h.configure_all(config({listed("d", "node1,node2")}, {}, {"node1", "node2"}));
  h.fence("node1", "c", "node2", "off");
  h.fence("node2", "c", "node1", "off");
  h.settle();
  REQUIRE(h.node("node1").history().size() == 2);
  h.input("node1", ClientRequest{.kind = ClientRequest::Kind::kHistoryCleanup,
                                 .client = "a",
                                 .ref = "x",
                                 .target = "node2"});
  h.settle();
  for (const char* n : {"node1", "node2"}) {
    INFO(n);
    REQUIRE(h.node(n).history().size() == 1);
    CHECK(h.node(n).history().entries()[0].target == "node1");
  }
}
