// SPDX-License-Identifier: GPL-2.0-or-later
// Service: vigil-lrmd's logic over lib/exec's Executor, without sockets.
// It keeps each resource's history (agent, last result per operation,
// recurring operations in place), answers requests (typed, or as protocol
// XML for the daemon) and fans results out to subscribers.
//
// Rules:
// - Results go to every subscriber; unsubscribing (a client that goes away)
//   cancels nothing: resources stay as they are, as with Pacemaker when the
//   controller restarts.
// - The history keeps each resource's parameters of its last start, probe
//   or reload as they were requested (ResourceHistory::stop_params), through
//   its stop, until forget(): a controller that restarts stops it with them.
// - A cancelled recurring operation leaves the history (its last result is
//   dropped too: the controller removes it from the CIB status).
// - Meta-data is fetched by running the agent's meta-data action under the
//   reserved resource id "vigil-lrmd-metadata"; it is neither recorded nor
//   broadcast. Answers are cached per agent for the daemon's lifetime.
// - forget(rsc) is refused while an operation of rsc is queued or running;
//   otherwise its recurring operations are cancelled and its history dropped.
// - shutdown(): recurring operations are cancelled, nothing new is accepted,
//   and `done` runs once no agent runs any more (or when `bound` expires;
//   destroying the Service then kills what is left, by process group).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"
#include "vigil/exec/executor.hpp"
#include "vigil/exec/process.hpp"
#include "vigil/lrmd/protocol.hpp"

namespace vigil::lrmd {

inline constexpr const char* kMetadataRscId = "vigil-lrmd-metadata";

using SubscriberId = std::uint64_t;

class Service {
 public:
  // `clock` and `spawner` must outlive the service.
  Service(Clock& clock, exec::Spawner& spawner, exec::ExecutorOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // --- typed API (the in-process adapter and the XML dispatcher use it)
  Result<int> exec(exec::OperationRequest request);
  Status cancel(const CancelRequest& request);
  void metadata(const exec::AgentSpec& agent, std::function<void(Result<std::string>)> done);
  Result<std::vector<std::string>> list_agents(const ListAgentsRequest& request) const;
  std::vector<ResourceHistory> history(const std::string& rsc_id = {}) const;
  Status forget(const std::string& rsc_id);

  // Results of every operation (except meta-data) go to each subscriber.
  SubscriberId subscribe(std::function<void(const exec::OperationResult&)> on_result);
  void unsubscribe(SubscriberId id);

  // --- the daemon's entry point: one protocol request of connection
  // `connection` (any number chosen by the caller); the answer payload or an
  // Error goes to `reply`, possibly later. A <lrmd-subscribe/> makes
  // `event_sink(connection, payload)` receive encoded events; the sink
  // returns false when the connection is gone (it is then unsubscribed).
  using EventSink = std::function<bool(std::uint64_t connection, std::string_view payload)>;
  void set_event_sink(EventSink sink);
  void handle(std::uint64_t connection, std::string_view payload,
              std::function<void(Result<std::string>)> reply);
  // The connection closed: no more events to it.
  void connection_closed(std::uint64_t connection);

  void shutdown(Duration bound, std::function<void()> done);
  bool shutting_down() const;
  std::size_t running() const;
  std::size_t recurring() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::lrmd
