// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-lrmd's service over a scripted spawner and a manual clock: history,
// subscribers, meta-data, forget, the XML dispatcher and shutdown.
#include "vigil/lrmd/service.hpp"

#include <signal.h>

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vigil/lrmd/in_process.hpp"

using namespace vigil;
using namespace vigil::lrmd;
using namespace std::chrono_literals;

namespace {

struct Child {
  exec::SpawnRequest request;
  exec::ExitHandler on_exit;
  bool alive = true;  // the executor still holds the process
  bool exited = false;
  std::vector<int> signals;
};

class ScriptedProcess final : public exec::Process {
 public:
  explicit ScriptedProcess(std::shared_ptr<Child> c, pid_t pid) : c_(std::move(c)), pid_(pid) {}
  ~ScriptedProcess() override { c_->alive = false; }
  pid_t pid() const override { return pid_; }
  void signal(int signo) override { c_->signals.push_back(signo); }
  void signal_group(int signo) override { c_->signals.push_back(signo); }
  bool group_alive() const override { return !c_->exited; }

 private:
  std::shared_ptr<Child> c_;
  pid_t pid_;
};

class ScriptedSpawner final : public exec::Spawner {
 public:
  exec::Spawned spawn(const exec::SpawnRequest& request, exec::ExitHandler on_exit) override {
    auto c = std::make_shared<Child>();
    c->request = request;
    c->on_exit = std::move(on_exit);
    children.push_back(c);
    exec::Spawned s;
    s.process = std::make_unique<ScriptedProcess>(c, 2000 + static_cast<pid_t>(children.size()));
    return s;
  }
  // argv[1] of child i: the action.
  std::string action(std::size_t i) const { return children.at(i)->request.argv.at(1); }
  void exit(std::size_t i, int code, std::string out = {}) {
    auto& c = *children.at(i);
    REQUIRE(c.alive);
    REQUIRE_FALSE(c.exited);
    c.exited = true;
    exec::ProcessExit e;
    e.code = code;
    e.out = std::move(out);
    e.out_bytes = e.out.size();
    auto handler = std::move(c.on_exit);
    handler(std::move(e));
  }
  std::vector<std::shared_ptr<Child>> children;
};

struct Fixture {
  ManualClock clock;
  ScriptedSpawner spawner;
  std::unique_ptr<Service> service;
  std::vector<exec::OperationResult> events;

  Fixture() {
    exec::ExecutorOptions options;
    options.paths.ocf_root = "/nonexistent-ocf";
    options.inherit_environment = false;
    options.environment = {"PATH=/bin"};
    service = std::make_unique<Service>(clock, spawner, options);
    service->subscribe([this](const exec::OperationResult& r) { events.push_back(r); });
  }

  exec::OperationRequest op(const std::string& rsc, const std::string& action,
                            Duration interval = 0ms) {
    exec::OperationRequest r;
    r.rsc_id = rsc;
    r.agent = {exec::AgentClass::kOcf, "heartbeat", "Dummy"};
    r.action = action;
    r.interval = interval;
    r.timeout = 20s;
    r.user_data = rsc + "-" + action + "-key";
    return r;
  }
  int run(const std::string& rsc, const std::string& action, Duration interval = 0ms) {
    auto id = service->exec(op(rsc, action, interval));
    REQUIRE(id);
    return *id;
  }
  void settle() { clock.run_due(); }
};

}  // namespace

TEST_CASE("lrmd service: results reach subscribers and the history keeps the last one") {
  Fixture f;
  const int id = f.run("web", "start");
  f.settle();
  REQUIRE(f.spawner.children.size() == 1);
  f.spawner.exit(0, 0, "lots of output\n");
  f.settle();
  REQUIRE(f.events.size() == 1);
  CHECK(f.events[0].call_id == id);
  CHECK(f.events[0].user_data == "web-start-key");
  CHECK(f.events[0].output == "lots of output\n");

  auto h = f.service->history();
  REQUIRE(h.size() == 1);
  CHECK(h[0].rsc_id == "web");
  CHECK(exec::to_string(h[0].agent) == "ocf:heartbeat:Dummy");
  REQUIRE(h[0].last_results.size() == 1);
  CHECK(h[0].last_results[0].action == "start");
  CHECK(h[0].last_results[0].output.empty());  // history carries no output
  CHECK(h[0].recurring.empty());
  CHECK(f.service->history("nosuch").empty());
}

