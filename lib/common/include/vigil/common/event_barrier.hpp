// SPDX-License-Identifier: GPL-2.0-or-later
// The exception barrier at an event-loop entry: a handler that throws (a
// bug, or bad_alloc on a hostile input) loses its one event, never the
// daemon. Used where an event enters Vigil's code: CPG deliveries (which
// come through corosync's C library, where no exception may pass), and
// around each daemon's io_context (vigil/log/event_loop.hpp).
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "vigil/common/log_sink.hpp"

namespace vigil {

// Logs "<context>: the handler failed: <what>; the event is dropped" at
// error level to `log` (stderr when `log` is empty).
void report_event_failure(const LogSink& log, std::string_view context, std::string_view what);

// Runs `handler()`; whatever it throws is reported with `context()` (a
// callable, so that the context is only built when something failed) and
// swallowed. True when the handler returned normally.
template <class Handler, class Context>
bool guard_event(const LogSink& log, Context&& context, Handler&& handler) noexcept {
  try {
    std::forward<Handler>(handler)();
    return true;
  } catch (const std::exception& e) {
    report_event_failure(log, std::string(context()), e.what());
  } catch (...) {
    report_event_failure(log, std::string(context()), "an exception that is no std::exception");
  }
  return false;
}

}  // namespace vigil
