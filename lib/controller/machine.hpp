// SPDX-License-Identifier: GPL-2.0-or-later
// The controller as a state machine: a pure core that takes one input at a
// time (a view, a message, an answer, a timer) and queues what must be done
// (send, write to the CIB, run an operation, ask the scheduler, arm a
// timer, log) for its driver to carry out, in etcd raft's Step/Ready
// manner. Nothing in here touches a socket, Corosync or a clock: time
// arrives with each input. The daemon (driver.cpp over the Controller's
// edges) and the data-driven tests (machine_script_test.cpp) are its two
// drivers.
//
// States, after Pacemaker's controller FSA (daemons/controld/controld_fsa.h):
// a member's life (Stopped, Election, Pending, NotDc, Stopping) and the DC's
// (Integration, FinalizeJoin, PolicyEngine, TransitionEngine, Idle). An
// answer is accepted only while the state that asked for it still awaits it
// (the request table below belongs to the role that issued the request and
// dies with it), so a late answer after a DC change or an abort is
// recognised here, once, not by counters in every handler.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "inputs.hpp"
#include "messages.hpp"
#include "vigil/controller/controller.hpp"
#include "vigil/transition/runner.hpp"

namespace vigil::controller {

enum class State {
  kStopped,           // not started, or left the group (shutdown over)
  kElection,          // joined the CPG group, waiting for the first view
  kPending,           // a member; another node is DC; not joined yet
  kNotDc,             // a member joined by the DC
  kStopping,          // shutdown asked; waiting for the DC's do_shutdown
  kIntegration,       // DC: reading the CIB at takeover
  kFinalizeJoin,      // DC: collecting and recording the members' histories
  kPolicyEngine,      // DC: reading the CIB and asking the scheduler
  kTransitionEngine,  // DC: executing a transition graph
  kIdle,              // DC: nothing to do, or waiting (start-up, respawn, blocked)
};
const char* to_string(State s);
inline constexpr int kStateCount = 10;

// The delay to arm a timer with so that it fires at `until` or later, never
// before: the clock counts nanoseconds and timers milliseconds, and a wait
// that truncates fires while its deadline is still ahead.
inline Duration time_left(TimePoint now, TimePoint until) {
  return until > now ? std::chrono::ceil<Duration>(until - now) : Duration(0);
}

// A fencing operation as its alert describes it (CRM_alert_desc, _rc).
std::string fence_alert_description(const FenceEvent& e);
int fence_alert_rc(const FenceEvent& e);

class Machine final : private transition::ActionSink {
 public:
  explicit Machine(ControllerOptions options);
  ~Machine() override;
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // Takes one input at time `now`. Effects queue up for take_effects().
  // Client requests (attribute, cleanup) answer with a Status: a refused
  // request changes nothing and queues nothing but a log line.
  Status step(const Now& now, const Input& input);
  // The effects queued since the last call, in the order they must be
  // carried out.
  std::vector<Effect> take_effects();

  State state() const { return state_; }
  ControllerStatus status() const;
  bool is_dc() const { return dc_ == self_ && self_ != cluster::kNoNode && in_group_; }

 private:
  friend class EffectClock;
  struct Dc;
  struct Pending;  // an outstanding request and what its answer continues with

  // --- dispatch (machine.cpp)
  void set_state(State s, const char* why);
  void settle_state();  // the state a DC or member is in now
  void emit(Effect e) { effects_.push_back(std::move(e)); }
  void log(LogLevel level, const std::string& text);
  // Records a request whose answer (an input of kind Answer, with the
  // returned token) continues with `then`; an answer of another kind is
  // refused.
  template <typename Answer, typename F>
  Token ask(bool dc_owned, F then) {
    return request(dc_owned, kInputIndex<Answer>,
                   [then = std::move(then)](const Input& in) { then(std::get<Answer>(in)); });
  }
  Token request(bool dc_owned, std::size_t answer_kind, std::function<void(const Input&)> then);
  void answer(Token token, const Input& input);
  void drop_dc_requests();
  void on_timer(TimerId id);
  std::unique_ptr<Timer> start_timer(Duration after, std::function<void()> fn);

