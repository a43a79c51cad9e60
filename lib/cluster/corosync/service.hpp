// SPDX-License-Identifier: GPL-2.0-or-later
// The lifetime every corosync client connection shares (cpg, quorum, cmap;
// private to lib/cluster): its file descriptor watched on the daemon's
// io_context, dispatch when readable, loss of corosync reported once, and
// the handle finalized exactly once -- after the dispatch in progress when
// the owner is destroyed from inside one of its own callbacks.
//
// The owner (CorosyncCpg...) holds the only long-lived shared_ptr and calls
// close() from its destructor; pending Asio handlers hold weak_ptrs, and a
// running dispatch holds a shared_ptr until it returns.
#pragma once

#include <corosync/corotypes.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "vigil/common/result.hpp"

namespace vigil::cluster::corosync {

class Service : public std::enable_shared_from_this<Service> {
 public:
  using LostHandler = std::function<void(const Error&)>;

  Service(boost::asio::io_context& io, std::string name) : io_(io), name_(std::move(name)) {}
  virtual ~Service() = default;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Starts dispatching whenever `fd` (the library's; we watch a dup) is readable.
  Status watch(int fd);
  // Finalizes now, or right after the dispatch in progress. No callback
  // reaches the owner afterwards.
  void close();

  // Callbacks may reach the owner, operations may be attempted.
  bool usable() const { return !closing_ && !lost_; }
  bool closing() const { return closing_; }
  // Set once the connection to corosync failed.
  const std::optional<Error>& lost() const { return lost_; }
  void set_lost_handler(LostHandler handler) { lost_handler_ = std::move(handler); }
  const std::string& name() const { return name_; }
  boost::asio::io_context& io() { return io_; }

  // Stops watching and tells the owner, once.
  void report_lost(Error error);

 protected:
  virtual cs_error_t dispatch_all() = 0;  // xxx_dispatch(handle, CS_DISPATCH_ALL)
  virtual void finalize() = 0;            // xxx_finalize(handle)
  virtual void after_dispatch() {}        // coalesced work (cmap re-reads)

 private:
  void arm();
  void on_ready();
  void finalize_once();
  void stop_watching();

  boost::asio::io_context& io_;
  std::string name_;
  std::optional<boost::asio::posix::stream_descriptor> fd_;
  bool dispatching_ = false;
  bool closing_ = false;
  bool finalized_ = false;
  std::optional<Error> lost_;
  LostHandler lost_handler_;
};

}  // namespace vigil::cluster::corosync
