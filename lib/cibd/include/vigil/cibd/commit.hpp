// SPDX-License-Identifier: GPL-2.0-or-later
// CommitQueue: how one node's CIB changes reach its disk, and when an update
// may be acknowledged (lib/cibd/README.md, "Persistence").
//
// Two kinds of change:
// - Held: an update this node applied first, as the master. It goes on disk
//   before anyone hears of it: the queue holds it until the next write, then
//   runs its `durable` callback (the master then records it and multicasts
//   the diff) or, when the write fails, undoes it (Store's undo, newest
//   first) and runs its `refused` callback with the write's error (the
//   master refuses the request). The in-memory CIB is then never ahead of
//   the disk for anything acknowledged. Updates that arrive while a write is
//   due share it (group commit): at most one write per `min_interval`.
// - Behind: a change the group already has (a diff from the master, a CIB
//   adopted at a sync). It cannot be refused any more; it is written within
//   `behind_delay` (configuration changes as soon as a held one would be),
//   several sharing one write, as Pacemaker's peers write asynchronously.
// A failed write (disk full, EIO) sets failure(): the node refuses its own
// clients' updates with that error, logs loudly and tries the current CIB
// again every `retry_interval`; the first write that succeeds clears it.
//
// Without a writer every change counts as on disk at once (simulations and
// tests that keep no files).
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "vigil/cibd/store.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"

namespace vigil::cibd {

struct CommitOptions {
  // Group commit window: writes are at least this far apart, and at least
  // write_time_factor times as long as the last write took (a CIB of tens
  // of MB then keeps the disk busy a fifth of the time at most, not always).
  Duration min_interval{0};
  unsigned write_time_factor = 4;
  // How long status changes the group already has may wait for a write.
  Duration behind_delay{1'000};
  // While writes fail, how often the current CIB is tried again.
  Duration retry_interval{1'000};
};

// Writes the whole CIB; `keep_backup` when the configuration changed since
// the last write (CibFiles::write).
using CibWriter = std::function<Status(const Store& store, bool keep_backup)>;

class CommitQueue {
 public:
  using Durable = std::function<void()>;
  using Refused = std::function<void(const Error&)>;

  // `store` is the replica's document; both must outlive the queue.
  CommitQueue(Clock& clock, Store& store, CommitOptions options = {});
  ~CommitQueue();
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  void set_writer(CibWriter writer, CommitOptions options);
  bool has_writer() const { return static_cast<bool>(writer_); }

  // An update applied first here; `undo` takes it back (inactive when it
  // changed nothing: it is held all the same, to keep the order). Runs
  // `durable` at once when nothing needs writing.
  void hold(StoreUndo undo, bool config_changed, Durable durable, Refused refused);
  // A change the group already has, applied to the store.
  void behind(bool config_changed);
  // Writes now what is held or behind, if anything (before the node does
  // something that needs held updates settled: a sync, a view change, stop).
  void flush();

  // The error of the last write while it failed; nullopt once one succeeded.
  const std::optional<Error>& failure() const { return failure_; }
  std::size_t held() const { return held_.size(); }
  std::uint64_t writes() const { return writes_; }

 private:
  struct Held {
    StoreUndo undo;
    bool config_changed = false;
    Durable durable;
    Refused refused;
  };
  void schedule(Duration delay);
  Duration until_write_allowed() const;
  void write();

  Clock& clock_;
  Store& store_;
  CommitOptions options_;
  CibWriter writer_;
  std::deque<Held> held_;
  bool dirty_ = false;          // changes in the store that are not on disk
  bool behind_config_ = false;  // a configuration change among those written behind
  std::optional<Error> failure_;
  std::optional<TimePoint> last_write_;  // when the last write ended
  Duration last_write_took_{0};
  std::optional<TimePoint> timer_due_;
  std::unique_ptr<Timer> timer_;
  std::uint64_t writes_ = 0;
  std::uint64_t failed_writes_ = 0;
  std::optional<TimePoint> last_failure_log_;
};

}  // namespace vigil::cibd
