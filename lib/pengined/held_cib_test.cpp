// SPDX-License-Identifier: GPL-2.0-or-later
// The scheduler's held CIB brought forward by vigil-cib's diffs: after each
// change of a series (results recorded, attributes set and deleted, a node
// added, the configuration changed, quorum lost), the graph from the held
// model is the graph of a scheduler reading the same CIB whole; only what a
// change touched is read again; bad changes are refused and drop the copy.
#include "held_cib.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "held_cib_test_support.hpp"
#include "vigil/cibd/wire.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengined/cib_changes.hpp"
#include "vigil/pengined/service.hpp"

using namespace vigil;
using namespace vigil::pengined;

namespace {

using testing::kNow;
using testing::kWebCluster;
using testing::Master;
using testing::read;
using testing::SavingScheduler;

cibd::CibRequest modify(std::string scope, std::string payload) {
  cibd::CibRequest r;
  r.op = cibd::CibOp::kModify;
  r.scope = std::move(scope);
  r.payload = std::move(payload);
  r.allow_create = true;
  return r;
}

cibd::CibRequest erase_at(std::string xpath) {
  cibd::CibRequest r;
  r.op = cibd::CibOp::kDelete;
  r.scope = std::move(xpath);
  return r;
}

// A result as the DC records it: one lrm_rsc_op under its resource.
std::string result(const std::string& node, const std::string& rsc, const std::string& op_id,
                   const std::string& task, int interval, int call, int rc) {
  return "<node_state id=\"" + node + "\"><lrm id=\"" + node +
         "\"><lrm_resources><lrm_resource id=\"" + rsc +
         "\" class=\"ocf\" provider=\"heartbeat\" type=\"" + (rsc == "VIP" ? "IPaddr2" : "apache") +
         "\"><lrm_rsc_op id=\"" + op_id + "\" operation_key=\"" + rsc + "_" + task + "_" +
         std::to_string(interval) + "\" operation=\"" + task +
         "\" crm_feature_set=\"3.16.1\" transition-key=\"9:5:0:abc\" transition-magic=\"0:" +
         std::to_string(rc) + ";9:5:0:abc\" call-id=\"" + std::to_string(call) + "\" rc-code=\"" +
         std::to_string(rc) + "\" op-status=\"0\" interval=\"" + std::to_string(interval) +
         "\" last-rc-change=\"1784115000\" exec-time=\"0\" " +
         "queue-time=\"0\" op-digest=\"6b0efdc6f127e47adb4b4355f22f72f9\"/></lrm_resource>" +
         "</lrm_resources></lrm></node_state>";
}

std::string attribute(const std::string& node, const std::string& name, const std::string& value) {
  return "<node_state id=\"" + node + "\"><transient_attributes id=\"" + node +
         "\"><instance_attributes id=\"status-" + node + "\"><nvpair id=\"status-" + node + "-" +
         name + "\" name=\"" + name + "\" value=\"" + value +
         "\"/></instance_attributes></transient_attributes></node_state>";
}

ComputeRequest changes(const cibd::CibVersion& base, std::vector<std::string> diffs) {
  ComputeRequest r;
  r.base = base;
  r.diffs = std::move(diffs);
  r.transition_id = 3;
  r.now = kNow;
  return r;
}

// The graph of a scheduler that reads the master's CIB whole.
std::string from_scratch(const Master& m) {
  ManualClock clock;
  Scheduler fresh(clock, {});
  ComputeRequest r;
  r.cib_xml = m.store.to_xml();
  r.transition_id = 3;
  r.now = kNow;
  auto out = fresh.compute(r);
  REQUIRE(out);
  return out->graph_xml;
}

}  // namespace

