// SPDX-License-Identifier: GPL-2.0-or-later
// The simulator must give what Corosync gives (total order, virtual
// synchrony, votequorum) and nothing it does not, deterministically.
#include "vigil/cluster/sim_network.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "vigil/cluster/sim_cpg.hpp"
#include "vigil/cluster/sim_node.hpp"
#include "vigil/cluster/sim_random.hpp"

using namespace vigil::cluster;
using vigil::ErrorCode;
using Members = std::vector<GroupMember>;
using Ids = std::vector<NodeId>;

namespace {

// A process with one CPG connection that records what it is told, in order.
struct Proc {
  std::unique_ptr<SimCpg> cpg;
  std::vector<std::string> log;  // "view ..." and "msg <sender> <payload>"
  std::vector<GroupView> views;
  std::vector<std::pair<GroupMember, std::string>> msgs;
  bool sender_outside_view = false;

  GroupMember self() const { return cpg->self(); }
  void send(const std::string& payload) { REQUIRE(cpg->send(payload)); }
};

std::string str(const GroupMember& m) {
  return std::to_string(m.node) + ":" + std::to_string(m.pid);
}

std::unique_ptr<Proc> spawn(SimNode& node, const std::string& group = "g") {
  auto p = std::make_unique<Proc>();
  auto cpg = node.connect_cpg();
  REQUIRE(cpg);
  p->cpg = std::move(*cpg);
  Proc* raw = p.get();
  p->cpg->set_handlers(MessagingHandlers{[raw](const GroupMember& from, std::string_view payload) {
                                           const auto& v = raw->cpg->view();
                                           if (std::find(v.begin(), v.end(), from) == v.end())
                                             raw->sender_outside_view = true;
                                           raw->msgs.emplace_back(from, std::string(payload));
                                           raw->log.push_back("msg " + str(from) + " " +
                                                              std::string(payload));
                                         },
                                         [raw](const GroupView& view) {
                                           raw->views.push_back(view);
                                           std::string line = "view";
                                           for (const auto& m : view.members) line += " " + str(m);
                                           raw->log.push_back(line);
                                         }});
  REQUIRE(p->cpg->join(group));
  return p;
}

std::vector<std::string> payloads(const Proc& p) {
  std::vector<std::string> out;
  for (const auto& [from, text] : p.msgs) out.push_back(text);
  return out;
}

SimNetwork make_net(int n, SimOptions options = {}) {
  SimNetwork net(options);
  for (int i = 1; i <= n; ++i) net.add_node(i, "node" + std::to_string(i));
  return net;
}

}  // namespace

TEST_CASE("sim: nodes boot into one ring and all see the same membership") {
  SimNetwork net(SimOptions{});
  for (NodeId i = 1; i <= 3; ++i)
    net.add_node(i, "node" + std::to_string(i), "10.0.0." + std::to_string(i));
  std::map<NodeId, std::vector<MembershipChange>> seen;
  for (NodeId i = 1; i <= 3; ++i) {
    net.node(i).set_membership_handler(
        [&seen, i](const MembershipChange& c) { seen[i].push_back(c); });
  }
  CHECK(net.node(1).members().empty());
  net.start_all();
  net.run_until_idle();
  for (NodeId i = 1; i <= 3; ++i) {
    const SimNode& n = net.node(i);
    CHECK(n.up());
    CHECK(n.members() == Ids{1, 2, 3});
    CHECK(n.quorate());
    CHECK(n.ring() == net.node(1).ring());
    REQUIRE(seen[i].size() == 1);
    CHECK(seen[i][0].joined == Ids{1, 2, 3});
    CHECK(seen[i][0].left.empty());
    CHECK(n.local_node() == i);
    CHECK(n.is_member(2));
    CHECK_FALSE(n.is_member(4));
  }
  CHECK(net.node(2).node_name(3) == std::optional<std::string>("node3"));
  CHECK(net.node(2).nodes().find(3)->addr == "10.0.0.3");
  CHECK(net.node(2).nodes().id_of("node1") == std::optional<NodeId>(1));
  CHECK(net.partitions() == std::vector<Ids>{{1, 2, 3}});
  CHECK(net.idle());
}

