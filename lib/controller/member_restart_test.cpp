// SPDX-License-Identifier: GPL-2.0-or-later
// A member's controller that restarts over the same executor (vigild
// respawning vigil-crmd while the resources run): the machine is driven by
// hand, the test playing the DC (node1) and the driver, over a real
// lrmd::Service behind InProcessExecutor whose "agents" are Dummy
// resources keeping a state file each, as ocf:heartbeat:Dummy does.
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "machine.hpp"
#include "vigil/lrmd/in_process.hpp"
#include "vigil/lrmd/service.hpp"

using namespace vigil;
using namespace vigil::controller;
using namespace std::chrono_literals;

namespace {

std::string env_value(const std::vector<std::string>& env, const std::string& name) {
  for (const auto& e : env) {
    if (e.rfind(name + "=", 0) == 0) return e.substr(name.size() + 1);
  }
  return {};
}

// Dummy agents over a set of state files: start creates OCF_RESKEY_state,
// stop removes it, monitor answers 0 when it exists and 7 otherwise. Each
// run exits 1 ms later on the clock.
class DummyFiles final : public exec::Spawner {
 public:
  explicit DummyFiles(Clock& clock) : clock_(clock) {}

  exec::Spawned spawn(const exec::SpawnRequest& request, exec::ExitHandler on_exit) override {
    const std::uint64_t id = next_id_++;
    Run& run = runs_[id];
    run.action = request.argv.size() > 1 ? request.argv[1] : "";
    run.state = env_value(request.env, "OCF_RESKEY_state");
    run.on_exit = std::move(on_exit);
    run.timer = clock_.start_timer(1ms, [this, id] { finish(id); });
    exec::Spawned s;
    s.process = std::make_unique<Process>(*this, id);
    return s;
  }

  std::set<std::string> files;  // the state files that exist

 private:
  struct Run {
    std::string action, state;
    exec::ExitHandler on_exit;
    std::unique_ptr<Timer> timer;
  };
  class Process final : public exec::Process {
   public:
    Process(DummyFiles& world, std::uint64_t id) : world_(world), id_(id) {}
    ~Process() override { world_.runs_.erase(id_); }  // killed, if still running
    pid_t pid() const override { return static_cast<pid_t>(3000 + id_); }
    void signal(int) override {}
    void signal_group(int) override {}
    bool group_alive() const override { return world_.runs_.count(id_) != 0; }

   private:
    DummyFiles& world_;
    std::uint64_t id_;
  };

  void finish(std::uint64_t id) {
    auto it = runs_.find(id);
    if (it == runs_.end()) return;
    exec::ProcessExit e;
    const Run& run = it->second;
    if (run.action == "start") {
      files.insert(run.state);
    } else if (run.action == "stop") {
      files.erase(run.state);
    } else if (run.action == "monitor") {
      e.code = files.count(run.state) != 0 ? 0 : 7;
    }
    exec::ExitHandler handler = std::move(it->second.on_exit);
    runs_.erase(it);  // exited (the clock keeps this callback alive meanwhile)
    handler(std::move(e));
  }

  Clock& clock_;
  std::map<std::uint64_t, Run> runs_;
  std::uint64_t next_id_ = 1;
};

// One life of node2's controller: a Machine and its connection to the
// executor, with the effects carried out as vigil-crmd's driver does.
class Life {
 public:
  Life(ManualClock& clock, lrmd::Service& service) : clock_(clock), executor_(service, clock) {
    executor_.set_event_handler(
        [this](const exec::OperationResult& r) { feed(ExecutorEventInput{r}); });
    std::vector<cluster::NodeInfo> infos = {{1, "node1", ""}, {2, "node2", ""}};
    cluster_.nodes = *cluster::NodeList::create(infos);
    cluster_.members = {1, 2};
    feed(StartInput{2, {2, 1}, cluster_, true});
    cluster::GroupView v;
    v.group = kCpgGroup;
    v.members = {{1, 1}, {2, 1}};
    v.joined = {{2, 1}};
    feed(ViewInput{v, cluster_});
  }

  // An order of the DC (node1) to node2.
  void order(Message m) {
    m.target = 2;
    feed(MessageInput{{1, 1}, encode(m)});
  }
  void exec(const std::string& rsc, const std::string& task, const std::string& key,
            std::map<std::string, std::string> params) {
    Message m;
    m.type = MsgType::kExec;
    m.exec = ExecSpec{.rsc = rsc,
                      .cls = "ocf",
                      .provider = "heartbeat",
                      .type = "Dummy",
                      .task = task,
                      .interval_ms = 0,
                      .timeout_ms = 20000,
                      .start_delay_ms = 0,
                      .key = key,
                      .digest = "",
                      .params = std::move(params)};
    m.exec.params["CRM_meta_timeout"] = "20000";
    order(m);
  }
  void forget(const std::string& rsc) {
    Message m;
    m.type = MsgType::kForget;
    m.rsc = rsc;
    order(m);
  }
  // What the DC heard: the ops of node2's results, "rsc_task_interval:rc".
  std::vector<std::string> results() const {
    std::vector<std::string> out;
    for (const auto& m : sent_) {
      if (m.type != MsgType::kResult) continue;
      for (const auto& e : m.ops) out.push_back(e.op_key() + ":" + std::to_string(e.rc));
    }
    return out;
  }
  // The history node2 sent at join, as "rsc_task_interval:rc".
  std::vector<std::string> history() const {
    std::vector<std::string> out;
    for (const auto& m : sent_) {
      if (m.type != MsgType::kHistory) continue;
      for (const auto& e : m.ops) out.push_back(e.op_key() + ":" + std::to_string(e.rc));
    }
    return out;
  }
  // The requests that reached the executor.
  const std::vector<exec::OperationRequest>& execs() const { return execs_; }

