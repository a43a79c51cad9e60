// SPDX-License-Identifier: GPL-2.0-or-later
// Strict number parsing for values Vigil writes itself (wire messages,
// recorded operations): anything but a plain integer is refused, never
// read as a prefix or a default.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vigil {

// An optional '-' then decimal digits, nothing else (no space, no '+'),
// within int64; nullopt otherwise.
std::optional<std::int64_t> parse_int64(std::string_view text);

}  // namespace vigil
