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
