// SPDX-License-Identifier: GPL-2.0-or-later
// The simulated sink: crm_simulate's half of Pacemaker's graph functions
// (lib/pacemaker/pcmk_simulate.c plugs the same kind into the one graph
// consumer the controller drives).
#include "vigil/transition/simulation.hpp"

#include <strings.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "vigil/transition/history.hpp"
#include "vigil/transition/outcome.hpp"
#include "vigil/transition/status_document.hpp"

namespace vigil::transition {

namespace {

// crm-debug-origin of what the simulation writes, as crm_simulate's.
constexpr const char* kOrigin = "crm_simulate";

std::string describe(const GraphAction& a) {
  return "action " + std::to_string(a.id) + " (" + a.operation_key + ")";
}

class SimulatedSink final : public ActionSink {
 public:
  SimulatedSink(_xmlDoc* cib, const SimulationOptions& options, const Clock& clock,
                std::string& log)
      : status_(cib), options_(options), clock_(clock), log_(log) {}

  void attach(Runner* runner) { runner_ = runner; }
  const std::optional<Error>& error() const { return error_; }

  void pseudo_action_fired(const GraphAction& a) override {
    // A pseudo action bound to a node (a guest or bundle node's implied
    // fencing) names it, as crm_simulate does.
    log_ += "  * Pseudo action:   " + a.operation_key +
            (a.on_node.empty() ? "" : " on " + a.on_node) + "\n";
  }

  Status execute_rsc_op(const GraphAction& a) override {
    if (!a.primitive) {
      // A node-level request such as probe_again leaves no trace.
      if (a.operation != "probe_again") {
        log_ += "  * Cluster action:  " + a.operation + " on " + a.on_node + "\n";
      }
      return confirm(a, ActionOutcome::kOk);
    }
    log_resource_action(a);
    if (a.operation == "delete" || a.operation == "meta-data") {
      // Shown, and nothing recorded, as crm_simulate does.
      return confirm(a, ActionOutcome::kOk);
    }
    std::optional<int> injected = injected_rc(a);
    int rc = a.target_rc;
    if (injected) {
      rc = *injected;
      log_ += "Pretending action " + std::to_string(a.id) +
              " failed with rc=" + std::to_string(rc) + "\n";
      // crm_simulate stops everything but INFINITY-priority synapses, not
      // just what the failed synapse's priority rules out.
      runner_->abort(kInfinity, "Simulated failure of " + describe(a));
      inject_fail_count(a, rc);
    }
    if (Status st = record(a, rc); !st) return fail(st.error());
    return confirm(a, injected ? ActionOutcome::kFailed : ActionOutcome::kOk);
  }

  Status execute_cluster_event(const GraphAction& a) override {
    // Shown only: crm_simulate changes nothing for shutdowns, fail-count
    // clean-ups or history deletions.
    if (a.primitive) {
      log_ += "  * Cluster action:  " + a.operation + " for " + a.primitive->id + " on " +
              a.on_node + "\n";
    } else {
      log_ += "  * Cluster action:  " + a.operation + " on " + a.on_node + "\n";
    }
    return confirm(a, ActionOutcome::kOk);
  }

  Status execute_fence(const GraphAction& a) override {
    const std::string* op = a.meta("stonith_action");
    const std::string what = op ? *op : "reboot";
    log_ += "  * Fencing " + a.on_node + " (" + what + ")\n";
    if (what != "on") {
      auto update = fenced_node_update(a, kOrigin);
      if (!update) return fail(update.error());
      if (Status st = status_.apply(update->node_state_xml); !st) return fail(st.error());
      for (const auto& path : update->delete_xpaths) {
        if (auto n = status_.erase(path); !n) return fail(n.error());
      }
    }
    return confirm(a, fence_outcome({true, ""}));
  }

  void action_timed_out(const GraphAction& a) override {
    // Every action is confirmed before its timer could run: a broken invariant.
    error_ = Error(ErrorCode::kInternal, describe(a) + " was never confirmed");
  }

 private:
  // The name an action's resource goes by (see SimulationOptions).
  const std::string& rsc_name(const GraphAction& a) const {
    const auto& names = options_.resource_names;
    const std::string& id = a.primitive->id;
    if (names.empty() || names.count(id) || a.primitive->long_id.empty()) return id;
    return names.count(a.primitive->long_id) ? a.primitive->long_id : id;
  }

  void log_resource_action(const GraphAction& a) {
    char line[512];
    if (a.interval_ms != 0) {
      std::snprintf(line, sizeof(line), "  * Resource action: %-15s %s=%lld on %s\n",
                    rsc_name(a).c_str(), a.operation.c_str(), static_cast<long long>(a.interval_ms),
                    a.on_node.c_str());
    } else {
      std::snprintf(line, sizeof(line), "  * Resource action: %-15s %s on %s\n",
                    rsc_name(a).c_str(), a.operation.c_str(), a.on_node.c_str());
    }
    log_ += line;
  }

