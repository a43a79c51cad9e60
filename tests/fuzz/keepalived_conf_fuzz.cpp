// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target for `vigil import keepalived`'s reader and mapping
// (lib/keepalived: parse_text, map_directors): keepalived.conf is untrusted
// text that an administrator hands the import.
//
// Input: one or two keepalived.conf texts separated by a line "\n%%\n",
// read as the files of directors "high" and "low" (the config ids of the
// conditional_conf sample's @high/@low lines); includes are refused (no
// file system). Both balancers are mapped.
//
// Invariants: every directive read is counted once, as mapped or not
// mapped; every id a command creates is a valid XML id, and no two
// commands create the same one; the not-mapped lines name a file and line
// of the input.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "vigil/keepalived/config.hpp"
#include "vigil/keepalived/mapping.hpp"

using namespace vigil;

namespace {

std::size_t count(const keepalived::Directive& d) {
  std::size_t n = 1;
  for (const auto& c : d.children) n += count(c);
  return n;
}

bool valid_id(const std::string& id) {
  if (id.empty()) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool later = (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!(letter || (i > 0 && later))) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  const auto texts = fuzz::split_messages(fuzz::as_text(data, size), "\n%%\n", 2);
  const char* nodes[] = {"high", "low"};
  std::vector<keepalived::Director> directors;
  keepalived::ParseOptions options;
  options.max_lines = 20000;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    options.config_id = nodes[i];
    auto config = keepalived::parse_text(texts[i], std::string(nodes[i]) + ".conf", options,
                                         keepalived::NoFiles());
    if (!config) return 0;
    directors.push_back({nodes[i], std::move(*config)});
  }
  std::size_t total = 0;
  for (const auto& d : directors) {
    for (const auto& top : d.config.directives) total += count(top);
  }
  for (auto balancer : {keepalived::Balancer::kHaproxy, keepalived::Balancer::kLdirectord}) {
    keepalived::MapOptions mo;
    mo.balancer = balancer;
    auto plan = keepalived::map_directors(directors, mo);
    if (!plan) continue;
    VIGIL_FUZZ_CHECK(plan->directives == total);
    std::size_t unmapped = 0;
    for (const auto& n : plan->not_mapped) {
      VIGIL_FUZZ_CHECK(n.at.line > 0);
      VIGIL_FUZZ_CHECK(n.at.file == "high.conf" || n.at.file == "low.conf");
      if (!n.approximate) unmapped += n.covered;
    }
    VIGIL_FUZZ_CHECK(plan->mapped + unmapped == total);
    std::set<std::string> ids;
    for (const auto& c : plan->commands) {
      VIGIL_FUZZ_CHECK(!keepalived::command_line(c.words).empty());
      for (const auto& id : c.ids) {
        VIGIL_FUZZ_CHECK(valid_id(id));
        // A group is named by each of its members' commands; others once.
        if (c.words.size() > 1 && c.words[1] == "create" && id != c.ids.front()) continue;
        VIGIL_FUZZ_CHECK(ids.insert(id).second);
      }
    }
  }
  return 0;
}
