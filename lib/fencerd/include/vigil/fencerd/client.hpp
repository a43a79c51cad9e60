// SPDX-License-Identifier: GPL-2.0-or-later
// FencerdClient: vigil-stonithd's socket ($run/stonithd.sock) on the
// caller's io_context, for the controller (fence, subscribe), the executor
// (register, monitor, unregister: stonith-class resources) and the command line (blocking use:
// run the io_context until the callback ran).
//
// Calls connect on first use and again after a lost connection. Callbacks
// run later from the io_context, exactly once (dropped, never called, when
// the client is destroyed first). A connection lost with calls pending
// fails them with kIo; a fence call lost that way may still be carried out
// by the daemon (the caller learns of it from the history or an event).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vigil/fencerd/protocol.hpp"

namespace boost::asio {
class io_context;
}

namespace vigil::fencerd {

struct FencerdClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  // Calls other than fence (a monitor with its own timeout waits that
  // plus 5 s if longer). A fence waits as long as the connection lives:
  // the daemon answers every fence request by its overall timer, which
  // depends on the devices (only it knows them).
  std::chrono::milliseconds call_timeout{60'000};
};

class FencerdClient {
 public:
  FencerdClient(boost::asio::io_context& io, std::string socket_path,
                FencerdClientOptions options = {});
  ~FencerdClient();
  FencerdClient(const FencerdClient&) = delete;
  FencerdClient& operator=(const FencerdClient&) = delete;

  void fence(const FenceCall& call, std::function<void(Result<FenceReply>)> done);
  void confirm(const ConfirmCall& call, std::function<void(Status)> done);
  void query(const QueryCall& call, std::function<void(Result<std::vector<std::string>>)> done);
  void monitor(const MonitorCall& call, std::function<void(Status)> done);
  // A stonith resource's start and stop (`register` is a keyword).
  void register_device(const RegisterCall& call, std::function<void(Status)> done);
  void unregister_device(const UnregisterCall& call, std::function<void(Status)> done);
  void history(const HistoryCall& call,
               std::function<void(Result<std::vector<fencing::HistoryEntry>>)> done);
  void cleanup_history(const HistoryCleanupCall& call, std::function<void(Status)> done);
  void devices(std::function<void(Result<std::vector<DeviceInfo>>)> done);

  // Subscribes and delivers every <fence-event>. `lost` runs when that
  // connection drops (events may have been missed: read the history);
  // subscribe again to go on.
  void subscribe(std::function<void(const fencing::HistoryEntry&)> on_event,
                 std::function<void(const Error&)> lost, std::function<void(Status)> done);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace vigil::fencerd
