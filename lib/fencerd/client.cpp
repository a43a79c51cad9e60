// SPDX-License-Identifier: GPL-2.0-or-later
// FencerdClient: calls over one lib/ipc connection (made on first use and
// again after a loss), events over a second one, so that a subscriber's
// stream and its calls never wait on each other.
#include "vigil/fencerd/client.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <deque>

#include "vigil/ipc/client.hpp"

namespace vigil::fencerd {

namespace {

using Reply = std::function<void(Result<std::string>)>;

// Decodes a reply with `decode`, or passes the transport's or daemon's error.
template <typename T, typename Decode>
Reply decoding(std::function<void(Result<T>)> done, Decode decode) {
  return [done = std::move(done), decode](Result<std::string> reply) {
    if (!reply) {
      done(reply.error());
      return;
    }
    done(decode(*reply));
  };
}

}  // namespace

class FencerdClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::io_context& io, std::string path, FencerdClientOptions options)
      : io_(io), path_(std::move(path)), options_(options) {}

  ~Impl() {
    retire(calls_);
    retire(events_);
  }

  // Every callback goes through a check that the client still exists, so
  // that none runs after ~FencerdClient (the connections are closed then,
  // which fails their pending calls). Transport errors say where.
  Reply guarded(Reply done) {
    return [weak = weak_from_this(), done = std::move(done)](Result<std::string> reply) {
      if (!weak.lock()) return;
      if (!reply && reply.error().code() == ErrorCode::kIo) {
        return done(reply.error().with_context("vigil-stonithd"));
      }
      done(std::move(reply));
    };
  }

  void call(std::string payload, std::chrono::milliseconds timeout, Reply done) {
    done = guarded(std::move(done));
    if (calls_ && calls_->connected()) {
      calls_->async_call(payload, std::move(done), timeout);
      return;
    }
    queued_.push_back({std::move(payload), timeout, std::move(done)});
    if (!connecting_) connect_calls();
  }

  void connect_calls() {
    retire(calls_);
    connecting_ = true;
    calls_ = make_client();
    std::weak_ptr<Impl> weak = weak_from_this();
    calls_->async_connect(path_, [weak](Status st) {
      auto self = weak.lock();
      if (!self) return;
      self->connecting_ = false;
      auto queued = std::move(self->queued_);
      self->queued_.clear();
      for (auto& q : queued) {
        if (st) {
          self->calls_->async_call(q.payload, std::move(q.done), q.timeout);
        } else {
          q.done(st.error());
        }
      }
    });
  }

  void subscribe(std::function<void(const fencing::HistoryEntry&)> on_event,
                 std::function<void(const Error&)> lost, std::function<void(Status)> done) {
    retire(events_);
    events_ = make_client();
    std::weak_ptr<Impl> weak = weak_from_this();
    std::weak_ptr<ipc::Client> weak_events = events_;
    events_->set_event_handler([weak, on_event](std::string_view payload) {
      if (!weak.lock()) return;
      // A malformed event is dropped: the daemon is ours, and the history
      // holds every operation for a subscriber that wants to check.
      if (auto entry = decode_event(payload)) on_event(*entry);
    });
    events_->set_disconnect_handler([weak, weak_events, lost](const Error& error) {
      auto self = weak.lock();
      if (!self || self->events_ != weak_events.lock()) return;
      lost(error);
    });
    events_->async_connect(path_, [weak, weak_events, done = std::move(done)](Status st) {
      auto self = weak.lock();
      auto events = weak_events.lock();
      if (!self || !events || self->events_ != events) return;
      if (!st) {
        done(st.error().with_context("vigil-stonithd"));
        return;
      }
      events->async_call(
          encode_call(SubscribeCall{}),
          [weak, done](Result<std::string> reply) {
            if (!weak.lock()) return;
            done(reply ? decode_ok(*reply) : Status(reply.error()));
          },
          self->options_.call_timeout);
    });
  }

  std::chrono::milliseconds call_timeout() const { return options_.call_timeout; }

 private:
  struct Queued {
    std::string payload;
    std::chrono::milliseconds timeout;
    Reply done;
  };

  std::shared_ptr<ipc::Client> make_client() {
    ipc::ClientOptions copts;
    copts.connect_timeout = options_.connect_timeout;
    return std::make_shared<ipc::Client>(io_, copts);
  }

  // Closed now, destroyed later: we may be inside one of its callbacks.
  void retire(std::shared_ptr<ipc::Client>& client) {
    if (!client) return;
    auto old = std::move(client);
    client.reset();
    old->close();
    boost::asio::post(io_, [old] {});
  }

  boost::asio::io_context& io_;
  std::string path_;
  FencerdClientOptions options_;
  std::shared_ptr<ipc::Client> calls_;
  std::shared_ptr<ipc::Client> events_;
  bool connecting_ = false;
  std::deque<Queued> queued_;
};

