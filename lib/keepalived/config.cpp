// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/keepalived/config.hpp"

#include <glob.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

namespace vigil::keepalived {

std::string Directive::rest() const {
  std::string out;
  for (std::size_t i = 1; i < words.size(); ++i) out += (i > 1 ? " " : "") + words[i];
  return out;
}

namespace {

constexpr std::array<std::string_view, 30> kTopLevel = {"global_defs",
                                                        "net_namespace",
                                                        "net_namespace_ipvs",
                                                        "namespace_with_ipsets",
                                                        "instance",
                                                        "use_pid_dir",
                                                        "linkbeat_use_polling",
                                                        "child_wait_time",
                                                        "linkbeat_interfaces",
                                                        "track_group",
                                                        "static_track_group",
                                                        "static_ipaddress",
                                                        "static_routes",
                                                        "static_rules",
                                                        "track_file",
                                                        "vrrp_track_file",
                                                        "track_process",
                                                        "vrrp_track_process",
                                                        "bfd_instance",
                                                        "vrrp_script",
                                                        "vrrp_sync_group",
                                                        "garp_group",
                                                        "vrrp_instance",
                                                        "interface_up_down_delays",
                                                        "virtual_server_group",
                                                        "virtual_server",
                                                        "vrrp_track_bfd",
                                                        "vrrp_garp_interval",
                                                        "vrrp_gna_interval",
                                                        "vrrp_version"};

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_blank(s[b])) ++b;
  while (e > b && is_blank(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Error error_at(const Location& at, const std::string& what) {
  return Error(ErrorCode::kInvalidInput, at.str() + ": " + what);
}

// The line up to its comment ('!' or '#' starting a word, outside quotes).
std::string strip_comment(std::string_view line) {
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && (c == '!' || c == '#') &&
               (i == 0 || is_blank(line[i - 1]) || line[i - 1] == '{' || line[i - 1] == '}')) {
      return std::string(line.substr(0, i));
    }
  }
  return std::string(line);
}

struct Token {
  enum Kind { kWord, kOpen, kClose } kind;
  std::string text;
};

Result<std::vector<Token>> tokenize(std::string_view line, const Location& at) {
  std::vector<Token> out;
  std::string word;
  bool in_word = false;
  auto flush = [&] {
    if (in_word) out.push_back({Token::kWord, std::move(word)});
    word.clear();
    in_word = false;
  };
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"') {
      const auto end = line.find('"', i + 1);
      if (end == std::string_view::npos) return error_at(at, "unterminated quoted string");
      word.append(line.substr(i + 1, end - i - 1));
      in_word = true;
      i = end;
    } else if (is_blank(c)) {
      flush();
    } else if (c == '{' || c == '}') {
      flush();
      out.push_back({c == '{' ? Token::kOpen : Token::kClose, std::string(1, c)});
    } else if ((c == '!' || c == '#') && !in_word) {
      break;  // a comment
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  flush();
  return out;
}

struct Definition {
  bool multiline = false;
  std::vector<std::string> lines;  // one when not multiline
};

bool is_include(const std::string& word) {
  return word == "include" || word == "includer" || word == "includem" || word == "includew" ||
         word == "includeb" || word == "includea";
}

class Reader {
 public:
  Reader(const ParseOptions& options, const Loader& loader, Config& config)
      : opt_(options), loader_(loader), config_(config) {
    stack_.push_back({&config_.directives, {}, ""});
  }

  Status read_file(const std::string& path, int depth) {
    auto text = loader_.read(path);
    if (!text) return text.error();
    return read_text(*text, path, depth);
  }

