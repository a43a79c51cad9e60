// SPDX-License-Identifier: GPL-2.0-or-later
// The transition engine's core: readiness by counting unconfirmed inputs,
// firing in passes over the ready synapses in document order, timers,
// aborts and completion.
#include "vigil/transition/runner.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace vigil::transition {

const char* to_string(ActionOutcome o) {
  switch (o) {
    case ActionOutcome::kOk:
      return "ok";
    case ActionOutcome::kFailed:
      return "failed";
    case ActionOutcome::kTimedOut:
      return "timed out";
    case ActionOutcome::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

const char* to_string(GraphResult r) {
  switch (r) {
    case GraphResult::kComplete:
      return "complete";
    case GraphResult::kAborted:
      return "aborted";
    case GraphResult::kFailed:
      return "failed";
  }
  return "unknown";
}

Duration Runner::action_timer(const Graph& graph, const GraphAction& action) {
  if (action.kind == ActionKind::kFence) return graph.stonith_timeout + graph.cluster_delay;
  Duration timeout = action.timeout_ms > 0 ? Duration(action.timeout_ms) : graph.cluster_delay;
  return timeout + graph.cluster_delay;
}

namespace {

struct SynapseState {
  int unconfirmed_inputs = 0;
  bool blocked = false;  // an input failed
  bool executed = false;
  bool confirmed = false;
  bool skipped = false;  // kept from firing by an abort
};

struct ActionRt {
  ActionState state = ActionState::kWaiting;
  std::unique_ptr<Timer> timer;
  std::uint64_t fire_seq = 0;
  bool counted_jobs = false;
};

struct NodeJobs {
  int jobs = 0;
  int migrate_jobs = 0;
  std::vector<std::size_t> parked;  // ready synapses waiting for a slot here
};

bool is_migrate(const GraphAction& a) {
  return a.operation == "migrate_to" || a.operation == "migrate_from";
}

}  // namespace

struct Runner::Impl {
  Impl(Graph g, Clock& c, ActionSink& s, CompletionFn done, RunnerOptions o)
      : graph(std::move(g)), clock(c), sink(s), on_complete(std::move(done)), options(o) {
    syn.resize(graph.synapses.size());
    act.resize(graph.actions.size());
    dependents.resize(graph.actions.size());
    for (std::size_t i = 0; i < graph.synapses.size(); ++i) {
      const Synapse& s = graph.synapses[i];
      syn[i].unconfirmed_inputs = static_cast<int>(s.inputs.size());
      for (int in : s.inputs) {
        // An input naming no action (a parse with allow_stuck) is never
        // confirmed: the synapse never fires.
        if (graph.find(in)) dependents[index_of(in)].push_back(i);
      }
    }
  }

  std::size_t index_of(int action_id) const {
    return static_cast<std::size_t>(graph.find(action_id) - graph.actions.data());
  }

  Graph graph;
  Clock& clock;
  ActionSink& sink;
  CompletionFn on_complete;
  RunnerOptions options;

  std::vector<SynapseState> syn;
  std::vector<ActionRt> act;
  std::vector<std::vector<std::size_t>> dependents;  // by action index: synapse indexes
  std::set<std::size_t> ready;                       // synapse indexes, document order
  std::unordered_map<std::string, NodeJobs> jobs;

  bool started = false, finished = false, stopped = false;
  bool busy = false, dirty = false;
  int pending = 0;  // synapses executed and not yet confirmed
  int in_flight = 0;
  std::uint64_t next_seq = 0;
  int abort_priority = 0;
  bool abort_requested = false;
  std::string abort_reason;
  int fired = 0, failed = 0, timed_out = 0, completed = 0;

  // --- job accounting (per node limits) -----------------------------------

  template <typename Fn>
  void for_each_job_target(const GraphAction& a, Fn&& fn) {
    if (a.kind != ActionKind::kRscOp) return;
    if (!a.router_node.empty()) {
      fn(a.router_node, false);
    } else if (is_migrate(a)) {
      if (const std::string* s = a.meta("migrate_source")) fn(*s, true);
      if (const std::string* t = a.meta("migrate_target")) fn(*t, true);
    } else {
      fn(a.on_node, false);
    }
  }

  // The node whose limits hold `a` back, or nullptr when it may run.
  const std::string* blocking_node(const GraphAction& a) {
    const std::string* blocker = nullptr;
    for_each_job_target(a, [&](const std::string& node, bool) {
      if (blocker) return;
      auto it = jobs.find(node);
      if (it == jobs.end()) return;
      if (options.node_job_limit > 0 && it->second.jobs >= options.node_job_limit) {
        blocker = &it->first;
      } else if (graph.migration_limit > 0 && is_migrate(a) &&
                 it->second.migrate_jobs >= graph.migration_limit) {
        blocker = &it->first;
      }
    });
    return blocker;
  }

  void count_jobs(std::size_t ai, int delta) {
    const GraphAction& a = graph.actions[ai];
    for_each_job_target(a, [&](const std::string& node, bool migrate) {
      NodeJobs& j = jobs[node];
      j.jobs += delta;
      if (migrate) j.migrate_jobs += delta;
      // A slot on this node: what waited for it is ready again.
      if (delta < 0 && !j.parked.empty()) {
        ready.insert(j.parked.begin(), j.parked.end());
        j.parked.clear();
      }
    });
    act[ai].counted_jobs = delta > 0;
  }

  // --- state changes ------------------------------------------------------

  void request_abort(int priority, const std::string& reason) {
    if (!abort_requested) abort_reason = reason;
    abort_requested = true;
    if (priority > abort_priority) abort_priority = priority;
  }

  // Marks an action done and updates what depends on it.
  void settle(std::size_t ai, bool ok) {
    ActionRt& rt = act[ai];
    rt.state = ok ? ActionState::kConfirmed : ActionState::kFailed;
    rt.timer.reset();
    if (rt.counted_jobs) count_jobs(ai, -1);
    const GraphAction& a = graph.actions[ai];
    if (!ok) ++failed;
    --in_flight;
    bool blocks = !ok && !a.can_fail;
    for (std::size_t si : dependents[ai]) {
      SynapseState& s = syn[si];
      --s.unconfirmed_inputs;
      if (blocks) s.blocked = true;
      if (s.unconfirmed_inputs == 0 && !s.blocked && !s.executed) ready.insert(si);
    }
    SynapseState& own = syn[a.synapse];
    bool all_done = true;
    for (int id : graph.synapses[a.synapse].actions) {
      ActionState st = act[index_of(id)].state;
      if (st != ActionState::kConfirmed && st != ActionState::kFailed) all_done = false;
    }
    if (all_done && !own.confirmed) {
      own.confirmed = true;
      ++completed;
      --pending;
    }
  }

  // Initiates one action; false when the sink refused it.
  bool initiate(std::size_t ai) {
    const GraphAction& a = graph.actions[ai];
    ActionRt& rt = act[ai];
    rt.state = ActionState::kInFlight;
    rt.fire_seq = next_seq++;
    ++in_flight;
    ++fired;
    if (a.kind == ActionKind::kPseudo) {
      sink.pseudo_action_fired(a);
      if (rt.state == ActionState::kInFlight && !stopped) settle(ai, true);
      return true;
    }
    count_jobs(ai, +1);
    Status st = ok_status();
    switch (a.kind) {
      case ActionKind::kRscOp:
        st = sink.execute_rsc_op(a);
        break;
      case ActionKind::kClusterEvent:
        st = sink.execute_cluster_event(a);
        break;
      case ActionKind::kFence:
        st = sink.execute_fence(a);
        break;
      case ActionKind::kPseudo:
        break;
    }
    if (stopped) return true;
    if (!st) {
      if (rt.state == ActionState::kInFlight) settle(ai, false);
      request_abort(kInfinity, "Action initiation failed: " + st.error().message());
      return false;
    }
    if (rt.state != ActionState::kInFlight) return true;  // confirmed from inside the sink
    if (a.no_wait) {
      settle(ai, true);
      return true;
    }
    rt.timer = clock.start_timer(Runner::action_timer(graph, a), [this, ai] { on_timer(ai); });
    return true;
  }

  void fire_synapse(std::size_t si) {
    SynapseState& s = syn[si];
    s.executed = true;
    ++pending;
    for (int id : graph.synapses[si].actions) {
      if (!initiate(index_of(id)) || stopped) return;
    }
  }

  // Whether a ready synapse may fire now. When not: `skip` when an abort
  // rules it out for good (abort priorities only grow), else the node whose
  // limits hold it back.
  bool may_fire(std::size_t si, bool* skip, const std::string** node) {
    *skip = false;
    *node = nullptr;
    const Synapse& s = graph.synapses[si];
    for (int id : s.actions) {
      const GraphAction& a = graph.actions[index_of(id)];
      if (a.kind == ActionKind::kPseudo) continue;
      if (s.priority < abort_priority) {
        *skip = true;
        return false;
      }
      if ((*node = blocking_node(a)) != nullptr) return false;
    }
    return true;
  }

  bool batch_full() const { return graph.batch_limit > 0 && pending >= graph.batch_limit; }

  void fire_ready() {
    bool again = true;
    while (again && !stopped) {
      again = false;
      dirty = false;
      // One pass in document order; synapses that become ready behind the
      // cursor wait for the next pass, as in Pacemaker's graph walk.
      for (auto it = ready.begin(); !stopped && it != ready.end();) {
        if (batch_full()) return;
        std::size_t si = *it;
        bool skip = false;
        const std::string* node = nullptr;
        if (!may_fire(si, &skip, &node)) {
          if (skip) syn[si].skipped = true;
          // Parked until that node has a free slot (see count_jobs).
          if (node) jobs[*node].parked.push_back(si);
          it = ready.erase(it);
          continue;
        }
        ready.erase(it);
        fire_synapse(si);
        again = true;
        // Continue behind this synapse, including what its firing made ready.
        it = ready.upper_bound(si);
      }
      if (dirty) again = true;
    }
  }

  void run() {
    if (busy) {
      dirty = true;
      return;
    }
    busy = true;
    fire_ready();
    busy = false;
    if (stopped || finished || !started || in_flight > 0) return;
    finished = true;
    CompletionFn done = on_complete;
    RunSummary s = summary();
    if (done) done(s);  // may destroy the runner: nothing after this
  }

  void on_timer(std::size_t ai) {
    ActionRt& rt = act[ai];
    if (rt.state != ActionState::kInFlight || stopped || finished) return;
    auto keep = std::move(rt.timer);  // destroyed after the callback returns
    ++timed_out;
    settle(ai, false);
    request_abort(kInfinity, "Action lost");
    sink.action_timed_out(graph.actions[ai]);
    if (stopped) return;
    run();
  }

  RunSummary summary() const {
    RunSummary r;
    r.synapses = static_cast<int>(graph.synapses.size());
    r.completed = completed;
    r.fired = fired;
    r.failed = failed;
    r.timed_out = timed_out;
    r.in_flight = in_flight;
    r.stopped = stopped;
    r.abort_requested = abort_requested;
    r.abort_priority = abort_priority;
    r.abort_reason = abort_reason;
    for (std::size_t i = 0; i < syn.size(); ++i) {
      const SynapseState& s = syn[i];
      if (s.executed) continue;
      bool skipped = s.skipped;
      if (!skipped && s.unconfirmed_inputs == 0 && !s.blocked) {
        // Ready but held back: by an abort (skipped) or by limits.
        for (int id : graph.synapses[i].actions) {
          const GraphAction& a = graph.actions[index_of(id)];
          if (a.kind != ActionKind::kPseudo && graph.synapses[i].priority < abort_priority) {
            skipped = true;
          }
        }
      }
      if (skipped) {
        ++r.skipped;
      } else {
        ++r.incomplete;
      }
    }
    if (r.incomplete != 0 && abort_priority <= 0) {
      r.status_text = "Terminated";
    } else if (r.skipped != 0) {
      r.status_text = "Stopped";
    } else {
      r.status_text = "Complete";
    }
    if (failed > 0 || r.status_text == "Terminated") {
      r.result = GraphResult::kFailed;
    } else if (completed == r.synapses) {
      r.result = GraphResult::kComplete;
    } else {
      r.result = GraphResult::kAborted;
    }
    return r;
  }
};

Runner::Runner(Graph graph, Clock& clock, ActionSink& sink, CompletionFn on_complete,
               RunnerOptions options)
    : impl_(
          std::make_unique<Impl>(std::move(graph), clock, sink, std::move(on_complete), options)) {}

Runner::~Runner() = default;

void Runner::start() {
  Impl& m = *impl_;
  if (m.started || m.stopped) return;
  m.started = true;
  for (std::size_t i = 0; i < m.syn.size(); ++i) {
    if (m.syn[i].unconfirmed_inputs == 0) m.ready.insert(i);
  }
  m.run();
}

Status Runner::confirm(int action_id, ActionOutcome outcome) {
  Impl& m = *impl_;
  std::string what = "transition " + std::to_string(m.graph.transition_id) + " action " +
                     std::to_string(action_id);
  if (m.stopped) return Error(ErrorCode::kInvalidInput, what + ": the transition was stopped");
  if (m.finished) return Error(ErrorCode::kInvalidInput, what + ": the transition is over");
  const GraphAction* a = m.graph.find(action_id);
  if (!a) return Error(ErrorCode::kNotFound, what + ": no such action");
  std::size_t ai = m.index_of(action_id);
  switch (m.act[ai].state) {
    case ActionState::kWaiting:
      return Error(ErrorCode::kInvalidInput, what + ": not fired");
    case ActionState::kConfirmed:
    case ActionState::kFailed:
      return Error(ErrorCode::kInvalidInput, what + ": already confirmed");
    case ActionState::kInFlight:
      break;
  }
  bool ok = outcome == ActionOutcome::kOk;
  m.settle(ai, ok);
  if (!ok) {
    m.request_abort(m.graph.synapses[a->synapse].priority + 1,
                    std::string("Event failed: ") + to_string(outcome));
  }
  m.run();  // may complete and destroy the runner: nothing after this
  return ok_status();
}

void Runner::abort(int priority, const std::string& reason) {
  Impl& m = *impl_;
  if (m.stopped || m.finished) return;
  m.request_abort(priority, reason);
  if (m.started) m.run();
}

RunSummary Runner::stop() {
  Impl& m = *impl_;
  if (!m.finished) m.stopped = true;
  for (auto& rt : m.act) rt.timer.reset();
  m.ready.clear();
  for (auto& [node, j] : m.jobs) j.parked.clear();
  return m.summary();
}

bool Runner::started() const {
  return impl_->started;
}
bool Runner::finished() const {
  return impl_->finished || impl_->stopped;
}
RunSummary Runner::summary() const {
  return impl_->summary();
}
const Graph& Runner::graph() const {
  return impl_->graph;
}

ActionState Runner::state(int action_id) const {
  const GraphAction* a = impl_->graph.find(action_id);
  if (!a) return ActionState::kWaiting;
  return impl_->act[impl_->index_of(action_id)].state;
}

std::vector<int> Runner::in_flight() const {
  std::vector<std::pair<std::uint64_t, int>> v;
  for (std::size_t i = 0; i < impl_->act.size(); ++i) {
    if (impl_->act[i].state == ActionState::kInFlight) {
      v.emplace_back(impl_->act[i].fire_seq, impl_->graph.actions[i].id);
    }
  }
  std::sort(v.begin(), v.end());
  std::vector<int> ids;
  for (const auto& p : v) ids.push_back(p.second);
  return ids;
}

}  // namespace vigil::transition
