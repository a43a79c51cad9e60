// SPDX-License-Identifier: GPL-2.0-or-later
// The server's inside (private to lib/ipc): ServerCore owns the acceptor and
// the connections; a Connection is one client. Ownership: the core's map
// holds each Connection; pending Asio handlers hold it too (their buffers
// live in it) and Responders only watch it (weak_ptr). A Connection reaches
// its core through a weak_ptr, so either may go first.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vigil/ipc/server.hpp"

namespace vigil::ipc::detail {

using Socket = boost::asio::local::stream_protocol::socket;

class ServerCore : public std::enable_shared_from_this<ServerCore> {
 public:
  ServerCore(boost::asio::io_context& io, AccessPolicy policy, RequestHandler handler,
             ServerOptions options)
      : io_(io),
        policy_(std::move(policy)),
        handler_(std::move(handler)),
        options_(std::move(options)) {}

  Status listen(const std::string& path);
  void adopt(Socket socket);
  void shutdown();
  void remove(ConnectionId id) { connections_.erase(id); }
  void log(LogLevel level, const std::string& line) const;

  boost::asio::io_context& io_;
  AccessPolicy policy_;
  RequestHandler handler_;
  ServerOptions options_;
  std::map<ConnectionId, std::shared_ptr<Connection>> connections_;
  std::string path_;

 private:
  void accept_next();

  std::optional<boost::asio::local::stream_protocol::acceptor> acceptor_;
  std::optional<boost::asio::steady_timer> accept_retry_;
  ino_t socket_inode_ = 0;
  ConnectionId next_id_ = 1;
  bool shut_down_ = false;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::weak_ptr<ServerCore> core, ConnectionId id, Socket socket);

  // Checks the peer, then greets it or refuses it.
  void start();
  // Queues an answer to request `id`; false if the client is gone or `id`
  // is not in flight.
  bool answer(std::uint32_t id, FrameKind kind, std::string_view payload);
  bool send_event(std::string_view payload);
  void close();
  ConnectionId id() const { return id_; }

 private:
  void read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void dispatch_pending();
  void call_handler(Frame frame);
  bool queue(std::string frame);
  void write_next();
  // Logs `log_prefix` + `reason`, tells the peer `reason` in a kError
  // frame (id 0), then closes once that is written.
  void refuse(LogLevel level, const std::string& reason, std::string_view log_prefix = {});
  void arm_timer();
  void log(LogLevel level, const std::string& what) const;
  const ServerOptions* options() const;

  std::weak_ptr<ServerCore> core_;
  ConnectionId id_;
  Socket socket_;
  boost::asio::steady_timer timer_;
  PeerCredentials peer_;
  std::string who_;  // "connection 3 (pid 12 uid 0 ...)" for the log
  FrameDecoder decoder_;
  std::array<char, 64 * 1024> read_buf_{};
  std::deque<Frame> pending_;  // decoded, waiting for an in-flight slot
  std::set<std::uint32_t> in_flight_;
  std::deque<std::string> out_;  // encoded frames to write
  std::size_t out_bytes_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool dispatching_ = false;
  bool resume_posted_ = false;
  bool timer_armed_ = false;
  bool closing_ = false;  // no more input; close once the output is flushed
  bool closed_ = false;
  std::chrono::steady_clock::time_point partial_since_{};
  std::chrono::steady_clock::time_point closing_since_{};
};

}  // namespace vigil::ipc::detail
