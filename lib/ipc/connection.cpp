// SPDX-License-Identifier: GPL-2.0-or-later
// One client connection of the server: credentials, reading and decoding,
// handing requests to the handler, writing answers, and every way out.
#include "connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace vigil::ipc::detail {

using Clock = std::chrono::steady_clock;

Connection::Connection(std::weak_ptr<ServerCore> core, ConnectionId id, Socket socket)
    : core_(std::move(core)),
      id_(id),
      socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      who_("connection " + std::to_string(id)) {
  if (const ServerOptions* o = options()) decoder_ = FrameDecoder(o->max_payload);
}

const ServerOptions* Connection::options() const {
  auto core = core_.lock();
  return core ? &core->options_ : nullptr;  // the core outlives this call
}

void Connection::log(LogLevel level, const std::string& what) const {
  if (auto core = core_.lock()) core->log(level, who_ + ": " + what);
}

void Connection::start() {
  auto core = core_.lock();
  if (!core) return;
  auto peer = peer_credentials(socket_.native_handle());
  if (!peer) {
    refuse(LogLevel::kWarning, "cannot identify the client: " + peer.error().message());
    return;
  }
  peer_ = std::move(*peer);
  who_ += " (" + describe(peer_) + ")";
  if (Status allowed = core->policy_.check(peer_); !allowed) {
    refuse(LogLevel::kWarning, allowed.error().message(), "refused: ");
    return;
  }
  if (core->connections_.size() > core->options_.max_connections) {
    refuse(LogLevel::kWarning,
           "too many connections (" + std::to_string(core->options_.max_connections) + ")",
           "refused: ");
    return;
  }
  log(LogLevel::kDebug, "accepted");
  queue(encode_frame(FrameKind::kHello, 0, core->options_.name));
  read();
}

void Connection::read() {
  if (reading_ || closing_ || closed_) return;
  const ServerOptions* o = options();
  if (o == nullptr) return;
  if (!pending_.empty() || in_flight_.size() >= o->max_in_flight) return;  // paused
  reading_ = true;
  socket_.async_read_some(
      boost::asio::buffer(read_buf_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        self->reading_ = false;
        self->on_read(ec, n);
      });
}

void Connection::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (closing_ || closed_) return;
  if (ec) {
    if (ec == boost::asio::error::eof) {
      if (!decoder_.at_boundary()) {
        log(LogLevel::kWarning, "truncated frame: the client left after " +
                                    std::to_string(decoder_.buffered()) + " bytes of it");
      } else if (!in_flight_.empty()) {
        log(LogLevel::kInfo,
            "the client left with " + std::to_string(in_flight_.size()) + " requests unanswered");
      } else {
        log(LogLevel::kDebug, "closed by the client");
      }
    } else if (ec != boost::asio::error::operation_aborted) {
      log(LogLevel::kInfo, "read failed: " + ec.message());
    }
    close();
    return;
  }
  std::vector<Frame> frames;
  const Status decoded = decoder_.feed(std::string_view(read_buf_.data(), n), frames);
  if (!decoded) {
    refuse(LogLevel::kWarning, decoded.error().message());
    return;
  }
  if (decoder_.at_boundary()) {
    partial_since_ = {};
  } else if (partial_since_ == Clock::time_point{} || !frames.empty()) {
    partial_since_ = Clock::now();  // a new frame started
    arm_timer();
  }
  for (Frame& f : frames) pending_.push_back(std::move(f));
  dispatch_pending();
  read();
}

void Connection::dispatch_pending() {
  if (dispatching_) return;  // an answer given from inside the handler
  auto keep = shared_from_this();
  dispatching_ = true;
  while (!pending_.empty() && !closing_ && !closed_) {
    const ServerOptions* o = options();
    if (o == nullptr || in_flight_.size() >= o->max_in_flight) break;
    Frame f = std::move(pending_.front());
    pending_.pop_front();
    if (f.kind != FrameKind::kRequest) {
      refuse(LogLevel::kWarning,
             std::string("protocol error: a client sent a ") + to_string(f.kind) + " frame");
      break;
    }
    if (f.id == 0) {
      refuse(LogLevel::kWarning, "protocol error: request id 0 is reserved");
      break;
    }
    if (!in_flight_.insert(f.id).second) {
      refuse(LogLevel::kWarning,
             "protocol error: request id " + std::to_string(f.id) + " is already in flight");
      break;
    }
    call_handler(std::move(f));
  }
  dispatching_ = false;
}

// The request boundary: nothing a handler throws gets past it.
void Connection::call_handler(Frame frame) {
  auto core = core_.lock();
  if (!core) return;
  const std::uint32_t id = frame.id;
  Request request{id_, id, peer_, std::move(frame.payload)};
  try {
    core->handler_(std::move(request), Responder(weak_from_this(), id));
  } catch (const std::exception& e) {
    log(LogLevel::kError, "request " + std::to_string(id) + ": the handler failed: " + e.what());
  } catch (...) {
    log(LogLevel::kError, "request " + std::to_string(id) + ": the handler failed");
  }
}

