// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/exec/run_to_exit.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>

#include "vigil/exec/agent.hpp"
#include "vigil/exec/posix_spawner.hpp"

namespace vigil::exec {

Result<ProcessExit> run_to_exit(const SpawnRequest& request, Duration timeout) {
  boost::asio::io_context io;
  PosixSpawner spawner(io);
  std::optional<ProcessExit> exit;
  auto spawned = spawner.spawn(request, [&](ProcessExit e) { exit = std::move(e); });
  if (!spawned.process) return Error(ErrorCode::kNotFound, spawned.message);
  bool timed_out = false;
  boost::asio::steady_timer timer(io, timeout);
  timer.async_wait([&](const boost::system::error_code& ec) {
    if (!ec) timed_out = true;
  });
  while (!exit && !timed_out && io.run_one() > 0) {
  }
  if (!exit) {
    spawned.process.reset();  // kills the whole group
    return Error(ErrorCode::kFailed, "timed out after " + readable_duration(timeout));
  }
  return std::move(*exit);
}

}  // namespace vigil::exec
