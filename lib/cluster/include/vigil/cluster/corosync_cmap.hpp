// SPDX-License-Identifier: GPL-2.0-or-later
// CorosyncCmap: Corosync's configuration and runtime map (libcmap), read
// for the node list (nodelist.node.N.{nodeid,name,ring0_addr}) and this
// node's id, and watched for node-list changes (a corosync config reload).
// Same rules as CorosyncCpg for the io_context, errors and loss.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/cluster/node_list.hpp"
#include "vigil/common/result.hpp"

namespace boost::asio {
class io_context;
}

namespace vigil::cluster {

// One cmap key with its value as text (integers in decimal).
struct CmapEntry {
  std::string key;
  std::string value;
};

// The nodelist.node.N.* keys as a NodeList (pure: other keys are ignored).
// A node without a name is named by its ring0_addr when that is a host
// name rather than an address (as Pacemaker does); every node needs a
// nodeid (corosync 3 requires one).
Result<NodeList> parse_nodelist(const std::vector<CmapEntry>& entries);

// Lets the members of group `gid` use Corosync's IPC (cmap key
// uidgid.gid.<gid> = 1, as pacemakerd does): called as root by a daemon
// before it drops to hacluster:haclient (lib/supervisor/privileges).
Status allow_group_in_corosync(gid_t gid);

class CorosyncCmap {
 public:
  static Result<std::unique_ptr<CorosyncCmap>> connect(boost::asio::io_context& io);
  ~CorosyncCmap();
  CorosyncCmap(const CorosyncCmap&) = delete;
  CorosyncCmap& operator=(const CorosyncCmap&) = delete;

  // Every key under `prefix` (sorted as corosync iterates them).
  Result<std::vector<CmapEntry>> read(std::string_view prefix) const;
  // One key; ErrorCode::kNotFound when absent.
  Result<std::string> get(std::string_view key) const;
  Result<NodeList> read_node_list() const;
  // nodelist.local_node_pos, else runtime.votequorum.this_node_id.
  Result<NodeId> local_node_id() const;
  // Calls `on_change` with the re-read node list after nodelist.* changed
  // (once per batch of changes). Replaces a previous watch.
  Status watch_node_list(std::function<void(Result<NodeList>)> on_change);

  void set_lost_handler(std::function<void(const Error&)> handler);

 private:
  class Impl;
  explicit CorosyncCmap(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace vigil::cluster
