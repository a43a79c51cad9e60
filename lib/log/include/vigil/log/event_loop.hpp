// SPDX-License-Identifier: GPL-2.0-or-later
// A daemon's event loop with an exception barrier: io_context::run() lets
// an exception from a handler (a timer, a socket, a posted closure) out and
// stops there; this logs it and runs the loop again, so the one event is
// dropped and the daemon keeps running.
#pragma once

#include <cstddef>
#include <string_view>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace vigil::log {

// Runs `io` until it runs out of work or is stopped; each exception that
// escapes a handler is logged at error level as "<daemon>: ..." and
// counted. Returns the number of events dropped that way.
std::size_t run_event_loop(boost::asio::io_context& io, std::string_view daemon);

}  // namespace vigil::log
