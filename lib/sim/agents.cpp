// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/sim/agents.hpp"

#include <csignal>
#include <tuple>

namespace vigil::sim {

// One agent invocation that has not exited yet.
struct AgentWorld::Pending {
  std::string node, rsc, action;
  exec::ExitHandler on_exit;
  std::unique_ptr<Timer> timer;  // null while hung
  bool process_alive = true;     // false once its handle is gone
};

class AgentWorld::SimProcess final : public exec::Process {
 public:
  SimProcess(AgentWorld& world, std::uint64_t id) : world_(world), id_(id) {}
  // A destroyed handle kills the group: the exit is never reported.
  ~SimProcess() override { world_.pending_.erase(id_); }
  pid_t pid() const override { return static_cast<pid_t>(100000 + id_); }
  void signal(int signo) override { world_.kill(id_, signo); }
  void signal_group(int signo) override { world_.kill(id_, signo); }
  bool group_alive() const override { return world_.pending_.count(id_) > 0; }

 private:
  AgentWorld& world_;
  std::uint64_t id_;
};

class AgentWorld::NodeSpawner final : public exec::Spawner {
 public:
  NodeSpawner(AgentWorld& world, std::string node) : world_(world), node_(std::move(node)) {}
  exec::Spawned spawn(const exec::SpawnRequest& request, exec::ExitHandler on_exit) override {
    return world_.spawn(node_, request, std::move(on_exit));
  }

 private:
  AgentWorld& world_;
  std::string node_;
};

namespace {

std::string env_value(const std::vector<std::string>& env, const std::string& name) {
  const std::string prefix = name + "=";
  for (const auto& e : env) {
    if (e.compare(0, prefix.size(), prefix) == 0) return e.substr(prefix.size());
  }
  return {};
}

constexpr const char* kMetadata =
    "<?xml version=\"1.0\"?>\n<resource-agent name=\"sim\" version=\"1.0\">"
    "<version>1.1</version><parameters/><actions>"
    "<action name=\"start\" timeout=\"20s\"/><action name=\"stop\" timeout=\"20s\"/>"
    "<action name=\"monitor\" timeout=\"20s\" interval=\"10s\"/>"
    "<action name=\"meta-data\" timeout=\"5s\"/></actions></resource-agent>\n";

}  // namespace

AgentWorld::AgentWorld(Clock& clock, Duration run_time) : clock_(clock), run_time_(run_time) {}

AgentWorld::~AgentWorld() {
  for (auto& [id, p] : pending_) p->timer.reset();
}

exec::Spawner& AgentWorld::spawner(const std::string& node) {
  auto& s = spawners_[node];
  if (!s) s = std::make_unique<NodeSpawner>(*this, node);
  return *s;
}

bool AgentWorld::running(const std::string& node, const std::string& rsc) const {
  auto it = running_.find(node);
  return it != running_.end() && it->second.count(rsc) > 0;
}

std::vector<std::string> AgentWorld::nodes_running(const std::string& rsc) const {
  std::vector<std::string> out;
  for (const auto& [node, rscs] : running_) {
    if (rscs.count(rsc)) out.push_back(node);
  }
  return out;
}

std::size_t AgentWorld::in_flight() const {
  return pending_.size();
}

void AgentWorld::fail_next(const std::string& node, const std::string& rsc,
                           const std::string& action, int rc) {
  faults_[{node, rsc, action}] = Fault{Fault::Kind::kFail, rc};
}

void AgentWorld::hang_next(const std::string& node, const std::string& rsc,
                           const std::string& action) {
  faults_[{node, rsc, action}] = Fault{Fault::Kind::kHang, 0};
}

void AgentWorld::kill_resource(const std::string& node, const std::string& rsc) {
  if (running_[node].erase(rsc)) note(node + " " + rsc + " died");
}

void AgentWorld::power_off(const std::string& node) {
  running_.erase(node);
  for (auto& [id, p] : pending_) {
    if (p->node == node) {
      p->timer.reset();
      p->on_exit = nullptr;  // nobody is left to hear about it
    }
  }
  note(node + " powered off");
}

exec::Spawned AgentWorld::spawn(const std::string& node, const exec::SpawnRequest& request,
                                exec::ExitHandler on_exit) {
  const std::uint64_t id = next_id_++;
  auto p = std::make_unique<Pending>();
  p->node = node;
  p->rsc = env_value(request.env, "OCF_RESOURCE_INSTANCE");
  p->action = request.argv.size() > 1 ? request.argv[1] : std::string();
  p->on_exit = std::move(on_exit);

  exec::ProcessExit exit;
  exit.pid = static_cast<pid_t>(100000 + id);
  const FaultKey key{node, p->rsc, p->action};
  auto fault = faults_.find(key);
  const bool hang = fault != faults_.end() && fault->second.kind == Fault::Kind::kHang;
  if (fault != faults_.end() && !hang) {
    exit.code = fault->second.rc;
  } else if (!hang) {
    // Decided when the action ends, so concurrent changes are seen.
    exit.code = -1;
  }
  if (fault != faults_.end()) faults_.erase(fault);

  Pending* raw = p.get();
  pending_[id] = std::move(p);
  if (hang) {
    note(node + " " + raw->rsc + " " + raw->action + " hung");
  } else {
    raw->timer = clock_.start_timer(run_time_, [this, id, exit] { finish(id, exit); });
  }
  exec::Spawned s;
  s.process = std::make_unique<SimProcess>(*this, id);
  return s;
}

void AgentWorld::finish(std::uint64_t id, exec::ProcessExit exit) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  Pending& p = *it->second;
  if (exit.code < 0) {
    auto& rscs = running_[p.node];
    if (p.action == "start") {
      rscs.insert(p.rsc);
      exit.code = 0;
    } else if (p.action == "stop") {
      rscs.erase(p.rsc);
      exit.code = 0;
    } else if (p.action == "monitor" || p.action == "status") {
      exit.code = rscs.count(p.rsc) ? 0 : 7;
    } else if (p.action == "meta-data") {
      exit.out = kMetadata;
      exit.out_bytes = exit.out.size();
      exit.code = 0;
    } else if (p.action == "validate-all") {
      exit.code = 0;
    } else {
      exit.code = 3;  // OCF_ERR_UNIMPLEMENTED
    }
  }
  note(p.node + " " + p.rsc + " " + p.action + " " + std::to_string(exit.code));
  exec::ExitHandler handler = std::move(p.on_exit);
  const std::string node = p.node, rsc = p.rsc, action = p.action;
  // The process has exited; its handle may still exist (then group_alive()
  // is false from now on).
  pending_.erase(it);
  if (observer_) observer_(node, rsc, action, exit.code);
  if (handler) handler(std::move(exit));
}

void AgentWorld::kill(std::uint64_t id, int signo) {
  auto it = pending_.find(id);
  if (it == pending_.end() || signo == 0) return;
  Pending& p = *it->second;
  p.timer.reset();
  note(p.node + " " + p.rsc + " " + p.action + " killed");
  exec::ProcessExit exit;
  exit.kind = exec::ProcessExit::Kind::kSignaled;
  exit.code = signo;
  exit.pid = static_cast<pid_t>(100000 + id);
  // Reported from the event loop, never inside signal_group().
  p.timer = clock_.start_timer(Duration(0), [this, id, exit] {
    auto again = pending_.find(id);
    if (again == pending_.end()) return;
    exec::ExitHandler handler = std::move(again->second->on_exit);
    pending_.erase(again);
    if (handler) handler(exit);
  });
}

}  // namespace vigil::sim
