// SPDX-License-Identifier: GPL-2.0-or-later
// CommitQueue on its own and inside CibNode: an update is acknowledged only
// once on the master's disk, a failed write refuses and undoes it, writing
// resumes when the disk has room, peers write behind.
#include "vigil/cibd/commit.hpp"

#include <catch2/catch.hpp>
#include <memory>

#include "vigil/cibd/loopback.hpp"
#include "vigil/cibd/persist.hpp"
#include "vigil/cibd/replica.hpp"
#include "vigil/cluster/sim_network.hpp"
#include "vigil/cluster/sim_node.hpp"
#include "vigil/common/mem_disk.hpp"

namespace vigil::cibd {
namespace {

using namespace std::chrono_literals;

CibRequest create(const std::string& id) {
  CibRequest r;
  r.op = CibOp::kCreate;
  r.scope = "resources";
  r.payload = "<primitive id=\"" + id + "\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"/>";
  r.client = "test";
  return r;
}

CibRequest status_update(const std::string& node_id) {
  CibRequest r;
  r.op = CibOp::kModify;
  r.scope = "status";
  r.payload = "<status><node_state id=\"" + node_id + "\" uname=\"n" + node_id + "\"/></status>";
  r.client = "crmd";
  return r;
}

bool has(const Store& s, const std::string& id) {
  return s.query("//primitive[@id='" + id + "']").ok();
}

// A writer that records what it wrote and fails while told to.
struct FakeDisk {
  std::vector<std::string> written;  // digests
  std::vector<bool> backups;
  std::optional<std::string> failing;
  CibWriter writer() {
    return [this](const Store& s, bool keep_backup) -> Status {
      if (failing) return Error(ErrorCode::kIo, *failing);
      written.push_back(s.digest());
      backups.push_back(keep_backup);
      return ok_status();
    };
  }
};

// A queue over an empty store, writing to a FakeDisk.
struct QueueOnFakeDisk {
  ManualClock clock;
  Store store = Store::empty();
  CommitQueue q{clock, store};
  FakeDisk disk;
  QueueOnFakeDisk() { q.set_writer(disk.writer(), CommitOptions{0ms, 4, 1000ms, 1000ms}); }
};

}  // namespace

TEST_CASE("store undo: a series of updates taken back newest first leaves the exact CIB") {
  Store store = Store::empty();
  REQUIRE(store.apply(create("base"), UpdateMeta{"n1", "t", "root", 0}));
  REQUIRE(store.apply(status_update("1"), UpdateMeta{"n1", "crmd", "hacluster", 0}));
  const std::string xml = store.to_xml();
  const std::string digest = store.digest();
  const CibVersion version = store.version();
  std::vector<StoreUndo> undos;
  auto apply = [&](CibRequest r) {
    undos.emplace_back();
    REQUIRE(store.apply(r, UpdateMeta{"n2", "x", "root", 7}, true, undos.back()));
    CHECK(undos.back().active());
  };
  apply(create("a"));
  CibRequest modify;
  modify.op = CibOp::kModify;
  modify.scope = "resources";
  modify.payload = R"(<primitive id="base" description="changed"/>)";
  apply(modify);
  apply(status_update("2"));
  CibRequest del;
  del.op = CibOp::kDelete;
  del.scope = "//primitive[@id='base']";
  apply(del);
  CibRequest whole;  // on a copy of the document
  whole.op = CibOp::kReplace;
  whole.payload = store.to_xml();
  whole.force = true;
  apply(whole);
  apply(create("b"));
  CHECK(store.digest() != digest);
  while (!undos.empty()) {
    store.undo(std::move(undos.back()));
    undos.pop_back();
  }
  CHECK(store.to_xml() == xml);
  CHECK(store.digest() == digest);
  CHECK(store.version() == version);
  CHECK(cib_digest(store.doc()) == digest);  // recomputed from the tree, not remembered
  // And it goes on from there.
  REQUIRE(store.apply(create("c"), UpdateMeta{"n1", "t", "root", 0}));
  CHECK(store.version().epoch == version.epoch + 1);
}

TEST_CASE_METHOD(QueueOnFakeDisk,
                 "commit queue: held updates wait for one shared write, at most one per interval") {
  q.set_writer(disk.writer(), CommitOptions{200ms, 4, 1000ms, 1000ms});
  std::vector<std::string> order;
  for (const std::string id : {"a", "b"}) {
    StoreUndo undo;
    REQUIRE(store.apply(create(id), UpdateMeta{"n1", "t", "root", 0}, true, undo));
    q.hold(
        std::move(undo), true, [&order, id] { order.push_back(id); }, [](const Error&) {});
  }
  CHECK(order.empty());  // nothing acknowledged before the write
  CHECK(q.held() == 2);
  clock.run_due();
  REQUIRE(disk.written.size() == 1);  // one write for both
  CHECK(disk.written[0] == store.digest());
  CHECK(disk.backups[0]);
  CHECK(order == std::vector<std::string>{"a", "b"});
  // The next update comes 50 ms later: it waits for the interval.
  clock.advance(50ms);
  StoreUndo undo;
  REQUIRE(store.apply(create("c"), UpdateMeta{"n1", "t", "root", 0}, true, undo));
  q.hold(
      std::move(undo), true, [&order] { order.push_back("c"); }, [](const Error&) {});
  clock.advance(100ms);
  CHECK(order.size() == 2);
  clock.advance(50ms);
  CHECK(order.size() == 3);
  CHECK(disk.written.size() == 2);
}

TEST_CASE("commit queue: a slow write spaces the next ones by four times its length") {
  ManualClock clock;
  Store store = Store::empty();
  CommitQueue q(clock, store);
  std::size_t writes = 0;
  // Each write takes 300 ms of the clock.
  q.set_writer(
      [&](const Store&, bool) -> Status {
        ++writes;
        clock.advance(300ms);
        return ok_status();
      },
      CommitOptions{200ms, 4, 1000ms, 1000ms});
  REQUIRE(store.apply(create("a"), UpdateMeta{"n1", "t", "root", 0}));
  q.behind(true);
  q.flush();
  REQUIRE(writes == 1);
  bool acked = false;
  StoreUndo undo;
  REQUIRE(store.apply(create("b"), UpdateMeta{"n1", "t", "root", 0}, true, undo));
  q.hold(
      std::move(undo), true, [&acked] { acked = true; }, [](const Error&) {});
  clock.advance(1199ms);
  CHECK_FALSE(acked);
  CHECK(writes == 1);
  q.flush();  // what a view change or stop does: at once
  CHECK(acked);
  CHECK(writes == 2);
}

TEST_CASE_METHOD(
    QueueOnFakeDisk,
    "commit queue: a failed write undoes and refuses every held update, then retries") {
  REQUIRE(store.apply(create("kept"), UpdateMeta{"n1", "t", "root", 0}));
  const std::string digest = store.digest();
  const CibVersion version = store.version();
  disk.failing = "write /x/cib.xml.tmp-1: No space left on device";
  std::vector<std::string> refused;
  bool acked = false;
  // One in place, one on a copy of the whole document (replace of <cib>).
  StoreUndo u1;
  REQUIRE(store.apply(create("lost"), UpdateMeta{"n1", "t", "root", 0}, true, u1));
  q.hold(
      std::move(u1), true, [&acked] { acked = true; },
      [&refused](const Error& e) { refused.push_back(e.message()); });
  StoreUndo u2;
  CibRequest whole;
  whole.op = CibOp::kReplace;
  whole.payload = store.to_xml();
  whole.force = true;
  REQUIRE(store.apply(whole, UpdateMeta{"n1", "t", "root", 0}, true, u2));
  q.hold(
      std::move(u2), true, [&acked] { acked = true; },
      [&refused](const Error& e) { refused.push_back(e.message()); });
  clock.run_due();
  CHECK_FALSE(acked);
  REQUIRE(refused.size() == 2);
  CHECK(refused[0].find("No space left on device") != std::string::npos);
  REQUIRE(q.failure());
  // Not ahead of the disk: exactly the CIB before them.
  CHECK(store.digest() == digest);
  CHECK(store.version() == version);
  CHECK_FALSE(has(store, "lost"));
  CHECK(has(store, "kept"));
  CHECK(store.to_xml().find("lost") == std::string::npos);
  // Retried every second while failing; the first success clears it.
  clock.advance(1000ms);
  CHECK(q.failure());
  disk.failing.reset();
  clock.advance(1000ms);
  CHECK_FALSE(q.failure());
  REQUIRE(disk.written.size() == 1);
  CHECK(disk.written[0] == digest);
  CHECK(clock.pending_timers() == 0);
}

TEST_CASE_METHOD(QueueOnFakeDisk,
                 "commit queue: changes the group has are written behind, coalesced") {
  for (const std::string id : {"1", "2", "3"}) {
    REQUIRE(store.apply(status_update(id), UpdateMeta{"n1", "crmd", "hacluster", 0}));
    q.behind(false);
    clock.advance(100ms);
  }
  CHECK(disk.written.empty());
  clock.advance(800ms);
  REQUIRE(disk.written.size() == 1);
  CHECK_FALSE(disk.backups[0]);
  // A configuration change goes at once; flush() writes what is left.
  REQUIRE(store.apply(create("c"), UpdateMeta{"n1", "t", "root", 0}));
  q.behind(true);
  clock.run_due();
  CHECK(disk.written.size() == 2);
  CHECK(disk.backups[1]);
  REQUIRE(store.apply(status_update("4"), UpdateMeta{"n1", "crmd", "hacluster", 0}));
  q.behind(false);
  q.flush();
  CHECK(disk.written.size() == 3);
  q.flush();  // nothing left: no write
  CHECK(disk.written.size() == 3);
}

namespace {

// A request's answer, once it came.
using Answer = std::shared_ptr<std::optional<Result<CibReply>>>;
Answer ask(CibNode& n, CibRequest r) {
  auto out = std::make_shared<std::optional<Result<CibReply>>>();
  n.submit(std::move(r), [out](Result<CibReply> res) { out->emplace(std::move(res)); });
  return out;
}

// vigil-cib --standalone on a MemDisk: a group of one, CibFiles as writer.
struct Standalone {
  ManualClock clock;
  MemDisk disk;
  LoopbackMessaging loop{clock, cluster::GroupMember{1, 100}};
  CibFiles files = open();
  std::unique_ptr<CibNode> node;

