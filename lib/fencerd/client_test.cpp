// SPDX-License-Identifier: GPL-2.0-or-later
// FencerdClient over a real Unix socket against an ipc::Server whose
// handler plays the daemon: each call arrives decoded as the daemon would
// see it, answers and errors come back typed, events reach a subscriber,
// and a lost daemon fails what is pending.
#include "vigil/fencerd/client.hpp"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <optional>

#include "fake_fencerd.hpp"
#include "io_loop.hpp"

using namespace vigil;
using namespace vigil::fencerd;
using namespace std::chrono_literals;

namespace {

using test::FakeFencerd;

template <typename Pred>
bool run_until(boost::asio::io_context& io, Pred done) {
  return test::run_io_until(io, done);
}

fencing::HistoryEntry entry(const std::string& id, const std::string& target) {
  fencing::HistoryEntry e;
  e.id = id;
  e.target = target;
  e.action = "reboot";
  e.origin = "node1";
  e.delegate = "node2";
  e.state = fencing::OpState::kDone;
  e.created = 10;
  e.completed = 12;
  return e;
}

// The daemon's answers these tests expect: refusals and failures typed, a
// fence of "slow" held unanswered.
std::unique_ptr<FakeFencerd> daemon(boost::asio::io_context& io, const std::string& path) {
  auto d = std::make_unique<FakeFencerd>(io, path);
  d->history = {entry("node1:1", "node2"), entry("node1:2", "node3")};
  d->devices = {{"ipmi-2", "fence_ipmilan"}};
  d->hold = [](const Call& c) {
    const auto* f = std::get_if<FenceCall>(&c);
    return f && f->target == "slow";
  };
  d->answer = [](const Call& c) -> std::optional<Result<std::string>> {
    if (const auto* f = std::get_if<FenceCall>(&c)) {
      if (f->target == "unknown") return Error(ErrorCode::kNotFound, "unknown node 'unknown'");
      if (f->target == "broken") return Error(ErrorCode::kFailed, "no device can fence broken");
      return encode_fence_reply({"node2", "node1:1"});
    }
    if (std::holds_alternative<QueryCall>(c)) return encode_device_ids({"ipmi-2", "pdu"});
    if (const auto* r = std::get_if<RegisterCall>(&c); r && r->agent == "fence_missing") {
      return Error(ErrorCode::kNotFound, "fence_missing: no such agent");
    }
    if (const auto* m = std::get_if<MonitorCall>(&c); m && m->device != "ipmi-2") {
      return Error(ErrorCode::kFailed, "monitor of " + m->device + " failed: rc=1");
    }
    return std::nullopt;
  };
  return d;
}

std::string socket_path(const char* what) {
  return "/tmp/vigil-fencerd-client-test-" + std::string(what) + "-" + std::to_string(::getpid()) +
         ".sock";
}

}  // namespace

TEST_CASE("fencerd client: every call reaches the daemon and its answer comes back typed") {
  boost::asio::io_context io;
  auto dp = daemon(io, socket_path("calls"));
  FakeFencerd& d = *dp;
  FencerdClient client(io, d.path());

  std::optional<Result<FenceReply>> fenced;
  client.fence(FenceCall{"node2", "off", 30s, 0ms, "test"}, [&](auto r) { fenced = r; });
  CHECK_FALSE(fenced.has_value());  // never from inside the call
  REQUIRE(run_until(io, [&] { return fenced.has_value(); }));
  REQUIRE(*fenced);
  CHECK(**fenced == FenceReply{"node2", "node1:1"});
  REQUIRE(d.calls.size() == 1);
  CHECK(d.calls[0] == Call(FenceCall{"node2", "off", 30s, 0ms, "test"}));

  std::optional<Result<FenceReply>> refused, failed;
  client.fence(FenceCall{"unknown"}, [&](auto r) { refused = r; });
  client.fence(FenceCall{"broken"}, [&](auto r) { failed = r; });
  REQUIRE(run_until(io, [&] { return refused.has_value() && failed.has_value(); }));
  REQUIRE_FALSE(*refused);
  CHECK(refused->error().code() == ErrorCode::kNotFound);
  REQUIRE_FALSE(*failed);
  CHECK(failed->error().code() == ErrorCode::kFailed);
  CHECK(failed->error().message() == "no device can fence broken");

  std::optional<Status> confirmed, monitored, monitor_failed, cleaned;
  std::optional<Result<std::vector<std::string>>> queried;
  std::optional<Result<std::vector<fencing::HistoryEntry>>> history;
  std::optional<Result<std::vector<DeviceInfo>>> devices;
  client.confirm(ConfirmCall{"node3", "admin"}, [&](Status s) { confirmed = s; });
  client.query(QueryCall{"node2", "off"}, [&](auto r) { queried = r; });
  client.monitor(MonitorCall{"ipmi-2", 20s}, [&](Status s) { monitored = s; });
  client.monitor(MonitorCall{"pdu"}, [&](Status s) { monitor_failed = s; });
  client.history(HistoryCall{}, [&](auto r) { history = r; });
  client.cleanup_history(HistoryCleanupCall{"node3"}, [&](Status s) { cleaned = s; });
  client.devices([&](auto r) { devices = r; });
  REQUIRE(run_until(io, [&] {
    return confirmed && queried && monitored && monitor_failed && history && cleaned && devices;
  }));
  CHECK(*confirmed);
  REQUIRE(*queried);
  CHECK(**queried == std::vector<std::string>{"ipmi-2", "pdu"});
  CHECK(*monitored);
  REQUIRE_FALSE(*monitor_failed);
  CHECK(monitor_failed->error().code() == ErrorCode::kFailed);
  REQUIRE(*history);
  REQUIRE((*history)->size() == 2);
  CHECK((**history)[1] == entry("node1:2", "node3"));
  CHECK(*cleaned);
  REQUIRE(*devices);
  CHECK(**devices == std::vector<DeviceInfo>{{"ipmi-2", "fence_ipmilan"}});
  CHECK(d.calls.size() == 10);
  CHECK(d.calls[3] == Call(ConfirmCall{"node3", "admin"}));
  CHECK(d.calls[8] == Call(HistoryCleanupCall{"node3"}));
}

