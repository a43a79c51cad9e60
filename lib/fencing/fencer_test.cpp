// SPDX-License-Identifier: GPL-2.0-or-later
// The behaviours of Pacemaker's fencer regression suite (cts-fencing), on
// one node with scripted agents and a manual clock.
#include <catch2/catch.hpp>

#include "fencer_harness.hpp"

using namespace vigil;
using namespace vigil::fencing;
using namespace vigil::fencing::testing;
using namespace std::chrono_literals;

namespace {

// Agents by device and action; anything unlisted succeeds.
AgentScript by_device(std::map<std::string, std::map<std::string, Scripted>> table) {
  return [table](const std::string&, const AgentCall& c) {
    auto d = table.find(c.device);
    if (d != table.end()) {
      auto a = d->second.find(c.action);
      if (a != d->second.end()) return a->second;
    }
    return exits(0);
  };
}

Device listed(const std::string& id, const std::string& hosts,
              std::map<std::string, std::string> extra = {}) {
  extra["pcmk_host_list"] = hosts;
  return device(id, extra);
}

}  // namespace

TEST_CASE("fencer: one capable device fences the target") {
  Harness h({"node1"}, by_device({}));
  h.configure("node1", config({listed("true1", "node2"), listed("other", "node3")}));
  h.fence("node1", "c1", "node2", "off");
  h.settle();
  REQUIRE(h.replies.size() == 1);
  CHECK(h.replies[0].ok);
  CHECK(h.replies[0].delegate == "node1");
  CHECK(h.runs_of("true1", "off") == 1);
  CHECK(h.runs_of("other", "off") == 0);
  const auto hist = h.node("node1").history().entries();
  REQUIRE(hist.size() == 1);
  CHECK(hist[0].state == OpState::kDone);
  CHECK(hist[0].delegate == "node1");
  CHECK(h.node("node1").operations_in_progress() == 0);
}

TEST_CASE("fencer: unknown node and unknown action are refused at once") {
  Harness h({"node1"}, by_device({}));
  h.configure("node1", config({listed("true1", "node2")}));
  h.fence("node1", "c1", "nosuchnode");
  h.fence("node1", "c2", "node2", "explode");
  REQUIRE(h.replies.size() == 2);
  CHECK_FALSE(h.replies[0].ok);
  CHECK(h.replies[0].reason == "unknown node 'nosuchnode'");
  CHECK(h.replies[1].reason == "unknown fencing action 'explode'");
  CHECK(h.runs.empty());
  CHECK(h.node("node1").history().size() == 0);
}

TEST_CASE("fencer: device failure rolls over to the next device (multi-device failure)") {
  Harness h({"node1"},
            by_device({{"false1", {{"reboot", exits(1)}}}, {"false2", {{"reboot", exits(1)}}}}));
  SECTION("rollover to a working device") {
    h.configure("node1", config({listed("false1", "node2", {{"pcmk_reboot_retries", "0"}}),
                                 listed("true1", "node2")}));
    h.fence("node1", "c1", "node2");
    h.settle();
    REQUIRE(h.replies.size() == 1);
    CHECK(h.replies[0].ok);
    CHECK(h.runs_of("false1", "reboot") == 1);
    CHECK(h.runs_of("true1", "reboot") == 1);
  }
  SECTION("every device fails: each retried, then the request fails with the reasons") {
    h.configure("node1", config({listed("false1", "node2"), listed("false2", "node2")}));
    h.fence("node1", "c1", "node2");
    h.settle();
    REQUIRE(h.replies.size() == 1);
    CHECK_FALSE(h.replies[0].ok);
    CHECK(h.runs_of("false1", "reboot") == 3);  // pcmk_reboot_retries defaults to 2
    CHECK(h.runs_of("false2", "reboot") == 3);
    CHECK(h.replies[0].reason.find("false1 (fence_test reboot node2): exit code 1") !=
          std::string::npos);
    CHECK(h.node("node1").history().entries()[0].state == OpState::kFailed);
  }
}

