// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target for the daemons' socket framing (lib/ipc/frame.hpp):
// the bytes a client or a server reads, fed to ipc::FrameDecoder in the
// slices a socket could deliver them in, as Connection::on_read and the
// Client do.
//
// Input: byte 0 picks the decoder's max_payload (2^(b % 25) bytes: small
// limits make the oversize refusal reachable), byte 1 seeds the slice
// sizes; the rest is the stream.
//
// Invariants:
//  - no frame's payload exceeds max_payload;
//  - the same stream fed in one piece gives the same frames and the same
//    verdict (the decoder does not depend on how reads are split);
//  - the frames re-encoded (encode_frame) decode to themselves, and the
//    decoder is at a boundary after them;
//  - an error payload survives decode_error -> encode_error -> decode_error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "vigil/ipc/frame.hpp"

using namespace vigil;

namespace {

struct Decoded {
  std::vector<ipc::Frame> frames;
  bool ok = true;
};

bool same_frames(const std::vector<ipc::Frame>& a, const std::vector<ipc::Frame>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].kind != b[i].kind || a[i].id != b[i].id || a[i].payload != b[i].payload) return false;
  }
  return true;
}

Decoded decode_sliced(std::string_view stream, std::size_t max_payload, std::uint8_t slice_seed) {
  ipc::FrameDecoder decoder(max_payload);
  Decoded d;
  std::uint32_t state = slice_seed * 2654435761u + 1;
  while (!stream.empty() && d.ok) {
    state = state * 1103515245u + 12345u;
    const std::size_t n = std::min<std::size_t>(stream.size(), 1 + (state >> 16) % 37);
    d.ok = static_cast<bool>(decoder.feed(stream.substr(0, n), d.frames));
    stream.remove_prefix(n);
  }
  // A failed decoder stays failed.
  if (!d.ok) {
    std::vector<ipc::Frame> more;
    VIGIL_FUZZ_CHECK(!decoder.feed("x", more) && more.empty());
    VIGIL_FUZZ_CHECK(decoder.failed());
  }
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return -1;
  const std::size_t max_payload = std::size_t{1} << (data[0] % 25);
  const std::uint8_t slice_seed = data[1];
  const std::string_view stream = fuzz::as_text(data + 2, size - 2);

  const Decoded sliced = decode_sliced(stream, max_payload, slice_seed);

  ipc::FrameDecoder whole(max_payload);
  std::vector<ipc::Frame> whole_frames;
  const bool whole_ok = static_cast<bool>(whole.feed(stream, whole_frames));
  VIGIL_FUZZ_CHECK(whole_ok == sliced.ok);
  VIGIL_FUZZ_CHECK(same_frames(whole_frames, sliced.frames));

  std::string reencoded;
  for (const ipc::Frame& f : sliced.frames) {
    VIGIL_FUZZ_CHECK(f.payload.size() <= max_payload);
    reencoded += ipc::encode_frame(f.kind, f.id, f.payload);
    if (f.kind == ipc::FrameKind::kError) {
      const Error e = ipc::decode_error(f.payload);
      const Error again = ipc::decode_error(ipc::encode_error(e));
      VIGIL_FUZZ_CHECK(again.code() == e.code());
      VIGIL_FUZZ_CHECK(again.message() == e.message());
    }
  }
  ipc::FrameDecoder second(max_payload);
  std::vector<ipc::Frame> again;
  VIGIL_FUZZ_CHECK(second.feed(reencoded, again));
  VIGIL_FUZZ_CHECK(second.at_boundary());
  VIGIL_FUZZ_CHECK(same_frames(again, sliced.frames));
  return 0;
}
