// SPDX-License-Identifier: GPL-2.0-or-later
// `stonith ...` on in-memory CIBs with fence agent meta-data from a table,
// and the parameter checks alone (the words pcs 0.11.5 prints).
#include <catch2/catch.hpp>

#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/admin/stonith_params.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::admin;

namespace {

constexpr const char* kCib =
    R"(<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes><resources/><constraints/></configuration><status/></cib>)";

AgentParameter param(std::string name, bool required, std::string obsoletes = "",
                     bool deprecated = false) {
  AgentParameter p;
  p.name = std::move(name);
  p.required = required;
  p.obsoletes = std::move(obsoletes);
  p.deprecated = deprecated;
  p.shortdesc = "about " + p.name;
  return p;
}

// A fence_apc-like agent: ip replaces the deprecated ipaddr, both required;
// action and plug required by the agent but filled in by the fencer.
AgentMetadata apc() {
  AgentMetadata md;
  md.shortdesc = "APC switch";
  md.longdesc = "Long text";
  md.parameters = {
      param("action", true),       param("ip", true, "ipaddr"),   param("ipaddr", true, "", true),
      param("plug", true, "port"), param("port", true, "", true), param("help", false),
      param("delay", false)};
  md.actions = {{"off", "", "", "", ""}, {"monitor", "", "", "", ""}};
  return md;
}

class FakeFenceAgents : public MetadataSource {
 public:
  Result<AgentMetadata> metadata(const AgentName& a) const override {
    if (a.full() == "stonith:fence_apc") return apc();
    return Error(
        ErrorCode::kNotFound,
        "Agent '" + a.full() + "' is not installed or does not provide valid metadata: no");
  }
  std::vector<std::string> fence_agents() const override { return {"fence_apc", "fence_gone"}; }
};

class RecordingFencer : public Fencer {
 public:
  std::string last;
  Status fence(const std::string& node, bool off) override {
    last = (off ? "off " : "reboot ") + node;
    return ok_status();
  }
  Status confirm(const std::string& node) override {
    last = "confirm " + node;
    return ok_status();
  }
  std::vector<fencing::HistoryEntry> entries;
  Result<std::vector<fencing::HistoryEntry>> history(const std::string& node) override {
    last = "history " + node;
    return entries;
  }
  Status clear_history(const std::string& node) override {
    last = "clear " + node;
    return ok_status();
  }
};

struct Fixture {
  xml::DocPtr doc = xml::parse_string(kCib).value();
  FakeFenceAgents agents;
  Context ctx;
  Status run(std::vector<std::string> args, Flags flags = {}) {
    ctx = Context{};
    ctx.doc = doc.get();
    ctx.agents = &agents;
    ctx.flags = flags;
    return run_command(ctx, args);
  }
  std::string text() { return xml::to_string(doc.get(), false); }
};

const std::vector<std::string> kApc = {"stonith", "create", "f1", "fence_apc", "ip=10.0.0.1"};

}  // namespace

TEST_CASE("stonith parameters: the agent's, adjusted, then the fencer's") {
  const auto params = stonith_parameters(apc());
  std::vector<std::string> names;
  for (const auto& p : params) names.push_back(p.name);
  CHECK(std::find(names.begin(), names.end(), "help") == names.end());
  CHECK(std::find(names.begin(), names.end(), "pcmk_host_list") != names.end());
  CHECK(names.back() == "pcmk_status_retries");
  for (const auto& p : params) {
    if (p.name == "action" || p.name == "plug") CHECK_FALSE(p.required);
  }
}

TEST_CASE("stonith option checks as pcs words them") {
  const auto params = stonith_parameters(apc());
  auto none = check_stonith_options(params, {"ip", "delay"}, {"ip", "delay"});
  CHECK(none.errors.empty());
  CHECK(none.warnings.empty());

  auto missing = check_stonith_options(params, {}, {});
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0] ==
        "stonith option 'ip' or 'ipaddr' (deprecated) has to be specified, use --force to "
        "override");

  auto old = check_stonith_options(params, {"ipaddr"}, {"ipaddr"});
  CHECK(old.errors.empty());
  REQUIRE(old.warnings.size() == 1);
  CHECK(old.warnings[0] ==
        "stonith option 'ipaddr' is deprecated and should not be used, use 'ip' instead");

  auto bad = check_stonith_options(params, {"zz", "bogus", "action"}, {"ip"});
  REQUIRE(bad.errors.size() == 2);
  CHECK(bad.errors[0].rfind("invalid stonith options: 'bogus', 'zz', allowed options are: "
                            "'action', 'delay', 'ip', ",
                            0) == 0);
  CHECK(bad.errors[1].find("stonith option 'action' is deprecated") == 0);
}

