// SPDX-License-Identifier: GPL-2.0-or-later
// Client: the tool side of the local client protocol (frame.hpp). Async on
// the caller's io_context, with blocking conveniences for command-line
// tools that run the io_context themselves (never call those from inside
// a handler of that io_context).
//
// Errors: ErrorCode::kIo for the transport (cannot connect, refused by the
// server -- the message gives its reason --, connection lost, timeout);
// otherwise the Error the server's handler failed the request with.
#pragma once

#include <boost/asio/local/stream_protocol.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "vigil/common/result.hpp"
#include "vigil/ipc/frame.hpp"

namespace boost::asio {
class io_context;
}

namespace vigil::ipc {

struct ClientOptions {
  std::size_t max_payload = kDefaultMaxPayload;
  // Connecting plus the server's hello.
  std::chrono::milliseconds connect_timeout{5'000};
};

class Client {
 public:
  using ConnectHandler = std::function<void(Status)>;
  using ReplyHandler = std::function<void(Result<std::string>)>;

  explicit Client(boost::asio::io_context& io, ClientOptions options = {});
  // Closes; callbacks still pending are dropped, never called.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void async_connect(const std::string& path, ConnectHandler done);
  // An already connected socket (a socketpair in tests): waits for the hello.
  void async_adopt(boost::asio::local::stream_protocol::socket socket, ConnectHandler done);
  // Requests may be pipelined; answers come in any order. A zero timeout
  // waits as long as the connection lives.
  void async_call(std::string_view payload, ReplyHandler done,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds::zero());

  // Blocking forms: they run the io_context until done (timeout required).
  Status connect(const std::string& path);
  Result<std::string> call(std::string_view payload, std::chrono::milliseconds timeout);

  // kEvent frames from the server.
  void set_event_handler(std::function<void(std::string_view)> handler);
  // The connection was lost (not called for close()).
  void set_disconnect_handler(std::function<void(const Error&)> handler);

  bool connected() const;
  // From the server's hello.
  const std::string& server_name() const;
  std::size_t pending() const;
  // Pending calls fail with ErrorCode::kIo.
  void close();

 private:
  class Impl;
  boost::asio::io_context& io_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace vigil::ipc
