// SPDX-License-Identifier: GPL-2.0-or-later
// LrmdClient against the service behind a real Unix socket (lib/ipc), with
// a scripted spawner: the wiring vigil-crmd uses.
#include "vigil/lrmd/client.hpp"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>

#include "vigil/ipc/server.hpp"
#include "vigil/lrmd/service.hpp"

using namespace vigil;
using namespace vigil::lrmd;
using namespace std::chrono_literals;

namespace {

struct Child {
  exec::ExitHandler on_exit;
  std::string action;
};

class Spawner final : public exec::Spawner {
 public:
  class Proc final : public exec::Process {
   public:
    pid_t pid() const override { return 4242; }
    void signal(int) override {}
    void signal_group(int) override {}
    bool group_alive() const override { return false; }
  };
  exec::Spawned spawn(const exec::SpawnRequest& request, exec::ExitHandler on_exit) override {
    children.push_back({std::move(on_exit), request.argv.at(1)});
    exec::Spawned s;
    s.process = std::make_unique<Proc>();
    return s;
  }
  void exit(std::size_t i, int code, std::string out = {}) {
    exec::ProcessExit e;
    e.code = code;
    e.out = std::move(out);
    auto h = std::move(children.at(i).on_exit);
    h(std::move(e));
  }
  std::vector<Child> children;
};

template <typename Pred>
bool run_until(boost::asio::io_context& io, Pred done) {
  for (int i = 0; i < 500 && !done(); ++i) {
    io.run_for(10ms);
    io.restart();
  }
  return done();
}

struct Fixture {
  boost::asio::io_context io;
  AsioClock clock{io};
  Spawner spawner;
  std::unique_ptr<Service> service;
  std::unique_ptr<ipc::Server> server;
  std::string path = "/tmp/vigil-lrmd-client-test-" + std::to_string(::getpid()) + ".sock";

  Fixture() {
    exec::ExecutorOptions options;
    options.paths.ocf_root = "/nonexistent";
    options.inherit_environment = false;
    service = std::make_unique<Service>(clock, spawner, options);
    ipc::AccessPolicy policy;
    policy.allow_uid(::geteuid());
    ipc::ServerOptions so;
    so.log = [](LogLevel, std::string_view) {};
    auto s = ipc::Server::listen(
        io, path, policy,
        [this](ipc::Request req, ipc::Responder resp) {
          auto r = std::make_shared<ipc::Responder>(std::move(resp));
          service->handle(req.connection, req.payload, [r](Result<std::string> a) {
            if (a) {
              r->reply(*a);
            } else {
              r->fail(a.error());
            }
          });
        },
        so);
    REQUIRE(s);
    server = std::move(s).value();
    ipc::Server* srv = server.get();
    service->set_event_sink([srv](std::uint64_t c, std::string_view p) {
      return static_cast<bool>(srv->send_event(c, p));
    });
  }
};

exec::OperationRequest start_of(const std::string& rsc) {
  exec::OperationRequest r;
  r.rsc_id = rsc;
  r.agent = {exec::AgentClass::kOcf, "heartbeat", "Dummy"};
  r.action = "start";
  r.user_data = "7:3:0:uuid";
  r.params = {{"state", "/tmp/x"}};
  return r;
}

}  // namespace

TEST_CASE("lrmd client: exec, events, history, metadata and errors over the socket") {
  Fixture f;
  LrmdClient client(f.io);
  std::vector<exec::OperationResult> events;
  client.set_event_handler([&](const exec::OperationResult& r) { events.push_back(r); });
  std::optional<Status> connected;
  client.connect(f.path, [&](Status s) { connected = s; });
  REQUIRE(run_until(f.io, [&] { return connected.has_value(); }));
  REQUIRE(*connected);

  std::optional<Result<int>> id;
  client.exec(start_of("web"), [&](Result<int> r) { id = r; });
  REQUIRE(run_until(f.io, [&] { return id.has_value() && !f.spawner.children.empty(); }));
  REQUIRE(*id);
  f.spawner.exit(0, 0);
  REQUIRE(run_until(f.io, [&] { return !events.empty(); }));
  CHECK(events[0].call_id == **id);
  CHECK(events[0].rsc_id == "web");
  CHECK(events[0].user_data == "7:3:0:uuid");
  CHECK(events[0].rc == exec::OcfRc::kOk);

  std::optional<Result<std::vector<ResourceHistory>>> history;
  client.history("", [&](auto r) { history = r; });
  REQUIRE(run_until(f.io, [&] { return history.has_value(); }));
  REQUIRE(*history);
  REQUIRE((*history)->size() == 1);
  CHECK((**history)[0].last_results.at(0).call_id == **id);

  std::optional<Result<std::string>> md;
  client.metadata({exec::AgentClass::kOcf, "heartbeat", "Dummy"}, [&](auto r) { md = r; });
  REQUIRE(run_until(f.io, [&] { return f.spawner.children.size() == 2; }));
  CHECK(f.spawner.children[1].action == "meta-data");
  f.spawner.exit(1, 0, "<resource-agent name=\"Dummy\"/>");
  REQUIRE(run_until(f.io, [&] { return md.has_value(); }));
  REQUIRE(*md);
  CHECK(**md == "<resource-agent name=\"Dummy\"/>");
  CHECK(events.size() == 1);  // meta-data is no event

  std::optional<Status> cancelled;
  client.cancel({"web", "monitor", 10s}, [&](Status s) { cancelled = s; });
  REQUIRE(run_until(f.io, [&] { return cancelled.has_value(); }));
  REQUIRE_FALSE(*cancelled);
  CHECK(cancelled->error().code() == ErrorCode::kNotFound);

  std::optional<Result<int>> bad;
  auto req = start_of("x");
  req.action = "../../bin/sh";
  client.exec(req, [&](Result<int> r) { bad = r; });
  REQUIRE(run_until(f.io, [&] { return bad.has_value(); }));
  REQUIRE_FALSE(*bad);
  CHECK(bad->error().code() == ErrorCode::kInvalidInput);

  // The daemon goes away: the controller hears it.
  std::optional<Error> lost;
  client.set_lost_handler([&](const Error& e) { lost = e; });
  f.server.reset();
  REQUIRE(run_until(f.io, [&] { return lost.has_value(); }));
  CHECK(lost->code() == ErrorCode::kIo);
  std::optional<Result<int>> after;
  client.exec(start_of("web"), [&](Result<int> r) { after = r; });
  CHECK_FALSE(after.has_value());  // never from inside the call
  REQUIRE(run_until(f.io, [&] { return after.has_value(); }));
  REQUIRE_FALSE(*after);
  CHECK(after->error().code() == ErrorCode::kIo);
}

TEST_CASE("lrmd client: connecting to nothing fails cleanly") {
  boost::asio::io_context io;
  LrmdClient client(io);
  std::optional<Status> connected;
  client.connect("/tmp/vigil-no-such-socket-" + std::to_string(::getpid()),
                 [&](Status s) { connected = s; });
  REQUIRE(run_until(io, [&] { return connected.has_value(); }));
  REQUIRE_FALSE(*connected);
  CHECK(connected->error().code() == ErrorCode::kIo);
  CHECK_FALSE(client.connected());
}
