// SPDX-License-Identifier: GPL-2.0-or-later
// The loop closes: the policy engine's graph is executed through the Runner,
// every result is recorded into the CIB status with this library's XML, and
// the engine, run again on the updated CIB, must find nothing left to do.
// That holds only if the records, ids and digests are what the engine reads.
#include <libxml/xpath.h>

#include <catch2/catch.hpp>
#include <deque>
#include <memory>

#include "vigil/cib/cib.hpp"
#include "vigil/common/time.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/graph.hpp"
#include "vigil/pengine/working_set.hpp"
#include "vigil/transition/history.hpp"
#include "vigil/transition/outcome.hpp"
#include "vigil/transition/runner.hpp"
#include "vigil/transition/status_document.hpp"

using namespace vigil;
using namespace vigil::transition;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;
const std::string kDc = "3b5a2f60-6c4d-4b53-9c7e-1d2f3a4b5c6d";

xmlNode* child_with_id(xmlNode* parent, const char* name, const std::string& id) {
  for (xmlNode* c : xml::children(parent, name)) {
    if (xml::attr_or(c, "id") == id) return c;
  }
  return nullptr;
}

xmlNode* ensure_child(xmlNode* parent, const char* name, const std::string& id) {
  if (xmlNode* c = child_with_id(parent, name, id)) return c;
  xmlNode* c = xmlNewChild(parent, nullptr, BAD_CAST name, nullptr);
  if (!id.empty()) xmlSetProp(c, BAD_CAST "id", BAD_CAST id.c_str());
  return c;
}

// A CIB document plus the part of the controller and CIB daemon this test
// needs: merging status updates, deletes by XPath, transient attributes
// (StatusDocument).
class Cluster {
 public:
  explicit Cluster(const std::string& path, std::int64_t now = kNow) : now_(now) {
    auto d = xml::parse_file(path);
    if (!d) FAIL(d.error().message());
    doc_ = std::move(d).value();
    edits_ = std::make_unique<StatusDocument>(doc_.get());
    status_ = xml::first_child(root(), "status");
    REQUIRE(status_);
    for (xmlNode* ns : xml::children(status_, "node_state")) {
      for (xmlNode* lrm : xml::children(ns, "lrm")) {
        for (xmlNode* rs : xml::children(lrm, "lrm_resources")) {
          for (xmlNode* r : xml::children(rs, "lrm_resource")) {
            for (xmlNode* op : xml::children(r, "lrm_rsc_op")) {
              call_id_ = std::max(call_id_, std::atoi(xml::attr_or(op, "call-id", "0").c_str()));
            }
          }
        }
      }
    }
  }

  xmlNode* root() const { return xmlDocGetRootElement(doc_.get()); }

  // Forgets every resource's history (a cluster that has run nothing yet).
  void clear_history() {
    for (xmlNode* ns : xml::children(status_, "node_state")) {
      for (xmlNode* lrm : xml::children(ns, "lrm")) {
        xmlUnlinkNode(lrm);
        xmlFreeNode(lrm);
      }
    }
  }

  void set_meta(const std::string& rsc, const std::string& name, const std::string& value) {
    xmlNode* r = find_by_id(root(), rsc);
    REQUIRE(r);
    xmlNode* meta = ensure_child(r, "meta_attributes", rsc + "-meta_attributes");
    xmlNode* nv = ensure_child(meta, "nvpair", rsc + "-meta_attributes-" + name);
    xmlSetProp(nv, BAD_CAST "name", BAD_CAST name.c_str());
    xmlSetProp(nv, BAD_CAST "value", BAD_CAST value.c_str());
  }

  // Adds a configuration element (as XML text) under `parent_xpath`'s node.
  void add_config(const std::string& parent, const std::string& text) {
    auto frag = xml::parse_string(text, "fragment");
    if (!frag) FAIL(frag.error().message());
    xmlNode* p = find_named(root(), parent.c_str());
    REQUIRE(p);
    xmlAddChild(p, xmlDocCopyNode(xmlDocGetRootElement(frag->get()), doc_.get(), 1));
  }