TEST_CASE("fencer: identical concurrent requests are merged") {
  Harness h({"node1"}, by_device({{"true1", {{"reboot", exits(0, {}, 5s)}}}}));
  h.configure("node1", config({listed("true1", "node2 node3")}));
  h.fence("node1", "c1", "node2");
  h.fence("node1", "c2", "node2");
  h.fence("node1", "c3", "node3");  // another target: not merged
  h.settle();
  REQUIRE(h.replies.size() == 3);
  for (const auto& r : h.replies) CHECK(r.ok);
  CHECK(h.runs_of("true1", "reboot") == 2);
  CHECK(h.logged("event=merged"));
  CHECK(h.node("node1").history().size() == 2);
}

TEST_CASE("fencer: merged requests with topology share the level's outcome") {
  Harness h({"node1"}, by_device({{"false1", {{"reboot", exits(1)}}}}));
  h.configure("node1", config({listed("false1", "node2", {{"pcmk_reboot_retries", "0"}}),
                               listed("true1", "node2")},
                              {level("node2", 1, {"false1"}), level("node2", 2, {"true1"})}));
  h.fence("node1", "c1", "node2");
  h.fence("node1", "c2", "node2");
  h.settle();
  REQUIRE(h.replies.size() == 2);
  CHECK(h.replies[0].ok);
  CHECK(h.replies[1].ok);
  CHECK(h.runs_of("false1", "reboot") == 1);
  CHECK(h.runs_of("true1", "reboot") == 1);
}

TEST_CASE("fencer: topology levels in index order, all devices of a level required") {
  Harness h({"node1"}, by_device({{"false1", {{"off", exits(1)}}}}));
  // node1, configured with `c`, fences node2 off to the end: each device's off runs.
  auto off_node2 = [&h](const FencerConfig& c) {
    h.configure("node1", c);
    h.fence("node1", "c1", "node2", "off");
    h.settle();
    REQUIRE(h.replies.size() == 1);
    return h.runs_by_device("off");
  };
  using Runs = std::map<std::string, std::size_t>;
  SECTION("topology simple: level 1 succeeds, level 2 unused") {
    CHECK(off_node2(config({listed("true1", "node2"), listed("true2", "node2")},
                           {level("node2", 2, {"true2"}), level("node2", 1, {"true1"})})) ==
          Runs{{"true1", 1}});
    CHECK(h.replies[0].ok);
  }
  SECTION("device fails within a level: the next level is tried") {
    CHECK(off_node2(config(
              {listed("true1", "node2"), listed("false1", "node2"), listed("true2", "node2")},
              {level("node2", 1, {"true1", "false1"}), level("node2", 2, {"true2"})})) ==
          Runs{{"true1", 1}, {"false1", 3}, {"true2", 1}});
    CHECK(h.replies[0].ok);
  }
  SECTION("multi-level fails: the request fails") {
    CHECK(off_node2(config({listed("false1", "node2")},
                           {level("node2", 1, {"false1"}), level("node2", 2, {"false1"})})) ==
          Runs{{"false1", 6}});
    CHECK_FALSE(h.replies[0].ok);
  }
  SECTION("missing devices: a level naming an unknown device is skipped") {
    CHECK(off_node2(config({listed("true2", "node2")},
                           {level("node2", 1, {"nosuch"}), level("node2", 2, {"true2"})})) ==
          Runs{{"true2", 1}});
    CHECK(h.replies[0].ok);
  }
  SECTION("level removal and pattern levels") {
    FencerConfig c = config({listed("true1", "node2"), listed("true2", "node2")},
                            {level("node2", 1, {"true1"})});
    FencingLevel p = level("node[0-9]", 1, {"true2"});
    p.kind = FencingLevel::Kind::kPattern;
    REQUIRE(c.topology.add(p).ok());
    REQUIRE(c.topology.remove(FencingLevel::Kind::kNode, "node2", 1));
    CHECK(off_node2(c) == Runs{{"true2", 1}});
    CHECK(h.replies[0].ok);
  }
}