  // The rc an op-fail specification gives this action, if one names it.
  std::optional<int> injected_rc(const GraphAction& a) const {
    const std::string prefix = rsc_name(a) + "_" + a.operation + "_" +
                               std::to_string(a.interval_ms) + "@" + a.on_node + "=";
    for (const auto& spec : options_.op_fail) {
      if (spec.size() < prefix.size() ||
          strncasecmp(spec.c_str(), prefix.c_str(), prefix.size()) != 0) {
        continue;
      }
      std::string rc = spec.substr(prefix.size());
      if (rc.empty() || rc.find_first_not_of("-0123456789") != std::string::npos) continue;
      return std::atoi(rc.c_str());
    }
    return std::nullopt;
  }

  // crm_simulate's fail-count injection: any failure but a probe's "not
  // running" adds one (the controller's classify() would set INFINITY for
  // a failed start or stop; crm_simulate does not, and neither do we).
  void inject_fail_count(const GraphAction& a, int rc) {
    if (rc == 0 || (rc == 7 && a.interval_ms == 0)) return;
    const std::string& rsc = rsc_name(a);
    const std::string now = std::to_string(clock_.wall_seconds());
    for (const AttrUpdate& u :
         {AttrUpdate{fail_count_name(rsc, a.operation, a.interval_ms), "value++"},
          AttrUpdate{last_failure_name(rsc, a.operation, a.interval_ms), now}}) {
      std::string id = status_.set_attribute(a.on_node_uuid, a.on_node, u.name, u.value);
      log_ +=
          "  * Injecting attribute " + u.name + "=" + u.value + " into /node_state '" + id + "'\n";
    }
  }

  // The result in the history, as the controller records it; a cancelled
  // recurring operation's record is erased instead.
  Status record(const GraphAction& a, int rc) {
    if (a.operation == "cancel") {
      auto paths = erase_xpaths(a);
      if (!paths) return paths.error();
      for (const auto& path : *paths) {
        if (auto n = status_.erase(path); !n) return n.error();
      }
      return ok_status();
    }
    if (!is_recordable(a)) return ok_status();
    // A clone instance's result goes where its history already is under the
    // name it is shown by, else under its configured id.
    GraphPrimitive rsc = *a.primitive;
    const std::string& shown = rsc_name(a);
    if (shown != rsc.id && status_.has_history(a.on_node_uuid, a.on_node, shown)) rsc.id = shown;
    OpResult result;
    result.rc = rc;
    result.call_id = status_.next_call_id(a.on_node_uuid, a.on_node, rsc.id);
    result.run_time = clock_.wall_seconds();
    if (rc != a.target_rc) result.exit_reason = "User-injected result";
    HistoryContext ctx;
    ctx.transition_id = runner_->graph().transition_id;
    ctx.injected_key = true;
    ctx.origin = kOrigin;
    auto records = build_history(a, result, ctx);
    if (!records) return records.error();
    if (a.on_node_uuid.empty()) {
      return Error(ErrorCode::kInvalidInput,
                   describe(a) + ": no on_node_uuid to record the result under");
    }
    // Without the shutdown lock result_update_xml() would add: crm_simulate
    // records none, so a stopped locked resource shows as plainly stopped.
    return status_.apply(lrm_update_xml(a.on_node_uuid, a.on_node, rsc, *records, kOrigin));
  }

  Status confirm(const GraphAction& a, ActionOutcome outcome) {
    if (a.no_wait && outcome == ActionOutcome::kOk) return ok_status();  // the runner confirms
    return runner_->confirm(a.id, outcome);
  }

  Status fail(const Error& e) {
    if (!error_) error_ = e;
    return e;
  }

  StatusDocument status_;
  const SimulationOptions& options_;
  const Clock& clock_;
  std::string& log_;
  Runner* runner_ = nullptr;
  std::optional<Error> error_;
};

}  // namespace

Result<SimulationResult> simulate_transition(Graph graph, _xmlDoc* cib,
                                             const SimulationOptions& options) {
  SimulationResult out;
  ManualClock clock(options.now);
  SimulatedSink sink(cib, options, clock, out.log);
  std::optional<RunSummary> done;
  const int id = graph.transition_id;
  Runner runner(std::move(graph), clock, sink, [&](const RunSummary& s) { done = s; });
  sink.attach(&runner);
  runner.start();
  const std::string what = "simulated transition " + std::to_string(id);
  if (sink.error()) return sink.error()->with_context(what);
  if (!done) {
    return Error(ErrorCode::kInternal, what + ": actions still in flight after every one ran");
  }
  out.summary = *done;
  return out;
}

}  // namespace vigil::transition
