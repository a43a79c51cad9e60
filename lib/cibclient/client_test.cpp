// SPDX-License-Identifier: GPL-2.0-or-later
// CibClient against the real service stack in-process (CibService behind a
// vigil::ipc::Server on a temporary socket, a standalone CibNode), and
// LocalCibAccess over a CibNode.
#include "vigil/cibclient/client.hpp"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "vigil/cibclient/local_access.hpp"
#include "vigil/cibd/loopback.hpp"
#include "vigil/cibd/replica.hpp"
#include "vigil/cibd/service.hpp"
#include "vigil/ipc/server.hpp"

namespace vigil::cibclient {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDummy =
    R"(<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"/>)";

struct Daemon {
  boost::asio::io_context io;
  AsioClock clock{io};
  std::string dir;
  cibd::LoopbackMessaging loop{clock,
                               cluster::GroupMember{1, static_cast<std::uint32_t>(getpid())}};
  cibd::CibNode node{loop, clock, cibd::Store::empty()};
  std::unique_ptr<ipc::Server> server;
  std::unique_ptr<cibd::CibService> service;

  // max_payload: cib.sock's frame limit (vigil-cib sets kMaxDocumentPayload).
  explicit Daemon(std::size_t max_payload = ipc::kDefaultMaxPayload) {
    std::string tmpl = (fs::temp_directory_path() / "cibclient-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    REQUIRE(node.start());
    service = std::make_unique<cibd::CibService>(
        node, [this](cibd::ConnectionId c, const std::string& p) {
          return server && server->send_event(c, p).ok();
        });
    ipc::AccessPolicy policy;
    policy.allow_uid(getuid());
    ipc::ServerOptions options;
    options.name = "vigil-cib";
    options.max_payload = max_payload;
    auto s = ipc::Server::listen(
        io, dir + "/cib.sock", policy,
        [this](ipc::Request req, ipc::Responder resp) {
          auto shared = std::make_shared<ipc::Responder>(std::move(resp));
          service->handle(req.connection, req.payload, "tester", [shared](Result<std::string> r) {
            if (r) {
              shared->reply(*r);
            } else {
              shared->fail(r.error());
            }
          });
        },
        options);
    REQUIRE(s);
    server = std::move(s).value();
  }
  ~Daemon() {
    server.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string socket() const { return dir + "/cib.sock"; }

  // Runs the loop until `pred` or a bound.
  template <typename Pred>
  void run_until(Pred pred) {
    for (int i = 0; i < 2000 && !pred(); ++i) {
      if (io.stopped()) io.restart();
      io.run_one_for(std::chrono::milliseconds(5));
    }
  }
};

}  // namespace

TEST_CASE("CibClient: blocking round trips through the daemon's service") {
  Daemon d;
  CibClient client(d.io);
  REQUIRE(client.connect(d.socket()));

  auto q = client.query_sync("");
  REQUIRE(q);
  CHECK(q->version == CibVersion{0, 0, 0});
  CHECK(q->xml.find("<configuration>") != std::string::npos);

  auto c = client.create_sync("resources", kDummy);
  REQUIRE(c);
  CHECK(c->version == CibVersion{0, 1, 0});
  auto found = client.query_sync("//primitive[@id='d1']");
  REQUIRE(found);
  CHECK(found->xml.find("Dummy") != std::string::npos);
  // update-client and update-user come from the client name and the peer.
  CHECK(client.query_sync("")->xml.find("update-user=\"tester\"") != std::string::npos);
  CHECK(client.query_sync("")->xml.find("update-client=\"vigil\"") != std::string::npos);

  auto m = client.modify_sync("status", R"(<status><node_state id="1" uname="n1"/></status>)");
  REQUIRE(m);
  CHECK(m->version == CibVersion{0, 1, 1});

  UpdateOptions cas;
  cas.expect_version = ConfigVersion{0, 0};
  auto stale = client.replace_sync(
      "resources", R"(<primitive id="d1" class="ocf" provider="heartbeat" type="IPaddr2"/>)", cas);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code() == ErrorCode::kInvalidInput);
  CHECK(stale.error().message() == "CIB version is 0:1, expected 0:0");
  cas.expect_version = ConfigVersion{0, 1};
  REQUIRE(client.replace_sync(
      "resources", R"(<primitive id="d1" class="ocf" provider="heartbeat" type="IPaddr2"/>)", cas));

  auto bad = client.create_sync("resources", R"(<primitive id="x"/>)");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().find("would not validate") != std::string::npos);
  auto missing = client.query_sync("rsc_defaults");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == ErrorCode::kNotFound);

  auto del = client.remove_sync("//primitive[@id='d1']");
  REQUIRE(del);
  CHECK(del->version == CibVersion{0, 3, 0});
  CHECK_FALSE(client.query_sync("//primitive[@id='d1']"));
}

TEST_CASE("CibClient: asynchronous calls and change events") {
  Daemon d;
  CibClient client(d.io);
  client.set_client_name("crmd");
  std::optional<Status> connected;
  client.async_connect(d.socket(), [&](Status s) { connected = std::move(s); });
  d.run_until([&] { return connected.has_value(); });
  REQUIRE(connected);
  REQUIRE(*connected);

  std::vector<CibChange> events;
  client.subscribe([&](const CibChange& c) { events.push_back(c); });
  d.run_until([&] { return d.service->subscribers() == 1; });
  REQUIRE(d.service->subscribers() == 1);

  std::optional<Result<CibReply>> answer;
  client.create("resources", kDummy, [&](Result<CibReply> r) { answer = std::move(r); });
  CHECK_FALSE(answer);  // never inside the call
  d.run_until([&] { return answer.has_value() && !events.empty(); });
  REQUIRE(answer);
  REQUIRE(*answer);
  REQUIRE(events.size() == 1);
  CHECK(events[0].config_changed);
  CHECK(events[0].client == "crmd");
  CHECK(events[0].current == CibVersion{0, 1, 0});
}

