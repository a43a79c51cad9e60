// SPDX-License-Identifier: GPL-2.0-or-later
// Pacemaker Remote nodes, guest nodes and containers, on small CIBs: which
// nodes exist and are online, where resources go and which actions the
// transition takes (the decisions crm_simulate 2.1.5 takes on the same CIBs).
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "internal.hpp"
#include "vigil/cib/cib.hpp"
#include "vigil/pengine/graph.hpp"
#include "vigil/pengine/output.hpp"
#include "vigil/pengine/working_set.hpp"

namespace {

using Catch::Matchers::Contains;
using namespace vigil;
using pengine::Role;

// A history entry: `rc` of `task` (interval 0 unless given) with call id `call`.
std::string history_op(const std::string& rsc, const std::string& task, int call, int rc,
                       int interval_ms = 0) {
  std::string key = rsc + "_" + task + "_" + std::to_string(interval_ms);
  std::string tkey = std::to_string(call) + ":0:0:00000000-0000-0000-0000-000000000000";
  std::string id = interval_ms ? key : rsc + (rc == 0 || rc == 7 ? "_last_0" : "_last_failure_0");
  return "<lrm_rsc_op id=\"" + id + "\" operation_key=\"" + key + "\" operation=\"" + task +
         "\" transition-key=\"" + tkey + "\" transition-magic=\"0:" + std::to_string(rc) + ";" +
         tkey + "\" call-id=\"" + std::to_string(call) + "\" rc-code=\"" + std::to_string(rc) +
         "\" op-status=\"0\" interval=\"" + std::to_string(interval_ms) + "\"/>";
}

std::string lrm_rsc(const std::string& id, const std::string& type, const std::string& ops) {
  std::string provider = type == "fence_xvm" ? "" : " provider=\"pacemaker\"";
  std::string cls = type == "fence_xvm" ? "stonith" : "ocf";
  return "<lrm_resource id=\"" + id + "\" class=\"" + cls + "\"" + provider + " type=\"" + type +
         "\">" + ops + "</lrm_resource>";
}

// Cluster nodes node1 and node2 (online, fencing enabled with a device
// running on node2); `lrm1` and `lrm2` are their resource histories, `extra`
// more node_state entries (remote nodes').
std::string remote_cib(const std::string& resources, const std::string& lrm1,
                       const std::string& lrm2 = "", const std::string& extra = "",
                       const std::string& constraints = "") {
  auto state = [](const std::string& n, const std::string& lrm) {
    return "<node_state id=\"" + n + "\" uname=\"" + n +
           "\" in_ccm=\"true\" crmd=\"online\" join=\"member\" expected=\"member\"><lrm id=\"" + n +
           "\"><lrm_resources>" + lrm + "</lrm_resources></lrm></node_state>";
  };
  std::string fence = lrm_rsc("fence1", "fence_xvm", history_op("fence1", "start", 1, 0));
  return "<cib crm_feature_set=\"3.16.1\" validate-with=\"pacemaker-3.7\" epoch=\"1\" "
         "num_updates=\"0\" admin_epoch=\"0\" have-quorum=\"1\"><configuration><crm_config/>"
         "<nodes><node id=\"node1\" uname=\"node1\"/><node id=\"node2\" uname=\"node2\"/></nodes>"
         "<resources><primitive id=\"fence1\" class=\"stonith\" type=\"fence_xvm\"/>" +
         resources + "</resources><constraints>" + constraints +
         "</constraints></configuration><status>" + state("node1", lrm1) +
         state("node2", fence + lrm2) + extra + "</status></cib>";
}

std::string primitive(const std::string& id, const std::string& type,
                      const std::string& meta = "") {
  std::string s =
      "<primitive id=\"" + id + "\" class=\"ocf\" provider=\"pacemaker\" type=\"" + type + "\">";
  if (!meta.empty()) s += "<meta_attributes id=\"" + id + "-meta\">" + meta + "</meta_attributes>";
  return s + "</primitive>";
}

std::string meta(const std::string& name, const std::string& value) {
  return "<nvpair id=\"m-" + name + "\" name=\"" + name + "\" value=\"" + value + "\"/>";
}

std::string prefer(const std::string& rsc, const std::string& node) {
  return "<rsc_location id=\"l-" + rsc + "\" rsc=\"" + rsc + "\" node=\"" + node +
         "\" score=\"100\"/>";
}

std::string remote_state(const std::string& node, const std::string& lrm) {
  return "<node_state id=\"" + node + "\" uname=\"" + node + "\" remote_node=\"true\"><lrm id=\"" +
         node + "\"><lrm_resources>" + lrm + "</lrm_resources></lrm></node_state>";
}

template <class T>
T& must(T* found, const std::string& what) {
  INFO(what);
  REQUIRE(found != nullptr);
  return *found;
}

// The parsed CIB (which the working set points into) and the scheduled run.
struct Run {
  std::unique_ptr<cib::Cib> cib;
  std::unique_ptr<pengine::WorkingSet> ws;
  pengine::Resource& rsc(const std::string& id) const { return must(ws->find_rsc(id), id); }
  pengine::Node& node(const std::string& uname) const { return must(ws->find_node(uname), uname); }
  std::string placed(const std::string& id) const {
    return rsc(id).allocated_to ? rsc(id).allocated_to->uname : "";
  }
  std::string graph() const {
    auto g = pengine::build_graph(*ws);
    return pengine::graph_xml(*ws, g);
  }
};

Run run(const std::string& text) {
  Run r;
  auto parsed = cib::Cib::from_string(text, "remote-test.xml");
  if (!parsed) FAIL(parsed.error().message());
  r.cib = std::move(parsed).value();
  pengine::Options opts;
  opts.now = 1795608000;
  r.ws = std::make_unique<pengine::WorkingSet>(*r.cib, opts);
  if (auto st = pengine::schedule(*r.ws); !st) FAIL(st.error().message());
  return r;
}

}  // namespace

