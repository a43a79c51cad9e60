// SPDX-License-Identifier: GPL-2.0-or-later
// Bundles on small CIBs: the resources a bundle's configuration makes, where
// its replicas go and which actions the transition takes (the decisions
// crm_simulate 2.1.5 takes on the same CIBs), and the configurations
// Pacemaker refuses.
#include "bundle.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "internal.hpp"
#include "scheduled_test.hpp"

namespace {

using Catch::Matchers::Contains;
using namespace vigil;
using pengine::testing::schedule;

// Two online cluster nodes, fencing off; `resources` and `status` (more
// node_state entries or histories) as given.
std::string bundle_cib(const std::string& resources, const std::string& lrm1 = "",
                       const std::string& extra_status = "") {
  auto state = [](const std::string& n, const std::string& lrm) {
    return "<node_state id=\"" + n + "\" uname=\"" + n +
           "\" in_ccm=\"true\" crmd=\"online\" join=\"member\" expected=\"member\"><lrm id=\"" + n +
           "\"><lrm_resources>" + lrm + "</lrm_resources></lrm></node_state>";
  };
  return "<cib crm_feature_set=\"3.16.1\" validate-with=\"pacemaker-3.7\" epoch=\"1\" "
         "num_updates=\"0\" admin_epoch=\"0\" have-quorum=\"1\"><configuration><crm_config>"
         "<cluster_property_set id=\"o\"><nvpair id=\"o1\" name=\"stonith-enabled\" "
         "value=\"false\"/></cluster_property_set></crm_config><nodes>"
         "<node id=\"node1\" uname=\"node1\"/><node id=\"node2\" uname=\"node2\"/></nodes>"
         "<resources>" +
         resources + "</resources><constraints/></configuration><status>" + state("node1", lrm1) +
         state("node2", "") + extra_status + "</status></cib>";
}

// A docker bundle "b" of `replicas` replicas; `network` and `inside` are
// its <network> element and primitive ("" for none).
std::string bundle(int replicas, const std::string& network, const std::string& inside,
                   const std::string& container_extra = "") {
  return "<bundle id=\"b\"><docker image=\"img:1\" replicas=\"" + std::to_string(replicas) + "\"" +
         container_extra + "/>" + network + inside + "</bundle>";
}

const std::string kNetwork =
    "<network ip-range-start=\"192.168.1.10\" host-interface=\"eth0\" host-netmask=\"24\">"
    "<port-mapping id=\"b-port\" port=\"80\"/></network>";
const std::string kWeb =
    "<primitive id=\"web\" class=\"ocf\" provider=\"heartbeat\" type=\"apache\"/>";

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

const std::string& param(const pengine::testing::Scheduled& s, const std::string& rsc,
                         const std::string& name) {
  static std::string none;
  static pengine::AttrMap params;
  params = pengine::rsc_params(*s.ws, &s.rsc(rsc), nullptr);
  auto it = params.find(name);
  return it == params.end() ? none : it->second;
}

}  // namespace

TEST_CASE("bundle: each replica gets a container, an address, a connection and an instance",
          "[pengine][bundle]") {
  auto s = schedule(bundle_cib(bundle(2, kNetwork, kWeb)));
  for (const char* id : {"b-docker-0", "b-docker-1", "b-ip-192.168.1.10", "b-ip-192.168.1.11",
                         "b-0", "b-1", "b-clone", "web:0", "web:1"}) {
    INFO(id);
    CHECK(s.ws->find_rsc(id) != nullptr);
  }
  CHECK(s.rsc("b-docker-0").type == "docker");
  CHECK(s.rsc("b-ip-192.168.1.11").type == "IPaddr2");
  CHECK(s.rsc("b-1").is_remote_node);
  CHECK(s.rsc("b-1").container == &s.rsc("b-docker-1"));
  // The replicas' guest nodes exist, and each runs its own instance only.
  const pengine::Node* guest = s.ws->find_node("b-1");
  REQUIRE(guest != nullptr);
  CHECK(pengine::is_guest_node(guest));
  CHECK(guest->remote_rsc == &s.rsc("b-1"));
  CHECK_FALSE(s.rsc("web:0").allowed[static_cast<std::size_t>(guest->index)].present);
  CHECK_FALSE(s.rsc("b-ip-192.168.1.10").allowed[static_cast<std::size_t>(guest->index)].present);
  // The container agent's parameters, as Pacemaker generates them.
  CHECK(param(s, "b-docker-0", "image") == "img:1");
  CHECK(param(s, "b-docker-0", "run_cmd") == "/usr/sbin/pacemaker-remoted");
  CHECK(
      param(s, "b-docker-0", "run_opts") ==
      " --restart=no -h b-0 -e PCMK_stderr=1 -e PCMK_remote_port=3121"
      " -v /etc/pacemaker/authkey:/etc/pacemaker/authkey -v /var/log/pacemaker/bundles/b-0:/var/log"
      " -p 192.168.1.10:80:80 -p 192.168.1.10:3121:3121"
      "  --add-host=b-0:192.168.1.10 --add-host=b-1:192.168.1.11");
  CHECK(param(s, "b-docker-1", "mount_points") == "/var/log/pacemaker/bundles/b-1");
  CHECK(param(s, "b-ip-192.168.1.11", "nic") == "eth0");
  CHECK(param(s, "b-ip-192.168.1.11", "cidr_netmask") == "24");
  CHECK(param(s, "b-1", "addr") == "192.168.1.11");
  CHECK(*pengine::lookup(s.rsc("web:1").meta, "external-ip") == "192.168.1.11");
}

