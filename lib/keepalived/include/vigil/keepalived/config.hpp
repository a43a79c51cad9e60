// SPDX-License-Identifier: GPL-2.0-or-later
// keepalived.conf (keepalived 2.2's grammar, keepalived.conf(5)) read into a
// tree of directives, each with the file and line it came from. Only the
// reading: what the directives mean to Vigil is mapping.hpp's.
//
// What the reader does, in keepalived's order, line by line:
// - `include`, `includer|m|w|b|a` FILE: a glob, relative to the including
//   file's directory, expanded in sorted order; a pattern that matches no
//   file is an error naming file:line (keepalived's plain `include` only
//   warns: an import must not drop a part of the configuration silently);
//   nesting is bounded (ParseOptions::max_include_depth).
// - comments: '!' or '#' at the start of a word, outside double quotes, to
//   the end of the line (a '!' inside a word, as in a password, stays);
// - conditional lines: `@ID rest` keeps `rest` only when ID is the config id,
//   `@^ID rest` only when it is not. keepalived's config id defaults to the
//   host name without its domain; the import uses each director's node name
//   (NODE=FILE), so one file with @node1/@node2 lines serves both;
// - parameters: `$NAME=VALUE` defines, `$NAME` (followed by a blank or the
//   end of the line) and `${NAME}` are replaced, recursively (bounded);
//   undefined ones stay as they are; a definition ending in '\' continues on
//   the next lines (a multi-line definition, expanded where `$NAME` stands
//   alone on a line); ${_PWD} (the file's directory), ${_INSTANCE} (the
//   config id) and ${_HASH} ('#') are predefined; ${_RANDOM} and ~SEQ are
//   refused (the result would not be one configuration);
// - words: blanks separate them; "double quoted" text is one word without
//   its quotes; '{' and '}' are words of their own wherever they stand.
// A directive is the words of one line up to '{', '}' or the line's end;
// '{' opens the block of the directive before it (on the same line, or the
// previous line when the '{' starts its line), '}' closes it.
//
// Errors (never a crash, whatever the bytes): unbalanced braces, an
// unterminated quote, an unknown top-level keyword, a missing include,
// too deep nesting or expansion; each names file:line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/result.hpp"

namespace vigil::keepalived {

struct Location {
  std::string file;
  int line = 0;
  std::string str() const { return file + ":" + std::to_string(line); }
};

struct Directive {
  std::vector<std::string> words;  // words[0] is the keyword
  Location at;
  bool has_block = false;
  std::vector<Directive> children;
  const std::string& keyword() const { return words.front(); }
  // The i-th word, "" when there is none.
  std::string arg(std::size_t i) const { return i < words.size() ? words[i] : std::string(); }
  // words[1..] joined by single blanks.
  std::string rest() const;
};

struct Config {
  std::vector<Directive> directives;  // the top level
  std::vector<std::string> files;     // every file read, the main one first
};

struct ParseOptions {
  std::string config_id;  // for @ID lines and ${_INSTANCE}
  int max_include_depth = 8;
  std::size_t max_block_depth = 32;
  std::size_t max_lines = 200000;        // after includes and expansions
  std::size_t max_line_bytes = 1 << 16;  // one line after substitution
  int max_substitutions = 64;            // per line (recursion included)
};

// Where included files come from (tests and the fuzzer give their own).
class Loader {
 public:
  virtual ~Loader() = default;
  // The paths matching a glob pattern, sorted; empty when none.
  virtual Result<std::vector<std::string>> glob(const std::string& pattern) const = 0;
  virtual Result<std::string> read(const std::string& path) const = 0;
};

// The file system (glob(3) with GLOB_BRACE, files read whole).
class FileLoader : public Loader {
 public:
  Result<std::vector<std::string>> glob(const std::string& pattern) const override;
  Result<std::string> read(const std::string& path) const override;
};

// Refuses every file: for text that must not include anything (the fuzzer).
class NoFiles : public Loader {
 public:
  Result<std::vector<std::string>> glob(const std::string& pattern) const override;
  Result<std::string> read(const std::string& path) const override;
};

// The known top-level keywords of keepalived.conf(5).
bool is_top_level_keyword(std::string_view keyword);

Result<Config> parse_file(const std::string& path, const ParseOptions& options,
                          const Loader& loader);
// `text` as the content of a file named `name` (relative includes resolve
// against name's directory).
Result<Config> parse_text(std::string_view text, const std::string& name,
                          const ParseOptions& options, const Loader& loader);

}  // namespace vigil::keepalived
