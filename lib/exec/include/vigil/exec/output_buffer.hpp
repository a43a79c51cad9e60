// SPDX-License-Identifier: GPL-2.0-or-later
// OutputBuffer: what an agent printed, bounded. An agent may print megabytes;
// we keep the first and the last bytes (the start says what it was doing, the
// end usually holds the error and the "ocf-exit-reason:" line) and count the
// rest, so memory per operation stays below `limit` whatever the agent does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::exec {

class OutputBuffer {
 public:
  // `limit` bytes are kept in total: half from the start, half from the end.
  explicit OutputBuffer(std::size_t limit);

  void append(std::string_view chunk);

  // Every byte seen, kept or not.
  std::uint64_t total() const { return total_; }
  // Bytes seen but not kept.
  std::uint64_t dropped() const;
  bool truncated() const { return dropped() > 0; }

  // The kept text; when bytes were dropped, a marker line
  // "\n[... N bytes omitted ...]\n" sits between the head and the tail.
  std::string text() const;

 private:
  std::size_t head_limit_;
  std::size_t tail_limit_;
  std::string head_;
  std::string tail_;            // a ring of the last tail_limit_ bytes
  std::size_t tail_start_ = 0;  // index of the oldest byte in tail_ once full
  std::uint64_t total_ = 0;
};

}  // namespace vigil::exec
