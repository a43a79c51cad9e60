// SPDX-License-Identifier: GPL-2.0-or-later
// LrmdClient: ExecutorAccess over vigil-lrmd's socket.
#include "vigil/lrmd/client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "vigil/ipc/client.hpp"

namespace vigil::lrmd {

class LrmdClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::io_context& io, LrmdClientOptions options) : io_(io), options_(options) {}

  void connect(const std::string& path, std::function<void(Status)> done) {
    retire();
    ipc::ClientOptions copts;
    copts.connect_timeout = options_.connect_timeout;
    client_ = std::make_shared<ipc::Client>(io_, copts);
    std::weak_ptr<Impl> weak = weak_from_this();
    std::weak_ptr<ipc::Client> weak_client = client_;
    client_->set_event_handler([weak](std::string_view payload) {
      auto self = weak.lock();
      if (!self || !self->on_event_) return;
      auto event = decode_event(payload);
      if (event) self->on_event_(*event);
      // A malformed event is dropped: the daemon is ours, this would be a bug
      // there, and the controller's operation timeouts cover the loss.
    });
    client_->set_disconnect_handler([weak, weak_client](const Error& error) {
      auto self = weak.lock();
      if (!self || self->client_ != weak_client.lock()) return;
      if (self->on_lost_) self->on_lost_(error);
    });
    client_->async_connect(path, [weak, weak_client, done = std::move(done)](Status st) {
      auto self = weak.lock();
      auto client = weak_client.lock();
      if (!self || !client || self->client_ != client) return;
      if (!st) {
        done(st);
        return;
      }
      client->async_call(
          encode_request(SubscribeRequest{}),
          [done](Result<std::string> reply) {
            if (!reply) {
              done(reply.error().with_context("subscribing to vigil-lrmd's events"));
              return;
            }
            done(decode_ok(*reply));
          },
          self->options_.call_timeout);
    });
  }

  // Every answer goes through here: errors for a missing connection are
  // posted, so callers never get called back from inside their own call.
  void call(const std::string& payload, std::function<void(Result<std::string>)> done) {
    if (!client_ || !client_->connected()) {
      boost::asio::post(io_, [weak = weak_from_this(), done = std::move(done)] {
        if (weak.lock()) done(Error(ErrorCode::kIo, "not connected to vigil-lrmd"));
      });
      return;
    }
    client_->async_call(payload, std::move(done), options_.call_timeout);
  }

  void close() { retire(); }

  // The old connection is closed now and destroyed later (we may be inside
  // one of its callbacks).
  void retire() {
    if (!client_) return;
    auto old = std::move(client_);
    client_.reset();
    old->close();
    boost::asio::post(io_, [old] {});
  }

  boost::asio::io_context& io_;
  LrmdClientOptions options_;
  std::shared_ptr<ipc::Client> client_;
  EventHandler on_event_;
  LostHandler on_lost_;
};

LrmdClient::LrmdClient(boost::asio::io_context& io, LrmdClientOptions options)
    : impl_(std::make_shared<Impl>(io, options)) {}

LrmdClient::~LrmdClient() {
  impl_->on_event_ = nullptr;
  impl_->on_lost_ = nullptr;
  impl_->retire();
}

void LrmdClient::connect(const std::string& socket_path, std::function<void(Status)> done) {
  impl_->connect(socket_path, std::move(done));
}

bool LrmdClient::connected() const {
  return impl_->client_ && impl_->client_->connected();
}

void LrmdClient::close() {
  impl_->close();
}

void LrmdClient::exec(const exec::OperationRequest& request,
                      std::function<void(Result<int>)> done) {
  impl_->call(encode_request(request), [done = std::move(done)](Result<std::string> reply) {
    if (!reply) {
      done(reply.error());
      return;
    }
    done(decode_exec_reply(*reply));
  });
}

void LrmdClient::cancel(const CancelRequest& request, std::function<void(Status)> done) {
  impl_->call(encode_request(request), [done = std::move(done)](Result<std::string> reply) {
    done(reply ? decode_ok(*reply) : Status(reply.error()));
  });
}

void LrmdClient::metadata(const exec::AgentSpec& agent,
                          std::function<void(Result<std::string>)> done) {
  impl_->call(encode_request(MetadataRequest{agent}),
              [done = std::move(done)](Result<std::string> reply) {
                done(reply ? decode_metadata_reply(*reply) : reply);
              });
}

void LrmdClient::history(const std::string& rsc_id,
                         std::function<void(Result<std::vector<ResourceHistory>>)> done) {
  impl_->call(encode_request(HistoryRequest{rsc_id}),
              [done = std::move(done)](Result<std::string> reply) {
                if (!reply) {
                  done(reply.error());
                  return;
                }
                done(decode_history_reply(*reply));
              });
}

void LrmdClient::forget(const std::string& rsc_id, std::function<void(Status)> done) {
  impl_->call(encode_request(ForgetRequest{rsc_id}),
              [done = std::move(done)](Result<std::string> reply) {
                done(reply ? decode_ok(*reply) : Status(reply.error()));
              });
}

void LrmdClient::list_agents(const ListAgentsRequest& request,
                             std::function<void(Result<std::vector<std::string>>)> done) {
  impl_->call(encode_request(request), [done = std::move(done)](Result<std::string> reply) {
    if (!reply) {
      done(reply.error());
      return;
    }
    done(decode_agents_reply(*reply));
  });
}

void LrmdClient::set_event_handler(EventHandler handler) {
  impl_->on_event_ = std::move(handler);
}

void LrmdClient::set_lost_handler(LostHandler handler) {
  impl_->on_lost_ = std::move(handler);
}

}  // namespace vigil::lrmd