TEST_CASE("bundle: a new bundle starts one replica per node, each part beside its container",
          "[pengine][bundle]") {
  auto s = schedule(bundle_cib(bundle(2, kNetwork, kWeb)));
  std::string host0 = s.placed("b-docker-0"), host1 = s.placed("b-docker-1");
  CHECK_FALSE(host0.empty());
  CHECK_FALSE(host1.empty());
  CHECK(host0 != host1);  // replicas-per-host=1
  CHECK(s.placed("b-ip-192.168.1.10") == host0);
  CHECK(s.placed("b-0") == host0);
  CHECK(s.placed("b-1") == host1);
  CHECK(s.placed("web:0") == "b-0");
  CHECK(s.placed("web:1") == "b-1");
  auto lines = s.summary();
  CHECK(has_line(lines, "* Start b-docker-0 ( " + host0 + " )"));
  CHECK(has_line(lines, "* Start web:1 ( b-1 )"));
  // The instance is probed on its own guest node only, never on a host.
  std::string monitor = "monitor";
  CHECK(pengine::find_first_action(&s.rsc("web:0"), nullptr, &monitor, s.ws->find_node("node1")) ==
        nullptr);
  CHECK_THAT(pengine::cluster_status_text(*s.ws, false),
             Contains("Container bundle set: b [img:1]:"));
}

TEST_CASE("bundle: several replicas per host share a node and make a unique clone",
          "[pengine][bundle]") {
  auto s = schedule(bundle_cib(bundle(3, kNetwork, kWeb, " replicas-per-host=\"3\""), "", ""));
  CHECK(s.rsc("b").is(pengine::kRscUnique));
  CHECK(s.rsc("b-clone").is(pengine::kRscUnique));
  CHECK(s.placed("web:2") == "b-2");
  CHECK_THAT(pengine::cluster_status_text(*s.ws, false),
             Contains("Container bundle set: b [img:1] (unique):"));
}

TEST_CASE("bundle: without a primitive only containers run, and no guest node exists",
          "[pengine][bundle]") {
  auto s = schedule(bundle_cib(bundle(2, "", "")));
  CHECK(s.ws->find_node("b-0") == nullptr);
  CHECK(s.ws->find_rsc("b-0") == nullptr);
  CHECK(s.ws->find_rsc("b-clone") == nullptr);
  CHECK(param(s, "b-docker-0", "run_opts") ==
        " --restart=no -e PCMK_stderr=1 -e PCMK_remote_port=3121 ");
  CHECK_FALSE(s.placed("b-docker-0").empty());
  CHECK(s.placed("b-docker-0") != s.placed("b-docker-1"));
}

TEST_CASE("bundle: control-port without an address range allows one replica per host",
          "[pengine][bundle]") {
  auto s = schedule(
      bundle_cib(bundle(2, "<network control-port=\"3123\"/>", kWeb, " replicas-per-host=\"2\"")));
  // "#uname": the connection goes to the host its container runs on.
  CHECK(param(s, "b-0", "addr") == s.placed("b-docker-0"));
  CHECK(param(s, "b-0", "port") == "3123");
  CHECK(s.rsc("b").clone->clone_node_max == 1);
  CHECK(std::any_of(s.ws->warnings.begin(), s.ws->warnings.end(), [](const std::string& w) {
    return w.find("requires 'replicas-per-host=1'") != std::string::npos;
  }));
}