TEST_CASE("pengined: a series of diffs gives the graphs of whole reads, re-reading what changed") {
  auto loaded = cibd::Store::from_xml(read(kWebCluster));
  REQUIRE(loaded);
  Master master{std::move(*loaded)};
  ManualClock clock;
  Scheduler scheduler(clock, {});
  ComputeRequest whole;
  whole.cib_xml = master.store.to_xml();
  whole.transition_id = 3;
  whole.now = kNow;
  auto first = scheduler.compute(whole);
  REQUIRE(first);
  CHECK(first->cib_read == "whole");
  REQUIRE(first->cib_version == master.store.version());
  CHECK(first->graph_xml == from_scratch(master));

  struct Step {
    const char* what;
    std::vector<cibd::CibRequest> requests;
    const char* read;  // what the held copy re-read
    int stops = 0;     // stops the graph must have (the change mattered)
  };
  const std::vector<Step> steps = {
      {"a monitor fails on node1",
       {modify("status", result("1", "Web", "Web_monitor_30000", "monitor", 30000, 4, 7))},
       "diffs=1 node_states=1"},
      {"its fail count and last failure",
       {modify("status", attribute("1", "fail-count-Web#monitor_30000", "1")),
        modify("status", attribute("1", "last-failure-Web#monitor_30000", "1784115000"))},
       "diffs=2 node_states=1"},
      {"the recovery: stop and start recorded",
       {modify("status", result("1", "Web", "Web_last_0", "stop", 0, 5, 0)),
        modify("status", result("1", "Web", "Web_last_0", "start", 0, 6, 0)),
        modify("status", result("1", "Web", "Web_monitor_30000", "monitor", 30000, 7, 0))},
       "diffs=3 node_states=1"},
      {"a cleanup: the fail count and the resource's history on node2 go",
       {erase_at("/cib/status/node_state[@id='1']/transient_attributes//"
                 "nvpair[@name='fail-count-Web#monitor_30000']"),
        erase_at("/cib/status/node_state[@id='2']/lrm/lrm_resources/lrm_resource[@id='Web']")},
       "diffs=2 node_states=2"},
      {"node2 drops out",
       {modify("status",
               "<node_state id=\"2\" uname=\"node2\" in_ccm=\"false\" crmd=\"offline\" "
               "join=\"down\" expected=\"down\"/>")},
       "diffs=1 node_states=1"},
      {"quorum lost, on the root",
       {modify("", "<cib have-quorum=\"0\"/>")},
       "diffs=1 node_states=0"},
      {"a third node appears in status",
       {modify("status",
               "<node_state id=\"3\" uname=\"node3\" in_ccm=\"true\" crmd=\"online\" "
               "join=\"member\" expected=\"member\"/>")},
       "diffs=1 node_states=1"},
      {"the configuration changes: Web prefers node2",
       {[] {
         cibd::CibRequest r;
         r.op = cibd::CibOp::kCreate;
         r.scope = "constraints";
         r.payload = "<rsc_location id=\"web-prefers-2\" rsc=\"Web\" node=\"node2\" score=\"50\"/>";
         return r;
       }()},
       "whole"},
      {"the group needs a ticket that is granted",
       {[] {
          cibd::CibRequest r;
          r.op = cibd::CibOp::kCreate;
          r.scope = "constraints";
          r.payload =
              "<rsc_ticket id=\"web-needs-t\" rsc=\"myweb\" ticket=\"t\" "
              "loss-policy=\"stop\"/>";
          return r;
        }(),
        modify("status", "<tickets><ticket_state id=\"t\" granted=\"true\"/></tickets>")},
       "whole"},
      {"the ticket is revoked",
       {modify("status", "<tickets><ticket_state id=\"t\" granted=\"false\"/></tickets>")},
       "diffs=1 node_states=0",
       2},
      {"no change at all (a recheck)", {}, "diffs=0 node_states=0"},
  };
  for (const Step& step : steps) {
    INFO(step.what);
    const cibd::CibVersion base = *first->cib_version;
    std::vector<std::string> diffs;
    for (const auto& req : step.requests) diffs.push_back(master.apply(req));
    auto out = scheduler.compute(changes(base, diffs));
    REQUIRE(out);
    CHECK(out->cib_read == step.read);
    CHECK(out->cib_version == master.store.version());
    CHECK(out->graph_xml == from_scratch(master));
    CHECK(out->summary.stop >= step.stops);
    first = std::move(out);
  }
}

