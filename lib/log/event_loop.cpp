// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/log/event_loop.hpp"

#include <boost/asio/io_context.hpp>
#include <string>

#include "vigil/common/event_barrier.hpp"
#include "vigil/log/log.hpp"

namespace vigil::log {

std::size_t run_event_loop(boost::asio::io_context& io, std::string_view daemon) {
  const std::string context = std::string(daemon) + ": an event handler";
  std::size_t dropped = 0;
  // Each round ends either normally (the loop is done) or with one dropped
  // event; a handler that throws runs once, so the rounds are bounded by
  // the events there are.
  for (;;) {
    bool finished = false;
    guard_event(
        log::write, [&] { return context; },
        [&] {
          io.run();
          finished = true;
        });
    if (finished || io.stopped()) return dropped;
    ++dropped;
  }
}

}  // namespace vigil::log