TEST_CASE("fencer: reboot over a multi-device level is off on all, then on on all") {
  Harness h({"node1"}, by_device({}));
  h.configure("node1", config({listed("p1", "node2"), listed("p2", "node2")},
                              {level("node2", 1, {"p1", "p2"})}));
  h.fence("node1", "c1", "node2", "reboot");
  h.settle();
  CHECK(h.replies.at(0).ok);
  CHECK(h.device_actions() == std::vector<std::string>{"p1:off", "p2:off", "p1:on", "p2:on"});
}

TEST_CASE("fencer: no reboot support remaps to off (Pacemaker's fencer)") {
  Harness h({"node1"}, by_device({}));
  SECTION("the agent has on, still only off") {
    h.configure("node1",
                config({device("noreboot", {{"pcmk_host_list", "node2"}}, {"on", "off", "list"})}));
    h.fence("node1", "c1", "node2", "reboot");
    h.settle();
    CHECK(h.replies.at(0).ok);
    CHECK(h.device_actions() == std::vector<std::string>{"noreboot:off"});
    CHECK(h.logged("the agent does not support reboot"));
  }
  SECTION("pcmk_reboot_action names what the agent runs") {
    h.configure("node1", config({listed("t", "node2", {{"pcmk_reboot_action", "cycle"}})}));
    h.fence("node1", "c1", "node2", "reboot");
    h.settle();
    // The metadata does not list "cycle": the device cannot reboot, off.
    CHECK(h.runs_of("t", "off") == 1);
    CHECK(h.runs_of("t", "on") == 0);
  }
}

TEST_CASE("fencer: custom timeouts and the overall timeout") {
  Harness h({"node1"},
            by_device({{"slow", {{"off", exits(0, {}, 90s)}}}, {"hang", {{"off", hangs()}}}}));
  SECTION("pcmk_off_timeout beyond stonith-timeout is honoured") {
    h.configure("node1", config({listed("slow", "node2", {{"pcmk_off_timeout", "120s"}})}));
    h.fence("node1", "c1", "node2", "off");
    h.settle();
    REQUIRE(h.replies.size() == 1);
    CHECK(h.replies[0].ok);
    CHECK(h.runs.at(0).second.timeout == 120s);
  }
  SECTION("an agent that hangs times out with a clear reason, the next device is tried") {
    h.configure("node1", config({listed("hang", "node2", {{"pcmk_off_timeout", "5s"}}),
                                 listed("true1", "node2")}));
    h.fence("node1", "c1", "node2", "off");
    h.settle();
    CHECK(h.replies.at(0).ok);
    CHECK(h.runs_of("hang", "off") == 1);  // timeouts are not retried
    CHECK(h.logged("hang (fence_test off node2): timed out"));
  }
  SECTION("the request's own timeout ends it") {
    h.configure("node1", config({listed("hang", "node2")}));
    h.fence("node1", "c1", "node2", "off", {}, 10s);
    h.advance(15s);
    REQUIRE(h.replies.size() == 1);
    CHECK_FALSE(h.replies[0].ok);
    CHECK(h.replies[0].reason.find("timed out") == 0);
  }
}

