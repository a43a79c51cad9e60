// SPDX-License-Identifier: GPL-2.0-or-later
// Which of this node's devices can fence a target (Pacemaker's
// can_fence_host_with_device): pcmk_host_check decides between the static
// host list or map, the agent's `list` (cached for Options::list_cache and
// shared by every search waiting for it), its `status` for the target, or
// no check at all. `on` (unfencing) considers only the devices that
// provide unfencing.
#include <algorithm>

#include "fencer_state.hpp"

namespace vigil::fencing {

namespace {

bool can_unfence(const Device& d) {
  return d.provides_unfencing || d.metadata.automatic_unfencing;
}

bool in_list(const std::vector<std::string>& list, const Device& d, const std::string& target) {
  const std::string port = d.port_for(target);
  return std::find(list.begin(), list.end(), port) != list.end() ||
         std::find(list.begin(), list.end(), target) != list.end();
}

}  // namespace

void finish_search(Fencer::State& s, std::uint64_t id) {
  auto it = s.searches.find(id);
  if (it == s.searches.end() || !it->second.waiting.empty()) return;
  Search q = std::move(it->second);
  s.searches.erase(it);
  std::vector<std::string> devices(q.capable.begin(), q.capable.end());
  std::string list;
  for (const auto& d : devices) list += (list.empty() ? "" : ",") + d;
  s.log(LogLevel::kDebug, "event=search target=" + q.target + " action=" + q.action +
                              " devices=" + (list.empty() ? "none" : list));
  s.answer(ReplyEffect{.client = q.client, .ref = q.ref, .ok = true, .devices = devices},
           PeerMessage{.type = MsgType::kQueryReply,
                       .op = q.op,
                       .origin = q.origin,
                       .target = q.target,
                       .action = q.action,
                       .devices = devices});
}

namespace {

void resolve(Fencer::State& s, std::uint64_t id, const std::string& device, bool can) {
  auto it = s.searches.find(id);
  if (it == s.searches.end()) return;
  it->second.waiting.erase(device);
  if (can) it->second.capable.insert(device);
  finish_search(s, id);
}

// Starts (or joins) the device's `list`; the search waits for it.
void need_list(Fencer::State& s, DeviceState& ds, std::uint64_t search) {
  ds.list_waiters.push_back(search);
  if (ds.list_running) return;
  ds.list_running = true;
  s.run(make_agent_call(ds.dev, "list", "", s.config.stonith_timeout), ListRun{ds.dev.id});
}

// Whether the device can, or nullopt when an agent must be asked first.
std::optional<bool> check_device(Fencer::State& s, DeviceState& ds, std::uint64_t id,
                                 const Search& q) {
  const Device& d = ds.dev;
  if (!d.enabled) return false;
  if (q.action == "on" && !can_unfence(d)) return false;
  switch (d.host_check) {
    case HostCheck::kNone:
      return true;
    case HostCheck::kStaticList:
      return d.lists_statically(q.target);
    case HostCheck::kDynamicList:
      if (ds.list_valid && s.now.mono - ds.list_at < s.opt.list_cache) {
        return in_list(ds.list, d, q.target);
      }
      need_list(s, ds, id);
      return std::nullopt;
    case HostCheck::kStatus:
      s.run(make_agent_call(d, "status", q.target, s.config.stonith_timeout), StatusRun{id, d.id});
      return std::nullopt;
  }
  return false;
}

}  // namespace

void start_search(Fencer::State& s, Search q) {
  const std::uint64_t id = s.next_id++;
  auto& stored = s.searches.emplace(id, std::move(q)).first->second;
  for (auto& [dev_id, ds] : s.devices) {
    stored.waiting.insert(dev_id);
  }
  // Every device is listed as waiting first, so no answer finishes the
  // search before all were asked.
  for (auto& [dev_id, ds] : s.devices) {
    auto can = check_device(s, ds, id, s.searches.at(id));
    if (can) {
      auto& w = s.searches.at(id);
      w.waiting.erase(dev_id);
      if (*can) w.capable.insert(dev_id);
    }
  }
  finish_search(s, id);
}

void on_list_done(Fencer::State& s, const std::string& device, const AgentResult& r) {
  auto it = s.devices.find(device);
  if (it == s.devices.end()) return;  // removed meanwhile: its searches were answered
  DeviceState& ds = it->second;
  ds.list_running = false;
  if (r.ok()) {
    ds.list = parse_list_output(r.out);
    ds.list_valid = true;
    ds.list_at = s.now.mono;
    // Output without a single node name is not a list (Pacemaker takes it
    // as one that names nobody; so do we, but say so).
    const bool blank = r.out.find_first_not_of(" \t\r\n") == std::string::npos;
    ds.list_problem = !ds.list.empty() ? ""
                      : blank          ? "its list is empty"
                                       : "its list printed no node names (unreadable output)";
    if (!ds.list_problem.empty()) {
      s.log(LogLevel::kWarning,
            "event=list-unusable device=" + device + " reason=\"" + ds.list_problem + "\"");
    }
  } else {
    ds.list_valid = false;
    ds.list_problem = describe_failure(make_agent_call(ds.dev, "list", "", {}), r);
    s.log(LogLevel::kWarning, "event=list-failed device=" + device + " reason=" + ds.list_problem);
  }
  const auto waiters = std::exchange(ds.list_waiters, {});
  for (const std::uint64_t id : waiters) {
    auto q = s.searches.find(id);
    if (q == s.searches.end()) continue;
    const std::string target = q->second.target;
    resolve(s, id, device, ds.list_valid && in_list(ds.list, ds.dev, target));
  }
}

std::string why_no_device(const Fencer::State& s, const std::string& target) {
  std::string notes;
  auto add = [&notes](const std::string& note) { notes += (notes.empty() ? "" : "; ") + note; };
  for (const auto& [id, ds] : s.devices) {
    if (ds.dev.host_check == HostCheck::kDynamicList && !ds.list_problem.empty()) {
      add(id + ": " + ds.list_problem);
    }
  }
  for (const auto& [id, why] : s.config.left_out) {
    add("not registered on " + s.self() + ": " + id + ": " + why);
  }
  return "no device can fence " + target + (notes.empty() ? "" : " (" + notes + ")");
}

void on_status_done(Fencer::State& s, std::uint64_t search, const std::string& device,
                    const AgentResult& r) {
  const StatusAnswer a = read_status(r);
  if (a == StatusAnswer::kFailed) {
    s.log(LogLevel::kWarning,
          "event=status-failed device=" + device + " reason=" +
              (r.reason.empty() ? "exit code " + std::to_string(r.exit_code) : r.reason));
  }
  resolve(s, search, device, a == StatusAnswer::kOn || a == StatusAnswer::kOff);
}

}  // namespace vigil::fencing

namespace vigil::fencing {

void forget_removed_devices(Fencer::State& s) {
  std::vector<std::uint64_t> ids;
  for (auto& [id, q] : s.searches) {
    std::erase_if(q.waiting, [&](const std::string& d) { return !s.devices.count(d); });
    ids.push_back(id);
  }
  for (const auto id : ids) finish_search(s, id);
}

}  // namespace vigil::fencing
