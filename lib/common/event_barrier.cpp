// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/event_barrier.hpp"

#include <cstdio>

namespace vigil {

void report_event_failure(const LogSink& log, std::string_view context, std::string_view what) {
  std::string line(context);
  line += ": the handler failed: ";
  line += what;
  line += "; the event is dropped";
  if (log) {
    log(LogLevel::kError, line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

}  // namespace vigil