TEST_CASE("bundle: one without a container is left out with a configuration error",
          "[pengine][bundle]") {
  // As Pacemaker: the resource is ignored, the rest is scheduled.
  auto s = schedule(bundle_cib("<bundle id=\"b\"><network control-port=\"3121\"/>" + kWeb +
                               "</bundle><primitive id=\"d\" class=\"ocf\" "
                               "provider=\"heartbeat\" type=\"Dummy\"/>"));
  CHECK(s.ws->find_rsc("b") == nullptr);
  CHECK(s.ws->find_rsc("web") == nullptr);
  CHECK(s.ws->find_node("b-0") == nullptr);
  CHECK_FALSE(s.placed("d").empty());
  REQUIRE(s.ws->warnings.size() == 1);
  CHECK(s.ws->warnings.front() ==
        "Ignoring <bundle> resource 'b' because configuration is invalid: it has no docker, "
        "podman or rkt container");
}

TEST_CASE("bundle: a primitive it cannot reach (no address range, no control port) is an error",
          "[pengine][bundle]") {
  auto s = schedule(bundle_cib(bundle(1, "", kWeb)));
  CHECK(s.ws->find_rsc("b") == nullptr);
  REQUIRE(s.ws->warnings.size() == 1);
  CHECK_THAT(s.ws->warnings.front(), Contains("cannot control web inside it"));
}

TEST_CASE("bundle: a promotable bundle is refused as its promotable clone would be",
          "[pengine][bundle]") {
  // An LSB agent cannot be promoted: Pacemaker refuses such a promotable
  // clone, so the bundle making one is refused too.
  auto text = bundle_cib(
      "<bundle id=\"b\"><docker image=\"img:1\" promoted-max=\"1\"/>"
      "<network control-port=\"3121\"/><primitive id=\"db\" class=\"lsb\" type=\"db\"/></bundle>");
  auto parsed = cib::Cib::from_string(text, "test.xml");
  REQUIRE(parsed.ok());
  pengine::Options opts;
  opts.now = pengine::testing::kTestNow;
  pengine::WorkingSet ws(**parsed, opts);
  auto st = pengine::schedule(ws);
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.error().message(), Contains("resource b: a bundle with promoted-max"));
}

TEST_CASE("bundle: the primitive's history on a guest node is that replica's instance",
          "[pengine][bundle]") {
  auto op = [](const std::string& rsc, const std::string& task, int call) {
    std::string key = rsc + "_" + task + "_0";
    std::string tkey = std::to_string(call) + ":0:0:00000000-0000-0000-0000-000000000000";
    return "<lrm_rsc_op id=\"" + rsc + "_last_0\" operation_key=\"" + key + "\" operation=\"" +
           task + "\" transition-key=\"" + tkey + "\" transition-magic=\"0:0;" + tkey +
           "\" call-id=\"" + std::to_string(call) +
           "\" rc-code=\"0\" op-status=\"0\" interval=\"0\"/>";
  };
  auto lrm = [&](const std::string& id, const std::string& provider, const std::string& type,
                 const std::string& extra = "") {
    return "<lrm_resource id=\"" + id + "\" class=\"ocf\" provider=\"" + provider + "\" type=\"" +
           type + "\"" + extra + ">" + op(id, "start", 2) + "</lrm_resource>";
  };
  std::string on_node1 = lrm("b-docker-0", "heartbeat", "docker") +
                         lrm("b-ip-192.168.1.10", "heartbeat", "IPaddr2") +
                         lrm("b-0", "pacemaker", "remote", " container=\"b-docker-0\"");
  std::string guest =
      "<node_state id=\"b-0\" uname=\"b-0\" remote_node=\"true\"><lrm id=\"b-0\">"
      "<lrm_resources>" +
      lrm("web", "heartbeat", "apache") + "</lrm_resources></lrm></node_state>";
  auto s = schedule(bundle_cib(bundle(1, kNetwork, kWeb), on_node1, guest));
  const pengine::Node* b0 = s.ws->find_node("b-0");
  REQUIRE(b0 != nullptr);
  CHECK(b0->online);
  pengine::Resource& web0 = s.rsc("web:0");
  REQUIRE(web0.running_on.size() == 1);
  CHECK(web0.running_on.front() == b0);
  // Nothing moves. (The history records no digests, so, as crm_simulate
  // does, each part restarts where it is for a definition change.)
  CHECK(s.placed("b-docker-0") == "node1");
  CHECK(s.placed("web:0") == "b-0");
  auto lines = s.summary();
  CHECK(lines.size() == 4);
  CHECK(has_line(lines, "* Restart web:0 ( b-0 ) due to resource definition change"));
  CHECK(has_line(lines, "* Restart b-docker-0 ( node1 ) due to resource definition change"));
  CHECK_THAT(pengine::cluster_status_text(*s.ws, false),
             Contains("b-0 (192.168.1.10)\t(ocf:heartbeat:apache):\t Started node1"));
}