TEST_CASE("fencer: delays (pcmk_delay_base per host, pcmk_delay_max, requested)") {
  Harness h({"node1"}, by_device({}));
  h.configure("node1",
              config({listed("d1", "node2 node3",
                             {{"pcmk_delay_base", "node2:5s;node3:1s"}, {"pcmk_delay_max", "8s"}}),
                      listed("d2", "node3")},
                     {level("node3", 1, {"d1"}), level("node3", 2, {"d2"})}));
  h.fence("node1", "c1", "node2", "off", 2s);
  h.advance(6999ms);
  CHECK(h.runs.empty());  // 2 s requested + 5 s base at least
  h.settle();
  CHECK(h.replies.at(0).ok);
  // The random part stays within pcmk_delay_max - base: exactly one delay.
  int delays = 0;
  for (const auto& l : h.lines) {
    if (l.find("event=fencing-delay") == std::string::npos) continue;
    ++delays;
    const auto ms = std::stoll(l.substr(l.find("delay-ms=") + 9));
    CHECK(ms >= 7000);
    CHECK(ms <= 10000);
  }
  CHECK(delays == 1);
  // Topology delays: the level's device delays the step too (a new line,
  // not the one above).
  const std::size_t before = h.lines.size();
  h.fence("node1", "c2", "node3", "off");
  h.settle();
  CHECK(h.replies.at(1).ok);
  bool delayed = false;
  for (std::size_t i = before; i < h.lines.size(); ++i) {
    if (h.lines[i].find("event=fencing-delay device=d1") != std::string::npos) delayed = true;
  }
  CHECK(delayed);
}

TEST_CASE("fencer: host checks: list delimiters, host map, dynamic list, status") {
  Harness h({"node1"},
            by_device({{"dyn", {{"list", exits(0, "node2\n3,node3\nbogus line <xml>\n")}}},
                       {"st", {{"status", exits(2)}}},
                       {"st1", {{"status", exits(1)}}}}));
  ClientRequest q;
  q.kind = ClientRequest::Kind::kQuery;
  q.client = "q";
  auto query = [&](const std::string& target) {
    q.target = target;
    h.input("node1", q);
    h.advance(5s);  // within the list cache's 60 s
    return h.replies.back().devices;
  };
  SECTION("host list delimiters and host map") {
    h.configure("node1",
                config({listed("l1", "node1,node2;node3"), listed("l2", "node1\tnode3\nnode4"),
                        device("m", {{"pcmk_host_map", "node2:p2;node3=p3"}})},
                       {}, {"node1", "node2", "node3", "node4"}));
    CHECK(query("node2") == std::vector<std::string>{"l1", "m"});
    CHECK(query("node4") == std::vector<std::string>{"l2"});
  }
  SECTION("dynamic list, cached") {
    h.configure("node1", config({device("dyn", {})}));
    CHECK(query("node2") == std::vector<std::string>{"dyn"});
    CHECK(query("node3") == std::vector<std::string>{"dyn"});  // the alias
    CHECK(query("node1").empty());
    CHECK(h.runs_of("dyn", "list") == 1);
  }
  SECTION("status query: 2 (off) and 0 can fence, 1 cannot") {
    h.configure("node1", config({device("st", {{"pcmk_host_check", "status"}}),
                                 device("st1", {{"pcmk_host_check", "status"}})}));
    CHECK(query("node2") == std::vector<std::string>{"st"});
    CHECK(h.runs.at(0).second.input.find("port=node2\n") != std::string::npos);
  }
}

TEST_CASE("fencer: monitor and monitor timeout, missing device") {
  Harness h({"node1"}, by_device({{"slow", {{"monitor", hangs()}}}}));
  h.configure("node1", config({listed("ok", "node2"),
                               listed("slow", "node2", {{"pcmk_monitor_timeout", "2s"}})}));
  ClientRequest m;
  m.kind = ClientRequest::Kind::kMonitor;
  m.client = "mon";
  for (const char* d : {"ok", "slow", "nosuch"}) {
    m.device = d;
    h.input("node1", m);
  }
  h.settle();
  REQUIRE(h.replies.size() == 3);
  CHECK_FALSE(h.replies[0].ok);  // refused at once
  CHECK(h.replies[0].reason == "no device 'nosuch' is registered");
  CHECK(h.replies[1].ok);
  CHECK_FALSE(h.replies[2].ok);
  CHECK(h.replies[2].reason.find("timed out") != std::string::npos);
}

