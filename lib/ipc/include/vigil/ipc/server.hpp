// SPDX-License-Identifier: GPL-2.0-or-later
// Server: the daemon side of the local client protocol (frame.hpp) on a
// Unix stream socket, driven by the daemon's io_context (single thread).
//
// Each connection is checked against an AccessPolicy from the kernel's
// peer credentials before anything is read; a refused client gets one
// kError frame with the reason, which is also logged, and is disconnected.
// The server never blocks on a client and never trusts one:
//  - malformed input (bad magic or version, unknown kind, a frame larger
//    than max_payload, a non-request frame, a reused or zero id) is logged,
//    answered with a kError frame (id 0) and the connection is closed;
//    nothing is allocated for a payload before its header was checked;
//  - a frame left incomplete for frame_timeout is a truncated frame: closed;
//  - at most max_in_flight requests per connection are with the handler;
//    reading pauses beyond that;
//  - a client that does not read its answers (write queue over
//    max_write_queue; a single answer may be larger) is disconnected;
//  - a client that vanishes mid-request costs nothing: answering it later
//    is a no-op (Responder::reply() returns false).
// The handler may answer at once or later (after a CPG round trip...);
// exceptions it throws are caught, logged, and the request fails.
#pragma once

#include <sys/types.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "vigil/common/log_sink.hpp"
#include "vigil/common/result.hpp"
#include "vigil/ipc/credentials.hpp"
#include "vigil/ipc/frame.hpp"

namespace boost::asio {
class io_context;
}

namespace vigil::ipc {

namespace detail {
class Connection;
class ServerCore;
}  // namespace detail

using ConnectionId = std::uint64_t;

struct Request {
  ConnectionId connection = 0;
  std::uint32_t id = 0;
  PeerCredentials peer;
  std::string payload;
};

// The one answer a request gets. Move-only; an unanswered Responder that is
// destroyed answers kError ("the server dropped this request") so that no
// client waits forever.
class Responder {
 public:
  Responder(Responder&& other) noexcept;
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  // False when already answered or the client is gone.
  bool reply(std::string_view payload);
  // The client's call ends with this Error (code and message travel).
  bool fail(const Error& error);
  // An answer or an Error: reply() or fail().
  bool complete(const Result<std::string>& result);
  bool answered() const { return answered_; }
  std::uint32_t id() const { return id_; }

 private:
  friend class detail::Connection;
  Responder(std::weak_ptr<detail::Connection> connection, std::uint32_t id)
      : connection_(std::move(connection)), id_(id) {}
  bool answer(FrameKind kind, std::string_view payload);

  std::weak_ptr<detail::Connection> connection_;
  std::uint32_t id_ = 0;
  bool answered_ = false;
};

using RequestHandler = std::function<void(Request request, Responder responder)>;

struct ServerOptions {
  std::string name = "vigil";  // sent in the hello
  std::size_t max_payload = kDefaultMaxPayload;
  std::size_t max_in_flight = 64;
  std::size_t max_write_queue = 64 * 1024 * 1024;
  std::size_t max_connections = 256;
  std::chrono::milliseconds frame_timeout{30'000};
  // Root and the socket's group may connect (the credential check still
  // decides, and explains). The group is `socket_group` when it exists and
  // the process may give it (root, or a member), else the process's own.
  mode_t socket_mode = 0660;
  std::string socket_group = "haclient";
  LogSink log = stderr_log_sink("vigil-ipc");
};

class Server {
 public:
  // Listens on `path`. A stale socket file (nobody answers) is replaced; a
  // live server there, or a file that is not a socket, is an error.
  static Result<std::unique_ptr<Server>> listen(boost::asio::io_context& io,
                                                const std::string& path, AccessPolicy policy,
                                                RequestHandler handler, ServerOptions options = {});
  // Without a listening socket: connections come through adopt() (tests,
  // socket activation).
  static std::unique_ptr<Server> create(boost::asio::io_context& io, AccessPolicy policy,
                                        RequestHandler handler, ServerOptions options = {});
  // Closes every connection and removes the socket file it created.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves an already connected socket (credentials are still checked).
  void adopt(boost::asio::local::stream_protocol::socket socket);
  // Pushes a kEvent frame; kNotFound when the connection is gone.
  Status send_event(ConnectionId connection, std::string_view payload);
  // To every connection; returns how many got it.
  std::size_t broadcast_event(std::string_view payload);
  std::size_t connection_count() const;
  const std::string& path() const;

 private:
  explicit Server(std::shared_ptr<detail::ServerCore> core) : core_(std::move(core)) {}
  std::shared_ptr<detail::ServerCore> core_;
};

}  // namespace vigil::ipc