TEST_CASE("sim: messages reach every member in one total order, the sender's own included") {
  for (std::uint64_t seed : {1, 2, 3, 99}) {
    SimOptions o;
    o.seed = seed;
    SimNetwork net = make_net(3, o);
    net.start_all();
    std::vector<std::unique_ptr<Proc>> procs;
    for (NodeId i = 1; i <= 3; ++i) procs.push_back(spawn(net.node(i)));
    net.run_until_idle();
    for (auto& p : procs) REQUIRE(p->cpg->view().size() == 3);

    // Senders interleave with deliveries at random.
    std::map<NodeId, int> counters;
    for (int step = 0; step < 200; ++step) {
      if (net.random().chance(0.5)) {
        auto& p = procs[net.random().below(procs.size())];
        const NodeId n = p->self().node;
        p->send("m" + std::to_string(n) + "-" + std::to_string(counters[n]++));
      } else {
        net.deliver_next();
      }
    }
    net.run_until_idle();
    std::size_t sent = 0;
    for (auto& [n, c] : counters) sent += c;
    for (auto& p : procs) {
      CHECK(p->msgs.size() == sent);
      CHECK(payloads(*p) == payloads(*procs[0]));
      CHECK_FALSE(p->sender_outside_view);
      // FIFO per sender.
      std::map<NodeId, int> next;
      for (const auto& [from, text] : p->msgs) {
        CHECK(text == "m" + std::to_string(from.node) + "-" + std::to_string(next[from.node]++));
      }
    }
  }
}

TEST_CASE("sim: a joiner's first view precedes the messages sent after its join") {
  SimNetwork net = make_net(2);
  net.start_all();
  auto a = spawn(net.node(1));
  net.run_until_idle();
  a->send("before");
  auto b = spawn(net.node(2));  // joins after "before" in the agreed order
  a->send("after");
  b->send("from-b");
  net.run_until_idle();

  REQUIRE(b->views.size() == 1);
  CHECK(b->views[0].members == Members{a->self(), b->self()});
  CHECK(b->views[0].joined == Members{b->self()});
  CHECK(b->log == std::vector<std::string>{"view " + str(a->self()) + " " + str(b->self()),
                                           "msg " + str(a->self()) + " after",
                                           "msg " + str(b->self()) + " from-b"});
  CHECK(a->log == std::vector<std::string>{
                      "view " + str(a->self()), "msg " + str(a->self()) + " before",
                      "view " + str(a->self()) + " " + str(b->self()),
                      "msg " + str(a->self()) + " after", "msg " + str(b->self()) + " from-b"});
  REQUIRE(a->views.size() == 2);
  CHECK(a->views[1].joined == Members{b->self()});
}

TEST_CASE("sim: leave and process exit are seen with their reasons") {
  SimNetwork net = make_net(2);
  net.start_all();
  auto a = spawn(net.node(1));
  auto b = spawn(net.node(2));
  auto c = spawn(net.node(2));
  net.run_until_idle();
  REQUIRE(a->cpg->view().size() == 3);

  const GroupMember cm = c->self();
  REQUIRE(c->cpg->leave());
  net.run_until_idle();
  REQUIRE_FALSE(c->views.empty());
  CHECK(c->views.back().left == std::vector<DepartedMember>{{cm, LeaveReason::kLeave}});
  CHECK(c->cpg->view().empty());
  CHECK(a->views.back().left == std::vector<DepartedMember>{{cm, LeaveReason::kLeave}});
  CHECK(c->cpg->send("x").error().code() == ErrorCode::kInvalidInput);

  const GroupMember bm = b->self();
  b.reset();  // the process exits without leaving
  net.run_until_idle();
  CHECK(a->views.back().left == std::vector<DepartedMember>{{bm, LeaveReason::kProcessDown}});
  CHECK(a->cpg->view() == Members{a->self()});
}

