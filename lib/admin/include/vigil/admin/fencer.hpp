// SPDX-License-Identifier: GPL-2.0-or-later
// What `stonith fence|confirm|history` ask of the fencing daemon. The CLI
// reaches it through this interface only, so vigil-stonithd's client plugs
// in here; until it exists, Context::fencer is null and these commands fail
// with kUnsupported, never pretending.
#pragma once

#include <string>

#include "vigil/common/result.hpp"

namespace vigil::admin {

class Fencer {
 public:
  virtual ~Fencer() = default;
  // Fences `node` (reboot, or off when `off`); returns when it is done.
  virtual Status fence(const std::string& node, bool off) = 0;
  // Tells the cluster that `node` was powered off by hand.
  virtual Status confirm(const std::string& node) = 0;
  // pcs's `stonith history show` text for `node` (every node when empty).
  virtual Result<std::string> history(const std::string& node) = 0;
  // Forgets the recorded fencing actions of `node` (every node when empty).
  virtual Status clear_history(const std::string& node) = 0;
};

}  // namespace vigil::admin
