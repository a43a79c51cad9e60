// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/fencing/device.hpp"

#include <catch2/catch.hpp>

#include "vigil/fencing/agent_protocol.hpp"
#include "vigil/fencing/topology.hpp"

using namespace vigil;
using namespace vigil::fencing;
using namespace std::chrono_literals;

namespace {
Result<Device> dev(std::map<std::string, std::string> p, std::set<std::string> params = {"port"},
                   std::set<std::string> actions = {"list", "reboot", "off", "on"}) {
  AgentMetadata m;
  m.parameters = std::move(params);
  m.actions = std::move(actions);
  return make_device("d", "fence_x", std::move(p), {}, m);
}
}  // namespace

TEST_CASE("device: host list delimiters and host map separators") {
  CHECK(parse_host_list(" a,b;c\td\ne ,, ") == std::vector<std::string>{"a", "b", "c", "d", "e"});
  auto m = parse_host_map("n1:1;n2=2 n3:p3");
  REQUIRE(m.ok());
  CHECK(*m == std::map<std::string, std::string>{{"n1", "1"}, {"n2", "2"}, {"n3", "p3"}});
  CHECK_FALSE(parse_host_map("n1").ok());
  CHECK_FALSE(parse_host_map(":p").ok());
}

TEST_CASE("device: defaults follow the parameters and the meta-data") {
  CHECK(dev({})->host_check == HostCheck::kDynamicList);
  CHECK(dev({{"pcmk_host_list", "n1"}})->host_check == HostCheck::kStaticList);
  CHECK(dev({}, {"port"}, {"status"})->host_check == HostCheck::kStatus);
  CHECK(dev({}, {"port"}, {"off"})->host_check == HostCheck::kNone);
  CHECK(dev({})->host_argument == "port");
  CHECK(dev({}, {"plug"})->host_argument == "plug");
  CHECK(dev({{"pcmk_host_argument", "none"}})->host_argument == "none");
  auto d = dev({{"pcmk_delay_base", "n1:5s;n2:1"},
                {"pcmk_off_timeout", "2min"},
                {"pcmk_reboot_retries", "0"},
                {"pcmk_reboot_action", "off"},
                {"ipaddr", "10.0.0.1"}});
  REQUIRE(d.ok());
  CHECK(d->delay_base_for("n1") == 5s);
  CHECK(d->delay_base_for("n2") == 1s);
  CHECK(d->delay_base_for("n3") == 0s);
  CHECK(d->timeout_for("off", 60s) == 120s);
  CHECK(d->timeout_for("on", 60s) == 60s);
  CHECK(d->retries_for("reboot") == 0);
  CHECK(d->retries_for("off") == 2);
  CHECK(d->agent_action("reboot") == "off");
  CHECK(d->can_reboot());
  // The agent gets its own options, never Pacemaker's.
  CHECK(agent_input(*d, "off", "n1") == "action=off\nnodename=n1\nport=n1\nipaddr=10.0.0.1\n");
}

TEST_CASE("device: bad parameters are refused with the parameter named") {
  CHECK(dev({{"pcmk_host_check", "sometimes"}}).error().message().find("pcmk_host_check") !=
        std::string::npos);
  CHECK_FALSE(dev({{"pcmk_delay_max", "soon"}}).ok());
  CHECK_FALSE(dev({{"pcmk_action_limit", "0"}}).ok());
  CHECK_FALSE(dev({{"pcmk_off_retries", "-1"}}).ok());
  CHECK_FALSE(dev({{"pcmk_delay_base", "n1:"}}).ok());
  CHECK(dev({{"pcmk_host_map", "bad"}}).error().message() ==
        "device d: pcmk_host_map: 'bad' is not of the form node:port");
}

TEST_CASE("agent protocol: list output, status codes, meta-data") {
  CHECK(parse_list_output("n1\n  2,n2 extra words\n\nERROR: <x>\n") ==
        std::vector<std::string>{"n1", "2", "n2"});
  AgentResult r;
  r.exit_code = 2;
  CHECK(read_status(r) == StatusAnswer::kOff);
  r.exit_code = 1;
  CHECK(read_status(r) == StatusAnswer::kUnknownTarget);
  r.exit_code = 7;
  CHECK(read_status(r) == StatusAnswer::kFailed);
  auto m = parse_agent_metadata(
      "<resource-agent name=\"f\"><parameters><parameter name=\"plug\"/></parameters>"
      "<actions><action name=\"on\" on_target=\"1\" automatic=\"1\"/></actions></resource-agent>");
  REQUIRE(m.ok());
  CHECK(m->on_target);
  CHECK(m->automatic_unfencing);
  CHECK_FALSE(parse_agent_metadata("garbage").ok());
  CHECK_FALSE(parse_agent_metadata("<other/>").ok());
}

TEST_CASE("topology: attribute levels with different values at one index are both kept") {
  using vigil::fencing::FencingLevel;
  using vigil::fencing::Topology;
  auto rack = [](const std::string& value, const std::string& device) {
    FencingLevel l;
    l.kind = FencingLevel::Kind::kAttribute;
    l.target = "rack";
    l.value = value;
    l.index = 1;
    l.devices = {device};
    return l;
  };
  Topology t;
  REQUIRE(t.add(rack("1", "pdu1")));
  REQUIRE(t.add(rack("2", "pdu2")));
  const vigil::fencing::NodeAttributes attrs{{"node1", {{"rack", "1"}}},
                                             {"node2", {{"rack", "2"}}}};
  auto one = t.levels_for("node1", attrs);
  auto two = t.levels_for("node2", attrs);
  REQUIRE(one.size() == 1);
  REQUIRE(two.size() == 1);
  CHECK(one[0]->devices == std::vector<std::string>{"pdu1"});
  CHECK(two[0]->devices == std::vector<std::string>{"pdu2"});
  // The same value and index again replaces that level.
  REQUIRE(t.add(rack("1", "pdu9")));
  CHECK(t.levels_for("node1", attrs).at(0)->devices == std::vector<std::string>{"pdu9"});
}