TEST_CASE("sim: a partition gives each side its own view and order; heal merges them") {
  SimNetwork net = make_net(3);
  net.start_all();
  std::vector<std::unique_ptr<Proc>> p;
  for (NodeId i = 1; i <= 3; ++i) p.push_back(spawn(net.node(i)));
  net.run_until_idle();
  const GroupMember m1 = p[0]->self(), m2 = p[1]->self(), m3 = p[2]->self();

  // Sent before the split: delivered to all three, before the view change.
  p[0]->send("old-view");
  net.partition({{1, 2}, {3}});
  p[0]->send("left-side");
  p[2]->send("right-side");
  net.run_until_idle();

  CHECK(net.partitions() == std::vector<Ids>{{1, 2}, {3}});
  for (auto& proc : p) {
    const auto it = std::find(proc->log.begin(), proc->log.end(), "msg " + str(m1) + " old-view");
    REQUIRE(it != proc->log.end());
    CHECK(std::next(it)->rfind("view", 0) == 0);  // the split comes right after it
  }
  CHECK(payloads(*p[0]) == std::vector<std::string>{"old-view", "left-side"});
  CHECK(payloads(*p[1]) == std::vector<std::string>{"old-view", "left-side"});
  CHECK(payloads(*p[2]) == std::vector<std::string>{"old-view", "right-side"});
  CHECK(p[0]->views.back().members == Members{m1, m2});
  CHECK(p[0]->views.back().left == std::vector<DepartedMember>{{m3, LeaveReason::kNodeDown}});
  CHECK(p[2]->views.back().members == Members{m3});
  CHECK(p[2]->views.back().left ==
        std::vector<DepartedMember>{{m1, LeaveReason::kNodeDown}, {m2, LeaveReason::kNodeDown}});
  CHECK(net.node(3).members() == Ids{3});
  CHECK(net.node(1).members() == Ids{1, 2});
  CHECK(net.node(1).ring() == net.node(2).ring());
  CHECK_FALSE(net.node(1).ring() == net.node(3).ring());

  net.heal();
  p[1]->send("merged");
  net.run_until_idle();
  for (auto& proc : p) {
    CHECK(proc->views.back().members == Members{m1, m2, m3});
    CHECK(proc->log.back() == "msg " + str(m2) + " merged");
  }
  CHECK(p[2]->views.back().joined == Members{m1, m2});
  CHECK(p[0]->views.back().joined == Members{m3});
  // Nodes 1 and 2 never parted: from 2's join on they saw exactly the same things.
  CHECK(std::vector<std::string>(p[0]->log.begin() + 1, p[0]->log.end()) == p[1]->log);
}

TEST_CASE("sim: messages sent just before a crash are delivered in the old view") {
  SimNetwork net = make_net(3);
  net.start_all();
  std::vector<std::unique_ptr<Proc>> p;
  for (NodeId i = 1; i <= 3; ++i) p.push_back(spawn(net.node(i)));
  net.run_until_idle();
  p[2]->send("last words");
  const GroupMember m3 = p[2]->self();
  net.crash(3);
  net.run_until_idle();
  for (int i = 0; i < 2; ++i) {
    const auto& log = p[i]->log;
    REQUIRE(log.size() >= 2);
    CHECK(log[log.size() - 2] == "msg " + str(m3) + " last words");
    CHECK(p[i]->views.back().left == std::vector<DepartedMember>{{m3, LeaveReason::kNodeDown}});
  }
  CHECK_FALSE(p[2]->cpg->alive());
  CHECK(p[2]->cpg->send("zombie").error().code() == ErrorCode::kIo);
}

