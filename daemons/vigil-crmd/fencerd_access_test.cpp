// SPDX-License-Identifier: GPL-2.0-or-later
// The controller's FencerAccess over FencerdClient, against a stand-in
// vigil-stonithd: requests carry the target, action, timeout and the
// client name; failures and an unreachable daemon come back as failures
// with the reason; events become FenceEvents, each once, and those missed
// while the daemon was away are read from its history once it is back.
#include "fencerd_access.hpp"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <optional>

#include "fake_fencerd.hpp"
#include "io_loop.hpp"

using namespace vigil;
using namespace std::chrono_literals;

namespace {

using test::run_io_until;

std::string socket_path(const char* what) {
  return "/tmp/vigil-crmd-fencer-test-" + std::string(what) + "-" + std::to_string(::getpid()) +
         ".sock";
}

fencing::HistoryEntry entry(const std::string& id, const std::string& target,
                            fencing::OpState state, std::int64_t completed) {
  fencing::HistoryEntry e;
  e.id = id;
  e.target = target;
  e.action = "reboot";
  e.origin = "node2";
  e.client = "stonith_admin.7";
  e.delegate = "node3";
  e.state = state;
  e.created = completed - 1;
  e.completed = state == fencing::OpState::kPending ? 0 : completed;
  if (state == fencing::OpState::kFailed) e.reason = "no device";
  return e;
}

}  // namespace

TEST_CASE("crmd fencer: a request reaches vigil-stonithd with its timeout and client name") {
  boost::asio::io_context io;
  AsioClock clock(io);
  test::FakeFencerd d(io, socket_path("fence"));
  d.answer = [](const fencerd::Call& c) -> std::optional<Result<std::string>> {
    const auto* f = std::get_if<fencerd::FenceCall>(&c);
    if (f && f->target == "node3") return Error(ErrorCode::kFailed, "no device can fence node3");
    return std::nullopt;
  };
  fencerd::FencerdClient client(io, d.path());
  crmd::FencerdAccess access(client, clock, {});
  std::optional<Status> done, failed;
  access.fence({"node2", "off", 90s}, [&](Status st) { done = st; });
  CHECK_FALSE(done.has_value());  // never from inside the call
  access.fence({"node3", "reboot", 60s}, [&](Status st) { failed = st; });
  REQUIRE(run_io_until(io, [&] { return done && failed; }));
  CHECK(*done);
  REQUIRE(d.calls.size() == 2);
  const auto& call = std::get<fencerd::FenceCall>(d.calls[0]);
  CHECK(call.target == "node2");
  CHECK(call.action == "off");
  CHECK(call.timeout == 90s);
  CHECK(call.client == "vigil-crmd");
  REQUIRE_FALSE(*failed);
  CHECK(failed->error().code() == ErrorCode::kFailed);
  CHECK_THAT(failed->error().message(), Catch::Contains("no device can fence node3"));
  CHECK_THAT(failed->error().message(), Catch::Contains("cannot reboot node3"));
}

TEST_CASE("crmd fencer: without vigil-stonithd a request fails with the reason") {
  boost::asio::io_context io;
  AsioClock clock(io);
  fencerd::FencerdClient client(io, socket_path("nobody"));
  crmd::FencerdAccess access(client, clock, {});
  std::optional<Status> st;
  access.fence({"node2", "reboot", 60s}, [&](Status s) { st = s; });
  REQUIRE(run_io_until(io, [&] { return st.has_value(); }));
  REQUIRE_FALSE(*st);
  CHECK(st->error().code() == ErrorCode::kIo);
  CHECK_THAT(st->error().message(), Catch::Contains("vigil-stonithd"));
  CHECK_THAT(st->error().message(), Catch::Contains("cannot reboot node2"));
}

TEST_CASE("crmd fencer: events, once each, and those missed while the daemon was away") {
  boost::asio::io_context io;
  AsioClock clock(io);
  const std::string path = socket_path("events");
  auto d = std::make_unique<test::FakeFencerd>(io, path);
  fencerd::FencerdClient client(io, path);
  crmd::FencerdAccess access(client, clock, {}, 20ms);
  std::vector<controller::FenceEvent> events;
  access.set_event_handler([&](const controller::FenceEvent& e) { events.push_back(e); });
  REQUIRE(run_io_until(io, [&] { return access.subscribed(); }));
  const std::int64_t now = clock.wall_seconds();
  d->publish(entry("node2:1", "node4", fencing::OpState::kDone, now));
  d->publish(entry("node2:1", "node4", fencing::OpState::kDone, now));     // again: told once
  d->publish(entry("node2:2", "node4", fencing::OpState::kPending, now));  // not over yet
  d->publish(entry("node2:3", "node5", fencing::OpState::kFailed, now));
  REQUIRE(run_io_until(io, [&] { return events.size() == 2; }));
  CHECK(events[0].id == "node2:1");
  CHECK(events[0].target == "node4");
  CHECK(events[0].action == "reboot");
  CHECK(events[0].succeeded);
  CHECK(events[0].delegate == "node3");
  CHECK(events[0].client == "stonith_admin.7");
  CHECK(events[0].origin == "node2");
  CHECK(events[0].completed == now);
  CHECK(events[1].id == "node2:3");
  CHECK_FALSE(events[1].succeeded);
  CHECK(events[1].reason == "no device");

  // The daemon goes; while it is away node6 is fenced; once it is back the
  // subscription is made again and node6's fencing is read from the history
  // (not the older ones, nor those already told).
  d.reset();
  REQUIRE(run_io_until(io, [&] { return !access.subscribed(); }));
  io.run_for(50ms);  // a few failed attempts
  io.restart();
  d = std::make_unique<test::FakeFencerd>(io, path);
  d->history = {entry("node2:0", "node4", fencing::OpState::kDone, now - 3600),
                entry("node2:1", "node4", fencing::OpState::kDone, now),
                entry("node2:9", "node6", fencing::OpState::kDone, clock.wall_seconds())};
  REQUIRE(run_io_until(io, [&] { return events.size() == 3; }));
  CHECK(events[2].id == "node2:9");
  CHECK(events[2].target == "node6");
  io.run_for(50ms);
  CHECK(events.size() == 3);
  CHECK(access.subscribed());
}
