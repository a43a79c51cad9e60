// SPDX-License-Identifier: GPL-2.0-or-later
// Test support for the fencing daemon's clients (the controller's, the
// executor's and the command line's adapters): a stand-in for
// vigil-stonithd on a real Unix socket that records each decoded call and
// answers as the test scripts it (`answer`), else with a plain success, or
// keeps the request unanswered (`hold`: the Responder waits in `held`);
// publish() sends an event to every subscriber. A register or unregister
// answered with success adds its device to `devices` (replacing one of the
// same id) or removes it, as the daemon's device list would change. Header-only: link
// vigil_fencerd and vigil_ipc.
#pragma once

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "vigil/fencerd/protocol.hpp"
#include "vigil/ipc/server.hpp"

namespace vigil::test {

class FakeFencerd {
 public:
  // nullopt: the default answer (an <ok/>, a fence reply delegated to
  // node1, `history`, `devices`, no device for a query).
  using Answer = std::function<std::optional<Result<std::string>>(const fencerd::Call&)>;

  FakeFencerd(boost::asio::io_context& io, std::string path) : path_(std::move(path)) {
    ipc::AccessPolicy policy;
    policy.allow_uid(::geteuid());
    ipc::ServerOptions so;
    so.name = "vigil-stonithd";
    so.log = [](LogLevel, std::string_view) {};
    auto s = ipc::Server::listen(
        io, path_, policy,
        [this](ipc::Request req, ipc::Responder resp) { handle(req, std::move(resp)); }, so);
    if (!s) throw std::runtime_error("fake vigil-stonithd: " + s.error().message());
    server_ = std::move(s).value();
  }

  const std::string& path() const { return path_; }
  std::vector<fencerd::Call> calls;
  std::vector<fencing::HistoryEntry> history;
  std::vector<fencerd::DeviceInfo> devices;
  Answer answer;
  std::function<bool(const fencerd::Call&)> hold;
  std::optional<ipc::Responder> held;  // the last request held

  void publish(const fencing::HistoryEntry& e) {
    for (auto id : subscribers_) (void)server_->send_event(id, fencerd::encode_event(e));
  }
  // Any payload, well-formed or not, to every subscriber.
  void publish_raw(std::string_view payload) {
    for (auto id : subscribers_) (void)server_->send_event(id, payload);
  }
  std::size_t subscribers() const { return subscribers_.size(); }

 private:
  void handle(const ipc::Request& req, ipc::Responder resp) {
    auto call = fencerd::decode_call(req.payload);
    if (!call) {
      resp.fail(call.error());
      return;
    }
    calls.push_back(*call);
    if (std::holds_alternative<fencerd::SubscribeCall>(*call)) {
      subscribers_.push_back(req.connection);
    }
    if (hold && hold(*call)) {
      held.emplace(std::move(resp));
      return;
    }
    std::optional<Result<std::string>> a = answer ? answer(*call) : std::nullopt;
    if (!a) a = default_answer(*call);
    if (*a) {
      track_registration(*call);
      resp.reply(**a);
    } else {
      resp.fail(a->error());
    }
  }

  void track_registration(const fencerd::Call& call) {
    std::string id;
    if (const auto* r = std::get_if<fencerd::RegisterCall>(&call)) id = r->device;
    if (const auto* u = std::get_if<fencerd::UnregisterCall>(&call)) id = u->device;
    if (id.empty()) return;
    std::erase_if(devices, [&](const fencerd::DeviceInfo& d) { return d.id == id; });
    if (const auto* r = std::get_if<fencerd::RegisterCall>(&call)) {
      devices.push_back({r->device, r->agent});
    }
  }

  Result<std::string> default_answer(const fencerd::Call& call) const {
    if (std::holds_alternative<fencerd::FenceCall>(call)) {
      return fencerd::encode_fence_reply({"node1", "node1:" + std::to_string(calls.size())});
    }
    if (std::holds_alternative<fencerd::QueryCall>(call)) return fencerd::encode_device_ids({});
    if (const auto* h = std::get_if<fencerd::HistoryCall>(&call)) {
      std::vector<fencing::HistoryEntry> out;
      for (const auto& e : history) {
        if (h->target.empty() || e.target == h->target) out.push_back(e);
      }
      return fencerd::encode_history(out);
    }
    if (std::holds_alternative<fencerd::DevicesCall>(call)) {
      return fencerd::encode_devices(devices);
    }
    return fencerd::encode_ok();
  }

  std::string path_;
  std::unique_ptr<ipc::Server> server_;
  std::vector<ipc::ConnectionId> subscribers_;
};

}  // namespace vigil::test
