// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/controller/testing/sim_cluster.hpp"

#include <map>
#include <stdexcept>

#include "vigil/cibclient/local_access.hpp"
#include "vigil/cibd/replica.hpp"
#include "vigil/cibd/store.hpp"
#include "vigil/cluster/chunked_messaging.hpp"
#include "vigil/cluster/sim_cpg.hpp"
#include "vigil/cluster/sim_node.hpp"
#include "vigil/lrmd/in_process.hpp"
#include "vigil/lrmd/service.hpp"
#include "vigil/pengined/service.hpp"

namespace vigil::controller::testing {

// No fencing daemon (every request refused, as NoFencer), but the events a
// fencer tells its subscribers can be played by the test
// (SimCluster::fence_event: fencing done by hand), and the executor's fence
// devices (stonith resources) check out fine.
class SimCluster::SimFencer final : public FencerAccess, public exec::FenceDevices {
 public:
  explicit SimFencer(Clock& clock) : clock_(clock), refuse_(clock) {}
  void register_device(const std::string&, const std::string&,
                       const std::map<std::string, std::string>&,
                       std::function<void(Status)> done) override {
    succeed_later(std::move(done));
  }
  void monitor(const std::string&, Duration, std::function<void(Status)> done) override {
    succeed_later(std::move(done));
  }
  void unregister_device(const std::string&, std::function<void(Status)> done) override {
    succeed_later(std::move(done));
  }
  void fence(const FenceRequest& request, std::function<void(Status)> done) override {
    refuse_.fence(request, std::move(done));
  }
  void set_event_handler(std::function<void(const FenceEvent&)> on_event) override {
    on_event_ = std::move(on_event);
  }
  void tell(const FenceEvent& e) const {
    if (on_event_) on_event_(e);
  }

 private:
  Clock& clock_;
  NoFencer refuse_;
  std::function<void(const FenceEvent&)> on_event_;
  // Answers come later, never from inside the call (FenceDevices' rule).
  void succeed_later(std::function<void(Status)> done) {
    const std::uint64_t id = next_++;
    pending_[id] = clock_.start_timer(Duration(0), [this, id, done = std::move(done)] {
      pending_.erase(id);
      done(ok_status());
    });
  }
  std::map<std::uint64_t, std::unique_ptr<Timer>> pending_;
  std::uint64_t next_ = 0;
};

struct SimCluster::Stack {
  std::unique_ptr<cluster::SimCpg> cib_cpg, crmd_cpg;
  // Over cib_cpg and crmd_cpg, what the daemons send through (crmd_group
  // is crmd_cpg itself when SimClusterOptions::chunk_controller is false).
  std::unique_ptr<cluster::ChunkedMessaging> cib_group, crmd_chunks;
  cluster::Messaging* crmd_group = nullptr;
  std::unique_ptr<cibd::CibNode> cib;
  std::unique_ptr<cibclient::LocalCibAccess> cib_access;
  std::unique_ptr<lrmd::Service> lrmd;
  std::unique_ptr<lrmd::InProcessExecutor> executor;
  std::unique_ptr<pengined::Scheduler> scheduler;
  std::unique_ptr<pengined::InProcessScheduler> scheduler_access;
  std::unique_ptr<SimFencer> fencer;
  std::unique_ptr<Controller> controller;
  bool shutdown_finished = false;
  bool keep_membership = false;  // stop_controller(): no power-off after it
  bool halted = false;           // the controller learnt it was fenced and stopped
};

namespace {
cluster::SimOptions net_options(const SimClusterOptions& o) {
  cluster::SimOptions s;
  s.seed = o.seed;
  s.two_node = (o.nodes == 2);
  s.trace = false;
  s.max_message_size = o.max_message_size;
  return s;
}

// vigil-crmd's process is gone: its group first, then the CPG under it.
void drop_controller_group(SimCluster::Stack& s) {
  s.crmd_group = nullptr;
  s.crmd_chunks.reset();
  s.crmd_cpg.reset();
}

}  // namespace

SimCluster::SimCluster(SimClusterOptions options)
    : options_(std::move(options)), net_(net_options(options_)) {
  world_ = std::make_unique<sim::AgentWorld>(clock_, options_.agent_run_time);
  for (int i = 1; i <= options_.nodes; ++i) {
    net_.add_node(static_cast<NodeId>(i), name_of(static_cast<NodeId>(i)));
  }
}

SimCluster::~SimCluster() {
  for (auto& [id, stack] : stacks_) {
    if (stack) tear_down(id);
  }
}

void SimCluster::note(const std::string& line) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(net_.now()).count();
  log_.push_back("[" + std::to_string(ms) + "ms] " + line);
  while (log_.size() > options_.log_lines) log_.pop_front();
}

