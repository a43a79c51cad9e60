// SPDX-License-Identifier: GPL-2.0-or-later
// Three fencer services in one process over lib/cluster's SimNetwork, each
// with a scripted agent runner, on one manual clock: requests go in as
// protocol payloads and come out as protocol answers and events.
#include "vigil/fencerd/service.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <optional>

#include "vigil/cluster/chunked_messaging.hpp"
#include "vigil/cluster/sim_cpg.hpp"
#include "vigil/cluster/sim_network.hpp"
#include "vigil/cluster/sim_node.hpp"
#include "vigil/fencing/messages.hpp"

using namespace vigil;
using namespace vigil::fencerd;
using namespace std::chrono_literals;

namespace {

constexpr const char* kMetadata = R"(<resource-agent name="fence_test">
  <parameters><parameter name="port"/></parameters>
  <actions><action name="on"/><action name="off"/><action name="reboot"/>
    <action name="list"/><action name="status"/><action name="monitor"/>
    <action name="metadata"/></actions></resource-agent>)";

// What an agent run does: its result after `takes`; `hang` runs into the
// call's timeout as the real runner reports it.
struct Scripted {
  int exit_code = 0;
  std::string out;
  bool hang = false;
  bool missing = false;  // no such agent
  Duration takes{1'000};
};
using Script = std::function<Scripted(const std::string& node, const fencing::AgentCall& call)>;

class ScriptedRunner final : public fencing::AgentRunner {
 public:
  ScriptedRunner(Clock& clock, std::string node, const Script& script)
      : clock_(clock), node_(std::move(node)), script_(script) {}
  void run(const fencing::AgentCall& call, fencing::AgentDone done) override {
    calls.push_back(call);
    Scripted s = call.action == "metadata" ? Scripted{0, kMetadata, false, false, 10ms}
                                           : script_(node_, call);
    if (call.action == "metadata" && script_) {
      const Scripted custom = script_(node_, call);
      if (custom.missing) s = custom;
    }
    fencing::AgentResult r;
    if (s.missing) {
      r.status = fencing::AgentResult::Status::kNotFound;
      r.reason = "no such agent " + call.agent;
    } else if (s.hang || s.takes >= call.timeout) {
      s.takes = call.timeout;
      r.status = fencing::AgentResult::Status::kTimeout;
      r.reason = "timed out after " + std::to_string(call.timeout.count()) + "ms";
    } else {
      r.exit_code = s.exit_code;
      r.out = s.out;
      if (s.exit_code != 0) r.reason = "exit code " + std::to_string(s.exit_code);
    }
    timers_.push_back(clock_.start_timer(s.takes, [done, r] { done(r); }));
  }
  std::vector<fencing::AgentCall> calls;

 private:
  Clock& clock_;
  std::string node_;
  const Script& script_;
  std::vector<std::unique_ptr<Timer>> timers_;
};

std::string cib(const std::string& devices, const std::string& constraints = {}) {
  return R"(<cib><configuration><crm_config><cluster_property_set id="o">
      <nvpair id="t" name="stonith-timeout" value="20s"/></cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/><node id="3" uname="node3"/>
    </nodes><resources>)" +
         devices + "</resources><constraints>" + constraints +
         "</constraints></configuration><status/></cib>";
}

std::string device(const std::string& id, const std::string& hosts,
                   const std::string& agent = "fence_test") {
  return "<primitive id=\"" + id + "\" class=\"stonith\" type=\"" + agent +
         "\"><instance_attributes id=\"" + id + "-i\"><nvpair id=\"" + id +
         "-h\" name=\"pcmk_host_list\" value=\"" + hosts + "\"/></instance_attributes></primitive>";
}

struct Node {
  std::unique_ptr<cluster::SimCpg> cpg;
  // Over cpg, as vigil-stonithd's group (corosync_group.hpp); null when a
  // test goes without it.
  std::unique_ptr<cluster::ChunkedMessaging> chunks;
  std::unique_ptr<ScriptedRunner> runner;
  std::unique_ptr<Service> service;
  std::vector<std::string> logs;
  std::vector<fencing::HistoryEntry> events;
};

// Corosync's limit on one message and whether the fencers send through the
// chunking layer (vigil-stonithd does).
struct Wire {
  std::size_t max_message = cluster::SimOptions{}.max_message_size;
  bool chunked = true;
};

