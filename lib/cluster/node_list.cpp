// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cluster/node_list.hpp"

#include <algorithm>
#include <set>

namespace vigil::cluster {

Result<NodeList> NodeList::create(std::vector<NodeInfo> nodes) {
  std::sort(nodes.begin(), nodes.end(),
            [](const NodeInfo& a, const NodeInfo& b) { return a.id < b.id; });
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const NodeInfo& n = nodes[i];
    if (n.id == kNoNode) {
      return Error(ErrorCode::kInvalidInput,
                   "node '" + n.name + "' has node id 0, which is not a valid id");
    }
    if (i > 0 && nodes[i - 1].id == n.id) {
      return Error(ErrorCode::kInvalidInput, "node id " + std::to_string(n.id) +
                                                 " is configured twice ('" + nodes[i - 1].name +
                                                 "' and '" + n.name + "')");
    }
    if (!n.name.empty() && !names.insert(n.name).second) {
      return Error(ErrorCode::kInvalidInput, "node name '" + n.name + "' is configured twice");
    }
  }
  NodeList list;
  list.nodes_ = std::move(nodes);
  return list;
}

const NodeInfo* NodeList::find(NodeId id) const {
  auto it = std::lower_bound(nodes_.begin(), nodes_.end(), id,
                             [](const NodeInfo& n, NodeId v) { return n.id < v; });
  return it != nodes_.end() && it->id == id ? &*it : nullptr;
}

const NodeInfo* NodeList::find_by_name(std::string_view name) const {
  if (name.empty()) return nullptr;
  for (const NodeInfo& n : nodes_) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

std::optional<std::string> NodeList::name_of(NodeId id) const {
  const NodeInfo* n = find(id);
  if (n == nullptr || n->name.empty()) return std::nullopt;
  return n->name;
}

std::optional<NodeId> NodeList::id_of(std::string_view name) const {
  const NodeInfo* n = find_by_name(name);
  if (n == nullptr) return std::nullopt;
  return n->id;
}

}  // namespace vigil::cluster
