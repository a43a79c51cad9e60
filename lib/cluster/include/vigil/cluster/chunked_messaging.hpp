// SPDX-License-Identifier: GPL-2.0-or-later
// ChunkedMessaging: a Messaging that carries messages of any size (up to
// ChunkLimits::max_message) over one that carries small ones (Corosync's
// CPG, the simulator), by the framing of chunking.hpp: above a threshold a
// message is compressed and sent as chunks; the receiving side reassembles
// them per sender and hands the handler the whole message.
//
// Delivery keeps the inner group's guarantees: a whole message is delivered
// at the position of its last chunk, in agreed order. Incomplete messages
// are dropped at every view change, by every member alike: a message whose
// chunks straddle a view change is delivered by no one (its sender
// included), as if it had been sent into the old view and lost with it. So
// a member never holds the memory of a sender that left or restarted, and
// a protocol on top must (and lib/cibd does) retry what a view change
// interrupted. Refused messages are reported through the LogSink.
#pragma once

#include <cstdint>
#include <memory>

#include "vigil/cluster/chunking.hpp"
#include "vigil/cluster/messaging.hpp"
#include "vigil/common/log_sink.hpp"

namespace vigil::cluster {

class ChunkedMessaging final : public Messaging {
 public:
  // `inner` must outlive this object; its handlers become this object's.
  ChunkedMessaging(Messaging& inner, ChunkLimits limits = {}, LogSink log = {});
  ~ChunkedMessaging() override;
  ChunkedMessaging(const ChunkedMessaging&) = delete;
  ChunkedMessaging& operator=(const ChunkedMessaging&) = delete;

  // The handlers see whole messages; chunks never reach them.
  void set_handlers(MessagingHandlers handlers) override;
  // Splits (and compresses) as needed; every chunk is queued on the inner
  // Messaging before it returns. A message over max_message is kInvalidInput.
  Status send(std::string_view payload) override;
  // The largest message this object carries (ChunkLimits::max_message).
  std::size_t max_message_size() const override { return limits_.max_message; }
  // Encoded bytes held for incomplete messages.
  std::size_t incoming_bytes() const override;
  GroupMember self() const override { return inner_.self(); }
  Status join(std::string_view group) override;
  // Drops what was being reassembled.
  Status leave() override;

 private:
  struct State;
  Messaging& inner_;
  ChunkLimits limits_;
  std::shared_ptr<State> state_;
};

}  // namespace vigil::cluster
