// SPDX-License-Identifier: GPL-2.0-or-later
// The Cluster of a running node: vigil-crmd's and vigil-cib's sockets.
#include <boost/asio/io_context.hpp>
#include <chrono>

#include "internal.hpp"
#include "vigil/cibclient/client.hpp"
#include "vigil/ipc/client.hpp"

namespace vigil::agenttools {

namespace {

// Agents run under timeouts: every call is bounded well below them.
constexpr std::chrono::milliseconds kCallTimeout{20'000};

class SocketCluster final : public Cluster {
 public:
  explicit SocketCluster(std::string run_dir) : run_dir_(std::move(run_dir)) {}

  Result<std::string> controller(const std::string& request) override {
    if (!crmd_) {
      const std::string path = run_dir_ + "/crmd.sock";
      crmd_ = std::make_unique<ipc::Client>(io_);
      if (auto st = crmd_->connect(path); !st) {
        crmd_.reset();
        return Error(ErrorCode::kIo,
                     "cannot reach vigil-crmd at " + path + ": " + st.error().message());
      }
    }
    return crmd_->call(request, kCallTimeout);
  }

  Result<std::string> cib() override {
    auto client = cib_client();
    if (!client) return client.error();
    auto reply = (*client)->query_sync("");
    if (!reply) return reply.error();
    return reply->xml;
  }

  Status cib_modify(const std::string& section, const std::string& xml) override {
    auto client = cib_client();
    if (!client) return client.error();
    cibclient::UpdateOptions options;
    options.allow_create = true;
    if (auto reply = (*client)->modify_sync(section, xml, options); !reply) return reply.error();
    return ok_status();
  }

  Status cib_remove(const std::string& xpath) override {
    auto client = cib_client();
    if (!client) return client.error();
    if (auto reply = (*client)->remove_sync(xpath); !reply) return reply.error();
    return ok_status();
  }

 private:
  Result<cibclient::CibClient*> cib_client() {
    if (!cib_) {
      const std::string path = run_dir_ + "/cib.sock";
      cibclient::ClientOptions options;
      options.request_timeout = kCallTimeout;
      cib_ = std::make_unique<cibclient::CibClient>(io_, options);
      cib_->set_client_name("crm_attribute");
      if (auto st = cib_->connect(path); !st) {
        cib_.reset();
        return Error(ErrorCode::kIo,
                     "cannot reach vigil-cib at " + path + ": " + st.error().message());
      }
    }
    return cib_.get();
  }

  std::string run_dir_;
  boost::asio::io_context io_;
  std::unique_ptr<ipc::Client> crmd_;
  std::unique_ptr<cibclient::CibClient> cib_;
};

}  // namespace

std::unique_ptr<Cluster> socket_cluster(const std::string& run_dir) {
  return std::make_unique<SocketCluster>(run_dir);
}

}  // namespace vigil::agenttools
