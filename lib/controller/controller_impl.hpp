// SPDX-License-Identifier: GPL-2.0-or-later
// Controller internals shared by controller.cpp (every node: view changes,
// executing what the DC asks, shutdown) and dc.cpp (the DC: join, CIB
// writes, scheduling loop, transition execution, attributes).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "messages.hpp"
#include "records.hpp"
#include "vigil/cibclient/access.hpp"
#include "vigil/controller/controller.hpp"
#include "vigil/lrmd/access.hpp"
#include "vigil/pengined/access.hpp"
#include "vigil/transition/runner.hpp"

namespace vigil::controller {

using cluster::NodeId;

// One CIB change of a batch: a modify (merge, created when missing) of
// `scope` with `xml`, or the deletion of what the XPath `scope` matches.
struct CibEdit {
  bool remove = false;
  std::string scope;
  std::string xml;
};

class Controller::Impl final : public transition::ActionSink {
 public:
  Impl(ControllerEnv env, ControllerOptions options);
  ~Impl() override;

  // --- every node (controller.cpp)
  Status start();
  void request_shutdown(std::function<void()> done);
  Status send_message(const Message& m);
  Status request_attr(const std::string& node, const std::string& name,
                      std::optional<std::string> value);
  Status request_cleanup(const std::string& rsc, const std::string& node);
  ControllerStatus status() const;
  bool is_dc() const { return dc_ == self_ && self_ != cluster::kNoNode && in_group_; }

  void on_view(const cluster::GroupView& view);
  void on_message(const cluster::GroupMember& sender, std::string_view payload);
  void on_executor_event(const exec::OperationResult& r);
  void on_membership(const cluster::MembershipChange& change);
  void on_quorum(bool quorate);
  void send_history();
  void run_locally(const ExecSpec& spec);
  void finish_shutdown(const char* why);

  std::string node_name(NodeId id) const;
  std::optional<NodeId> node_id_of(const std::string& name) const;
  void log(LogLevel level, const std::string& text) const;
  // Wraps a callback so that it does nothing once this object is gone.
  template <typename F>
  auto guarded(F fn) {
    std::weak_ptr<char> alive = alive_;
    return [alive, fn = std::move(fn)](auto&&... args) mutable {
      if (alive.expired()) return;
      fn(std::forward<decltype(args)>(args)...);
    };
  }

  // --- the DC (dc.cpp)
  void become_dc();
  // Takes over afresh and has every node join again (what the DC wrote may
  // be gone or contradicted).
  void retake_dc();
  void lose_dc();
  void dc_handle(const cluster::GroupMember& sender, const Message& m);
  void dc_after_ready();
  void dc_history(NodeId node, const std::vector<OpEvent>& ops, bool fresh);
  void dc_result(NodeId node, const OpEvent& e);
  void dc_attr(NodeId node, const std::string& name, const std::optional<std::string>& value);
  void dc_cleanup(const std::string& rsc, const std::string& node);
  void dc_node_left(NodeId node);
  void dc_membership(const cluster::MembershipChange& change);
  void dc_quorum(bool quorate);
  void dc_cib_changed(const cibclient::CibChange& change);
  void cib_write(std::vector<CibEdit> edits, std::function<void(Status)> then);
  void mark_dirty(const std::string& why);
  void maybe_schedule();
  bool startup_wait();
  bool respawn_wait();
  void await_respawn(NodeId node);
  // Drops a node's transient attributes (fail counts included), in the CIB
  // and in the DC's copy.
  void forget_attrs(NodeId node, std::vector<CibEdit>& edits);
  bool view_complete() const;
  void compute();
  void start_transition(transition::Graph graph);
  void transition_done(const transition::RunSummary& summary);
  void arm_recheck(std::int64_t recheck_by);
  std::string node_state_xml(NodeId node, bool crmd_online, const char* join,
                             const char* expected) const;
  std::vector<CibEdit> attr_edits(NodeId node, const std::string& name,
                                  const std::optional<std::string>& value) const;
  bool all_joined() const;

  // ActionSink
  Status execute_rsc_op(const transition::GraphAction& action) override;
  Status execute_cluster_event(const transition::GraphAction& action) override;
  Status execute_fence(const transition::GraphAction& action) override;
  void action_timed_out(const transition::GraphAction& action) override;

  ControllerEnv env_;
  ControllerOptions options_;
  std::shared_ptr<char> alive_ = std::make_shared<char>(0);
  NodeId self_ = cluster::kNoNode;
  bool started_ = false;
  TimePoint started_at_{};
  bool startup_done_ = false;  // seen the whole cluster, or joined by another DC
  bool in_group_ = false;
  std::vector<NodeId> view_;  // nodes with a crmd in the group (sorted, unique)
  NodeId dc_ = cluster::kNoNode;
  std::uint64_t epoch_ = 0;  // grows with every DC change seen here

  // Operations this controller started and whose result is not in yet,
  // reported as pending in the history (by rsc_task_interval).
  std::map<std::string, OpEvent> local_pending_;
  // Results produced while out of the group, for the next DC.
  static constexpr std::size_t kMaxUnsentResults = 10000;
  std::deque<OpEvent> unsent_results_;
  // Until a history of this controller has been processed by a DC.
  bool fresh_ = true;

  // Shutdown.
  bool shutting_down_ = false;
  bool shutdown_finished_ = false;
  std::function<void()> shutdown_done_;
  std::unique_ptr<Timer> shutdown_timer_;

  // DC state, reset at every takeover.
  struct Dc {
    std::uint64_t gen = 0;
    bool ready = false;
    std::string uuid;
    std::set<NodeId> joined;
    std::map<NodeId, std::map<std::string, std::string>> attrs;
    std::set<std::string> node_entries;  // ids in configuration/nodes
    // cib-bootstrap-options as found at takeover (dc-version ...).
    std::map<std::string, std::string> recorded_options;
    std::deque<std::pair<cluster::GroupMember, Message>> backlog;
    int writes = 0;
    bool dirty = true;
    bool computing = false;
    std::unique_ptr<transition::Runner> runner;
    std::set<NodeId> shutdown_ok;
    std::unique_ptr<Timer> recheck;
    std::unique_ptr<Timer> retry;
    bool fence_failed = false;
    bool leave_when_done = false;  // this DC got its own do_shutdown
    Duration recheck_interval{0};  // from the CIB at the last computation
    Duration dc_deadtime{0};       // from the CIB at takeover
    std::unique_ptr<Timer> hold;   // start-up wait (dc-deadtime)
    // Nodes still in the membership whose controller left, until when the
    // DC waits for it to come back before scheduling.
    std::map<NodeId, TimePoint> respawn_wait;
    std::unique_ptr<Timer> respawn_timer;
    int fruitless = 0;  // failed transitions in a row without progress
  };
  std::unique_ptr<Dc> dc_state_;
  std::uint64_t dc_gen_ = 0;
  int next_transition_ = 0;
  int last_transition_ = -1;
  std::size_t scheduler_runs_ = 0;
  std::size_t transitions_completed_ = 0;
  bool last_quorate_ = false;
  cibclient::SubscriptionId cib_sub_ = 0;
};

}  // namespace vigil::controller
