// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cluster/chunking.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "vigil/cluster/sim_random.hpp"

namespace vigil::cluster {
namespace {

const GroupMember kA{1, 100};
const GroupMember kB{2, 200};

ChunkLimits small_limits() {
  ChunkLimits l;
  l.compress_threshold = 1024;
  l.chunk_payload = 4096;
  l.max_message = 4 * 1024 * 1024;
  l.max_pending = 4 * 1024 * 1024;
  return l;
}

// Compressible: XML-like repetition.
std::string xmlish(std::size_t bytes) {
  std::string out;
  for (int i = 0; out.size() < bytes; ++i) {
    out += "<primitive id=\"r" + std::to_string(i) + "\" class=\"ocf\" type=\"Dummy\"/>";
  }
  out.resize(bytes);
  return out;
}

// Incompressible: random bytes from a fixed seed.
std::string noise(std::size_t bytes, std::uint64_t seed = 7) {
  SimRandom r(seed);
  std::string out(bytes, '\0');
  for (char& c : out) c = static_cast<char>(r.below(256));
  return out;
}

// Overwrites a little-endian header field of a chunk.
void set_field(std::string& chunk, std::size_t at, int bytes, std::uint64_t v) {
  for (int i = 0; i < bytes; ++i)
    chunk[at + static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
}
constexpr std::size_t kIndex = 16, kCount = 20, kEncoded = 24, kSize = 32;

std::vector<std::string> split(std::string_view payload, std::uint64_t id,
                               const ChunkLimits& l = small_limits()) {
  auto chunks = split_message(payload, id, l);
  REQUIRE(chunks);
  return std::move(chunks).value();
}

// Feeds every chunk; returns the messages delivered and counts refusals.
std::vector<std::string> feed(Reassembler& r, const GroupMember& from,
                              const std::vector<std::string>& chunks, int* refusals = nullptr) {
  std::vector<std::string> out;
  for (const std::string& c : chunks) {
    REQUIRE(is_chunk(c));
    ChunkOutcome o = r.accept(from, c);
    if (o.refused && refusals != nullptr) ++*refusals;
    if (o.message) out.push_back(std::move(*o.message));
  }
  return out;
}

}  // namespace

TEST_CASE("chunking: a small message travels unframed, a large one compressed in chunks") {
  const ChunkLimits l = small_limits();
  auto small = split("<cibd t=\"ack\"/>", 1, l);
  REQUIRE(small.size() == 1);
  CHECK(small[0] == "<cibd t=\"ack\"/>");
  CHECK_FALSE(is_chunk(small[0]));

  const std::string big = xmlish(1024 * 1024);
  auto chunks = split(big, 2, l);
  CHECK(chunks.size() > 1);
  std::size_t wire = 0;
  for (const auto& c : chunks) {
    CHECK(c.size() <= l.chunk_payload + kChunkHeaderSize);
    wire += c.size();
  }
  CHECK(wire < big.size() / 4);  // compressed
  Reassembler r(l);
  auto got = feed(r, kA, chunks);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == big);
  CHECK(r.pending_bytes() == 0);
  CHECK(r.pending_messages() == 0);
}

TEST_CASE(
    "chunking: incompressible data travels raw; a message that looks like a chunk is framed") {
  const std::string big = noise(100 * 1000);
  auto chunks = split(big, 3);
  CHECK(chunks.size() == (big.size() + 4095) / 4096);
  Reassembler r(small_limits());
  auto got = feed(r, kA, chunks);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == big);

  const std::string tricky = std::string("\0VCKxx", 6);
  auto framed = split(tricky, 4);
  REQUIRE(framed.size() == 1);
  CHECK(framed[0] != tricky);
  got = feed(r, kA, framed);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == tricky);
}

TEST_CASE("chunking: senders are reassembled apart, interleaved") {
  const std::string a = xmlish(300 * 1000), b = noise(50 * 1000);
  auto ca = split(a, 1), cb = split(b, 1);
  Reassembler r(small_limits());
  std::vector<std::string> got;
  for (std::size_t i = 0; i < std::max(ca.size(), cb.size()); ++i) {
    if (i < ca.size()) {
      if (auto o = r.accept(kA, ca[i]); o.message) got.push_back(*o.message);
    }
    if (i < cb.size()) {
      if (auto o = r.accept(kB, cb[i]); o.message) got.push_back(*o.message);
    }
  }
  REQUIRE(got.size() == 2);
  CHECK(((got[0] == a && got[1] == b) || (got[0] == b && got[1] == a)));
}

