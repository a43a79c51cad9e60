// SPDX-License-Identifier: GPL-2.0-or-later
// The machine's entry: one input at a time, dispatched; configuration,
// membership, clients' requests and peers' messages.
#include <algorithm>

#include "fencer_state.hpp"
#include "vigil/common/overload.hpp"

namespace vigil::fencing {

namespace {

void reply_error(Fencer::State& s, const ClientRequest& r, std::string reason) {
  s.log(LogLevel::kWarning, "event=refused client=" + r.client + " reason=" + reason);
  s.effects.push_back(ReplyEffect{
      .client = r.client, .ref = r.ref, .ok = false, .reason = std::move(reason), .refused = true});
}

void configure(Fencer::State& s, FencerConfig config) {
  std::map<std::string, DeviceState> devices;
  for (auto& d : config.devices) {
    DeviceState ds;
    if (auto old = s.devices.find(d.id); old != s.devices.end()) {
      // Actions in flight keep their slots; an unchanged host list stays cached.
      ds.running = old->second.running;
      ds.queue = std::move(old->second.queue);
      if (old->second.dev.params == d.params && old->second.dev.agent == d.agent) {
        ds.list = std::move(old->second.list);
        ds.list_valid = old->second.list_valid;
        ds.list_at = old->second.list_at;
        ds.list_running = old->second.list_running;
        ds.list_waiters = std::move(old->second.list_waiters);
      }
    }
    ds.dev = d;
    devices.emplace(d.id, std::move(ds));
  }
  s.devices = std::move(devices);
  s.config = std::move(config);
  forget_removed_devices(s);
  s.log(LogLevel::kInfo, "event=configured devices=" + std::to_string(s.devices.size()) +
                             " levels=" + std::to_string(s.config.topology.size()));
}

void set_members(Fencer::State& s, std::vector<std::string> members) {
  std::sort(members.begin(), members.end());
  std::set<std::string> gone, joined;
  for (const auto& m : s.members) {
    if (!std::binary_search(members.begin(), members.end(), m)) gone.insert(m);
  }
  for (const auto& m : members) {
    if (m != s.self() && !s.is_member(m)) joined.insert(m);
  }
  s.members = std::move(members);
  if (!gone.empty()) on_members_left(s, gone);
  // New members learn our history (theirs comes back the same way).
  for (const auto& node : joined) {
    s.send(node, PeerMessage{.type = MsgType::kHistory, .history = s.history.entries()});
  }
}

bool known_node(const Fencer::State& s, const std::string& node) {
  return s.config.nodes.count(node) > 0 || s.is_member(node);
}

void client_request(Fencer::State& s, const ClientRequest& r) {
  switch (r.kind) {
    case ClientRequest::Kind::kFence:
      if (r.action != "reboot" && r.action != "off" && r.action != "on") {
        return reply_error(s, r, "unknown fencing action '" + r.action + "'");
      }
      if (!known_node(s, r.target)) return reply_error(s, r, "unknown node '" + r.target + "'");
      return start_op(s, r);
    case ClientRequest::Kind::kQuery: {
      if (!known_node(s, r.target)) return reply_error(s, r, "unknown node '" + r.target + "'");
      return start_search(s, Search{.origin = s.self(),
                                    .target = r.target,
                                    .action = r.action.empty() ? "reboot" : r.action,
                                    .client = r.client,
                                    .ref = r.ref});
    }
    case ClientRequest::Kind::kConfirm:
      if (!known_node(s, r.target)) return reply_error(s, r, "unknown node '" + r.target + "'");
      return confirm_op(s, r);
    case ClientRequest::Kind::kHistoryCleanup:
      // Every member (this one included) drops the finished entries.
      s.send("", PeerMessage{.type = MsgType::kCleanup, .target = r.target});
      s.effects.push_back(ReplyEffect{.client = r.client, .ref = r.ref, .ok = true});
      return;
    case ClientRequest::Kind::kMonitor: {
      if (!s.devices.count(r.device)) {
        return reply_error(s, r, "no device '" + r.device + "' is registered");
      }
      return start_job(s, Job{.origin = s.self(),
                              .device = r.device,
                              .action = "monitor",
                              .phases = {"monitor"},
                              .client = r.client,
                              .ref = r.ref,
                              .timeout = r.timeout});
    }
  }
}

void peer_message(Fencer::State& s, const std::string& from, const PeerMessage& m) {
  switch (m.type) {
    case MsgType::kQuery:
      return start_search(
          s, Search{.op = m.op, .origin = m.origin, .target = m.target, .action = m.action});
    case MsgType::kQueryReply:
      return on_query_reply(s, from, m);
    case MsgType::kFence:
      if (!s.devices.count(m.device)) {
        return s.send(m.origin, PeerMessage{.type = MsgType::kFenceResult,
                                            .op = m.op,
                                            .origin = m.origin,
                                            .device = m.device,
                                            .reason = "device " + m.device +
                                                      " is not registered on " + s.self()});
      }
      return start_job(s, Job{.op = m.op,
                              .origin = m.origin,
                              .target = m.target,
                              .device = m.device,
                              .action = m.action,
                              .delay = m.delay});
    case MsgType::kFenceResult:
      return on_fence_result(s, m);
    case MsgType::kDone:
      return on_done(s, m);
    case MsgType::kHistory:
      for (const auto& e : s.history.merge(m.history)) s.effects.push_back(NotifyEffect{e});
      s.history.trim(s.opt.history_limit);
      return;
    case MsgType::kCleanup: {
      const std::size_t n = s.history.cleanup(m.target);
      s.log(LogLevel::kNotice, "event=history-cleanup from=" + from +
                                   " target=" + (m.target.empty() ? "*" : m.target) +
                                   " removed=" + std::to_string(n));
      return;
    }
  }
}

void agent_done(Fencer::State& s, const AgentDoneInput& in) {
  auto it = s.runs.find(in.token);
  if (it == s.runs.end()) {
    s.log(LogLevel::kWarning, "event=stale-agent-result token=" + std::to_string(in.token));
    return;
  }
  RunPurpose purpose = std::move(it->second);
  s.runs.erase(it);
  std::visit(Overload{
                 [&](const ListRun& l) { on_list_done(s, l.device, in.result); },
                 [&](const StatusRun& st) { on_status_done(s, st.search, st.device, in.result); },
                 [&](const JobRun& j) { on_job_done(s, j.job, in.result); },
             },
             purpose);
}

void timer(Fencer::State& s, TimerId id) {
  auto it = s.timers.find(id);
  if (it == s.timers.end()) return;  // cancelled: its purpose is gone
  TimerPurpose purpose = std::move(it->second);
  s.timers.erase(it);
  if (auto* d = std::get_if<DelayTimer>(&purpose)) return on_delay_over(s, d->job);
  on_op_timer(s, purpose);
}

}  // namespace

TimerId Fencer::State::arm(Duration after, TimerPurpose purpose) {
  const TimerId id = next_id++;
  timers.emplace(id, std::move(purpose));
  effects.push_back(ArmTimerEffect{id, after});
  return id;
}

Token Fencer::State::run(AgentCall call, RunPurpose purpose) {
  const Token t = next_id++;
  runs.emplace(t, std::move(purpose));
  effects.push_back(RunAgentEffect{t, std::move(call)});
  return t;
}

void Fencer::State::send(const std::string& to, PeerMessage m) {
  if (to == opt.self) {
    local.emplace_back(opt.self, std::move(m));
    return;
  }
  if (to.empty() && members.size() > 1) effects.push_back(SendEffect{"", m});
  if (to.empty()) {
    local.emplace_back(opt.self, std::move(m));
  } else {
    effects.push_back(SendEffect{to, std::move(m)});
  }
}

void Fencer::State::answer(ReplyEffect reply, PeerMessage m) {
  if (!reply.client.empty()) {
    effects.push_back(std::move(reply));
  } else {
    send(m.origin, std::move(m));
  }
}

bool Fencer::State::is_member(const std::string& node) const {
  return std::binary_search(members.begin(), members.end(), node);
}

Fencer::Fencer(Options options) : s_(std::make_unique<State>()) {
  s_->opt = std::move(options);
  s_->rng.seed(s_->opt.seed);
  s_->members = {s_->opt.self};
}

Fencer::~Fencer() = default;

void Fencer::step(const Now& now, const Input& input) {
  State& s = *s_;
  s.now = now;
  std::visit(Overload{
                 [&](const ConfigInput& c) { configure(s, c.config); },
                 [&](const MembersInput& m) { set_members(s, m.members); },
                 [&](const ClientRequest& r) { client_request(s, r); },
                 [&](const AgentDoneInput& a) { agent_done(s, a); },
                 [&](const TimerInput& t) { timer(s, t.id); },
                 [&](const PeerInput& p) {
                   auto m = decode(p.payload);
                   if (!m) {
                     s.log(LogLevel::kWarning,
                           "event=bad-message from=" + p.from + " error=" + m.error().message());
                     return;
                   }
                   peer_message(s, p.from, *m);
                 },
             },
             input);
  while (!s.local.empty()) {
    auto [from, m] = std::move(s.local.front());
    s.local.pop_front();
    peer_message(s, from, m);
  }
}

std::vector<Effect> Fencer::take_effects() {
  return std::exchange(s_->effects, {});
}

const FenceHistory& Fencer::history() const {
  return s_->history;
}

std::size_t Fencer::operations_in_progress() const {
  return s_->ops.size();
}

}  // namespace vigil::fencing