struct Cluster {
  static cluster::SimOptions options(const Wire& w) {
    cluster::SimOptions o;
    o.trace = false;
    o.max_message_size = w.max_message;
    return o;
  }
  Wire wire;
  cluster::SimNetwork net;
  ManualClock clock;
  Script script;
  std::map<std::string, Node> nodes;
  std::uint64_t next_connection = 1;

  explicit Cluster(Script s, int n = 3, Wire w = {})
      : wire(w), net(options(w)), script(std::move(s)) {
    for (cluster::NodeId id = 1; id <= static_cast<cluster::NodeId>(n); ++id) {
      net.add_node(id, "node" + std::to_string(id));
    }
    net.start_all();
    for (cluster::NodeId id = 1; id <= static_cast<cluster::NodeId>(n); ++id) boot(id);
    settle();
  }

  void boot(cluster::NodeId id) {
    const std::string name = "node" + std::to_string(id);
    Node& node = nodes[name];
    auto cpg = net.node(id).connect_cpg();
    REQUIRE(cpg);
    node.cpg = std::move(cpg).value();
    node.runner = std::make_unique<ScriptedRunner>(clock, name, script);
    ServiceOptions o;
    o.seed = id;
    o.log = [&node](LogLevel, std::string_view line) { node.logs.emplace_back(line); };
    cluster::Messaging* group = node.cpg.get();
    if (wire.chunked) {
      cluster::ChunkLimits limits;
      limits.compress_threshold = std::min(limits.compress_threshold, wire.max_message / 2);
      limits.chunk_payload = std::min(limits.chunk_payload, wire.max_message - 64);
      node.chunks = std::make_unique<cluster::ChunkedMessaging>(*node.cpg, limits, o.log);
      group = node.chunks.get();
    }
    node.service = std::make_unique<Service>(clock, *node.runner, *group, net.node_list(), o);
    // Connection 1 of every node is a subscriber.
    node.service->set_event_sink([&node](std::uint64_t c, std::string_view payload) {
      if (c != 1) return false;
      auto e = decode_event(payload);
      REQUIRE(e);
      node.events.push_back(*e);
      return true;
    });
    REQUIRE(node.service->start());
    std::optional<Result<std::string>> subscribed;
    node.service->handle(1, encode_call(SubscribeCall{}), [&](auto r) { subscribed = r; });
    REQUIRE(subscribed);
    REQUIRE(*subscribed);
  }

  // Delivers CPG messages and fires due timers until nothing moves.
  void settle() {
    for (int i = 0; i < 1000; ++i) {
      const std::size_t delivered = net.run_until_idle(100'000);
      clock.run_due();
      if (delivered == 0 && net.idle()) return;
    }
    FAIL("the cluster does not settle");
  }
  void advance(Duration d) {
    for (Duration done{0}; done < d; done += 100ms) {
      clock.advance(100ms);
      settle();
    }
  }
  void configure_all(const std::string& text) {
    for (auto& [name, node] : nodes) REQUIRE(node.service->set_cib(text));
    advance(1s);
    for (auto& [name, node] : nodes) REQUIRE(node.service->configured());
  }
  Service& service(const std::string& node) { return *nodes.at(node).service; }
  // The fencer of node `id` stops and starts again (the others keep
  // running); it is a member again.
  Service& restart(cluster::NodeId id) {
    const std::string name = "node" + std::to_string(id);
    nodes.erase(name);
    settle();
    boot(id);
    settle();
    Service& back = service(name);
    CHECK(back.members() == std::vector<std::string>{"node1", "node2", "node3"});
    return back;
  }

  // One call to `node`, its answer kept in `out` when it comes.
  void call(const std::string& node, const Call& c, std::optional<Result<std::string>>& out) {
    service(node).handle(++next_connection, encode_call(c),
                         [&out](Result<std::string> r) { out = std::move(r); });
  }
  bool logged(const std::string& node, const std::string& text) const {
    for (const auto& l : nodes.at(node).logs) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  }
};

Script all_ok() {
  return [](const std::string&, const fencing::AgentCall&) { return Scripted{}; };
}

}  // namespace

