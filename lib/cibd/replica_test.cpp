// SPDX-License-Identifier: GPL-2.0-or-later
// CibNode over SimNetwork: replication, syncs, failures. Every test is
// deterministic for its seed; the step loops are bounded.
#include "vigil/cibd/replica.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "hostile_xml.hpp"
#include "vigil/cibd/loopback.hpp"
#include "vigil/cluster/chunked_messaging.hpp"
#include "vigil/cluster/sim_network.hpp"
#include "vigil/cluster/sim_node.hpp"
#include "vigil/cluster/sim_random.hpp"

namespace vigil::cibd {
namespace {

using cluster::NodeId;
using cluster::SimNetwork;

constexpr std::size_t kMaxSteps = 200'000;

// A Messaging that refuses to send the first `fail_fulls` whole CIBs (a send
// failing as an oversized one did before chunking).
class RefusingMessaging final : public cluster::Messaging {
 public:
  explicit RefusingMessaging(cluster::Messaging& inner) : inner_(inner) {}
  void set_handlers(cluster::MessagingHandlers h) override { inner_.set_handlers(std::move(h)); }
  Status join(std::string_view group) override { return inner_.join(group); }
  Status leave() override { return inner_.leave(); }
  Status send(std::string_view payload) override {
    const bool full = payload.find("t=\"full\"") != std::string_view::npos;
    if (full) ++fulls;
    if (payload.find("t=\"sync\"") != std::string_view::npos) ++syncs;
    if (fail_fulls > 0 && full) {
      --fail_fulls;
      ++refused;
      return Error(ErrorCode::kInvalidInput, "test: the group refuses this message");
    }
    if (corrupt_fulls > 0 && full) {
      // Damaged on the way: one character of the digest differs, so every
      // receiver refuses the copy (the sender does not check its own).
      std::string damaged(payload);
      const std::size_t at = damaged.find("digest=\"");
      REQUIRE(at != std::string::npos);
      char& c = damaged[at + 8];
      c = c == '0' ? '1' : '0';
      --corrupt_fulls;
      return inner_.send(damaged);
    }
    return inner_.send(payload);
  }
  cluster::GroupMember self() const override { return inner_.self(); }
  std::size_t max_message_size() const override { return inner_.max_message_size(); }
  std::size_t incoming_bytes() const override { return inner_.incoming_bytes(); }
  int fail_fulls = 0;
  int corrupt_fulls = 0;
  int fulls = 0;  // whole CIBs this member tried to send
  int syncs = 0;  // sync rounds it asked for
  int refused = 0;

 private:
  cluster::Messaging& inner_;
};

struct Member {
  std::unique_ptr<cluster::SimCpg> cpg;
  std::unique_ptr<cluster::ChunkedMessaging> chunked;
  std::unique_ptr<RefusingMessaging> refusing;
  std::unique_ptr<CibNode> cib;
};

// How the replicas reach the group: with message_limit, the simulated CPG
// refuses messages above it and the replicas send through ChunkedMessaging
// (small chunks); with refusing, through a RefusingMessaging.
struct Shape {
  std::size_t message_limit = 0;
  bool refusing = false;
};

// A simulated cluster of CIB replicas, one per node.
struct Cluster {
  static cluster::SimOptions options(std::uint64_t seed, const Shape& shape) {
    cluster::SimOptions o;
    o.seed = seed;
    o.trace = false;
    if (shape.message_limit > 0) o.max_message_size = shape.message_limit;
    return o;
  }
  Shape shape;
  SimNetwork net;
  ManualClock clock;
  std::map<NodeId, Member> members;
  std::map<NodeId, int> fatal;

  explicit Cluster(std::size_t n, std::uint64_t seed = 1, Shape s = {})
      : shape(s), net(options(seed, s)) {
    for (NodeId id = 1; id <= n; ++id) net.add_node(id, "node" + std::to_string(id));
    net.start_all();
    for (NodeId id = 1; id <= n; ++id) boot(id);
  }

  void boot(NodeId id) {
    Member m;
    auto cpg = net.node(id).connect_cpg();
    REQUIRE(cpg);
    m.cpg = std::move(cpg).value();
    cluster::Messaging* group = m.cpg.get();
    if (shape.message_limit > 0) {
      cluster::ChunkLimits limits;
      limits.compress_threshold = shape.message_limit / 4;
      limits.chunk_payload = shape.message_limit / 2;
      m.chunked = std::make_unique<cluster::ChunkedMessaging>(*group, limits);
      group = m.chunked.get();
    }
    if (shape.refusing) {
      m.refusing = std::make_unique<RefusingMessaging>(*group);
      group = m.refusing.get();
    }
    CibNodeOptions options;
    options.node_name = "node" + std::to_string(id);
    options.hold_queries_until_synced = true;
    m.cib = std::make_unique<CibNode>(*group, clock, Store::empty(), options);
    m.cib->set_fatal_handler([this, id](const Error&) { ++fatal[id]; });
    REQUIRE(m.cib->start());
    members[id] = std::move(m);
  }

  void crash(NodeId id) {
    net.crash(id);
    members.erase(id);  // the process is gone with its node
  }

  void restart(NodeId id) {
    net.start(id);
    boot(id);
  }

  CibNode& cib(NodeId id) { return *members.at(id).cib; }

  void settle() {
    const std::size_t steps = net.run_until_idle(kMaxSteps);
    REQUIRE(steps < kMaxSteps);
  }

