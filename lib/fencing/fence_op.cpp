// SPDX-License-Identifier: GPL-2.0-or-later
// A fencing operation at its origin (Pacemaker's fenced_remote.c): identical
// requests merged, every member queried, a plan made of the topology levels
// (or of every capable device, one after another), each step sent to a node
// that has the device, rollover to the next device or level on failure, the
// overall timeout, and the result recorded, broadcast and answered.
#include <algorithm>

#include "fencer_state.hpp"

namespace vigil::fencing {

namespace {

constexpr int kTimeoutFactorPercent = 120;  // Pacemaker's TIMEOUT_MULTIPLY_FACTOR

// Who holds each device, in reply order, the target last.
std::map<std::string, std::vector<std::string>> holders(const Op& op) {
  std::map<std::string, std::vector<std::string>> h;
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [node, devices] : op.replies) {
      if ((node == op.entry.target) != (pass == 1)) continue;
      for (const auto& d : devices) h[d].push_back(node);
    }
  }
  return h;
}

// Steps of one level: every device; a reboot over several devices becomes
// off on all of them, then on on all (so no device powers the node back
// before the others cut it).
Alternative level_steps(const std::vector<std::string>& devices, const std::string& action,
                        const std::map<std::string, std::vector<std::string>>& h) {
  Alternative a;
  const bool remap = action == "reboot" && devices.size() > 1;
  for (const char* phase : {"off", "on"}) {
    for (const auto& d : devices) {
      auto it = h.find(d);
      if (it == h.end()) {
        a.missing = "device " + d + " is not available";
        return a;
      }
      a.steps.push_back(Step{d, it->second.front(), remap ? phase : action});
    }
    if (!remap) break;
  }
  return a;
}

std::vector<Alternative> make_plan(const Fencer::State& s, const Op& op) {
  const auto h = holders(op);
  const auto& target = op.entry.target;
  const auto& action = op.entry.action;
  std::vector<Alternative> plan;
  const auto levels = s.config.topology.levels_for(target, s.config.node_attributes);
  if (!levels.empty()) {
    for (const FencingLevel* l : levels) {
      plan.push_back(level_steps(l->devices, action, h));
      plan.back().label = "level " + std::to_string(l->index);
    }
    return plan;
  }
  std::vector<std::string> devices;
  for (const auto& [d, nodes] : h) devices.push_back(d);
  if (action == "on") {
    // Unfencing: every device that provides it.
    if (!devices.empty()) plan.push_back(level_steps(devices, action, h));
    return plan;
  }
  for (const auto& d : devices) {
    plan.push_back(level_steps({d}, action, h));
    plan.back().label = "device " + d;
  }
  return plan;
}

// The whole plan's time (each step's action timeout and delay), with
// Pacemaker's margin; at least the request's timeout.
Duration total_timeout(const Fencer::State& s, const Op& op) {
  Duration sum{0};
  for (const auto& a : op.plan) {
    for (const auto& st : a.steps) {
      auto it = s.devices.find(st.device);
      Duration t = op.timeout;
      if (it != s.devices.end()) {
        t = it->second.dev.timeout_for(st.action, op.timeout) +
            std::max(it->second.dev.delay_max, it->second.dev.delay_base_for(op.entry.target));
      }
      sum += t;
    }
  }
  sum += op.delay;
  return std::max(op.timeout, sum * kTimeoutFactorPercent / 100);
}

void drop_timers(Fencer::State& s, const Op& op) {
  s.timers.erase(op.query_timer);
  s.timers.erase(op.overall_timer);
}

// A finished entry: recorded, notified here and sent to every other member.
void publish(Fencer::State& s, const HistoryEntry& e) {
  s.history.record(e);
  s.history.trim(s.opt.history_limit);
  s.effects.push_back(NotifyEffect{e});
  PeerMessage done;
  done.type = MsgType::kDone;
  done.op = e.id;
  done.origin = e.origin;
  done.history = {e};
  s.send("", std::move(done));
}

std::string new_op_id(Fencer::State& s) {
  return s.self() + ":" + std::to_string(s.now.wall) + ":" + std::to_string(s.next_id++);
}

