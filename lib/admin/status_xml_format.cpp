// SPDX-License-Identifier: GPL-2.0-or-later
// crm_mon's value formats (booleans, times, escaped exit reasons) and the
// iteration order of GLib's hash tables, which Pacemaker lists tickets in.
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <utility>

#include "status_xml_internal.hpp"

namespace vigil::admin::status_xml {

bool is_true(const std::string& v) {
  for (const char* t : {"true", "on", "yes", "y", "1"}) {
    if (strcasecmp(v.c_str(), t) == 0) return true;
  }
  return false;
}

std::optional<std::int64_t> leading_int(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  std::int64_t v = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    if (v < INT64_MAX / 10) v = v * 10 + (text[i] - '0');
  }
  return negative ? -v : v;
}

std::string epoch_text(EpochSeconds t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
  return buf;
}

std::string escape_reason(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if ((c & 0x80) && (next & 0x80)) {
      // Pacemaker stops escaping at the first multibyte character.
      out.append(text, i, std::string::npos);
      break;
    }
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\t':
        out += "    ";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < ' ' || c > '~') {
          char buf[16];
          std::snprintf(buf, sizeof buf, "\\%.3o", static_cast<unsigned>(static_cast<int>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

// ---- GLib's GHashTable (ghash.c): open addressing with quadratic probing
// over a power-of-two array, indexes taken modulo a prime, grown when 15/16
// full to 4/3 of the entries.

namespace {

constexpr int kMinShift = 3;
constexpr std::uint32_t kPrimeMod[] = {
    1,        2,        3,        7,         13,        31,        61,         127,
    251,      509,      1021,     2039,      4093,      8191,      16381,      32749,
    65521,    131071,   262139,   524287,    1048573,   2097143,   4194301,    8388593,
    16777213, 33554393, 67108859, 134217689, 268435399, 536870909, 1073741789, 2147483647};

// Pacemaker's own string hash for its string-keyed tables (h * 31 + c).
std::uint32_t str_hash(const std::string& s) {
  std::uint32_t h = 0;
  for (char c : s) h = (h << 5) - h + static_cast<std::uint32_t>(static_cast<signed char>(c));
  return h < 2 ? 2 : h;  // 0 and 1 mark unused and removed slots
}

int closest_shift(std::size_t n) {
  int i = 0;
  for (; n; ++i) n >>= 1;
  return i;
}

}  // namespace

GlibStrTable::GlibStrTable(const std::vector<std::string>& keys) {
  set_shift(kMinShift);
  hashes_.assign(size_, 0);
  keys_.assign(size_, nullptr);
  for (const std::string& k : keys) insert(&k, str_hash(k));
}

void GlibStrTable::set_shift(int shift) {
  size_ = 1u << shift;
  mod_ = kPrimeMod[shift];
  mask_ = size_ - 1;
}

void GlibStrTable::insert(const std::string* key, std::uint32_t hash) {
  std::uint32_t index = to_index(hash);
  std::uint32_t step = 0;
  while (hashes_[index] != 0) {
    ++step;
    index = (index + step) & mask_;
  }
  hashes_[index] = hash;
  keys_[index] = key;
  ++nnodes_;
  ++noccupied_;
  if ((size_ > nnodes_ * 4 && size_ > (1u << kMinShift)) || size_ <= noccupied_ + noccupied_ / 16) {
    resize();
  }
}

void GlibStrTable::resize() {
  const std::uint32_t old_size = size_;
  set_shift(std::max(closest_shift(static_cast<std::size_t>(nnodes_ * 1.333)), kMinShift));
  if (size_ > old_size) {
    hashes_.resize(size_, 0);
    keys_.resize(size_, nullptr);
  }
  // Rehash in place: each entry moves to its new slot, evicting what was
  // there, which moves next; a bitmap marks the slots already settled.
  std::vector<char> settled(std::max(size_, old_size), 0);
  for (std::uint32_t i = 0; i < old_size; ++i) {
    std::uint32_t hash = hashes_[i];
    if (hash < 2) {
      hashes_[i] = 0;
      continue;
    }
    if (settled[i]) continue;
    hashes_[i] = 0;
    const std::string* key = keys_[i];
    keys_[i] = nullptr;
    for (;;) {
      std::uint32_t index = to_index(hash);
      std::uint32_t step = 0;
      while (settled[index]) {
        ++step;
        index = (index + step) & mask_;
      }
      settled[index] = 1;
      const std::uint32_t replaced = hashes_[index];
      hashes_[index] = hash;
      std::swap(key, keys_[index]);
      if (replaced < 2) break;
      hash = replaced;
    }
  }
  if (size_ < old_size) {
    hashes_.resize(size_);
    keys_.resize(size_);
  }
  noccupied_ = nnodes_;
}

std::vector<std::string> GlibStrTable::iteration_order() const {
  std::vector<std::string> out;
  for (std::uint32_t i = 0; i < size_; ++i) {
    if (hashes_[i] >= 2) out.push_back(*keys_[i]);
  }
  return out;
}

}  // namespace vigil::admin::status_xml
