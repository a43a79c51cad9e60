// SPDX-License-Identifier: GPL-2.0-or-later
// `vigil status --watch`: crm_mon's interactive mode, kept simple. The
// status is drawn on a cleared screen (ANSI escapes, no curses) and drawn
// again every interval (crm_mon's --interval, 5 s by default) until q is
// pressed or SIGINT/SIGTERM arrives.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "vigil/common/result.hpp"

namespace vigil::admin {

struct WatchOptions {
  std::int64_t interval_ms = 5000;
  int input_fd = 0;   // keys (switched to non-canonical mode while watching, when a terminal)
  int output_fd = 1;  // the screen
  // Stop after this many drawings (0: never); tests use it.
  int max_draws = 0;
};

// crm_mon's --interval value: seconds, or with a unit ("5s", "500ms",
// "2min"); it must be positive.
Result<std::int64_t> parse_watch_interval(const std::string& text);

// Draws `render()` (the status, or an error message) every interval. The
// terminal's mode is restored however the loop ends.
Status watch_status(const std::function<std::string()>& render, const WatchOptions& options);

}  // namespace vigil::admin
