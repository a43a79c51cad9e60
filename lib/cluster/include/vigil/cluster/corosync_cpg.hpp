// SPDX-License-Identifier: GPL-2.0-or-later
// CorosyncCpg: Messaging over Corosync's closed process groups (libcpg).
// Its file descriptor is watched on the daemon's io_context: callbacks run
// from that io_context, never from another thread. The io_context must
// outlive the object.
//
// Errors: connect() fails with ErrorCode::kIo naming corosync's error
// ("cpg_initialize: CS_ERR_LIBRARY (cannot reach corosync: is it running?)").
// When corosync goes away later, the lost handler is called once and every
// call returns that error; reconnecting is destroying the object and calling
// connect() again (a daemon usually exits and lets its supervisor decide).
// Flow control (CS_ERR_TRY_AGAIN from cpg_mcast_joined) is absorbed: the
// message waits in a bounded queue, in order, and is retried on a timer.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "vigil/cluster/messaging.hpp"
#include "vigil/common/log_sink.hpp"
#include "vigil/common/result.hpp"

namespace boost::asio {
class io_context;
}

namespace vigil::cluster {

struct CpgOptions {
  std::size_t max_message_size = 16 * 1024 * 1024;
  // Bytes allowed to wait for corosync's flow control before send() refuses.
  std::size_t max_queued_bytes = 64 * 1024 * 1024;
  // Where a handler's failure is reported (vigil/common/event_barrier.hpp):
  // the message or view is dropped and the group kept. Empty: stderr.
  LogSink log;
};

class CorosyncCpg final : public Messaging {
 public:
  static Result<std::unique_ptr<CorosyncCpg>> connect(boost::asio::io_context& io,
                                                      CpgOptions options = {});
  ~CorosyncCpg() override;  // cpg_finalize (deferred if called from a callback)
  CorosyncCpg(const CorosyncCpg&) = delete;
  CorosyncCpg& operator=(const CorosyncCpg&) = delete;

  void set_handlers(MessagingHandlers handlers) override;
  // Retries CS_ERR_TRY_AGAIN for up to ~1 s (blocking): call at start-up.
  Status join(std::string_view group) override;
  Status leave() override;
  Status send(std::string_view payload) override;
  GroupMember self() const override;
  std::size_t max_message_size() const override;

  void set_lost_handler(std::function<void(const Error&)> handler);
  // Messages waiting for flow control.
  std::size_t queued() const;

 private:
  class Impl;
  explicit CorosyncCpg(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace vigil::cluster