TEST_CASE("stonith create writes a monitor-only stonith primitive, refusals write nothing") {
  Fixture f;
  const std::string before = f.text();
  CHECK_FALSE(f.run({"stonith", "create", "f1", "fence_nope"}));
  CHECK_FALSE(f.run({"stonith", "create", "f1", "fence_apc"}));
  CHECK_FALSE(f.run({"stonith", "create", "f1", "fence_apc", "ip=1", "bogus=2"}));
  CHECK_FALSE(f.run({"stonith", "create", "f1", "stonith:fence_apc", "ip=1"}));
  CHECK_FALSE(f.ctx.changed);
  CHECK(f.text() == before);

  REQUIRE(f.run({"stonith", "create", "f1", "fence_apc", "ip=10.0.0.1", "pcmk_host_list=node1"}));
  CHECK(xml::to_string(find_by_id(f.doc.get(), "f1"), false) ==
        "<primitive id=\"f1\" class=\"stonith\" type=\"fence_apc\">"
        "<instance_attributes id=\"f1-instance_attributes\">"
        "<nvpair id=\"f1-instance_attributes-ip\" name=\"ip\" value=\"10.0.0.1\"/>"
        "<nvpair id=\"f1-instance_attributes-pcmk_host_list\" name=\"pcmk_host_list\" "
        "value=\"node1\"/></instance_attributes>"
        "<operations><op name=\"monitor\" interval=\"60s\" id=\"f1-monitor-interval-60s\"/>"
        "</operations></primitive>");

  Flags force;
  force.force = true;
  REQUIRE(f.run({"stonith", "create", "f2", "fence_apc", "bogus=1"}, force));
  REQUIRE(f.ctx.notes.size() == 2);
  CHECK(f.ctx.notes[0].rfind("Warning: invalid stonith option 'bogus'", 0) == 0);
  CHECK(f.ctx.notes[0].find("--force") == std::string::npos);
}

TEST_CASE("stonith update, disable and enable") {
  Fixture f;
  REQUIRE(f.run(kApc));
  CHECK(f.run({"stonith", "update", "nope", "a=b"}).error().message() ==
        "Unable to find resource: nope");
  CHECK(f.run({"stonith", "update", "f1", "ip="}).error().message() ==
        "stonith option 'ip' or 'ipaddr' (deprecated) has to be specified, use --force to "
        "override");
  REQUIRE(f.run({"stonith", "update", "f1", "delay=3", "op", "monitor", "interval=20s"}));
  xmlNode* f1 = find_by_id(f.doc.get(), "f1");
  CHECK(find_by_id(f.doc.get(), "f1-instance_attributes-delay") != nullptr);
  CHECK(find_by_id(f.doc.get(), "f1-monitor-interval-60s") == nullptr);
  CHECK(xml::to_string(find_by_id(f.doc.get(), "f1-monitor-interval-20s"), false) ==
        "<op id=\"f1-monitor-interval-20s\" name=\"monitor\" interval=\"20s\"/>");
  REQUIRE(f.run({"stonith", "disable", "f1"}));
  // A new meta set goes first, as pcs's library writes it.
  CHECK(xml::attr_or(xmlFirstElementChild(f1), "id") == "f1-meta_attributes");
  CHECK(find_by_id(f.doc.get(), "f1-meta_attributes-target-role") != nullptr);
  REQUIRE(f.run({"stonith", "enable", "f1"}));
  CHECK(find_by_id(f.doc.get(), "f1-meta_attributes-target-role") == nullptr);
  CHECK(f.run({"stonith", "enable", "nope"})
            .error()
            .message()
            .rfind("bundle/clone/group/resource/tag 'nope' does not exist", 0) == 0);
}

