// SPDX-License-Identifier: GPL-2.0-or-later
// The DC's chain of CIB changes since the scheduler's copy (cib_changes.hpp).
#include "vigil/pengined/cib_changes.hpp"

namespace vigil::pengined {

void CibChanges::record(const cibd::CibChange& change) {
  const bool whole = change.diff.find("full=\"true\"") != std::string::npos ||
                     change.diff.find("<cib-request") == std::string::npos;
  if (whole || (!entries_.empty() && entries_.back().to != change.previous)) clear();
  if (whole) return;
  entries_.push_back({change.previous, change.current, change.diff});
  bytes_ += change.diff.size();
  while (bytes_ > max_bytes_ && !entries_.empty()) {
    bytes_ -= entries_.front().diff.size();
    entries_.pop_front();
  }
}

std::optional<std::vector<std::string>> CibChanges::between(const cibd::CibVersion& base,
                                                            const cibd::CibVersion& current) const {
  std::vector<std::string> out;
  if (base == current) return out;
  auto it = entries_.begin();
  while (it != entries_.end() && it->from != base) ++it;
  cibd::CibVersion at = base;
  for (; it != entries_.end() && at != current; ++it) {
    if (it->from != at) return std::nullopt;
    out.push_back(it->diff);
    at = it->to;
  }
  if (at != current) return std::nullopt;
  return out;
}

void CibChanges::forget_through(const cibd::CibVersion& version) {
  while (!entries_.empty() && entries_.front().to <= version) {
    bytes_ -= entries_.front().diff.size();
    entries_.pop_front();
  }
}

void CibChanges::clear() {
  entries_.clear();
  bytes_ = 0;
}

}  // namespace vigil::pengined