TEST_CASE("pengined: changes the held copy cannot take are refused and drop it") {
  auto loaded = cibd::Store::from_xml(read(kWebCluster));
  REQUIRE(loaded);
  Master master{std::move(*loaded)};
  ManualClock clock;
  Scheduler scheduler(clock, {});

  SECTION("nothing held yet") {
    auto out = scheduler.compute(changes(master.store.version(), {}));
    REQUIRE_FALSE(out);
    CHECK(out.error().code() == ErrorCode::kNotFound);
    CHECK(out.error().message().find("none held") != std::string::npos);
  }

  ComputeRequest whole;
  whole.cib_xml = master.store.to_xml();
  whole.now = kNow;
  REQUIRE(scheduler.compute(whole));
  const cibd::CibVersion held = master.store.version();
  const std::string good = master.apply(modify("status", attribute("1", "probe", "1")));

  auto refused = [&](const std::vector<std::string>& diffs, cibd::CibVersion base,
                     const std::string& why) {
    auto out = scheduler.compute(changes(base, diffs));
    REQUIRE_FALSE(out);
    CHECK(out.error().code() == ErrorCode::kNotFound);
    CHECK(out.error().message().find(why) != std::string::npos);
    // Nothing is held any more: even the right change is refused now.
    auto again = scheduler.compute(changes(held, {good}));
    REQUIRE_FALSE(again);
    CHECK(again.error().message().find("none held") != std::string::npos);
  };
  SECTION("another base") {
    refused({good}, master.store.version(),
            "the changes start at " + master.store.version().to_string());
  }
  SECTION("not XML") {
    refused({"<cib-diff from="}, held, "CIB diff");
  }
  SECTION("a gap between two diffs") {
    master.apply(modify("status", attribute("2", "probe", "1")));
    const std::string third = master.apply(modify("status", attribute("2", "probe", "2")));
    refused({good, third}, held, "the next change starts at");
  }
  SECTION("a digest that differs") {
    std::string bad = good;
    const auto at = bad.find("digest=\"") + 8;
    bad[at] = bad[at] == '0' ? '1' : '0';
    refused({bad}, held, "digest");
  }
  SECTION("a request that cannot be applied") {
    std::string bad = "<cib-diff from=\"" + held.to_string() + "\" to=\"0:9:9\">" +
                      cibd::encode_request(modify("/cib/status/nothing[", "<x/>")) + "</cib-diff>";
    refused({bad}, held, "XPath");
  }
  SECTION("a replacement of the whole CIB") {
    refused({"<cib-diff from=\"" + held.to_string() + "\" to=\"0:9:0\" full=\"true\"/>"}, held,
            "whole CIB was replaced");
  }
  SECTION("the request encodes and decodes with its diffs") {
    auto back = decode_compute_request(encode_compute_request(changes(held, {good})));
    REQUIRE(back);
    REQUIRE(back->base == held);
    REQUIRE(back->diffs.size() == 1);
    auto out = scheduler.compute(*back);
    REQUIRE(out);
    CHECK(out->cib_read == "diffs=1 node_states=1");
  }
}

TEST_CASE("pengined: the DC's chain of changes gives the diffs between two versions") {
  auto change = [](std::int64_t from, std::int64_t to, std::string diff = "") {
    cibd::CibChange c;
    c.previous = {0, 5, from};
    c.current = {0, 5, to};
    c.diff = diff.empty() ? "<cib-diff n=\"" + std::to_string(to) + "\"><cib-request/></cib-diff>"
                          : diff;
    return c;
  };
  const cibd::CibVersion v1{0, 5, 1}, v2{0, 5, 2}, v3{0, 5, 3}, v4{0, 5, 4};
  CibChanges chain;
  chain.record(change(1, 2));
  chain.record(change(2, 3));
  CHECK(chain.between(v1, v1) == std::vector<std::string>{});
  auto both = chain.between(v1, v3);
  REQUIRE(both);
  REQUIRE(both->size() == 2);
  CHECK((*both)[1].find("n=\"3\"") != std::string::npos);
  CHECK(chain.between(v2, v3)->size() == 1);
  CHECK_FALSE(chain.between(v1, v4));  // not there yet
  CHECK_FALSE(chain.between({0, 4, 0}, v3));
  chain.forget_through(v2);
  CHECK(chain.size() == 1);
  CHECK_FALSE(chain.between(v1, v3));
  // A gap starts the chain again; so does a replacement of the whole CIB.
  chain.record(change(3, 4));
  chain.record(change(9, 10));
  CHECK(chain.size() == 1);
  CHECK_FALSE(chain.between(v3, v4));
  chain.record(change(10, 11, "<cib-diff from=\"0:5:10\" to=\"0:5:11\" full=\"true\"/>"));
  CHECK(chain.size() == 0);
  // Beyond its size the oldest changes go.
  CibChanges small(100);
  for (int i = 1; i <= 5; ++i)
    small.record(change(i, i + 1, std::string(40, 'x') + "<cib-request"));
  CHECK(small.size() == 1);
  CHECK_FALSE(small.between(v1, {0, 5, 6}));
}

