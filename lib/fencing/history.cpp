// SPDX-License-Identifier: GPL-2.0-or-later
// The history's merge order and bookkeeping; every node applies the same
// rules, so replicated copies converge.
#include "vigil/fencing/history.hpp"

#include <algorithm>
#include <tuple>

#include "vigil/common/names.hpp"

namespace vigil::fencing {

namespace {
constexpr std::pair<OpState, const char*> kStates[] = {
    {OpState::kPending, "pending"}, {OpState::kDone, "done"}, {OpState::kFailed, "failed"}};
}  // namespace

const char* to_string(OpState state) {
  return name_of(kStates, state);
}

std::optional<OpState> parse_op_state(std::string_view name) {
  return value_of(kStates, name);
}

bool supersedes(const HistoryEntry& a, const HistoryEntry& b) {
  const bool a_final = a.state != OpState::kPending;
  const bool b_final = b.state != OpState::kPending;
  if (a_final != b_final) return a_final;
  if (a.completed != b.completed) return a.completed > b.completed;
  // Same progress: an arbitrary but total order, so merges commute.
  return std::tie(a.state, a.delegate, a.reason, a.client, a.created) >
         std::tie(b.state, b.delegate, b.reason, b.client, b.created);
}

void FenceHistory::record(HistoryEntry e) {
  const std::string id = e.id;
  by_id_[id] = std::move(e);
}

std::vector<HistoryEntry> FenceHistory::merge(const std::vector<HistoryEntry>& entries) {
  std::vector<HistoryEntry> changed;
  for (const auto& e : entries) {
    auto it = by_id_.find(e.id);
    if (it == by_id_.end()) {
      by_id_.emplace(e.id, e);
      changed.push_back(e);
    } else if (supersedes(e, it->second)) {
      it->second = e;
      changed.push_back(e);
    }
  }
  return changed;
}

std::size_t FenceHistory::cleanup(const std::string& target) {
  return std::erase_if(by_id_, [&](const auto& kv) {
    return kv.second.state != OpState::kPending && (target.empty() || kv.second.target == target);
  });
}

std::vector<HistoryEntry> FenceHistory::entries() const {
  std::vector<HistoryEntry> out;
  out.reserve(by_id_.size());
  for (const auto& [id, e] : by_id_) out.push_back(e);
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.created < b.created; });
  return out;
}

void FenceHistory::trim(std::size_t limit) {
  if (by_id_.size() <= limit) return;  // the common case: nothing to drop
  std::vector<HistoryEntry> all = entries();
  std::size_t finished = std::count_if(all.begin(), all.end(),
                                       [](const auto& e) { return e.state != OpState::kPending; });
  for (const auto& e : all) {
    if (finished <= limit) break;
    if (e.state == OpState::kPending) continue;
    by_id_.erase(e.id);
    --finished;
  }
}

std::vector<HistoryEntry> FenceHistory::for_target(const std::string& target) const {
  std::vector<HistoryEntry> out = entries();
  std::erase_if(out, [&](const auto& e) { return e.target != target; });
  return out;
}

const HistoryEntry* FenceHistory::find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

}  // namespace vigil::fencing
