// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: N fencers on a manual clock, their messages delivered to one
// another (encoded and decoded, as over CPG), their agent runs answered by a
// script after a chosen duration. A run that outlasts its timeout ends as
// the real runner's would: kTimeout at the timeout.
#pragma once

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "vigil/fencing/fencer.hpp"

namespace vigil::fencing::testing {

// What an agent does: its result, after `takes`.
struct Scripted {
  AgentResult result;
  Duration takes{1'000};
};
inline Scripted exits(int code, std::string out = {}, Duration takes = Duration{1'000}) {
  Scripted s;
  s.result.exit_code = code;
  s.result.out = std::move(out);
  if (code != 0) s.result.reason = "exit code " + std::to_string(code);
  s.takes = takes;
  return s;
}
inline Scripted hangs() {
  Scripted s;
  s.takes = Duration::max();
  return s;
}

using AgentScript = std::function<Scripted(const std::string& node, const AgentCall& call)>;

// A device with the given metadata actions and parameters.
inline Device device(const std::string& id, std::map<std::string, std::string> params,
                     std::set<std::string> actions = {"on", "off", "reboot", "list", "status",
                                                      "monitor", "metadata"},
                     std::map<std::string, std::string> meta = {}) {
  AgentMetadata m;
  m.actions = std::move(actions);
  m.parameters = {"port"};
  auto d = make_device(id, "fence_test", std::move(params), meta, m);
  REQUIRE(d.ok());
  return *d;
}

class Harness {
 public:
  Harness(std::vector<std::string> nodes, AgentScript script) : script_(std::move(script)) {
    std::uint64_t seed = 1;
    for (const auto& n : nodes) {
      nodes_[n] = std::make_unique<Fencer>(Fencer::Options{n, seed++});
    }
    for (const auto& n : nodes) input(n, MembersInput{nodes});
  }

  void configure(const std::string& node, FencerConfig c) { input(node, ConfigInput{c}); }
  void configure_all(const FencerConfig& c) {
    for (auto& [n, f] : nodes_) input(n, ConfigInput{c});
  }
  void input(const std::string& node, Input in) {
    Fencer& f = *nodes_.at(node);
    f.step(Now{now_, wall()}, in);
    for (auto& e : f.take_effects()) handle(node, std::move(e));
  }
  void fence(const std::string& node, const std::string& client, const std::string& target,
             const std::string& action = "reboot", Duration delay = {}, Duration timeout = {}) {
    input(node, ClientRequest{.client = client,
                              .ref = client,
                              .target = target,
                              .action = action,
                              .delay = delay,
                              .timeout = timeout});
  }
  // Runs every event due within `d` in time order.
  void advance(Duration d) {
    const TimePoint end = now_ + d;
    while (!events_.empty() && events_.begin()->first.first <= end) {
      auto it = events_.begin();
      now_ = std::max(now_, it->first.first);
      auto fn = std::move(it->second);
      events_.erase(it);
      fn();
    }
    now_ = end;
  }
  void settle() { advance(Duration{3'600'000}); }

  std::vector<ReplyEffect> replies;
  std::vector<std::pair<std::string, HistoryEntry>> notified;  // (node, entry)
  std::vector<std::pair<std::string, AgentCall>> runs;         // (node, call)
  std::vector<std::string> lines;                              // every effect, described
  TimePoint now() const { return now_; }
  Fencer& node(const std::string& n) { return *nodes_.at(n); }
  std::size_t runs_of(const std::string& device, const std::string& action) const {
    std::size_t n = 0;
    for (const auto& [node, c] : runs) n += c.device == device && c.action == action;
    return n;
  }
  // Every run, in order, as "device:action".
  std::vector<std::string> device_actions() const {
    std::vector<std::string> out;
    for (const auto& [node, c] : runs) out.push_back(c.device + ":" + c.action);
    return out;
  }
  // How many times each device ran `action` (devices that never did: absent).
  std::map<std::string, std::size_t> runs_by_device(const std::string& action) const {
    std::map<std::string, std::size_t> n;
    for (const auto& [node, c] : runs) {
      if (c.action == action) ++n[c.device];
    }
    return n;
  }
  bool logged(const std::string& text) const {
    for (const auto& l : lines) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  }
  TimePoint start() const { return TimePoint{}; }

 private:
  std::int64_t wall() const {
    return 1'700'000'000 +
           std::chrono::duration_cast<std::chrono::seconds>(now_ - TimePoint{}).count();
  }
  void at(Duration after, std::function<void()> fn) {
    events_.emplace(std::make_pair(now_ + after, seq_++), std::move(fn));
  }
  void handle(const std::string& node, Effect e) {
    lines.push_back(node + ": " + describe(e));
    if (auto* r = std::get_if<RunAgentEffect>(&e)) {
      runs.emplace_back(node, r->call);
      Scripted s = script_(node, r->call);
      AgentResult res = s.result;
      Duration takes = s.takes;
      if (takes >= r->call.timeout) {
        takes = r->call.timeout;
        res = AgentResult{};
        res.status = AgentResult::Status::kTimeout;
        res.reason = "timed out after " + std::to_string(r->call.timeout.count()) + "ms";
      }
      const Token t = r->token;
      at(takes, [this, node, t, res] { input(node, AgentDoneInput{t, res}); });
    } else if (auto* s = std::get_if<SendEffect>(&e)) {
      const std::string payload = encode(s->message);
      for (auto& entry : nodes_) {
        const auto peer = entry.first;  // clang 14 cannot capture a structured binding
        if (peer == node || (!s->to.empty() && s->to != peer)) continue;
        at(Duration{1}, [this, peer, node, payload] { input(peer, PeerInput{node, payload}); });
      }
    } else if (auto* t = std::get_if<ArmTimerEffect>(&e)) {
      const TimerId id = t->id;
      at(t->after, [this, node, id] { input(node, TimerInput{id}); });
    } else if (auto* r = std::get_if<ReplyEffect>(&e)) {
      replies.push_back(*r);
    } else if (auto* n = std::get_if<NotifyEffect>(&e)) {
      notified.emplace_back(node, n->entry);
    }
  }

  AgentScript script_;
  std::map<std::string, std::unique_ptr<Fencer>> nodes_;
  std::map<std::pair<TimePoint, std::uint64_t>, std::function<void()>> events_;
  std::uint64_t seq_ = 0;
  TimePoint now_{};
};

inline FencerConfig config(std::vector<Device> devices, std::vector<FencingLevel> levels = {},
                           std::set<std::string> nodes = {"node1", "node2", "node3"}) {
  FencerConfig c;
  c.devices = std::move(devices);
  for (auto& l : levels) REQUIRE(c.topology.add(l).ok());
  c.nodes = std::move(nodes);
  return c;
}

inline FencingLevel level(const std::string& target, int index, std::vector<std::string> devices) {
  return FencingLevel{.target = target, .index = index, .devices = std::move(devices)};
}

}  // namespace vigil::fencing::testing