  void set_by_id(const std::string& id, const char* attr, const std::string& value) {
    xmlNode* n = find_any_id(root(), id);
    REQUIRE(n);
    xmlSetProp(n, BAD_CAST attr, BAD_CAST value.c_str());
  }

  // Sets attributes of a node's node_state (membership as the cluster sees it).
  void set_node_state(const std::string& uuid,
                      const std::vector<std::pair<std::string, std::string>>& kv) {
    xmlNode* ns = child_with_id(status_, "node_state", uuid);
    REQUIRE(ns);
    for (const auto& [k, v] : kv) xmlSetProp(ns, BAD_CAST k.c_str(), BAD_CAST v.c_str());
  }

  void set_param(const std::string& rsc, const std::string& name, const std::string& value) {
    xmlNode* r = find_by_id(root(), rsc);
    REQUIRE(r);
    for (xmlNode* ia : xml::children(r, "instance_attributes")) {
      for (xmlNode* nv : xml::children(ia, "nvpair")) {
        if (xml::attr_or(nv, "name") == name) {
          xmlSetProp(nv, BAD_CAST "value", BAD_CAST value.c_str());
          return;
        }
      }
    }
    FAIL("no parameter " << name << " in " << rsc);
  }

  // The engine's graph for the current CIB, as XML.
  std::string schedule() {
    auto cib = cib::Cib::from_string(xml::to_string(doc_.get(), false));
    if (!cib) FAIL(cib.error().message());
    pengine::Options o;
    o.now = now_;
    pengine::WorkingSet ws(**cib, o);
    auto st = pengine::schedule(ws);
    if (!st) FAIL(st.error().message());
    pengine::Graph g = pengine::build_graph(ws);
    return pengine::graph_xml(ws, g);
  }

  // Merges a node_state update (a CIB modify of the status section).
  void apply_update(const std::string& text) {
    Status st = edits_->apply(text);
    INFO(text);
    REQUIRE(st.ok());
  }

  void delete_xpath(const std::string& path) {
    auto removed = edits_->erase(path);
    INFO(path);
    REQUIRE(removed.ok());
  }

  int count_xpath(const std::string& path) {
    std::unique_ptr<xmlXPathContext, decltype(&xmlXPathFreeContext)> ctx(
        xmlXPathNewContext(doc_.get()), &xmlXPathFreeContext);
    std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)> obj(
        xmlXPathEvalExpression(BAD_CAST path.c_str(), ctx.get()), &xmlXPathFreeObject);
    REQUIRE(obj);
    return obj->nodesetval ? obj->nodesetval->nodeNr : 0;
  }

  // A transient attribute as the attribute manager would write it.
  void update_attr(const std::string& node_uuid, const AttrUpdate& u) {
    edits_->set_attribute(node_uuid, "", u.name, u.value);
  }

  void remove_attr(const std::string& node_uuid, const std::string& name) {
    edits_->remove_attributes(node_uuid, [&](std::string_view n) { return n == name; });
  }

  void remove_attrs(const std::string& node_uuid, const ClearFailures& which) {
    edits_->remove_attributes(node_uuid, [&](std::string_view n) { return which.matches(n); });
  }

  int next_call_id() { return ++call_id_; }

 private:
  static xmlNode* find_by_id(xmlNode* n, const std::string& id) {
    for (xmlNode* c : xml::children(n)) {
      if (xml::attr_or(c, "id") == id && !xml::is(c, "nvpair")) return c;
      if (xmlNode* f = find_by_id(c, id)) return f;
    }
    return nullptr;
  }

  static xmlNode* find_any_id(xmlNode* n, const std::string& id) {
    for (xmlNode* c : xml::children(n)) {
      if (xml::attr_or(c, "id") == id) return c;
      if (xmlNode* f = find_any_id(c, id)) return f;
    }
    return nullptr;
  }

  static xmlNode* find_named(xmlNode* n, const char* name) {
    for (xmlNode* c : xml::children(n)) {
      if (xml::is(c, name)) return c;
      if (xmlNode* f = find_named(c, name)) return f;
    }
    return nullptr;
  }

  std::int64_t now_;
  xml::DocPtr doc_;
  std::unique_ptr<StatusDocument> edits_;
  xmlNode* status_ = nullptr;
  int call_id_ = 0;
};