TEST_CASE(
    "bundle: a container leaving its node for a preferred one takes that node's capacity once",
    "[pengine][bundle]") {
  // Utilization moves from the primitive to the container. Kept where it is
  // first, the container would go to node2: that attempt is undone, and the
  // capacity it took on node2 must be free again for the real assignment.
  std::string text =
      "<cib crm_feature_set=\"3.16.1\" validate-with=\"pacemaker-3.7\" epoch=\"1\" "
      "num_updates=\"0\" admin_epoch=\"0\" have-quorum=\"1\"><configuration><crm_config>"
      "<cluster_property_set id=\"o\"><nvpair id=\"o1\" name=\"stonith-enabled\" value=\"false\"/>"
      "<nvpair id=\"o2\" name=\"placement-strategy\" value=\"utilization\"/>"
      "</cluster_property_set></crm_config><nodes>"
      "<node id=\"node1\" uname=\"node1\"><utilization id=\"u1\"><nvpair id=\"u1c\" "
      "name=\"cpu\" value=\"2\"/></utilization></node>"
      "<node id=\"node2\" uname=\"node2\"><utilization id=\"u2\"><nvpair id=\"u2c\" "
      "name=\"cpu\" value=\"2\"/></utilization></node></nodes><resources>" +
      bundle(1, "<network control-port=\"3121\"/>",
             "<primitive id=\"web\" class=\"ocf\" provider=\"heartbeat\" type=\"apache\">"
             "<utilization id=\"wu\"><nvpair id=\"wuc\" name=\"cpu\" value=\"2\"/>"
             "</utilization></primitive>") +
      "</resources><constraints><rsc_location id=\"pref\" rsc=\"b\" node=\"node2\" "
      "score=\"100\"/></constraints></configuration><status>"
      "<node_state id=\"node1\" uname=\"node1\" in_ccm=\"true\" crmd=\"online\" "
      "join=\"member\" expected=\"member\"><lrm id=\"node1\"><lrm_resources>"
      "<lrm_resource id=\"b-docker-0\" class=\"ocf\" provider=\"heartbeat\" type=\"docker\">"
      "<lrm_rsc_op id=\"b-docker-0_last_0\" operation_key=\"b-docker-0_start_0\" "
      "operation=\"start\" transition-key=\"2:0:0:00000000-0000-0000-0000-000000000000\" "
      "transition-magic=\"0:0;2:0:0:00000000-0000-0000-0000-000000000000\" call-id=\"2\" "
      "rc-code=\"0\" op-status=\"0\" interval=\"0\"/></lrm_resource></lrm_resources></lrm>"
      "</node_state><node_state id=\"node2\" uname=\"node2\" in_ccm=\"true\" "
      "crmd=\"online\" join=\"member\" expected=\"member\"/></status></cib>";
  auto s = schedule(text);
  // As crm_simulate: the container moves to node2, the rest follows.
  CHECK(s.placed("b-docker-0") == "node2");
  CHECK(s.placed("b-0") == "node2");
  CHECK(s.placed("web:0") == "b-0");
  CHECK(has_line(s.summary(), "* Move b-docker-0 ( node1 -> node2 )"));
}

