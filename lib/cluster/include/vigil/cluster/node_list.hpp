// SPDX-License-Identifier: GPL-2.0-or-later
// The configured cluster nodes: id <-> name <-> address, as corosync.conf's
// nodelist declares them. A value type: the Corosync adapter fills it from
// cmap, the simulator from its own configuration.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/cluster/types.hpp"
#include "vigil/common/result.hpp"

namespace vigil::cluster {

struct NodeInfo {
  NodeId id = kNoNode;
  std::string name;  // may be empty when the configuration gives none
  std::string addr;  // ring0_addr, may be empty
  friend bool operator==(const NodeInfo&, const NodeInfo&) = default;
};

class NodeList {
 public:
  NodeList() = default;

  // Refuses id 0, duplicate ids and duplicate (non-empty) names.
  static Result<NodeList> create(std::vector<NodeInfo> nodes);

  // Sorted by id.
  const std::vector<NodeInfo>& nodes() const { return nodes_; }
  std::size_t size() const { return nodes_.size(); }
  bool empty() const { return nodes_.empty(); }

  const NodeInfo* find(NodeId id) const;
  const NodeInfo* find_by_name(std::string_view name) const;
  // Convenience lookups; nullopt when unknown or unnamed.
  std::optional<std::string> name_of(NodeId id) const;
  std::optional<NodeId> id_of(std::string_view name) const;

  friend bool operator==(const NodeList&, const NodeList&) = default;

 private:
  std::vector<NodeInfo> nodes_;
};

}  // namespace vigil::cluster