// The controller's part: carries out each fired action against the Cluster
// once the runner has fired everything it can, confirming as it goes.
class Driver : public ActionSink {
 public:
  using ResultFn = std::function<OpResult(const GraphAction&)>;
  Driver(Cluster& c, ResultFn results = {}, const AgentMetadata* metadata = nullptr)
      : cluster_(c), results_(std::move(results)), metadata_(metadata) {}

  Status execute_rsc_op(const GraphAction& a) override {
    queue_.push_back(a.id);
    return ok_status();
  }
  Status execute_cluster_event(const GraphAction& a) override {
    queue_.push_back(a.id);
    return ok_status();
  }
  Status execute_fence(const GraphAction& a) override {
    queue_.push_back(a.id);
    return ok_status();
  }
  void action_timed_out(const GraphAction& a) override { FAIL("lost " << a.operation_key); }

  RunSummary run(const std::string& graph_text) {
    auto g = parse_graph(graph_text);
    if (!g) FAIL(g.error().message());
    std::optional<RunSummary> done;
    Runner runner(std::move(g).value(), clock_, *this, [&](const RunSummary& s) { done = s; });
    runner_ = &runner;
    runner.start();
    for (int guard = 0; !queue_.empty() && guard < 10000; ++guard) {
      int id = queue_.front();
      queue_.pop_front();
      const GraphAction& a = *runner.graph().find(id);
      ActionOutcome outcome = carry_out(runner.graph(), a);
      if (a.no_wait) continue;  // confirmed when initiated
      Status st = runner.confirm(id, outcome);
      INFO(a.operation_key << " on " << a.on_node << ": " << (st.ok() ? "" : st.error().message()));
      REQUIRE(st.ok());
    }
    runner_ = nullptr;
    REQUIRE(done);
    return *done;
  }

  std::vector<std::string> executed;  // "key on node"

 private:
  ActionOutcome carry_out(const Graph& g, const GraphAction& a) {
    executed.push_back(a.operation_key + " on " + a.on_node);
    if (a.kind == ActionKind::kFence) {
      // The fencer succeeded: the node is down and its resources stopped.
      auto u = fenced_node_update(a);
      REQUIRE(u.ok());
      cluster_.apply_update(u->node_state_xml);
      for (const auto& p : u->delete_xpaths) cluster_.delete_xpath(p);
      return fence_outcome({true, ""});
    }
    if (a.kind == ActionKind::kClusterEvent) {
      if (a.operation == "clear_failcount") {
        auto clear = clear_failures(a);
        REQUIRE(clear.ok());
        cluster_.remove_attrs(a.on_node_uuid, *clear);
        cluster_.delete_xpath(clear->last_failure_xpath());
        return ActionOutcome::kOk;
      }
      if (a.operation == "lrm_delete") {
        auto paths = erase_xpaths(a);
        REQUIRE(paths.ok());
        for (const auto& p : *paths) cluster_.delete_xpath(p);
        return ActionOutcome::kOk;
      }
      if (a.operation == "do_shutdown") {
        // The node stops cleanly and leaves; its history stays.
        cluster_.set_node_state(
            a.on_node_uuid,
            {{"in_ccm", "false"}, {"crmd", "offline"}, {"join", "down"}, {"expected", "down"}});
        cluster_.remove_attr(a.on_node_uuid, "shutdown");
        return ActionOutcome::kOk;
      }
      FAIL("unexpected cluster event " << a.operation_key);
    }
    if (a.operation == "delete" || a.operation == "cancel") {
      auto paths = erase_xpaths(a);
      REQUIRE(paths.ok());
      for (const auto& p : *paths) cluster_.delete_xpath(p);
      return ActionOutcome::kOk;
    }
    OpResult r;
    r.rc = a.target_rc;
    if (results_) r = results_(a);
    r.call_id = cluster_.next_call_id();
    r.run_time = kNow;
    r.exec_time_ms = 12;
    HistoryContext ctx;
    ctx.transition_id = g.transition_id;
    ctx.dc_uuid = kDc;
    ctx.metadata = metadata_;
    auto update = result_update_xml(a, r, ctx);
    if (!update) FAIL(update.error().message());
    cluster_.apply_update(*update);
    auto c = classify(g, a, r, kNow);
    REQUIRE(c.ok());
    for (const auto& u : c->attr_updates) cluster_.update_attr(a.on_node_uuid, u);
    return c->outcome;
  }

