// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/ipc/client.hpp"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <map>
#include <optional>
#include <set>

namespace vigil::ipc {

using Socket = boost::asio::local::stream_protocol::socket;

class Client::Impl : public std::enable_shared_from_this<Impl> {
 public:
  enum class State { kIdle, kConnecting, kHandshake, kConnected, kClosed };

  Impl(boost::asio::io_context& io, ClientOptions options)
      : io_(io),
        options_(options),
        socket_(io),
        connect_timer_(io),
        decoder_(options.max_payload) {}

  void connect(const std::string& path, ConnectHandler done);
  void adopt(Socket socket, ConnectHandler done);
  void call(std::string_view payload, ReplyHandler done, std::chrono::milliseconds timeout);
  // Ends the connection: pending calls and a pending connect get `error`.
  void end(const Error& error, bool tell_disconnect);
  std::chrono::milliseconds connect_timeout() const { return options_.connect_timeout; }

  State state_ = State::kIdle;
  bool detached_ = false;  // the Client is gone: call nobody
  std::string server_name_;
  std::function<void(std::string_view)> on_event_;
  std::function<void(const Error&)> on_disconnect_;

  struct Pending {
    ReplyHandler done;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  std::map<std::uint32_t, Pending> pending_;

 private:
  void start_handshake();
  void read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void handle(Frame frame);
  void queue(std::string frame);
  void write_next();
  std::uint32_t next_id();

  boost::asio::io_context& io_;
  ClientOptions options_;
  Socket socket_;
  boost::asio::steady_timer connect_timer_;
  FrameDecoder decoder_;
  ConnectHandler connect_done_;
  std::set<std::uint32_t> abandoned_;  // timed out: a late answer is ignored
  std::uint32_t next_id_ = 1;
  std::array<char, 64 * 1024> buf_{};
  bool reading_ = false;
  std::deque<std::string> out_;
  bool writing_ = false;
};

void Client::Impl::connect(const std::string& path, ConnectHandler done) {
  if (state_ != State::kIdle) {
    done(Error(ErrorCode::kInvalidInput, "this client was already used; make a new one"));
    return;
  }
  state_ = State::kConnecting;
  connect_done_ = std::move(done);
  start_handshake();  // arms the timeout
  socket_.async_connect(
      boost::asio::local::stream_protocol::endpoint(path),
      [self = shared_from_this(), path](const boost::system::error_code& ec) {
        if (self->state_ != State::kConnecting) return;
        if (ec) {
          self->end(Error(ErrorCode::kIo, "connect to " + path + ": " + ec.message()), false);
          return;
        }
        self->state_ = State::kHandshake;
        self->read();
      });
}

void Client::Impl::adopt(Socket socket, ConnectHandler done) {
  if (state_ != State::kIdle) {
    done(Error(ErrorCode::kInvalidInput, "this client was already used; make a new one"));
    return;
  }
  socket_ = std::move(socket);
  state_ = State::kHandshake;
  connect_done_ = std::move(done);
  start_handshake();
  read();
}

void Client::Impl::start_handshake() {
  connect_timer_.expires_after(options_.connect_timeout);
  connect_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (self->state_ == State::kConnecting || self->state_ == State::kHandshake) {
      self->end(
          Error(ErrorCode::kIo, "no hello from the server within " +
                                    std::to_string(self->options_.connect_timeout.count()) + " ms"),
          false);
    }
  });
}

void Client::Impl::read() {
  if (reading_ || state_ == State::kClosed) return;
  reading_ = true;
  socket_.async_read_some(
      boost::asio::buffer(buf_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        self->reading_ = false;
        self->on_read(ec, n);
      });
}

void Client::Impl::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (state_ == State::kClosed) return;
  if (ec) {
    end(Error(ErrorCode::kIo, ec == boost::asio::error::eof
                                  ? "the server closed the connection"
                                  : "reading from the server: " + ec.message()),
        true);
    return;
  }
  std::vector<Frame> frames;
  const Status decoded = decoder_.feed(std::string_view(buf_.data(), n), frames);
  for (Frame& f : frames) {
    handle(std::move(f));
    if (state_ == State::kClosed) return;
  }
  if (!decoded) {
    end(Error(ErrorCode::kIo, "bad frame from the server: " + decoded.error().message()), true);
    return;
  }
  read();
}