  // Every running replica has the same CIB and nothing is in flight.
  void check_converged() {
    REQUIRE_FALSE(members.empty());
    const Store& first = members.begin()->second.cib->store();
    for (auto& [id, m] : members) {
      INFO("node " << id);
      CHECK_FALSE(m.cib->syncing());
      CHECK(m.cib->pending_requests() == 0);
      CHECK(m.cib->store().version() == first.version());
      CHECK(m.cib->store().digest() == first.digest());
    }
  }
};

// A group member on `node` that is no vigil-cib: it sends what a test
// makes it send and never announces.
std::unique_ptr<cluster::SimCpg> join_spy(Cluster& c, NodeId node) {
  auto spy = c.net.node(node).connect_cpg();
  REQUIRE(spy);
  REQUIRE((*spy)->join(kCibGroup));
  return std::move(spy).value();
}

std::string dummy(const std::string& id) {
  return "<primitive id=\"" + id + "\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"/>";
}

// Delivers until nodes 1 and 2 are in the sync round of the view with `spy`
// and returns the round's tag (every member as "node:pid,", sorted), which a
// forged message must name to be considered.
std::string spied_round_tag(Cluster& c, const cluster::SimCpg& spy) {
  for (int i = 0; i < 1000 && !(c.cib(1).syncing() && c.cib(2).syncing()); ++i) {
    REQUIRE(c.net.deliver_next());
  }
  REQUIRE(c.cib(1).syncing());
  REQUIRE(c.cib(2).syncing());
  std::vector<cluster::GroupMember> members = {c.cib(1).self(), c.cib(2).self(), spy.self()};
  std::sort(members.begin(), members.end());
  std::string tag;
  for (const auto& m : members) tag += std::to_string(m.node) + ":" + std::to_string(m.pid) + ",";
  return tag;
}

// A valid CIB of `admin_epoch`:1:0 holding primitive "forged".
std::string forged_cib(int admin_epoch) {
  return "<cib admin_epoch=\"" + std::to_string(admin_epoch) +
         "\" epoch=\"1\" num_updates=\"0\" validate-with=\"pacemaker-3.9\">"
         "<configuration><crm_config/><nodes/><resources>" +
         dummy("forged") + "</resources><constraints/></configuration><status/></cib>";
}

CibRequest create(const std::string& scope, std::string payload) {
  CibRequest r;
  r.op = CibOp::kCreate;
  r.scope = scope;
  r.payload = std::move(payload);
  r.client = "test";
  return r;
}

bool has(const CibNode& n, const std::string& xpath) {
  return n.query(xpath).ok();
}

// Submits and records the answer.
struct Answer {
  bool done = false;
  Result<CibReply> result = Error(ErrorCode::kInternal, "no answer");
};
std::shared_ptr<Answer> submit(CibNode& n, CibRequest r) {
  auto a = std::make_shared<Answer>();
  n.submit(std::move(r), [a](Result<CibReply> res) {
    REQUIRE_FALSE(a->done);  // exactly one answer
    a->done = true;
    a->result = std::move(res);
  });
  return a;
}

}  // namespace

TEST_CASE("replicas of a new cluster converge on one empty CIB") {
  Cluster c(3);
  c.settle();
  c.check_converged();
  CHECK(c.cib(1).is_master());
  CHECK_FALSE(c.cib(2).is_master());
  CHECK(c.cib(2).store().version() == CibVersion{0, 0, 0});
}

TEST_CASE("an update from any node is applied everywhere and answered on its origin") {
  Cluster c(3);
  c.settle();
  std::map<NodeId, std::vector<CibChange>> events;
  for (NodeId id = 1; id <= 3; ++id) {
    c.cib(id).subscribe([&events, id](const CibChange& ch) { events[id].push_back(ch); });
  }
  auto a = submit(c.cib(3), create("resources", dummy("r3")));
  CHECK_FALSE(a->done);  // nothing before the agreed stream delivers it
  c.settle();
  REQUIRE(a->done);
  REQUIRE(a->result);
  CHECK(a->result->version == CibVersion{0, 1, 0});
  c.check_converged();
  for (NodeId id = 1; id <= 3; ++id) {
    CHECK(has(c.cib(id), "//primitive[@id='r3']"));
    REQUIRE(events[id].size() == 1);
    CHECK(events[id][0].config_changed);
    CHECK(events[id][0].previous == CibVersion{0, 0, 0});
    CHECK(events[id][0].current == CibVersion{0, 1, 0});
    CHECK(events[id][0].origin == "node3");
    CHECK(events[id][0].diff.find("r3") != std::string::npos);
  }
  auto root = c.cib(1).query("");
  CHECK(root->xml.find("update-origin=\"node3\"") != std::string::npos);
}

TEST_CASE("an invalid update is refused on its origin and changes nothing anywhere") {
  Cluster c(3);
  c.settle();
  const std::string digest = c.cib(1).store().digest();
  auto a = submit(c.cib(2), create("resources", R"(<primitive id="x" type="Dummy"/>)"));
  c.settle();
  REQUIRE(a->done);
  REQUIRE_FALSE(a->result);
  CHECK(a->result.error().message().find("would not validate") != std::string::npos);
  // Malformed XML is refused before it travels.
  auto b = submit(c.cib(3), create("resources", "<primitive"));
  CHECK(b->done);
  CHECK_FALSE(b->result);
  c.settle();
  for (NodeId id = 1; id <= 3; ++id) CHECK(c.cib(id).store().digest() == digest);
  c.check_converged();
}

TEST_CASE("the master checks a user's update against the ACLs; the refusal reaches the origin") {
  Cluster c(3);
  c.settle();
  // As root: ACLs that let "reader" read everything and write nothing.
  auto setup =
      submit(c.cib(1),
             create("configuration", R"(<acls><acl_target id="reader"><role id="ro"/></acl_target>)"
                                     R"(<acl_role id="ro"><acl_permission id="ro-1" kind="read" )"
                                     R"(xpath="/cib"/></acl_role></acls>)"));
  auto enable = submit(
      c.cib(1), create("crm_config", R"(<cluster_property_set id="o"><nvpair id="o-acl" )"
                                     R"(name="enable-acl" value="true"/></cluster_property_set>)"));
  c.settle();
  REQUIRE(setup->result);
  REQUIRE(enable->result);
  const std::string digest = c.cib(1).store().digest();
  CibRequest r = create("resources", dummy("r9"));
  r.user = "reader";
  auto a = submit(c.cib(3), r);  // node 3 is not the master: node 1 decides
  c.settle();
  REQUIRE(a->done);
  REQUIRE_FALSE(a->result);
  CHECK(a->result.error().code() == ErrorCode::kPermissionDenied);
  CHECK(a->result.error().message() == "Permission denied");
  for (NodeId id = 1; id <= 3; ++id) CHECK(c.cib(id).store().digest() == digest);
  r.user = "root";
  auto b = submit(c.cib(3), r);
  c.settle();
  CHECK(b->result);
  c.check_converged();
}

TEST_CASE("concurrent updates from every node all land, in one order, everywhere") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    Cluster c(3, seed);
    c.settle();
    std::vector<std::shared_ptr<Answer>> answers;
    for (int i = 0; i < 5; ++i) {
      for (NodeId id = 1; id <= 3; ++id) {
        answers.push_back(submit(c.cib(id), create("resources", dummy("r" + std::to_string(id) +
                                                                      "-" + std::to_string(i)))));
        c.net.deliver_next();
      }
    }
    c.settle();
    for (auto& a : answers) {
      REQUIRE(a->done);
      CHECK(a->result);
    }
    c.check_converged();
    CHECK(c.cib(2).store().version() == CibVersion{0, 15, 0});
  }
}

