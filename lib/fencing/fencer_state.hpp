// SPDX-License-Identifier: GPL-2.0-or-later
// The fencer's state, shared by the files that make up the machine:
// fencer.cpp (dispatch, configuration, clients), device_search.cpp (which
// devices can fence a target), fence_op.cpp (an operation at its origin:
// query, plan, rollover, timeouts, history) and device_jobs.cpp (device
// actions this node runs: delays, action limit, retries, reboot remapping).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "vigil/fencing/fencer.hpp"

namespace vigil::fencing {

struct DeviceState {
  Device dev;
  std::vector<std::string> list;  // what `list` printed last (dynamic-list)
  bool list_valid = false;
  TimePoint list_at{};
  bool list_running = false;
  std::vector<std::uint64_t> list_waiters;  // searches waiting for the list
  int running = 0;                          // actions in flight (pcmk_action_limit)
  std::deque<std::uint64_t> queue;          // jobs waiting for a slot
};

// Fields default to {} here and in the messages and effects, so that
// designated initializers name only what they set.

// Which of this node's devices can fence a target, for a query.
struct Search {
  std::string op{};      // empty for a client's query
  std::string origin{};  // who asked (a node, or this one)
  std::string target{};
  std::string action{};
  std::string client{}, ref{};  // a client's query
  std::set<std::string> waiting{};
  std::set<std::string> capable{};
};

// One device action this node runs (for an origin, or a client's monitor).
struct Job {
  std::string op{}, origin{}, target{}, device{};
  std::string action{};               // fencer action: reboot, off, on, monitor
  std::vector<std::string> phases{};  // fencer actions run in turn ("off", "on")
  std::size_t phase = 0;
  int tries = 0;
  TimePoint phase_start{};
  Duration delay{0};
  std::string client{}, ref{};  // a client's monitor
  Duration timeout{0};          // a client's monitor: its own timeout (0: the device's)
  std::string last_reason{};
};

// A step of a plan: `device` runs `action` on `node`.
struct Step {
  std::string device, node, action;
};
// Steps that must all succeed (a topology level, or one device).
struct Alternative {
  std::string label;
  std::vector<Step> steps;
  std::string missing;  // why it cannot run (a device nobody has)
};

// An operation at its origin.
struct Op {
  HistoryEntry entry;
  std::vector<std::pair<std::string, std::string>> clients;  // (client, ref)
  bool querying = true;
  std::set<std::string> awaiting;  // members yet to answer the query
  std::vector<std::pair<std::string, std::vector<std::string>>> replies;  // arrival order
  std::vector<Alternative> plan;
  std::size_t alt = 0, step = 0;
  Duration delay{0}, timeout{0};
  bool delay_sent = false;
  TimerId query_timer = 0, overall_timer = 0;
  std::vector<std::string> failures;
};

struct QueryTimer {
  std::string op;
};
struct OverallTimer {
  std::string op;
};
struct DelayTimer {
  std::uint64_t job;
};
using TimerPurpose = std::variant<QueryTimer, OverallTimer, DelayTimer>;

struct ListRun {
  std::string device;
};
struct StatusRun {
  std::uint64_t search;
  std::string device;
};
struct JobRun {
  std::uint64_t job;
};
using RunPurpose = std::variant<ListRun, StatusRun, JobRun>;

struct Fencer::State {
  Options opt;
  Now now;
  FencerConfig config;
  std::map<std::string, DeviceState> devices;
  std::vector<std::string> members;
  FenceHistory history;
  std::mt19937_64 rng;
  std::vector<Effect> effects;
  std::deque<std::pair<std::string, PeerMessage>> local;  // messages to ourselves
  std::uint64_t next_id = 1;
  std::map<std::string, Op> ops;
  std::map<std::uint64_t, Search> searches;
  std::map<std::uint64_t, Job> jobs;
  std::map<Token, RunPurpose> runs;
  std::map<TimerId, TimerPurpose> timers;

  void log(LogLevel level, std::string text) {
    effects.push_back(LogEffect{level, std::move(text)});
  }
  TimerId arm(Duration after, TimerPurpose purpose);
  Token run(AgentCall call, RunPurpose purpose);
  // To one node (this one: handled after the current input), or to all
  // (empty `to`: the others get a SendEffect, this node handles it too).
  void send(const std::string& to, PeerMessage m);
  // The answer to a query or a device action: `reply` when a client of this
  // node asked, else `m` to the origin node.
  void answer(ReplyEffect reply, PeerMessage m);
  bool is_member(const std::string& node) const;
  const std::string& self() const { return opt.self; }
};

// device_search.cpp
void start_search(Fencer::State& s, Search search);
void finish_search(Fencer::State& s, std::uint64_t id);
// After a configuration change: searches stop waiting for removed devices.
void forget_removed_devices(Fencer::State& s);
void on_list_done(Fencer::State& s, const std::string& device, const AgentResult& r);
void on_status_done(Fencer::State& s, std::uint64_t search, const std::string& device,
                    const AgentResult& r);
// fence_op.cpp
void start_op(Fencer::State& s, const ClientRequest& req);
// A human says the target is off: a done "off" whose delegate is "a human",
// recorded and sent to every member (pending operations go on).
void confirm_op(Fencer::State& s, const ClientRequest& req);
void on_query_reply(Fencer::State& s, const std::string& from, const PeerMessage& m);
void on_fence_result(Fencer::State& s, const PeerMessage& m);
void on_done(Fencer::State& s, const PeerMessage& m);
void on_op_timer(Fencer::State& s, const TimerPurpose& purpose);
void on_members_left(Fencer::State& s, const std::set<std::string>& gone);
// device_jobs.cpp
void start_job(Fencer::State& s, Job job);
void on_job_done(Fencer::State& s, std::uint64_t job, const AgentResult& r);
void on_delay_over(Fencer::State& s, std::uint64_t job);

}  // namespace vigil::fencing