  Status read_text(std::string_view text, const std::string& name, int depth) {
    config_.files.push_back(name);
    std::vector<std::string_view> lines;
    for (std::size_t at = 0; at <= text.size();) {
      auto end = text.find('\n', at);
      if (end == std::string_view::npos) end = text.size();
      lines.push_back(text.substr(at, end - at));
      at = end + 1;
    }
    if (!text.empty() && text.back() == '\n') lines.pop_back();
    const std::string dir = dir_of(name);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const Location at{name, static_cast<int>(i) + 1};
      std::string line = trim(strip_comment(lines[i]));
      if (line.empty()) continue;
      // includes are recognised before conditions and parameters, as keepalived does
      const auto first_end = line.find_first_of(" \t");
      const std::string first = line.substr(0, first_end);
      if (is_include(first)) {
        if (auto st = include(line, first_end, at, dir, depth); !st) return st;
        continue;
      }
      // A multi-line definition: "$NAME=" ... "\" and its continuation lines.
      std::string probe = line;
      auto cond = condition(probe, at);
      if (!cond) return cond.error();
      if (!*cond) continue;
      if (probe.size() >= 2 && probe.back() == '\\' && probe[0] == '$') {
        const auto eq = probe.find('=');
        if (eq != std::string::npos && valid_name(probe.substr(1, eq - 1))) {
          Definition def;
          def.multiline = true;
          std::string head = trim(probe.substr(eq + 1, probe.size() - eq - 2));
          if (!head.empty()) def.lines.push_back(head);
          bool ended = false;
          while (++i < lines.size()) {
            std::string next = trim(strip_comment(lines[i]));
            const bool more = !next.empty() && next.back() == '\\';
            if (more) next = trim(next.substr(0, next.size() - 1));
            if (!next.empty()) def.lines.push_back(next);
            if (!more) {
              ended = true;
              break;
            }
          }
          if (!ended) return error_at(at, "multi-line definition runs to the end of the file");
          defs_[probe.substr(1, eq - 1)] = std::move(def);
          continue;
        }
      }
      if (auto st = logical_line(line, at, dir, 0); !st) return st;
    }
    return ok_status();
  }

  Status finish() {
    if (stack_.size() > 1) {
      const auto& open = stack_.back();
      return error_at(open.at, "'" + open.keyword + "' block is never closed (missing '}')");
    }
    return ok_status();
  }

 private:
  struct Level {
    std::vector<Directive>* list;
    Location at;
    std::string keyword;
  };

  static bool valid_name(const std::string& name) {
    if (name.empty() || !is_name_start(name[0])) return false;
    return std::all_of(name.begin(), name.end(), is_name_char);
  }

  // `@ID rest` / `@^ID rest`: false when the line is for another config id;
  // the line becomes `rest`.
  Result<bool> condition(std::string& line, const Location& at) {
    if (line.empty() || line[0] != '@') return true;
    const bool negated = line.size() > 1 && line[1] == '^';
    const std::size_t start = negated ? 2 : 1;
    auto end = line.find_first_of(" \t", start);
    const std::string id = line.substr(start, end == std::string::npos ? end : end - start);
    if (id.empty()) return error_at(at, "'@' without a config id");
    const bool match = id == opt_.config_id;
    line = end == std::string::npos ? std::string() : trim(line.substr(end));
    return negated ? !match : match;
  }

  Status include(const std::string& line, std::size_t first_end, const Location& at,
                 const std::string& dir, int depth) {
    std::string pattern = first_end == std::string::npos ? "" : trim(line.substr(first_end));
    if (pattern.size() >= 2 && pattern.front() == '"' && pattern.back() == '"')
      pattern = pattern.substr(1, pattern.size() - 2);
    if (pattern.empty()) return error_at(at, "include without a file name");
    if (depth + 1 > opt_.max_include_depth) {
      return error_at(at, "includes nested deeper than " + std::to_string(opt_.max_include_depth) +
                              " levels (an include loop?)");
    }
    const std::string full =
        std::filesystem::path(pattern[0] == '/' ? pattern : dir + "/" + pattern)
            .lexically_normal()
            .string();
    auto paths = loader_.glob(full);
    if (!paths) return error_at(at, "include '" + pattern + "': " + paths.error().message());
    if (paths->empty()) return error_at(at, "include '" + pattern + "': no file matches " + full);
    for (const auto& p : *paths) {
      if (auto st = read_file(p, depth + 1); !st) {
        return Error(st.error().code(),
                     st.error().message().rfind(p, 0) == 0
                         ? st.error().message()
                         : at.str() + ": include '" + p + "': " + st.error().message());
      }
    }
    return ok_status();
  }