namespace {

// The "no acknowledged update is lost" workload: every node keeps a counter
// (incremented by each of its updates) and adds one nvpair per update, so a
// double application shows as a counter larger than the nvpairs.
std::string counter_update(NodeId id, int i) {
  const std::string n = std::to_string(id);
  return "<cluster_property_set id=\"cps-" + n + "\"><nvpair id=\"cps-" + n +
         "-count\" name=\"count-" + n + "\" value=\"value++\"/><nvpair id=\"cps-" + n + "-" +
         std::to_string(i) + "\" name=\"u-" + n + "-" + std::to_string(i) +
         "\" value=\"1\"/></cluster_property_set>";
}

long counter_value(const CibNode& n, NodeId id) {
  auto q = n.query("//nvpair[@id='cps-" + std::to_string(id) + "-count']");
  if (!q) return -1;
  const auto pos = q->xml.find("value=\"");
  return std::stol(q->xml.substr(pos + 7));
}

}  // namespace

TEST_CASE(
    "No acknowledged CIB update is ever lost: updates from all nodes concurrently while one node "
    "is killed; every acknowledged update is on every surviving node afterwards") {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    INFO("seed " << seed);
    constexpr NodeId kNodes = 4;
    constexpr int kUpdates = 12;  // per node
    Cluster c(kNodes, seed);
    c.settle();
    for (NodeId id = 1; id <= kNodes; ++id) {
      const std::string n = std::to_string(id);
      auto a = submit(c.cib(id), create("crm_config",
                                        "<cluster_property_set id=\"cps-" + n +
                                            "\"><nvpair id=\"cps-" + n + "-count\" name=\"count-" +
                                            n + "\" value=\"0\"/></cluster_property_set>"));
      c.settle();
      REQUIRE(a->result);
    }

    cluster::SimRandom rnd(seed * 7919);
    // The victim: the master (node 1) in every other seed, another node otherwise.
    const NodeId victim = seed % 2 == 0 ? 1 : static_cast<NodeId>(2 + rnd.below(kNodes - 1));
    const std::size_t crash_at = 10 + rnd.below(60);
    std::map<NodeId, int> submitted;
    std::vector<std::pair<std::pair<NodeId, int>, std::shared_ptr<Answer>>> answers;
    bool crashed = false;
    for (std::size_t step = 0; step < 400; ++step) {
      if (step == crash_at) {
        c.crash(victim);
        crashed = true;
      }
      const NodeId id = static_cast<NodeId>(1 + rnd.below(kNodes));
      if (rnd.chance(0.5) && c.members.count(id) != 0 && submitted[id] < kUpdates) {
        const int i = submitted[id]++;
        CibRequest r;
        r.op = CibOp::kModify;
        r.scope = "crm_config";
        r.payload = counter_update(id, i);
        r.client = "test";
        answers.push_back({{id, i}, submit(c.cib(id), r)});
      } else {
        c.net.deliver_next();
      }
    }
    REQUIRE(crashed);
    c.settle();
    c.check_converged();

    for (const auto& [key, a] : answers) {
      const auto [id, i] = key;
      INFO("update " << i << " of node " << id);
      if (id != victim) {
        // Survivors' clients always get their answer, and it is ok.
        REQUIRE(a->done);
        CHECK(a->result);
      }
      if (a->done && a->result) {
        for (auto& [sid, m] : c.members) {
          INFO("on node " << sid);
          CHECK(has(*m.cib,
                    "//nvpair[@id='cps-" + std::to_string(id) + "-" + std::to_string(i) + "']"));
        }
      }
    }
    // Nothing was applied twice: each counter equals the updates present.
    for (NodeId id = 1; id <= kNodes; ++id) {
      const CibNode& any = *c.members.begin()->second.cib;
      long present = 0;
      for (int i = 0; i < kUpdates; ++i) {
        present +=
            has(any, "//nvpair[@id='cps-" + std::to_string(id) + "-" + std::to_string(i) + "']")
                ? 1
                : 0;
      }
      INFO("counter of node " << id);
      CHECK(counter_value(any, id) == present);
      if (id != victim) CHECK(present == submitted[id]);
    }
  }
}

namespace {

// Runs the counter workload with `fault` injected at a random step; returns
// the answers by (node, update).
struct Workload {
  static constexpr NodeId kNodes = 4;
  static constexpr int kUpdates = 10;
  std::map<NodeId, int> submitted;
  std::vector<std::pair<std::pair<NodeId, int>, std::shared_ptr<Answer>>> answers;

  void seed_counters(Cluster& c) {
    for (NodeId id = 1; id <= kNodes; ++id) {
      const std::string n = std::to_string(id);
      auto a = submit(c.cib(id), create("crm_config",
                                        "<cluster_property_set id=\"cps-" + n +
                                            "\"><nvpair id=\"cps-" + n + "-count\" name=\"count-" +
                                            n + "\" value=\"0\"/></cluster_property_set>"));
      c.settle();
      REQUIRE(a->result);
    }
  }

  void run(Cluster& c, cluster::SimRandom& rnd, std::size_t steps,
           const std::function<void(std::size_t)>& at_step) {
    for (std::size_t step = 0; step < steps; ++step) {
      at_step(step);
      const NodeId id = static_cast<NodeId>(1 + rnd.below(kNodes));
      if (rnd.chance(0.5) && c.members.count(id) != 0 && submitted[id] < kUpdates) {
        const int i = submitted[id]++;
        CibRequest r;
        r.op = CibOp::kModify;
        r.scope = "crm_config";
        r.payload = counter_update(id, i);
        r.client = "test";
        answers.push_back({{id, i}, submit(c.cib(id), r)});
      } else {
        c.net.deliver_next();
      }
    }
  }

