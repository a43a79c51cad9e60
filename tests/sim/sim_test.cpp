// SPDX-License-Identifier: GPL-2.0-or-later
// Seeded whole-cluster simulation (FoundationDB's approach): the textbook
// cluster (group myweb = VIP + Web, Web prefers node1 over node2, stonith
// disabled) on 2 or 3 simulated nodes, each running the real CIB replica,
// executor (over simulated agents), scheduler and controller. A seed draws
// a sequence of faults: node crashes and restarts, clean shutdowns,
// partitions and heals, message delay, loss and clogging, resources dying
// monitors failing or hanging, starts failing or hanging, stops failing,
// vigil-crmd alone dying and being respawned.
// Checked:
//  - safety, at every start an agent completes: the resource is not active
//    on two nodes of one quorate partition whose membership had been stable
//    (a start in flight across a merge is the multiply-active case that
//    Pacemaker, too, can only repair after the fact without fencing);
//  - durability: every CIB update acknowledged while the whole cluster was
//    up and connected is in every replica at the end (one acknowledged by a
//    partial cluster may lose against the other side's newer CIB at a
//    merge: newest wins, as in Pacemaker);
//  - liveness: once faults stop (network healed, every node up, failures
//    cleaned up as an administrator would), the group runs on node1 again
//    within a bounded simulated time, and nowhere else.
// A failing seed prints itself and the tail of the cluster's log; replay it
// with VIGIL_SIM_SEED=N (VIGIL_SIM_SEEDS=K runs K seeds from 1).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <iostream>
#include <set>

#include "vigil/cibclient/access.hpp"
#include "vigil/cibd/replica.hpp"
#include "vigil/cluster/sim_node.hpp"
#include "vigil/cluster/sim_random.hpp"
#include "vigil/controller/testing/sim_cluster.hpp"
#include "vigil/controller/testing/web_cib.hpp"

using namespace vigil;
using namespace vigil::controller;
using namespace vigil::controller::testing;
using namespace std::chrono_literals;

namespace {

constexpr Duration kEscalation = std::chrono::minutes(2);
// Liveness bound once faults stop: this many rounds of (30 s, then cleanup).
constexpr int kCleanupRounds = 6;

struct Stats {
  std::size_t seeds = 0, faults = 0, start_checks = 0, markers = 0, liveness = 0;
};

class Scenario {
 public:
  explicit Scenario(std::uint64_t seed)
      : seed_(seed),
        rng_(seed * 0x9E3779B97F4A7C15ULL + 1),
        nodes_(2 + static_cast<int>(seed % 2)) {
    WebCibOptions web;
    web.nodes = nodes_;
    SimClusterOptions o;
    o.nodes = nodes_;
    o.seed = seed;
    o.cib_xml = web_cluster_cib(web);
    o.controller.shutdown_escalation = kEscalation;
    cluster_ = std::make_unique<SimCluster>(o);
    cluster_->world().set_observer(
        [this](const std::string& node, const std::string& rsc, const std::string& action, int rc) {
          if (action == "start" && rc == 0) check_start(node, rsc);
        });
  }

  // Returns an empty string when every invariant held, else what failed.
  std::string run(Stats& stats) {
    SimCluster& c = *cluster_;
    c.start_all();
    if (!c.run_until([&] { return home(); }, 60s))
      return fail("the cluster never started the group");
    const int steps = 6 + static_cast<int>(rng_.below(8));
    for (int i = 0; i < steps && violation_.empty(); ++i) {
      inject_fault();
      ++stats.faults;
      maybe_write_marker();
      c.run_for(Duration(rng_.between(200, 12000)));
    }
    if (!violation_.empty()) return fail(violation_);
    // Faults stop.
    c.note("== faults stop");
    // Clean shutdowns in progress finish first (bounded by the escalation).
    c.run_until(
        [&] {
          for (int i = 1; i <= nodes_; ++i) {
            auto* ctl = c.controller(static_cast<cluster::NodeId>(i));
            if (ctl && ctl->status().shutting_down) return false;
          }
          return true;
        },
        kEscalation + 10s);
    c.net().heal();
    c.net().set_latency(cluster::SimTime(50), cluster::SimTime(500));
    for (int i = 1; i <= nodes_; ++i) c.net().set_loss(static_cast<cluster::NodeId>(i), 0.0);
    for (int i = 1; i <= nodes_; ++i) {
      auto id = static_cast<cluster::NodeId>(i);
      if (!c.up(id)) c.start(id);
    }
    topology_changed();
    // Leftover failures (fail counts, blocked stops) are cleaned up as an
    // administrator would, until the group is home or the bound is reached.
    bool is_home = false;
    for (int round = 0; round < kCleanupRounds && !is_home; ++round) {
      is_home = c.run_until([&] { return home(); }, 30s);
      if (is_home) break;
      if (auto* ctl = c.controller(1)) {
        (void)ctl->cleanup("VIP", "");
        (void)ctl->cleanup("Web", "");
      }
    }
    if (!is_home) {
      return fail("liveness: the group is not back on node1 (VIP on " +
                  list(c.world().nodes_running("VIP")) + ", Web on " +
                  list(c.world().nodes_running("Web")) + ")");
    }
    ++stats.liveness;
    c.run_for(2s);
    // Durability of acknowledged updates.
    for (int i = 1; i <= nodes_; ++i) {
      std::string xml = c.cib_xml(static_cast<cluster::NodeId>(i));
      for (int m : acked_markers_) {
        if (xml.find("name=\"sim-marker-" + std::to_string(m) + "\"") == std::string::npos) {
          return fail("durability: acknowledged update sim-marker-" + std::to_string(m) +
                      " is missing on node" + std::to_string(i));
        }
      }
    }
    stats.markers += acked_markers_.size();
    stats.start_checks += start_checks_;
    if (!violation_.empty()) return fail(violation_);
    return {};
  }

