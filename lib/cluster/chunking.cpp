// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cluster/chunking.hpp"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace vigil::cluster {
namespace {

constexpr char kMagic[4] = {'\0', 'V', 'C', 'K'};
constexpr std::uint8_t kVersion = 1;
constexpr std::uint8_t kRaw = 0;
constexpr std::uint8_t kZlib = 1;
// Output grows by at most this much ahead of what zlib produced.
constexpr std::size_t kInflateStep = 1024 * 1024;
// zlib's counters are 32-bit: feed it in slices.
constexpr std::size_t kZlibSlice = std::size_t{1} << 30;

void put(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint64_t get(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) {
    v = v << 8 | static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]);
  }
  return v;
}

struct Header {
  std::uint8_t encoding = kRaw;
  std::uint64_t id = 0;
  std::uint32_t index = 0;
  std::uint32_t count = 0;
  std::uint64_t encoded = 0;
  std::uint64_t size = 0;
};

std::string encode_header(const Header& h) {
  std::string out(kMagic, sizeof kMagic);
  put(out, kVersion, 1);
  put(out, h.encoding, 1);
  put(out, 0, 2);
  put(out, h.id, 8);
  put(out, h.index, 4);
  put(out, h.count, 4);
  put(out, h.encoded, 8);
  put(out, h.size, 8);
  return out;
}

Result<Header> decode_header(std::string_view m) {
  if (m.size() < kChunkHeaderSize) {
    return Error(ErrorCode::kInvalidInput,
                 "a chunk of " + std::to_string(m.size()) + " bytes is shorter than its header");
  }
  if (get(m, 4, 1) != kVersion) {
    return Error(ErrorCode::kInvalidInput,
                 "chunk format version " + std::to_string(get(m, 4, 1)) + " is not 1");
  }
  Header h;
  h.encoding = static_cast<std::uint8_t>(get(m, 5, 1));
  if (h.encoding != kRaw && h.encoding != kZlib) {
    return Error(ErrorCode::kInvalidInput, "unknown chunk encoding " + std::to_string(h.encoding));
  }
  if (get(m, 6, 2) != 0) return Error(ErrorCode::kInvalidInput, "chunk reserved bytes are not 0");
  h.id = get(m, 8, 8);
  h.index = static_cast<std::uint32_t>(get(m, 16, 4));
  h.count = static_cast<std::uint32_t>(get(m, 20, 4));
  h.encoded = get(m, 24, 8);
  h.size = get(m, 32, 8);
  return h;
}

struct Inflater {
  z_stream z{};
  bool open = false;
  ~Inflater() {
    if (open) inflateEnd(&z);
  }
};

}  // namespace

bool is_chunk(std::string_view message) {
  return message.size() >= sizeof kMagic && std::memcmp(message.data(), kMagic, sizeof kMagic) == 0;
}

Result<std::string> deflate_bytes(std::string_view raw) {
  uLongf bound = compressBound(static_cast<uLong>(raw.size()));
  std::string out(bound, '\0');
  const int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &bound,
                           reinterpret_cast<const Bytef*>(raw.data()),
                           static_cast<uLong>(raw.size()), Z_BEST_SPEED);
  if (rc != Z_OK) {
    return Error(ErrorCode::kInternal, "zlib cannot compress " + std::to_string(raw.size()) +
                                           " bytes (error " + std::to_string(rc) + ")");
  }
  out.resize(bound);
  return out;
}