  // No double application anywhere: each counter equals its updates present.
  void check_no_duplicates(Cluster& c) {
    for (auto& [sid, m] : c.members) {
      for (NodeId id = 1; id <= kNodes; ++id) {
        long present = 0;
        for (int i = 0; i < kUpdates; ++i) {
          present += has(*m.cib,
                         "//nvpair[@id='cps-" + std::to_string(id) + "-" + std::to_string(i) + "']")
                         ? 1
                         : 0;
        }
        INFO("counter of node " << id << " on node " << sid);
        CHECK(counter_value(*m.cib, id) == present);
      }
    }
  }
};

}  // namespace

TEST_CASE("a node restarting during concurrent updates: acknowledged updates survive the sync") {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    INFO("seed " << seed);
    Cluster c(Workload::kNodes, seed);
    c.settle();
    Workload w;
    w.seed_counters(c);
    cluster::SimRandom rnd(seed * 104729);
    const NodeId victim = static_cast<NodeId>(1 + rnd.below(Workload::kNodes));
    const std::size_t crash_at = 5 + rnd.below(40);
    const std::size_t restart_at = crash_at + 5 + rnd.below(40);
    w.run(c, rnd, 300, [&](std::size_t step) {
      if (step == crash_at) c.crash(victim);
      if (step == restart_at) c.restart(victim);
    });
    c.settle();
    c.clock.advance(std::chrono::seconds(10));  // any sync timeout
    c.settle();
    c.check_converged();
    for (const auto& [key, a] : w.answers) {
      if (!a->done || !a->result) continue;
      for (auto& [sid, m] : c.members) {
        INFO("update " << key.second << " of node " << key.first << " on node " << sid);
        CHECK(has(*m.cib, "//nvpair[@id='cps-" + std::to_string(key.first) + "-" +
                              std::to_string(key.second) + "']"));
      }
    }
    w.check_no_duplicates(c);
  }
}

TEST_CASE("partitions and heals during concurrent updates: one CIB in the end, nothing doubled") {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    INFO("seed " << seed);
    Cluster c(Workload::kNodes, seed);
    c.settle();
    Workload w;
    w.seed_counters(c);
    cluster::SimRandom rnd(seed * 15485863);
    const std::size_t split_at = 5 + rnd.below(40);
    const std::size_t heal_at = split_at + 10 + rnd.below(60);
    w.run(c, rnd, 300, [&](std::size_t step) {
      if (step == split_at) c.net.partition({{1, 2}, {3, 4}});
      if (step == heal_at) c.net.heal();
    });
    c.settle();
    c.clock.advance(std::chrono::seconds(10));
    c.settle();
    c.check_converged();
    // Every client got an answer (ok, or lost with the losing side is ok too).
    for (const auto& [key, a] : w.answers) CHECK(a->done);
    w.check_no_duplicates(c);
  }
}

TEST_CASE("chaos: crashes, restarts, partitions, loss and clogs; one CIB in the end") {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    INFO("seed " << seed);
    Cluster c(Workload::kNodes, seed);
    c.settle();
    Workload w;
    w.seed_counters(c);
    cluster::SimRandom rnd(seed * 2654435761u);
    std::set<NodeId> down;
    w.run(c, rnd, 500, [&](std::size_t step) {
      if (step % 25 != 0 || step == 0) return;
      const NodeId id = static_cast<NodeId>(1 + rnd.below(Workload::kNodes));
      switch (rnd.below(6)) {
        case 0:
          if (down.empty() && c.members.size() > 1) {
            c.crash(id);
            down.insert(id);
          }
          break;
        case 1:
          for (NodeId d : down) c.restart(d);
          down.clear();
          break;
        case 2:
          c.net.partition({{1, 2}, {3, 4}});
          break;
        case 3:
          c.net.heal();
          break;
        case 4:
          c.net.clog(id, std::chrono::milliseconds(200));
          break;
        default:
          c.net.set_loss(id, rnd.chance(0.5) ? 0.2 : 0.0);
          break;
      }
    });
    for (NodeId id = 1; id <= Workload::kNodes; ++id) c.net.set_loss(id, 0.0);
    c.net.heal();
    for (NodeId d : down) c.restart(d);
    for (int round = 0; round < 5; ++round) {
      c.settle();
      c.clock.advance(std::chrono::seconds(10));
    }
    c.settle();
    c.check_converged();
    w.check_no_duplicates(c);
  }
}

TEST_CASE("the master crashing with requests in flight: re-sent, applied once, all answered") {
  Cluster c(3, 11);
  c.settle();
  REQUIRE(c.cib(1).is_master());
  std::vector<std::shared_ptr<Answer>> answers;
  for (int i = 0; i < 4; ++i) {
    answers.push_back(submit(c.cib(2), create("resources", dummy("a" + std::to_string(i)))));
    answers.push_back(submit(c.cib(3), create("resources", dummy("b" + std::to_string(i)))));
  }
  c.net.deliver_next();
  c.net.deliver_next();
  c.crash(1);
  c.settle();
  for (auto& a : answers) {
    REQUIRE(a->done);
    CHECK(a->result);  // a duplicate would have been refused as "already exists"
  }
  c.check_converged();
  CHECK(c.cib(2).is_master());
  CHECK(c.cib(3).store().version() == CibVersion{0, 8, 0});
}

TEST_CASE("a partition whose halves both change the configuration heals to the newest") {
  Cluster c(3, 5);
  c.settle();
  c.net.partition({{1}, {2, 3}});
  c.settle();
  auto lone = submit(c.cib(1), create("resources", dummy("lonely")));
  auto m1 = submit(c.cib(2), create("resources", dummy("major1")));
  c.settle();
  auto m2 = submit(c.cib(3), create("resources", dummy("major2")));
  c.settle();
  REQUIRE(lone->result);
  REQUIRE(m1->result);
  REQUIRE(m2->result);
  CHECK(c.cib(1).store().version() == CibVersion{0, 1, 0});
  CHECK(c.cib(2).store().version() == CibVersion{0, 2, 0});

  c.net.heal();
  c.settle();
  c.check_converged();
  for (NodeId id = 1; id <= 3; ++id) {
    CHECK(has(c.cib(id), "//primitive[@id='major1']"));
    CHECK(has(c.cib(id), "//primitive[@id='major2']"));
    CHECK_FALSE(has(c.cib(id), "//primitive[@id='lonely']"));
  }
  CHECK(c.cib(1).adoptions() == 1);
}