  Standalone() {
    auto loaded = files.load();
    REQUIRE(loaded);
    node = std::make_unique<CibNode>(loop, clock, std::move(loaded->store));
    node->set_writer([this](const Store& s, bool backup) { return files.write(s, backup); },
                     CommitOptions{0ms, 4, 1000ms, 1000ms});
    REQUIRE(node->start());
    clock.run_due();
  }
  CibFiles open() {
    auto f = CibFiles::open("/state/cib", {}, disk);
    REQUIRE(f);
    return std::move(f).value();
  }
  Result<CibReply> update(CibRequest r) {
    Answer a = ask(*node, std::move(r));
    for (int i = 0; i < 20 && !a->has_value(); ++i) clock.run_due();
    REQUIRE(a->has_value());
    return **a;
  }
  // What a restarted vigil-cib loads.
  Store reload() {
    auto loaded = open().load();
    REQUIRE(loaded);
    CHECK_FALSE(loaded->problem);
    return std::move(loaded->store);
  }
};

// Two replicas over SimNetwork, each with a FakeDisk.
struct TwoNodes {
  cluster::SimNetwork net{options()};
  ManualClock clock;
  FakeDisk disks[2];
  std::vector<std::unique_ptr<cluster::SimCpg>> cpgs;
  std::vector<std::unique_ptr<CibNode>> nodes;
  int m = 0;  // the master's index