TEST_CASE("lrmd service: recurring operations are listed until cancelled") {
  Fixture f;
  f.run("web", "start");
  f.settle();
  f.spawner.exit(0, 0);
  f.settle();
  const int mon = f.run("web", "monitor", 10s);
  f.settle();
  REQUIRE(f.spawner.children.size() == 2);
  f.spawner.exit(1, 0);
  f.settle();
  auto h = f.service->history("web");
  REQUIRE(h.size() == 1);
  REQUIRE(h[0].recurring.size() == 1);
  CHECK(h[0].recurring[0].call_id == mon);
  CHECK(h[0].recurring[0].interval == 10s);
  CHECK(h[0].last_results.size() == 2);

  REQUIRE(f.service->cancel({"web", "monitor", 10s}));
  f.settle();
  CHECK(f.events.back().status == exec::ExecStatus::kCancelled);
  h = f.service->history("web");
  REQUIRE(h.size() == 1);
  CHECK(h[0].recurring.empty());
  REQUIRE(h[0].last_results.size() == 1);  // the monitor's entry went with it
  CHECK(h[0].last_results[0].action == "start");

  auto unknown = f.service->cancel({"web", "monitor", 99s});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code() == ErrorCode::kNotFound);
}

TEST_CASE("lrmd service: the history keeps the parameters of the last start, probe or reload") {
  Fixture f;
  auto run = [&](const std::string& action, Duration interval,
                 std::map<std::string, std::string> params) {
    auto op = f.op("web", action, interval);
    op.params = std::move(params);
    REQUIRE(f.service->exec(op));
    f.settle();
    f.spawner.exit(f.spawner.children.size() - 1, action == "monitor" && interval == 0ms ? 7 : 0);
    f.settle();
  };
  using Params = std::map<std::string, std::string>;
  auto kept = [&] {
    auto h = f.service->history("web");
    REQUIRE(h.size() == 1);
    return h[0].stop_params;
  };
  run("monitor", 0ms, {{"state", "/a"}, {"CRM_meta_timeout", "20000"}});  // a probe
  CHECK(kept() == Params{{"state", "/a"}, {"CRM_meta_timeout", "20000"}});
  run("start", 0ms, {{"state", "/b"}});
  CHECK(kept() == Params{{"state", "/b"}});
  // Neither a recurring monitor, nor a stop, nor another action changes them.
  run("monitor", 10s, {{"state", "/c"}});
  run("notify", 0ms, {{"state", "/d"}});
  run("stop", 0ms, {{"state", "/e"}});
  CHECK(kept() == Params{{"state", "/b"}});
  // Known from the request on, not only once its result is in.
  auto reload = f.op("web", "reload-agent");
  reload.params = {{"state", "/f"}};
  REQUIRE(f.service->exec(reload));
  CHECK(kept() == Params{{"state", "/f"}});
  f.settle();
  f.spawner.exit(f.spawner.children.size() - 1, 0);
  f.settle();
  run("reload", 0ms, {});
  CHECK(kept() == Params{});  // none is not "unknown"
  // Through the protocol as they are.
  std::optional<Result<std::string>> reply;
  f.service->handle(1, encode_request(HistoryRequest{"web"}),
                    [&](Result<std::string> r) { reply = std::move(r); });
  REQUIRE(reply);
  REQUIRE(*reply);
  auto decoded = decode_history_reply(**reply);
  REQUIRE(decoded);
  REQUIRE(decoded->size() == 1);
  CHECK((*decoded)[0].stop_params == Params{});
  // Forgotten with the rest of the history (the stop cancelled the
  // monitor); a resource only ever stopped has none.
  REQUIRE(f.service->forget("web"));
  run("stop", 0ms, {{"state", "/g"}});
  CHECK(kept() == std::nullopt);
}

