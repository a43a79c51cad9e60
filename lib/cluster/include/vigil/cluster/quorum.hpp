// SPDX-License-Identifier: GPL-2.0-or-later
// Quorum: whether this node's partition may run resources. Implemented over
// Corosync by CorosyncQuorum (votequorum decides) and in tests by SimNode.
#pragma once

#include <functional>

namespace vigil::cluster {

class Quorum {
 public:
  using ChangeHandler = std::function<void(bool quorate)>;

  virtual ~Quorum() = default;

  // As of the last notification delivered to this node.
  virtual bool quorate() const = 0;
  // Called when quorate() flips. Replaces any previous handler.
  virtual void set_quorum_handler(ChangeHandler handler) = 0;
};

}  // namespace vigil::cluster
