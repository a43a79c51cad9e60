// SPDX-License-Identifier: GPL-2.0-or-later
// The held copy keeps the node_states' resource histories as text: a change
// that reaches one makes it a tree again first (a payload naming it, an
// XPath into it, an XPath that could reach any node), the model and the
// document stay those of a whole read, the digest follows vigil-cib's and
// the saved input is the CIB's bytes.
#include <libxml/parserInternals.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "held_cib.hpp"
#include "held_cib_test_support.hpp"
#include "vigil/cibd/wire.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengined/service.hpp"

using namespace vigil;
using namespace vigil::pengined;

namespace {

using testing::kNow;
using testing::kWebCluster;
using testing::Master;
using testing::read;
using testing::SavingScheduler;

cibd::CibRequest request(cibd::CibOp op, std::string scope, std::string payload = "") {
  cibd::CibRequest r;
  r.op = op;
  r.scope = std::move(scope);
  r.payload = std::move(payload);
  r.allow_create = true;
  return r;
}

std::string result(const std::string& node, const std::string& rsc, const std::string& op_id,
                   const std::string& task, int call, int rc) {
  return "<node_state id=\"" + node + "\"><lrm id=\"" + node +
         "\"><lrm_resources><lrm_resource id=\"" + rsc +
         "\" class=\"ocf\" provider=\"heartbeat\" type=\"apache\"><lrm_rsc_op id=\"" + op_id +
         "\" operation_key=\"" + rsc + "_" + task + "_0\" operation=\"" + task +
         "\" crm_feature_set=\"3.16.1\" transition-key=\"9:5:0:abc\" transition-magic=\"0:" +
         std::to_string(rc) + ";9:5:0:abc\" call-id=\"" + std::to_string(call) + "\" rc-code=\"" +
         std::to_string(rc) +
         "\" op-status=\"0\" interval=\"0\" last-rc-change=\"1784115000\" exec-time=\"0\" "
         "queue-time=\"0\" op-digest=\"6b0efdc6f127e47adb4b4355f22f72f9\"/></lrm_resource>"
         "</lrm_resources></lrm></node_state>";
}

// How many <lrm>s hold their history as a tree, and as text.
std::pair<int, int> histories(const xmlDoc* doc) {
  int trees = 0, texts = 0;
  const xmlNode* status =
      xml::first_child(xmlDocGetRootElement(const_cast<xmlDoc*>(doc)), "status");
  for (const xmlNode* ns : xml::children(status, "node_state")) {
    for (const xmlNode* lrm : xml::children(ns, "lrm")) {
      const xmlNode* c = lrm->children;
      if (c != nullptr && c->next == nullptr && c->type == XML_TEXT_NODE &&
          c->name == xmlStringTextNoenc) {
        ++texts;
      } else if (c != nullptr) {
        ++trees;
      }
    }
  }
  return {trees, texts};
}

// The held model's histories are a whole read's.
void same_histories(const cib::Cib& held, const cib::Cib& whole) {
  REQUIRE(held.node_states.size() == whole.node_states.size());
  for (std::size_t i = 0; i < held.node_states.size(); ++i) {
    const cib::NodeState& a = held.node_states[i];
    const cib::NodeState& b = whole.node_states[i];
    INFO("node_state " << b.id);
    CHECK(a.id == b.id);
    CHECK(a.has_lrm == b.has_lrm);
    CHECK(a.crmd == b.crmd);
    CHECK(a.transient_sets.size() == b.transient_sets.size());
    REQUIRE(a.resources.size() == b.resources.size());
    for (std::size_t r = 0; r < a.resources.size(); ++r) {
      CHECK(a.resources[r].id == b.resources[r].id);
      REQUIRE(a.resources[r].ops.size() == b.resources[r].ops.size());
      for (std::size_t o = 0; o < a.resources[r].ops.size(); ++o) {
        CHECK(a.resources[r].ops[o].id == b.resources[r].ops[o].id);
        CHECK(a.resources[r].ops[o].call_id == b.resources[r].ops[o].call_id);
        CHECK(a.resources[r].ops[o].rc == b.resources[r].ops[o].rc);
        CHECK(a.resources[r].ops[o].doc_index == b.resources[r].ops[o].doc_index);
      }
    }
  }
}

}  // namespace