  Cluster& cluster_;
  ResultFn results_;
  const AgentMetadata* metadata_ = nullptr;
  ManualClock clock_{kNow};
  std::deque<int> queue_;
  Runner* runner_ = nullptr;
};

std::string path_of(const std::string& rel) {
  return std::string(VIGIL_SOURCE_DIR) + "/" + rel;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Executes graphs until the engine has nothing left (at most `rounds`).
void settle(Cluster& c, int rounds = 3) {
  for (int i = 0; i < rounds; ++i) {
    std::string text = c.schedule();
    auto g = parse_graph(text);
    REQUIRE(g.ok());
    if (g->synapses.empty()) return;
    Driver d(c);
    RunSummary s = d.run(text);
    INFO(text);
    REQUIRE(s.result == GraphResult::kComplete);
  }
  FAIL("still scheduling after " << rounds << " transitions:\n" << c.schedule());
}

}  // namespace

TEST_CASE("loop: the web cluster starts from nothing and is then stable") {
  xml::init();
  Cluster c(path_of("examples/web-cluster.xml"));
  c.clear_history();
  std::string first = c.schedule();
  auto g = parse_graph(first);
  REQUIRE(g.ok());
  REQUIRE_FALSE(g->synapses.empty());
  Driver d(c);
  RunSummary s = d.run(first);
  CHECK(s.result == GraphResult::kComplete);
  CHECK(s.completed == s.synapses);
  // Probes everywhere, then the group on node1 (Web prefers it).
  CHECK(has(d.executed, "VIP_monitor_0 on node2"));
  CHECK(has(d.executed, "Web_monitor_0 on node1"));
  CHECK(has(d.executed, "VIP_start_0 on node1"));
  CHECK(has(d.executed, "Web_start_0 on node1"));
  CHECK(has(d.executed, "Web_monitor_30000 on node1"));
  CHECK(c.count_xpath("//node_state[@uname='node1']//lrm_rsc_op[@id='Web_monitor_30000']") == 1);

  std::string second = c.schedule();
  auto g2 = parse_graph(second);
  REQUIRE(g2.ok());
  INFO(second);
  CHECK(g2->synapses.empty());
}