LogSink SimCluster::node_log(NodeId id) {
  return [this, who = name_of(id)](LogLevel l, std::string_view text) {
    if (l == LogLevel::kDebug) return;
    note(who + " " + vigil::to_string(l) + " " + std::string(text));
  };
}

void SimCluster::build(NodeId id) {
  auto s = std::make_unique<Stack>();
  cluster::SimNode& node = net_.node(id);
  auto cib_cpg = node.connect_cpg();
  auto crmd_cpg = node.connect_cpg();
  if (!cib_cpg || !crmd_cpg) throw std::logic_error("cannot connect a CPG on a down node");
  s->cib_cpg = std::move(*cib_cpg);
  s->crmd_cpg = std::move(*crmd_cpg);
  const std::string& text = disk_.count(id) ? disk_[id] : options_.cib_xml;
  auto store = cibd::Store::from_xml(text, true);
  if (!store) throw std::invalid_argument("initial CIB: " + store.error().message());
  cibd::CibNodeOptions co;
  co.node_name = name_of(id);
  s->cib_group =
      std::make_unique<cluster::ChunkedMessaging>(*s->cib_cpg, options_.chunk_limits, node_log(id));
  s->cib = std::make_unique<cibd::CibNode>(*s->cib_group, clock_, std::move(*store), co);
  s->cib->set_persist_hook(
      [this, id](const cibd::Store& st, const cibd::CibChange&) { disk_[id] = st.to_xml(); });
  if (auto st = s->cib->start(); !st) throw std::logic_error("CIB start: " + st.error().message());
  s->cib_access = std::make_unique<cibclient::LocalCibAccess>(*s->cib, clock_);
  s->cib_access->set_client_name("crmd");
  s->fencer = std::make_unique<SimFencer>(clock_);
  exec::ExecutorOptions eo;
  eo.fence_devices = s->fencer.get();
  s->lrmd = std::make_unique<lrmd::Service>(clock_, world_->spawner(name_of(id)), eo);
  s->executor = std::make_unique<lrmd::InProcessExecutor>(*s->lrmd, clock_);
  s->scheduler = std::make_unique<pengined::Scheduler>(clock_, pengined::SchedulerOptions{});
  s->scheduler_access = std::make_unique<pengined::InProcessScheduler>(*s->scheduler, clock_);
  make_controller(id, *s);
  stacks_[id] = std::move(s);
}

