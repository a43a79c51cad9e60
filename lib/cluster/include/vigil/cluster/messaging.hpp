// SPDX-License-Identifier: GPL-2.0-or-later
// Messaging: one process's membership of one closed process group (CPG), with
// Corosync's guarantees, which the simulator reproduces:
//  - agreed (total) order: every member of a view delivers the messages sent
//    in that view in the same order, its own messages included;
//  - virtual synchrony: a view change is delivered at the same point of that
//    order to every member that moves to the new view together; messages
//    sent after it are delivered after it.
// Implemented by CorosyncCpg and SimCpg. Payloads are byte strings.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

#include "vigil/cluster/types.hpp"
#include "vigil/common/result.hpp"

namespace vigil::cluster {

struct MessagingHandlers {
  // A message of the group; `payload` is valid only during the call.
  std::function<void(const GroupMember& sender, std::string_view payload)> on_message;
  // The group's configuration changed (including our own join and leave).
  std::function<void(const GroupView& view)> on_view;
};

class Messaging {
 public:
  virtual ~Messaging() = default;

  // Replaces the handlers. Set them before join() to see the first view.
  virtual void set_handlers(MessagingHandlers handlers) = 0;
  // One group per instance (as with a CPG handle).
  virtual Status join(std::string_view group) = 0;
  virtual Status leave() = 0;
  // Multicasts to every member of the group, this process included, in
  // agreed order. Ok means queued for sending, not delivered.
  virtual Status send(std::string_view payload) = 0;
  // This process as other members see it.
  virtual GroupMember self() const = 0;
  virtual std::size_t max_message_size() const = 0;
  // Bytes of large messages received in part so far (ChunkedMessaging); a
  // protocol waiting for one sees progress here. 0 for the others.
  virtual std::size_t incoming_bytes() const { return 0; }
};

}  // namespace vigil::cluster
