// SPDX-License-Identifier: GPL-2.0-or-later
// PengineClient against the scheduler behind a real Unix socket: what
// vigil-crmd on the DC does.
#include "vigil/pengined/client.hpp"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <optional>
#include <sstream>

#include "vigil/ipc/server.hpp"
#include "vigil/pengined/service.hpp"

using namespace vigil;
using namespace vigil::pengined;
using namespace std::chrono_literals;

namespace {

template <typename Pred>
bool run_until(boost::asio::io_context& io, Pred done) {
  for (int i = 0; i < 1000 && !done(); ++i) {
    io.run_for(10ms);
    io.restart();
  }
  return done();
}

std::string web_cluster() {
  std::ifstream f(std::string(VIGIL_SOURCE_DIR) + "/examples/web-cluster.xml");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("pengine client: graphs and refusals over the socket, reconnecting after a restart") {
  boost::asio::io_context io;
  AsioClock clock(io);
  Scheduler scheduler(clock, {});
  const std::string path = "/tmp/vigil-pengine-client-test-" + std::to_string(::getpid()) + ".sock";
  ipc::AccessPolicy policy;
  policy.allow_uid(::geteuid());
  ipc::ServerOptions so;
  so.log = [](LogLevel, std::string_view) {};
  auto handler = [&](ipc::Request req, ipc::Responder resp) {
    auto a = scheduler.handle(req.payload);
    if (a) {
      resp.reply(*a);
    } else {
      resp.fail(a.error());
    }
  };
  auto server = ipc::Server::listen(io, path, policy, handler, so);
  REQUIRE(server);

  PengineClient client(io, path);
  ComputeRequest request;
  request.cib_xml = web_cluster();
  request.now = 1784116800;
  std::optional<Result<ComputeResult>> first, second;
  client.compute(request, [&](Result<ComputeResult> r) { first = r; });   // connects
  client.compute(request, [&](Result<ComputeResult> r) { second = r; });  // queued meanwhile
  CHECK_FALSE(first.has_value());
  REQUIRE(run_until(io, [&] { return first.has_value() && second.has_value(); }));
  REQUIRE(*first);
  REQUIRE(*second);
  CHECK((*first)->transition_id == 1);
  CHECK((*second)->transition_id == 2);
  CHECK((*first)->graph_xml.find("<transition_graph") != std::string::npos);
  CHECK((*first)->now == 1784116800);

  std::optional<Result<ComputeResult>> bad;
  ComputeRequest junk;
  junk.cib_xml = "<cib";
  client.compute(junk, [&](Result<ComputeResult> r) { bad = r; });
  REQUIRE(run_until(io, [&] { return bad.has_value(); }));
  REQUIRE_FALSE(*bad);
  CHECK(bad->error().code() == ErrorCode::kInvalidInput);

  // The daemon restarts: the next request reconnects by itself.
  server->reset();
  auto again = ipc::Server::listen(io, path, policy, handler, so);
  REQUIRE(again);
  std::optional<Result<ComputeResult>> third;
  for (int attempt = 0; attempt < 3 && !(third && *third); ++attempt) {
    third.reset();
    client.compute(request, [&](Result<ComputeResult> r) { third = r; });
    REQUIRE(run_until(io, [&] { return third.has_value(); }));
    if (!*third) CHECK(third->error().code() == ErrorCode::kIo);  // the old connection
  }
  REQUIRE(*third);
  CHECK((*third)->transition_id == 3);
  again->reset();

  std::optional<Result<ComputeResult>> none;
  client.compute(request, [&](Result<ComputeResult> r) { none = r; });
  REQUIRE(run_until(io, [&] { return none.has_value(); }));
  REQUIRE_FALSE(*none);
  CHECK(none->error().code() == ErrorCode::kIo);
}

TEST_CASE("pengine client: a CIB over 16 MiB reaches the scheduler whole, then its changes do") {
  boost::asio::io_context io;
  AsioClock clock(io);
  Scheduler scheduler(clock, {});
  const std::string path = "/tmp/vigil-pengine-client-big-" + std::to_string(::getpid()) + ".sock";
  ipc::AccessPolicy policy;
  policy.allow_uid(::geteuid());
  ipc::ServerOptions so;
  so.log = [](LogLevel, std::string_view) {};
  so.max_payload = ipc::kMaxDocumentPayload;
  auto server = ipc::Server::listen(
      io, path, policy,
      [&](ipc::Request req, ipc::Responder resp) {
        auto a = scheduler.handle(req.payload);
        a ? resp.reply(*a) : resp.fail(a.error());
      },
      so);
  REQUIRE(server);
  PengineClient client(io, path);
  // The textbook cluster with 20 MiB of description: past the default frame
  // limit, with "]]>" and NUL-free text the old CDATA framing had to split.
  // In 1 MiB comments: libxml2 without XML_PARSE_HUGE (vigil/common/
  // xml_guard.hpp) refuses a single text or comment over 10 MB, as
  // Pacemaker's parser does.
  std::string cib = web_cluster();
  const auto at = cib.find("<configuration>");
  REQUIRE(at != std::string::npos);
  std::string description;
  for (int i = 0; i < 20; ++i) description += "<!-- " + std::string(1 << 20, 'x') + " ]]> -->";
  cib.insert(at, description);
  ComputeRequest request;
  request.cib_xml = cib;
  request.now = 1784116800;
  std::optional<Result<ComputeResult>> whole;
  client.compute(request, [&](Result<ComputeResult> r) { whole = r; });
  REQUIRE(run_until(io, [&] { return whole.has_value(); }));
  INFO((*whole ? std::string() : whole->error().message()));
  REQUIRE(*whole);
  CHECK((*whole)->cib_read == "whole");
  REQUIRE((*whole)->cib_version.has_value());
  // The next run: no change since, from the scheduler's copy.
  ComputeRequest changes;
  changes.base = (*whole)->cib_version;
  changes.now = request.now;
  std::optional<Result<ComputeResult>> next;
  client.compute(changes, [&](Result<ComputeResult> r) { next = r; });
  REQUIRE(run_until(io, [&] { return next.has_value(); }));
  REQUIRE(*next);
  CHECK((*next)->cib_read == "diffs=0 node_states=0");
  CHECK((*next)->graph_xml.substr((*next)->graph_xml.find('>')) ==
        (*whole)->graph_xml.substr((*whole)->graph_xml.find('>')));
}
