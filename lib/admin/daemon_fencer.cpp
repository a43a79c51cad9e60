// SPDX-License-Identifier: GPL-2.0-or-later
// admin::Fencer over vigil-stonithd's client, blocking: the command line
// asks one thing and waits for the answer on its own event loop.
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <optional>

#include "vigil/admin/fencer.hpp"
#include "vigil/fencerd/client.hpp"

namespace vigil::admin {

namespace {

class DaemonFencer final : public Fencer {
 public:
  DaemonFencer(const std::string& path, Duration call_timeout)
      : client_(io_, path, options(call_timeout)),
        name_("stonith_admin." + std::to_string(::getpid())) {}

  Status fence(const std::string& node, bool off) override {
    fencerd::FenceCall call;
    call.target = node;
    call.action = off ? "off" : "reboot";
    call.timeout = std::chrono::seconds(120);  // stonith_admin's default
    call.client = name_;
    auto r =
        wait<Result<fencerd::FenceReply>>([&](auto done) { client_.fence(call, std::move(done)); });
    if (!r) return r.error();
    return ok_status();
  }
  Status confirm(const std::string& node) override {
    return wait<Status>([&](auto done) {
      client_.confirm(fencerd::ConfirmCall{node, name_}, std::move(done));
    });
  }
  Result<std::vector<fencing::HistoryEntry>> history(const std::string& node) override {
    return wait<Result<std::vector<fencing::HistoryEntry>>>(
        [&](auto done) { client_.history(fencerd::HistoryCall{node}, std::move(done)); });
  }
  Status clear_history(const std::string& node) override {
    return wait<Status>([&](auto done) {
      client_.cleanup_history(fencerd::HistoryCleanupCall{node}, std::move(done));
    });
  }

 private:
  static fencerd::FencerdClientOptions options(Duration call_timeout) {
    fencerd::FencerdClientOptions o;
    o.call_timeout = call_timeout;
    return o;
  }

  // Runs the loop until the call answered (the client's own timeouts, and
  // a lost connection, bound the wait).
  template <typename R, typename Start>
  R wait(Start start) {
    std::optional<R> answer;
    start([&answer](R r) { answer.emplace(std::move(r)); });
    io_.restart();
    while (!answer && io_.run_one() > 0) {
    }
    if (!answer) return R(Error(ErrorCode::kIo, "vigil-stonithd: no answer"));
    return std::move(*answer);
  }

  boost::asio::io_context io_;
  fencerd::FencerdClient client_;
  std::string name_;
};

}  // namespace

std::unique_ptr<Fencer> daemon_fencer(const std::string& socket_path, Duration call_timeout) {
  return std::make_unique<DaemonFencer>(socket_path, call_timeout);
}

}  // namespace vigil::admin
