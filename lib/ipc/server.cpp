// SPDX-License-Identifier: GPL-2.0-or-later
// Server, its core (listening socket, connection table) and Responder.
#include "vigil/ipc/server.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "connection.hpp"

namespace vigil::ipc {

// --- Responder ----------------------------------------------------------------

namespace {
constexpr std::string_view kDropped = "the server dropped this request without an answer";
}

Responder::Responder(Responder&& other) noexcept
    : connection_(std::move(other.connection_)), id_(other.id_), answered_(other.answered_) {
  other.answered_ = true;
}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (!answered_)
      answer(FrameKind::kError, encode_error(Error(ErrorCode::kInternal, std::string(kDropped))));
    connection_ = std::move(other.connection_);
    id_ = other.id_;
    answered_ = other.answered_;
    other.answered_ = true;
  }
  return *this;
}

Responder::~Responder() {
  if (!answered_)
    answer(FrameKind::kError, encode_error(Error(ErrorCode::kInternal, std::string(kDropped))));
}

bool Responder::reply(std::string_view payload) {
  if (answered_) return false;
  answered_ = true;
  return answer(FrameKind::kResponse, payload);
}

bool Responder::complete(const Result<std::string>& result) {
  return result ? reply(*result) : fail(result.error());
}

bool Responder::fail(const Error& error) {
  if (answered_) return false;
  answered_ = true;
  return answer(FrameKind::kError, encode_error(error));
}

bool Responder::answer(FrameKind kind, std::string_view payload) {
  auto connection = connection_.lock();
  return connection && connection->answer(id_, kind, payload);
}

// --- ServerCore -----------------------------------------------------------------

namespace {

// The socket's group (see ServerOptions::socket_group): a group that does
// not exist, or that an ordinary user may not give, leaves the process's
// own; root failing to give it is an error.
Status give_socket_group(const std::string& path, const std::string& group) {
  if (group.empty()) return ok_status();
  std::vector<char> buf(16 * 1024);
  struct group g {};
  struct group* found = nullptr;
  if (::getgrnam_r(group.c_str(), &g, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return ok_status();
  }
  if (::chown(path.c_str(), static_cast<uid_t>(-1), found->gr_gid) != 0 && ::geteuid() == 0) {
    return Error(ErrorCode::kIo, "chgrp " + group + " " + path + ": " + std::strerror(errno));
  }
  return ok_status();
}

}  // namespace

namespace detail {

void ServerCore::log(LogLevel level, const std::string& line) const {
  if (options_.log) options_.log(level, options_.name + " ipc: " + line);
}

Status ServerCore::listen(const std::string& path) {
  namespace local = boost::asio::local;
  if (path.empty() || path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Error(ErrorCode::kInvalidInput, "socket path '" + path + "' is empty or longer than " +
                                               std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                                               " bytes");
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Error(ErrorCode::kIo, path + " exists and is not a socket: not replacing it");
    }
    Socket probe(io_);
    boost::system::error_code ec;
    probe.connect(local::stream_protocol::endpoint(path), ec);
    if (!ec) return Error(ErrorCode::kIo, "another server already listens on " + path);
    if (ec != boost::asio::error::connection_refused) {
      return Error(ErrorCode::kIo,
                   "cannot check the existing socket " + path + ": " + ec.message());
    }
    ::unlink(path.c_str());  // its server is gone
    log(LogLevel::kInfo, "replaced the stale socket " + path);
  }
  acceptor_.emplace(io_);
  boost::system::error_code ec;
  acceptor_->open(local::stream_protocol(), ec);
  if (!ec) acceptor_->bind(local::stream_protocol::endpoint(path), ec);
  if (ec) return Error(ErrorCode::kIo, "bind " + path + ": " + ec.message());
  if (::lstat(path.c_str(), &st) == 0) socket_inode_ = st.st_ino;
  path_ = path;
  if (::chmod(path.c_str(), options_.socket_mode) != 0) {
    return Error(ErrorCode::kIo, "chmod " + path + ": " + std::strerror(errno));
  }
  if (auto st = give_socket_group(path, options_.socket_group); !st) return st;
  acceptor_->listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) return Error(ErrorCode::kIo, "listen " + path + ": " + ec.message());
  accept_next();
  return ok_status();
}

