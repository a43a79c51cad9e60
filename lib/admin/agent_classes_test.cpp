// SPDX-License-Identifier: GPL-2.0-or-later
// lsb, service and systemd agents as `vigil resource` sees them, on a fake
// machine: init scripts, OCF agents, fence agents and cluster-glue plugins
// in a temporary directory, no systemd. Expected texts are pcs 0.11.5's for
// the same situations (Debian's init scripts, this container without
// systemd).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "temp_dir.hpp"
#include "vigil/admin/agent.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::admin;

namespace {

void write(const std::string& path, const std::string& text, mode_t mode) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

const char* const kWebd =
    "#!/bin/sh\n"
    "### BEGIN INIT INFO\n"
    "# Provides:          webd\n"
    "# Short-Description: Web daemon\n"
    "# Description:       Serves pages\n"
    "#  to everyone.\n"
    "### END INIT INFO\n"
    "echo \"webd $1\"\n"
    "[ \"$1\" = start ] && exit 0\n"
    "exit 3\n";

struct Machine {
  test::TempDir dir;
  OcfMetadataSource src;
  Machine() : src(dir / "ocf", std::chrono::seconds(10), dir / "sbin") {
    write(dir / "init.d/webd", kWebd, 0755);
    write(dir / "init.d/plain", kWebd, 0644);  // not executable
    write(dir / "init.d/noheader", "#!/bin/sh\nexit 0\n", 0755);
    const std::string agent = "#!/bin/sh\necho '<resource-agent name=\"x\"/>'\n";
    write(dir / "ocf/resource.d/heartbeat/webd", agent, 0755);
    write(dir / "ocf/resource.d/heartbeat/Dummy", agent, 0755);
    write(dir / "ocf/resource.d/pacemaker/Dummy", agent, 0755);
    write(dir / "sbin/fence_webd", agent, 0755);
    write(dir / "sbin/fence_pcmk", agent, 0755);  // pcs never offers it
    write(dir / "lha/stonith2/ssh.so", "", 0644);
    write(dir / "lha/stonith2/external.so", "", 0644);
    write(dir / "lha/external/ssh", agent, 0755);
    src.set_service_paths({.lsb_dir = dir / "init.d",
                           .systemd_run_dir = dir / "no-systemd",
                           .systemctl = "/bin/false",
                           .lha_stonith_dir = dir / "lha"});
  }
};

std::string not_installed(const std::string& name) {
  return "Agent '" + name +
         "' is not installed or does not provide valid metadata: crm_resource: Metadata query "
         "for " +
         name + " failed: No such device or address, Error performing operation: No such object";
}

const std::string kSummary = "\nError: Errors have occurred, therefore vigil is unable to continue";

}  // namespace

TEST_CASE("lsb and service agents: meta-data from the init script's header") {
  Machine m;
  auto md = m.src.metadata({"lsb", "", "webd"});
  REQUIRE(md);
  CHECK(md->shortdesc == "Web daemon");
  CHECK(md->longdesc == "Serves pages\n  to everyone.");
  CHECK(md->parameters.empty());
  std::vector<std::string> names;
  for (const auto& a : md->actions) names.push_back(a.name + "/" + a.interval + "/" + a.timeout);
  CHECK(names == std::vector<std::string>{"meta-data//5", "start//15", "stop//15", "status//15",
                                          "restart//15", "force-reload//15", "monitor/15/15"});
  // service: the init script when there is one.
  auto service = m.src.metadata({"service", "", "webd"});
  REQUIRE(service);
  CHECK(service->shortdesc == "Web daemon");
  // Pacemaker reads scripts that are not executable, and ones with no header.
  CHECK(m.src.metadata({"lsb", "", "plain"}));
  auto bare = m.src.metadata({"lsb", "", "noheader"});
  REQUIRE(bare);
  CHECK(bare->shortdesc == "noheader");
  CHECK(bare->longdesc == "noheader");
}

TEST_CASE("agents that cannot give meta-data: pcs's crm_resource error") {
  Machine m;
  for (const auto& [cls, type] :
       std::vector<std::pair<std::string, std::string>>{{"lsb", "nope"},
                                                        {"service", "nope"},
                                                        {"systemd", "webd"},  // no systemd running
                                                        {"systemd", "getty@tty1"},
                                                        {"nagios", "check"},
                                                        {"upstart", "x"},
                                                        {"lsb", "../webd"}}) {
    auto md = m.src.metadata({cls, "", type});
    REQUIRE_FALSE(md);
    CHECK(md.error().code() == ErrorCode::kNotFound);
    CHECK(md.error().message() == not_installed(cls + ":" + type));
  }
}