TEST_CASE("service: a fence request goes from a client to the reply and an event on every node") {
  Cluster c(all_ok());
  c.configure_all(cib(device("ipmi3", "node3")));
  for (auto& [name, node] : c.nodes) {
    INFO(name);
    CHECK(node.service->members() == std::vector<std::string>{"node1", "node2", "node3"});
    CHECK(node.service->devices() == std::vector<DeviceInfo>{{"ipmi3", "fence_test"}});
  }
  std::optional<Result<std::string>> answer;
  c.call("node1", FenceCall{"node3", "off", 0ms, 0ms, "vigil-crmd.7"}, answer);
  c.advance(5s);
  REQUIRE(answer);
  REQUIRE(*answer);
  auto reply = decode_fence_reply(**answer);
  REQUIRE(reply);
  // Not the target itself while another node can run the device.
  CHECK(reply->delegate != "node3");
  std::size_t off_runs = 0;
  for (auto& [name, node] : c.nodes) {
    INFO(name);
    for (const auto& call : node.runner->calls) off_runs += call.action == "off";
    REQUIRE(node.events.size() == 1);
    CHECK(node.events[0].id == reply->id);
    CHECK(node.events[0].target == "node3");
    CHECK(node.events[0].state == fencing::OpState::kDone);
    CHECK(node.events[0].client == "vigil-crmd.7");
    auto h = node.service->fencer().history().entries();
    REQUIRE(h.size() == 1);
    CHECK(h[0].delegate == reply->delegate);
  }
  CHECK(off_runs == 1);

  // The history as a client reads it, on another node.
  std::optional<Result<std::string>> history;
  c.call("node2", HistoryCall{"node3"}, history);
  REQUIRE(history);
  auto entries = decode_history(**history);
  REQUIRE(entries);
  REQUIRE(entries->size() == 1);
  CHECK((*entries)[0].id == reply->id);
}

TEST_CASE("service: an unknown node or device is refused; a malformed request too") {
  Cluster c(all_ok());
  c.configure_all(cib(device("ipmi3", "node3")));
  std::optional<Result<std::string>> unknown, monitor, garbage, query;
  c.call("node2", FenceCall{"node9"}, unknown);
  c.call("node2", MonitorCall{"nope"}, monitor);
  c.service("node2").handle(99, "<fence target=", [&](auto r) { garbage = r; });
  c.settle();
  REQUIRE(unknown);
  REQUIRE_FALSE(*unknown);
  CHECK(unknown->error().code() == ErrorCode::kNotFound);
  CHECK(unknown->error().message() == "unknown node 'node9'");
  REQUIRE(monitor);
  CHECK(monitor->error().code() == ErrorCode::kNotFound);
  REQUIRE(garbage);
  CHECK(garbage->error().code() == ErrorCode::kInvalidInput);
  CHECK(c.logged("node2", "event=bad-request connection=99"));
  for (auto& [name, node] : c.nodes) CHECK(node.events.empty());

  // Still serving: which devices can fence node3, asked of node2.
  c.call("node2", QueryCall{"node3", "reboot"}, query);
  c.advance(2s);
  REQUIRE(query);
  REQUIRE(*query);
  CHECK(*decode_device_ids(**query) == std::vector<std::string>{"ipmi3"});
}

TEST_CASE("service: an agent that hangs fails the request at its timeout; serving goes on") {
  Cluster c([](const std::string&, const fencing::AgentCall& call) {
    Scripted s;
    s.hang = call.device == "hangs";
    return s;
  });
  c.configure_all(cib(device("hangs", "node3") + device("ok2", "node2")));
  std::optional<Result<std::string>> hung, other;
  c.call("node1", FenceCall{"node3", "off", 10s, 0ms, "crmd"}, hung);
  c.advance(5s);
  CHECK_FALSE(hung);
  // While it hangs, another request is served.
  c.call("node1", FenceCall{"node2", "off", 0ms, 0ms, "crmd"}, other);
  c.advance(3s);
  REQUIRE(other);
  CHECK(*other);
  c.advance(20s);
  REQUIRE(hung);
  REQUIRE_FALSE(*hung);
  CHECK(hung->error().code() == ErrorCode::kFailed);
  CHECK_THAT(hung->error().message(), Catch::Contains("timed out"));
  for (auto& [name, node] : c.nodes) {
    INFO(name);
    REQUIRE(node.events.size() == 2);
    CHECK(node.events[1].state == fencing::OpState::kFailed);
    CHECK_THAT(node.events[1].reason, Catch::Contains("timed out"));
  }
  std::optional<Result<std::string>> devices;
  c.call("node1", DevicesCall{}, devices);
  REQUIRE(devices);
  CHECK(decode_devices(**devices)->size() == 2);
}

