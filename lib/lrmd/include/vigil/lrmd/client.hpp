// SPDX-License-Identifier: GPL-2.0-or-later
// LrmdClient: ExecutorAccess over vigil-lrmd's socket ($run/lrmd.sock), on
// the caller's io_context (vigil-crmd's). connect() also subscribes the
// connection to operation events. After the connection is lost, calls fail
// with kIo until connect() succeeds again (the controller reconnects and
// asks history()).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "vigil/lrmd/access.hpp"

namespace boost::asio {
class io_context;
}

namespace vigil::lrmd {

struct LrmdClientOptions {
  // Per call; metadata runs an agent, so this is generous.
  std::chrono::milliseconds call_timeout{60'000};
  std::chrono::milliseconds connect_timeout{5'000};
};

class LrmdClient final : public ExecutorAccess {
 public:
  explicit LrmdClient(boost::asio::io_context& io, LrmdClientOptions options = {});
  ~LrmdClient() override;
  LrmdClient(const LrmdClient&) = delete;
  LrmdClient& operator=(const LrmdClient&) = delete;

  // Connects to `socket_path` and subscribes to events; `done` gets the
  // outcome (kIo: no daemon there, or the daemon refused us).
  void connect(const std::string& socket_path, std::function<void(Status)> done);
  bool connected() const;
  void close();

  void exec(const exec::OperationRequest& request, std::function<void(Result<int>)> done) override;
  void cancel(const CancelRequest& request, std::function<void(Status)> done) override;
  void metadata(const exec::AgentSpec& agent,
                std::function<void(Result<std::string>)> done) override;
  void history(const std::string& rsc_id,
               std::function<void(Result<std::vector<ResourceHistory>>)> done) override;
  void forget(const std::string& rsc_id, std::function<void(Status)> done) override;
  void set_event_handler(EventHandler handler) override;
  void set_lost_handler(LostHandler handler) override;

  // Lists installed agents: "IPaddr2" (OCF with a provider), "heartbeat:IPaddr2"
  // (OCF, all providers), init scripts or systemd units.
  void list_agents(const ListAgentsRequest& request,
                   std::function<void(Result<std::vector<std::string>>)> done);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace vigil::lrmd
