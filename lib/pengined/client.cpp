// SPDX-License-Identifier: GPL-2.0-or-later
// PengineClient: SchedulerAccess over vigil-pengine's socket.
#include "vigil/pengined/client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <deque>

#include "vigil/ipc/client.hpp"
#include "vigil/pengined/service.hpp"

namespace vigil::pengined {

class PengineClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  using Done = std::function<void(Result<ComputeResult>)>;

  Impl(boost::asio::io_context& io, std::string path, PengineClientOptions options)
      : io_(io), path_(std::move(path)), options_(options) {}

  void compute(ComputeRequest request, Done done) {
    std::string payload = encode_compute_request(request);
    if (client_ && client_->connected()) {
      send(payload, std::move(done));
      return;
    }
    queued_.emplace_back(std::move(payload), std::move(done));
    if (!connecting_) start_connect();
  }

  void start_connect() {
    retire();
    connecting_ = true;
    ipc::ClientOptions copts;
    copts.connect_timeout = options_.connect_timeout;
    copts.max_payload = options_.max_payload;
    client_ = std::make_shared<ipc::Client>(io_, copts);
    std::weak_ptr<Impl> weak = weak_from_this();
    client_->async_connect(path_, [weak](Status st) {
      auto self = weak.lock();
      if (!self) return;
      self->connecting_ = false;
      auto queued = std::move(self->queued_);
      self->queued_.clear();
      for (auto& [payload, done] : queued) {
        if (st) {
          self->send(payload, std::move(done));
        } else {
          done(st.error().with_context("vigil-pengine"));
        }
      }
    });
  }

  void send(const std::string& payload, Done done) {
    client_->async_call(
        payload,
        [done = std::move(done)](Result<std::string> reply) {
          if (!reply) {
            done(reply.error());
            return;
          }
          done(decode_compute_result(*reply));
        },
        options_.call_timeout);
  }

  void retire() {
    if (!client_) return;
    auto old = std::move(client_);
    client_.reset();
    old->close();
    boost::asio::post(io_, [old] {});
  }

  boost::asio::io_context& io_;
  std::string path_;
  PengineClientOptions options_;
  std::shared_ptr<ipc::Client> client_;
  bool connecting_ = false;
  std::deque<std::pair<std::string, Done>> queued_;
};

PengineClient::PengineClient(boost::asio::io_context& io, std::string socket_path,
                             PengineClientOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(socket_path), options)) {}

PengineClient::~PengineClient() {
  impl_->queued_.clear();
  impl_->retire();
}

void PengineClient::compute(ComputeRequest request,
                            std::function<void(Result<ComputeResult>)> done) {
  impl_->compute(std::move(request), std::move(done));
}

}  // namespace vigil::pengined
