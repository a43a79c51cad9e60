// SPDX-License-Identifier: GPL-2.0-or-later
#include "pcs_wrap.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cwctype>

namespace vigil::admin {
namespace {

using Text = std::u32string;

Text decode(const std::string& s) {
  Text out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    char32_t cp = n == 1 ? c : c & (0x7f >> n);
    for (int k = 1; k < n && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    }
    out.push_back(cp);
    i += n;
  }
  return out;
}

std::string encode(const Text& t) {
  std::string out;
  for (const char32_t c : t) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xc0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xe0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (c & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  return out;
}

// textwrap's whitespace: tab, newline, vertical tab, form feed, CR, space.
bool space(char32_t c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

// Python's \w and "letter" ([^\d\W]) classes; code points past ASCII are
// taken as letters (descriptions are English, with a few accented names).
bool word_char(char32_t c) {
  return c >= 0x80 || std::iswalnum(static_cast<wint_t>(c)) || c == '_';
}
bool letter(char32_t c) {
  return word_char(c) && !(c >= '0' && c <= '9');
}
bool word_punct(char32_t c) {
  return word_char(c) || c == '!' || c == '"' || c == '\'' || c == '&' || c == '.' || c == ',' ||
         c == '?';
}

// Tabs to the next multiple of 8 (columns restart after a newline), then
// every whitespace character to a space.
Text munge(const Text& in) {
  Text out;
  std::size_t column = 0;
  for (const char32_t c : in) {
    if (c == '\t') {
      const std::size_t pad = 8 - column % 8;
      out.append(pad, U' ');
      column += pad;
      continue;
    }
    out.push_back(space(c) ? U' ' : c);
    column = (c == '\n' || c == '\r') ? 0 : column + 1;
  }
  return out;
}

// Where the word starting at `start` ends (textwrap's wordsep_re): at the
// first point after one character or more where a hyphen inside a word
// follows two letters (or letter-hyphen-letter) and precedes letters, where
// whitespace or the end comes, or where an em-dash begins.
std::size_t word_end(const Text& t, std::size_t start) {
  const std::size_t n = t.size();
  auto at = [&](std::size_t i) { return i < n ? t[i] : U'\0'; };
  for (std::size_t p = start + 1;; ++p) {
    if (p >= n || space(t[p])) return p;
    if (t[p] == '-') {
      const bool before = (p >= 2 && letter(t[p - 2]) && letter(t[p - 1])) ||
                          (p >= 3 && letter(t[p - 3]) && t[p - 2] == '-' && letter(t[p - 1]));
      const bool after =
          letter(at(p + 1)) && (letter(at(p + 2)) || (at(p + 2) == '-' && letter(at(p + 3))));
      if (before && after) return p + 1;
      if (word_punct(t[p - 1]) && at(p + 1) == '-') {
        std::size_t q = p;
        while (at(q) == '-') ++q;
        if (q < n && word_char(t[q])) return p;
      }
    }
  }
}

std::vector<Text> chunks_of(const Text& t) {
  std::vector<Text> chunks;
  std::size_t i = 0;
  while (i < t.size()) {
    std::size_t end = i;
    if (space(t[i])) {
      while (end < t.size() && space(t[end])) ++end;
    } else if (t[i] == '-' && i > 0 && word_punct(t[i - 1]) && i + 1 < t.size() &&
               t[i + 1] == '-') {
      while (end < t.size() && t[end] == '-') ++end;
      if (end >= t.size() || !word_char(t[end])) end = word_end(t, i);
    } else {
      end = word_end(t, i);
    }
    chunks.push_back(t.substr(i, end - i));
    i = end;
  }
  return chunks;
}

bool blank(const Text& t) {
  return std::all_of(t.begin(), t.end(), [](char32_t c) { return space(c); });
}

}  // namespace

std::vector<std::string> pcs_wrap(const std::string& text, int width, int subsequent_indent) {
  auto chunks = chunks_of(munge(decode(text)));
  std::reverse(chunks.begin(), chunks.end());
  std::vector<std::string> lines;
  const Text indent_text(static_cast<std::size_t>(subsequent_indent), U' ');
  while (!chunks.empty()) {
    const Text indent = lines.empty() ? Text() : indent_text;
    const long room = static_cast<long>(width) - static_cast<long>(indent.size());
    if (!lines.empty() && blank(chunks.back())) chunks.pop_back();
    std::vector<Text> line;
    long used = 0;
    while (!chunks.empty() && used + static_cast<long>(chunks.back().size()) <= room) {
      used += static_cast<long>(chunks.back().size());
      line.push_back(std::move(chunks.back()));
      chunks.pop_back();
    }
    if (!chunks.empty() && static_cast<long>(chunks.back().size()) > room) {
      // A word longer than a line: cut, after its last hyphen when one
      // fits and has something else before it.
      const long left = room < 1 ? 1 : room - used;
      Text& word = chunks.back();
      std::size_t end = static_cast<std::size_t>(left);
      if (static_cast<long>(word.size()) > left) {
        const auto hyphen = word.rfind(U'-', left > 0 ? static_cast<std::size_t>(left - 1) : 0);
        if (hyphen != Text::npos && hyphen > 0 && static_cast<long>(hyphen) < left &&
            word.find_first_not_of(U'-') < hyphen) {
          end = hyphen + 1;
        }
      }
      line.push_back(word.substr(0, end));
      word.erase(0, end);
    }
    if (!line.empty() && blank(line.back())) line.pop_back();
    if (line.empty()) continue;
    Text joined = indent;
    for (const auto& c : line) joined += c;
    lines.push_back(encode(joined));
  }
  return lines;
}

int pcs_terminal_width() {
  if (isatty(STDOUT_FILENO) == 0 && isatty(STDERR_FILENO) == 0) return 0;
  int columns = 0;
  if (const char* env = std::getenv("COLUMNS")) columns = std::atoi(env);
  if (columns <= 0) {
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) columns = ws.ws_col;
  }
  if (columns <= 0) columns = 80;
  return std::max(columns, 40);
}

}  // namespace vigil::admin