TEST_CASE("remote: a connection resource makes a remote node, online while it runs",
          "[pengine][remote]") {
  std::string conn_running = lrm_rsc("remote1", "remote", history_op("remote1", "start", 2, 0));
  auto r = run(remote_cib(primitive("remote1", "remote") + primitive("web", "Dummy"), conn_running,
                          "", remote_state("remote1", ""), prefer("web", "remote1")));
  pengine::Node& remote = r.node("remote1");
  CHECK(remote.is_pcmk_remote());
  CHECK(remote.attrs["#kind"] == "remote");
  CHECK(remote.online);
  CHECK(remote.remote_rsc == &r.rsc("remote1"));
  CHECK(r.rsc("remote1").is_remote_node);
  // Resources may run there; the connection itself and fence devices may not.
  CHECK(r.placed("web") == "remote1");
  CHECK(r.placed("remote1") == "node1");
  CHECK(r.rsc("remote1").allowed[remote.index].weight == -kInfinity);
  CHECK(r.rsc("fence1").allowed[remote.index].weight == -kInfinity);
  // Its actions go through the cluster node holding the connection.
  std::string graph = r.graph();
  CHECK_THAT(graph, Contains("operation_key=\"web_start_0\" on_node=\"remote1\" "
                             "on_node_uuid=\"remote1\" router_node=\"node1\""));
  CHECK_THAT(pengine::cluster_status_text(*r.ws, false), Contains("RemoteOnline: [ remote1 ]"));
}

TEST_CASE("remote: a stopped connection leaves its node offline, and it is started first",
          "[pengine][remote]") {
  auto r = run(remote_cib(primitive("remote1", "remote") + primitive("web", "Dummy"), "", "", "",
                          prefer("web", "remote1")));
  pengine::Node& remote = r.node("remote1");
  CHECK_FALSE(r.rsc("remote1").running_on.size());
  // Not seen yet, but the connection will be attempted: online for placement
  // and no fencing.
  CHECK(remote.online);
  CHECK_FALSE(remote.unclean);
  CHECK(r.placed("web") == "remote1");
  // The probe and start of web on remote1 wait for the connection start.
  pengine::Action* web_start = nullptr;
  for (pengine::Action* a : r.rsc("web").actions) {
    if (a->task == "start" && a->node == &remote) web_start = a;
  }
  REQUIRE(web_start != nullptr);
  bool after_connection = false;
  for (const pengine::ActionLink* in : web_start->before) {
    if (in->action->rsc == &r.rsc("remote1") && in->action->task == "start")
      after_connection = true;
  }
  CHECK(after_connection);
}