  // One line after comments and includes: its condition, a definition, an
  // expansion, or words for the tree.
  Status logical_line(std::string line, const Location& at, const std::string& dir, int depth) {
    if (depth > opt_.max_substitutions) {
      return error_at(at, "multi-line definitions nested too deeply (a recursive definition?)");
    }
    auto cond = condition(line, at);
    if (!cond) return cond.error();
    if (!*cond || line.empty()) return ok_status();
    if (line.rfind("~SEQ", 0) == 0) {
      return error_at(at, "~SEQ lines are not supported by the import (expand them first)");
    }
    if (line[0] == '$') {
      const auto eq = line.find('=');
      const auto blank = line.find_first_of(" \t");
      if (eq != std::string::npos && (blank == std::string::npos || eq < blank) &&
          valid_name(line.substr(1, eq - 1))) {
        Definition def;
        def.lines.push_back(trim(line.substr(eq + 1)));
        defs_[line.substr(1, eq - 1)] = std::move(def);
        return ok_status();
      }
      // "$NAME" or "${NAME}" alone: a multi-line definition's lines.
      std::string name = line.substr(1);
      if (name.size() >= 2 && name.front() == '{' && name.back() == '}')
        name = name.substr(1, name.size() - 2);
      if (auto it = defs_.find(name); it != defs_.end() && it->second.multiline) {
        const std::vector<std::string> body = it->second.lines;  // defs may change meanwhile
        for (const auto& l : body) {
          if (auto st = logical_line(l, at, dir, depth + 1); !st) return st;
        }
        return ok_status();
      }
    }
    auto expanded = substitute(line, at, dir);
    if (!expanded) return expanded.error();
    // A parameter may expand to a condition ("$IF_MAIN=@main").
    if (*expanded != line && !expanded->empty() && (*expanded)[0] == '@') {
      auto again = condition(*expanded, at);
      if (!again) return again.error();
      if (!*again) return ok_status();
    }
    if (++lines_ > opt_.max_lines) {
      return error_at(at, "more than " + std::to_string(opt_.max_lines) +
                              " lines after includes and expansions");
    }
    return add_tokens(*expanded, at);
  }

