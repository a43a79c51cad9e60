// SPDX-License-Identifier: GPL-2.0-or-later
#include "corosync/service.hpp"

#include <poll.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>

#include "corosync/cs_error.hpp"

namespace vigil::cluster::corosync {
namespace {

// At most this many dispatch rounds per wake-up before yielding to the
// other handlers of the io_context.
constexpr int kMaxRounds = 8;

}  // namespace

Status Service::watch(int fd) {
  // Asio would close a descriptor it owns; the library owns `fd`, so watch a copy.
  const int copy = ::dup(fd);
  if (copy < 0) {
    return Error(ErrorCode::kIo, name_ + ": dup of the corosync fd: " + std::strerror(errno));
  }
  fd_.emplace(io_, copy);
  arm();
  return ok_status();
}

void Service::arm() {
  if (!fd_ || closing_ || lost_) return;
  std::weak_ptr<Service> weak = weak_from_this();
  fd_->async_wait(
      boost::asio::posix::descriptor_base::wait_read, [weak](const boost::system::error_code& ec) {
        if (ec == boost::asio::error::operation_aborted) return;
        auto self = weak.lock();
        if (!self || self->closing_ || self->lost_) return;
        if (ec) {
          self->report_lost(
              Error(ErrorCode::kIo, self->name_ + ": waiting on corosync: " + ec.message()));
          return;
        }
        self->on_ready();
      });
}

// Asio's epoll reactor is edge-triggered: drain with CS_DISPATCH_ALL, then
// look at the descriptor ourselves, so neither leftover input nor a hang-up
// (after which corosync's dispatch may still answer CS_OK) goes unnoticed.
void Service::on_ready() {
  auto keep_alive = shared_from_this();  // a callback may destroy the owner
  for (int round = 0; round < kMaxRounds; ++round) {
    dispatching_ = true;
    const cs_error_t rc = dispatch_all();
    dispatching_ = false;
    if (closing_) {
      finalize_once();
      return;
    }
    if (rc != CS_OK && rc != CS_ERR_TRY_AGAIN) {
      report_lost(Error(ErrorCode::kIo, name_ + "_dispatch: " + cs_error_name(rc) +
                                            " (lost the connection to corosync)"));
      return;
    }
    after_dispatch();
    if (closing_) {
      finalize_once();
      return;
    }
    if (lost_) return;

    pollfd p{fd_->native_handle(), POLLIN, 0};
    const int n = ::poll(&p, 1, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      report_lost(Error(ErrorCode::kIo, name_ + ": poll: " + std::strerror(errno)));
      return;
    }
    if ((p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
      report_lost(Error(ErrorCode::kIo, name_ + ": corosync closed the connection"));
      return;
    }
    if ((p.revents & POLLIN) == 0) {
      arm();
      return;
    }
  }
  // Still readable: continue later, after the other handlers had their turn.
  std::weak_ptr<Service> weak = weak_from_this();
  boost::asio::post(io_, [weak] {
    auto self = weak.lock();
    if (self && self->usable()) self->on_ready();
  });
}

void Service::stop_watching() {
  if (!fd_) return;
  boost::system::error_code ignored;
  fd_->cancel(ignored);
  fd_->close(ignored);
  fd_.reset();
}

void Service::report_lost(Error error) {
  if (lost_ || closing_) return;
  lost_ = error;
  stop_watching();
  auto handler = lost_handler_;
  if (handler) handler(error);
}

void Service::close() {
  if (closing_) return;
  closing_ = true;
  lost_handler_ = nullptr;
  stop_watching();
  if (!dispatching_) finalize_once();
}

void Service::finalize_once() {
  if (finalized_) return;
  finalized_ = true;
  finalize();
}

}  // namespace vigil::cluster::corosync
