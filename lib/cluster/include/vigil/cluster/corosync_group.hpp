// SPDX-License-Identifier: GPL-2.0-or-later
// The CPG connection every daemon uses: CorosyncCpg under ChunkedMessaging,
// so that a message of any size (a whole CIB, a controller's join with a
// node's whole resource history, a fencer's history) travels in chunks below
// Corosync's limit, and small ones exactly as before. The flow-control queue
// holds the largest message on top of CpgOptions::max_queued_bytes.
#pragma once

#include <memory>

#include "vigil/cluster/chunked_messaging.hpp"
#include "vigil/cluster/corosync_cpg.hpp"

namespace vigil::cluster {

struct CorosyncGroup {
  std::unique_ptr<CorosyncCpg> cpg;  // for set_lost_handler
  // What the daemon's logic sends and receives through; declared last, so
  // destroyed before the connection under it.
  std::unique_ptr<ChunkedMessaging> messaging;
};

// Connects to corosync's CPG (not yet joined); `log` also receives the
// chunking layer's refusals (a malformed or inconsistent chunk from a peer).
Result<CorosyncGroup> connect_chunked_cpg(boost::asio::io_context& io, CpgOptions options,
                                          ChunkLimits limits = {});

}  // namespace vigil::cluster