TEST_CASE("chunking: a chunk out of order, repeated or missing refuses the message whole") {
  const std::string big = noise(20 * 4096);
  auto chunks = split(big, 9);
  REQUIRE(chunks.size() == 20);
  Reassembler r(small_limits());

  SECTION("out of order") {
    std::swap(chunks[3], chunks[4]);
    int refusals = 0;
    CHECK(feed(r, kA, chunks, &refusals).empty());
    CHECK(refusals == 1);  // reported once; the rest of the message is dropped quietly
  }
  SECTION("repeated") {
    chunks.insert(chunks.begin() + 5, chunks[5]);
    int refusals = 0;
    CHECK(feed(r, kA, chunks, &refusals).empty());
    CHECK(refusals == 1);
  }
  SECTION("missing in the middle") {
    chunks.erase(chunks.begin() + 7);
    int refusals = 0;
    CHECK(feed(r, kA, chunks, &refusals).empty());
    CHECK(refusals == 1);
  }
  SECTION("missing at the end: refused when the next message begins, which is delivered") {
    chunks.pop_back();
    CHECK(feed(r, kA, chunks).empty());
    CHECK(r.pending_messages() == 1);
    const std::string next = noise(3 * 4096, 8);
    auto more = split(next, 10);
    ChunkOutcome first = r.accept(kA, more[0]);
    REQUIRE(first.refused);
    CHECK(first.refused->message().find("message 9 refused") != std::string::npos);
    std::vector<std::string> rest(more.begin() + 1, more.end());
    auto got = feed(r, kA, rest);
    REQUIRE(got.size() == 1);
    CHECK(got[0] == next);
  }
  SECTION("missing at the start (joined in the middle)") {
    chunks.erase(chunks.begin());
    int refusals = 0;
    CHECK(feed(r, kA, chunks, &refusals).empty());
    CHECK(refusals == 1);
  }
  CHECK(r.pending_bytes() == 0);
}

TEST_CASE("chunking: a sender that leaves mid-message costs nothing afterwards") {
  auto chunks = split(noise(10 * 4096), 1);
  Reassembler r(small_limits());
  for (std::size_t i = 0; i < 5; ++i) CHECK_FALSE(r.accept(kA, chunks[i]).message);
  CHECK(r.pending_bytes() == 5 * 4096);
  r.drop(kA);
  CHECK(r.pending_bytes() == 0);
  CHECK(r.pending_messages() == 0);
  // What was still in flight is refused, never delivered.
  int refusals = 0;
  std::vector<std::string> rest(chunks.begin() + 5, chunks.end());
  CHECK(feed(r, kA, rest, &refusals).empty());
  CHECK(refusals == 1);

  for (std::size_t i = 0; i < 5; ++i) CHECK_FALSE(r.accept(kB, chunks[i]).message);
  r.drop_all();
  CHECK(r.pending_bytes() == 0);
}

TEST_CASE("chunking: lying sizes are refused, nothing is held") {
  const std::string big = noise(8 * 4096);
  Reassembler r(small_limits());
  auto refused = [&](std::vector<std::string> chunks) {
    int refusals = 0;
    auto got = feed(r, kA, chunks, &refusals);
    CHECK(got.empty());
    CHECK(refusals >= 1);
    CHECK(r.pending_bytes() == 0);
    r.drop(kA);
  };
  SECTION("a declared size over the limit") {
    auto c = split(big, 1);
    for (auto& x : c) set_field(x, kSize, 8, std::uint64_t{1} << 40);
    refused(c);
  }
  SECTION("encoded size larger than the chunks carry") {
    auto c = split(big, 1);
    for (auto& x : c) set_field(x, kEncoded, 8, big.size() + 10);
    for (auto& x : c) set_field(x, kSize, 8, big.size() + 10);
    refused(c);
  }
  SECTION("encoded size smaller than the chunks carry") {
    auto c = split(big, 1);
    for (auto& x : c) set_field(x, kEncoded, 8, big.size() - 10);
    for (auto& x : c) set_field(x, kSize, 8, big.size() - 10);
    refused(c);
  }
  SECTION("a count of zero, or more chunks than bytes") {
    auto c = split(big, 1);
    set_field(c[0], kCount, 4, 0);
    refused({c[0]});
    auto d = split(big, 2);
    for (auto& x : d) set_field(x, kCount, 4, 1u << 30);
    refused(d);
  }
  SECTION("a later chunk that changes the sizes") {
    auto c = split(big, 1);
    set_field(c[3], kCount, 4, 9);
    refused(c);
  }
  SECTION("an index beyond the count") {
    auto c = split(big, 1);
    set_field(c.back(), kIndex, 4, 8);
    refused(c);
  }
  SECTION("a header cut short, an unknown version or encoding") {
    auto c = split(big, 1);
    refused({c[0].substr(0, 20)});
    std::string v = c[0];
    v[4] = 2;
    refused({v});
    std::string e = c[0];
    e[5] = 9;
    refused({e});
  }
}

