// SPDX-License-Identifier: GPL-2.0-or-later
// crm_mon's value formats: booleans, integers, escaped exit reasons.
#include <strings.h>

#include <cctype>
#include <cstdio>
#include <ctime>

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

namespace {

// What Pacemaker's crm_xml_escape writes for a character, or null.
const char* reason_replacement(char c) {
  static constexpr struct {
    char c;
    const char* text;
  } kReplaced[] = {{'<', "&lt;"},  {'>', "&gt;"},  {'"', "&quot;"}, {'\'', "&apos;"},
                   {'&', "&amp;"}, {'\t', "    "}, {'\n', "\\n"},   {'\r', "\\r"}};
  for (const auto& r : kReplaced) {
    if (r.c == c) return r.text;
  }
  return nullptr;
}

}  // namespace

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
    if (const char* r = reason_replacement(c)) {
      out += r;
    } else if (c < ' ' || c > '~') {
      // Other non-printing bytes (as a signed char) in octal.
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\%.3o", static_cast<unsigned>(static_cast<int>(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace vigil::admin::status_xml