TEST_CASE("pengined: the input of a run from diffs is saved whole and replays to the same graph") {
  auto loaded = cibd::Store::from_xml(read(kWebCluster));
  REQUIRE(loaded);
  Master master{std::move(*loaded)};
  SavingScheduler run(master);
  const std::string diff = master.apply(
      modify("status", result("1", "Web", "Web_monitor_30000", "monitor", 30000, 4, 7)));
  auto out = run.after(diff, 3);
  REQUIRE(out);
  CHECK(out->input_name == "pe-input-1");
  const std::string saved = read(out->input_path);
  auto doc = xml::parse_string(saved, "saved input");
  REQUIRE(doc);
  const std::string date = xml::attr_or(xmlDocGetRootElement(doc->get()), "execution-date");
  REQUIRE(date == std::to_string(kNow));
  // A scheduler reading that file whole at its execution date decides the same.
  ManualClock other_clock;
  Scheduler replay(other_clock, {});
  ComputeRequest again;
  again.cib_xml = saved;
  again.transition_id = 3;
  again.now = std::stoll(date);
  auto replayed = replay.compute(again);
  REQUIRE(replayed);
  CHECK(replayed->graph_xml == out->graph_xml);
}

TEST_CASE("pengined: the held CIB is parsed compactly, as parse_string reads it") {
  const std::string text = read(kWebCluster);
  auto compact = HeldCib::parse(text);
  REQUIRE(compact);
  auto plain = xml::parse_string(text, "CIB");
  REQUIRE(plain);
  CHECK(xml::to_string(compact->get(), false) == xml::to_string(plain->get(), false));

  // Every short attribute value lives in its text node (no allocation).
  int short_values = 0, inline_values = 0;
  std::vector<const xmlNode*> todo{xmlDocGetRootElement(compact->get())};
  while (!todo.empty()) {
    const xmlNode* n = todo.back();
    todo.pop_back();
    for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
      const xmlNode* t = a->children;
      REQUIRE(t != nullptr);
      const auto len = std::strlen(reinterpret_cast<const char*>(t->content));
      if (len < 4 || len >= 16) continue;  // libxml2 shares the shortest through its dictionary
      ++short_values;
      inline_values += t->content == reinterpret_cast<const xmlChar*>(&t->properties);
    }
    for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
      if (c->type == XML_ELEMENT_NODE) todo.push_back(c);
    }
  }
  CHECK(short_values > 50);
  CHECK(inline_values == short_values);

  // The same refusals, word for word.
  for (const std::string bad : {"this is not xml <", "", "<cib", "<cib></cob>",
                                "<!DOCTYPE cib [<!ENTITY x 'y'>]><cib>&x;</cib>"}) {
    auto a = HeldCib::parse(bad);
    auto b = xml::parse_string(bad, "CIB");
    REQUIRE_FALSE(a);
    REQUIRE_FALSE(b);
    CHECK(a.error().code() == b.error().code());
    CHECK(a.error().message() == b.error().message());
  }

  // vigil-cib's changes on a compact tree (values set, lengthened, shortened,
  // elements replaced and deleted) make the document and digest they make
  // on a plain one.
  auto held = cibd::Store::from_doc(std::move(compact).value(), false);
  auto reference = cibd::Store::from_doc(std::move(plain).value(), false);
  REQUIRE(held);
  REQUIRE(reference);
  const std::vector<cibd::CibRequest> requests = {
      modify("status", result("1", "Web", "Web_monitor_30000", "monitor", 30000, 4, 7)),
      modify("status", attribute("1", "fail-count-Web#monitor_30000", "1")),
      modify("status", attribute("1", "fail-count-Web#monitor_30000", "a much longer value here")),
      modify("status", attribute("1", "fail-count-Web#monitor_30000", "2")),
      modify("status", "<node_state id=\"2\" crmd=\"offline\" join=\"down\" expected=\"down\"/>"),
      erase_at("//node_state[@id='1']//lrm_resource[@id='Web']"),
      erase_at("//node_state[@id='1']/transient_attributes"),
  };
  cibd::UpdateMeta meta{"node1", "crmd", "hacluster", 1784110000};
  for (const cibd::CibRequest& req : requests) {
    auto a = held->apply(req, meta, false);
    auto b = reference->apply(req, meta, false);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->changed == b->changed);
    CHECK(held->digest() == reference->digest());
    CHECK(held->to_xml() == reference->to_xml());
  }
}