void finish(Fencer::State& s, const std::string& id, bool ok, std::string reason) {
  auto it = s.ops.find(id);
  if (it == s.ops.end()) return;
  Op op = std::move(it->second);
  s.ops.erase(it);
  drop_timers(s, op);
  HistoryEntry& e = op.entry;
  e.state = ok ? OpState::kDone : OpState::kFailed;
  e.completed = s.now.wall;
  e.reason = ok ? "" : reason;
  s.log(ok ? LogLevel::kNotice : LogLevel::kError,
        "event=fencing-" + std::string(ok ? "done" : "failed") + " op=" + e.id +
            " target=" + e.target + " action=" + e.action +
            (ok ? " delegate=" + e.delegate : " reason=" + reason));
  for (const auto& [client, ref] : op.clients) {
    s.effects.push_back(ReplyEffect{.client = client,
                                    .ref = ref,
                                    .ok = ok,
                                    .reason = e.reason,
                                    .delegate = e.delegate,
                                    .op = e.id});
  }
  publish(s, e);
}

std::string joined_failures(const Op& op) {
  std::string out;
  for (const auto& f : op.failures) out += (out.empty() ? "" : "; ") + f;
  return out;
}

// Sends the current step, skipping levels that cannot run.
void execute(Fencer::State& s, Op& op) {
  while (op.alt < op.plan.size() && !op.plan[op.alt].missing.empty()) {
    const auto& a = op.plan[op.alt];
    op.failures.push_back(a.label + ": " + a.missing);
    ++op.alt;
    op.step = 0;
  }
  if (op.alt >= op.plan.size()) {
    std::string why =
        op.failures.empty() ? "no device can fence " + op.entry.target : joined_failures(op);
    return finish(s, op.entry.id, false, "all fencing devices failed: " + why);
  }
  const Step& st = op.plan[op.alt].steps[op.step];
  PeerMessage m;
  m.type = MsgType::kFence;
  m.op = op.entry.id;
  m.origin = s.self();
  m.target = op.entry.target;
  m.action = st.action;
  m.device = st.device;
  if (!op.delay_sent) m.delay = op.delay;
  op.delay_sent = true;
  op.entry.delegate = st.node;
  s.log(LogLevel::kInfo, "event=fence-step op=" + op.entry.id + " device=" + st.device +
                             " node=" + st.node + " action=" + st.action);
  s.send(st.node, std::move(m));
}

void plan_and_execute(Fencer::State& s, Op& op) {
  op.querying = false;
  s.timers.erase(op.query_timer);
  op.plan = make_plan(s, op);
  if (op.plan.empty()) {
    return finish(s, op.entry.id, false, "no device can fence " + op.entry.target);
  }
  s.timers.erase(op.overall_timer);
  const Duration total = total_timeout(s, op);
  op.overall_timer = s.arm(total, OverallTimer{op.entry.id});
  execute(s, op);
}

}  // namespace

void start_op(Fencer::State& s, const ClientRequest& r) {
  for (auto& [id, op] : s.ops) {
    if (op.entry.target == r.target && op.entry.action == r.action) {
      op.clients.emplace_back(r.client, r.ref);
      s.log(LogLevel::kNotice, "event=merged op=" + id + " client=" + r.client);
      return;
    }
  }
  Op op;
  HistoryEntry& e = op.entry;
  e.id = new_op_id(s);
  e.target = r.target;
  e.action = r.action;
  e.origin = s.self();
  e.client = r.client;
  e.created = s.now.wall;
  op.clients.emplace_back(r.client, r.ref);
  op.delay = r.delay;
  op.timeout = r.timeout.count() > 0 ? r.timeout : s.config.stonith_timeout;
  op.awaiting.insert(s.members.begin(), s.members.end());
  s.history.record(e);
  s.log(LogLevel::kNotice, "event=fencing-requested op=" + e.id + " target=" + e.target +
                               " action=" + e.action + " client=" + r.client);
  const std::string id = e.id;
  op.query_timer = s.arm(s.opt.query_timeout, QueryTimer{id});
  op.overall_timer = s.arm(op.timeout + op.delay, OverallTimer{id});
  s.ops.emplace(id, std::move(op));
  PeerMessage q;
  q.type = MsgType::kQuery;
  q.op = id;
  q.origin = s.self();
  q.target = r.target;
  q.action = r.action;
  s.send("", std::move(q));
}