TEST_CASE("bundle: a failed connection does not count against its container's threshold",
          "[pengine][bundle]") {
  // migration-threshold=1 and the connection b-0 failed once on node1: the
  // connection moves, the container stays (its fillers' failures count
  // only for containers outside bundles), as crm_simulate decides.
  std::string text =
      R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.7" epoch="1" num_updates="0" ad)"
      R"(min_epoch="0" have-quorum="1"><configuration><crm_config><cluster_property_set id="o"><n)"
      R"(vpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>)"
      R"(<nodes><node id="node1" uname="node1"></node><node id="node2" uname="node2"></node></nod)"
      R"(es><resources><bundle id="b"><docker image="img:1" replicas="1"/><network control-port=")"
      R"(3121"/><primitive id="web" class="ocf" provider="heartbeat" type="apache"></primitive></)"
      R"(bundle></resources><constraints></constraints><rsc_defaults><meta_attributes id="rd"><nv)"
      R"(pair id="rd1" name="migration-threshold" value="1"/></meta_attributes></rsc_defaults></c)"
      R"(onfiguration><status><node_state id="node1" uname="node1" in_ccm="true" crmd="online" jo)"
      R"(in="member" expected="member"><lrm id="node1"><lrm_resources><lrm_resource id="b-docker-)"
      R"(0" class="ocf" provider="heartbeat" type="docker"><lrm_rsc_op id="b-docker-0_last_0" ope)"
      R"(ration_key="b-docker-0_start_0" operation="start" transition-key="2:0:0:00000000-0000-00)"
      R"(00-0000-000000000000" transition-magic="0:0;2:0:0:00000000-0000-0000-0000-000000000000" )"
      R"(call-id="2" rc-code="0" op-status="0" interval="0"/></lrm_resource><lrm_resource id="b-0)"
      R"(" class="ocf" provider="pacemaker" type="remote" container="b-docker-0"><lrm_rsc_op id=")"
      R"(b-0_last_0" operation_key="b-0_start_0" operation="start" transition-key="3:0:0:00000000)"
      R"(-0000-0000-0000-000000000000" transition-magic="0:0;3:0:0:00000000-0000-0000-0000-000000)"
      R"(000000" call-id="3" rc-code="0" op-status="0" interval="0"/></lrm_resource></lrm_resourc)"
      R"(es></lrm><transient_attributes id="node1"><instance_attributes id="ta1"><nvpair id="ta1f)"
      R"(" name="fail-count-b-0#monitor_30000" value="1"/><nvpair id="ta1l" name="last-failure-b-)"
      R"(0#monitor_30000" value="1700000000"/></instance_attributes></transient_attributes></node)"
      R"(_state><node_state id="node2" uname="node2" in_ccm="true" crmd="online" join="member" ex)"
      R"(pected="member"/></status></cib>)";
  auto s = schedule(text);
  CHECK(s.placed("b-docker-0") == "node1");
  CHECK(s.placed("b-0") == "node2");
  CHECK(s.placed("web:0") == "b-0");
}

TEST_CASE("bundle: a probe that found no agent or bad parameters is a failure inside a bundle",
          "[pengine][bundle]") {
  // Outside bundles such a probe result means "not running" (masked); inside
  // one it is not masked: the container is failed where it was probed, its
  // guest fenced and the container recovered elsewhere, as crm_simulate does.
  auto probe = [](const std::string& rsc, int rc, int status) {
    std::string tkey = "1:0:7:00000000-0000-0000-0000-000000000000";
    return "<lrm_resource id=\"" + rsc +
           "\" class=\"ocf\" provider=\"heartbeat\" type=\"docker\"><lrm_rsc_op id=\"" + rsc +
           "_last_0\" operation_key=\"" + rsc +
           "_monitor_0\" operation=\"monitor\" transition-key=\"" + tkey +
           "\" transition-magic=\"" + std::to_string(status) + ":" + std::to_string(rc) + ";" +
           tkey + "\" call-id=\"1\" rc-code=\"" + std::to_string(rc) + "\" op-status=\"" +
           std::to_string(status) + "\" interval=\"0\"/></lrm_resource>";
  };
  // rc 2 (invalid parameter) with status done, and rc 0 with status "not installed".
  for (auto [rc, status] : {std::pair{2, 0}, std::pair{0, 7}}) {
    INFO("rc " << rc << " op-status " << status);
    auto in_bundle = schedule(bundle_cib(bundle(1, "<network control-port=\"3121\"/>", kWeb),
                                         probe("b-docker-0", rc, status)));
    CHECK(in_bundle.rsc("b-docker-0").is(pengine::kRscFailed));
    CHECK(in_bundle.score("b-docker-0", "node1") == -kInfinity);
    auto lines = in_bundle.summary();
    CHECK(has_line(lines, "* Fence (reboot) b-0 (resource: b-docker-0) 'guest is unclean'"));
    CHECK(has_line(lines, "* Recover b-docker-0 ( node1 -> node2 )"));

    auto plain = schedule(bundle_cib(
        "<primitive id=\"b-docker-0\" class=\"ocf\" provider=\"heartbeat\" type=\"docker\"/>",
        probe("b-docker-0", rc, status)));
    CHECK_FALSE(plain.rsc("b-docker-0").is(pengine::kRscFailed));
    CHECK(plain.rsc("b-docker-0").running_on.empty());
    CHECK(plain.summary() == std::vector<std::string>{"* Start b-docker-0 ( node2 )"});
  }
}
