// SPDX-License-Identifier: GPL-2.0-or-later
// Fencing history: one entry per fencing operation, kept on every node and
// replicated (stonith_admin --history, crm_mon's fencing section). Entries
// are keyed by operation id, which the origin node makes unique; merging two
// copies keeps, per id, the entry that got further.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::fencing {

enum class OpState { kPending, kDone, kFailed };
const char* to_string(OpState state);
std::optional<OpState> parse_op_state(std::string_view name);  // to_string's inverse

struct HistoryEntry {
  std::string id;  // "<origin>:<n>"
  std::string target;
  std::string action;    // reboot, off, on
  std::string origin;    // the node that took the request
  std::string client;    // who asked (first client of merged requests)
  std::string delegate;  // the node that fenced (empty until known)
  OpState state = OpState::kPending;
  std::int64_t created = 0;    // wall seconds
  std::int64_t completed = 0;  // wall seconds, 0 while pending
  std::string reason;          // why it failed
  bool operator==(const HistoryEntry&) const = default;
};

class FenceHistory {
 public:
  // Records or replaces the entry with e.id.
  void record(HistoryEntry e);
  // Merges entries from a peer: a finished entry wins over a pending one,
  // the later completion over the earlier (then the greater id content, so
  // every node agrees whichever order copies arrive in). Returns the entries
  // that changed here.
  std::vector<HistoryEntry> merge(const std::vector<HistoryEntry>& entries);
  // Drops finished entries for `target` (every target when empty), as
  // `stonith_admin --cleanup --history`; pending ones stay.
  std::size_t cleanup(const std::string& target);
  // Keeps at most `limit` finished entries, dropping the oldest.
  void trim(std::size_t limit);

  std::vector<HistoryEntry> entries() const;  // by creation time, then id
  std::vector<HistoryEntry> for_target(const std::string& target) const;
  const HistoryEntry* find(const std::string& id) const;
  std::size_t size() const { return by_id_.size(); }

 private:
  std::map<std::string, HistoryEntry> by_id_;
};

// Whether `a` should replace `b` (same id) in a merge.
bool supersedes(const HistoryEntry& a, const HistoryEntry& b);

}  // namespace vigil::fencing
