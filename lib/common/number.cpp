// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/number.hpp"

#include <charconv>

namespace vigil {

std::optional<std::int64_t> parse_int64(std::string_view text) {
  std::int64_t v = 0;
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(text.data(), last, v);
  if (text.empty() || ec != std::errc() || end != last) return std::nullopt;
  return v;
}

}  // namespace vigil