void Client::Impl::handle(Frame f) {
  if (state_ == State::kHandshake) {
    if (f.kind == FrameKind::kHello && f.id == 0) {
      state_ = State::kConnected;
      server_name_ = std::move(f.payload);
      connect_timer_.cancel();
      auto done = std::move(connect_done_);
      connect_done_ = nullptr;
      if (done && !detached_) done(ok_status());
    } else if (f.kind == FrameKind::kError && f.id == 0) {
      end(Error(ErrorCode::kIo,
                "the server refused the connection: " + decode_error(f.payload).message()),
          false);
    } else {
      end(Error(ErrorCode::kIo, std::string("protocol error: expected a hello, got a ") +
                                    to_string(f.kind) + " frame"),
          false);
    }
    return;
  }
  switch (f.kind) {
    case FrameKind::kResponse:
    case FrameKind::kError: {
      if (f.id == 0) {
        if (f.kind == FrameKind::kError) {
          end(Error(ErrorCode::kIo,
                    "the server closed the connection: " + decode_error(f.payload).message()),
              true);
        } else {
          end(Error(ErrorCode::kIo, "protocol error: a response without a request id"), true);
        }
        return;
      }
      auto it = pending_.find(f.id);
      if (it == pending_.end()) {
        if (abandoned_.erase(f.id) != 0) return;  // answered after its timeout
        end(Error(ErrorCode::kIo,
                  "protocol error: an answer to unknown request " + std::to_string(f.id)),
            true);
        return;
      }
      ReplyHandler done = std::move(it->second.done);
      pending_.erase(it);
      if (detached_ || !done) return;
      if (f.kind == FrameKind::kResponse) {
        done(std::move(f.payload));
      } else {
        done(decode_error(f.payload));
      }
      return;
    }
    case FrameKind::kEvent: {
      auto handler = on_event_;
      if (handler && !detached_) handler(f.payload);
      return;
    }
    default:
      end(Error(ErrorCode::kIo,
                std::string("protocol error: unexpected ") + to_string(f.kind) + " frame"),
          true);
  }
}

std::uint32_t Client::Impl::next_id() {
  for (;;) {
    const std::uint32_t id = next_id_++;
    if (next_id_ == 0) next_id_ = 1;  // 0 is reserved
    if (id != 0 && pending_.count(id) == 0 && abandoned_.count(id) == 0) return id;
  }
}

void Client::Impl::call(std::string_view payload, ReplyHandler done,
                        std::chrono::milliseconds timeout) {
  if (state_ != State::kConnected) {
    done(Error(ErrorCode::kIo, "not connected"));
    return;
  }
  if (payload.size() > options_.max_payload) {
    done(Error(ErrorCode::kInvalidInput, "request of " + std::to_string(payload.size()) +
                                             " bytes exceeds the limit of " +
                                             std::to_string(options_.max_payload)));
    return;
  }
  const std::uint32_t id = next_id();
  Pending p;
  p.done = std::move(done);
  if (timeout.count() > 0) {
    p.timer = std::make_unique<boost::asio::steady_timer>(io_, timeout);
    std::weak_ptr<Impl> weak = weak_from_this();
    p.timer->async_wait([weak, id, timeout](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      auto it = self->pending_.find(id);
      if (it == self->pending_.end()) return;
      ReplyHandler late = std::move(it->second.done);
      self->pending_.erase(it);
      self->abandoned_.insert(id);
      if (late && !self->detached_) {
        late(Error(ErrorCode::kIo, "no answer within " + std::to_string(timeout.count()) + " ms"));
      }
    });
  }
  pending_.emplace(id, std::move(p));
  queue(encode_frame(FrameKind::kRequest, id, payload));
}

void Client::Impl::queue(std::string frame) {
  out_.push_back(std::move(frame));
  if (!writing_) write_next();
}