void SimCluster::make_controller(NodeId id, Stack& s) {
  cluster::SimNode& node = net_.node(id);
  if (!s.crmd_cpg) {
    auto cpg = node.connect_cpg();
    if (!cpg) throw std::logic_error("cannot connect a CPG on a down node");
    s.crmd_cpg = std::move(*cpg);
  }
  s.crmd_group = s.crmd_cpg.get();
  if (options_.chunk_controller) {
    s.crmd_chunks = std::make_unique<cluster::ChunkedMessaging>(*s.crmd_cpg, options_.chunk_limits,
                                                                node_log(id));
    s.crmd_group = s.crmd_chunks.get();
  }
  const std::string who = name_of(id);
  ControllerEnv env{clock_,      *s.crmd_group,       node,      node,         *s.cib_access,
                    *s.executor, *s.scheduler_access, *s.fencer, node_log(id), {}};
  if (options_.alerts) {
    env.alerts = [this, id](const std::vector<alerts::Alert>& list, const alerts::Event& event) {
      options_.alerts(id, list, event);
    };
  }
  s.controller = std::make_unique<Controller>(env, options_.controller);
  s.halted = false;
  // Not torn down from inside the controller's own callback: at the tick.
  s.controller->set_halt_handler([this, who, &s](const std::string& why) {
    note(who + " halted: " + why);
    s.halted = true;
  });
  if (auto st = s.controller->start(); !st) {
    throw std::logic_error("controller start: " + st.error().message());
  }
}

void SimCluster::restart_controller(NodeId id) {
  auto it = stacks_.find(id);
  if (it == stacks_.end()) return;
  note("== vigil-crmd restarts on " + name_of(id));
  Stack& s = *it->second;
  s.controller.reset();
  drop_controller_group(s);  // the process is gone: peers see it leave
  make_controller(id, s);
}

void SimCluster::kill_controller(NodeId id) {
  auto it = stacks_.find(id);
  if (it == stacks_.end() || !it->second->controller) return;
  note("== vigil-crmd dies on " + name_of(id));
  it->second->controller.reset();
  drop_controller_group(*it->second);
}

void SimCluster::start_controller(NodeId id) {
  auto it = stacks_.find(id);
  if (it == stacks_.end() || it->second->controller) return;
  note("== vigil-crmd starts on " + name_of(id));
  make_controller(id, *it->second);
}

void SimCluster::fence_event(const FenceEvent& e) {
  note("== fence event: " + e.action + " of " + e.target + (e.succeeded ? " done" : " failed") +
       " (client " + e.client + ")");
  for (auto& [id, s] : stacks_) s->fencer->tell(e);
}

bool SimCluster::halted(NodeId id) const {
  auto it = stacks_.find(id);
  return it != stacks_.end() && it->second->halted && !it->second->controller;
}

void SimCluster::tear_down(NodeId id) {
  auto it = stacks_.find(id);
  if (it == stacks_.end() || !it->second) return;
  Stack& s = *it->second;
  s.controller.reset();
  s.scheduler_access.reset();
  s.scheduler.reset();
  s.executor.reset();
  s.lrmd.reset();
  s.fencer.reset();  // after the executor that uses it
  s.cib_access.reset();
  s.cib.reset();
  drop_controller_group(s);
  s.cib_group.reset();
  s.cib_cpg.reset();
  stacks_.erase(it);
}

void SimCluster::start(NodeId id) {
  if (up(id)) return;
  note("== start " + name_of(id));
  shutdown_done_[id] = false;
  net_.start(id);
  build(id);
}

void SimCluster::start_all() {
  for (int i = 1; i <= options_.nodes; ++i) start(static_cast<NodeId>(i));
}

void SimCluster::crash(NodeId id) {
  if (!net_.node(id).up()) return;
  note("== crash " + name_of(id));
  world_->power_off(name_of(id));
  net_.crash(id);
  tear_down(id);
}

void SimCluster::shutdown(NodeId id) {
  auto it = stacks_.find(id);
  if (it == stacks_.end()) return;
  note("== shutdown " + name_of(id));
  Stack* s = it->second.get();
  if (!s->controller) return;
  s->controller->request_shutdown([s] { s->shutdown_finished = true; });
}

void SimCluster::stop_controller(NodeId id) {
  auto it = stacks_.find(id);
  if (it == stacks_.end() || !it->second->controller) return;
  note("== vigil-crmd stops cleanly on " + name_of(id) + " (corosync stays)");
  Stack* s = it->second.get();
  s->keep_membership = true;
  s->controller->request_shutdown([s] { s->shutdown_finished = true; });
}