 private:
  static std::string list(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
    return s.empty() ? "nowhere" : s;
  }

  std::string fail(const std::string& what) {
    return "seed " + std::to_string(seed_) + " (" + std::to_string(nodes_) + " nodes): " + what +
           "\nreplay: VIGIL_SIM_SEED=" + std::to_string(seed_) + "\n" + cluster_->dump(150) +
           (std::getenv("VIGIL_SIM_CIB") ? "\nCIB of node1:\n" + cluster_->cib_xml(1) : "");
  }

  bool home() {
    SimCluster& c = *cluster_;
    if (c.world().nodes_running("VIP") != std::vector<std::string>{"node1"}) return false;
    if (c.world().nodes_running("Web") != std::vector<std::string>{"node1"}) return false;
    auto dc = c.agreed_dc();
    if (dc == cluster::kNoNode || !c.controller(dc)) return false;
    auto st = c.controller(dc)->status();
    return st.transition == TransitionState::kIdle;
  }

  void topology_changed() {
    last_topology_change_ = cluster_->net().now();
    ++topology_gen_;
  }

  // Safety at the moment a start completes.
  void check_start(const std::string& node, const std::string& rsc) {
    SimCluster& c = *cluster_;
    ++start_checks_;
    if (c.net().now() - last_topology_change_ < std::chrono::seconds(3)) return;
    for (const auto& part : c.net().partitions()) {
      bool quorate = false, has_node = false;
      for (auto id : part) {
        if (c.net().node(id).quorate()) quorate = true;
        if (SimCluster::name_of(id) == node) has_node = true;
      }
      if (!has_node || !quorate) continue;
      std::vector<std::string> in_part;
      for (const auto& n : c.world().nodes_running(rsc)) {
        for (auto id : part) {
          if (SimCluster::name_of(id) == n) in_part.push_back(n);
        }
      }
      if (in_part.size() > 1 && violation_.empty()) {
        violation_ = "safety: " + rsc + " started on " + node + " while active on " +
                     list(in_part) + " in one quorate partition";
      }
    }
  }

  std::vector<cluster::NodeId> up_nodes() {
    std::vector<cluster::NodeId> v;
    for (int i = 1; i <= nodes_; ++i) {
      if (cluster_->up(static_cast<cluster::NodeId>(i)))
        v.push_back(static_cast<cluster::NodeId>(i));
    }
    return v;
  }

  cluster::NodeId any_node() { return static_cast<cluster::NodeId>(1 + rng_.below(nodes_)); }