TEST_CASE("chunking: a decompression bomb stops at its declared size") {
  // 64 MiB of zeros deflate to ~64 KiB; declared as 1 MiB.
  auto bomb = deflate_bytes(std::string(64 * 1024 * 1024, '\0'));
  REQUIRE(bomb);
  auto out = inflate_bytes(*bomb, 1024 * 1024);
  REQUIRE_FALSE(out);
  CHECK(out.error().message().find("more than its declared") != std::string::npos);

  // The same through chunks: refused whole.
  ChunkLimits l = small_limits();
  l.chunk_payload = 1024 * 1024;
  auto chunks = split(std::string(2 * 1024 * 1024, '\0'), 5, l);
  REQUIRE(chunks.size() == 1);
  set_field(chunks[0], kSize, 8, 1000);
  Reassembler r(l);
  ChunkOutcome o = r.accept(kA, chunks[0]);
  CHECK_FALSE(o.message);
  REQUIRE(o.refused);
  CHECK(o.refused->message().find("declared") != std::string::npos);

  // And a declared size beyond the limit is refused before decoding.
  set_field(chunks[0], kSize, 8, l.max_message + 1);
  o = r.accept(kA, chunks[0]);
  CHECK_FALSE(o.message);
  CHECK(o.refused);
}

TEST_CASE("chunking: corrupt or short compressed data is refused") {
  auto z = deflate_bytes(xmlish(100 * 1000));
  REQUIRE(z);
  CHECK_FALSE(inflate_bytes(z->substr(0, z->size() / 2), 100 * 1000));
  CHECK_FALSE(inflate_bytes(*z, 100 * 1000 + 1));
  std::string bad = *z;
  for (std::size_t i = 10; i < bad.size(); i += 7) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
  CHECK_FALSE(inflate_bytes(bad, 100 * 1000));
  CHECK_FALSE(inflate_bytes(*z + "trailing", 100 * 1000));
  auto ok = inflate_bytes(*z, 100 * 1000);
  REQUIRE(ok);
  CHECK(*ok == xmlish(100 * 1000));
}

TEST_CASE("chunking: memory held for incomplete messages is capped") {
  ChunkLimits l = small_limits();
  l.max_pending = 10 * 4096;
  Reassembler r(l);
  auto a = split(noise(8 * 4096, 1), 1, l);
  auto b = split(noise(8 * 4096, 2), 1, l);
  for (std::size_t i = 0; i < 7; ++i) CHECK_FALSE(r.accept(kA, a[i]).refused);
  CHECK(r.pending_bytes() == 7 * 4096);
  for (std::size_t i = 0; i < 3; ++i) CHECK_FALSE(r.accept(kB, b[i]).refused);
  ChunkOutcome o = r.accept(kB, b[3]);
  REQUIRE(o.refused);
  CHECK(o.refused->message().find("limit") != std::string::npos);
  CHECK(r.pending_bytes() == 7 * 4096);  // B's share released
  auto got = r.accept(kA, a[7]);
  REQUIRE(got.message);
  CHECK(*got.message == noise(8 * 4096, 1));
  CHECK(r.pending_bytes() == 0);
}

TEST_CASE("chunking: a message over the limit is refused at the sender") {
  ChunkLimits l = small_limits();
  auto out = split_message(std::string(l.max_message + 1, 'x'), 1, l);
  REQUIRE_FALSE(out);
  CHECK(out.error().code() == ErrorCode::kInvalidInput);
}

}  // namespace vigil::cluster