  // --- every node (member.cpp)
  Status on_start(const StartInput& in);
  void on_view(const ViewInput& in);
  void on_message(const MessageInput& in);
  void on_order(const cluster::GroupMember& sender, const Message& m);
  void on_executor_event(const exec::OperationResult& r);
  void on_membership(const MembershipInput& in);
  void on_quorum(bool quorate);
  void on_send_failed(const SendFailedInput& in);
  void request_shutdown();
  Status request_attr(const AttrRequest& in);
  Status request_cleanup(const CleanupRequest& in);
  Status send_message(const Message& m);
  Status send_shutdown_request();
  // Tells `node`'s controller to drop `rsc`'s executor history (when it
  // has one in the group).
  void send_forget(NodeId node, const std::string& rsc);
  void send_history();
  void run_locally(const ExecSpec& spec);
  std::map<std::string, std::string> params_to_run(const ExecSpec& spec);
  // stop_params_ of the resources this controller has not run anything on,
  // from the executor's history (a restarted controller).
  void learn_stop_params(const std::vector<lrmd::ResourceHistory>& history);
  void report_exec_failure(OpEvent pending, const std::string& why);
  void finish_shutdown(const char* why);
  std::string node_name(NodeId id) const;
  std::optional<NodeId> node_id_of(const std::string& name) const;
  bool is_member(NodeId id) const;
  bool in_view(NodeId id) const;

  // --- the DC: takeover and join (dc_join.cpp)
  void become_dc();
  void query_takeover_cib();
  void retake_dc();
  void lose_dc();
  void on_takeover_cib(const CibAnswer& in);
  void dc_after_ready();
  void dc_handle(const cluster::GroupMember& sender, const Message& m);
  void dc_history(NodeId node, const std::vector<OpEvent>& ops, bool fresh);
  void dc_node_left(NodeId node);
  void dc_membership(const cluster::MembershipChange& change);
  void dc_quorum(bool quorate);
  void dc_cib_changed(const cibd::CibChange& change);
  bool all_joined() const;
  bool view_complete() const;

  // --- the DC: results, attributes, cleanup (dc_results.cpp)
  void dc_result(NodeId node, const OpEvent& e);
  // A result's CIB edits (history records, fail counts) and what it means
  // for the action it answers (null: none of the running graph).
  struct RecordedResult {
    std::vector<CibEdit> edits;
    // The transient attributes it sets (fail counts, last failure), for
    // the attribute alerts once written.
    std::vector<std::pair<std::string, std::string>> attrs;
    transition::ActionOutcome outcome = transition::ActionOutcome::kFailed;
    bool expected = false;
  };
  std::optional<RecordedResult> record_result(NodeId node, const OpEvent& e,
                                              const transition::GraphAction* action);
  void dc_attr(NodeId node, const std::string& name, const std::optional<std::string>& value);
  void dc_cleanup(const std::string& rsc, const std::string& node);
  void clear_failures(NodeId node, const std::string& rsc, std::vector<CibEdit>& edits);
  void forget_attrs(NodeId node, std::vector<CibEdit>& edits);

  // --- the DC: the scheduling loop (dc_schedule.cpp)
  void cib_write(std::vector<CibEdit> edits, std::function<void(Status)> then);
  void mark_dirty(const std::string& why);
  void maybe_schedule();
  bool startup_wait();
  bool respawn_wait();
  void await_respawn(NodeId node);
  void compute();
  void query_for_schedule(bool changes_only);
  void on_compute_cib(const CibAnswer& in, bool changes_only);
  void on_scheduler_answer(const SchedulerAnswer& in, bool changes_only);
  void schedule_failed(const Error& e);
  void arm_recheck(std::int64_t recheck_by);
  void start_transition(transition::Graph graph);
  void transition_done(const transition::RunSummary& summary);
  void confirm_action(int transition_id, int action_id, transition::ActionOutcome outcome);
  void defer(std::function<void()> fn);

  // --- the DC: the transition's actions (dc_actions.cpp)
  Status execute_rsc_op(const transition::GraphAction& action) override;
  Status execute_cluster_event(const transition::GraphAction& action) override;
  // The executor forgets action's resource on node; its history leaves the
  // status, and the action is confirmed once that is written.
  void forget_resource(NodeId node, const transition::GraphAction& action);
  Status execute_fence(const transition::GraphAction& action) override;
  void action_timed_out(const transition::GraphAction& action) override;
  std::optional<NodeId> action_target(const transition::GraphAction& action) const;
  // The pending record of an operation about to run (record-pending).
  void record_pending(const transition::GraphAction& action);
  void confirm_when_written(const transition::GraphAction& action, std::vector<CibEdit> edits);
  // A fencing action of the running graph, while the fencer works on it.
  struct FencingStep {
    int transition_id = -1;
    int action_id = -1;
    NodeId node = cluster::kNoNode;
    FenceRequest request;
    std::string digests_all, digests_secure;  // unfencing only
  };
  void fence_done(const FencingStep& step, const Status& st);
  // What the CIB records of a node that is fenced: down, no resource
  // history, no transient attributes (Pacemaker's send_stonith_update).
  void fenced_edits(NodeId node, std::vector<CibEdit>& edits);

