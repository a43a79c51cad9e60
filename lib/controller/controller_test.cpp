// SPDX-License-Identifier: GPL-2.0-or-later
// The controller over the whole simulated stack (SimCluster): real CIB
// replicas, executors over simulated agents, scheduler, on SimNetwork and
// virtual time.
#include <catch2/catch.hpp>

#include "vigil/cibd/replica.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/controller/testing/sim_cluster.hpp"
#include "vigil/controller/testing/web_cib.hpp"

using namespace vigil;
using namespace vigil::controller;
using namespace vigil::controller::testing;
using namespace std::chrono_literals;

namespace {

bool runs_only_on(SimCluster& c, const std::string& node) {
  auto vip = c.world().nodes_running("VIP");
  auto web = c.world().nodes_running("Web");
  return vip == std::vector<std::string>{node} && web == std::vector<std::string>{node};
}

// An attribute of the first element matching `xpath` in node `id`'s CIB.
std::optional<std::string> cib_attr(SimCluster& c, cluster::NodeId id, const std::string& xpath,
                                    const char* attr) {
  auto* cib = c.cib(id);
  if (!cib) return std::nullopt;
  auto r = cib->query(xpath);
  if (!r) return std::nullopt;
  auto doc = xml::parse_string(r->xml);
  if (!doc) return std::nullopt;
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (xml::name(root) == "xpath-query")
    root = xml::children(root).empty() ? nullptr : xml::children(root)[0];
  if (!root) return std::nullopt;
  return xml::attr(root, attr);
}

// The DC has nothing left to do.
bool settled(SimCluster& c) {
  auto dc = c.agreed_dc();
  if (dc == cluster::kNoNode || !c.controller(dc)) return false;
  auto st = c.controller(dc)->status();
  return st.transition == TransitionState::kIdle && st.transitions_completed > 0;
}

SimClusterOptions options(int nodes, WebCibOptions web = {}) {
  web.nodes = nodes;
  SimClusterOptions o;
  o.nodes = nodes;
  o.seed = 7;
  o.cib_xml = web_cluster_cib(web);
  return o;
}

}  // namespace

TEST_CASE("two nodes: node1 is DC, joins both nodes and starts the group where Web prefers") {
  SimCluster c(options(2));
  c.start_all();
  bool ok = c.run_until([&] { return runs_only_on(c, "node1") && settled(c); }, 30s);
  INFO(c.dump());
  REQUIRE(ok);
  CHECK(c.agreed_dc() == 1);
  CHECK(c.controller(1)->is_dc());
  // Acknowledged on the DC means delivered everywhere; node2 applies it a
  // network latency later.
  c.run_for(10ms);
  CHECK_FALSE(c.controller(2)->is_dc());
  // The DC recorded itself and both nodes' state.
  CHECK(cib_attr(c, 2, "/cib", "dc-uuid") == std::optional<std::string>("1"));
  CHECK(cib_attr(c, 2, "/cib", "have-quorum") == std::optional<std::string>("1"));
  for (const char* id : {"1", "2"}) {
    std::string ns = std::string("/cib/status/node_state[@id='") + id + "']";
    CHECK(cib_attr(c, 2, ns, "join") == std::optional<std::string>("member"));
    CHECK(cib_attr(c, 2, ns, "crmd") == std::optional<std::string>("online"));
    CHECK(cib_attr(c, 2, ns, "in_ccm") == std::optional<std::string>("true"));
  }
  // Results are in the status section, written by the DC.
  CHECK(cib_attr(c, 2, "//node_state[@id='1']//lrm_rsc_op[@id='VIP_last_0']", "rc-code") ==
        std::optional<std::string>("0"));
  CHECK(cib_attr(c, 2, "//node_state[@id='1']//lrm_rsc_op[@id='Web_monitor_10000']", "rc-code") ==
        std::optional<std::string>("0"));
  // Probes on node2 found nothing.
  CHECK(cib_attr(c, 2, "//node_state[@id='2']//lrm_rsc_op[@id='VIP_last_0']", "rc-code") ==
        std::optional<std::string>("7"));
  // Settled: more time changes nothing.
  c.run_for(30s);
  CHECK(runs_only_on(c, "node1"));
}

TEST_CASE("DC crash: the survivor takes over and runs the group") {
  SimCluster c(options(2));
  c.start_all();
  REQUIRE(c.run_until([&] { return runs_only_on(c, "node1"); }, 30s));
  c.crash(1);
  bool ok = c.run_until([&] { return runs_only_on(c, "node2"); }, 30s);
  INFO(c.dump());
  REQUIRE(ok);
  CHECK(c.controller(2)->is_dc());
  auto ns = std::string("/cib/status/node_state[@id='1']");
  CHECK(cib_attr(c, 2, ns, "crmd") == std::optional<std::string>("offline"));
  CHECK(cib_attr(c, 2, ns, "in_ccm") == std::optional<std::string>("false"));
  CHECK(cib_attr(c, 2, ns, "join") == std::optional<std::string>("down"));
  CHECK(cib_attr(c, 2, "/cib", "dc-uuid") == std::optional<std::string>("2"));
  // node1 comes back (empty history: it rebooted) and gets the group back.
  c.start(1);
  ok = c.run_until([&] { return runs_only_on(c, "node1"); }, 60s);
  INFO(c.dump());
  REQUIRE(ok);
  CHECK(c.agreed_dc() == 1);
}