TEST_CASE("service: a manual confirmation and a history cleanup reach every node") {
  Cluster c(all_ok());
  c.configure_all(cib(device("ipmi3", "node3")));
  std::optional<Result<std::string>> confirmed, cleaned;
  c.call("node2", ConfirmCall{"node3", "stonith_admin.1"}, confirmed);
  c.settle();
  REQUIRE(confirmed);
  REQUIRE(*confirmed);
  CHECK(decode_ok(**confirmed));
  for (auto& [name, node] : c.nodes) {
    INFO(name);
    REQUIRE(node.events.size() == 1);
    CHECK(node.events[0].delegate == "a human");
    CHECK(node.events[0].action == "off");
    CHECK(node.service->fencer().history().size() == 1);
    CHECK(node.runner->calls.size() == 1);  // the meta-data only
  }
  c.call("node1", HistoryCleanupCall{}, cleaned);
  c.settle();
  REQUIRE(cleaned);
  CHECK(*cleaned);
  for (auto& [name, node] : c.nodes) CHECK(node.service->fencer().history().size() == 0);
}

TEST_CASE("service: the devices registered follow the CIB; a bad CIB changes nothing") {
  Cluster c([](const std::string&, const fencing::AgentCall& call) {
    Scripted s;
    s.missing = call.agent == "fence_gone";
    return s;
  });
  c.configure_all(
      cib(device("ipmi3", "node3") + device("pdu", "node1,node2", "fence_gone") +
              device("self2", "node2"),
          "<rsc_location id=\"ban\" rsc=\"self2\" node=\"node2\" score=\"-INFINITY\"/>"));
  CHECK(c.service("node1").devices() ==
        std::vector<DeviceInfo>{{"ipmi3", "fence_test"}, {"self2", "fence_test"}});
  CHECK(c.service("node2").devices() == std::vector<DeviceInfo>{{"ipmi3", "fence_test"}});
  CHECK(c.logged("node1", "event=device-not-registered device=pdu: "));
  CHECK(c.logged("node2", "event=device-not-registered device=self2: banned from node2"));
  // Each agent's meta-data is read once.
  std::size_t metadata_runs = 0;
  for (const auto& call : c.nodes.at("node1").runner->calls)
    metadata_runs += call.action == "metadata";
  CHECK(metadata_runs == 2);  // fence_test, fence_gone
  c.configure_all(cib(device("ipmi3", "node3")));
  metadata_runs = 0;
  for (const auto& call : c.nodes.at("node1").runner->calls)
    metadata_runs += call.action == "metadata";
  CHECK(metadata_runs == 2);  // fence_test cached; fence_gone no longer configured
  CHECK(c.service("node1").devices() == std::vector<DeviceInfo>{{"ipmi3", "fence_test"}});

  auto bad = c.service("node1").set_cib(
      "<cib><configuration><fencing-topology>"
      "<fencing-level id=\"l\" target=\"n\" index=\"x\"/>"
      "</fencing-topology></configuration></cib>");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message(), Catch::Contains("index 'x' is not an integer"));
  CHECK(c.logged("node1", "event=cib-refused"));
  CHECK(c.service("node1").devices() == std::vector<DeviceInfo>{{"ipmi3", "fence_test"}});
}

TEST_CASE("service: a fencer that leaves the group is no member any more") {
  Cluster c(all_ok());
  c.configure_all(cib(device("ipmi3", "node3")));
  c.nodes.erase("node2");  // the process exits
  c.settle();
  CHECK(c.service("node1").members() == std::vector<std::string>{"node1", "node3"});
  std::optional<Result<std::string>> answer;
  c.call("node1", FenceCall{"node3", "off"}, answer);
  c.advance(5s);
  REQUIRE(answer);
  REQUIRE(*answer);
  CHECK(decode_fence_reply(**answer)->delegate == "node1");
}

TEST_CASE("service: a fencer that restarts learns the history from the others") {
  Cluster c(all_ok());
  c.configure_all(cib(device("ipmi3", "node3")));
  std::optional<Result<std::string>> answer;
  c.call("node1", FenceCall{"node3", "off", 0ms, 0ms, "crmd"}, answer);
  c.advance(5s);
  REQUIRE(answer);
  REQUIRE(*answer);
  Service& back = c.restart(2);
  REQUIRE(back.fencer().history().size() == 1);
  CHECK(back.fencer().history().entries()[0].id == decode_fence_reply(**answer)->id);
}