bool Connection::answer(std::uint32_t id, FrameKind kind, std::string_view payload) {
  if (closing_ || closed_) return false;
  if (in_flight_.erase(id) == 0) return false;
  const ServerOptions* o = options();
  bool queued;
  if (o != nullptr && payload.size() > o->max_payload) {
    log(LogLevel::kError, "the answer to request " + std::to_string(id) + " has " +
                              std::to_string(payload.size()) + " bytes, over the limit");
    queued = queue(encode_frame(
        FrameKind::kError, id,
        encode_error(Error(ErrorCode::kInternal, "the answer exceeds the message size limit"))));
  } else {
    queued = queue(encode_frame(kind, id, payload));
  }
  // A slot is free: resume, but later -- an answer may be given from inside
  // another connection's handler, which must not run this one's.
  if (!closed_ && !resume_posted_ && (!pending_.empty() || !reading_)) {
    resume_posted_ = true;
    boost::asio::post(socket_.get_executor(), [self = shared_from_this()] {
      self->resume_posted_ = false;
      self->dispatch_pending();
      self->read();
    });
  }
  return queued;
}

bool Connection::send_event(std::string_view payload) {
  if (closing_ || closed_) return false;
  const ServerOptions* o = options();
  if (o != nullptr && payload.size() > o->max_payload) return false;
  return queue(encode_frame(FrameKind::kEvent, 0, payload));
}

bool Connection::queue(std::string frame) {
  if (closed_) return false;
  const ServerOptions* o = options();
  // One answer goes out whatever its size (a whole CIB can be larger than
  // the queue's limit); more behind one the client has not read is too much.
  if (o != nullptr && out_bytes_ > 0 && out_bytes_ + frame.size() > o->max_write_queue) {
    log(LogLevel::kWarning, "the client does not read its answers (" + std::to_string(out_bytes_) +
                                " bytes waiting): closing");
    close();
    return false;
  }
  out_bytes_ += frame.size();
  out_.push_back(std::move(frame));
  if (!writing_) write_next();
  return true;
}

void Connection::write_next() {
  if (closed_) return;
  if (out_.empty()) {
    if (closing_) close();
    return;
  }
  writing_ = true;
  boost::asio::async_write(
      socket_, boost::asio::buffer(out_.front()),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
        self->writing_ = false;
        if (self->closed_) return;
        if (ec) {
          // EPIPE/ECONNRESET: the client vanished (Asio sends with MSG_NOSIGNAL).
          self->log(LogLevel::kInfo, "write failed: " + ec.message());
          self->close();
          return;
        }
        self->out_bytes_ -= self->out_.front().size();
        self->out_.pop_front();
        self->write_next();
      });
}

void Connection::refuse(LogLevel level, const std::string& reason, std::string_view log_prefix) {
  if (closing_ || closed_) return;
  log(level, std::string(log_prefix) + reason);
  closing_ = true;
  closing_since_ = Clock::now();
  pending_.clear();
  // Best effort: the peer learns why, unless it does not read.
  queue(encode_frame(FrameKind::kError, 0, encode_error(Error(ErrorCode::kIo, reason))));
  arm_timer();
}

// One timer bounds both an incomplete frame and the final flush.
void Connection::arm_timer() {
  if (timer_armed_ || closed_) return;
  const ServerOptions* o = options();
  if (o == nullptr) return;
  const auto since = closing_ ? closing_since_ : partial_since_;
  if (since == Clock::time_point{}) return;
  timer_armed_ = true;
  timer_.expires_at(since + o->frame_timeout);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    self->timer_armed_ = false;
    if (ec || self->closed_) return;
    const ServerOptions* opts = self->options();
    if (opts == nullptr) return;
    const auto now = Clock::now();
    if (self->closing_) {
      if (now >= self->closing_since_ + opts->frame_timeout) {
        self->log(LogLevel::kInfo, "the client does not take its last frame: closing");
        self->close();
      } else {
        self->arm_timer();
      }
      return;
    }
    if (self->partial_since_ == Clock::time_point{}) return;  // the frame completed
    if (now >= self->partial_since_ + opts->frame_timeout) {
      self->refuse(LogLevel::kWarning, "truncated frame: incomplete after " +
                                           std::to_string(opts->frame_timeout.count()) + " ms");
    } else {
      self->arm_timer();
    }
  });
}

void Connection::close() {
  if (closed_) return;
  auto keep = shared_from_this();  // the core's map may hold the last reference
  closed_ = true;
  closing_ = true;
  boost::system::error_code ignored;
  timer_.cancel();
  socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
  pending_.clear();
  in_flight_.clear();
  out_.clear();
  out_bytes_ = 0;
  if (auto core = core_.lock()) core->remove(id_);
}

}  // namespace vigil::ipc::detail