TEST_CASE("equal versions with different content converge on the master's copy") {
  Cluster c(2, 8);
  c.settle();
  c.net.partition({{1}, {2}});
  c.settle();
  auto a = submit(c.cib(1), create("resources", dummy("left")));
  auto b = submit(c.cib(2), create("resources", dummy("right")));
  c.settle();
  REQUIRE(a->result);
  REQUIRE(b->result);
  REQUIRE(c.cib(1).store().version() == c.cib(2).store().version());
  c.net.heal();
  c.settle();
  c.check_converged();
  CHECK(has(c.cib(2), "//primitive[@id='left']"));
  CHECK_FALSE(has(c.cib(2), "//primitive[@id='right']"));
}

TEST_CASE("a node joining late gets a full copy; a restarted node catches up") {
  Cluster c(3, 3);
  c.crash(3);
  c.settle();
  for (int i = 0; i < 3; ++i) {
    auto a = submit(c.cib(1 + i % 2), create("resources", dummy("r" + std::to_string(i))));
    c.settle();
    REQUIRE(a->result);
  }
  c.restart(3);
  // A query submitted before the first sync waits for it: it never sees the
  // empty CIB the node started with.
  auto early = submit(c.cib(3), CibRequest{});
  CHECK_FALSE(early->done);
  c.settle();
  REQUIRE(early->done);
  REQUIRE(early->result);
  CHECK(early->result->version == CibVersion{0, 3, 0});
  CHECK(early->result->xml.find("id=\"r2\"") != std::string::npos);
  c.check_converged();
  CHECK(has(c.cib(3), "//primitive[@id='r2']"));
  CHECK(c.cib(3).store().version() == CibVersion{0, 3, 0});
  // Its updates flow like everyone's afterwards.
  auto a = submit(c.cib(3), create("resources", dummy("late")));
  c.settle();
  REQUIRE(a->result);
  c.check_converged();
}

TEST_CASE("a replica whose content diverged is caught by the digest and resynced") {
  Cluster c(3, 4);
  c.settle();
  auto first = submit(c.cib(1), create("resources", dummy("r1")));
  c.settle();
  REQUIRE(first->result);
  // Corrupt node 3's copy behind the replication's back, version unchanged.
  Store& s3 = c.cib(3).mutable_store_for_test();
  const CibVersion v = s3.version();
  CibRequest sneaky = create("resources", dummy("sneaky"));
  REQUIRE(s3.apply(sneaky, UpdateMeta{"x", "x", "x", 0}));
  s3.set_version(v);
  REQUIRE(c.cib(3).store().digest() != c.cib(1).store().digest());
  const auto before = c.cib(3).adoptions();

  auto next = submit(c.cib(2), create("resources", dummy("r2")));
  c.settle();
  REQUIRE(next->result);
  CHECK(c.cib(3).adoptions() == before + 1);
  c.check_converged();
  CHECK_FALSE(has(c.cib(3), "//primitive[@id='sneaky']"));
  CHECK(has(c.cib(3), "//primitive[@id='r2']"));
}

TEST_CASE("a replica that missed a version asks for a resync") {
  Cluster c(3, 6);
  c.settle();
  c.cib(2).mutable_store_for_test().set_version(CibVersion{0, 0, 7});
  auto a = submit(c.cib(1), create("resources", dummy("r1")));
  c.settle();
  REQUIRE(a->result);
  c.check_converged();
  CHECK(has(c.cib(2), "//primitive[@id='r1']"));
}

TEST_CASE("garbage on the group is ignored") {
  Cluster c(2, 9);
  c.settle();
  auto spy = join_spy(c, 2);
  c.settle();
  const std::string digest = c.cib(1).store().digest();
  for (const char* junk :
       {"", "garbage", "<cibd t=\"diff\"/>", "<cibd t=\"req\" id=\"1\"/>",
        "<cibd t=\"full\" tag=\"resync\"><cib/></cibd>", "<other/>", "<cibd t=\"what\"/>"}) {
    REQUIRE(spy->send(junk));
  }
  c.settle();
  // The spy never announces: the sync it caused ends on the master's timeout.
  CHECK(c.cib(2).syncing());
  c.clock.advance(std::chrono::seconds(6));
  c.settle();
  CHECK_FALSE(c.cib(2).syncing());
  for (NodeId id = 1; id <= 2; ++id) CHECK(c.cib(id).store().digest() == digest);
  auto a = submit(c.cib(2), create("resources", dummy("after")));
  c.settle();
  CHECK(a->result);
}

TEST_CASE("stop fails pending updates; queries are local and immediate") {
  Cluster c(2, 10);
  c.settle();
  auto q = c.cib(2).query("resources");
  REQUIRE(q);
  CHECK(q->xml == "<resources/>");
  auto a = submit(c.cib(2), create("resources", dummy("r")));
  c.cib(2).stop();
  REQUIRE(a->done);
  CHECK(a->result.error().code() == ErrorCode::kIo);
  auto b = submit(c.cib(2), create("resources", dummy("r")));
  CHECK(b->result.error().code() == ErrorCode::kIo);
  c.settle();
}

TEST_CASE("the standalone loopback group runs a replica of one") {
  ManualClock clock;
  LoopbackMessaging loop(clock, cluster::GroupMember{1, 100});
  CibNode node(loop, clock, Store::empty());
  REQUIRE(node.start());
  clock.run_due();
  CHECK_FALSE(node.syncing());
  CHECK(node.is_master());
  auto a = submit(node, create("resources", dummy("solo")));
  for (int i = 0; i < 10 && !a->done; ++i) clock.run_due();
  REQUIRE(a->done);
  REQUIRE(a->result);
  CHECK(a->result->version == CibVersion{0, 1, 0});
  CHECK(has(node, "//primitive[@id='solo']"));
}

}  // namespace vigil::cibd