TEST_CASE("fencing levels: targets, checks, listing, clear") {
  Fixture f;
  REQUIRE(f.run(kApc));
  const std::string before = f.text();
  auto msg = f.run({"stonith", "level", "add", "0", "node3", "nope"}).error().message();
  CHECK(msg ==
        "'0' is not a valid level value, use a positive integer\n"
        "Error: Node 'node3' does not appear to exist in configuration, use --force to override\n"
        "Error: Stonith resource(s) 'nope' do not exist, use --force to override" +
            std::string(kErrorsOccurred));
  CHECK(f.run({"stonith", "level", "add", "1", "attrib%rack", "f1"}).error().message() ==
        "missing value of 'rack' option");
  CHECK(f.text() == before);

  REQUIRE(f.run({"stonith", "level", "add", "2", "node1", "f1"}));
  REQUIRE(f.run({"stonith", "level", "add", "1", "node1", "f1"}));
  REQUIRE(f.run({"stonith", "level", "add", "1", "regexp%node[12]", "f1"}));
  REQUIRE(f.run({"stonith", "level", "add", "1", "attrib%rack=1", "f1"}));
  CHECK(xml::to_string(find_by_id(f.doc.get(), "fl-node12-1"), false) ==
        "<fencing-level index=\"1\" devices=\"f1\" target-pattern=\"node[12]\" "
        "id=\"fl-node12-1\"/>");
  CHECK(xml::attr_or(find_by_id(f.doc.get(), "fl-rack-1"), "target-value") == "1");
  REQUIRE(f.run({"stonith", "level", "config"}));
  CHECK(f.ctx.out ==
        "Target: node1\n  Level 1 - f1\n  Level 2 - f1\n"
        "Target (regexp): node[12]\n  Level 1 - f1\n"
        "Target: rack=1\n  Level 1 - f1\n");
  CHECK(f.run({"stonith", "level", "verify"}));
  CHECK_FALSE(f.run({"stonith", "level", "remove", "9"}));
  REQUIRE(f.run({"stonith", "level", "remove", "1", "target", "node1"}));
  CHECK(find_by_id(f.doc.get(), "fl-node1-1") == nullptr);
  CHECK(find_by_id(f.doc.get(), "fl-node1-2") != nullptr);
  // Deleting the device takes it out of every level.
  REQUIRE(f.run({"stonith", "delete", "f1"}));
  CHECK(config_section(f.doc.get(), "fencing-topology") == nullptr);
}

TEST_CASE("stonith fence, confirm and history need the fencing daemon") {
  Fixture f;
  f.doc.reset();
  Flags force;
  force.force = true;
  for (auto args : std::vector<std::vector<std::string>>{{"stonith", "fence", "node1"},
                                                         {"stonith", "confirm", "node1"},
                                                         {"stonith", "history"},
                                                         {"stonith", "history", "cleanup", "n"}}) {
    auto st = f.run(args, args[1] == "confirm" ? force : Flags{});
    REQUIRE_FALSE(st);
    CHECK(st.error().code() == ErrorCode::kUnsupported);
    CHECK(st.error().message().find("needs the fencing daemon (vigil-stonithd)") !=
          std::string::npos);
  }
  // Through the interface once a daemon is plugged in.
  RecordingFencer fencer;
  Flags off;
  off.off = true;
  f.ctx = Context{};
  f.ctx.agents = &f.agents;
  f.ctx.fencer = &fencer;
  f.ctx.flags = off;
  REQUIRE(run_command(f.ctx, {"stonith", "fence", "node2"}));
  CHECK(fencer.last == "off node2");
  f.ctx.flags = {};
  REQUIRE(run_command(f.ctx, {"stonith", "history", "show", "node1"}));
  CHECK(fencer.last == "history node1");
  CHECK(f.ctx.out == "0 events found\n");
  CHECK(needs_no_cib({"stonith", "list"}));
  CHECK_FALSE(needs_no_cib({"stonith", "create", "x", "fence_apc"}));
}

TEST_CASE("stonith list and describe") {
  Fixture f;
  REQUIRE(f.run({"stonith", "list", "APC"}));
  CHECK(f.ctx.out == "fence_apc - APC switch\n");
  REQUIRE(f.run({"stonith", "list"}));
  CHECK(f.ctx.out == "fence_apc - APC switch\n");
  REQUIRE(f.ctx.notes.size() == 1);  // fence_gone: no meta-data, a warning
  REQUIRE(f.run({"stonith", "describe", "fence_apc"}));
  CHECK(f.ctx.out.rfind("fence_apc - APC switch\n\nLong text\n\nStonith options:\n"
                        "  ip (required): about ip\n  plug: about plug\n  delay: about delay\n",
                        0) == 0);
  CHECK(f.ctx.out.find("ipaddr") == std::string::npos);
  CHECK(f.ctx.out.find("Default operations:\n  monitor:\n    interval=60s\n") != std::string::npos);
  Flags full;
  full.full = true;
  REQUIRE(f.run({"stonith", "describe", "fence_apc"}, full));
  CHECK(f.ctx.out.find("  ipaddr (deprecated by ip) (required): about ipaddr\n") !=
        std::string::npos);
  CHECK(f.ctx.out.find("pcmk_off_timeout") != std::string::npos);
  CHECK_FALSE(f.run({"stonith", "describe", "fence_nope"}));
  // pcs still takes fence agents in `resource describe`, with a warning.
  CHECK(needs_no_cib({"resource", "describe", "stonith:fence_apc"}));
  REQUIRE(f.run({"stonith", "describe", "fence_apc"}, full));
  const std::string want = f.ctx.out;
  REQUIRE(f.run({"resource", "describe", "stonith:fence_apc"}, full));
  CHECK(f.ctx.out == want);
  REQUIRE(f.ctx.notes.size() == 1);
  CHECK(f.ctx.notes[0].rfind("Deprecation Warning: Ability of this command to accept stonith", 0) ==
        0);
}
