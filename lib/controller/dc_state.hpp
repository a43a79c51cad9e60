// SPDX-License-Identifier: GPL-2.0-or-later
// What a node knows while it is DC. Made at takeover, gone when the role is
// lost: its timers and its transition go with it, and so do the answers it
// awaited (the requests it made are dropped from the machine's table).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "machine.hpp"
#include "vigil/pengined/cib_changes.hpp"

namespace vigil::controller {

struct Machine::Dc {
  std::string uuid;  // in the transition keys of this DC's actions
  std::set<NodeId> joined;
  std::map<NodeId, std::map<std::string, std::string>> attrs;
  std::set<std::string> node_entries;  // ids in configuration/nodes
  // cib-bootstrap-options as found at takeover (dc-version ...).
  std::map<std::string, std::string> recorded_options;
  // Messages that arrived while the CIB was still being read.
  std::deque<std::pair<cluster::GroupMember, Message>> backlog;
  int writes = 0;  // CIB write batches not acknowledged yet
  bool dirty = true;
  std::unique_ptr<transition::Runner> runner;
  std::unique_ptr<Timer> recheck;
  std::unique_ptr<Timer> retry;
  // Why fencing stops the scheduling loop until something changes (empty:
  // it does not).
  std::string fence_blocked;
  // Targets this DC asked the fencer to fence: its events about them are
  // this DC's own (fence_done records them), not external fencing.
  std::set<std::string> fence_requested;
  bool leave_when_done = false;  // this DC got its own do_shutdown
  Duration recheck_interval{0};  // from the CIB at the last computation
  Duration dc_deadtime{0};       // from the CIB at takeover
  std::unique_ptr<Timer> hold;   // start-up wait (dc-deadtime)
  // Nodes still in the membership whose controller left, until when the
  // DC waits for it to come back before scheduling.
  std::map<NodeId, TimePoint> respawn_wait;
  std::unique_ptr<Timer> respawn_timer;
  TimePoint respawn_until{};  // when respawn_timer fires
  int fruitless = 0;          // failed transitions in a row without progress
  // The CIB version the scheduler holds (its last answer's) and the CIB's
  // changes since: a run sends those diffs instead of the whole CIB.
  std::optional<cibd::CibVersion> scheduler_cib;
  pengined::CibChanges cib_changes;
};

}  // namespace vigil::controller
