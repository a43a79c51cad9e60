// SPDX-License-Identifier: GPL-2.0-or-later
// The framing of Vigil's local client protocol (Unix stream sockets).
//
// Every frame is a 16-byte header followed by `length` payload bytes:
//
//   offset  size  field
//   0       4     magic    "VIGL"
//   4       2     version  kProtocolVersion (little-endian, as all fields)
//   6       2     kind     FrameKind
//   8       4     id       request id (client-chosen, non-zero) that the
//                          response or error repeats; 0 for connection-level
//                          frames (hello, refusal, events)
//   12      4     length   payload bytes, at most the receiver's limit
//
// A session: the server speaks first, kHello (accepted) or kError with id 0
// (refused, then it closes). The client then sends kRequest frames; each
// gets one kResponse or kError with the same id, in any order. The server
// may push kEvent frames at any time. A receiver drops the connection on
// any malformed frame; it checks the header (magic, version, kind, length
// against its limit) before it allocates anything for the payload.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/result.hpp"

namespace vigil::ipc {

inline constexpr std::uint32_t kMagic = 0x4c474956;  // "VIGL" read as little-endian
inline constexpr std::uint16_t kProtocolVersion = 1;
inline constexpr std::size_t kHeaderSize = 16;
inline constexpr std::size_t kDefaultMaxPayload = 16 * 1024 * 1024;
// The limit of the sockets that carry whole CIBs (cib.sock, pengine.sock):
// a steady-state CIB of thousands of resources is hundreds of megabytes.
// Safe to allow: payload memory grows only with the bytes a peer really
// sent (FrameDecoder), and only peers the access policy admits connect.
inline constexpr std::size_t kMaxDocumentPayload = std::size_t{1} << 31;

enum class FrameKind : std::uint16_t {
  kHello = 1,     // server -> client, id 0: connection accepted; payload: server name
  kRequest = 2,   // client -> server
  kResponse = 3,  // server -> client
  kError = 4,     // server -> client: payload is a message; id 0: the connection is refused/closed
  kEvent = 5,     // server -> client, id 0: a notification
};

const char* to_string(FrameKind kind);

struct FrameHeader {
  std::uint16_t version = kProtocolVersion;
  FrameKind kind = FrameKind::kRequest;
  std::uint32_t id = 0;
  std::uint32_t length = 0;
};

struct Frame {
  FrameKind kind = FrameKind::kRequest;
  std::uint32_t id = 0;
  std::string payload;
};

using HeaderBytes = std::array<char, kHeaderSize>;

HeaderBytes encode_header(const FrameHeader& header);
// Header and payload in one buffer. The payload must fit the 32-bit length.
std::string encode_frame(FrameKind kind, std::uint32_t id, std::string_view payload);

// The payload of a kError frame: the error code's name, a newline, the
// message ("invalid-input\nbad XML"), so the client gets the server's Error
// back. A payload without a known code decodes as kInternal.
std::string encode_error(const Error& error);
Error decode_error(std::string_view payload);

// Checks a header: magic, version, known kind, length <= max_payload.
// Errors are ErrorCode::kInvalidInput with a message fit to show the peer.
Result<FrameHeader> decode_header(const HeaderBytes& bytes, std::size_t max_payload);

// Incremental decoder for a byte stream. Feed whatever arrived; complete
// frames come out. After the first error it stays failed (the stream has
// lost its framing). Payload memory grows with the bytes actually received,
// so a header announcing a large frame costs nothing until the bytes come.
class FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t max_payload = kDefaultMaxPayload) : max_payload_(max_payload) {}

  Status feed(std::string_view bytes, std::vector<Frame>& out);
  // True between frames: at end of stream, anything else is a truncated frame.
  bool at_boundary() const { return header_fill_ == 0 && !in_payload_; }
  // Bytes of the incomplete frame held so far.
  std::size_t buffered() const { return header_fill_ + payload_.size(); }
  bool failed() const { return failed_; }

 private:
  std::size_t max_payload_;
  HeaderBytes header_{};
  std::size_t header_fill_ = 0;
  bool in_payload_ = false;
  FrameHeader current_;
  std::string payload_;
  bool failed_ = false;
};

}  // namespace vigil::ipc
