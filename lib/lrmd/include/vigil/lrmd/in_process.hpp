// SPDX-License-Identifier: GPL-2.0-or-later
// InProcessExecutor: ExecutorAccess straight over a Service in the same
// process (the whole-cluster simulation: one Service per simulated node,
// scripted spawner, ManualClock). Completions are delivered through the
// clock (zero-delay timers), so callers see the same asynchrony as over a
// socket.
#pragma once

#include <memory>

#include "vigil/common/clock.hpp"
#include "vigil/lrmd/access.hpp"
#include "vigil/lrmd/service.hpp"

namespace vigil::lrmd {

class InProcessExecutor final : public ExecutorAccess {
 public:
  // `service` and `clock` must outlive this object.
  InProcessExecutor(Service& service, Clock& clock);
  ~InProcessExecutor() override;
  InProcessExecutor(const InProcessExecutor&) = delete;
  InProcessExecutor& operator=(const InProcessExecutor&) = delete;

  void exec(const exec::OperationRequest& request, std::function<void(Result<int>)> done) override;
  void cancel(const CancelRequest& request, std::function<void(Status)> done) override;
  void metadata(const exec::AgentSpec& agent,
                std::function<void(Result<std::string>)> done) override;
  void history(const std::string& rsc_id,
               std::function<void(Result<std::vector<ResourceHistory>>)> done) override;
  void forget(const std::string& rsc_id, std::function<void(Status)> done) override;
  void set_event_handler(EventHandler handler) override;
  void set_lost_handler(LostHandler handler) override;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace vigil::lrmd
