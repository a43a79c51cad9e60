// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/number.hpp"

#include <charconv>
#include <string>

namespace vigil {

std::optional<std::int64_t> parse_int64(std::string_view text) {
  std::int64_t v = 0;
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(text.data(), last, v);
  if (text.empty() || ec != std::errc() || end != last) return std::nullopt;
  return v;
}

Result<std::int64_t> parse_int_field(std::string_view text, std::string_view field,
                                     std::int64_t min, std::int64_t max) {
  const std::string where = std::string(field) + " '" + std::string(text.substr(0, 64)) +
                            (text.size() > 64 ? "...'" : "'");
  if (text.empty()) return Error(ErrorCode::kInvalidInput, std::string(field) + " is empty");
  std::int64_t v = 0;
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(text.data(), last, v);
  if (ec == std::errc::result_out_of_range) {
    return Error(ErrorCode::kInvalidInput, where + " is out of range");
  }
  if (ec != std::errc() || end != last) {
    return Error(ErrorCode::kInvalidInput, where + " is not an integer");
  }
  if (v < min || v > max) {
    return Error(ErrorCode::kInvalidInput, where + " is out of range (" + std::to_string(min) +
                                               " to " + std::to_string(max) + ")");
  }
  return v;
}

}  // namespace vigil
