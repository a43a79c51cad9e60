// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/ipc/frame.hpp"

#include <algorithm>
#include <utility>

namespace vigil::ipc {
namespace {

// Grow payload buffers by at most this much ahead of the data received.
constexpr std::size_t kReserveStep = 64 * 1024;

void put16(char* p, std::uint16_t v) {
  p[0] = static_cast<char>(v & 0xff);
  p[1] = static_cast<char>(v >> 8);
}
void put32(char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint16_t get16(const char* p) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(p[0]) |
                                    static_cast<unsigned char>(p[1]) << 8);
}
std::uint32_t get32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(p[i]);
  return v;
}

bool known_kind(std::uint16_t k) {
  return k >= static_cast<std::uint16_t>(FrameKind::kHello) &&
         k <= static_cast<std::uint16_t>(FrameKind::kEvent);
}

constexpr std::pair<ErrorCode, std::string_view> kCodeNames[] = {
    {ErrorCode::kInvalidInput, "invalid-input"},
    {ErrorCode::kNotFound, "not-found"},
    {ErrorCode::kUnsupported, "unsupported"},
    {ErrorCode::kIo, "io"},
    {ErrorCode::kInternal, "internal"},
    {ErrorCode::kFailed, "failed"},
    // The CIB's ACLs.
    {ErrorCode::kPermissionDenied, "permission-denied"},
};

}  // namespace

std::string encode_error(const Error& error) {
  for (const auto& [code, name] : kCodeNames) {
    if (code == error.code()) return std::string(name) + "\n" + error.message();
  }
  return "internal\n" + error.message();
}

Error decode_error(std::string_view payload) {
  const auto nl = payload.find('\n');
  if (nl != std::string_view::npos) {
    for (const auto& [code, name] : kCodeNames) {
      if (payload.substr(0, nl) == name) return Error(code, std::string(payload.substr(nl + 1)));
    }
  }
  return Error(ErrorCode::kInternal, std::string(payload));
}

const char* to_string(FrameKind kind) {
  switch (kind) {
    case FrameKind::kHello:
      return "hello";
    case FrameKind::kRequest:
      return "request";
    case FrameKind::kResponse:
      return "response";
    case FrameKind::kError:
      return "error";
    case FrameKind::kEvent:
      return "event";
  }
  return "unknown";
}

HeaderBytes encode_header(const FrameHeader& h) {
  HeaderBytes b{};
  put32(&b[0], kMagic);
  put16(&b[4], h.version);
  put16(&b[6], static_cast<std::uint16_t>(h.kind));
  put32(&b[8], h.id);
  put32(&b[12], h.length);
  return b;
}

std::string encode_frame(FrameKind kind, std::uint32_t id, std::string_view payload) {
  const HeaderBytes h = encode_header(
      FrameHeader{kProtocolVersion, kind, id, static_cast<std::uint32_t>(payload.size())});
  std::string out;
  out.reserve(kHeaderSize + payload.size());
  out.append(h.data(), h.size());
  out.append(payload);
  return out;
}

Result<FrameHeader> decode_header(const HeaderBytes& b, std::size_t max_payload) {
  if (get32(&b[0]) != kMagic) {
    return Error(ErrorCode::kInvalidInput, "not a Vigil IPC frame (bad magic)");
  }
  FrameHeader h;
  h.version = get16(&b[4]);
  if (h.version != kProtocolVersion) {
    return Error(ErrorCode::kInvalidInput, "unsupported protocol version " +
                                               std::to_string(h.version) + " (this side speaks " +
                                               std::to_string(kProtocolVersion) + ")");
  }
  const std::uint16_t kind = get16(&b[6]);
  if (!known_kind(kind)) {
    return Error(ErrorCode::kInvalidInput, "unknown frame kind " + std::to_string(kind));
  }
  h.kind = static_cast<FrameKind>(kind);
  h.id = get32(&b[8]);
  h.length = get32(&b[12]);
  if (h.length > max_payload) {
    return Error(ErrorCode::kInvalidInput, "frame of " + std::to_string(h.length) +
                                               " bytes exceeds the limit of " +
                                               std::to_string(max_payload));
  }
  return h;
}

Status FrameDecoder::feed(std::string_view bytes, std::vector<Frame>& out) {
  if (failed_) return Error(ErrorCode::kInvalidInput, "stream already failed");
  while (!bytes.empty()) {
    if (!in_payload_) {
      const std::size_t n = std::min(bytes.size(), kHeaderSize - header_fill_);
      std::copy_n(bytes.data(), n, header_.data() + header_fill_);
      header_fill_ += n;
      bytes.remove_prefix(n);
      if (header_fill_ < kHeaderSize) break;
      auto h = decode_header(header_, max_payload_);
      if (!h) {
        failed_ = true;
        return h.error();
      }
      current_ = *h;
      header_fill_ = 0;
      in_payload_ = true;
      payload_.clear();
      payload_.reserve(std::min<std::size_t>(current_.length, kReserveStep));
    }
    const std::size_t want = current_.length - payload_.size();
    const std::size_t n = std::min(bytes.size(), want);
    payload_.append(bytes.data(), n);
    bytes.remove_prefix(n);
    if (payload_.size() == current_.length) {
      out.push_back(Frame{current_.kind, current_.id, std::move(payload_)});
      payload_ = std::string();
      in_payload_ = false;
    }
  }
  return ok_status();
}

}  // namespace vigil::ipc
