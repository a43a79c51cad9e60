// SPDX-License-Identifier: GPL-2.0-or-later
// Utilization tables and the per-run state of utilization.cpp; the stages
// use the functions in internal.hpp. Clones and bundles plug in through
// resource_utilization (an instance's own) and add_utilization (a resource
// summed over its children).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "internal.hpp"

namespace vigil::pengine {

// A utilization table (name -> value as written), iterating in the order of
// a GLib hash table that saw the same insertions and removals, so output
// lists names as Pacemaker does.
class UtilTable {
 public:
  UtilTable();
  const std::string* find(std::string_view key) const;
  void set(std::string_view key, std::string value);  // inserts or replaces in place
  void erase(std::string_view key);
  bool empty() const { return nnodes_ == 0; }
  std::size_t size() const { return static_cast<std::size_t>(nnodes_); }
  template <class F>
  void each(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.hash >= 2) f(s.key, s.value);
    }
  }

 private:
  struct Slot {
    std::uint32_t hash = 0;  // 0 unused, 1 removed
    std::string key, value;
  };
  void set_shift(int shift);
  std::size_t lookup_slot(std::string_view key, std::uint32_t hash) const;
  void maybe_resize();
  void resize();
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
  std::uint32_t mod_ = 0, mask_ = 0;
  int shift_ = 0, nnodes_ = 0, noccupied_ = 0;
};

// A utilization value as Pacemaker reads it: an integer prefix, 0 for text
// without one (or a missing value), clipped to int.
int utilization_value(const std::string* s);

struct UtilizationState {
  PlacementStrategy strategy = PlacementStrategy::kDefault;
  std::vector<UtilTable> free;                  // by node index: capacity left
  std::vector<std::unique_ptr<UtilTable>> rsc;  // by resource index, made on first use
};

UtilizationState& utilization_state(WorkingSet& ws);
// What a node has left, and what a resource uses (its own utilization sets).
UtilTable& node_free_capacity(WorkingSet& ws, const Node* node);
const UtilTable& resource_utilization(WorkingSet& ws, const Resource* rsc);

// Resources in a colocation chain with one being assigned, in the order
// found, with a membership index.
struct ColocatedSet {
  std::vector<Resource*> list;
  std::unordered_set<const Resource*> members;
  void add(Resource* rsc);
  bool contains(const Resource* rsc) const { return members.count(rsc) != 0; }
};
// `rsc` and the resources mandatory colocations chain to it.
ColocatedSet colocated_resources(Resource* rsc);
// Adds to `sum` what `rsc` will use if still unassigned: a primitive its own,
// a group its members' (its first's when they are not colocated), a clone
// one instance's; `all` is the set being summed for `orig`.
void add_utilization(WorkingSet& ws, const Resource* rsc, const Resource* orig,
                     const ColocatedSet& all, UtilTable& sum);

}  // namespace vigil::pengine
