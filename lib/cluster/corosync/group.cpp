// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cluster/corosync_group.hpp"

namespace vigil::cluster {

Result<CorosyncGroup> connect_chunked_cpg(boost::asio::io_context& io, CpgOptions options,
                                          ChunkLimits limits) {
  // Every chunk of a message is queued at once: the queue behind Corosync's
  // flow control must take the largest message besides its usual load.
  options.max_queued_bytes += limits.max_message;
  LogSink log = options.log;
  auto cpg = CorosyncCpg::connect(io, std::move(options));
  if (!cpg) return cpg.error();
  CorosyncGroup group;
  group.cpg = std::move(cpg).value();
  group.messaging = std::make_unique<ChunkedMessaging>(*group.cpg, limits, std::move(log));
  return group;
}

}  // namespace vigil::cluster