void ServerCore::accept_next() {
  if (shut_down_ || !acceptor_) return;
  std::weak_ptr<ServerCore> weak = weak_from_this();
  acceptor_->async_accept([weak](const boost::system::error_code& ec, Socket socket) {
    auto self = weak.lock();
    if (!self || self->shut_down_ || ec == boost::asio::error::operation_aborted) return;
    if (ec) {
      // EMFILE and friends: wait instead of spinning on a failing accept.
      self->log(LogLevel::kError, "accept on " + self->path_ + ": " + ec.message());
      if (!self->accept_retry_) self->accept_retry_.emplace(self->io_);
      self->accept_retry_->expires_after(std::chrono::milliseconds(100));
      self->accept_retry_->async_wait([weak](const boost::system::error_code& wait_ec) {
        auto again = weak.lock();
        if (again && !wait_ec) again->accept_next();
      });
      return;
    }
    self->adopt(std::move(socket));
    self->accept_next();
  });
}

void ServerCore::adopt(Socket socket) {
  if (shut_down_) return;
  const ConnectionId id = next_id_++;
  auto connection = std::make_shared<Connection>(weak_from_this(), id, std::move(socket));
  connections_.emplace(id, connection);
  connection->start();
}

void ServerCore::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  boost::system::error_code ignored;
  if (acceptor_) acceptor_->close(ignored);
  if (accept_retry_) accept_retry_->cancel();
  auto connections = std::move(connections_);
  connections_.clear();
  for (auto& [id, c] : connections) c->close();
  struct stat st {};
  if (!path_.empty() && ::lstat(path_.c_str(), &st) == 0 && st.st_ino == socket_inode_) {
    ::unlink(path_.c_str());  // ours, not a successor's
  }
}

}  // namespace detail

// --- Server ---------------------------------------------------------------------

Result<std::unique_ptr<Server>> Server::listen(boost::asio::io_context& io, const std::string& path,
                                               AccessPolicy policy, RequestHandler handler,
                                               ServerOptions options) {
  auto server = create(io, std::move(policy), std::move(handler), std::move(options));
  if (Status s = server->core_->listen(path); !s) return s.error();
  return server;
}

std::unique_ptr<Server> Server::create(boost::asio::io_context& io, AccessPolicy policy,
                                       RequestHandler handler, ServerOptions options) {
  auto core = std::make_shared<detail::ServerCore>(io, std::move(policy), std::move(handler),
                                                   std::move(options));
  return std::unique_ptr<Server>(new Server(std::move(core)));
}

Server::~Server() {
  if (core_) core_->shutdown();
}

void Server::adopt(boost::asio::local::stream_protocol::socket socket) {
  core_->adopt(std::move(socket));
}

Status Server::send_event(ConnectionId connection, std::string_view payload) {
  auto it = core_->connections_.find(connection);
  if (it == core_->connections_.end()) {
    return Error(ErrorCode::kNotFound, "no connection " + std::to_string(connection));
  }
  auto c = it->second;
  if (!c->send_event(payload)) {
    return Error(ErrorCode::kIo, "connection " + std::to_string(connection) +
                                     " is closing or the event is too large");
  }
  return ok_status();
}

std::size_t Server::broadcast_event(std::string_view payload) {
  std::vector<std::shared_ptr<detail::Connection>> all;
  for (auto& [id, c] : core_->connections_) all.push_back(c);
  std::size_t sent = 0;
  for (auto& c : all) sent += c->send_event(payload) ? 1 : 0;
  return sent;
}

std::size_t Server::connection_count() const {
  return core_->connections_.size();
}
const std::string& Server::path() const {
  return core_->path_;
}

}  // namespace vigil::ipc
