// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/ipc/frame.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <new>

using namespace vigil::ipc;
using vigil::ErrorCode;

// The largest single allocation while `g_watch` is set: the decoder must not
// allocate what a header merely announces.
namespace {
bool g_watch = false;
std::size_t g_largest = 0;
}  // namespace

// Every (non-aligned) form is replaced so that all of them pair malloc/free.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (g_watch && n > g_largest) g_largest = n;
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new(std::size_t n) {
  if (void* p = operator new(n, std::nothrow)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  return operator new(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return operator new(n, std::nothrow);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace {

std::string header_bytes(std::uint32_t magic, std::uint16_t version, std::uint16_t kind,
                         std::uint32_t id, std::uint32_t length) {
  std::string h(kHeaderSize, '\0');
  auto put = [&](std::size_t at, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) h[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  put(0, magic, 4);
  put(4, version, 2);
  put(6, kind, 2);
  put(8, id, 4);
  put(12, length, 4);
  return h;
}

}  // namespace

TEST_CASE("frame: the header layout is fixed and little-endian") {
  const std::string f = encode_frame(FrameKind::kRequest, 0x01020304, "abc");
  REQUIRE(f.size() == kHeaderSize + 3);
  CHECK(f.substr(0, 4) == "VIGL");
  CHECK(f.substr(4, 2) == std::string("\x01\x00", 2));  // version 1
  CHECK(f.substr(6, 2) == std::string("\x02\x00", 2));  // request
  CHECK(f.substr(8, 4) == "\x04\x03\x02\x01");
  CHECK(f.substr(12, 4) == std::string("\x03\x00\x00\x00", 4));
  CHECK(f.substr(16) == "abc");
  CHECK(f.substr(0, kHeaderSize) == header_bytes(kMagic, 1, 2, 0x01020304, 3));
}

TEST_CASE("frame: the decoder reassembles frames however the bytes arrive") {
  const std::string stream = encode_frame(FrameKind::kRequest, 1, "hello") +
                             encode_frame(FrameKind::kResponse, 2, "") +
                             encode_frame(FrameKind::kEvent, 0, std::string(70000, 'x'));
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{16}, stream.size()}) {
    FrameDecoder d;
    std::vector<Frame> out;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      REQUIRE(d.feed(std::string_view(stream).substr(at, chunk), out));
    }
    REQUIRE(out.size() == 3);
    CHECK(out[0].kind == FrameKind::kRequest);
    CHECK(out[0].id == 1);
    CHECK(out[0].payload == "hello");
    CHECK(out[1].kind == FrameKind::kResponse);
    CHECK(out[1].payload.empty());
    CHECK(out[2].payload.size() == 70000);
    CHECK(d.at_boundary());
    CHECK(d.buffered() == 0);
  }
}

TEST_CASE("frame: a partial frame is visible as such") {
  FrameDecoder d;
  std::vector<Frame> out;
  const std::string f = encode_frame(FrameKind::kRequest, 9, "payload");
  REQUIRE(d.feed(std::string_view(f).substr(0, 5), out));
  CHECK_FALSE(d.at_boundary());
  CHECK(d.buffered() == 5);
  REQUIRE(d.feed(std::string_view(f).substr(5, 14), out));
  CHECK(d.buffered() == 3);  // header done, 3 of 7 payload bytes
  REQUIRE(d.feed(std::string_view(f).substr(19), out));
  CHECK(d.at_boundary());
  CHECK(out.size() == 1);
}

TEST_CASE("frame: garbage, unknown versions and kinds are refused") {
  std::vector<Frame> out;
  {
    FrameDecoder d;
    auto s = d.feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n", out);
    REQUIRE_FALSE(s);
    CHECK(s.error().code() == ErrorCode::kInvalidInput);
    CHECK(s.error().message().find("bad magic") != std::string::npos);
    CHECK(d.failed());
    CHECK_FALSE(d.feed(encode_frame(FrameKind::kRequest, 1, "ok"), out));  // stays failed
  }
  {
    FrameDecoder d;
    auto s = d.feed(header_bytes(kMagic, 2, 2, 1, 0), out);
    REQUIRE_FALSE(s);
    CHECK(s.error().message() == "unsupported protocol version 2 (this side speaks 1)");
  }
  {
    FrameDecoder d;
    auto s = d.feed(header_bytes(kMagic, 1, 99, 1, 0), out);
    REQUIRE_FALSE(s);
    CHECK(s.error().message() == "unknown frame kind 99");
    CHECK_FALSE(FrameDecoder().feed(header_bytes(kMagic, 1, 0, 1, 0), out));
  }
  CHECK(out.empty());
}

TEST_CASE("frame: oversized frames are refused before anything is allocated for them") {
  std::vector<Frame> out;
  out.reserve(4);
  {
    FrameDecoder d(1024);
    REQUIRE(d.feed(header_bytes(kMagic, 1, 2, 1, 1024) + std::string(1024, 'a'), out));
    auto s = d.feed(header_bytes(kMagic, 1, 2, 2, 1025), out);
    REQUIRE_FALSE(s);
    CHECK(s.error().message() == "frame of 1025 bytes exceeds the limit of 1024");
  }
  FrameDecoder huge;  // default limit: 16 MiB
  const std::string announce_4g = header_bytes(kMagic, 1, 2, 1, 0xffffffff);
  const std::string announce_16m = header_bytes(kMagic, 1, 2, 1, 16 * 1024 * 1024);
  FrameDecoder allowed;
  g_largest = 0;
  g_watch = true;
  const auto refused = huge.feed(announce_4g, out);
  // An allowed but large frame: memory follows the bytes that arrive.
  const auto started = allowed.feed(announce_16m + "0123456789", out);
  g_watch = false;
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message() == "frame of 4294967295 bytes exceeds the limit of 16777216");
  REQUIRE(started);
  CHECK(allowed.buffered() == 10);
  CHECK(g_largest <= 64 * 1024 + 64);  // one 64 KiB step (+ the string's terminator)
}

TEST_CASE("frame: errors travel with their code") {
  const auto e =
      decode_error(encode_error(vigil::Error(ErrorCode::kNotFound, "no such rsc\nreally")));
  CHECK(e.code() == ErrorCode::kNotFound);
  CHECK(e.message() == "no such rsc\nreally");
  for (ErrorCode code :
       {ErrorCode::kInvalidInput, ErrorCode::kNotFound, ErrorCode::kUnsupported, ErrorCode::kIo,
        ErrorCode::kInternal, ErrorCode::kFailed, ErrorCode::kPermissionDenied}) {
    CHECK(decode_error(encode_error(vigil::Error(code, "m"))).code() == code);
  }
  CHECK(decode_error("plain text").code() == ErrorCode::kInternal);
  CHECK(decode_error("plain text").message() == "plain text");
  CHECK(decode_error("weird\nthing").message() == "weird\nthing");
  CHECK(std::string(to_string(FrameKind::kHello)) == "hello");
}