namespace {

// Every node's CIB bans `id` from every node: no node registers it from there.
std::string banned_everywhere(const std::string& id) {
  std::string out;
  for (const char* n : {"node1", "node2", "node3"}) {
    out += "<rsc_location id=\"ban-" + std::string(n) + "\" rsc=\"" + id + "\" node=\"" + n +
           "\" score=\"-INFINITY\"/>";
  }
  return out;
}

Result<std::string> call_now(Cluster& c, const std::string& node, const Call& call,
                             Duration wait = 2s) {
  std::optional<Result<std::string>> out;
  c.call(node, call, out);
  c.advance(wait);
  REQUIRE(out);
  return *out;
}

std::size_t metadata_runs(const Cluster& c, const std::string& node, const std::string& agent) {
  std::size_t n = 0;
  for (const auto& call : c.nodes.at(node).runner->calls) {
    n += call.action == "metadata" && call.agent == agent;
  }
  return n;
}

}  // namespace

TEST_CASE("service: a device the executor registers is used whatever the CIB's placement") {
  Cluster c(all_ok());
  c.configure_all(cib(device("pdu", "node1"), banned_everywhere("pdu")));
  for (auto& [name, node] : c.nodes) CHECK(node.service->devices().empty());
  auto before = call_now(c, "node3", FenceCall{"node1", "off"}, 5s);
  REQUIRE_FALSE(before);
  CHECK_THAT(before.error().message(), Catch::Contains("banned"));

  // The executor on node2 starts it: registered there, with the start's
  // parameters, its meta-data already known.
  const RegisterCall start{"pdu", "fence_test", {{"pcmk_host_list", "node1"}}};
  auto registered = call_now(c, "node2", start);
  REQUIRE(registered);
  CHECK(decode_ok(*registered));
  CHECK(metadata_runs(c, "node2", "fence_test") == 1);
  CHECK(c.service("node2").devices() == std::vector<DeviceInfo>{{"pdu", "fence_test"}});
  CHECK(c.service("node1").devices().empty());
  CHECK(call_now(c, "node2", MonitorCall{"pdu", 10s}));
  auto fenced = call_now(c, "node3", FenceCall{"node1", "off"}, 5s);
  REQUIRE(fenced);
  CHECK(decode_fence_reply(*fenced)->delegate == "node2");

  // Its stop: gone, no longer monitored nor used.
  REQUIRE(call_now(c, "node2", UnregisterCall{"pdu"}));
  CHECK(c.service("node2").devices().empty());
  auto monitor = call_now(c, "node2", MonitorCall{"pdu"});
  REQUIRE_FALSE(monitor);
  CHECK(monitor.error().code() == ErrorCode::kNotFound);
  CHECK_THAT(monitor.error().message(), Catch::Contains("not active"));
  CHECK_FALSE(call_now(c, "node3", FenceCall{"node1", "off"}, 5s));
  // A stop of a device not registered is fine (the fencer restarted, say).
  CHECK(call_now(c, "node2", UnregisterCall{"pdu"}));
}

TEST_CASE("service: a CIB device the executor also registered survives either removal") {
  Cluster c(all_ok());
  c.configure_all(cib(device("ipmi3", "node3")));
  // Registered from the CIB only: not started here, so not monitored.
  auto not_started = call_now(c, "node1", MonitorCall{"ipmi3"});
  REQUIRE_FALSE(not_started);
  CHECK_THAT(not_started.error().message(), Catch::Contains("'ipmi3' not active"));

  REQUIRE(call_now(c, "node1", RegisterCall{"ipmi3", "fence_test", {{"pcmk_host_list", "node3"}}}));
  CHECK(c.service("node1").devices() == std::vector<DeviceInfo>{{"ipmi3", "fence_test"}});
  CHECK(call_now(c, "node1", MonitorCall{"ipmi3"}));
  // The CIB drops it: the executor's registration keeps it.
  for (auto& [name, node] : c.nodes) REQUIRE(node.service->set_cib(cib("")));
  c.advance(1s);
  CHECK(c.service("node1").devices() == std::vector<DeviceInfo>{{"ipmi3", "fence_test"}});
  CHECK(c.service("node2").devices().empty());
  // The CIB has it again; the executor's stop leaves the CIB's.
  c.configure_all(cib(device("ipmi3", "node3")));
  REQUIRE(call_now(c, "node1", UnregisterCall{"ipmi3"}));
  CHECK(c.service("node1").devices() == std::vector<DeviceInfo>{{"ipmi3", "fence_test"}});
  CHECK_FALSE(call_now(c, "node1", MonitorCall{"ipmi3"}));
  CHECK(call_now(c, "node2", FenceCall{"node3", "off"}, 5s));
}

