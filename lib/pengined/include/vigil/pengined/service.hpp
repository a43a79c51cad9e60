// SPDX-License-Identifier: GPL-2.0-or-later
// Scheduler: vigil-pengine's logic without sockets. One request = one CIB
// (XML text, status included) -> lib/pengine -> transition graph XML, the
// name of the saved input, recheck-by and summary counts.
//
// Inputs are saved as Pacemaker's scheduler saves them, uncompressed (Vigil
// writes pe-input-N.xml where Pacemaker writes .bz2): in `pe_dir`,
// pe-input-N.xml for a clean run, pe-warn-N.xml when the configuration gave
// warnings, pe-error-N.xml when scheduling failed. The root carries
// execution-date (epoch seconds), so `vigil-simulate -x pe-input-N.xml`
// replays the same decision. N per series comes from "<series>.last" in the
// directory (the next number to use, as Pacemaker's series files), falling
// back to one past the highest file present; it wraps at the series
// maximum from the CIB's cluster options: pe-input-series-max (default
// 4000), pe-warn-series-max (5000), pe-error-series-max (-1); 0 keeps none,
// -1 is unlimited. The same input twice in a row is not saved again (its
// first name is returned), as Pacemaker does.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/clock.hpp"
#include "vigil/common/disk.hpp"
#include "vigil/common/result.hpp"
#include "vigil/pengined/access.hpp"

namespace vigil::pengine {
struct SummaryItem;
}

namespace vigil::pengined {

struct SchedulerOptions {
  std::string pe_dir;  // $state/pengine; empty: inputs are not saved
  // Inputs are named by compute() but written by write_pending_input()
  // (the daemon's, after it answered: the DC does not wait for a large
  // CIB to reach the disk, as Pacemaker's scheduler answers first too).
  bool defer_save = false;
};

class Scheduler {
 public:
  // `clock` gives "now" when a request does not; inputs are saved through
  // `disk`. Both must outlive this.
  Scheduler(Clock& clock, SchedulerOptions options, Disk& disk = real_disk());
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // A bad CIB (not XML, schema violation, unsupported feature) is an Error;
  // it is saved as pe-error-N when it parsed as XML.
  //
  // The CIB of a run is held for the next one, which may send its changes
  // instead of the whole text (ComputeRequest::base, held_cib.hpp); a
  // request whose changes cannot be applied is kNotFound and the scheduler
  // then holds nothing until a whole CIB comes.
  Result<ComputeResult> compute(const ComputeRequest& request);
  // With defer_save: writes the input compute() named (an error says why
  // it could not; nothing pending is ok). compute() writes one left over.
  Status write_pending_input();

  // The daemon's entry point: protocol XML in, answer payload out.
  //   <pengine-compute [transition-id=] [now=]/> NUL, then the CIB as text
  //   <pengine-compute [transition-id=] [now=] base="A:E:N"><cib-diff>...</pengine-compute>
  //   (older form, still read: <pengine-compute ...>CIB as text</pengine-compute>)
  //   -> <pengine-graph transition-id= input= input-path= now= recheck-by= actions= ...
  //        [cib-version=] [cib-read=]><warning>...</warning>... graph XML as text</pengine-graph>
  Result<std::string> handle(std::string_view payload);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The summary counts of a result: each of the scheduler's transition summary
// items (vigil/pengine/summary.hpp) counted by its kind; re-promotions,
// reloads and shutdowns have no counter. `actions` is left to the caller
// (the graph's synapses).
SummaryCounts count_changes(const std::vector<pengine::SummaryItem>& items);

// Protocol helpers (the client uses them; tests too).
std::string encode_compute_request(const ComputeRequest& request);
Result<ComputeRequest> decode_compute_request(std::string_view payload);
std::string encode_compute_result(const ComputeResult& result);
Result<ComputeResult> decode_compute_result(std::string_view payload);

class InProcessScheduler final : public SchedulerAccess {
 public:
  // Delivers through `clock` (zero-delay timer). Both must outlive this.
  InProcessScheduler(Scheduler& scheduler, Clock& clock);
  ~InProcessScheduler() override;
  void compute(ComputeRequest request, std::function<void(Result<ComputeResult>)> done) override;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace vigil::pengined
