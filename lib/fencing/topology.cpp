// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/fencing/topology.hpp"

#include <algorithm>
#include <regex>

#include "vigil/common/names.hpp"

namespace vigil::fencing {

// A level with its compiled pattern (shared between copies: it never changes).
struct Topology::Entry {
  FencingLevel level;
  std::regex pattern;
};

Topology::Topology() = default;
Topology::~Topology() = default;
Topology::Topology(const Topology&) = default;
Topology& Topology::operator=(const Topology&) = default;
Topology::Topology(Topology&&) noexcept = default;
Topology& Topology::operator=(Topology&&) noexcept = default;

const char* to_string(FencingLevel::Kind kind) {
  constexpr std::pair<FencingLevel::Kind, const char*> kKinds[] = {
      {FencingLevel::Kind::kNode, "node"},
      {FencingLevel::Kind::kPattern, "pattern"},
      {FencingLevel::Kind::kAttribute, "attribute"},
  };
  return name_of(kKinds, kind);
}

Status Topology::add(FencingLevel level) {
  const std::string what = "fencing level " + (level.id.empty() ? level.target : level.id);
  if (level.index < 1 || level.index > 9) {
    return Error(ErrorCode::kInvalidInput,
                 what + ": index " + std::to_string(level.index) + " is not within 1..9");
  }
  if (level.target.empty()) return Error(ErrorCode::kInvalidInput, what + ": no target");
  if (level.devices.empty()) return Error(ErrorCode::kInvalidInput, what + ": no devices");
  auto entry = std::make_shared<Entry>();
  if (level.kind == FencingLevel::Kind::kPattern) {
    try {
      entry->pattern = std::regex(level.target, std::regex::extended | std::regex::nosubs);
    } catch (const std::regex_error& e) {
      return Error(ErrorCode::kInvalidInput,
                   what + ": target-pattern '" + level.target + "' is invalid: " + e.what());
    }
  }
  // The same target: for an attribute target, the same name and value.
  std::erase_if(levels_, [&](const auto& e) {
    const auto& l = e->level;
    return l.kind == level.kind && l.target == level.target && l.value == level.value &&
           l.index == level.index;
  });
  entry->level = std::move(level);
  levels_.push_back(std::move(entry));
  return ok_status();
}

bool Topology::remove(FencingLevel::Kind kind, std::string_view target, int index) {
  const auto before = levels_.size();
  std::erase_if(levels_, [&](const auto& e) {
    const auto& l = e->level;
    return l.kind == kind && l.target == target && (index == 0 || l.index == index);
  });
  return levels_.size() != before;
}

bool Topology::matches(const Entry& e, std::string_view node, const NodeAttributes& attrs) const {
  const auto& l = e.level;
  switch (l.kind) {
    case FencingLevel::Kind::kNode:
      return l.target == node;
    case FencingLevel::Kind::kPattern:
      return std::regex_search(node.begin(), node.end(), e.pattern);
    case FencingLevel::Kind::kAttribute: {
      auto n = attrs.find(std::string(node));
      if (n == attrs.end()) return false;
      auto a = n->second.find(l.target);
      return a != n->second.end() && a->second == l.value;
    }
  }
  return false;
}

std::vector<const FencingLevel*> Topology::levels_for(std::string_view node,
                                                      const NodeAttributes& attrs) const {
  std::vector<const FencingLevel*> out;
  for (const auto& e : levels_) {
    if (e->level.kind == FencingLevel::Kind::kNode && e->level.target == node) {
      out.push_back(&e->level);
    }
  }
  if (out.empty()) {
    // The first pattern or attribute target that matches, with all its levels.
    for (const auto& e : levels_) {
      if (e->level.kind == FencingLevel::Kind::kNode || !matches(*e, node, attrs)) continue;
      for (const auto& f : levels_) {
        if (f->level.kind == e->level.kind && f->level.target == e->level.target &&
            f->level.value == e->level.value) {
          out.push_back(&f->level);
        }
      }
      break;
    }
  }
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->index < b->index; });
  return out;
}

}  // namespace vigil::fencing