  // --- alerts (alerts.cpp)
  void on_cib_changed(const cibd::CibChange& change);
  // Reads the alerts section again (one query at a time).
  void refresh_alerts();
  void on_alerts_answer(const CibAnswer& in);
  // Queues the alerts that select `event`, if any.
  void send_alert(const alerts::Event& event);
  void alert_resource_op(const exec::OperationResult& r, int target_rc);

  // --- fencing learnt from the fencer (fence_events.cpp)
  void on_fence_event(const FenceEvent& e);
  void dc_node_fenced(NodeId node, const std::string& why);
  // This node was fenced: it stops at once and takes no more inputs.
  void halt(const std::string& reason);

  ControllerOptions options_;
  State state_ = State::kStopped;
  Now now_{};
  std::vector<Effect> effects_;
  std::unique_ptr<Clock> clock_;  // EffectClock: timers as effects, time from inputs

  // Outstanding requests and armed timers, by token.
  std::map<Token, std::unique_ptr<Pending>> pending_;
  std::map<TimerId, std::function<void()>> timers_;
  Token next_token_ = 1;

  // Membership and the group, as the inputs told.
  NodeId self_ = cluster::kNoNode;
  cluster::GroupMember cpg_self_{};
  cluster::NodeList nodes_;
  std::vector<NodeId> members_;            // Corosync members (sorted)
  std::map<NodeId, bool> alerted_member_;  // each node's state as its last node alert told
  bool quorate_ = false;
  bool started_ = false;
  TimePoint started_at_{};
  std::int64_t started_wall_ = 0;  // wall seconds at start
  bool startup_done_ = false;      // seen the whole cluster, or joined by another DC
  bool in_group_ = false;
  std::vector<NodeId> view_;  // nodes with a controller in the group (sorted, unique)
  NodeId dc_ = cluster::kNoNode;

  // Operations this controller started whose result is not in yet,
  // reported as pending in the history (by rsc_task_interval).
  std::map<std::string, OpEvent> local_pending_;
  // Per local resource, the instance attributes its stops run with (the
  // last start, probe or reload's): params_to_run(); after a restart, from
  // the executor's history (learn_stop_params()).
  std::map<std::string, std::map<std::string, std::string>> stop_params_;
  std::uint64_t forget_orders_ = 0;  // forget orders obeyed, in this life
  // Results produced while out of the group, for the next DC.
  static constexpr std::size_t kMaxUnsentResults = 10000;
  std::deque<OpEvent> unsent_results_;
  bool fresh_ = true;  // until a DC has processed a history of this controller

  bool shutting_down_ = false;
  bool shutdown_finished_ = false;
  std::unique_ptr<Timer> shutdown_timer_;

  // Failed fencing attempts per target (node name): counted by the DC for
  // its own requests, by the others from the fencer's events, so that a
  // new DC knows them.
  std::map<std::string, int> fence_failures_;
  // Nodes fenced while another node was DC and the target was that DC:
  // recorded down if this node takes over (Pacemaker's stonith cleanup list).
  std::set<NodeId> fenced_dc_;
  // Nodes a DC ordered to leave (do_shutdown), as every controller hears
  // the order, until they join the group again: the scheduler orders that
  // after every stop there, so their controller leaving is a clean exit, not
  // a crash whose resources still run. Pacemaker's controllers likewise note
  // each peer's shutdown (expected=down) for whoever is DC next.
  std::set<NodeId> shutdown_ordered_;
  std::string halted_;  // why this node stopped (it was fenced); empty: it did not

  // The alerts section as last read (options_.alerts), and whether a read
  // is under way or must be made again once it is answered.
  std::vector<alerts::Alert> alerts_;
  bool alerts_reading_ = false;
  bool alerts_stale_ = false;

  std::unique_ptr<Dc> dc_state_;  // reset at every takeover
  int next_transition_ = 0;
  int last_transition_ = -1;
  std::size_t scheduler_runs_ = 0;
  std::size_t transitions_completed_ = 0;
};

}  // namespace vigil::controller