void Client::Impl::write_next() {
  if (out_.empty() || state_ == State::kClosed) return;
  writing_ = true;
  boost::asio::async_write(
      socket_, boost::asio::buffer(out_.front()),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
        self->writing_ = false;
        if (self->state_ == State::kClosed) return;
        if (ec) {
          self->end(Error(ErrorCode::kIo, "writing to the server: " + ec.message()), true);
          return;
        }
        self->out_.pop_front();
        self->write_next();
      });
}

void Client::Impl::end(const Error& error, bool tell_disconnect) {
  if (state_ == State::kClosed) return;
  auto keep = shared_from_this();
  const bool was_connected = state_ == State::kConnected;
  state_ = State::kClosed;
  boost::system::error_code ignored;
  connect_timer_.cancel();
  socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
  out_.clear();
  auto connect_done = std::move(connect_done_);
  connect_done_ = nullptr;
  auto pending = std::move(pending_);
  pending_.clear();
  if (detached_) return;
  if (connect_done) connect_done(error);
  for (auto& [id, p] : pending) {
    if (p.timer) p.timer->cancel();
    if (p.done) p.done(error);
  }
  auto handler = on_disconnect_;
  if (tell_disconnect && was_connected && handler) handler(error);
}

// --- Client ---------------------------------------------------------------------

namespace {

// Runs `io` until `done()` or the deadline; false on timeout.
template <typename Done>
bool run_until(boost::asio::io_context& io, Done done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_until(deadline);
  }
  return true;
}

}  // namespace

Client::Client(boost::asio::io_context& io, ClientOptions options)
    : io_(io), impl_(std::make_shared<Impl>(io, options)) {}

Client::~Client() {
  impl_->detached_ = true;
  impl_->end(Error(ErrorCode::kIo, "the client was destroyed"), false);
}

void Client::async_connect(const std::string& path, ConnectHandler done) {
  impl_->connect(path, std::move(done));
}
void Client::async_adopt(Socket socket, ConnectHandler done) {
  impl_->adopt(std::move(socket), std::move(done));
}
void Client::async_call(std::string_view payload, ReplyHandler done,
                        std::chrono::milliseconds timeout) {
  impl_->call(payload, std::move(done), timeout);
}

Status Client::connect(const std::string& path) {
  auto result = std::make_shared<std::optional<Status>>();
  impl_->connect(path, [result](Status s) { *result = std::move(s); });
  // The handshake timer ends the wait; the margin only guards the loop.
  run_until(
      io_, [&] { return result->has_value(); }, impl_->connect_timeout() + std::chrono::seconds(1));
  if (!result->has_value()) {
    close();
    return Error(ErrorCode::kIo, "connect to " + path + " did not finish");
  }
  return std::move(**result);
}

Result<std::string> Client::call(std::string_view payload, std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) {
    return Error(ErrorCode::kInvalidInput, "a blocking call needs a timeout");
  }
  // Shared: if the loop gives up first, the late callback still has somewhere to write.
  auto result = std::make_shared<std::optional<Result<std::string>>>();
  impl_->call(
      payload, [result](Result<std::string> r) { *result = std::move(r); }, timeout);
  run_until(
      io_, [&] { return result->has_value(); }, timeout + std::chrono::seconds(1));
  if (!result->has_value()) return Error(ErrorCode::kIo, "no answer");
  return std::move(**result);
}

void Client::set_event_handler(std::function<void(std::string_view)> handler) {
  impl_->on_event_ = std::move(handler);
}
void Client::set_disconnect_handler(std::function<void(const Error&)> handler) {
  impl_->on_disconnect_ = std::move(handler);
}
bool Client::connected() const {
  return impl_->state_ == Impl::State::kConnected;
}
const std::string& Client::server_name() const {
  return impl_->server_name_;
}
std::size_t Client::pending() const {
  return impl_->pending_.size();
}
void Client::close() {
  impl_->end(Error(ErrorCode::kIo, "the connection was closed"), false);
}

}  // namespace vigil::ipc
