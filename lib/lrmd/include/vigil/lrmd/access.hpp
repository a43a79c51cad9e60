// SPDX-License-Identifier: GPL-2.0-or-later
// ExecutorAccess: how the controller talks to its node's executor, whether
// vigil-lrmd is behind a socket (LrmdClient, client.hpp) or in the same
// process (InProcessExecutor, in_process.hpp: whole-cluster simulations).
//
// Contract, the same for every implementation:
// - Completion callbacks run later from the event loop, never inside the
//   call that takes them, exactly once each (unless the object is destroyed
//   first: then they are dropped, never called).
// - Operation results arrive through the event handler, for every operation
//   of every client (one controller per node), in the order the executor
//   produced them. Recurring operations report their first result and then
//   only changes.
// - exec() answers with the call id as soon as the operation is queued; its
//   result comes later as an event carrying the same call id and user data.
// - The executor keeps running operations when the controller goes away;
//   a controller that comes back asks history() to learn what is in place.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/exec/operation.hpp"
#include "vigil/lrmd/protocol.hpp"

namespace vigil::lrmd {

class ExecutorAccess {
 public:
  using EventHandler = std::function<void(const exec::OperationResult&)>;
  using LostHandler = std::function<void(const Error&)>;

  virtual ~ExecutorAccess() = default;

  virtual void exec(const exec::OperationRequest& request,
                    std::function<void(Result<int>)> done) = 0;
  // kNotFound when no such operation is queued, running or recurring. A
  // cancelled operation also reports a result (exec status Cancelled).
  virtual void cancel(const CancelRequest& request, std::function<void(Status)> done) = 0;
  // The agent's meta-data XML.
  virtual void metadata(const exec::AgentSpec& agent,
                        std::function<void(Result<std::string>)> done) = 0;
  // One resource (rsc_id) or all (empty).
  virtual void history(const std::string& rsc_id,
                       std::function<void(Result<std::vector<ResourceHistory>>)> done) = 0;
  // Drops a resource's history (after its stop, or a cleanup). Refused
  // (kInvalidInput) while a one-shot operation of it is queued or running;
  // cancels its recurring ones. kNotFound when it has no history here.
  virtual void forget(const std::string& rsc_id, std::function<void(Status)> done) = 0;

  virtual void set_event_handler(EventHandler handler) = 0;
  // The executor became unreachable (socket closed, daemon gone): pending
  // calls fail with kIo, no more events come. Never called in process.
  virtual void set_lost_handler(LostHandler handler) = 0;
};

}  // namespace vigil::lrmd