TEST_CASE("pengined: histories kept as text become trees where a change reaches them") {
  auto loaded = cibd::Store::from_xml(read(kWebCluster));
  REQUIRE(loaded);
  Master master{std::move(*loaded), 1784110000, ""};
  const std::string original = master.store.to_xml();
  auto doc = HeldCib::parse(original);
  REQUIRE(doc);
  HeldCib held;
  REQUIRE(held.adopt(std::move(doc).value()));
  // Every history is text, and the document writes out as it came.
  CHECK(histories(held.doc()) == std::pair<int, int>{0, 2});
  CHECK(held.text() == original);
  CHECK(held.digest() == master.store.digest());

  struct Step {
    const char* what;
    cibd::CibRequest req;
    const char* reread;  // "whole" or "diffs=1 node_states=N"
  };
  const std::vector<Step> steps = {
      {"a result recorded on node1 (a payload naming it)",
       request(cibd::CibOp::kModify, "status",
               result("1", "Web", "Web_monitor_30000", "monitor", 4, 7)),
       "diffs=1 node_states=1"},
      {"a resource's history deleted by an XPath into node2",
       request(cibd::CibOp::kDelete,
               "/cib/status/node_state[@id='2']/lrm/lrm_resources/lrm_resource[@id='Web']"),
       "diffs=1 node_states=1"},
      {"an operation deleted by an XPath that could reach any node",
       request(cibd::CibOp::kDelete, "//lrm_resource[@id='VIP']/lrm_rsc_op[@id='VIP_last_0']"),
       "diffs=1 node_states=2"},
      {"an attribute of a node_state, by an XPath into it",
       request(cibd::CibOp::kModify, "/cib/status/node_state[@id='1']",
               "<node_state id=\"1\" crmd=\"offline\"/>"),
       "diffs=1 node_states=1"},
      {"the configuration changes (the model is read whole, the histories stay text)",
       request(cibd::CibOp::kCreate, "constraints",
               "<rsc_location id=\"web-prefers-2\" rsc=\"Web\" node=\"node2\" score=\"50\"/>"),
       "whole"},
      {"an XPath into the configuration",
       request(cibd::CibOp::kDelete,
               "/cib/configuration/constraints/rsc_location[@id='web-prefers-2']"),
       "whole"},
      {"quorum lost, on the root", request(cibd::CibOp::kModify, "", "<cib have-quorum=\"0\"/>"),
       "diffs=1 node_states=0"},
      {"a whole history deleted by an XPath into node1",
       request(cibd::CibOp::kDelete, "/cib/status/node_state[@id='1']/lrm"),
       "diffs=1 node_states=1"},
  };
  for (const Step& step : steps) {
    INFO(step.what);
    const cibd::CibVersion base = held.version();
    const std::string diff = master.apply(step.req);
    REQUIRE(held.apply(base, {&diff, 1}));
    const HeldCib::Reread& rr = held.last_reread();
    CHECK((rr.whole_model ? std::string("whole")
                          : "diffs=" + std::to_string(rr.diffs) +
                                " node_states=" + std::to_string(rr.node_states)) == step.reread);
    CHECK(held.version() == master.store.version());
    CHECK(held.digest() == master.store.digest());
    // The document written out is vigil-cib's, byte for byte.
    CHECK(held.text() == master.store.to_xml());
    // Histories are text again after every change.
    CHECK(histories(held.doc()).first == 0);
    auto whole = cib::Cib::from_string(master.store.to_xml(), "CIB");
    REQUIRE(whole);
    same_histories(held.model(), **whole);
  }
  CHECK(histories(held.doc()) == std::pair<int, int>{0, 1});
}

TEST_CASE(
    "pengined: a change inside a history kept as text that the diff does not name is caught") {
  // A change that reaches a history only through its XPath's predicates is
  // told apart as "any node": the copy takes it; a diff whose digest does not
  // follow is refused as ever.
  auto loaded = cibd::Store::from_xml(read(kWebCluster));
  REQUIRE(loaded);
  Master master{std::move(*loaded), 1784110000, ""};
  auto doc = HeldCib::parse(master.store.to_xml());
  REQUIRE(doc);
  HeldCib held;
  REQUIRE(held.adopt(std::move(doc).value()));
  const cibd::CibVersion base = held.version();
  std::string diff =
      master.apply(request(cibd::CibOp::kDelete,
                           "/cib/status/node_state[lrm/lrm_resources/lrm_resource[@id='Web']]"
                           "/lrm/lrm_resources/lrm_resource[@id='Web']"));
  REQUIRE(held.apply(base, {&diff, 1}));
  CHECK(held.digest() == master.store.digest());
  CHECK(held.text() == master.store.to_xml());

  const cibd::CibVersion next = held.version();
  std::string bad = master.apply(
      request(cibd::CibOp::kModify, "status", result("2", "VIP", "VIP_last_0", "stop", 9, 0)));
  const auto at = bad.find("digest=\"") + 8;
  bad[at] = bad[at] == '0' ? '1' : '0';
  auto refused = held.apply(next, {&bad, 1});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kNotFound);
  CHECK_FALSE(held.holds());
}

TEST_CASE("pengined: the input saved from a held copy with histories as text is the CIB") {
  auto loaded = cibd::Store::from_xml(read(kWebCluster));
  REQUIRE(loaded);
  Master master{std::move(*loaded), 1784110000, ""};
  SavingScheduler run(master);
  const std::string diff = master.apply(
      request(cibd::CibOp::kModify, "status", result("2", "Web", "Web_last_0", "stop", 8, 0)));
  auto out = run.after(diff);
  REQUIRE(out);
  CHECK(out->cib_read == "diffs=1 node_states=1");
  REQUIRE(out->input_name == "pe-input-1");
  // The file is the master's CIB with the run's execution-date.
  auto saved = xml::parse_string(read(out->input_path), "saved input");
  REQUIRE(saved);
  xmlUnsetProp(xmlDocGetRootElement(saved->get()),
               reinterpret_cast<const xmlChar*>("execution-date"));
  CHECK(xml::to_string(saved->get(), false) == master.store.to_xml());
}
