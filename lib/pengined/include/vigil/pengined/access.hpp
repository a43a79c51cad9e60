// SPDX-License-Identifier: GPL-2.0-or-later
// SchedulerAccess: how the DC's controller asks for a transition graph,
// whether vigil-pengine is behind a socket (PengineClient, client.hpp) or
// in the same process (InProcessScheduler, in_process.hpp: whole-cluster
// simulations). `done` runs later from the event loop, never inside
// compute(), exactly once (dropped if the object is destroyed first).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vigil/cibd/types.hpp"
#include "vigil/common/result.hpp"

namespace vigil::pengined {

struct ComputeRequest {
  std::string cib_xml;  // the whole CIB, status included; empty when `base` is set
  // Instead of the whole CIB: the changes since the CIB the scheduler holds
  // (ComputeResult::cib_version of an earlier run), as vigil-cib notifies
  // them (<cib-diff> texts, in order, the first starting at `base`). A
  // scheduler that does not hold `base` or cannot apply a change answers
  // kNotFound: send the whole CIB then.
  std::optional<cibd::CibVersion> base;
  std::vector<std::string> diffs;
  // The graph's transition_id; unset: the scheduler's own counter (1, 2, ...).
  std::optional<int> transition_id;
  // "now" for the decision, in epoch seconds; unset: the scheduler's clock.
  std::optional<std::int64_t> now;
};

// Counts of the transition summary (crm_simulate's "Transition Summary").
struct SummaryCounts {
  int actions = 0;  // synapses in the graph
  int start = 0, stop = 0, restart = 0, move = 0, recover = 0, promote = 0, demote = 0, migrate = 0,
      fence = 0;
};

struct ComputeResult {
  std::string graph_xml;  // Pacemaker's transition graph, as vigil-simulate -G writes it
  int transition_id = 0;
  // Where the input was saved: "pe-input-12" and the full path; both empty
  // when saving is disabled (pe-input-series-max=0).
  std::string input_name;
  std::string input_path;
  std::int64_t now = 0;         // the execution date used (epoch seconds)
  std::int64_t recheck_by = 0;  // 0: none; else re-run the scheduler by then
  SummaryCounts summary;
  std::vector<std::string> warnings;  // configuration warnings (pe-warn inputs)
  // The CIB version the scheduler holds after this run, which the next
  // request's changes may start from; unset: it holds none.
  std::optional<cibd::CibVersion> cib_version;
  std::string cib_read;  // how the CIB was read: "whole", or "diffs=N node_states=M"
};

class SchedulerAccess {
 public:
  virtual ~SchedulerAccess() = default;
  virtual void compute(ComputeRequest request, std::function<void(Result<ComputeResult>)> done) = 0;
};

}  // namespace vigil::pengined