namespace vigil::cibd {

TEST_CASE("an update larger than the group's message limit is refused at once") {
  cluster::SimOptions o;
  o.trace = false;
  o.max_message_size = 64 * 1024;
  SimNetwork net(o);
  net.add_node(1, "node1");
  net.start_all();
  auto cpg = net.node(1).connect_cpg();
  REQUIRE(cpg);
  ManualClock clock;
  CibNode node(**cpg, clock, Store::empty());
  REQUIRE(node.start());
  net.run_until_idle(1000);
  std::string big =
      "<primitive id=\"big\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\" "
      "description=\"" +
      std::string(100 * 1024, 'x') + "\"/>";
  auto a = submit(node, create("resources", big));
  REQUIRE(a->done);
  REQUIRE_FALSE(a->result);
  CHECK(a->result.error().message().find("message limit") != std::string::npos);
  CHECK(node.pending_requests() == 0);
}

TEST_CASE("peer messages with entity declarations are dropped before expansion", "[untrusted]") {
  Cluster c(2, 11);
  c.settle();
  auto spy = join_spy(c, 2);
  c.settle();
  c.clock.advance(std::chrono::seconds(6));  // the spy never announces
  c.settle();
  const std::string digest = c.cib(1).store().digest();
  const CibVersion version = c.cib(1).store().version();
  // A diff, a full copy and a request, each carrying entity references.
  auto diff = [&](const std::string& ref) {
    return "<cibd t=\"diff\" on=\"2\" op=\"1\" id=\"1\"><cib-diff from=\"" + version.to_string() +
           "\" to=\"0:5:0\" origin=\"" + ref +
           "\"><cib-request op=\"create\" section=\"resources\">" + dummy(ref) +
           "</cib-request></cib-diff></cibd>";
  };
  auto full = [](const std::string& ref) {
    return "<cibd t=\"full\" tag=\"resync\"><cib epoch=\"99\" num_updates=\"0\" admin_epoch=\"9\" "
           "validate-with=\"pacemaker-3.7\"><configuration><crm_config/><nodes/><resources>" +
           dummy(ref) + "</resources><constraints/></configuration><status/></cib></cibd>";
  };
  auto request = [](const std::string& ref) {
    return "<cibd t=\"req\" id=\"1\" low=\"1\"><cib-request op=\"create\" section=\"resources\">" +
           dummy(ref) + "</cib-request></cibd>";
  };
  const std::function<std::string(const std::string&)> makers[] = {diff, full, request};
  for (const auto& make : makers) {
    for (const auto& h : testing::hostile_documents("cibd", make)) {
      INFO(h.name);
      REQUIRE(spy->send(h.text));
    }
  }
  c.settle();
  for (NodeId id = 1; id <= 2; ++id) {
    CHECK(c.cib(id).store().digest() == digest);
    CHECK(c.cib(id).store().version() == version);
  }
}

// A member that is not vigil-cib (or a vigil-cib gone wrong) sends full
// copies for the sync its join started: none may be adopted.
TEST_CASE("forged full copies are refused: bad digest, invalid, wrong version, no digest",
          "[untrusted]") {
  Cluster c(2, 12);
  c.settle();
  auto first = submit(c.cib(1), create("resources", dummy("r1")));
  c.settle();
  REQUIRE(first->result);
  const std::string digest = c.cib(1).store().digest();
  const CibVersion version = c.cib(1).store().version();

  auto spy = join_spy(c, 2);
  // Deliver the join only: the members are now syncing on the new view.
  const std::string tag = spied_round_tag(c, *spy);

  const std::string newer_cib = forged_cib(5);
  const std::string invalid_cib =
      "<cib admin_epoch=\"5\" epoch=\"1\" num_updates=\"0\" validate-with=\"pacemaker-3.9\">"
      "<configuration><crm_config/><nodes/><resources><primitive id=\"nothing\"/></resources>"
      "<constraints/></configuration><status/></cib>";
  auto digest_of = [](const std::string& cib) {
    auto st = Store::from_xml(cib, false);
    REQUIRE(st);
    return st->digest();
  };
  auto full = [&](const std::string& v, const std::string& d, const std::string& cib) {
    std::string m = "<cibd t=\"full\" tag=\"" + tag + "\" version=\"" + v + "\"";
    if (!d.empty()) m += " digest=\"" + d + "\"";
    return m + ">" + cib + "</cibd>";
  };
  const std::vector<std::string> forged = {
      full("5:1:0", "0000000000000000-1", newer_cib),              // digest mismatch
      full("5:1:0", digest_of(invalid_cib), invalid_cib),          // right digest, invalid CIB
      full("5:9:0", digest_of(newer_cib), newer_cib),              // version not the CIB's
      full("5:1:0", "", newer_cib),                                // no digest
      full("5:1:0", digest_of(newer_cib), newer_cib + newer_cib),  // two <cib>
      "<cibd t=\"diff\" on=\"99999999999\" op=\"1\" id=\"1\"/>",   // node id beyond 32 bits
      "<cibd t=\"ack\" on=\"1\" op=\"1\" id=\"99999999999999999999\" version=\"0:1:0\"/>",
  };
  for (const auto& m : forged) REQUIRE(spy->send(m));
  c.settle();
  c.clock.advance(std::chrono::seconds(6));  // the spy never announces: the master decides
  c.settle();
  for (NodeId id = 1; id <= 2; ++id) {
    INFO("node " << id);
    CHECK(c.cib(id).refused_copies() == 5);  // the diff and the ack are ignored, not counted
    CHECK(c.cib(id).store().digest() == digest);
    CHECK(c.cib(id).store().version() == version);
    CHECK_FALSE(c.cib(id).syncing());
    CHECK_FALSE(has(c.cib(id), "//primitive[@id='forged']"));
  }
  // The group still works.
  auto after = submit(c.cib(2), create("resources", dummy("after")));
  c.settle();
  CHECK(after->result);
}

TEST_CASE("a genuine full copy is still adopted after the checks", "[untrusted]") {
  Cluster c(3, 13);
  c.settle();
  c.crash(3);
  c.settle();
  auto a = submit(c.cib(1), create("resources", dummy("while-away")));
  c.settle();
  REQUIRE(a->result);
  c.restart(3);
  c.settle();
  c.check_converged();
  CHECK(c.cib(3).refused_copies() == 0);
  CHECK(has(c.cib(3), "//primitive[@id='while-away']"));
}

}  // namespace vigil::cibd