  static cluster::SimOptions options() {
    cluster::SimOptions o;
    o.trace = false;
    return o;
  }
  TwoNodes() {
    net.add_node(1, "node1");
    net.add_node(2, "node2");
    net.start_all();
    for (int i = 0; i < 2; ++i) {
      auto cpg = net.node(static_cast<cluster::NodeId>(i + 1)).connect_cpg();
      REQUIRE(cpg);
      cpgs.push_back(std::move(cpg).value());
      CibNodeOptions no;
      no.node_name = "node" + std::to_string(i + 1);
      nodes.push_back(std::make_unique<CibNode>(*cpgs.back(), clock, Store::empty(), no));
      nodes.back()->set_writer(disks[i].writer(), CommitOptions{0ms, 4, 500ms, 500ms});
      REQUIRE(nodes.back()->start());
    }
    run();
    m = nodes[0]->is_master() ? 0 : 1;
  }
  // Messages and zero-delay timers until both are quiet (bounded).
  void run() {
    for (int i = 0; i < 50; ++i) {
      net.run_until_idle(10'000);
      clock.run_due();
    }
  }
  // A request from one node's client, answered once the group ran.
  Result<CibReply> update(CibNode& n, CibRequest r) {
    Answer a = ask(n, std::move(r));
    run();
    REQUIRE(a->has_value());
    return **a;
  }
  CibNode& master() { return *nodes[m]; }
  CibNode& peer() { return *nodes[1 - m]; }
  FakeDisk& master_disk() { return disks[m]; }
  FakeDisk& peer_disk() { return disks[1 - m]; }
};

}  // namespace

TEST_CASE("a node whose disk is full refuses the update, and accepts again once it has room") {
  Standalone s;
  REQUIRE(s.update(create("r1")));
  const std::string acked = s.node->store().digest();
  s.disk.set_capacity(s.disk.contents("/state/cib/cib.xml")->size() + 64);

  auto refused = s.update(create("r2"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kIo);
  CHECK(refused.error().message().find("not applied") != std::string::npos);
  CHECK(refused.error().message().find("No space left on device") != std::string::npos);
  CHECK(s.node->store().digest() == acked);  // undone: memory is not ahead of the disk
  CHECK_FALSE(has(s.node->store(), "r2"));
  REQUIRE(s.node->disk_failure());

  // Further updates are refused at once, queries still work.
  auto gated = s.update(status_update("1"));
  REQUIRE_FALSE(gated);
  CHECK(gated.error().message().find("refused until a write succeeds") != std::string::npos);
  CHECK(s.node->query("resources"));
  CHECK(s.reload().digest() == acked);

  // Room again: the retry succeeds within a second, updates work.
  s.disk.set_capacity(std::nullopt);
  s.clock.advance(1000ms);
  CHECK_FALSE(s.node->disk_failure());
  REQUIRE(s.update(create("r2")));
  CHECK(has(s.reload(), "r2"));
  CHECK(s.reload().digest() == s.node->store().digest());
}

TEST_CASE("a peer whose disk fails keeps the group's change, writes it later, refuses its own") {
  TwoNodes c;
  c.peer_disk().failing = "write cib.xml.tmp-1: No space left on device";
  // Acknowledged: on the master's disk, in every replica.
  REQUIRE(c.update(c.peer(), create("p1")));
  CHECK(c.master_disk().written.back() == c.master().store().digest());
  CHECK(has(c.peer().store(), "p1"));
  // The peer's own write failed: it keeps the change (the group has it)
  // and refuses its clients' updates until it can write.
  REQUIRE(c.peer().disk_failure());
  Answer b = ask(c.peer(), create("p2"));
  REQUIRE(b->has_value());
  CHECK_FALSE(**b);
  // The master's clients are not affected.
  REQUIRE(c.update(c.master(), create("m1")));
  CHECK(has(c.peer().store(), "m1"));
  // Room again: the peer writes the group's CIB and accepts updates.
  c.peer_disk().failing.reset();
  c.clock.advance(500ms);
  c.run();
  CHECK_FALSE(c.peer().disk_failure());
  CHECK(c.peer_disk().written.back() == c.peer().store().digest());
  REQUIRE(c.update(c.peer(), create("p2")));
}

TEST_CASE("the master's failed write refuses a peer's update everywhere") {
  TwoNodes c;
  c.master_disk().failing = "fsync cib.xml.tmp-1: Input/output error";
  const auto refused = c.update(c.peer(), create("x"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message().find("Input/output error") != std::string::npos);
  CHECK(refused.error().message().find("on node" + std::to_string(c.m + 1)) != std::string::npos);
  CHECK_FALSE(has(c.master().store(), "x"));
  CHECK_FALSE(has(c.peer().store(), "x"));
  CHECK(c.master().store().digest() == c.peer().store().digest());
}

}  // namespace vigil::cibd
