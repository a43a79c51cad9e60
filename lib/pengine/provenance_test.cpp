// SPDX-License-Identifier: GPL-2.0-or-later
// ScoreLog, the one writer of placement scores: what it records for each
// change, and that replaying the records always gives the score.
#include "vigil/pengine/provenance.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <random>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "vigil/pengine/working_set.hpp"

namespace {

using namespace vigil;
using namespace vigil::pengine;

constexpr int kInf = kInfinity;

// A resource with a table over `n` nodes, and the nodes.
struct Table {
  Resource rsc;
  std::vector<Node> nodes;
  ScoreLog log;
  explicit Table(int n) : nodes(static_cast<std::size_t>(n)) {
    for (int i = 0; i < n; ++i) nodes[static_cast<std::size_t>(i)].index = i;
    rsc.allowed.size_for(nodes.size());
  }
  const NodeScore& at(int i) const { return rsc.allowed[static_cast<std::size_t>(i)]; }
  Node& node(int i) { return nodes[static_cast<std::size_t>(i)]; }
  std::vector<ScoreOp> ops(int i) const {
    std::vector<ScoreOp> out;
    for (const ScoreRecord* r : log.history(at(i))) out.push_back(r->op);
    return out;
  }
};

const Cause kSticky{ScoreSource::kStickiness};

}  // namespace

TEST_CASE("a node enters a table at 0 and additions saturate", "[provenance]") {
  Table t(2);
  CHECK_FALSE(t.at(0).present);
  t.log.add(t.rsc, t.node(0), 5, kSticky);
  CHECK(t.at(0).present);
  CHECK(t.at(0).weight == 5);
  t.log.add(t.rsc, t.node(0), kInf, {ScoreSource::kLocation, 3});
  CHECK(t.at(0).weight == kInf);
  // -INFINITY wins over +INFINITY, and stays.
  t.log.add(t.rsc, t.node(0), -kInf, {ScoreSource::kFailLimit, -1, 2});
  t.log.add(t.rsc, t.node(0), kInf, {ScoreSource::kLocation, 4});
  CHECK(t.at(0).weight == -kInf);
  auto h = t.log.history(t.at(0));
  REQUIRE(h.size() == 4);
  CHECK(h[0]->source == ScoreSource::kStickiness);
  CHECK(h[1]->ref == 3);
  CHECK(h[2]->aux == 2);
  CHECK(h[2]->result == -kInf);
  CHECK(h[3]->value == kInf);
  CHECK(h[3]->result == -kInf);
  CHECK(replay_scores(h) == -kInf);
  CHECK(t.log.score(t.at(0)) == -kInf);
  // The other node saw nothing.
  CHECK_FALSE(t.at(1).present);
  CHECK(t.log.history(t.at(1)).empty());
  CHECK(t.log.score(t.at(1)) == 0);
}

TEST_CASE("adding 0 records only what enters the table or was configured", "[provenance]") {
  Table t(1);
  t.log.add(t.rsc, t.node(0), 0, {ScoreSource::kSymmetric});
  t.log.add(t.rsc, t.node(0), 0, {ScoreSource::kSymmetric});  // changes nothing
  t.log.add(t.rsc, t.node(0), 0, {ScoreSource::kLocation, 0});
  auto h = t.log.history(t.at(0));
  REQUIRE(h.size() == 2);
  CHECK(h[0]->source == ScoreSource::kSymmetric);
  CHECK(h[1]->source == ScoreSource::kLocation);
}

TEST_CASE("a set replaces the score whatever it was", "[provenance]") {
  Table t(1);
  t.log.add(t.rsc, t.node(0), -kInf, kSticky);
  t.log.set(t.rsc, t.node(0), 7, {ScoreSource::kColocationUndo, 0});
  CHECK(t.at(0).weight == 7);
  CHECK(t.ops(0) == std::vector<ScoreOp>{ScoreOp::kAdd, ScoreOp::kSet});
  CHECK(replay_scores(t.log.history(t.at(0))) == 7);
  // Values beyond INFINITY are clamped, as everywhere in score arithmetic.
  t.log.set(t.rsc, t.node(0), 5 * kInf, kSticky);
  CHECK(t.at(0).weight == kInf);
}