  void inject_fault() {
    SimCluster& c = *cluster_;
    auto up = up_nodes();
    switch (rng_.below(12)) {
      case 0: {  // crash
        if (up.size() <= 1) break;
        auto id = up[rng_.below(up.size())];
        c.crash(id);
        topology_changed();
        break;
      }
      case 1: {  // restart what is down
        for (int i = 1; i <= nodes_; ++i) {
          auto id = static_cast<cluster::NodeId>(i);
          if (!c.up(id)) {
            c.note("== fault: restart " + SimCluster::name_of(id));
            c.start(id);
            topology_changed();
            break;
          }
        }
        break;
      }
      case 2: {  // partition
        std::vector<cluster::NodeId> a, b;
        for (int i = 1; i <= nodes_; ++i) {
          (rng_.chance(0.5) ? a : b).push_back(static_cast<cluster::NodeId>(i));
        }
        c.note("== fault: partition");
        c.net().partition({a, b});
        topology_changed();
        break;
      }
      case 3:
        c.note("== fault: heal");
        c.net().heal();
        topology_changed();
        break;
      case 4: {  // delay
        auto max = rng_.between(500, 40000);
        c.note("== fault: latency up to " + std::to_string(max) + "us");
        c.net().set_latency(cluster::SimTime(50), cluster::SimTime(max));
        break;
      }
      case 5: {  // loss or clogging
        auto id = any_node();
        if (rng_.chance(0.5)) {
          c.note("== fault: loss on " + SimCluster::name_of(id));
          c.net().set_loss(id, 0.05 + rng_.unit() * 0.2);
        } else {
          c.note("== fault: clog " + SimCluster::name_of(id));
          c.net().clog(id, cluster::SimTime(rng_.between(100'000, 3'000'000)));
        }
        topology_changed();
        break;
      }
      case 6:
      case 7: {  // a resource dies, or its monitor fails or hangs
        std::string rsc = rng_.chance(0.5) ? "VIP" : "Web";
        auto where = c.world().nodes_running(rsc);
        if (where.empty()) break;
        const std::string& node = where[rng_.below(where.size())];
        auto kind = rng_.below(3);
        c.note("== fault: " + rsc + " on " + node +
               (kind == 0   ? " dies"
                : kind == 1 ? " monitor fails"
                            : " monitor hangs"));
        if (kind == 0) {
          c.world().kill_resource(node, rsc);
        } else if (kind == 1) {
          c.world().fail_next(node, rsc, "monitor", 1);
        } else {
          c.world().hang_next(node, rsc, "monitor");
        }
        break;
      }
      case 9: {  // the next start or stop of a resource somewhere fails or hangs
        std::string rsc = rng_.chance(0.5) ? "VIP" : "Web";
        auto node = SimCluster::name_of(any_node());
        auto kind = rng_.below(3);
        const char* action = kind == 2 ? "stop" : "start";
        c.note("== fault: next " + std::string(action) + " of " + rsc + " on " + node +
               (kind == 1 ? " hangs" : " fails"));
        if (kind == 1) {
          c.world().hang_next(node, rsc, action);
        } else {
          c.world().fail_next(node, rsc, action, 1);
        }
        break;
      }
      case 10: {  // vigil-crmd alone dies and vigild respawns it
        if (up.empty()) break;
        auto id = up[rng_.below(up.size())];
        c.kill_controller(id);
        c.run_for(Duration(rng_.between(100, 3000)));
        c.start_controller(id);
        topology_changed();
        break;
      }
      case 8: {  // clean shutdown (restarted by a later fault or at the end)
        if (up.size() <= 1) break;
        c.shutdown(up[rng_.below(up.size())]);
        topology_changed();
        break;
      }
      default:  // quiet period
        break;
    }
  }

  bool whole() {
    return cluster_->net().partitions().size() == 1 &&
           up_nodes().size() == static_cast<std::size_t>(nodes_);
  }

  // Writes a marker through a random node while the whole cluster is up and
  // connected (an update acknowledged by a partial cluster can lose against
  // the other side's newer CIB at a merge, by design).
  void maybe_write_marker() {
    SimCluster& c = *cluster_;
    if (!whole()) return;
    auto up = up_nodes();
    auto id = up[rng_.below(up.size())];
    auto* access = c.cib_access(id);
    if (!access) return;
    const int m = next_marker_++;
    std::string xml = "<cluster_property_set id=\"sim-markers\"><nvpair id=\"sim-marker-" +
                      std::to_string(m) + "\" name=\"sim-marker-" + std::to_string(m) +
                      "\" value=\"" + std::to_string(m) + "\"/></cluster_property_set>";
    cibclient::UpdateOptions create;
    create.allow_create = true;
    access->modify(
        "crm_config", xml,
        [this, m, gen = topology_gen_](Result<cibclient::CibReply> r) {
          // Counted only when nothing happened to the cluster in between
          // (an update sent before a split may be acknowledged by a side
          // that then loses the merge).
          if (r && whole() && topology_gen_ == gen) acked_markers_.push_back(m);
        },
        create);
  }

  std::uint64_t seed_;
  cluster::SimRandom rng_;
  int nodes_;
  std::unique_ptr<SimCluster> cluster_;
  std::string violation_;
  cluster::SimTime last_topology_change_{0};
  std::uint64_t topology_gen_ = 0;
  std::vector<int> acked_markers_;
  int next_marker_ = 1;
  std::size_t start_checks_ = 0;
};

std::vector<std::uint64_t> seeds_to_run() {
  if (const char* s = std::getenv("VIGIL_SIM_SEED")) return {std::strtoull(s, nullptr, 10)};
  std::uint64_t n = 100;
  if (const char* s = std::getenv("VIGIL_SIM_SEEDS")) n = std::strtoull(s, nullptr, 10);
  std::vector<std::uint64_t> v;
  for (std::uint64_t i = 1; i <= n; ++i) v.push_back(i);
  return v;
}

}  // namespace

TEST_CASE("seeded whole-cluster simulation: safety, durability and liveness under faults") {
  Stats stats;
  std::vector<std::string> failures;
  for (auto seed : seeds_to_run()) {
    Scenario s(seed);
    std::string f = s.run(stats);
    ++stats.seeds;
    if (!f.empty()) failures.push_back(f);
  }
  std::cout << "sim: seeds=" << stats.seeds << " faults=" << stats.faults
            << " start-checks=" << stats.start_checks << " acked-updates-checked=" << stats.markers
            << " liveness-ok=" << stats.liveness << " failed=" << failures.size() << "\n";
  for (const auto& f : failures) FAIL_CHECK(f);
  CHECK(stats.liveness + failures.size() == stats.seeds);
}