TEST_CASE("lrmd service: forget is refused while busy, then drops the history") {
  Fixture f;
  f.run("db", "start");
  f.settle();
  auto busy = f.service->forget("db");
  REQUIRE_FALSE(busy);
  CHECK(busy.error().message().find("queued or running") != std::string::npos);
  f.spawner.exit(0, 0);
  f.settle();
  f.run("db", "monitor", 5s);
  f.settle();
  f.spawner.exit(1, 0);
  f.settle();
  REQUIRE(f.service->forget("db"));
  f.settle();
  CHECK(f.service->history().empty());
  CHECK(f.service->recurring() == 0);
  CHECK(f.events.back().status == exec::ExecStatus::kCancelled);  // still reported
  auto again = f.service->forget("db");
  REQUIRE_FALSE(again);
  CHECK(again.error().code() == ErrorCode::kNotFound);
}

TEST_CASE("lrmd service: a subscriber leaving cancels nothing") {
  Fixture f;
  auto extra = f.service->subscribe([](const exec::OperationResult&) {});
  f.run("web", "monitor", 10s);
  f.settle();
  f.service->unsubscribe(extra);
  CHECK(f.service->recurring() == 1);
  CHECK(f.spawner.children[0]->signals.empty());
}

TEST_CASE("lrmd service: meta-data runs once, is cached, and is not an event") {
  Fixture f;
  std::vector<Result<std::string>> answers;
  exec::AgentSpec dummy{exec::AgentClass::kOcf, "heartbeat", "Dummy"};
  f.service->metadata(dummy, [&](Result<std::string> r) { answers.push_back(r); });
  f.service->metadata(dummy, [&](Result<std::string> r) { answers.push_back(r); });
  f.settle();
  REQUIRE(f.spawner.children.size() == 1);  // the two callers share one run
  CHECK(f.spawner.action(0) == "meta-data");
  f.spawner.exit(0, 0, "<resource-agent name=\"Dummy\"/>");
  f.settle();
  REQUIRE(answers.size() == 2);
  REQUIRE(answers[0]);
  CHECK(*answers[0] == "<resource-agent name=\"Dummy\"/>");
  CHECK(f.events.empty());
  CHECK(f.service->history().empty());
  f.service->metadata(dummy, [&](Result<std::string> r) { answers.push_back(r); });
  CHECK(answers.size() == 2);  // never from inside the call
  f.settle();
  REQUIRE(answers.size() == 3);
  CHECK(f.spawner.children.size() == 1);  // cached

  exec::AgentSpec broken{exec::AgentClass::kOcf, "heartbeat", "Broken"};
  f.service->metadata(broken, [&](Result<std::string> r) { answers.push_back(r); });
  f.settle();
  f.spawner.exit(1, 5);  // OCF not installed
  f.settle();
  REQUIRE(answers.size() == 4);
  REQUIRE_FALSE(answers[3]);
  CHECK(answers[3].error().code() == ErrorCode::kNotFound);
  CHECK(answers[3].error().message().find("ocf:heartbeat:Broken") != std::string::npos);

  auto reserved = f.service->exec(f.op(kMetadataRscId, "start"));
  REQUIRE_FALSE(reserved);
}

TEST_CASE("lrmd service: the XML dispatcher answers and refuses without changing anything") {
  Fixture f;
  std::vector<std::pair<std::uint64_t, std::string>> sent;
  bool conn2_alive = true;
  f.service->set_event_sink([&](std::uint64_t conn, std::string_view payload) {
    if (conn == 2 && !conn2_alive) return false;
    sent.emplace_back(conn, std::string(payload));
    return true;
  });
  std::vector<Result<std::string>> replies;
  auto reply = [&](Result<std::string> r) { replies.push_back(std::move(r)); };

  for (const char* bad : {"garbage", "<lrmd-exec/>", "<lrmd-nope/>", ""}) {
    f.service->handle(1, bad, reply);
  }
  REQUIRE(replies.size() == 4);
  for (const auto& r : replies) CHECK_FALSE(r);
  CHECK(f.service->history().empty());
  replies.clear();

  f.service->handle(1, encode_request(SubscribeRequest{}), reply);
  f.service->handle(2, encode_request(SubscribeRequest{}), reply);
  f.service->handle(3, encode_request(f.op("web", "start")), reply);
  REQUIRE(replies.size() == 3);
  REQUIRE(replies[2]);
  auto id = decode_exec_reply(*replies[2]);
  REQUIRE(id);
  f.settle();
  conn2_alive = false;  // connection 2 went away
  f.spawner.exit(0, 0);
  f.settle();
  REQUIRE(sent.size() == 1);  // 1 subscribed and alive; 3 never subscribed
  CHECK(sent[0].first == 1);
  auto event = decode_event(sent[0].second);
  REQUIRE(event);
  CHECK(event->call_id == *id);

  f.service->handle(3, encode_request(HistoryRequest{}), reply);
  REQUIRE(replies.size() == 4);
  REQUIRE(replies[3]);
  auto history = decode_history_reply(*replies[3]);
  REQUIRE(history);
  CHECK(history->size() == 1);

  f.service->connection_closed(1);
  f.run("web", "stop");
  f.settle();
  f.spawner.exit(1, 0);
  f.settle();
  CHECK(sent.size() == 1);  // nobody subscribed any more
}

