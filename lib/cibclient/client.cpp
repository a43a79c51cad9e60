// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cibclient/client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdlib>

#include "vigil/cibd/wire.hpp"
#include "vigil/ipc/client.hpp"

namespace vigil::cibclient {

std::string default_socket_path() {
  const char* dir = std::getenv("VIGIL_RUN_DIR");
  return std::string(dir != nullptr && *dir != '\0' ? dir : "/run/vigil") + "/cib.sock";
}

class CibClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::io_context& io, ClientOptions options)
      : io(io), options(options), client(io, make_ipc_options(options)) {}

  static ipc::ClientOptions make_ipc_options(const ClientOptions& o) {
    ipc::ClientOptions out;
    out.max_payload = o.max_payload;
    out.connect_timeout = o.connect_timeout;
    return out;
  }

  void install_handlers() {
    std::weak_ptr<Impl> weak = shared_from_this();
    client.set_event_handler([weak](std::string_view payload) {
      auto self = weak.lock();
      if (!self) return;
      auto change = cibd::decode_event(payload);
      if (!change) return;  // not ours to judge: a newer daemon may send more
      std::vector<SubscriptionId> ids;
      for (const auto& [id, h] : self->handlers) ids.push_back(id);
      for (SubscriptionId id : ids) {
        auto it = self->handlers.find(id);
        if (it != self->handlers.end() && it->second) it->second(*change);
      }
    });
    client.set_disconnect_handler([weak](const Error& e) {
      auto self = weak.lock();
      if (!self) return;
      self->subscribed = false;  // a new connection subscribes again
      if (self->on_disconnect) self->on_disconnect(e);
    });
  }

  static Result<CibReply> decode(Result<std::string> r) {
    if (!r) return r.error();
    return cibd::decode_reply(*r);
  }

  void subscribe_remote() {
    if (subscribed || !client.connected()) return;
    subscribed = true;
    std::weak_ptr<Impl> weak = shared_from_this();
    client.async_call(
        cibd::encode_subscribe(),
        [weak](Result<std::string> r) {
          auto self = weak.lock();
          if (self && !r) self->subscribed = false;
        },
        options.request_timeout);
  }

  boost::asio::io_context& io;
  ClientOptions options;
  ipc::Client client;
  std::map<SubscriptionId, ChangeHandler> handlers;
  SubscriptionId next_subscription = 1;
  bool subscribed = false;
  std::function<void(const Error&)> on_disconnect;
};

CibClient::CibClient(boost::asio::io_context& io, ClientOptions options)
    : impl_(std::make_shared<Impl>(io, options)) {
  impl_->install_handlers();
  set_client_name("vigil");
}

CibClient::~CibClient() {
  impl_->client.close();
}

void CibClient::async_connect(const std::string& socket_path, std::function<void(Status)> done) {
  std::weak_ptr<Impl> weak = impl_;
  impl_->client.async_connect(socket_path, [weak, done = std::move(done)](Status s) {
    auto self = weak.lock();
    if (self && s && !self->handlers.empty()) self->subscribe_remote();
    if (done) done(std::move(s));
  });
}

Status CibClient::connect(const std::string& socket_path) {
  Status s = impl_->client.connect(socket_path);
  if (s && !impl_->handlers.empty()) impl_->subscribe_remote();
  return s;
}

bool CibClient::connected() const {
  return impl_->client.connected();
}

void CibClient::set_disconnect_handler(std::function<void(const Error&)> handler) {
  impl_->on_disconnect = std::move(handler);
}

void CibClient::close() {
  impl_->client.close();
  impl_->subscribed = false;
}

void CibClient::execute(CibRequest request, ReplyHandler done) {
  if (request.client.empty()) request.client = client_name();
  if (!impl_->client.connected()) {
    boost::asio::post(impl_->io, [done = std::move(done)] {
      if (done) done(Error(ErrorCode::kIo, "not connected to vigil-cib"));
    });
    return;
  }
  impl_->client.async_call(
      cibd::encode_request(request),
      [done = std::move(done)](Result<std::string> r) {
        if (done) done(Impl::decode(std::move(r)));
      },
      impl_->options.request_timeout);
}

SubscriptionId CibClient::subscribe(ChangeHandler handler) {
  const SubscriptionId id = impl_->next_subscription++;
  impl_->handlers.emplace(id, std::move(handler));
  impl_->subscribe_remote();
  return id;
}

void CibClient::unsubscribe(SubscriptionId id) {
  impl_->handlers.erase(id);
}

Result<CibReply> CibClient::call(CibRequest request) {
  if (request.client.empty()) request.client = client_name();
  if (!impl_->client.connected()) return Error(ErrorCode::kIo, "not connected to vigil-cib");
  if (impl_->options.request_timeout.count() <= 0) {
    return Error(ErrorCode::kInvalidInput, "a blocking call needs a request timeout");
  }
  return Impl::decode(
      impl_->client.call(cibd::encode_request(request), impl_->options.request_timeout));
}

Result<CibReply> CibClient::query_sync(std::string_view scope) {
  return call(make_request(CibOp::kQuery, scope, {}, {}));
}
Result<CibReply> CibClient::create_sync(std::string_view scope, std::string_view xml,
                                        UpdateOptions options) {
  return call(make_request(CibOp::kCreate, scope, xml, options));
}
Result<CibReply> CibClient::modify_sync(std::string_view scope, std::string_view xml,
                                        UpdateOptions options) {
  return call(make_request(CibOp::kModify, scope, xml, options));
}
Result<CibReply> CibClient::replace_sync(std::string_view scope, std::string_view xml,
                                         UpdateOptions options) {
  return call(make_request(CibOp::kReplace, scope, xml, options));
}
Result<CibReply> CibClient::remove_sync(std::string_view xpath, UpdateOptions options) {
  return call(make_request(CibOp::kDelete, xpath, {}, options));
}

}  // namespace vigil::cibclient