  Result<std::string> substitute(std::string line, const Location& at, const std::string& dir) {
    int done = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] != '$' || i + 1 >= line.size()) continue;
      std::size_t name_start = i + 1, name_end, end;
      if (line[i + 1] == '{') {
        name_start = i + 2;
        name_end = line.find('}', name_start);
        if (name_end == std::string::npos) continue;
        end = name_end + 1;
      } else {
        name_end = name_start;
        while (name_end < line.size() && is_name_char(line[name_end])) ++name_end;
        if (name_end < line.size() && !is_blank(line[name_end])) continue;
        end = name_end;
      }
      const std::string name = line.substr(name_start, name_end - name_start);
      std::string value;
      if (name == "_PWD") {
        value = dir;
      } else if (name == "_INSTANCE") {
        value = opt_.config_id;
      } else if (name == "_HASH") {
        value = "#";
      } else if (name.rfind("_RANDOM", 0) == 0) {
        return error_at(at,
                        "${_RANDOM} is not supported by the import (the result would not be "
                        "one configuration)");
      } else if (auto it = defs_.find(name); it != defs_.end()) {
        if (it->second.multiline) {
          return error_at(at, "multi-line definition '" + name +
                                  "' used inside a line (it must stand alone on its line)");
        }
        value = it->second.lines.empty() ? "" : it->second.lines.front();
      } else {
        continue;  // undefined: left as it is
      }
      if (++done > opt_.max_substitutions) {
        return error_at(at, "more than " + std::to_string(opt_.max_substitutions) +
                                " parameter substitutions in one line (a recursive definition?)");
      }
      line.replace(i, end - i, value);
      if (line.size() > opt_.max_line_bytes) {
        return error_at(at, "line longer than " + std::to_string(opt_.max_line_bytes) +
                                " bytes after parameter substitution");
      }
      if (name == "_HASH") {
        i += value.size() - 1;  // a literal '#', not substituted again
      } else {
        --i;  // the value is scanned again (recursive substitution); wraps to 0
      }
    }
    return line;
  }

  Status add_tokens(const std::string& line, const Location& at) {
    auto tokens = tokenize(line, at);
    if (!tokens) return tokens.error();
    Directive pending;
    auto flush = [&](bool block) -> Status {
      if (pending.words.empty()) return ok_status();
      if (stack_.size() == 1 && !is_top_level_keyword(pending.keyword())) {
        return error_at(pending.at, "unknown top-level keyword '" + pending.keyword() + "'");
      }
      pending.has_block = block;
      stack_.back().list->push_back(std::move(pending));
      pending = Directive{};
      return ok_status();
    };
    for (auto& t : *tokens) {
      if (t.kind == Token::kWord) {
        if (pending.words.empty()) pending.at = at;
        pending.words.push_back(std::move(t.text));
        continue;
      }
      if (t.kind == Token::kOpen) {
        if (pending.words.empty()) {
          // "keyword" on one line, "{" starting the next
          auto* list = stack_.back().list;
          if (list->empty() || list->back().has_block || !last_ended_line_) {
            return error_at(at, "'{' without a keyword before it");
          }
          list->back().has_block = true;
        } else if (auto st = flush(true); !st) {
          return st;
        }
        if (stack_.size() > opt_.max_block_depth) {
          return error_at(at, "blocks nested deeper than " + std::to_string(opt_.max_block_depth));
        }
        Directive& opened = stack_.back().list->back();
        stack_.push_back({&opened.children, opened.at, opened.keyword()});
        last_ended_line_ = false;
        continue;
      }
      // '}'
      if (auto st = flush(false); !st) return st;
      if (stack_.size() == 1) return error_at(at, "'}' without a block to close");
      stack_.pop_back();
      last_ended_line_ = false;
    }
    const bool had_words = !pending.words.empty();
    if (auto st = flush(false); !st) return st;
    last_ended_line_ = had_words;
    return ok_status();
  }

  const ParseOptions& opt_;
  const Loader& loader_;
  Config& config_;
  std::vector<Level> stack_;
  std::map<std::string, Definition> defs_;
  std::size_t lines_ = 0;
  // The last directive of the current block ended its line without a
  // brace, so a '{' starting the next line belongs to it.
  bool last_ended_line_ = false;
};

}  // namespace

bool is_top_level_keyword(std::string_view keyword) {
  return std::find(kTopLevel.begin(), kTopLevel.end(), keyword) != kTopLevel.end();
}

Result<std::vector<std::string>> FileLoader::glob(const std::string& pattern) const {
  glob_t g{};
  const int rc = ::glob(pattern.c_str(), GLOB_BRACE, nullptr, &g);
  std::vector<std::string> out;
  if (rc == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  globfree(&g);
  if (rc != 0 && rc != GLOB_NOMATCH) {
    return Error(ErrorCode::kIo, "cannot expand '" + pattern + "'");
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::string> FileLoader::read(const std::string& path) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                 "cannot read " + path + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error(ErrorCode::kIo, "cannot read " + path);
  return text.str();
}

Result<std::vector<std::string>> NoFiles::glob(const std::string& pattern) const {
  return Error(ErrorCode::kUnsupported, "includes are not allowed here (" + pattern + ")");
}

Result<std::string> NoFiles::read(const std::string& path) const {
  return Error(ErrorCode::kUnsupported, "includes are not allowed here (" + path + ")");
}

Result<Config> parse_file(const std::string& path, const ParseOptions& options,
                          const Loader& loader) {
  Config config;
  Reader reader(options, loader, config);
  if (auto st = reader.read_file(path, 0); !st) return st.error();
  if (auto st = reader.finish(); !st) return st.error();
  return config;
}

Result<Config> parse_text(std::string_view text, const std::string& name,
                          const ParseOptions& options, const Loader& loader) {
  Config config;
  Reader reader(options, loader, config);
  if (auto st = reader.read_text(text, name, 0); !st) return st.error();
  if (auto st = reader.finish(); !st) return st.error();
  return config;
}

}  // namespace vigil::keepalived