TEST_CASE("fencer: a monitor request's own timeout replaces the device's") {
  Harness h({"node1"}, [](const std::string&, const AgentCall&) { return hangs(); });
  h.configure("node1", config({listed("slow", "node2", {{"pcmk_monitor_timeout", "30s"}})}));
  h.input("node1", ClientRequest{.kind = ClientRequest::Kind::kMonitor,
                                 .client = "lrmd",
                                 .device = "slow",
                                 .timeout = 5s});
  h.advance(6s);
  REQUIRE(h.runs.size() == 1);
  CHECK(h.runs[0].second.timeout == 5s);
  REQUIRE(h.replies.size() == 1);
  CHECK_FALSE(h.replies[0].ok);
  CHECK(h.replies[0].reason.find("timed out") != std::string::npos);
}

TEST_CASE("fencer: unfencing uses every device that provides it, all required") {
  Harness h({"node1"}, by_device({}));
  h.configure("node1", config({device("u1", {{"pcmk_host_list", "node2"}}, {"on", "off", "reboot"},
                                      {{"provides", "unfencing"}}),
                               device("u2", {{"pcmk_host_list", "node2"}}, {"on", "off", "reboot"},
                                      {{"provides", "unfencing"}}),
                               listed("plain", "node2")}));
  h.fence("node1", "c1", "node2", "on");
  h.settle();
  CHECK(h.replies.at(0).ok);
  CHECK(h.device_actions() == std::vector<std::string>{"u1:on", "u2:on"});
}

TEST_CASE("fencer: no capable device, a disabled device, and pcmk_action_limit") {
  Harness h({"node1"}, by_device({{"t", {{"off", exits(0, {}, 10s)}}}}));
  SECTION("nothing can fence") {
    h.configure("node1", config({listed("stopped", "node2")}));
    FencerConfig c = config(
        {device("stopped", {{"pcmk_host_list", "node2"}}, {"off"}, {{"target-role", "Stopped"}})});
    h.configure("node1", c);
    h.fence("node1", "c1", "node2", "off");
    h.settle();
    CHECK(h.replies.at(0).reason == "no device can fence node2");
  }
  SECTION("the reason names devices whose list is unusable and devices left out") {
    Harness g({"node1"}, by_device({{"garbage", {{"list", exits(0, "\x01\x02 <<x>>\n!!!\n")}}},
                                    {"empty", {{"list", exits(0, "\n")}}},
                                    {"broken", {{"list", exits(3)}}},
                                    {"good", {{"list", exits(0, "node3\n")}}}}));
    FencerConfig c = config({device("garbage", {}), device("empty", {}), device("broken", {}),
                             device("good", {}), listed("static", "node3")});
    c.left_out = {{"absent", "fence_nosuch metadata: fence agent fence_nosuch not found in /x"}};
    g.configure("node1", c);
    g.fence("node1", "c1", "node2", "off");
    g.settle();
    CHECK(g.replies.at(0).reason ==
          "no device can fence node2 (broken: broken (fence_test list): exit code 3; empty: its "
          "list is empty; garbage: its list printed no node names (unreadable output); not "
          "registered on node1: absent: fence_nosuch metadata: fence agent fence_nosuch not "
          "found in /x)");
  }
  SECTION("action limit 1 serialises, 2 runs both at once") {
    h.configure("node1", config({listed("t", "node2 node3")}));
    h.fence("node1", "c1", "node2", "off");
    h.fence("node1", "c2", "node3", "off");
    h.advance(10'500ms);
    CHECK(h.replies.size() == 1);
    h.settle();
    h.configure("node1", config({listed("t", "node2 node3", {{"pcmk_action_limit", "2"}})}));
    h.fence("node1", "c3", "node2", "off");
    h.fence("node1", "c4", "node3", "off");
    h.advance(10'500ms);
    CHECK(h.replies.size() == 4);
  }
}