TEST_CASE("CibClient: no daemon, or not connected, is an I/O error") {
  boost::asio::io_context io;
  CibClient client(io);
  auto s = client.connect("/nonexistent/dir/cib.sock");
  REQUIRE_FALSE(s);
  CHECK(s.error().code() == ErrorCode::kIo);
  CHECK(client.query_sync("").error().code() == ErrorCode::kIo);
  std::optional<Result<CibReply>> answer;
  client.query("", [&](Result<CibReply> r) { answer = std::move(r); });
  CHECK_FALSE(answer);
  io.run();
  REQUIRE(answer);
  CHECK(answer->error().code() == ErrorCode::kIo);
}

TEST_CASE("LocalCibAccess: the same interface over an in-process replica") {
  ManualClock clock;
  cibd::LoopbackMessaging loop(clock, cluster::GroupMember{1, 1});
  cibd::CibNode node(loop, clock, cibd::Store::empty());
  REQUIRE(node.start());
  clock.run_due();
  LocalCibAccess access(node, clock);
  access.set_client_name("crmd");
  std::vector<CibChange> events;
  access.subscribe([&](const CibChange& c) { events.push_back(c); });

  std::optional<Result<CibReply>> answer;
  CibAccess& api = access;
  api.create("resources", kDummy, [&](Result<CibReply> r) { answer = std::move(r); });
  CHECK_FALSE(answer);
  for (int i = 0; i < 20 && !answer; ++i) clock.run_due();
  REQUIRE(answer);
  REQUIRE(*answer);
  CHECK(answer->value().version == CibVersion{0, 1, 0});
  REQUIRE(events.size() == 1);
  CHECK(events[0].client == "crmd");

  std::optional<Result<CibReply>> q;
  api.query("//primitive[@id='d1']", [&](Result<CibReply> r) { q = std::move(r); });
  CHECK_FALSE(q);
  clock.run_due();
  REQUIRE(q);
  REQUIRE(*q);
  CHECK(q->value().xml.find("Dummy") != std::string::npos);

  // Answers due after the access is gone are dropped, not delivered.
  bool called = false;
  {
    LocalCibAccess gone(node, clock);
    gone.query("", [&](Result<CibReply>) { called = true; });
  }
  clock.run_due();
  CHECK_FALSE(called);
}

}  // namespace vigil::cibclient

namespace vigil::cibclient {

TEST_CASE("CibClient: the daemon going away is reported and fails what is pending") {
  Daemon d;
  CibClient client(d.io);
  REQUIRE(client.connect(d.socket()));
  std::optional<Error> lost;
  client.set_disconnect_handler([&](const Error& e) { lost = e; });
  d.server.reset();  // the daemon closes every connection
  d.run_until([&] { return lost.has_value(); });
  REQUIRE(lost);
  CHECK(lost->code() == ErrorCode::kIo);
  CHECK_FALSE(client.connected());
  auto r = client.query_sync("");
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == ErrorCode::kIo);
}

TEST_CASE("LocalCibAccess: unsubscribed handlers hear nothing more") {
  ManualClock clock;
  cibd::LoopbackMessaging loop(clock, cluster::GroupMember{1, 1});
  cibd::CibNode node(loop, clock, cibd::Store::empty());
  REQUIRE(node.start());
  clock.run_due();
  LocalCibAccess access(node, clock);
  int heard = 0;
  const SubscriptionId id = access.subscribe([&](const CibChange&) { ++heard; });
  bool done = false;
  access.create("resources", kDummy, [&](Result<CibReply> r) { done = r.ok(); });
  for (int i = 0; i < 20 && !done; ++i) clock.run_due();
  REQUIRE(done);
  CHECK(heard == 1);
  access.unsubscribe(id);
  done = false;
  access.modify("resources", R"(<primitive id="d1" description="x"/>)",
                [&](Result<CibReply> r) { done = r.ok(); });
  for (int i = 0; i < 20 && !done; ++i) clock.run_due();
  REQUIRE(done);
  CHECK(heard == 1);
}

TEST_CASE("CibClient: a whole CIB far over the 16 MiB default frame limit comes back whole") {
  // The limits vigil-cib and CibClient use: the documents' (2 GiB), not the
  // 16 MiB default of the other sockets.
  Daemon d(ipc::kMaxDocumentPayload);
  CibClient client(d.io);
  REQUIRE(client.connect(d.socket()));
  std::string resources = "<resources>";
  const std::string text(10 * 1024, 'v');
  for (int i = 0; i < 2000; ++i) {
    resources += "<primitive id=\"p" + std::to_string(i) +
                 "\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\" description=\"" + text +
                 "\"/>";
  }
  resources += "</resources>";
  REQUIRE(resources.size() > ipc::kDefaultMaxPayload);
  auto created = client.create_sync("resources", resources);
  REQUIRE(created);

  auto whole = client.query_sync("");
  REQUIRE(whole);
  CHECK(whole->xml.size() > ipc::kDefaultMaxPayload);
  CHECK(whole->xml.find("id=\"p1999\"") != std::string::npos);
  CHECK(whole->version == created->version);

  // A client held to the default limit is told so; the connection's limit
  // is what kept the answer out, not the daemon.
  ClientOptions small;
  small.max_payload = ipc::kDefaultMaxPayload;
  CibClient limited(d.io, small);
  REQUIRE(limited.connect(d.socket()));
  auto refused = limited.query_sync("");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message().find("limit") != std::string::npos);
  // The first client still gets it.
  CHECK(client.query_sync("resources"));
}

}  // namespace vigil::cibclient