TEST_CASE("sim: crash and restart make a new incarnation with new processes") {
  SimNetwork net = make_net(3);
  net.start_all();
  std::vector<std::unique_ptr<Proc>> p;
  for (NodeId i = 1; i <= 3; ++i) p.push_back(spawn(net.node(i)));
  std::vector<MembershipChange> seen_by_1;
  net.node(1).set_membership_handler([&](const MembershipChange& c) { seen_by_1.push_back(c); });
  net.run_until_idle();
  const GroupMember old3 = p[2]->self();

  net.crash(3);
  CHECK_FALSE(net.node(3).up());
  CHECK(net.node(3).connect_cpg().error().message().find("CS_ERR_LIBRARY") != std::string::npos);
  net.run_until_idle();
  REQUIRE_FALSE(seen_by_1.empty());
  CHECK(seen_by_1.back().left == Ids{3});
  CHECK(net.node(1).members() == Ids{1, 2});
  CHECK(net.node(3).members().empty());

  net.start(3);
  CHECK(net.node(3).incarnation() == 2);
  p[2] = spawn(net.node(3));
  net.run_until_idle();
  CHECK(seen_by_1.back().joined == Ids{3});
  CHECK(net.node(3).members() == Ids{1, 2, 3});
  CHECK(p[2]->self() != old3);
  CHECK(p[2]->self().node == 3);
  CHECK(p[0]->views.back().joined == Members{p[2]->self()});
  CHECK(p[2]->views.front().members.size() == 3);
}

TEST_CASE("sim: one ring change reaches a node as membership, then quorum, then views") {
  SimNetwork net = make_net(2);
  net.start(1);
  std::vector<std::string> order;
  SimNode& n1 = net.node(1);
  n1.set_membership_handler([&](const MembershipChange& c) {
    order.push_back("membership " + std::to_string(c.members.size()));
  });
  n1.set_quorum_handler([&](bool q) { order.push_back(q ? "quorate" : "inquorate"); });
  auto a = spawn(n1);
  a->cpg->set_handlers(MessagingHandlers{
      nullptr,
      [&](const GroupView& v) { order.push_back("view " + std::to_string(v.members.size())); }});
  net.run_until_idle();
  net.start(2);
  auto b = spawn(net.node(2));
  net.run_until_idle();
  // Node 1 alone: no quorum (1 of 2). Node 2 boots: one ring change, then b joins.
  CHECK(order ==
        std::vector<std::string>{"membership 1", "view 1", "membership 2", "quorate", "view 2"});
}

TEST_CASE("sim: quorum follows the partition size (3 nodes, expected 3)") {
  SimNetwork net = make_net(3);
  std::map<NodeId, std::vector<bool>> flips;
  for (NodeId i = 1; i <= 3; ++i) {
    net.node(i).set_quorum_handler([&flips, i](bool q) { flips[i].push_back(q); });
  }
  net.start(1);
  net.run_until_idle();
  CHECK_FALSE(net.node(1).quorate());  // 1 of 3 votes
  net.start(2);
  net.run_until_idle();
  CHECK(net.node(1).quorate());
  CHECK(net.node(2).quorate());
  net.partition({{1, 2}, {3}});
  net.start(3);  // boots alone on its side
  net.run_until_idle();
  CHECK(net.node(1).quorate());
  CHECK_FALSE(net.node(3).quorate());
  net.partition({{1}, {2}, {3}});
  net.run_until_idle();
  for (NodeId i = 1; i <= 3; ++i) CHECK_FALSE(net.node(i).quorate());
  net.heal();
  net.run_until_idle();
  for (NodeId i = 1; i <= 3; ++i) CHECK(net.node(i).quorate());
  CHECK(flips[1] == std::vector<bool>{true, false, true});
  CHECK(flips[3] == std::vector<bool>{true});  // quorate only once healed
}

TEST_CASE("sim: two nodes without two_node lose quorum with either node") {
  SimNetwork net = make_net(2);
  net.start_all();
  net.run_until_idle();
  CHECK(net.node(1).quorate());
  net.crash(2);
  net.run_until_idle();
  CHECK_FALSE(net.node(1).quorate());
}

TEST_CASE("sim: two_node keeps one survivor quorate, after wait_for_all") {
  SimOptions o;
  o.two_node = true;
  SimNetwork net = make_net(2, o);

  // wait_for_all: alone at first boot, node 1 is not quorate.
  net.start(1);
  net.run_until_idle();
  CHECK_FALSE(net.node(1).quorate());
  net.start(2);
  net.run_until_idle();
  CHECK(net.node(1).quorate());
  CHECK(net.node(2).quorate());

  // The peer dies: the survivor keeps quorum (hence fencing in two-node clusters).
  net.crash(2);
  net.run_until_idle();
  CHECK(net.node(1).quorate());

  // A split brain: both sides stay quorate.
  net.start(2);
  net.run_until_idle();
  net.partition({{1}, {2}});
  net.run_until_idle();
  CHECK(net.node(1).quorate());
  CHECK(net.node(2).quorate());

  // A node that reboots while cut off waits for all again.
  net.crash(2);
  net.start(2);
  net.run_until_idle();
  CHECK_FALSE(net.node(2).quorate());
  CHECK(net.node(1).quorate());
  net.heal();
  net.run_until_idle();
  CHECK(net.node(2).quorate());
}