TEST_CASE("remote: a failed connection monitor fences the remote node", "[pengine][remote]") {
  std::string conn =
      lrm_rsc("remote1", "remote",
              history_op("remote1", "start", 2, 0) + history_op("remote1", "monitor", 3, 1, 60000));
  std::string web = lrm_rsc("web", "Dummy", history_op("web", "start", 4, 0));
  auto r = run(remote_cib(primitive("remote1", "remote") + primitive("web", "Dummy"), conn, "",
                          remote_state("remote1", web)));
  pengine::Node& remote = r.node("remote1");
  CHECK(remote.unclean);
  bool fenced = false;
  for (pengine::Action* a : r.ws->actions) {
    if (a->task == "stonith" && a->node == &remote && !a->is(pengine::kActOptional)) {
      fenced = true;
      CHECK(a->reason == "remote connection is unrecoverable");
    }
  }
  CHECK(fenced);
  // The connection recovers; web's stop is implied by the fencing.
  CHECK(r.placed("remote1") != "");
}

TEST_CASE("remote: remote-node meta makes a guest node inside its container", "[pengine][remote]") {
  std::string vm = lrm_rsc("vm1", "Dummy", history_op("vm1", "start", 2, 0));
  auto r = run(remote_cib(
      primitive("vm1", "Dummy", meta("remote-node", "guest1")) + primitive("app", "Dummy"), vm, "",
      "", prefer("app", "guest1")));
  pengine::Resource& conn = r.rsc("guest1");
  CHECK(conn.is_remote_node);
  CHECK(conn.container == &r.rsc("vm1"));
  CHECK(r.rsc("vm1").fillers.size() == 1);
  pengine::Node& guest = r.node("guest1");
  CHECK(pengine::is_guest_node(&guest));
  CHECK(guest.attrs["#kind"] == "container");
  // The connection goes where the container is (a mandatory colocation),
  // the application into the guest.
  CHECK(r.placed("guest1") == "node1");
  CHECK(r.placed("app") == "guest1");
  // A connection's failures restart its container by default.
  std::string graph = r.graph();
  CHECK_THAT(graph, Contains("CRM_meta_container=\"vm1\""));
  CHECK_THAT(graph, Contains("CRM_meta_physical_host=\"node1\""));
  // The implicit connection is not listed.
  std::string status = pengine::cluster_status_text(*r.ws, false);
  CHECK_THAT(status, !Contains("guest1\t(ocf:pacemaker:remote)"));
}

TEST_CASE("remote: a failed stop inside a container restarts the container in place",
          "[pengine][remote]") {
  std::string c = lrm_rsc("c1", "Dummy", history_op("c1", "start", 2, 0));
  std::string in =
      lrm_rsc("in1", "Dummy", history_op("in1", "start", 3, 0) + history_op("in1", "stop", 4, 1));
  auto r = run(remote_cib(
      primitive("c1", "Dummy") + primitive("in1", "Dummy", meta("container", "c1")), c + in));
  // The failure counts as done (not a reason to ban or fence node1).
  CHECK(r.rsc("in1").is(pengine::kRscFailureIgnored));
  CHECK_FALSE(r.node("node1").unclean);
  CHECK(r.placed("c1") == "node1");
  CHECK(r.placed("in1") == "node1");
  bool c_stop = false;
  for (pengine::Action* a : r.rsc("c1").actions) {
    if (a->task == "stop" && !a->is(pengine::kActOptional)) c_stop = true;
  }
  CHECK(c_stop);
}

TEST_CASE("remote: a container that does not exist is reported, not fatal", "[pengine][remote]") {
  auto r = run(remote_cib(primitive("in1", "Dummy", meta("container", "nosuch")), ""));
  CHECK(r.rsc("in1").container == nullptr);
  bool warned = false;
  for (const auto& w : r.ws->warnings) {
    if (w.find("Unknown resource container (nosuch)") != std::string::npos) warned = true;
  }
  CHECK(warned);
}

TEST_CASE("remote: a connection left only in the status section shuts its node down",
          "[pengine][remote]") {
  std::string conn = lrm_rsc("remote1", "remote", history_op("remote1", "start", 2, 0));
  auto r = run(remote_cib(primitive("web", "Dummy"), conn));
  pengine::Resource& orphan = r.rsc("remote1");
  CHECK(orphan.is(pengine::kRscOrphan));
  CHECK(orphan.is_remote_node);
  pengine::Node& remote = r.node("remote1");
  CHECK(remote.remote_rsc == &orphan);
  CHECK(remote.shutdown);
  // The connection stops and nothing is placed on its node.
  CHECK(r.placed("remote1") == "");
  CHECK(r.placed("web") != "remote1");
}

