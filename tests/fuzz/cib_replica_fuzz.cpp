// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target for the messages of the CPG group "vigil-cib"
// (lib/cibd/replica.cpp): a CibNode, as vigil-cib runs it, gets the
// fuzzer's bytes as messages from a peer through the handler it installs on
// its Messaging -- the one ChunkedMessaging calls with every whole message
// Corosync delivers. Requests, diffs, acks, sync announcements, decisions
// and whole CIBs from a peer must be refused or applied, never crash.
//
// Input: byte 0 picks the roles (bit 0: this node is the master, else the
// peer is), then messages separated by NUL bytes (never in XML). Each
// message's first byte is a control byte: bit 0 sends it as this node
// (its own messages come back too, as from Corosync), bits 1-3 move the
// clock by 0.5 s * value first (sync timeouts and retries fire); the rest
// is the payload. What the node sends itself is delivered back to it, in
// order, before the next message of the input.
//
// Invariants: the replica stays a document that answers a query; the
// master is who the view says it is.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>

#include "fuzz_support.hpp"
#include "vigil/cibd/replica.hpp"
#include "vigil/cibd/store.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/log/log.hpp"

using namespace vigil;
using cluster::GroupMember;

namespace {

// Keeps the handlers the node installs; what it sends is queued and handed
// back to it (agreed order includes the sender's own messages).
class ScriptedGroup final : public cluster::Messaging {
 public:
  explicit ScriptedGroup(GroupMember self) : self_(self) {}
  void set_handlers(cluster::MessagingHandlers h) override { handlers = std::move(h); }
  Status join(std::string_view) override { return ok_status(); }
  Status leave() override { return ok_status(); }
  Status send(std::string_view payload) override {
    if (outbox.size() >= kMaxOutbox) return Error(ErrorCode::kIo, "fuzz: outbox full");
    outbox.emplace_back(payload);
    return ok_status();
  }
  GroupMember self() const override { return self_; }
  std::size_t max_message_size() const override { return std::size_t{1} << 30; }

  // Delivers what the node sent, bounded: a node that keeps answering
  // itself is cut off (and is a finding only if it crashes).
  void loop_back() {
    for (int i = 0; i < 64 && !outbox.empty(); ++i) {
      std::string m = std::move(outbox.front());
      outbox.pop_front();
      if (handlers.on_message) handlers.on_message(self_, m);
    }
  }

  static constexpr std::size_t kMaxOutbox = 256;
  cluster::MessagingHandlers handlers;
  std::deque<std::string> outbox;

 private:
  GroupMember self_;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  xml::init();
  // The node logs every refusal: keep the fuzzer's output (and speed) clean.
  log::set_capture([](LogLevel, std::string_view) {});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 128 * 1024) return -1;
  const bool self_is_master = (data[0] & 1) != 0;
  // The members of the simulated run that recorded the seeds (make_seeds),
  // so that their sync tags name this view: the master is node 1.
  const GroupMember master{1, 1000};
  const GroupMember other{2, 1001};
  const GroupMember self = self_is_master ? master : other;
  const GroupMember peer = self_is_master ? other : master;

  ManualClock clock;
  ScriptedGroup group(self);
  cibd::CibNodeOptions options;
  options.node_name = "fuzz";
  cibd::CibNode node(group, clock, cibd::Store::empty(), options);
  VIGIL_FUZZ_CHECK(node.start());

  cluster::GroupView view;
  view.group = cibd::kCibGroup;
  view.members = {self, peer};
  view.joined = {self, peer};
  group.handlers.on_view(view);
  group.loop_back();
  VIGIL_FUZZ_CHECK(node.is_master() == self_is_master);

  for (std::string_view piece :
       fuzz::split_messages(fuzz::as_text(data + 1, size - 1), std::string_view("\0", 1), 64)) {
    if (piece.empty()) continue;
    const auto control = static_cast<std::uint8_t>(piece[0]);
    piece.remove_prefix(1);
    if (const int steps = (control >> 1) & 7; steps > 0) clock.advance(Duration{500 * steps});
    group.loop_back();
    group.handlers.on_message((control & 1) ? self : peer, piece);
    group.loop_back();
    VIGIL_FUZZ_CHECK(node.store().doc() != nullptr);
    VIGIL_FUZZ_CHECK(node.is_master() == self_is_master);
  }
  // Whatever happened, the replica is a CIB that a client can read.
  VIGIL_FUZZ_CHECK(node.query("/cib"));
  VIGIL_FUZZ_CHECK(xml::parse_string(node.store().to_xml(), "replica"));
  node.stop();
  return 0;
}