TEST_CASE("sim: two_node without wait_for_all, and an explicit expected_votes") {
  SimOptions o;
  o.two_node = true;
  o.wait_for_all = false;
  SimNetwork net = make_net(2, o);
  net.start(1);
  net.run_until_idle();
  CHECK(net.node(1).quorate());

  SimOptions five;
  five.expected_votes = 5;
  SimNetwork big = make_net(3, five);
  big.start_all();
  big.run_until_idle();
  CHECK(big.node(1).quorate());  // 3 of 5
  big.crash(3);
  big.run_until_idle();
  CHECK_FALSE(big.node(1).quorate());  // 2 of 5
}

TEST_CASE("sim: the two_node option has no effect beyond two nodes") {
  SimOptions o;
  o.two_node = true;
  o.wait_for_all = false;
  SimNetwork net = make_net(3, o);
  net.start_all();
  net.partition({{1}, {2, 3}});
  net.run_until_idle();
  CHECK_FALSE(net.node(1).quorate());
  CHECK(net.node(2).quorate());
}

TEST_CASE("sim: a clogged node receives later but in the same order") {
  SimNetwork net = make_net(3);
  net.start_all();
  std::vector<std::unique_ptr<Proc>> p;
  for (NodeId i = 1; i <= 3; ++i) p.push_back(spawn(net.node(i)));
  net.run_until_idle();
  net.clog(2, std::chrono::milliseconds(50));
  const auto clog_end = net.now() + std::chrono::milliseconds(50);
  for (int i = 0; i < 5; ++i) p[i % 3]->send("c" + std::to_string(i));
  net.run_until(net.now() + std::chrono::milliseconds(10));
  CHECK(p[0]->msgs.size() == 5);
  CHECK(p[2]->msgs.size() == 5);
  CHECK(p[1]->msgs.empty());
  CHECK(net.next_delivery_time() >= clog_end);
  net.run_until_idle();
  CHECK(payloads(*p[1]) == payloads(*p[0]));
  CHECK(net.now() >= clog_end);
}

TEST_CASE("sim: loss is retransmitted in order; sustained loss evicts the node") {
  SimOptions o;
  o.seed = 5;
  SimNetwork net = make_net(3, o);
  net.start_all();
  std::vector<std::unique_ptr<Proc>> p;
  for (NodeId i = 1; i <= 3; ++i) p.push_back(spawn(net.node(i)));
  net.run_until_idle();

  net.set_loss(3, 0.3);
  for (int i = 0; i < 20; ++i) p[0]->send("l" + std::to_string(i));
  net.run_until_idle();
  CHECK(payloads(*p[2]) == payloads(*p[0]));
  CHECK(p[2]->msgs.size() == 20);
  CHECK(net.now() >= std::chrono::milliseconds(714));  // at least one retransmission

  net.set_loss(3, 1.0);
  p[0]->send("never-reaches-3");
  net.run_until_idle();
  CHECK(net.partitions() == std::vector<Ids>{{1, 2}, {3}});
  CHECK(p[0]->log[p[0]->log.size() - 2] == "msg " + str(p[0]->self()) + " never-reaches-3");
  CHECK(p[0]->views.back().members == Members{p[0]->self(), p[1]->self()});
  CHECK(p[2]->views.back().members == Members{p[2]->self()});
  CHECK(payloads(*p[2]).back() == "l19");
  CHECK_FALSE(net.node(3).quorate());

  net.set_loss(3, 0.0);
  net.heal();
  net.run_until_idle();
  CHECK(p[2]->views.back().members.size() == 3);
}

