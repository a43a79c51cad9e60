// SPDX-License-Identifier: GPL-2.0-or-later
// CibChanges: the CIB's changes the DC collects between scheduler runs, as
// vigil-cib notifies them, so that the next run sends the scheduler the
// diffs since the version it holds (ComputeRequest::base) instead of the
// whole CIB. A chain, kept while each change follows the one before; a gap
// or a replacement of the whole CIB starts it again, and beyond
// `max_bytes` the oldest changes go: asking from a version it no longer
// covers gives nothing, and the caller sends the whole CIB.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "vigil/cibd/types.hpp"

namespace vigil::pengined {

class CibChanges {
 public:
  explicit CibChanges(std::size_t max_bytes = std::size_t{64} << 20) : max_bytes_(max_bytes) {}

  void record(const cibd::CibChange& change);
  // The diffs that lead from `base` to `current`, in order (none when they
  // are the same); nullopt when the chain does not cover that.
  std::optional<std::vector<std::string>> between(const cibd::CibVersion& base,
                                                  const cibd::CibVersion& current) const;
  // Drops the changes up to `version`, which the scheduler holds now.
  void forget_through(const cibd::CibVersion& version);
  void clear();
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    cibd::CibVersion from, to;
    std::string diff;
  };
  std::deque<Entry> entries_;
  std::size_t bytes_ = 0;
  std::size_t max_bytes_;
};

}  // namespace vigil::pengined