Result<std::string> inflate_bytes(std::string_view encoded, std::size_t size) {
  Inflater inf;
  if (inflateInit(&inf.z) != Z_OK) return Error(ErrorCode::kInternal, "zlib: inflateInit failed");
  inf.open = true;
  std::string out;
  std::size_t produced = 0;
  std::size_t fed = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (inf.z.avail_in == 0 && fed < encoded.size()) {
      const std::size_t n = std::min(encoded.size() - fed, kZlibSlice);
      inf.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(encoded.data() + fed));
      inf.z.avail_in = static_cast<uInt>(n);
      fed += n;
    }
    // Room for one byte past `size`: producing it proves the data lies.
    const std::size_t room = std::min(size + 1 - produced, kInflateStep);
    out.resize(produced + room);
    inf.z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    inf.z.avail_out = static_cast<uInt>(room);
    rc = inflate(&inf.z, Z_NO_FLUSH);
    produced += room - inf.z.avail_out;
    if (produced > size) {
      return Error(ErrorCode::kInvalidInput,
                   "compressed message decodes to more than its declared " + std::to_string(size) +
                       " bytes");
    }
    if (rc == Z_BUF_ERROR && inf.z.avail_in == 0 && fed == encoded.size()) {
      return Error(ErrorCode::kInvalidInput, "compressed message is truncated (" +
                                                 std::to_string(produced) + " of " +
                                                 std::to_string(size) + " bytes)");
    }
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      return Error(ErrorCode::kInvalidInput,
                   std::string("compressed message is corrupt: ") +
                       (inf.z.msg != nullptr ? inf.z.msg : "zlib error " + std::to_string(rc)));
    }
  }
  if (produced != size) {
    return Error(ErrorCode::kInvalidInput, "compressed message decodes to " +
                                               std::to_string(produced) + " bytes, not " +
                                               std::to_string(size));
  }
  if (inf.z.avail_in != 0 || fed != encoded.size()) {
    return Error(ErrorCode::kInvalidInput, "bytes follow the end of a compressed message");
  }
  out.resize(produced);
  return out;
}

Result<std::vector<std::string>> split_message(std::string_view payload, std::uint64_t id,
                                               const ChunkLimits& limits) {
  if (payload.size() > limits.max_message) {
    return Error(ErrorCode::kInvalidInput, "message of " + std::to_string(payload.size()) +
                                               " bytes exceeds the limit of " +
                                               std::to_string(limits.max_message));
  }
  std::vector<std::string> out;
  if (payload.size() <= limits.compress_threshold && !is_chunk(payload)) {
    out.emplace_back(payload);
    return out;
  }
  Header h;
  h.id = id;
  h.size = payload.size();
  std::string compressed;
  if (payload.size() > limits.compress_threshold) {
    auto z = deflate_bytes(payload);
    if (!z) return z.error();
    if (z->size() < payload.size()) {
      compressed = std::move(z).value();
      h.encoding = kZlib;
    }
  }
  const std::string_view body = h.encoding == kZlib ? std::string_view(compressed) : payload;
  const std::size_t step = std::max<std::size_t>(limits.chunk_payload, 1);
  const std::size_t count = std::max<std::size_t>((body.size() + step - 1) / step, 1);
  if (count > UINT32_MAX) return Error(ErrorCode::kInvalidInput, "message needs too many chunks");
  h.count = static_cast<std::uint32_t>(count);
  h.encoded = body.size();
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    h.index = static_cast<std::uint32_t>(i);
    const std::string_view slice = body.substr(std::min(i * step, body.size()), step);
    std::string chunk = encode_header(h);
    chunk.append(slice);
    out.push_back(std::move(chunk));
  }
  return out;
}

std::size_t Reassembler::pending_messages() const {
  return static_cast<std::size_t>(std::count_if(senders_.begin(), senders_.end(),
                                                [](const auto& kv) { return kv.second.partial; }));
}

void Reassembler::release(SenderState& state) {
  if (state.partial) {
    pending_bytes_ -= state.partial->data.size();
    state.partial.reset();
  }
}

Error Reassembler::refuse(SenderState& state, std::uint64_t id, const std::string& why) {
  release(state);
  state.discarding = id;
  return Error(ErrorCode::kInvalidInput, "message " + std::to_string(id) + " refused: " + why);
}

void Reassembler::drop(const GroupMember& sender) {
  auto it = senders_.find(sender);
  if (it == senders_.end()) return;
  release(it->second);
  senders_.erase(it);
}

void Reassembler::drop_all() {
  senders_.clear();
  pending_bytes_ = 0;
}

