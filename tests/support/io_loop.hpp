// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: runs an io_context in short slices until a condition holds
// or a time limit passes (tests of clients and servers on real sockets).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>

namespace vigil::test {

template <typename Pred>
bool run_io_until(boost::asio::io_context& io, Pred done,
                  std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.run_for(std::chrono::milliseconds(10));
    io.restart();
  }
  return done();
}

}  // namespace vigil::test
