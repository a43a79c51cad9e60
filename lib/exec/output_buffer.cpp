// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/exec/output_buffer.hpp"

#include <algorithm>

namespace vigil::exec {

OutputBuffer::OutputBuffer(std::size_t limit)
    : head_limit_(limit - limit / 2), tail_limit_(limit / 2) {}

void OutputBuffer::append(std::string_view chunk) {
  total_ += chunk.size();
  if (head_.size() < head_limit_) {
    const std::size_t n = std::min(chunk.size(), head_limit_ - head_.size());
    head_.append(chunk.substr(0, n));
    chunk.remove_prefix(n);
  }
  if (chunk.empty() || tail_limit_ == 0) return;
  if (chunk.size() >= tail_limit_) {
    // The chunk alone fills the tail: keep its end.
    tail_.assign(chunk.substr(chunk.size() - tail_limit_));
    tail_start_ = 0;
    return;
  }
  if (tail_.size() < tail_limit_) {
    const std::size_t n = std::min(chunk.size(), tail_limit_ - tail_.size());
    tail_.append(chunk.substr(0, n));
    chunk.remove_prefix(n);
  }
  // The ring is full: overwrite the oldest bytes.
  for (char c : chunk) {
    tail_[tail_start_] = c;
    tail_start_ = (tail_start_ + 1) % tail_limit_;
  }
}

std::uint64_t OutputBuffer::dropped() const {
  return total_ - head_.size() - tail_.size();
}

std::string OutputBuffer::text() const {
  std::string out = head_;
  if (dropped() > 0) {
    out += "\n[... " + std::to_string(dropped()) + " bytes omitted ...]\n";
  }
  out.append(tail_, tail_start_, std::string::npos);
  out.append(tail_, 0, tail_start_);
  return out;
}

}  // namespace vigil::exec