TEST_CASE("loop: a failed monitor is recovered in place, then the cluster is stable again") {
  xml::init();
  Cluster c(path_of("examples/web-cluster.xml"));
  c.clear_history();
  settle(c);
  // Web's recurring monitor on node1 reports "not running".
  Driver fail(c, [](const GraphAction& a) {
    OpResult r;
    r.rc = a.target_rc;
    if (a.operation_key == "Web_monitor_30000") r.rc = 7;
    return r;
  });
  // Replay just the monitor: a one-action graph with the engine's attributes.
  std::string graph =
      "<transition_graph cluster-delay=\"60s\" stonith-timeout=\"60s\" "
      "failed-stop-offset=\"INFINITY\" failed-start-offset=\"INFINITY\" transition_id=\"7\">"
      "<synapse id=\"0\"><action_set><rsc_op id=\"1\" operation=\"monitor\" "
      "operation_key=\"Web_monitor_30000\" on_node=\"node1\" on_node_uuid=\"1\">"
      "<primitive id=\"Web\" class=\"ocf\" provider=\"heartbeat\" type=\"apache\"/>"
      "<attributes CRM_meta_interval=\"30000\" CRM_meta_name=\"monitor\" "
      "CRM_meta_on_node=\"node1\" CRM_meta_on_node_uuid=\"1\" CRM_meta_timeout=\"20000\" "
      "configfile=\"/etc/apache2/apache2.conf\" statusurl=\"http://127.0.0.1/server-status\"/>"
      "</rsc_op></action_set><inputs/></synapse></transition_graph>";
  RunSummary s = fail.run(graph);
  CHECK(s.result == GraphResult::kFailed);
  CHECK(c.count_xpath("//node_state[@uname='node1']//lrm_rsc_op[@id='Web_last_failure_0']") == 1);
  CHECK(c.count_xpath("//nvpair[@name='fail-count-Web#monitor_30000' and @value='1']") == 1);

  std::string recovery = c.schedule();
  INFO(recovery);
  auto g = parse_graph(recovery);
  REQUIRE(g.ok());
  Driver d(c);
  RunSummary r = d.run(recovery);
  CHECK(r.result == GraphResult::kComplete);
  // Restarted where it was: migration-threshold is INFINITY by default.
  CHECK(has(d.executed, "Web_stop_0 on node1"));
  CHECK(has(d.executed, "Web_start_0 on node1"));
  CHECK_FALSE(has(d.executed, "VIP_stop_0 on node1"));
  settle(c);
}

TEST_CASE("loop: with migration-threshold reached the group moves, then is stable") {
  xml::init();
  Cluster c(path_of("examples/web-cluster.xml"));
  c.clear_history();
  c.set_meta("Web", "migration-threshold", "1");
  settle(c);
  Driver fail(c, [](const GraphAction& a) {
    OpResult r;
    r.rc = a.target_rc;
    if (a.operation_key == "Web_monitor_30000") {
      r.rc = 1;
      r.exit_reason = "apache died";
    }
    return r;
  });
  // The next graph is empty; feed the monitor failure through a graph that
  // re-runs the monitor, as a recurring result would be reported.
  std::string graph =
      "<transition_graph cluster-delay=\"60s\" stonith-timeout=\"60s\" "
      "failed-stop-offset=\"INFINITY\" failed-start-offset=\"INFINITY\" transition_id=\"9\">"
      "<synapse id=\"0\"><action_set><rsc_op id=\"1\" operation=\"monitor\" "
      "operation_key=\"Web_monitor_30000\" on_node=\"node1\" on_node_uuid=\"1\">"
      "<primitive id=\"Web\" class=\"ocf\" provider=\"heartbeat\" type=\"apache\"/>"
      "<attributes CRM_meta_interval=\"30000\" CRM_meta_name=\"monitor\" "
      "CRM_meta_on_node=\"node1\" CRM_meta_on_node_uuid=\"1\" CRM_meta_timeout=\"20000\" "
      "configfile=\"/etc/apache2/apache2.conf\" statusurl=\"http://127.0.0.1/server-status\"/>"
      "</rsc_op></action_set><inputs/></synapse></transition_graph>";
  RunSummary s = fail.run(graph);
  CHECK(s.result == GraphResult::kFailed);
  std::string move = c.schedule();
  INFO(move);
  Driver d(c);
  RunSummary r = d.run(move);
  CHECK(r.result == GraphResult::kComplete);
  CHECK(has(d.executed, "Web_stop_0 on node1"));
  CHECK(has(d.executed, "VIP_stop_0 on node1"));
  CHECK(has(d.executed, "VIP_start_0 on node2"));
  CHECK(has(d.executed, "Web_start_0 on node2"));
  CHECK(has(d.executed, "Web_monitor_30000 on node2"));
  settle(c);
}

