// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target for the executor protocol (lib/lrmd/protocol.hpp): the
// payloads vigil-lrmd decodes from its clients (decode_request, called by
// lrmd::Service for every request frame) and those its clients decode from
// it (events, history, agents, metadata and exec replies: lrmd::Client).
//
// Input: byte 0 picks the decoder (most values: the request decoder, the
// daemon's side), the rest is the payload.
//
// Invariant (decode -> encode -> decode): whatever decodes re-encodes to a
// payload that decodes again and encodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/lrmd/protocol.hpp"

using namespace vigil;

namespace {

// decode(payload); when it decodes, encode must be a fixed point after one
// round (the first encoding may normalise: defaults, truncated output).
template <typename Decode, typename Encode>
void round_trip(std::string_view payload, Decode decode, Encode encode) {
  auto first = decode(payload);
  if (!first) return;
  const std::string once = encode(*first);
  auto second = decode(once);
  if (!second) {
    std::fprintf(stderr, "re-encoded payload refused: %s\n%s\n", second.error().message().c_str(),
                 once.c_str());
  }
  VIGIL_FUZZ_CHECK(second);
  VIGIL_FUZZ_CHECK(encode(*second) == once);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  xml::init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 64 * 1024) return -1;
  const std::string_view payload = fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 8) {
    case 0:
      round_trip(payload, lrmd::decode_event, lrmd::encode_event);
      break;
    case 1:
      round_trip(payload, lrmd::decode_history_reply, lrmd::encode_history_reply);
      break;
    case 2:
      round_trip(payload, lrmd::decode_agents_reply, lrmd::encode_agents_reply);
      break;
    case 3:
      round_trip(payload, lrmd::decode_metadata_reply, lrmd::encode_metadata_reply);
      round_trip(payload, lrmd::decode_exec_reply, lrmd::encode_exec_reply);
      (void)lrmd::decode_ok(payload);
      break;
    default:  // the daemon's side, half of all inputs
      round_trip(payload, lrmd::decode_request, lrmd::encode_request);
      break;
  }
  return 0;
}