TEST_CASE("fencerd client: register and unregister carry the device and its parameters") {
  boost::asio::io_context io;
  auto dp = daemon(io, socket_path("register"));
  FakeFencerd& d = *dp;
  FencerdClient client(io, d.path());

  const RegisterCall pdu{"pdu", "fence_apc", {{"ip", "10.0.0.9"}, {"pcmk_host_list", "node1"}}};
  std::optional<Status> registered, missing;
  client.register_device(pdu, [&](Status s) { registered = s; });
  client.register_device(RegisterCall{"gone", "fence_missing"}, [&](Status s) { missing = s; });
  REQUIRE(run_until(io, [&] { return registered && missing; }));
  CHECK(*registered);
  REQUIRE_FALSE(*missing);
  CHECK(missing->error().code() == ErrorCode::kNotFound);
  CHECK(missing->error().message() == "fence_missing: no such agent");
  REQUIRE(d.calls.size() == 2);
  CHECK(d.calls[0] == Call(pdu));
  CHECK(d.devices == std::vector<DeviceInfo>{{"ipmi-2", "fence_ipmilan"}, {"pdu", "fence_apc"}});

  std::optional<Status> unregistered;
  client.unregister_device(UnregisterCall{"pdu"}, [&](Status s) { unregistered = s; });
  REQUIRE(run_until(io, [&] { return unregistered.has_value(); }));
  CHECK(*unregistered);
  CHECK(d.calls.back() == Call(UnregisterCall{"pdu"}));
  CHECK(d.devices == std::vector<DeviceInfo>{{"ipmi-2", "fence_ipmilan"}});
}

TEST_CASE("fencerd client: a subscriber gets events until the daemon goes") {
  boost::asio::io_context io;
  auto d = daemon(io, socket_path("events"));
  FencerdClient client(io, d->path());
  std::vector<fencing::HistoryEntry> events;
  std::optional<Error> lost;
  std::optional<Status> subscribed;
  client.subscribe([&](const fencing::HistoryEntry& e) { events.push_back(e); },
                   [&](const Error& e) { lost = e; }, [&](Status s) { subscribed = s; });
  REQUIRE(run_until(io, [&] { return subscribed.has_value(); }));
  REQUIRE(*subscribed);
  REQUIRE(d->subscribers() == 1);
  d->publish(entry("node1:5", "node2"));
  // A malformed event is dropped, the next one still arrives.
  d->publish_raw("<fence-event/>");
  d->publish(entry("node1:6", "node3"));
  REQUIRE(run_until(io, [&] { return events.size() == 2; }));
  CHECK(events[0] == entry("node1:5", "node2"));
  CHECK(events[1].id == "node1:6");

  // A fence in progress when the daemon goes fails with kIo.
  std::optional<Result<FenceReply>> pending;
  client.fence(FenceCall{"slow"}, [&](auto r) { pending = r; });
  REQUIRE(run_until(io, [&] { return d->held.has_value(); }));
  d->held.reset();  // (an unanswered Responder would answer an error: drop it with the server)
  d.reset();
  REQUIRE(run_until(io, [&] { return lost.has_value() && pending.has_value(); }));
  CHECK(lost->code() == ErrorCode::kIo);
  REQUIRE_FALSE(*pending);

  // Nobody listens: a call fails; a daemon back: the next call reconnects.
  std::optional<Status> nobody;
  client.confirm(ConfirmCall{"node2"}, [&](Status s) { nobody = s; });
  REQUIRE(run_until(io, [&] { return nobody.has_value(); }));
  REQUIRE_FALSE(*nobody);
  CHECK(nobody->error().code() == ErrorCode::kIo);
  CHECK_THAT(nobody->error().message(), Catch::Contains("vigil-stonithd"));
  auto back = daemon(io, socket_path("events"));
  std::optional<Status> again;
  client.confirm(ConfirmCall{"node2"}, [&](Status s) { again = s; });
  REQUIRE(run_until(io, [&] { return again.has_value(); }));
  CHECK(*again);
}

TEST_CASE("fencerd client: callbacks of a destroyed client are dropped") {
  boost::asio::io_context io;
  auto dp = daemon(io, socket_path("drop"));
  FakeFencerd& d = *dp;
  bool called = false;
  {
    FencerdClient client(io, d.path());
    client.fence(FenceCall{"slow"}, [&](auto) { called = true; });
    std::optional<Status> subscribed;
    client.subscribe([&](const auto&) { called = true; }, [&](const Error&) { called = true; },
                     [&](Status s) { subscribed = s; });
    REQUIRE(run_until(io, [&] { return d.held.has_value() && subscribed.has_value(); }));
  }
  d.held.reset();
  io.run_for(50ms);
  CHECK_FALSE(called);
}