bool SimCluster::shutdown_done(NodeId id) const {
  auto it = shutdown_done_.find(id);
  return it != shutdown_done_.end() && it->second;
}

bool SimCluster::up(NodeId id) const {
  return stacks_.count(id) > 0;
}

Controller* SimCluster::controller(NodeId id) {
  auto it = stacks_.find(id);
  return it == stacks_.end() ? nullptr : it->second->controller.get();
}

cibd::CibNode* SimCluster::cib(NodeId id) {
  auto it = stacks_.find(id);
  return it == stacks_.end() ? nullptr : it->second->cib.get();
}

cibclient::CibAccess* SimCluster::cib_access(NodeId id) {
  auto it = stacks_.find(id);
  return it == stacks_.end() ? nullptr : it->second->cib_access.get();
}

std::string SimCluster::cib_xml(NodeId id) const {
  auto it = stacks_.find(id);
  if (it == stacks_.end()) return {};
  return it->second->cib->store().to_xml(false);
}

void SimCluster::tick() {
  const auto end = net_.now() + std::chrono::duration_cast<cluster::SimTime>(options_.tick);
  for (int guard = 0; guard < 1'000'000; ++guard) {
    clock_.run_due();
    auto next = net_.next_delivery_time();
    if (!next || *next > end) break;
    net_.deliver_next();
  }
  net_.run_until(end);
  clock_.advance(options_.tick);
  // Nodes whose clean shutdown finished power off now (outside callbacks).
  std::vector<NodeId> finished;
  for (auto& [id, s] : stacks_) {
    if (s->shutdown_finished) finished.push_back(id);
  }
  for (auto& [id, s] : stacks_) {
    if (s->halted && s->controller) {
      // The controller exited (the supervisor does not respawn it).
      s->controller.reset();
      drop_controller_group(*s);
    }
  }
  for (NodeId id : finished) {
    Stack& s = *stacks_[id];
    if (s.keep_membership) {
      note("== vigil-crmd exited on " + name_of(id) + " after its clean shutdown");
      s.controller.reset();
      drop_controller_group(s);
      s.shutdown_finished = s.keep_membership = false;
      shutdown_done_[id] = true;
      continue;
    }
    note("== " + name_of(id) + " powered off after its clean shutdown");
    world_->power_off(name_of(id));
    net_.crash(id);
    tear_down(id);
    shutdown_done_[id] = true;
  }
  if (tick_hook_) tick_hook_();
}

void SimCluster::run_for(Duration d) {
  const auto ticks = d.count() / std::max<std::int64_t>(1, options_.tick.count());
  for (std::int64_t i = 0; i < ticks; ++i) tick();
}

bool SimCluster::run_until(const std::function<bool()>& pred, Duration limit) {
  const auto ticks = limit.count() / std::max<std::int64_t>(1, options_.tick.count());
  for (std::int64_t i = 0; i < ticks; ++i) {
    if (pred()) return true;
    tick();
  }
  return pred();
}

NodeId SimCluster::agreed_dc() const {
  NodeId dc = cluster::kNoNode;
  bool any = false;
  for (const auto& [id, s] : stacks_) {
    if (!s->controller) continue;
    auto st = s->controller->status();
    if (!any) {
      dc = st.dc;
      any = true;
    } else if (st.dc != dc) {
      return cluster::kNoNode;
    }
  }
  return dc;
}

std::string SimCluster::dump(std::size_t lines) const {
  std::string out;
  std::size_t start = log_.size() > lines ? log_.size() - lines : 0;
  for (std::size_t i = start; i < log_.size(); ++i) out += log_[i] + "\n";
  const auto& j = world_->journal();
  out += "-- agent journal (last 60):\n";
  for (std::size_t i = j.size() > 60 ? j.size() - 60 : 0; i < j.size(); ++i) out += j[i] + "\n";
  return out;
}

}  // namespace vigil::controller::testing