TEST_CASE("lrmd service: shutdown cancels recurring operations and waits for running ones") {
  Fixture f;
  f.run("web", "monitor", 10s);
  f.run("db", "start");
  f.settle();
  REQUIRE(f.spawner.children.size() == 2);
  f.spawner.exit(0, 0);  // the monitor's first run
  f.settle();
  bool done = false;
  f.service->shutdown(30s, [&] { done = true; });
  CHECK(f.service->shutting_down());
  f.settle();
  CHECK_FALSE(done);  // db's start still runs
  CHECK(f.service->recurring() == 0);
  auto refused = f.service->exec(f.op("db", "stop"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kIo);  // transient, not "unsupported"
  f.clock.advance(1s);
  f.spawner.exit(1, 0);
  f.settle();
  CHECK(done);
}

TEST_CASE("lrmd service: shutdown gives up after its bound") {
  Fixture f;
  f.run("db", "start");
  f.settle();
  bool done = false;
  f.service->shutdown(5s, [&] { done = true; });
  f.clock.advance(4s);
  CHECK_FALSE(done);
  f.clock.advance(1s);
  CHECK(done);
  // Destroying the service kills the agent's group.
  f.service.reset();
  CHECK_FALSE(f.spawner.children[0]->alive);
}

TEST_CASE("lrmd in-process adapter: same answers, always later") {
  Fixture f;
  InProcessExecutor access(*f.service, f.clock);
  std::vector<exec::OperationResult> events;
  access.set_event_handler([&](const exec::OperationResult& r) { events.push_back(r); });
  std::optional<Result<int>> id;
  access.exec(f.op("web", "start"), [&](Result<int> r) { id = r; });
  CHECK_FALSE(id.has_value());
  f.settle();
  REQUIRE(id.has_value());
  REQUIRE(*id);
  f.spawner.exit(0, 0);
  f.settle();
  REQUIRE(events.size() == 1);
  CHECK(events[0].call_id == **id);

  std::optional<Result<std::vector<ResourceHistory>>> h;
  access.history("", [&](auto r) { h = r; });
  std::optional<Status> forgotten, cancelled;
  access.cancel({"web", "monitor", 1s}, [&](Status s) { cancelled = s; });
  f.settle();
  REQUIRE(h.has_value());
  REQUIRE(*h);
  CHECK((*h)->size() == 1);
  REQUIRE(cancelled.has_value());
  CHECK_FALSE(*cancelled);
  access.forget("web", [&](Status s) { forgotten = s; });
  f.settle();
  REQUIRE(forgotten.has_value());
  CHECK(*forgotten);

  // Destroyed before its answer: the callback is dropped.
  bool called = false;
  {
    InProcessExecutor gone(*f.service, f.clock);
    gone.exec(f.op("x", "start"), [&](Result<int>) { called = true; });
  }
  f.settle();
  CHECK_FALSE(called);
}

TEST_CASE("lrmd in-process adapter: destroyed from its own event handler") {
  Fixture f;
  auto access = std::make_unique<InProcessExecutor>(*f.service, f.clock);
  int calls = 0;
  access->set_event_handler([&](const exec::OperationResult&) {
    ++calls;
    access.reset();
  });
  access->exec(f.op("web", "start"), [](Result<int>) {});
  f.settle();
  f.spawner.exit(0, 0);
  f.settle();
  CHECK(calls == 1);
  CHECK(access == nullptr);
  f.run("web", "stop");  // the service carries on without it
  f.settle();
  f.spawner.exit(1, 0);
  f.settle();
  CHECK(calls == 1);
}
