// SPDX-License-Identifier: GPL-2.0-or-later
// The fencing history as pcs/stonith_admin and crm_mon 2.1.5 print it
// (wording from lib/fencing/st_output.c, order and reduction from
// lib/pacemaker/pcmk_fence.c), the stonith commands that talk to the
// fencer (pcs's messages), `status` with the fencer's history and pcs's
// warnings, and daemon_fencer against a stand-in vigil-stonithd.
#include "vigil/admin/fence_history.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <ctime>
#include <thread>

#include "fake_fencerd.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/admin/fencer.hpp"
#include "vigil/admin/status.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::admin;
using fencing::HistoryEntry;
using fencing::OpState;

namespace {

// Times below are UTC: 1700000000 is 2023-11-14 22:13:20.
struct Utc {
  Utc() {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};

HistoryEntry op(const std::string& id, const std::string& target, const std::string& action,
                OpState state, std::int64_t completed, const std::string& delegate = "node1",
                const std::string& reason = "") {
  HistoryEntry e;
  e.id = id;
  e.target = target;
  e.action = action;
  e.origin = "node1";
  e.client = "stonith_admin.4242";
  e.delegate = state == OpState::kPending ? "" : delegate;
  e.state = state;
  e.created = completed - 5;
  e.completed = state == OpState::kPending ? 0 : completed;
  e.reason = reason;
  return e;
}

class ScriptedFencer : public Fencer {
 public:
  std::vector<std::string> calls;
  std::vector<HistoryEntry> entries;
  std::optional<Error> fail;
  Status fence(const std::string& node, bool off) override {
    calls.push_back((off ? "off " : "reboot ") + node);
    return fail ? Status(*fail) : ok_status();
  }
  Status confirm(const std::string& node) override {
    calls.push_back("confirm " + node);
    return fail ? Status(*fail) : ok_status();
  }
  Result<std::vector<HistoryEntry>> history(const std::string& node) override {
    calls.push_back("history " + node);
    if (fail) return *fail;
    return entries;
  }
  Status clear_history(const std::string& node) override {
    calls.push_back("cleanup " + node);
    return fail ? Status(*fail) : ok_status();
  }
};

}  // namespace

TEST_CASE("fence history: stonith_admin --history --verbose lines, latest first") {
  Utc utc;
  CHECK(fence_time_text(1'700'000'000) == "2023-11-14 22:13:20Z");
  const auto sorted = sort_fence_history({
      op("node1:1", "node2", "reboot", OpState::kFailed, 1'700'000'000, "node1", "no device"),
      op("node1:2", "node2", "reboot", OpState::kDone, 1'700'000'100, "node3"),
      op("node1:3", "node3", "off", OpState::kPending, 0),
      op("node1:4", "node3", "on", OpState::kDone, 1'700'000'050),
  });
  REQUIRE(sorted.size() == 4);
  CHECK(sorted[0].id == "node1:3");  // pending first
  CHECK(sorted[1].id == "node1:2");  // then the latest completion
  CHECK(fence_history_text(sorted) ==
        "turning off of node3 pending: client=stonith_admin.4242, origin=node1\n"
        "reboot of node2 successful: delegate=node3, client=stonith_admin.4242, origin=node1, "
        "completed='2023-11-14 22:15:00Z'\n"
        "unfencing of node3 successful: delegate=node1, client=stonith_admin.4242, "
        "origin=node1, completed='2023-11-14 22:14:10Z'\n"
        "reboot of node2 failed (no device): delegate=node1, client=stonith_admin.4242, "
        "origin=node1, completed='2023-11-14 22:13:20Z' (a later attempt from node3 "
        "succeeded)\n"
        "4 events found\n");
  CHECK(fence_history_text({}) == "0 events found\n");
  CHECK(fence_history_text({sorted[1]}).find("\n1 event found\n") != std::string::npos);
}

TEST_CASE("fence history: crm_mon's sections at the default level and with --full") {
  Utc utc;
  const auto sorted = sort_fence_history({
      op("node1:1", "node2", "reboot", OpState::kFailed, 1'700'000'000, "node1", "timed out"),
      op("node1:2", "node2", "reboot", OpState::kFailed, 1'700'000'010, "node1", "timed out"),
      op("node1:3", "node2", "reboot", OpState::kDone, 1'700'000'020, "node3"),
      op("node1:4", "node3", "reboot", OpState::kPending, 0),
  });
  // Default (fence-history=1): each failure once, its latest; pending ones.
  CHECK(fencing_status_text(sorted, false) ==
        "\nFailed Fencing Actions:\n"
        "  * reboot of node2 by node1 for stonith_admin.4242@node1 last failed (timed out) at "
        "2023-11-14 22:13:30Z (a later attempt from node3 succeeded)\n"
        "\nPending Fencing Actions:\n"
        "  * reboot of node3 for stonith_admin.4242@node1 last pending\n");
  // --full (fence-history=3): every failure, then the rest as the history.
  CHECK(fencing_status_text(sorted, true) ==
        "\nFailed Fencing Actions:\n"
        "  * reboot of node2 by node1 for stonith_admin.4242@node1 failed (timed out) at "
        "2023-11-14 22:13:30Z (a later attempt from node3 succeeded)\n"
        "  * reboot of node2 by node1 for stonith_admin.4242@node1 failed (timed out) at "
        "2023-11-14 22:13:20Z (a later attempt from node3 succeeded)\n"
        "\nFencing History:\n"
        "  * reboot of node3 for stonith_admin.4242@node1 pending\n"
        "  * reboot of node2 by node3 for stonith_admin.4242@node1 successful at "
        "2023-11-14 22:13:40Z\n");
  // Successful operations alone: nothing at the default level.
  CHECK(fencing_status_text({sorted[1]}, false).empty());
  CHECK(fencing_status_text({}, true).empty());
}

TEST_CASE("stonith fence, confirm and history: pcs's messages, errors with the reason") {
  Utc utc;
  ScriptedFencer fencer;
  Context ctx;
  ctx.fencer = &fencer;
  ctx.cluster_nodes = {"node1", "node2"};
  REQUIRE(run_command(ctx, {"stonith", "fence", "node2"}));
  CHECK(fencer.calls.back() == "reboot node2");
  CHECK(ctx.notes == std::vector<std::string>{"Node: node2 fenced"});
  ctx.flags.off = true;
  REQUIRE(run_command(ctx, {"stonith", "fence", "node2"}));
  CHECK(fencer.calls.back() == "off node2");
  ctx.flags = {};

  // Unknown nodes are refused before the fencer is asked.
  const std::size_t asked = fencer.calls.size();
  auto unknown = run_command(ctx, {"stonith", "fence", "node9"});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message().rfind("unable to fence 'node9'\nnode 'node9' is not a node of "
                                        "this cluster",
                                        0) == 0);
  CHECK(fencer.calls.size() == asked);

  // The fencer's refusal comes back with its reason.
  fencer.fail = Error(ErrorCode::kFailed, "no device can fence node2");
  auto failed = run_command(ctx, {"stonith", "fence", "node2"});
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message() ==
        "unable to fence 'node2'\nCouldn't fence node2: no device can fence node2");
  fencer.fail.reset();

  // confirm: only with --force (vigil never prompts).
  ctx = Context{};
  ctx.fencer = &fencer;
  auto unforced = run_command(ctx, {"stonith", "confirm", "node2"});
  REQUIRE_FALSE(unforced);
  CHECK(unforced.error().message() ==
        "If node 'node2' is not powered off or it does have access to shared resources, data "
        "corruption and/or cluster failure may occur, use --force to override");
  CHECK(fencer.calls.back() != "confirm node2");
  ctx.flags.force = true;
  REQUIRE(run_command(ctx, {"stonith", "confirm", "node2"}));
  CHECK(fencer.calls.back() == "confirm node2");
  CHECK(ctx.out == "Node: node2 confirmed fenced\n");
  REQUIRE(ctx.notes.size() == 1);
  CHECK(ctx.notes[0].rfind("Warning: If node 'node2' is not powered off", 0) == 0);

  ctx = Context{};
  ctx.fencer = &fencer;
  fencer.entries = {op("node1:1", "node2", "reboot", OpState::kDone, 1'700'000'000)};
  REQUIRE(run_command(ctx, {"stonith", "history", "show", "node2"}));
  CHECK(fencer.calls.back() == "history node2");
  CHECK(ctx.out ==
        "reboot of node2 successful: delegate=node1, client=stonith_admin.4242, origin=node1, "
        "completed='2023-11-14 22:13:20Z'\n1 event found\n");
  REQUIRE(run_command(ctx, {"stonith", "history", "cleanup"}));
  CHECK(fencer.calls.back() == "cleanup ");
  CHECK(ctx.notes.back() == "cleaning up fencing-history for node *");
  fencer.fail = Error(ErrorCode::kIo, "vigil-stonithd: connection refused");
  auto unreachable = run_command(ctx, {"stonith", "history"});
  REQUIRE_FALSE(unreachable);
  CHECK(unreachable.error().message() ==
        "Unable to show fence history: vigil-stonithd: connection refused");
  CHECK_FALSE(run_command(ctx, {"stonith", "history", "update"}));
}

TEST_CASE("status: pcs's warnings, and crm_mon's fencing sections when the fencer answers") {
  Utc utc;
  auto doc = xml::parse_string(R"(<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0"
    admin_epoch="0" have-quorum="1" dc-uuid="1"><configuration><crm_config/><nodes>
    <node id="1" uname="node1"/><node id="2" uname="node2"/></nodes><resources/><constraints>
    <rsc_location id="cli-prefer-Web" rsc="Web" node="node1" score="INFINITY"/></constraints>
    </configuration><status/></cib>)");
  REQUIRE(doc);
  CHECK(status_warnings(doc->get()) ==
        std::vector<std::string>{
            "No stonith devices and stonith-enabled is not false",
            "Following resources have been moved and their move constraints are still in "
            "place: 'Web'",
            "Run 'vigil constraint location' or 'vigil resource clear <resource id>' to view or "
            "remove the constraints, respectively"});
  ScriptedFencer fencer;
  fencer.entries = {
      op("node1:1", "node2", "reboot", OpState::kFailed, 1'700'000'000, "node1", "no device")};
  Context ctx;
  ctx.doc = doc->get();
  ctx.live = true;
  ctx.cluster_name = "mycluster";
  ctx.fencer = &fencer;
  ctx.now = 1'700'000'100;
  REQUIRE(run_command(ctx, {"status"}));
  CHECK(ctx.out.rfind("Cluster name: mycluster\n\nWARNINGS:\nNo stonith devices and "
                      "stonith-enabled is not false\n",
                      0) == 0);
  CHECK(ctx.out.find("\n\nCluster Summary:\n") != std::string::npos);
  const std::string failed =
      "\nFailed Fencing Actions:\n  * reboot of node2 by node1 for stonith_admin.4242@node1 "
      "last failed (no device) at 2023-11-14 22:13:20Z\n";
  CHECK(ctx.out.size() > failed.size());
  CHECK(ctx.out.substr(ctx.out.size() - failed.size()) == failed);
  // Without the fencer the sections are left out, as crm_mon does.
  Context quiet = ctx;
  quiet.out.clear();
  fencer.fail = Error(ErrorCode::kIo, "vigil-stonithd: connection refused");
  REQUIRE(run_command(quiet, {"status"}));
  CHECK(quiet.out.find("Fencing") == std::string::npos);
  // Stonith disabled, a device, no cli- constraint: no warnings.
  auto calm = xml::parse_string(R"(<cib><configuration><crm_config><cluster_property_set
    id="o"><nvpair id="o-s" name="stonith-enabled" value="False"/></cluster_property_set>
    </crm_config><resources><group id="g"><primitive id="f" class="stonith" type="fence_x"/>
    </group></resources></configuration></cib>)");
  REQUIRE(calm);
  CHECK(status_warnings(calm->get()).empty());
}

TEST_CASE("daemon_fencer: pcs's stonith_admin calls to vigil-stonithd, blocking") {
  Utc utc;
  boost::asio::io_context io;
  const std::string path = "/tmp/vigil-admin-fencer-test-" + std::to_string(::getpid()) + ".sock";
  test::FakeFencerd d(io, path);
  d.history = {op("node1:1", "node2", "reboot", OpState::kDone, 1'700'000'000)};
  d.answer = [](const fencerd::Call& c) -> std::optional<Result<std::string>> {
    const auto* f = std::get_if<fencerd::FenceCall>(&c);
    if (f && f->target == "node9") return Error(ErrorCode::kNotFound, "unknown node 'node9'");
    return std::nullopt;
  };
  // The daemon stand-in serves from its own thread while the blocking client waits.
  std::thread server([&] {
    auto guard = boost::asio::make_work_guard(io);
    io.run();
  });
  auto fencer = daemon_fencer(path);
  const Status fenced = fencer->fence("node2", true);
  const Status unknown = fencer->fence("node9", false);
  const Status confirmed = fencer->confirm("node2");
  auto history = fencer->history("node2");
  const Status cleaned = fencer->clear_history("");
  io.stop();
  server.join();
  CHECK(fenced);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code() == ErrorCode::kNotFound);
  CHECK(confirmed);
  REQUIRE(history);
  REQUIRE(history->size() == 1);
  CHECK((*history)[0].id == "node1:1");
  CHECK(cleaned);
  REQUIRE(d.calls.size() == 5);
  const auto& call = std::get<fencerd::FenceCall>(d.calls[0]);
  CHECK(call.action == "off");
  CHECK(call.client == "stonith_admin." + std::to_string(::getpid()));
  CHECK(call.timeout == std::chrono::seconds(120));
  CHECK(std::get<fencerd::ConfirmCall>(d.calls[2]).target == "node2");

  // No daemon: each call fails with the reason.
  auto nobody = daemon_fencer(path + ".none");
  auto st = nobody->fence("node2", false);
  REQUIRE_FALSE(st);
  CHECK(st.error().code() == ErrorCode::kIo);
  CHECK_THAT(st.error().message(), Catch::Contains("vigil-stonithd"));
}