TEST_CASE("a commit records the nodes a draft changed, as additions when it can", "[provenance]") {
  Table t(4);
  for (int i = 0; i < 3; ++i) t.log.add(t.rsc, t.node(i), 10, kSticky);
  t.log.add(t.rsc, t.node(2), kInf, kSticky);
  ScoreDraft d = t.rsc.allowed.draft();
  d[0].weight = 60;  // +50
  d[1].weight = 10;  // unchanged: no record
  d[2].weight = 1;   // from INFINITY: only a set gets there
  d[3].weight = 99;  // not present in the draft either: ignored
  auto before = t.log.records().size();
  t.log.commit(t.rsc, d, {ScoreSource::kColocatedPrefs, 5});
  CHECK(t.log.records().size() == before + 2);
  CHECK(t.at(0).weight == 60);
  CHECK(t.log.history(t.at(0)).back()->op == ScoreOp::kAdd);
  CHECK(t.log.history(t.at(0)).back()->value == 50);
  CHECK(t.log.history(t.at(0)).back()->ref == 5);
  CHECK(t.at(1).weight == 10);
  CHECK(t.at(2).weight == 1);
  CHECK(t.log.history(t.at(2)).back()->op == ScoreOp::kSet);
  CHECK_FALSE(t.at(3).present);
  SECTION("a difference beyond what addition can express is a set") {
    Table u(1);
    u.log.add(u.rsc, u.node(0), -900000, kSticky);
    ScoreDraft e = u.rsc.allowed.draft();
    e[0].weight = 900000;
    u.log.commit(u.rsc, e, kSticky);
    CHECK(u.at(0).weight == 900000);
    CHECK(u.log.history(u.at(0)).back()->op == ScoreOp::kSet);
  }
  SECTION("a draft of another size is a programming error") {
    CHECK_THROWS_AS(t.log.commit(t.rsc, ScoreDraft(2), kSticky), std::logic_error);
  }
}

TEST_CASE("replaying the records gives every score, whatever the changes", "[provenance]") {
  // Seeded, so every run checks the same sequences.
  std::mt19937 rng(20251125);
  const std::vector<int> values{0,    1,     -1,    50,    -50, 999999, -999999,
                                kInf, -kInf, 12345, 40000, -7,  500000, -500000};
  std::uniform_int_distribution<std::size_t> pick(0, values.size() - 1);
  std::uniform_int_distribution<int> node(0, 4), what(0, 9);
  Table t(5);
  for (int step = 0; step < 2000; ++step) {
    int n = node(rng), w = what(rng), v = values[pick(rng)];
    if (w < 6) {
      t.log.add(t.rsc, t.node(n), v, kSticky);
    } else if (w < 8) {
      t.log.set(t.rsc, t.node(n), v, kSticky);
    } else {
      ScoreDraft d = t.rsc.allowed.draft();
      for (auto& e : d) {
        if (e.present && what(rng) < 5) e.weight = values[pick(rng)];
      }
      t.log.commit(t.rsc, d, kSticky);
    }
  }
  for (int i = 0; i < 5; ++i) {
    INFO("node " << i);
    CHECK(replay_scores(t.log.history(t.at(i))) == t.at(i).weight);
    CHECK(t.log.score(t.at(i)) == t.at(i).weight);
  }
}

TEST_CASE("records are small, plain values", "[provenance]") {
  // Hundreds of thousands are made per run at scale: no strings in them.
  CHECK(sizeof(ScoreRecord) <= 32);
  CHECK(std::is_trivially_copyable_v<ScoreRecord>);
}

TEST_CASE("a table is sized once, before any score", "[provenance]") {
  Table t(2);
  t.rsc.allowed.size_for(3);  // still empty: fine
  CHECK(t.rsc.allowed.size() == 3);
  t.log.add(t.rsc, t.node(0), 1, kSticky);
  CHECK_THROWS_AS(t.rsc.allowed.size_for(3), std::logic_error);
}

TEST_CASE("a failure record names the history entry", "[provenance]") {
  Table t(1);
  cib::OpHistory op;
  op.id = "svc_last_failure_0";
  auto ref = t.log.remember(&op);
  t.log.add(t.rsc, t.node(0), -kInf, {ScoreSource::kHardError, ref});
  CHECK(t.log.op(t.log.history(t.at(0)).front()->ref) == &op);
  CHECK(t.log.op(-1) == nullptr);
  CHECK(t.log.op(ref + 1) == nullptr);
}
