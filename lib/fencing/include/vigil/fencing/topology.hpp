// SPDX-License-Identifier: GPL-2.0-or-later
// Fencing topology: the CIB's <fencing-topology> levels. A level names its
// target by node name, by a regular expression over node names, or by a
// node attribute and value; its devices are all required. Levels of one
// target are tried in index order.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/result.hpp"

namespace vigil::fencing {

struct FencingLevel {
  enum class Kind { kNode, kPattern, kAttribute };
  std::string id{};
  Kind kind = Kind::kNode;
  std::string target{};  // node name, pattern, or attribute name
  std::string value{};   // the attribute's value (kAttribute)
  int index = 1;         // 1..9
  std::vector<std::string> devices{};
};

// Permanent node attributes, by node name (target-attribute levels).
using NodeAttributes = std::map<std::string, std::map<std::string, std::string>>;

class Topology {
 public:
  Topology();
  ~Topology();
  Topology(const Topology&);
  Topology& operator=(const Topology&);
  Topology(Topology&&) noexcept;
  Topology& operator=(Topology&&) noexcept;

  // Adds a level, replacing one with the same target (for an attribute:
  // name and value) and index. Refuses an
  // index outside 1..9, no devices, an empty target or a bad pattern.
  Status add(FencingLevel level);
  // Removes the level of that target and index (index 0: all of the
  // target's levels); whether anything was removed.
  bool remove(FencingLevel::Kind kind, std::string_view target, int index);

  // The levels for `node`, in index order: those naming it, else those of
  // the first pattern or attribute target (in the order added) matching it.
  std::vector<const FencingLevel*> levels_for(std::string_view node,
                                              const NodeAttributes& attrs) const;
  bool empty() const { return levels_.empty(); }
  std::size_t size() const { return levels_.size(); }

 private:
  struct Entry;
  bool matches(const Entry& e, std::string_view node, const NodeAttributes& attrs) const;
  std::vector<std::shared_ptr<const Entry>> levels_;
};

// "node", "pattern" or "attribute".
const char* to_string(FencingLevel::Kind kind);

}  // namespace vigil::fencing
