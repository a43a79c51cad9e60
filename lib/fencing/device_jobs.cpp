// SPDX-License-Identifier: GPL-2.0-or-later
// Device actions this node runs (Pacemaker's fenced_commands.c): the delay
// before fencing (the client's, pcmk_delay_base and a random part up to
// pcmk_delay_max), pcmk_action_limit slots per device, retries within the
// action's timeout (pcmk_<action>_retries), and a reboot remapped to off
// when the device cannot reboot.
#include <algorithm>
#include <random>

#include "fencer_state.hpp"

namespace vigil::fencing {

namespace {

bool fencing_action(const std::string& a) {
  return a == "reboot" || a == "off";
}

std::vector<std::string> phases_for(Fencer::State& s, const Job& j, const Device& d) {
  if (j.action != "reboot" || d.can_reboot()) return {j.action};
  // Pacemaker's fencer turns such a reboot into "off" alone (the node stays
  // down); off then on is only for a level of several devices (fence_op.cpp).
  s.log(LogLevel::kNotice, "event=reboot-remapped device=" + d.id + " agent=" + d.agent +
                               " reason=\"the agent does not support reboot\" action=off");
  return {"off"};
}

Duration device_delay(Fencer::State& s, const Device& d, const std::string& target) {
  const Duration base = d.delay_base_for(target);
  Duration random{0};
  if (d.delay_max > base) {
    std::uniform_int_distribution<std::int64_t> dist(0, (d.delay_max - base).count());
    random = Duration(dist(s.rng));
  }
  return base + random;
}

void report(Fencer::State& s, std::uint64_t id, bool ok, const std::string& reason) {
  Job j = std::move(s.jobs.at(id));
  s.jobs.erase(id);
  s.answer(
      ReplyEffect{
          .client = j.client, .ref = j.ref, .ok = ok, .reason = reason, .delegate = s.self()},
      PeerMessage{.type = MsgType::kFenceResult,
                  .op = j.op,
                  .origin = j.origin,
                  .device = j.device,
                  .ok = ok,
                  .reason = reason});
}

void launch(Fencer::State& s, std::uint64_t id, DeviceState& ds, Duration remaining) {
  Job& j = s.jobs.at(id);
  ++ds.running;
  ++j.tries;
  AgentCall call = make_agent_call(ds.dev, j.phases[j.phase], j.target, s.config.stonith_timeout);
  if (j.timeout.count() > 0) call.timeout = j.timeout;
  if (remaining.count() > 0) call.timeout = remaining;
  s.log(LogLevel::kInfo, "event=agent-run device=" + j.device + " action=" + call.action +
                             (j.target.empty() ? "" : " target=" + j.target) +
                             " try=" + std::to_string(j.tries));
  s.run(std::move(call), JobRun{id});
}

// Starts queued jobs while the device has free slots.
void pump(Fencer::State& s, DeviceState& ds) {
  while (!ds.queue.empty() && (ds.dev.action_limit < 0 || ds.running < ds.dev.action_limit)) {
    const std::uint64_t id = ds.queue.front();
    ds.queue.pop_front();
    if (!s.jobs.count(id)) continue;
    Job& j = s.jobs.at(id);
    j.phase_start = s.now.mono;
    j.tries = 0;
    launch(s, id, ds, Duration{0});
  }
}

void enqueue(Fencer::State& s, std::uint64_t id) {
  DeviceState& ds = s.devices.at(s.jobs.at(id).device);
  ds.queue.push_back(id);
  pump(s, ds);
}

}  // namespace

void start_job(Fencer::State& s, Job job) {
  const std::uint64_t id = s.next_id++;
  const Device& d = s.devices.at(job.device).dev;
  if (job.phases.empty()) job.phases = phases_for(s, job, d);
  Duration delay{0};
  if (fencing_action(job.action)) delay = job.delay + device_delay(s, d, job.target);
  const std::string device = job.device;
  s.jobs.emplace(id, std::move(job));
  if (delay.count() > 0) {
    s.log(LogLevel::kNotice,
          "event=fencing-delay device=" + device + " delay-ms=" + std::to_string(delay.count()));
    s.arm(delay, DelayTimer{id});
    return;
  }
  enqueue(s, id);
}

void on_delay_over(Fencer::State& s, std::uint64_t id) {
  if (!s.jobs.count(id)) return;
  if (!s.devices.count(s.jobs.at(id).device)) {
    return report(s, id, false, "device " + s.jobs.at(id).device + " was removed");
  }
  enqueue(s, id);
}

void on_job_done(Fencer::State& s, std::uint64_t id, const AgentResult& r) {
  auto jit = s.jobs.find(id);
  if (jit == s.jobs.end()) return;
  Job& j = jit->second;
  auto dit = s.devices.find(j.device);
  if (dit == s.devices.end()) {
    return report(s, id, false, "device " + j.device + " was removed while running");
  }
  DeviceState& ds = dit->second;
  --ds.running;
  const std::string fencer_action = j.phases[j.phase];
  if (r.ok()) {
    if (++j.phase < j.phases.size()) {
      j.tries = 0;
      j.phase_start = s.now.mono;
      launch(s, id, ds, Duration{0});
      return;
    }
    report(s, id, true, {});
    return pump(s, ds);
  }
  const AgentCall call = make_agent_call(ds.dev, fencer_action, j.target, {});
  const std::string reason = describe_failure(call, r);
  const Duration timeout = ds.dev.timeout_for(fencer_action, s.config.stonith_timeout);
  const Duration elapsed = std::chrono::duration_cast<Duration>(s.now.mono - j.phase_start);
  const bool retryable =
      r.status == AgentResult::Status::kDone || r.status == AgentResult::Status::kError;
  if (j.action != "monitor" && retryable && j.tries <= ds.dev.retries_for(fencer_action) &&
      elapsed < timeout) {
    s.log(LogLevel::kWarning, "event=agent-retry " + reason);
    launch(s, id, ds, timeout - elapsed);
    return;
  }
  report(s, id, false, reason);
  pump(s, ds);
}

}  // namespace vigil::fencing