 private:
  Now now() const { return {clock_.now(), clock_.wall_seconds()}; }

  void feed(const Input& in) {
    Status st = machine_->step(now(), in);
    REQUIRE(st);
    drain();
  }

  void drain() {
    for (auto& effect : machine_->take_effects()) {
      if (auto* e = std::get_if<ExecEffect>(&effect)) {
        execs_.push_back(e->request);
        executor_.exec(e->request, [this, t = e->token](Result<int> id) {
          feed(ExecAnswer{t, id});
        });
      } else if (auto* f = std::get_if<ForgetEffect>(&effect)) {
        executor_.forget(f->rsc, [this, t = f->token](Status s) { feed(ExecutorAnswer{t, s}); });
      } else if (auto* h = std::get_if<HistoryEffect>(&effect)) {
        executor_.history("", [this, t = h->token](Result<std::vector<lrmd::ResourceHistory>> r) {
          feed(HistoryAnswer{t, std::move(r)});
        });
      } else if (auto* s = std::get_if<SendEffect>(&effect)) {
        sent_.push_back(s->message);
      } else if (std::holds_alternative<CancelEffect>(effect) ||
                 std::holds_alternative<ComputeEffect>(effect) ||
                 std::holds_alternative<CibQueryEffect>(effect) ||
                 std::holds_alternative<CibWriteEffect>(effect) ||
                 std::holds_alternative<FenceEffect>(effect)) {
        FAIL("a member in this test asks nothing else");
      }
    }
  }

  ManualClock& clock_;
  lrmd::InProcessExecutor executor_;
  ClusterSnapshot cluster_;
  std::unique_ptr<Machine> machine_ = std::make_unique<Machine>(ControllerOptions{});
  std::vector<exec::OperationRequest> execs_;
  std::vector<Message> sent_;
};

std::map<std::string, std::string> instance_params(const exec::OperationRequest& r) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : r.params) {
    if (k.rfind("CRM_meta_", 0) != 0) out[k] = v;
  }
  return out;
}

}  // namespace

TEST_CASE("a restarted controller stops a resource with the parameters it was started with") {
  ManualClock clock;
  DummyFiles agents(clock);
  exec::ExecutorOptions eo;
  lrmd::Service service(clock, agents, eo);
  const std::map<std::string, std::string> old_params = {{"state", "/run/old.state"}};

  // First life: Old is probed and started with its state file.
  {
    Life first(clock, service);
    clock.advance(10ms);
    first.exec("Old", "monitor", "1:1:7:uuid", old_params);
    clock.advance(10ms);
    first.exec("Old", "start", "2:1:0:uuid", old_params);
    clock.advance(10ms);
    CHECK(first.results() == std::vector<std::string>{"Old_monitor_0:7", "Old_start_0:0"});
    REQUIRE(agents.files == std::set<std::string>{"/run/old.state"});
  }  // vigil-crmd dies; vigil-lrmd and the resource stay

  // Second life: the same executor, a new controller.
  Life second(clock, service);
  clock.advance(10ms);
  CHECK(second.history() == std::vector<std::string>{"Old_monitor_0:7", "Old_start_0:0"});

  SECTION("deleted meanwhile: the orphan's stop carries no parameters") {
    second.exec("Old", "stop", "3:2:0:uuid", {});
  }
  SECTION("reconfigured meanwhile: the stop carries the new parameters") {
    second.exec("Old", "stop", "3:2:0:uuid", {{"state", "/run/new.state"}});
  }
  clock.advance(10ms);
  REQUIRE_FALSE(second.execs().empty());
  const auto& stop = second.execs().back();
  CHECK(stop.action == "stop");
  CHECK(instance_params(stop) == old_params);
  CHECK(stop.params.at("CRM_meta_timeout") == "20000");  // meta attributes: the order's
  CHECK(second.results() == std::vector<std::string>{"Old_stop_0:0"});
  // The Dummy really stopped: its state file is gone.
  CHECK(agents.files.empty());
}

TEST_CASE("a restarted controller: what it ran or forgot itself wins over the executor's answer") {
  ManualClock clock;
  DummyFiles agents(clock);
  exec::ExecutorOptions eo;
  lrmd::Service service(clock, agents, eo);
  {
    Life first(clock, service);
    clock.advance(10ms);
    first.exec("Old", "start", "1:1:0:uuid", {{"state", "/run/old.state"}});
    clock.advance(10ms);
    REQUIRE(agents.files == std::set<std::string>{"/run/old.state"});
  }
  // The executor's history is asked at the first view; the DC's forget
  // (a cleanup) comes before the answer, which still lists Old.
  Life second(clock, service);
  second.forget("Old");
  clock.advance(10ms);
  // Probed again, then stopped with the new parameters: those of the
  // forgotten life must not come back.
  second.exec("Old", "stop", "2:2:0:uuid", {{"state", "/run/new.state"}});
  clock.advance(10ms);
  REQUIRE_FALSE(second.execs().empty());
  CHECK(instance_params(second.execs().back()) ==
        std::map<std::string, std::string>{{"state", "/run/new.state"}});
}