TEST_CASE("sim: misuse is refused with clear errors") {
  SimOptions o;
  o.max_message_size = 8;
  SimNetwork net = make_net(1, o);
  CHECK_THROWS_AS(net.add_node(1, "again"), std::invalid_argument);
  CHECK_THROWS_AS(net.add_node(0, "zero"), std::invalid_argument);
  CHECK_THROWS_AS(net.add_node(2, "node1"), std::invalid_argument);
  CHECK_THROWS_AS(net.node(9), std::invalid_argument);
  CHECK(net.node(1).connect_cpg().error().code() == ErrorCode::kIo);
  net.start(1);
  CHECK_THROWS_AS(net.start(1), std::logic_error);
  auto cpg = net.node(1).connect_cpg().value();
  CHECK(cpg->send("x").error().code() == ErrorCode::kInvalidInput);  // not joined
  CHECK(cpg->leave().error().code() == ErrorCode::kInvalidInput);
  CHECK(cpg->join("").error().code() == ErrorCode::kInvalidInput);
  CHECK(cpg->join(std::string(129, 'g')).error().code() == ErrorCode::kInvalidInput);
  REQUIRE(cpg->join("g"));
  CHECK(cpg->join("h").error().message().find("CS_ERR_EXIST") != std::string::npos);
  CHECK(cpg->send("123456789").error().code() == ErrorCode::kInvalidInput);
  CHECK(cpg->send("12345678"));
  CHECK(cpg->max_message_size() == 8);
}

TEST_CASE("sim: an endpoint may outlive its network") {
  std::unique_ptr<SimCpg> cpg;
  {
    SimNetwork net = make_net(1);
    net.start_all();
    cpg = net.node(1).connect_cpg().value();
    REQUIRE(cpg->join("g"));
  }
  CHECK_FALSE(cpg->alive());
  CHECK(cpg->send("x").error().code() == ErrorCode::kIo);
  cpg.reset();
}

TEST_CASE("sim: handlers may send, and run_until_idle bounds endless exchanges") {
  SimNetwork net = make_net(2);
  net.start_all();
  auto a = spawn(net.node(1));
  auto b = spawn(net.node(2));
  net.run_until_idle();
  // Node 1 answers every message of node 2 and vice versa: it never ends.
  int replies = 0;
  auto echo = [&](Proc& self) {
    Proc* raw = &self;
    raw->cpg->set_handlers(
        MessagingHandlers{[raw, &replies](const GroupMember& from, std::string_view) {
                            if (from != raw->self()) {
                              ++replies;
                              REQUIRE(raw->cpg->send("pong"));
                            }
                          },
                          nullptr});
  };
  echo(*a);
  echo(*b);
  a->send("ping");
  CHECK(net.run_until_idle(500) == 500);
  CHECK_FALSE(net.idle());
  CHECK(replies > 100);
}

TEST_CASE("sim: a handler may crash its own node mid-delivery") {
  SimNetwork net = make_net(3);
  net.start_all();
  std::vector<std::unique_ptr<Proc>> p;
  for (NodeId i = 1; i <= 3; ++i) p.push_back(spawn(net.node(i)));
  net.run_until_idle();
  p[1]->cpg->set_handlers(
      MessagingHandlers{[&](const GroupMember&, std::string_view) { net.crash(2); }, nullptr});
  p[0]->send("boom");
  p[0]->send("after");
  net.run_until_idle();
  CHECK(payloads(*p[0]) == std::vector<std::string>{"boom", "after"});
  CHECK(payloads(*p[2]) == std::vector<std::string>{"boom", "after"});
  CHECK(p[0]->views.back().members.size() == 2);
}

