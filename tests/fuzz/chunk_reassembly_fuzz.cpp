// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target for the reassembly of large group messages
// (lib/cluster/chunking.hpp behind cluster::ChunkedMessaging, which every
// daemon's CPG messages go through): chunks from several senders, out of
// order, repeated or missing, headers that lie about sizes and counts,
// zlib data that inflates past its declared size, view changes between.
//
// Input: records of [control byte][length, 2 bytes little-endian][bytes].
//   control & 3      the sender of raw bytes: one of three peers (this
//                    process's own messages are only those it sends)
//   control & 4      a view change is delivered first
//   control & 8      the bytes are a message this process sends: its
//                    chunks (ChunkedMessaging::send) come back from the
//                    group, altered by control & 0x30 (0: as sent, 1: two
//                    swapped, 2: one repeated, 3: one missing)
//   otherwise        the bytes are delivered as one group message
//
// Invariants: a message sent and delivered unaltered comes out whole and
// once; altered chunks never yield a message other than the one sent;
// nothing larger than max_message is delivered; the bytes held for
// incomplete messages never exceed max_pending.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_support.hpp"
#include "vigil/cluster/chunked_messaging.hpp"

using namespace vigil;
using cluster::GroupMember;

namespace {

// The inner group: keeps the handlers ChunkedMessaging installs and what it
// sends; delivery is the fuzzer's.
class ScriptedGroup final : public cluster::Messaging {
 public:
  void set_handlers(cluster::MessagingHandlers h) override { handlers = std::move(h); }
  Status join(std::string_view) override { return ok_status(); }
  Status leave() override { return ok_status(); }
  Status send(std::string_view payload) override {
    sent.emplace_back(payload);
    return ok_status();
  }
  GroupMember self() const override { return kSelf; }
  std::size_t max_message_size() const override { return 4096; }

  static constexpr GroupMember kSelf{3, 300};
  cluster::MessagingHandlers handlers;
  std::vector<std::string> sent;
};

constexpr GroupMember kPeers[] = {{1, 100}, {2, 200}, {4, 400}};

cluster::ChunkLimits fuzz_limits() {
  cluster::ChunkLimits l;
  l.compress_threshold = 64;  // small, so that short inputs are chunked
  l.chunk_payload = 128;
  l.max_message = 64 * 1024;
  l.max_pending = 16 * 1024;
  return l;
}

cluster::GroupView view_of_all() {
  cluster::GroupView v;
  v.group = "fuzz";
  v.members.assign(std::begin(kPeers), std::end(kPeers));
  v.members.push_back(ScriptedGroup::kSelf);
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 256 * 1024) return -1;
  const cluster::ChunkLimits limits = fuzz_limits();
  ScriptedGroup group;
  cluster::ChunkedMessaging chunked(group, limits);
  std::vector<std::pair<GroupMember, std::string>> delivered;
  cluster::MessagingHandlers h;
  h.on_message = [&](const GroupMember& sender, std::string_view payload) {
    VIGIL_FUZZ_CHECK(payload.size() <= limits.max_message);
    delivered.emplace_back(sender, std::string(payload));
  };
  h.on_view = [](const cluster::GroupView&) {};
  chunked.set_handlers(std::move(h));
  VIGIL_FUZZ_CHECK(chunked.join("fuzz"));

  std::string_view in = fuzz::as_text(data, size);
  while (in.size() >= 3) {
    const auto control = static_cast<std::uint8_t>(in[0]);
    const std::size_t len = std::min<std::size_t>(
        in.size() - 3,
        static_cast<std::uint8_t>(in[1]) | std::size_t{static_cast<std::uint8_t>(in[2])} << 8);
    const std::string_view bytes = in.substr(3, len);
    in.remove_prefix(3 + len);
    const GroupMember sender = kPeers[(control & 3) % 3];

    if (control & 4) group.handlers.on_view(view_of_all());
    if (!(control & 8)) {
      delivered.clear();
      group.handlers.on_message(sender, bytes);
    } else {
      group.sent.clear();
      if (!chunked.send(bytes)) continue;  // over max_message: refused, nothing sent
      std::vector<std::string> chunks = std::move(group.sent);
      const int alteration = (control >> 4) & 3;
      const bool altered = alteration != 0 && chunks.size() > 1;
      if (altered) {
        const std::size_t at = bytes.size() % (chunks.size() - 1);
        if (alteration == 1) std::swap(chunks[at], chunks[at + 1]);
        if (alteration == 2)
          chunks.insert(chunks.begin() + static_cast<std::ptrdiff_t>(at), chunks[at]);
        if (alteration == 3) chunks.erase(chunks.begin() + static_cast<std::ptrdiff_t>(at));
      }
      delivered.clear();
      for (const std::string& c : chunks) group.handlers.on_message(ScriptedGroup::kSelf, c);
      std::size_t whole = 0;
      for (const auto& [from, message] : delivered) {
        VIGIL_FUZZ_CHECK(from == ScriptedGroup::kSelf);
        // A message of ours still incomplete from an earlier record may be
        // refused here, but nothing but this one can come out.
        VIGIL_FUZZ_CHECK(message == bytes);
        ++whole;
      }
      if (!altered) VIGIL_FUZZ_CHECK(whole == 1);
    }
    VIGIL_FUZZ_CHECK(chunked.incoming_bytes() <= limits.max_pending);
  }
  return 0;
}
