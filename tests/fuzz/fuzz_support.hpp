// SPDX-License-Identifier: GPL-2.0-or-later
// What the libFuzzer targets share: an invariant check that is a finding
// when it fails (abort: libFuzzer keeps the input), and the split of one
// input into several messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace vigil::fuzz {

// A broken invariant is a bug like a crash: report it and abort, so that
// libFuzzer saves the input as a crash artifact.
[[noreturn]] inline void invariant_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", what, file, line);
  std::abort();
}

#define VIGIL_FUZZ_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::vigil::fuzz::invariant_failed(#cond, __FILE__, __LINE__))

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The pieces of `input` between occurrences of `separator` (a text that no
// message of the target's format contains), at most `max_pieces` of them:
// the rest stays in the last piece.
inline std::vector<std::string_view> split_messages(std::string_view input,
                                                    std::string_view separator,
                                                    std::size_t max_pieces) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < max_pieces) {
    const std::size_t at = input.find(separator);
    if (at == std::string_view::npos) break;
    out.push_back(input.substr(0, at));
    input.remove_prefix(at + separator.size());
  }
  out.push_back(input);
  return out;
}

}  // namespace vigil::fuzz