namespace vigil::cibd {
namespace {

// A <resources> of `n` primitives whose descriptions are random letters:
// it compresses to little more than half, so it stays far above a small
// message limit once compressed.
std::string many_primitives(int n, std::uint64_t seed) {
  cluster::SimRandom rnd(seed);
  std::string out = "<resources>";
  for (int i = 0; i < n; ++i) {
    std::string text(300, ' ');
    for (char& ch : text) ch = static_cast<char>('a' + rnd.below(26));
    out += "<primitive id=\"big-" + std::to_string(i) +
           "\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\" description=\"" + text + "\"/>";
  }
  return out + "</resources>";
}

// Replicas sending through a RefusingMessaging.
Shape refusing() {
  Shape shape;
  shape.refusing = true;
  return shape;
}

// Node 2 goes down (the group settled) and node 1 creates `id` meanwhile.
void create_while_node2_down(Cluster& c, const std::string& id) {
  c.settle();
  c.crash(2);
  c.settle();
  auto a = submit(c.cib(1), create("resources", dummy(id)));
  c.settle();
  REQUIRE(a->result);
}

// Node 2's version is set apart from the group's, then node 1 creates r1:
// the diff does not follow node 2's version and node 2 asks for a resync.
void update_with_node2_behind(Cluster& c) {
  c.cib(2).mutable_store_for_test().set_version(CibVersion{0, 0, 7});
  auto a = submit(c.cib(1), create("resources", dummy("r1")));
  c.settle();
  REQUIRE(a->result);
}

// Time passes by sync_retry_max until some replica gives up (bounded).
void run_until_fatal(Cluster& c) {
  const CibNodeOptions defaults;
  for (int i = 0; i < 4 * defaults.max_sync_attempts && c.fatal.empty(); ++i) {
    c.clock.advance(defaults.sync_retry_max);
    c.settle();
  }
}

// Node 3 is down while node 1 adds many_primitives(1500): the update alone
// is far over a small message limit.
void grow_while_node3_down(Cluster& c, std::uint64_t seed) {
  c.settle();
  c.crash(3);
  c.settle();
  auto a = submit(c.cib(1), create("resources", many_primitives(1500, seed)));
  c.settle();
  REQUIRE(a->done);
  REQUIRE(a->result);
}

}  // namespace

TEST_CASE("a CIB far larger than the group's message limit reaches a node that rejoins") {
  constexpr std::size_t kLimit = 64 * 1024;  // stands for Corosync's limit
  Shape shape;
  shape.message_limit = kLimit;
  Cluster c(3, 11, shape);
  grow_while_node3_down(c, 5);  // the update itself travels in chunks too
  const std::string whole = c.cib(1).store().to_xml(false);
  REQUIRE(whole.size() > 8 * kLimit);
  // Without chunking the whole CIB could not travel at all.
  CHECK(c.members.at(1).cpg->send(whole).error().code() == ErrorCode::kInvalidInput);

  c.restart(3);
  c.settle();
  c.check_converged();
  CHECK(c.cib(3).adoptions() == 1);
  CHECK(has(c.cib(3), "//primitive[@id='big-1499']"));
  // Updates flow again, on the rejoined node too.
  auto b = submit(c.cib(3), create("resources", dummy("after")));
  c.settle();
  REQUIRE(b->result);
  c.check_converged();
  for (NodeId id = 1; id <= 3; ++id) CHECK(c.members.at(id).chunked->incoming_bytes() == 0);
}

TEST_CASE("a large copy still arriving when the retry is due is waited for, not sent again") {
  Shape shape;
  shape.message_limit = 64 * 1024;
  shape.refusing = true;
  Cluster c(3, 15, shape);
  grow_while_node3_down(c, 6);
  c.restart(3);
  // The simulator delivers the chunks to one node after the other, the
  // sender last: step until the sender holds part of its own copy (the
  // others have adopted it), then let every timer of the round fall due
  // (the master's decide, everyone's retry).
  for (int i = 0; i < 100'000 && c.members.at(1).chunked->incoming_bytes() == 0; ++i) {
    REQUIRE(c.net.deliver_next());
  }
  REQUIRE(c.members.at(1).chunked->incoming_bytes() > 0);
  CHECK(c.cib(1).syncing());
  c.clock.advance(std::chrono::seconds(10));
  c.settle();
  c.check_converged();
  CHECK(c.members.at(1).refusing->fulls == 1);                    // sent once, never again
  for (auto& [id, m] : c.members) CHECK(m.refusing->syncs == 0);  // nobody asked again
  CHECK(c.cib(3).adoptions() == 1);
}

TEST_CASE("a whole CIB that cannot be sent does not wedge the group: the sync is asked again") {
  Shape shape;
  shape.refusing = true;
  Cluster c(2, 12, shape);
  c.settle();
  auto a = submit(c.cib(1), create("resources", dummy("r1")));
  c.settle();
  REQUIRE(a->result);
  c.crash(2);
  c.settle();
  auto b = submit(c.cib(1), create("resources", dummy("r2")));
  c.settle();
  REQUIRE(b->result);

  // Node 2 comes back empty; node 1 has the newest CIB but its first three
  // attempts to send it fail.
  c.members.at(1).refusing->fail_fulls = 3;
  c.restart(2);
  c.settle();
  CHECK(c.members.at(1).refusing->refused == 1);
  CHECK(c.cib(1).syncing());
  CHECK(c.cib(2).syncing());
  // Updates wait meanwhile; they are not lost.
  auto held = submit(c.cib(1), create("resources", dummy("held")));
  c.settle();
  CHECK_FALSE(held->done);

  // The round is closed again and asked for again until the copy goes out.
  for (int i = 0; i < 20 && (c.cib(1).syncing() || c.cib(2).syncing()); ++i) {
    c.clock.advance(std::chrono::seconds(5));
    c.settle();
  }
  CHECK(c.members.at(1).refusing->refused == 3);
  REQUIRE(held->done);
  CHECK(held->result);
  c.check_converged();
  CHECK(has(c.cib(2), "//primitive[@id='r2']"));
  CHECK(has(c.cib(2), "//primitive[@id='held']"));
  CHECK(c.fatal.empty());
}

TEST_CASE("a sync that never completes is retried a bounded number of times, then fatal") {
  Shape shape;
  shape.refusing = true;
  Cluster c(2, 13, shape);
  create_while_node2_down(c, "r1");
  c.members.at(1).refusing->fail_fulls = 1'000'000;
  c.restart(2);
  c.settle();
  run_until_fatal(c);
  const CibNodeOptions defaults;
  // Both members gave up after the bound (the daemon would exit and be
  // restarted), having asked at most that many times.
  CHECK(c.fatal.size() == 2);
  CHECK(c.members.at(1).refusing->refused <= 2 * defaults.max_sync_attempts);
}

TEST_CASE("a replica that needs a resync asks again when the copy does not come") {
  Cluster c(3, 14, refusing());
  c.settle();
  c.members.at(1).refusing->fail_fulls = 1;
  update_with_node2_behind(c);
  CHECK(c.members.at(1).refusing->refused == 1);
  CHECK_FALSE(has(c.cib(2), "//primitive[@id='r1']"));
  c.clock.advance(std::chrono::seconds(10));
  c.settle();
  c.check_converged();
  CHECK(has(c.cib(2), "//primitive[@id='r1']"));
}

}  // namespace vigil::cibd

