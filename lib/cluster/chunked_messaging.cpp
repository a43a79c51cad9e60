// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cluster/chunked_messaging.hpp"

#include <algorithm>
#include <utility>

namespace vigil::cluster {
namespace {

std::string member_text(const GroupMember& m) {
  return std::to_string(m.node) + ":" + std::to_string(m.pid);
}

// Chunks must fit the inner group's own limit, and so must the messages
// that travel unframed.
ChunkLimits fit(ChunkLimits limits, std::size_t inner_max) {
  const std::size_t room = inner_max > kChunkHeaderSize ? inner_max - kChunkHeaderSize : 1;
  limits.chunk_payload = std::clamp<std::size_t>(limits.chunk_payload, 1, room);
  limits.compress_threshold = std::min(limits.compress_threshold, room);
  return limits;
}

}  // namespace

struct ChunkedMessaging::State {
  explicit State(ChunkLimits limits, LogSink sink) : reassembler(limits), log(std::move(sink)) {}
  MessagingHandlers handlers;
  Reassembler reassembler;
  LogSink log;
  std::uint64_t next_id = 1;

  void on_message(const GroupMember& sender, std::string_view payload) {
    if (!is_chunk(payload)) {
      auto handler = handlers.on_message;  // it may replace itself
      if (handler) handler(sender, payload);
      return;
    }
    ChunkOutcome got = reassembler.accept(sender, payload);
    if (got.refused && log) {
      log(LogLevel::kWarning, "cpg: dropping a large message from " + member_text(sender) + ": " +
                                  got.refused->message());
    }
    if (got.message) {
      auto handler = handlers.on_message;
      if (handler) handler(sender, *got.message);
    }
  }

  void on_view(const GroupView& view) {
    if (reassembler.pending_messages() > 0 && log) {
      log(LogLevel::kInfo, "cpg: the group changed during " +
                               std::to_string(reassembler.pending_messages()) +
                               " incomplete large message(s); they are dropped");
    }
    reassembler.drop_all();
    auto handler = handlers.on_view;
    if (handler) handler(view);
  }
};

ChunkedMessaging::ChunkedMessaging(Messaging& inner, ChunkLimits limits, LogSink log)
    : inner_(inner),
      limits_(fit(limits, inner.max_message_size())),
      state_(std::make_shared<State>(limits_, std::move(log))) {}

ChunkedMessaging::~ChunkedMessaging() {
  inner_.set_handlers({});
}

void ChunkedMessaging::set_handlers(MessagingHandlers handlers) {
  state_->handlers = std::move(handlers);
  MessagingHandlers mine;
  std::weak_ptr<State> weak = state_;
  mine.on_message = [weak](const GroupMember& sender, std::string_view payload) {
    if (auto s = weak.lock()) s->on_message(sender, payload);
  };
  mine.on_view = [weak](const GroupView& view) {
    if (auto s = weak.lock()) s->on_view(view);
  };
  inner_.set_handlers(std::move(mine));
}

Status ChunkedMessaging::join(std::string_view group) {
  return inner_.join(group);
}

Status ChunkedMessaging::leave() {
  state_->reassembler.drop_all();
  return inner_.leave();
}

Status ChunkedMessaging::send(std::string_view payload) {
  const std::uint64_t id = state_->next_id++;
  auto chunks = split_message(payload, id, limits_);
  if (!chunks) return chunks.error();
  for (std::size_t i = 0; i < chunks->size(); ++i) {
    if (Status s = inner_.send((*chunks)[i]); !s) {
      // The chunks already sent are refused by every receiver at our next
      // message (or dropped at the next view change).
      if (chunks->size() == 1) return s;
      return s.error().with_context("chunk " + std::to_string(i) + " of " +
                                    std::to_string(chunks->size()) + " of a message of " +
                                    std::to_string(payload.size()) + " bytes");
    }
  }
  return ok_status();
}

std::size_t ChunkedMessaging::incoming_bytes() const {
  return state_->reassembler.pending_bytes();
}

}  // namespace vigil::cluster