TEST_CASE("remote: an orphaned connection's node comes too late for configured resources",
          "[pengine][remote]") {
  // Pacemaker creates the node only when the connection's history is read:
  // no configured resource lists it, and clone-max's default counts the
  // cluster nodes alone.
  std::string conn = lrm_rsc("remote1", "remote", history_op("remote1", "start", 2, 0));
  auto r = run(remote_cib(
      primitive("web", "Dummy") + "<clone id=\"c\">" + primitive("inst", "Dummy") + "</clone>",
      conn));
  pengine::Node& remote = r.node("remote1");
  CHECK_FALSE(r.rsc("web").allowed[remote.index].present);
  CHECK_FALSE(r.rsc("c").allowed[remote.index].present);
  CHECK(r.rsc("c").children.size() == 2);
  // The orphan itself is banned from everywhere, its own node included.
  CHECK(r.rsc("remote1").allowed[remote.index].weight == -kInfinity);
  std::string status = pengine::cluster_status_text(*r.ws, false);
  CHECK_THAT(status, !Contains("Stopped: [ remote1 ]"));
}

TEST_CASE("remote: a remote node entering maintenance is told through the graph",
          "[pengine][remote]") {
  std::string conn = lrm_rsc("remote1", "remote", history_op("remote1", "start", 2, 0));
  std::string state =
      "<node_state id=\"remote1\" uname=\"remote1\" remote_node=\"true\"><transient_attributes "
      "id=\"remote1\"><instance_attributes id=\"ta-remote1\"><nvpair id=\"ta-m\" "
      "name=\"maintenance\" value=\"true\"/></instance_attributes></transient_attributes>"
      "</node_state>";
  auto r = run(remote_cib(primitive("remote1", "remote"), conn, "", state));
  CHECK(r.node("remote1").maintenance);
  CHECK_FALSE(r.node("remote1").remote_maintenance);
  CHECK_THAT(r.graph(), Contains("<node id=\"remote1\" node_in_maintenance=\"1\"/>"));
}

TEST_CASE("remote: a user ordering of a guest's container after its own resource is dropped",
          "[pengine][remote]") {
  std::string order = "<rsc_order id=\"o-app-vm\" first=\"app\" then=\"vm1\" kind=\"Mandatory\"/>" +
                      prefer("app", "guest1");
  auto r = run(remote_cib(
      primitive("vm1", "Dummy", meta("remote-node", "guest1")) + primitive("app", "Dummy"), "", "",
      "", order));
  // Otherwise a loop: vm1 before its guest's connection, before app, before vm1.
  pengine::Action* vm_start = nullptr;
  for (pengine::Action* a : r.rsc("vm1").actions) {
    if (a->task == "start") vm_start = a;
  }
  REQUIRE(vm_start != nullptr);
  bool linked = false;
  for (const pengine::ActionLink* in : vm_start->before) {
    if (in->action->rsc != &r.rsc("app")) continue;
    linked = true;
    CHECK(in->type == pengine::kOrderNone);
  }
  CHECK(linked);
  CHECK(vm_start->is(pengine::kActRunnable));
  CHECK(r.placed("app") == "guest1");
}

TEST_CASE("remote: what runs in a guest adds its priority to the container's host",
          "[pengine][remote]") {
  // Priority-fencing-delay weighs the nodes by the priorities of what they
  // run, a guest's resources counting for its host too.
  std::string vm = lrm_rsc("vm1", "Dummy", history_op("vm1", "start", 2, 0));
  std::string app = lrm_rsc("app", "Dummy", history_op("app", "start", 3, 0));
  auto r = run(remote_cib(primitive("vm1", "Dummy", meta("remote-node", "guest1")) +
                              primitive("app", "Dummy", meta("priority", "10")),
                          vm, "", remote_state("guest1", app), prefer("app", "guest1")));
  CHECK(r.node("guest1").priority == 10);
  CHECK(r.node("node1").priority == 10);
  CHECK(r.node("node2").priority == 0);
}
