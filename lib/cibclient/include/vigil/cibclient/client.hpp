// SPDX-License-Identifier: GPL-2.0-or-later
// CibClient: the client of vigil-cib over its local socket ($run/cib.sock),
// for the vigil CLI and vigil-crmd. Built on vigil::ipc::Client; the wire
// format is described in lib/cibd/README.md.
//
// Two ways to use it:
//  - asynchronous (daemons): construct on the daemon's io_context,
//    async_connect(), then the CibAccess calls; answers and change events
//    are delivered from that io_context;
//  - blocking (command-line tools): connect(), then call() or the *_sync
//    helpers, each with a timeout; they run the io_context themselves, so
//    never call them from inside a handler of that io_context.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "vigil/cibclient/access.hpp"
#include "vigil/common/result.hpp"
#include "vigil/ipc/frame.hpp"

namespace boost::asio {
class io_context;
}

namespace vigil::cibclient {

struct ClientOptions {
  // Per request; zero waits as long as the connection lives.
  std::chrono::milliseconds request_timeout{30'000};
  std::chrono::milliseconds connect_timeout{5'000};
  // Whole CIBs come back from queries: the documents' limit by default.
  std::size_t max_payload = ipc::kMaxDocumentPayload;
};

// "$VIGIL_RUN_DIR/cib.sock", or /run/vigil/cib.sock.
std::string default_socket_path();

class CibClient final : public CibAccess {
 public:
  explicit CibClient(boost::asio::io_context& io, ClientOptions options = {});
  ~CibClient() override;
  CibClient(const CibClient&) = delete;
  CibClient& operator=(const CibClient&) = delete;

  void async_connect(const std::string& socket_path, std::function<void(Status)> done);
  // Blocking.
  Status connect(const std::string& socket_path);
  bool connected() const;
  // Called once when the connection is lost (not after close()).
  void set_disconnect_handler(std::function<void(const Error&)> handler);
  void close();

  // CibAccess. Before connect() or after a loss, requests fail with kIo.
  void execute(CibRequest request, ReplyHandler done) override;
  // The first subscription asks the daemon for events (a <cib-request
  // op="subscribe"/> on the connection); events then reach every handler.
  SubscriptionId subscribe(ChangeHandler handler) override;
  void unsubscribe(SubscriptionId id) override;

  // Blocking form of execute() (runs the io_context until answered or
  // request_timeout, which must be non-zero here).
  Result<CibReply> call(CibRequest request);
  Result<CibReply> query_sync(std::string_view scope);
  Result<CibReply> create_sync(std::string_view scope, std::string_view xml,
                               UpdateOptions options = {});
  Result<CibReply> modify_sync(std::string_view scope, std::string_view xml,
                               UpdateOptions options = {});
  Result<CibReply> replace_sync(std::string_view scope, std::string_view xml,
                                UpdateOptions options = {});
  Result<CibReply> remove_sync(std::string_view xpath, UpdateOptions options = {});

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace vigil::cibclient
