// SPDX-License-Identifier: GPL-2.0-or-later
// CommitQueue: held updates, writes behind, group commit and retries (see
// commit.hpp).
#include "vigil/cibd/commit.hpp"

#include <algorithm>

#include "vigil/log/log.hpp"

namespace vigil::cibd {
namespace {

// A write that keeps failing is logged again at most this often.
constexpr Duration kFailureLogInterval{60'000};

std::string seconds(Duration d) {
  return std::to_string(static_cast<double>(d.count()) / 1000.0).substr(0, 4) + " s";
}

}  // namespace

CommitQueue::CommitQueue(Clock& clock, Store& store, CommitOptions options)
    : clock_(clock), store_(store), options_(options) {}

CommitQueue::~CommitQueue() = default;

void CommitQueue::set_writer(CibWriter writer, CommitOptions options) {
  writer_ = std::move(writer);
  options_ = options;
}

Duration CommitQueue::until_write_allowed() const {
  if (!last_write_) return Duration{0};
  const auto next =
      *last_write_ + std::max(options_.min_interval,
                              last_write_took_ * static_cast<int>(options_.write_time_factor));
  const auto now = clock_.now();
  if (next <= now) return Duration{0};
  return std::chrono::ceil<Duration>(next - now);
}

void CommitQueue::schedule(Duration delay) {
  const TimePoint due = clock_.now() + delay;
  if (timer_ && timer_due_ && *timer_due_ <= due) return;  // an earlier write comes anyway
  timer_due_ = due;
  timer_ = clock_.start_timer(delay, [this] { write(); });
}

void CommitQueue::hold(StoreUndo undo, bool config_changed, Durable durable, Refused refused) {
  if (!writer_ || (!undo.active() && held_.empty())) {
    // Nothing to wait for; a dropped undo keeps the update.
    if (durable) durable();
    return;
  }
  if (undo.active()) dirty_ = true;
  held_.push_back(Held{std::move(undo), config_changed, std::move(durable), std::move(refused)});
  schedule(until_write_allowed());
}

void CommitQueue::behind(bool config_changed) {
  if (!writer_) return;
  dirty_ = true;
  behind_config_ = behind_config_ || config_changed;
  schedule(config_changed ? until_write_allowed()
                          : std::max(until_write_allowed(), options_.behind_delay));
}

void CommitQueue::flush() {
  if (writer_ && (dirty_ || !held_.empty())) write();
}

void CommitQueue::write() {
  timer_.reset();
  timer_due_.reset();
  if (!writer_ || (!dirty_ && held_.empty())) return;
  bool keep_backup = behind_config_;
  for (const Held& h : held_) keep_backup = keep_backup || h.config_changed;
  const TimePoint started = clock_.now();
  const Status st = writer_(store_, keep_backup);
  last_write_ = clock_.now();
  last_write_took_ = std::chrono::ceil<Duration>(*last_write_ - started);
  ++writes_;
  std::deque<Held> held = std::move(held_);
  held_.clear();
  if (st) {
    if (failure_) {
      log::notice("cib: the CIB is written to disk again after " + std::to_string(failed_writes_) +
                  " failed write(s); updates are accepted again");
    }
    failure_.reset();
    failed_writes_ = 0;
    dirty_ = false;
    behind_config_ = false;
    // The updates stay: their undo is dropped oldest first (an undo can
    // refer to what an older one kept alive), then they are announced.
    for (Held& h : held) StoreUndo kept = std::move(h.undo);
    for (Held& h : held) {
      if (h.durable) h.durable();
    }
    return;
  }
  const Error cause(st.error().code() == ErrorCode::kNotFound ? ErrorCode::kIo : st.error().code(),
                    st.error().message());
  const bool first = !failure_;
  failure_ = cause;
  ++failed_writes_;
  for (auto it = held.rbegin(); it != held.rend(); ++it) store_.undo(std::move(it->undo));
  const auto now = clock_.now();
  if (first || !last_failure_log_ || now - *last_failure_log_ >= kFailureLogInterval) {
    last_failure_log_ = now;
    log::error("cib: the CIB could NOT be written to disk (" + cause.message() + "); " +
               std::to_string(held.size()) +
               " update(s) undone and refused; this node refuses updates until a write "
               "succeeds, retrying every " +
               seconds(options_.retry_interval) + " (" + std::to_string(failed_writes_) +
               " failed write(s) so far)");
  }
  // The disk may hold less than the store (changes written behind): the
  // store is written again until it works.
  dirty_ = true;
  schedule(options_.retry_interval);
  for (Held& h : held) {
    if (h.refused) h.refused(cause);
  }
}

}  // namespace vigil::cibd