void confirm_op(Fencer::State& s, const ClientRequest& r) {
  HistoryEntry e;
  e.id = new_op_id(s);
  e.target = r.target;
  e.action = "off";
  e.origin = s.self();
  e.client = r.client;
  e.delegate = "a human";
  e.state = OpState::kDone;
  e.created = e.completed = s.now.wall;
  s.log(LogLevel::kNotice,
        "event=manual-confirmation op=" + e.id + " target=" + e.target + " client=" + r.client);
  s.effects.push_back(ReplyEffect{
      .client = r.client, .ref = r.ref, .ok = true, .delegate = e.delegate, .op = e.id});
  publish(s, e);
}

void on_query_reply(Fencer::State& s, const std::string& from, const PeerMessage& m) {
  auto it = s.ops.find(m.op);
  if (it == s.ops.end() || !it->second.querying || !it->second.awaiting.count(from)) {
    s.log(LogLevel::kDebug, "event=stale-query-reply op=" + m.op + " from=" + from);
    return;
  }
  Op& op = it->second;
  op.awaiting.erase(from);
  op.replies.emplace_back(from, m.devices);
  if (op.awaiting.empty()) plan_and_execute(s, op);
}

void on_fence_result(Fencer::State& s, const PeerMessage& m) {
  auto it = s.ops.find(m.op);
  if (it == s.ops.end() || it->second.querying || it->second.alt >= it->second.plan.size() ||
      it->second.plan[it->second.alt].steps[it->second.step].device != m.device) {
    s.log(LogLevel::kDebug, "event=stale-fence-result op=" + m.op + " device=" + m.device);
    return;
  }
  Op& op = it->second;
  auto& steps = op.plan[op.alt].steps;
  if (m.ok) {
    if (++op.step < steps.size()) return execute(s, op);
    return finish(s, op.entry.id, true, {});
  }
  op.failures.push_back(m.reason);
  s.log(LogLevel::kWarning, "event=fence-step-failed op=" + op.entry.id + " device=" + m.device +
                                " reason=" + m.reason);
  ++op.alt;
  op.step = 0;
  execute(s, op);
}

void on_done(Fencer::State& s, const PeerMessage& m) {
  for (const auto& e : s.history.merge(m.history)) s.effects.push_back(NotifyEffect{e});
  s.history.trim(s.opt.history_limit);
}

void on_op_timer(Fencer::State& s, const TimerPurpose& purpose) {
  if (auto* q = std::get_if<QueryTimer>(&purpose)) {
    auto it = s.ops.find(q->op);
    if (it == s.ops.end() || !it->second.querying) return;
    s.log(LogLevel::kWarning, "event=query-timeout op=" + q->op +
                                  " missing=" + std::to_string(it->second.awaiting.size()));
    it->second.awaiting.clear();
    return plan_and_execute(s, it->second);
  }
  if (auto* o = std::get_if<OverallTimer>(&purpose)) {
    auto it = s.ops.find(o->op);
    if (it == s.ops.end()) return;
    std::string why = "timed out";
    if (!it->second.failures.empty()) why += " (" + joined_failures(it->second) + ")";
    finish(s, o->op, false, why);
  }
}

void on_members_left(Fencer::State& s, const std::set<std::string>& gone) {
  std::vector<std::string> ids;
  for (const auto& [id, op] : s.ops) ids.push_back(id);
  for (const auto& id : ids) {
    auto it = s.ops.find(id);
    if (it == s.ops.end()) continue;
    Op& op = it->second;
    if (op.querying) {
      for (const auto& g : gone) op.awaiting.erase(g);
      if (op.awaiting.empty()) plan_and_execute(s, op);
      continue;
    }
    const Step& st = op.plan[op.alt].steps[op.step];
    if (!gone.count(st.node)) continue;
    PeerMessage failed;
    failed.type = MsgType::kFenceResult;
    failed.op = id;
    failed.origin = s.self();
    failed.device = st.device;
    failed.reason = st.device + ": node " + st.node + " left while running it";
    on_fence_result(s, failed);
  }
}

}  // namespace vigil::fencing
