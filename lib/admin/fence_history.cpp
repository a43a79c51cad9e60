// SPDX-License-Identifier: GPL-2.0-or-later
// Fencing history text after Pacemaker 2.1.5's lib/fencing/st_output.c
// (stonith__history_description), lib/pacemaker/pcmk_fence.c (history
// listing, reduce_fence_history) and pcmk_output.c (crm_mon's sections).
#include "vigil/admin/fence_history.hpp"

#include <algorithm>
#include <ctime>
#include <optional>

namespace vigil::admin {

namespace {

using fencing::HistoryEntry;
using fencing::OpState;

bool finished(const HistoryEntry& e) {
  return e.state != OpState::kPending;
}

std::string action_words(const std::string& action) {
  if (action == "on") return "unfencing";
  if (action == "off") return "turning off";
  return action.empty() ? "fencing" : action;
}

const char* state_word(OpState s) {
  switch (s) {
    case OpState::kFailed:
      return "failed";
    case OpState::kDone:
      return "successful";
    case OpState::kPending:
      break;
  }
  return "pending";
}

// For a failed operation: who carried out the same action on the same
// target successfully later, if anyone (stonith__later_succeeded). Sorted
// entries: those before `at` are later ones.
std::optional<std::string> later_succeeded(const std::vector<HistoryEntry>& sorted,
                                           std::size_t at) {
  const HistoryEntry& e = sorted[at];
  std::optional<std::string> other;
  for (std::size_t i = 0; i < at; ++i) {
    const HistoryEntry& p = sorted[i];
    if (p.state != OpState::kDone || p.target != e.target || p.action != e.action ||
        !(e.completed < p.completed)) {
      continue;
    }
    if (e.delegate.empty() || e.delegate == p.delegate) return p.delegate;  // same executioner
    if (!other) other = p.delegate.empty() ? std::string("some node") : p.delegate;
  }
  return other;
}

// One operation. `detail`: stonith_admin's technical wording; else
// crm_mon's human one ("last" when only the latest of a kind is shown).
std::string describe(const HistoryEntry& e, bool full_history,
                     const std::optional<std::string>& later, bool detail) {
  std::string s = action_words(e.action) + " of " + e.target;
  const bool done = finished(e);
  if (!detail) {
    if (done && !e.delegate.empty()) s += " by " + e.delegate;
    s += " for " + e.client + "@" + e.origin;
    if (!full_history) s += " last";
  }
  s += std::string(" ") + state_word(e.state);
  if (e.state == OpState::kFailed && !e.reason.empty()) s += " (" + e.reason + ")";
  if (detail) {
    s += ": ";
    if (done && !e.delegate.empty()) s += "delegate=" + e.delegate + ", ";
    s += "client=" + e.client + ", origin=" + e.origin;
    if (done) {
      s += full_history                  ? ", completed"
           : e.state == OpState::kFailed ? ", last-failed"
                                         : ", last-successful";
      s += "='" + fence_time_text(e.completed) + "'";
    }
  } else if (done) {
    s += " at " + fence_time_text(e.completed);
  }
  if (e.state == OpState::kFailed && later) s += " (a later attempt from " + *later + " succeeded)";
  return s;
}

// The default level keeps, per target, action and result (and executioner,
// for failures), only the latest operation (reduce_fence_history).
std::vector<HistoryEntry> reduced(const std::vector<HistoryEntry>& sorted) {
  std::vector<HistoryEntry> out;
  for (const auto& e : sorted) {
    const bool seen = finished(e) && std::any_of(out.begin(), out.end(), [&](const auto& k) {
                        return e.target == k.target && e.action == k.action && e.state == k.state &&
                               (e.state == OpState::kDone || e.delegate == k.delegate);
                      });
    if (!seen) out.push_back(e);
  }
  return out;
}

void section(std::string& out, const char* title, const std::vector<HistoryEntry>& list,
             bool full_history, bool (*keep)(const HistoryEntry&)) {
  std::string body;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!keep(list[i])) continue;
    body += "  * " + describe(list[i], full_history, later_succeeded(list, i), false) + "\n";
  }
  if (!body.empty()) out += std::string("\n") + title + ":\n" + body;
}

}  // namespace

std::string fence_time_text(std::int64_t when) {
  const std::time_t t = static_cast<std::time_t>(when);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::string s = buf;
  const long off = tm.tm_gmtoff;
  if (off == 0) return s + "Z";
  const long a = (off < 0 ? -off : off) % 86400;
  auto two = [](long v) { return std::string(v < 10 ? "0" : "") + std::to_string(v); };
  return s + " " + (off < 0 ? "-" : "+") + two(a / 3600) + ":" + two((a % 3600) / 60);
}

std::vector<HistoryEntry> sort_fence_history(std::vector<HistoryEntry> entries) {
  std::vector<HistoryEntry> pending, done;
  for (auto& e : entries) (finished(e) ? done : pending).push_back(std::move(e));
  std::reverse(pending.begin(), pending.end());
  std::stable_sort(done.begin(), done.end(),
                   [](const auto& a, const auto& b) { return a.completed > b.completed; });
  pending.insert(pending.end(), std::make_move_iterator(done.begin()),
                 std::make_move_iterator(done.end()));
  return pending;
}

std::string fence_history_text(const std::vector<HistoryEntry>& sorted) {
  std::string out;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    out += describe(sorted[i], true, later_succeeded(sorted, i), true) + "\n";
  }
  out += std::to_string(sorted.size()) + (sorted.size() == 1 ? " event" : " events") + " found\n";
  return out;
}

std::string fencing_status_text(const std::vector<HistoryEntry>& sorted, bool full) {
  const std::vector<HistoryEntry> list = full ? sorted : reduced(sorted);
  std::string out;
  section(out, "Failed Fencing Actions", list, full,
          [](const HistoryEntry& e) { return e.state == OpState::kFailed; });
  if (full) {
    section(out, "Fencing History", list, full,
            [](const HistoryEntry& e) { return e.state != OpState::kFailed; });
  } else {
    section(out, "Pending Fencing Actions", list, full,
            [](const HistoryEntry& e) { return e.state == OpState::kPending; });
  }
  return out;
}

}  // namespace vigil::admin