TEST_CASE("what is installed, as crm_resource lists it") {
  Machine m;
  CHECK(m.src.standards() == std::vector<std::string>{"ocf", "lsb", "service", "stonith"});
  CHECK(m.src.ocf_providers() == std::vector<std::string>{"heartbeat", "pacemaker"});
  // Executable scripts only.
  CHECK(m.src.list_agents("lsb", "") == std::vector<std::string>{"noheader", "webd"});
  CHECK(m.src.list_agents("LSB", "whatever") == std::vector<std::string>{"noheader", "webd"});
  CHECK(m.src.list_agents("systemd", "").empty());
  CHECK(m.src.list_agents("ocf", "nope").empty());
  CHECK(m.src.list_agents("ocf", "pacemaker") == std::vector<std::string>{"Dummy"});
  CHECK(m.src.list_agents("ocf", "").size() == 3);
  auto stonith = m.src.list_agents("stonith", "");
  std::sort(stonith.begin(), stonith.end());
  CHECK(stonith == std::vector<std::string>{"external/ssh", "fence_pcmk", "fence_webd", "ssh"});
}

TEST_CASE("short agent names are looked for in every standard, as pcs does") {
  Machine m;
  auto names = [&](const std::string& type) {
    std::vector<std::string> out;
    for (const auto& a : m.src.agents_of_type(type)) out.push_back(a.full());
    return out;
  };
  // Any case; the name the agent has is kept.
  CHECK(names("WEBD") ==
        std::vector<std::string>{"lsb:webd", "ocf:heartbeat:webd", "service:webd"});
  CHECK(names("webd") ==
        std::vector<std::string>{"lsb:webd", "ocf:heartbeat:webd", "service:webd"});
  CHECK(names("ssh") == std::vector<std::string>{"stonith:ssh"});
  CHECK(names("fence_pcmk").empty());
  CHECK(names("plain").empty());
}

TEST_CASE("agent names: pcs's classes and the systemd instance form") {
  auto unit = parse_agent_name("systemd:lvm2-pvscan@252:2");
  REQUIRE(unit);
  CHECK(unit->type == "lvm2-pvscan@252:2");
  CHECK(unit->provider.empty());
  for (const char* bad : {"foo:bar", "lsb:ocf:x", "ocf:x", "LSB:apache2", "lsb:", "systemd:@x:2"}) {
    auto name = parse_agent_name(bad);
    REQUIRE_FALSE(name);
    CHECK(name.error().message().rfind("Invalid resource agent name '" + std::string(bad) + "'",
                                       0) == 0);
  }
  CHECK(parse_agent_name("nagios:check"));
}

namespace {

struct Cli {
  Machine m;
  xml::DocPtr doc = xml::parse_string(
                        "<cib><configuration><crm_config/><nodes/><resources/><constraints/>"
                        "</configuration><status/></cib>")
                        .value();
  std::vector<std::string> notes;
  std::string out;
  Status run(std::vector<std::string> args, Flags flags = {}, bool with_cib = true) {
    Context ctx;
    ctx.doc = with_cib ? doc.get() : nullptr;
    ctx.agents = &m.src;
    ctx.flags = std::move(flags);
    Status st = run_command(ctx, args);
    notes = ctx.notes;
    out = ctx.out;
    return st;
  }
  std::string resources() {
    return xml::to_string(
        find_by_id(doc.get(), "R") ? find_by_id(doc.get(), "R") : doc.get()->children, false);
  }
};

}  // namespace

TEST_CASE("resource create of an lsb agent writes pcs's CIB") {
  Cli c;
  REQUIRE(c.run({"resource", "create", "R", "lsb:webd"}));
  CHECK(
      c.resources() ==
      "<primitive id=\"R\" class=\"lsb\" type=\"webd\"><operations>"
      "<op name=\"force-reload\" interval=\"0s\" timeout=\"15\" id=\"R-force-reload-interval-0s\"/>"
      "<op name=\"monitor\" interval=\"15\" timeout=\"15\" id=\"R-monitor-interval-15\"/>"
      "<op name=\"restart\" interval=\"0s\" timeout=\"15\" id=\"R-restart-interval-0s\"/>"
      "<op name=\"start\" interval=\"0s\" timeout=\"15\" id=\"R-start-interval-0s\"/>"
      "<op name=\"stop\" interval=\"0s\" timeout=\"15\" id=\"R-stop-interval-0s\"/>"
      "</operations></primitive>");
}

