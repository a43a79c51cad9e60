// SPDX-License-Identifier: GPL-2.0-or-later
// Strict number parsing for values Vigil writes itself (wire messages,
// recorded operations): anything but a plain integer is refused, never
// read as a prefix or a default.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "vigil/common/result.hpp"

namespace vigil {

// An optional '-' then decimal digits, nothing else (no space, no '+'),
// within int64; nullopt otherwise.
std::optional<std::int64_t> parse_int64(std::string_view text);

// parse_int64 for a value that came from outside (a wire message, a CIB
// attribute, a command line), within [min, max]. The error names `field`
// and says what is wrong: empty, not an integer (a sign, spaces or
// trailing junk), or out of range (beyond int64 too).
Result<std::int64_t> parse_int_field(std::string_view text, std::string_view field,
                                     std::int64_t min = INT64_MIN, std::int64_t max = INT64_MAX);

}  // namespace vigil