// The retry rule (replica.cpp, arm_retry) for copies refused by their
// receiver: one rule whatever stopped the round, asking once per wait.
namespace vigil::cibd {
namespace {

// Node 2 was down while node 1 created r2; it comes back empty and node 1's
// first `corrupt` whole CIBs are damaged on the way.
void rejoin_with_damaged_copies(Cluster& c, int corrupt) {
  c.settle();
  auto a = submit(c.cib(1), create("resources", dummy("r1")));
  c.settle();
  REQUIRE(a->result);
  create_while_node2_down(c, "r2");
  c.members.at(1).refusing->corrupt_fulls = corrupt;
  c.restart(2);
  c.settle();
}

// Node 2 refused one copy and lacks `id`; sync_retry later it asked again
// and holds it, as every replica does.
void adopted_after_one_refusal(Cluster& c, const std::string& id) {
  const std::string xpath = "//primitive[@id='" + id + "']";
  CHECK(c.cib(2).refused_copies() == 1);
  CHECK_FALSE(has(c.cib(2), xpath));
  c.clock.advance(CibNodeOptions{}.sync_retry);
  c.settle();
  c.check_converged();
  CHECK(has(c.cib(2), xpath));
}

}  // namespace

TEST_CASE("a copy refused in a sync is asked for once, after sync_retry, then adopted") {
  Cluster c(2, 21, refusing());
  rejoin_with_damaged_copies(c, 1);
  CHECK(c.cib(2).syncing());  // the round is not over for the one who refused
  adopted_after_one_refusal(c, "r2");
  const CibNodeOptions defaults;
  // One request for a new round, not one per mechanism.
  CHECK(c.members.at(2).refusing->syncs == 1);
  CHECK(c.members.at(1).refusing->fulls == 2);
  // Nothing more happens later.
  c.clock.advance(defaults.sync_retry_max);
  c.settle();
  CHECK(c.members.at(2).refusing->syncs == 1);
  CHECK(c.members.at(1).refusing->fulls == 2);
  CHECK(c.fatal.empty());
}

TEST_CASE("a forged copy ahead of the genuine one: the genuine one ends the round", "[untrusted]") {
  Cluster c(2, 22, refusing());
  create_while_node2_down(c, "r1");
  // A member that is no vigil-cib (it never announces: the master closes
  // each round after sync_timeout).
  auto spy = join_spy(c, 1);
  c.settle();
  const CibNodeOptions defaults;
  c.clock.advance(defaults.sync_timeout);
  c.settle();
  REQUIRE_FALSE(c.cib(1).syncing());

  c.net.start(2);
  c.boot(2);
  const std::string tag = spied_round_tag(c, *spy);
  REQUIRE(spy->send("<cibd t=\"full\" tag=\"" + tag +
                    "\" version=\"9:1:0\" digest=\"0000000000000000-1\">" + forged_cib(9) +
                    "</cibd>"));
  c.settle();
  CHECK(c.cib(2).refused_copies() == 1);
  c.clock.advance(defaults.sync_timeout);  // the master decides; node 1's copy goes out
  c.settle();
  CHECK_FALSE(c.cib(2).syncing());
  CHECK(has(c.cib(2), "//primitive[@id='r1']"));
  CHECK_FALSE(has(c.cib(2), "//primitive[@id='forged']"));
  CHECK(c.members.at(1).refusing->fulls == 1);
  // The round ended: no member asks for another one, ever.
  c.clock.advance(defaults.sync_retry_max);
  c.settle();
  for (NodeId id = 1; id <= 2; ++id) CHECK(c.members.at(id).refusing->syncs == 0);
  CHECK(c.members.at(1).refusing->fulls == 1);
  CHECK(c.fatal.empty());
}

TEST_CASE(
    "a sync whose copies are all refused is asked again a bounded number of times, then "
    "fatal") {
  Cluster c(2, 23, refusing());
  rejoin_with_damaged_copies(c, 1'000'000);
  run_until_fatal(c);
  const CibNodeOptions defaults;
  // The node that refused gives up (vigil-cib would exit and be restarted);
  // the sender, whose own copy ended its rounds, does not.
  CHECK(c.fatal.count(2) == 1);
  CHECK(c.fatal.count(1) == 0);
  const auto refused = static_cast<int>(c.cib(2).refused_copies());
  CHECK(refused >= 2);
  CHECK(refused <= defaults.max_sync_attempts);
  CHECK(c.members.at(2).refusing->syncs == defaults.max_sync_attempts - 1);
  CHECK_FALSE(has(c.cib(2), "//primitive[@id='r2']"));
}

TEST_CASE("a copy refused for a resync is asked for again") {
  Cluster c(3, 24, refusing());
  c.settle();
  c.members.at(1).refusing->corrupt_fulls = 1;
  update_with_node2_behind(c);
  adopted_after_one_refusal(c, "r1");
  CHECK(c.members.at(1).refusing->fulls == 2);
  CHECK(c.fatal.empty());
}

}  // namespace vigil::cibd
