// SPDX-License-Identifier: GPL-2.0-or-later
// Group messages of any size: a message above a threshold is compressed
// (zlib) and split into chunks that each travel as one CPG message, then
// reassembled per sender. Pure: no I/O, no clock; ChunkedMessaging applies
// it to a Messaging.
//
// A chunk is a 40-byte header and a slice of the encoded message
// (little-endian, as lib/ipc's frames):
//
//   offset  size  field
//   0       4     magic     "\0VCK" (a NUL first: never the start of XML)
//   4       1     version   1
//   5       1     encoding  0 raw, 1 zlib
//   6       2     reserved  0
//   8       8     message   the sender's message id
//   16      4     index     0 .. count-1, sent in order
//   20      4     count     chunks of this message
//   24      8     encoded   bytes of the encoded message (all slices together)
//   32      8     size      bytes of the message once decoded
//
// A message at or below the threshold that does not start with the magic
// travels as it is, unframed: small messages look as they always did.
//
// The receiver refuses a message whole -- its chunks so far are dropped and
// the refusal is reported, never thrown -- when anything is inconsistent: a
// chunk out of order, repeated or missing, fields that change between the
// chunks of one message, slices that do not add up to `encoded`, a declared
// size over the limit, or data that does not decode to exactly `size` bytes
// (decoding stops at `size`: the declared size is a hard cap, so a
// decompression bomb costs at most the limit). Memory held for incomplete
// messages is capped for all senders together.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/cluster/types.hpp"
#include "vigil/common/result.hpp"

namespace vigil::cluster {

inline constexpr std::size_t kChunkHeaderSize = 40;

struct ChunkLimits {
  // Messages larger than this are compressed (Pacemaker compresses CPG
  // messages above 128 KiB too).
  std::size_t compress_threshold = 128 * 1024;
  // Encoded bytes per chunk. 512 KiB: each chunk is then one request on
  // libcpg's 1 MiB IPC buffer (never split again by libcpg), far below any
  // limit of Corosync's, and small enough that other members' messages
  // interleave between the chunks of a large one.
  std::size_t chunk_payload = 512 * 1024;
  // The largest message, decoded. A declared size above it is refused
  // before anything is held.
  std::size_t max_message = std::size_t{1} << 30;
  // Encoded bytes held for incomplete messages, all senders together.
  std::size_t max_pending = std::size_t{1} << 30;
};

// True when `message` is a chunk (starts with the magic).
bool is_chunk(std::string_view message);

// The CPG messages that carry `payload`, in sending order: `payload` itself
// when it is small and not chunk-like, else chunks of message `id` (zlib
// when that makes it smaller). A payload over max_message is kInvalidInput.
Result<std::vector<std::string>> split_message(std::string_view payload, std::uint64_t id,
                                               const ChunkLimits& limits);

// What a delivered chunk gave: a whole message, and/or a refusal to report
// (both when a new message started while an older one was incomplete and
// the new one is complete at once).
struct ChunkOutcome {
  std::optional<std::string> message;
  std::optional<Error> refused;
};

// Reassembles chunks per sender. Chunks of a message must arrive in order,
// as CPG delivers one sender's messages.
class Reassembler {
 public:
  explicit Reassembler(ChunkLimits limits = {}) : limits_(limits) {}

  // One delivered chunk (is_chunk(message) must hold).
  ChunkOutcome accept(const GroupMember& sender, std::string_view message);
  // Drops what `sender` had in progress (it left the group, or restarted).
  void drop(const GroupMember& sender);
  // Drops every incomplete message (a view change: a message whose chunks
  // straddle it is delivered by no one).
  void drop_all();

  std::size_t pending_bytes() const { return pending_bytes_; }
  std::size_t pending_messages() const;

 private:
  struct Partial {
    std::uint64_t id = 0;
    std::uint8_t encoding = 0;
    std::uint32_t next = 0;
    std::uint32_t count = 0;
    std::uint64_t encoded = 0;
    std::uint64_t size = 0;
    std::string data;
  };
  struct SenderState {
    std::optional<Partial> partial;
    // The rest of a refused message is dropped without a report each.
    std::optional<std::uint64_t> discarding;
  };
  Error refuse(SenderState& state, std::uint64_t id, const std::string& why);
  void release(SenderState& state);

  ChunkLimits limits_;
  std::map<GroupMember, SenderState> senders_;
  std::size_t pending_bytes_ = 0;
};

// zlib at a fast level; exposed for the tests.
Result<std::string> deflate_bytes(std::string_view raw);
// Inflates to exactly `size` bytes: more (a bomb) or fewer is kInvalidInput.
Result<std::string> inflate_bytes(std::string_view encoded, std::size_t size);

}  // namespace vigil::cluster
