// SPDX-License-Identifier: GPL-2.0-or-later
// What `stonith fence|confirm|history` and `status` ask of the fencing
// daemon. The CLI reaches it through this interface only: daemon_fencer()
// is vigil-stonithd's client behind it; without one (Context::fencer null)
// these commands fail with kUnsupported, never pretending.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"
#include "vigil/fencing/history.hpp"

namespace vigil::admin {

class Fencer {
 public:
  virtual ~Fencer() = default;
  // Fences `node` (reboot, or off when `off`); returns when it is done.
  virtual Status fence(const std::string& node, bool off) = 0;
  // Tells the cluster that `node` was powered off by hand.
  virtual Status confirm(const std::string& node) = 0;
  // The fencing operations the fencer knows of `node` (every node when
  // empty), in no particular order.
  virtual Result<std::vector<fencing::HistoryEntry>> history(const std::string& node) = 0;
  // Forgets the recorded fencing actions of `node` (every node when empty).
  virtual Status clear_history(const std::string& node) = 0;
};

// vigil-stonithd's client on `socket_path`, blocking: each call waits for
// the daemon's answer (a fence for as long as the daemon works on it, the
// other calls at most `call_timeout`). An unreachable daemon fails each
// call with ErrorCode::kIo and the reason. Requests name their client
// "stonith_admin.<pid>", as pcs's stonith_admin does.
std::unique_ptr<Fencer> daemon_fencer(const std::string& socket_path,
                                      Duration call_timeout = std::chrono::seconds(120));

}  // namespace vigil::admin