TEST_CASE("loop: scenario CIBs settle after one transition") {
  xml::init();
  for (const char* name : {"web-node1-offline", "order-sets", "orphan-stopped",
                           "coloc-minus-infinity", "target-role-stopped", "web-stopped"}) {
    INFO(name);
    Cluster c(path_of(std::string("tests/scenarios/") + name + ".xml"));
    std::string first = c.schedule();
    Driver d(c);
    RunSummary s = d.run(first);
    CHECK(s.result == GraphResult::kComplete);
    std::string second = c.schedule();
    auto g = parse_graph(second);
    REQUIRE(g.ok());
    INFO(second);
    CHECK(g->synapses.empty());
  }
}

TEST_CASE("loop: a cleared fail count lets the group come back, then all is stable") {
  xml::init();
  // Web failed on node1 (migration-threshold=1) and its monitor's recorded
  // definition differs, so the engine also clears the fail count while it
  // moves the group away; with the count gone, Web's preference for node1
  // brings the group back in the next transition.
  Cluster c(path_of("tests/scenarios/web-monitor-failed.xml"));
  Driver first(c);
  CHECK(first.run(c.schedule()).result == GraphResult::kComplete);
  CHECK(has(first.executed, "Web_clear_failcount_0 on node1"));
  CHECK(has(first.executed, "Web_start_0 on node2"));
  CHECK(c.count_xpath("//nvpair[starts-with(@name, 'fail-count-Web')]") == 0);
  std::string back = c.schedule();
  INFO(back);
  Driver second(c);
  CHECK(second.run(back).result == GraphResult::kComplete);
  CHECK(has(second.executed, "VIP_start_0 on node1"));
  CHECK(has(second.executed, "Web_start_0 on node1"));
  settle(c, 1);
}

TEST_CASE("loop: shutdown locks: a lock that ran out erases the history, then all is stable") {
  xml::init();
  auto now = parse_iso8601("2026-01-01T10:05:00Z");
  REQUIRE(now);
  Cluster c(path_of("tests/scenarios/shutdown-lock-offline.xml"), *now);
  std::string first = c.schedule();
  Driver d(c);
  CHECK(d.run(first).result == GraphResult::kComplete);
  CHECK(has(d.executed, "C_lrm_delete_0 on node1"));
  CHECK(c.count_xpath("//node_state[@uname='node1']//lrm_resource[@id='C']") == 0);
  std::string second = c.schedule();
  INFO(second);
  auto g = parse_graph(second);
  REQUIRE(g.ok());
  CHECK(g->synapses.empty());
}

TEST_CASE("loop: restart and secure digests from meta-data keep the cluster stable") {
  xml::init();
  // Every parameter reloadable (an empty op-force-restart list) and one that
  // needs a restart; a secret parameter.
  AgentMetadata all_reloadable;
  all_reloadable.reload_agent = true;
  for (const char* p : {"ip", "cidr_netmask", "configfile", "statusurl"}) {
    all_reloadable.params.push_back({p, true, false, false});
  }
  AgentMetadata some_restart = all_reloadable;
  some_restart.params[0].reloadable = false;  // ip
  some_restart.params[2].is_private = true;   // configfile
  for (const AgentMetadata* md : {&all_reloadable, &some_restart}) {
    Cluster c(path_of("examples/web-cluster.xml"));
    c.clear_history();
    Driver d(c, {}, md);
    CHECK(d.run(c.schedule()).result == GraphResult::kComplete);
    CHECK(c.count_xpath("//lrm_rsc_op[@op-restart-digest]") > 0);
    std::string second = c.schedule();
    INFO(second);
    auto g = parse_graph(second);
    REQUIRE(g.ok());
    CHECK(g->synapses.empty());
  }
}