ChunkOutcome Reassembler::accept(const GroupMember& sender, std::string_view message) {
  ChunkOutcome out;
  auto h = decode_header(message);
  SenderState& state = senders_[sender];
  if (!h) {
    // Without a trustworthy id, whatever the sender had in progress goes too.
    release(state);
    out.refused = h.error();
    return out;
  }
  const std::string_view slice = message.substr(kChunkHeaderSize);
  if (h->index == 0) {
    if (state.partial) {
      const std::uint32_t got = state.partial->next;
      const std::uint32_t of = state.partial->count;
      out.refused = refuse(state, state.partial->id,
                           "a new message began after " + std::to_string(got) + " of its " +
                               std::to_string(of) + " chunks");
    }
    state.discarding.reset();
    const std::uint64_t cap =
        h->encoding == kRaw ? limits_.max_message : compressBound(limits_.max_message);
    std::string why;
    if (h->count == 0) {
      why = "a count of 0 chunks";
    } else if (h->size > limits_.max_message) {
      why = "declared size of " + std::to_string(h->size) + " bytes exceeds the limit of " +
            std::to_string(limits_.max_message);
    } else if (h->encoded > cap) {
      why = "declared encoded size of " + std::to_string(h->encoded) + " bytes exceeds " +
            std::to_string(cap);
    } else if (h->encoding == kRaw && h->encoded != h->size) {
      why = "raw message whose encoded and decoded sizes differ";
    } else if (h->count > std::max<std::uint64_t>(h->encoded, 1)) {
      why = std::to_string(h->count) + " chunks for " + std::to_string(h->encoded) + " bytes";
    }
    if (!why.empty()) {
      const Error e = refuse(state, h->id, why);
      if (!out.refused) out.refused = e;
      return out;
    }
    Partial p;
    p.id = h->id;
    p.encoding = h->encoding;
    p.count = h->count;
    p.encoded = h->encoded;
    p.size = h->size;
    state.partial = std::move(p);
  } else if (!state.partial) {
    if (state.discarding && *state.discarding == h->id) return out;  // already reported
    out.refused = refuse(
        state, h->id, "chunk " + std::to_string(h->index) + " came without the chunks before it");
    return out;
  }
  Partial& p = *state.partial;
  std::string why;
  if (h->id != p.id) {
    why = "a chunk of message " + std::to_string(h->id) + " came in the middle";
  } else if (h->index != p.next) {
    why = "chunk " + std::to_string(h->index) + " came when " + std::to_string(p.next) +
          " was expected (missing, repeated or out of order)";
  } else if (h->count != p.count || h->encoded != p.encoded || h->size != p.size ||
             h->encoding != p.encoding) {
    why = "chunk " + std::to_string(h->index) + " disagrees with the first on the message's sizes";
  } else if (p.data.size() + slice.size() > p.encoded) {
    why = "chunks carry more than the declared " + std::to_string(p.encoded) + " bytes";
  } else if (slice.empty() && p.encoded != 0) {
    why = "an empty chunk";
  } else if (pending_bytes_ + slice.size() > limits_.max_pending) {
    why = "incomplete messages already hold " + std::to_string(pending_bytes_) + " bytes (limit " +
          std::to_string(limits_.max_pending) + ")";
  }
  if (!why.empty()) {
    out.refused = refuse(state, p.id, why);
    return out;
  }
  p.data.append(slice);
  pending_bytes_ += slice.size();
  ++p.next;
  if (p.next < p.count) return out;
  if (p.data.size() != p.encoded) {
    out.refused = refuse(state, p.id,
                         "its chunks carry " + std::to_string(p.data.size()) + " bytes, not the " +
                             std::to_string(p.encoded) + " declared");
    return out;
  }
  Partial done = std::move(*state.partial);
  pending_bytes_ -= done.data.size();
  state.partial.reset();
  if (done.encoding == kRaw) {
    out.message = std::move(done.data);
    return out;
  }
  auto raw = inflate_bytes(done.data, static_cast<std::size_t>(done.size));
  if (!raw) {
    out.refused = Error(ErrorCode::kInvalidInput, "message " + std::to_string(done.id) +
                                                      " refused: " + raw.error().message());
    return out;
  }
  out.message = std::move(raw).value();
  return out;
}

}  // namespace vigil::cluster