FencerdClient::FencerdClient(boost::asio::io_context& io, std::string socket_path,
                             FencerdClientOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(socket_path), options)) {}

FencerdClient::~FencerdClient() = default;

void FencerdClient::fence(const FenceCall& call, std::function<void(Result<FenceReply>)> done) {
  // The daemon answers every fence request when its overall timer ends, a
  // time only it knows (it depends on the devices): wait for the answer as
  // long as the connection lives.
  impl_->call(encode_call(call), std::chrono::milliseconds::zero(),
              decoding(std::move(done), decode_fence_reply));
}

void FencerdClient::confirm(const ConfirmCall& call, std::function<void(Status)> done) {
  impl_->call(encode_call(call), impl_->call_timeout(), decoding(std::move(done), decode_ok));
}

void FencerdClient::query(const QueryCall& call,
                          std::function<void(Result<std::vector<std::string>>)> done) {
  impl_->call(encode_call(call), impl_->call_timeout(),
              decoding(std::move(done), decode_device_ids));
}

void FencerdClient::monitor(const MonitorCall& call, std::function<void(Status)> done) {
  // The agent's own timeout, when given, plus a margin for the daemon.
  const auto timeout = call.timeout.count() > 0
                           ? std::max(impl_->call_timeout(), call.timeout + std::chrono::seconds(5))
                           : impl_->call_timeout();
  impl_->call(encode_call(call), timeout, decoding(std::move(done), decode_ok));
}

void FencerdClient::register_device(const RegisterCall& call, std::function<void(Status)> done) {
  impl_->call(encode_call(call), impl_->call_timeout(), decoding(std::move(done), decode_ok));
}

void FencerdClient::unregister_device(const UnregisterCall& call,
                                      std::function<void(Status)> done) {
  impl_->call(encode_call(call), impl_->call_timeout(), decoding(std::move(done), decode_ok));
}

void FencerdClient::history(const HistoryCall& call,
                            std::function<void(Result<std::vector<fencing::HistoryEntry>>)> done) {
  impl_->call(encode_call(call), impl_->call_timeout(), decoding(std::move(done), decode_history));
}

void FencerdClient::cleanup_history(const HistoryCleanupCall& call,
                                    std::function<void(Status)> done) {
  impl_->call(encode_call(call), impl_->call_timeout(), decoding(std::move(done), decode_ok));
}

void FencerdClient::devices(std::function<void(Result<std::vector<DeviceInfo>>)> done) {
  impl_->call(encode_call(DevicesCall{}), impl_->call_timeout(),
              decoding(std::move(done), decode_devices));
}

void FencerdClient::subscribe(std::function<void(const fencing::HistoryEntry&)> on_event,
                              std::function<void(const Error&)> lost,
                              std::function<void(Status)> done) {
  impl_->subscribe(std::move(on_event), std::move(lost), std::move(done));
}

}  // namespace vigil::fencerd