TEST_CASE("loop: a changed parameter restarts, or reloads when the agent can") {
  xml::init();
  AgentMetadata reloadable;
  reloadable.reload_agent = true;
  for (const char* p : {"ip", "cidr_netmask", "configfile", "statusurl"}) {
    reloadable.params.push_back({p, true, false, false});
  }
  const AgentMetadata* none = nullptr;
  const AgentMetadata* with = &reloadable;
  for (const AgentMetadata* md : {none, with}) {
    INFO((md ? "with meta-data" : "without meta-data"));
    Cluster c(path_of("examples/web-cluster.xml"));
    c.clear_history();
    {
      Driver d(c, {}, md);
      CHECK(d.run(c.schedule()).result == GraphResult::kComplete);
    }
    c.set_param("VIP", "cidr_netmask", "16");
    std::string change = c.schedule();
    INFO(change);
    Driver d(c, {}, md);
    CHECK(d.run(change).result == GraphResult::kComplete);
    if (md) {
      CHECK(has(d.executed, "VIP_reload-agent_0 on node1"));
      CHECK_FALSE(has(d.executed, "VIP_stop_0 on node1"));
    } else {
      CHECK(has(d.executed, "VIP_stop_0 on node1"));
      CHECK(has(d.executed, "VIP_start_0 on node1"));
    }
    std::string after = c.schedule();
    INFO(after);
    auto g = parse_graph(after);
    REQUIRE(g.ok());
    CHECK(g->synapses.empty());
  }
}

TEST_CASE("loop: a lost node is fenced, its resources recovered, then all is stable") {
  xml::init();
  Cluster c(path_of("examples/web-cluster.xml"));
  c.clear_history();
  c.set_by_id("cib-bootstrap-options-stonith-enabled", "value", "true");
  c.add_config("resources",
               "<primitive id=\"fence1\" class=\"stonith\" type=\"fence_xvm\">"
               "<operations><op id=\"fence1-mon\" name=\"monitor\" interval=\"60s\"/>"
               "</operations></primitive>");
  settle(c);
  REQUIRE(c.count_xpath("//node_state[@uname='node1']//lrm_rsc_op[@id='Web_last_0' and "
                        "@operation='start']") == 1);
  // node1 drops out of the membership without shutting down: unclean.
  c.set_node_state("1", {{"in_ccm", "false"}, {"crmd", "offline"}, {"join", "down"}});
  std::string fencing = c.schedule();
  INFO(fencing);
  Driver d(c);
  CHECK(d.run(fencing).result == GraphResult::kComplete);
  CHECK(has(d.executed, "stonith-node1-reboot on node1"));
  CHECK(has(d.executed, "VIP_start_0 on node2"));
  CHECK(has(d.executed, "Web_start_0 on node2"));
  CHECK(c.count_xpath("//node_state[@uname='node1']/lrm") == 0);
  CHECK(c.count_xpath("//node_state[@uname='node1' and @expected='down']") == 1);
  std::string after = c.schedule();
  INFO(after);
  auto g = parse_graph(after);
  REQUIRE(g.ok());
  CHECK(g->synapses.empty());
}

TEST_CASE("loop: resources stopped by a locked shutdown stay locked to their node") {
  xml::init();
  auto now = parse_iso8601("2026-01-01T10:00:00Z");
  REQUIRE(now);
  Cluster c(path_of("tests/scenarios/shutdown-lock-stop.xml"), *now);
  std::string first = c.schedule();
  INFO(first);
  Driver d(c);
  CHECK(d.run(first).result == GraphResult::kComplete);
  CHECK(has(d.executed, "do_shutdown-node1 on node1"));
  CHECK(c.count_xpath("//node_state[@uname='node1']//lrm_resource[@shutdown-lock]") > 0);
  // node1 is gone; the locked resources must not move elsewhere.
  std::string second = c.schedule();
  INFO(second);
  auto g = parse_graph(second);
  REQUIRE(g.ok());
  CHECK(g->synapses.empty());
}