namespace {

// A random workload under random faults; returns the trace. Checks the
// ordering guarantees on the way (see the invariants at the end).
std::vector<std::string> random_run(std::uint64_t seed) {
  SimOptions o;
  o.seed = seed;
  SimNetwork net = make_net(4, o);
  net.start_all();
  SimRandom& rnd = net.random();
  std::map<NodeId, std::unique_ptr<Proc>> live;
  std::vector<std::unique_ptr<Proc>> dead;  // kept for the checks
  std::map<std::string, GroupMember> sent_by;
  for (NodeId i = 1; i <= 4; ++i) live[i] = spawn(net.node(i));
  int counter = 0;

  for (int step = 0; step < 400; ++step) {
    const auto roll = rnd.below(100);
    const NodeId n = static_cast<NodeId>(rnd.between(1, 4));
    if (roll < 35) {
      if (live.count(n) != 0) {
        const std::string text = "m" + std::to_string(counter++);
        live[n]->send(text);
        sent_by[text] = live[n]->self();
      }
    } else if (roll < 85) {
      net.deliver_next();
    } else if (roll < 88) {
      if (live.count(n) != 0) {
        net.crash(n);
        dead.push_back(std::move(live[n]));
        live.erase(n);
      }
    } else if (roll < 91) {
      if (live.count(n) == 0) {
        net.start(n);
        live[n] = spawn(net.node(n));
      }
    } else if (roll < 94) {
      std::vector<NodeId> a, b;
      for (NodeId i = 1; i <= 4; ++i) (rnd.chance(0.5) ? a : b).push_back(i);
      net.partition({a, b});
    } else if (roll < 96) {
      net.heal();
    } else if (roll < 98) {
      net.clog(n, SimTime(rnd.between(0, 5000)));
    } else {
      net.set_loss(n, rnd.chance(0.5) ? 0.0 : 0.2);
    }
  }
  for (NodeId i = 1; i <= 4; ++i) net.set_loss(i, 0.0);
  net.heal();
  for (NodeId i = 1; i <= 4; ++i) {
    if (live.count(i) == 0) {
      net.start(i);
      live[i] = spawn(net.node(i));
    }
  }
  net.run_until_idle();

  std::vector<Proc*> all;
  for (auto& [id, p] : live) all.push_back(p.get());
  for (auto& p : dead) all.push_back(p.get());
  for (Proc* p : all) {
    // Every message came from a member of the receiver's current view.
    CHECK_FALSE(p->sender_outside_view);
    // Nothing twice.
    std::set<std::string> unique;
    for (const auto& [from, text] : p->msgs) {
      CHECK(unique.insert(text).second);
      CHECK(sent_by.at(text) == from);
    }
  }
  // Total order: any two processes deliver their common messages in the same order.
  for (Proc* a : all) {
    for (Proc* b : all) {
      if (a >= b) continue;
      std::set<std::string> in_b;
      for (const auto& [from, text] : b->msgs) in_b.insert(text);
      std::set<std::string> common;
      for (const auto& [from, text] : a->msgs) {
        if (in_b.count(text) != 0) common.insert(text);
      }
      std::vector<std::string> order_a, order_b;
      for (const auto& [from, text] : a->msgs) {
        if (common.count(text) != 0) order_a.push_back(text);
      }
      for (const auto& [from, text] : b->msgs) {
        if (common.count(text) != 0) order_b.push_back(text);
      }
      CHECK(order_a == order_b);
    }
  }
  // A process whose node never crashed got all its own messages back.
  for (auto& [id, p] : live) {
    std::set<std::string> got;
    for (const auto& [from, text] : p->msgs) got.insert(text);
    for (const auto& [text, from] : sent_by) {
      if (from == p->self()) CHECK(got.count(text) == 1);
    }
  }
  // Healed and idle: one ring, everybody quorate, one view of four.
  CHECK(net.partitions() == std::vector<Ids>{{1, 2, 3, 4}});
  for (auto& [id, p] : live) {
    CHECK(net.node(id).quorate());
    CHECK(p->cpg->view().size() == 4);
  }
  return net.trace();
}

}  // namespace

TEST_CASE("sim: random faults keep the ordering guarantees, for many seeds") {
  for (std::uint64_t seed = 1; seed <= 500; ++seed) {
    INFO("seed " << seed);
    random_run(seed);
  }
}

TEST_CASE("sim: the same seed gives the same run; another seed another run") {
  const auto a = random_run(1234);
  const auto b = random_run(1234);
  const auto c = random_run(1235);
  CHECK(a.size() > 100);
  CHECK(a == b);
  CHECK(a != c);
}
