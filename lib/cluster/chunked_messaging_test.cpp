// SPDX-License-Identifier: GPL-2.0-or-later
// ChunkedMessaging over the simulator, whose CPG refuses messages above a
// small limit: large messages arrive whole, in agreed order with the small
// ones; one cut by a view change is delivered by no one.
#include "vigil/cluster/chunked_messaging.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "vigil/cluster/sim_network.hpp"
#include "vigil/cluster/sim_node.hpp"
#include "vigil/cluster/sim_random.hpp"

namespace vigil::cluster {
namespace {

constexpr std::size_t kLimit = 8 * 1024;

struct Endpoint {
  std::unique_ptr<SimCpg> cpg;
  std::unique_ptr<ChunkedMessaging> group;
  std::vector<std::string> got;
  std::vector<std::string> log;
  std::size_t views = 0;
};

std::string noise(std::size_t bytes, std::uint64_t seed) {
  SimRandom r(seed);
  std::string out(bytes, '\0');
  for (char& c : out) c = static_cast<char>('a' + r.below(26));
  // Letters compress to ~60%: still many chunks at this limit.
  return out;
}

struct Group {
  SimNetwork net;
  std::map<NodeId, Endpoint> at;

  static SimOptions options() {
    SimOptions o;
    o.trace = false;
    o.max_message_size = kLimit;
    return o;
  }
  explicit Group(std::size_t n) : net(options()) {
    for (NodeId id = 1; id <= n; ++id) net.add_node(id, "node" + std::to_string(id));
    net.start_all();
    for (NodeId id = 1; id <= n; ++id) connect(id);
    net.run_until_idle(100'000);
  }
  void connect(NodeId id) {
    Endpoint& e = at[id];
    e.cpg = net.node(id).connect_cpg().value();
    ChunkLimits l;
    l.compress_threshold = 1024;
    e.group = std::make_unique<ChunkedMessaging>(
        *e.cpg, l, [&e](LogLevel, std::string_view line) { e.log.emplace_back(line); });
    MessagingHandlers h;
    h.on_message = [&e](const GroupMember&, std::string_view p) { e.got.emplace_back(p); };
    h.on_view = [&e](const GroupView&) { ++e.views; };
    e.group->set_handlers(std::move(h));
    REQUIRE(e.group->join("g"));
  }
};

}  // namespace

TEST_CASE("chunked messaging: messages far over the group's limit arrive whole, in order") {
  Group g(3);
  const std::string big = noise(200 * 1000, 1);
  CHECK(g.at[1].group->max_message_size() > big.size());
  REQUIRE(g.at[2].group->send("before"));
  REQUIRE(g.at[1].group->send(big));
  REQUIRE(g.at[1].group->send("after"));
  REQUIRE(g.at[3].group->send(noise(50 * 1000, 2)));
  g.net.run_until_idle(1'000'000);
  for (auto& [id, e] : g.at) {
    INFO("node " << id);
    REQUIRE(e.got.size() == 4);
    CHECK(e.got == g.at[1].got);  // the same order everywhere
    CHECK(std::find(e.got.begin(), e.got.end(), big) != e.got.end());
    // "after" follows the large message it was sent after.
    CHECK(std::find(e.got.begin(), e.got.end(), big) <
          std::find(e.got.begin(), e.got.end(), "after"));
    CHECK(e.log.empty());
    CHECK(e.group->incoming_bytes() == 0);
  }
  // The inner group itself still refuses the same message.
  CHECK(g.at[1].cpg->send(big).error().code() == ErrorCode::kInvalidInput);
}

TEST_CASE("chunked messaging: a message cut by a view change is delivered by no one") {
  Group g(3);
  const std::string big = noise(400 * 1000, 3);
  ChunkLimits l;
  l.compress_threshold = 1024;
  l.chunk_payload = 4096;
  auto chunks = split_message(big, 99, l);
  REQUIRE(chunks);
  REQUIRE(chunks->size() > 4);
  // Node 1 sends the first chunks (the rest waits, as behind Corosync's flow
  // control); node 3 crashes: the view changes in the middle of the message.
  const std::size_t half = chunks->size() / 2;
  for (std::size_t i = 0; i < half; ++i) REQUIRE(g.at[1].cpg->send((*chunks)[i]));
  g.net.run_until_idle(1'000'000);
  CHECK(g.at[2].group->incoming_bytes() > 0);
  g.net.crash(3);
  g.at.erase(3);
  g.net.run_until_idle(1'000'000);
  for (std::size_t i = half; i < chunks->size(); ++i) REQUIRE(g.at[1].cpg->send((*chunks)[i]));
  g.net.run_until_idle(1'000'000);
  for (NodeId id : {NodeId{1}, NodeId{2}}) {
    INFO("node " << id);
    CHECK(std::find(g.at[id].got.begin(), g.at[id].got.end(), big) == g.at[id].got.end());
    CHECK(g.at[id].group->incoming_bytes() == 0);
  }
  // The group goes on: the next large message arrives.
  REQUIRE(g.at[2].group->send(big));
  g.net.run_until_idle(1'000'000);
  for (NodeId id : {NodeId{1}, NodeId{2}}) {
    REQUIRE_FALSE(g.at[id].got.empty());
    CHECK(g.at[id].got.back() == big);
  }
}

TEST_CASE("chunked messaging: forged chunks are refused with a log line, never delivered") {
  Group g(2);
  std::string forged("\0VCK", 4);
  forged += std::string(36, '\x01');
  REQUIRE(g.at[1].cpg->send(forged));                  // straight on the inner group
  REQUIRE(g.at[1].cpg->send(std::string("\0VC", 3)));  // not even a header: plain
  g.net.run_until_idle(100'000);
  for (auto& [id, e] : g.at) {
    INFO("node " << id);
    REQUIRE(e.got.size() == 1);
    CHECK(e.got[0] == std::string("\0VC", 3));
    REQUIRE(e.log.size() == 1);
    CHECK(e.log[0].find("dropping a large message") != std::string::npos);
  }
}

}  // namespace vigil::cluster
