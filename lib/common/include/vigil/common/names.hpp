// SPDX-License-Identifier: GPL-2.0-or-later
// Enum <-> name tables: one constexpr array of (value, name) pairs serves
// both directions, so each name is written once for writing and reading.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace vigil {

// The name of `value` in `table`, or `unknown` when the table lacks it.
template <typename E, std::size_t N>
constexpr const char* name_of(const std::pair<E, const char*> (&table)[N], E value,
                              const char* unknown = "?") {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return unknown;
}

// The value named `name` in `table` (exact match), or nullopt.
template <typename E, std::size_t N>
constexpr std::optional<E> value_of(const std::pair<E, const char*> (&table)[N],
                                    std::string_view name) {
  for (const auto& [v, n] : table) {
    if (name == n) return v;
  }
  return std::nullopt;
}

}  // namespace vigil