TEST_CASE("resource create refusals leave the CIB as it was") {
  Cli c;
  const std::string before = xml::to_string(c.doc.get(), false);
  auto st = c.run({"resource", "create", "X", "lsb:webd", "foo=bar"});
  REQUIRE_FALSE(st);
  CHECK(st.error().message() ==
        "invalid resource option 'foo', there are no options allowed, use --force to override" +
            kSummary);
  st = c.run({"resource", "create", "X", "webd"});
  REQUIRE_FALSE(st);
  CHECK(st.error().message() ==
        "Multiple agents match 'webd', please specify full name: 'lsb:webd', "
        "'ocf:heartbeat:webd' or 'service:webd'" +
            kSummary);
  st = c.run({"resource", "create", "X", "systemd:webd"});
  REQUIRE_FALSE(st);
  CHECK(st.error().message() ==
        not_installed("systemd:webd") + ", use --force to override" + kSummary);
  CHECK(xml::to_string(c.doc.get(), false) == before);
  // --force: a monitor only, the agent's failure a warning.
  Flags force;
  force.force = true;
  REQUIRE(c.run({"resource", "create", "R", "systemd:webd"}, force));
  CHECK(c.notes == std::vector<std::string>{"Warning: " + not_installed("systemd:webd")});
  CHECK(c.resources() ==
        "<primitive id=\"R\" class=\"systemd\" type=\"webd\"><operations>"
        "<op name=\"monitor\" interval=\"60s\" id=\"R-monitor-interval-60s\"/>"
        "</operations></primitive>");
}

TEST_CASE("resource agents, standards, providers and describe") {
  Cli c;
  REQUIRE(c.run({"resource", "standards"}, {}, false));
  CHECK(c.out == "lsb\nocf\nservice\n");
  REQUIRE(c.run({"resource", "providers"}, {}, false));
  CHECK(c.out == "heartbeat\npacemaker\n");
  REQUIRE(c.run({"resource", "agents", "service"}, {}, false));
  CHECK(c.out == "noheader\nwebd\n");
  REQUIRE(c.run({"resource", "agents", "ocf:"}, {}, false));
  CHECK(c.out == "Dummy\nwebd\n");
  REQUIRE(c.run({"resource", "agents"}, {}, false));
  CHECK(c.out == "Dummy\nDummy\nnoheader\nnoheader\nwebd\nwebd\nwebd\n");
  auto st = c.run({"resource", "agents", "systemd"}, {}, false);
  REQUIRE_FALSE(st);
  CHECK(st.error().message() == "No agents found for systemd");
  st = c.run({"resource", "agents", "stonith"}, {}, false);
  REQUIRE_FALSE(st);
  CHECK(st.error().message() == "No agents found for stonith");

  REQUIRE(c.run({"resource", "describe", "service:webd"}, {}, false));
  CHECK(c.out ==
        "service:webd - Web daemon\n\nServes pages   to everyone.\n\nDefault operations:\n"
        "  start:\n    interval=0s\n    timeout=15\n"
        "  stop:\n    interval=0s\n    timeout=15\n"
        "  restart:\n    interval=0s\n    timeout=15\n"
        "  force-reload:\n    interval=0s\n    timeout=15\n"
        "  monitor:\n    interval=15\n    timeout=15\n");
  st = c.run({"resource", "describe", "webd"}, {}, false);
  REQUIRE_FALSE(st);
  CHECK(st.error().message() ==
        "Multiple agents match 'webd', please specify full name: 'lsb:webd', "
        "'ocf:heartbeat:webd' or 'service:webd'");
  st = c.run({"resource", "describe", "lsb:nope"}, {}, false);
  REQUIRE_FALSE(st);
  CHECK(st.error().message() == not_installed("lsb:nope") + kSummary);
  st = c.run({"resource", "describe", "nothing"}, {}, false);
  REQUIRE_FALSE(st);
  CHECK(st.error().message() == "Unable to find agent 'nothing', try specifying its full name");
}

TEST_CASE("debug-start runs an lsb resource's init script here") {
  Cli c;
  REQUIRE(c.run({"resource", "create", "R", "lsb:webd"}));
  auto run = c.m.src.run_action({"lsb", "", "webd"}, "R", "start", {});
  REQUIRE(run);
  CHECK(run->rc == 0);
  CHECK(run->out == "webd start\n");
  // monitor is the script's status (3: not running).
  run = c.m.src.run_action({"service", "", "webd"}, "R", "monitor", {});
  REQUIRE(run);
  CHECK(run->rc == 7);
  CHECK(run->out == "webd status\n");
  // crm_resource runs no systemd agent by hand.
  auto refused = c.m.src.run_action({"systemd", "", "webd"}, "R", "start", {});
  REQUIRE(refused);
  CHECK_FALSE(refused->done);
  CHECK(refused->rc == 3);
  CHECK(refused->exit_reason == "Manual execution of the systemd standard is unsupported");
  refused = c.m.src.run_action({"service", "", "nope"}, "R", "start", {});
  REQUIRE(refused);
  CHECK(refused->exit_reason == "Manual execution of the unspecified standard is unsupported");
  // A missing init script is the executor's "not installed".
  auto missing = c.m.src.run_action({"lsb", "", "nope"}, "R", "start", {});
  REQUIRE(missing);
  CHECK(missing->rc == 5);
}
