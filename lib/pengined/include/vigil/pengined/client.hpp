// SPDX-License-Identifier: GPL-2.0-or-later
// PengineClient: SchedulerAccess over vigil-pengine's socket
// ($run/pengine.sock) on the caller's io_context. compute() connects on
// first use and again after a lost connection; a request sent on a
// connection that was lost meanwhile fails with kIo (the caller retries, as
// the controller does with any failed scheduler run).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "vigil/ipc/frame.hpp"
#include "vigil/pengined/access.hpp"

namespace boost::asio {
class io_context;
}

namespace vigil::pengined {

struct PengineClientOptions {
  std::chrono::milliseconds call_timeout{120'000};
  std::chrono::milliseconds connect_timeout{5'000};
  std::size_t max_payload = ipc::kMaxDocumentPayload;  // whole CIBs
};

class PengineClient final : public SchedulerAccess {
 public:
  PengineClient(boost::asio::io_context& io, std::string socket_path,
                PengineClientOptions options = {});
  ~PengineClient() override;
  PengineClient(const PengineClient&) = delete;
  PengineClient& operator=(const PengineClient&) = delete;

  void compute(ComputeRequest request, std::function<void(Result<ComputeResult>)> done) override;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace vigil::pengined