TEST_CASE("service: of a CIB and an executor definition of one device, the newest is used") {
  Cluster c(all_ok(), 2);
  c.configure_all(cib(device("ipmi", "node3")));
  auto devices_for_node2 = [&] {
    auto r = call_now(c, "node1", QueryCall{"node2", "reboot"});
    REQUIRE(r);
    return *decode_device_ids(*r);
  };
  CHECK(devices_for_node2().empty());
  // The executor's definition, newer, fences node2.
  REQUIRE(call_now(c, "node1", RegisterCall{"ipmi", "fence_test", {{"pcmk_host_list", "node2"}}}));
  CHECK(devices_for_node2() == std::vector<std::string>{"ipmi"});
  // The same CIB read again is no newer definition.
  for (auto& [name, node] : c.nodes) REQUIRE(node.service->set_cib(cib(device("ipmi", "node3"))));
  c.advance(1s);
  CHECK(devices_for_node2() == std::vector<std::string>{"ipmi"});
  // A changed CIB definition is.
  c.configure_all(cib(device("ipmi", "node3,node1")));
  CHECK(devices_for_node2().empty());
}

TEST_CASE("service: a registration whose agent is missing or bad is refused with the reason") {
  Cluster c([](const std::string&, const fencing::AgentCall& call) {
    Scripted s;
    s.missing = call.agent == "fence_gone";
    return s;
  });
  c.configure_all(cib(device("ipmi3", "node3")));
  auto missing = call_now(c, "node1", RegisterCall{"pdu", "fence_gone"});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == ErrorCode::kNotFound);
  CHECK_THAT(missing.error().message(), Catch::Contains("no such agent fence_gone"));
  CHECK(c.logged("node1", "event=register-refused device=pdu"));
  auto bad_name = call_now(c, "node1", RegisterCall{"pdu", "../bin/sh"});
  REQUIRE_FALSE(bad_name);
  CHECK(bad_name.error().code() == ErrorCode::kInvalidInput);
  auto bad_param =
      call_now(c, "node1", RegisterCall{"pdu", "fence_test", {{"pcmk_delay_max", "soon"}}});
  REQUIRE_FALSE(bad_param);
  CHECK_THAT(bad_param.error().message(), Catch::Contains("pcmk_delay_max"));
  CHECK(c.service("node1").devices() == std::vector<DeviceInfo>{{"ipmi3", "fence_test"}});
  // Two starts at once of an agent not read yet: its meta-data is read once.
  std::optional<Result<std::string>> a, b;
  c.call("node2", RegisterCall{"x1", "fence_other", {{"pcmk_host_list", "node1"}}}, a);
  c.call("node2", RegisterCall{"x2", "fence_other", {{"pcmk_host_list", "node3"}}}, b);
  CHECK_FALSE(a);
  c.advance(1s);
  REQUIRE((a && b));
  CHECK(*a);
  CHECK(*b);
  CHECK(metadata_runs(c, "node2", "fence_other") == 1);
  CHECK(c.service("node2").devices().size() == 3);
}

// A fencing history larger than Corosync's limit on one message: a fencer
// that restarts gets it whole through the chunks (vigil-stonithd's group),
// and, without them, not at all.
TEST_CASE("service: a history above Corosync's limit reaches a restarted fencer in chunks") {
  for (const bool chunked : {true, false}) {
    INFO((chunked ? "chunked" : "raw CPG"));
    Cluster c(all_ok(), 3, Wire{1024, chunked});
    c.configure_all(cib(device("ipmi3", "node3")));
    constexpr std::size_t kFencings = 16;
    for (std::size_t i = 0; i < kFencings; ++i) {
      std::optional<Result<std::string>> answer;
      c.call("node1", FenceCall{"node3", "off", 0ms, 0ms, "crmd." + std::to_string(i)}, answer);
      c.advance(5s);
      REQUIRE(answer);
      REQUIRE(*answer);
    }
    const auto history = c.service("node1").fencer().history().entries();
    REQUIRE(history.size() == kFencings);
    // The history message is larger than the limit, twice over.
    fencing::PeerMessage whole{.type = fencing::MsgType::kHistory, .history = history};
    REQUIRE(fencing::encode(whole).size() > 2 * 1024);

    Service& back = c.restart(2);
    if (chunked) {
      CHECK(back.fencer().history().size() == kFencings);
      for (const char* n : {"node1", "node3"}) CHECK_FALSE(c.logged(n, "event=cpg-send-failed"));
    } else {
      CHECK(back.fencer().history().size() == 0);
      CHECK((c.logged("node1", "event=cpg-send-failed type=history") ||
             c.logged("node3", "event=cpg-send-failed type=history")));
    }
  }
}
