// SPDX-License-Identifier: GPL-2.0-or-later
// Tests' cluster in a box: a LiveCib holding a whole CIB whose every wait
// lets the "cluster" carry out what the scheduler plans on the CIB as it is
// then (its transition simulated as if every action succeeded), or, frozen,
// nothing at all. Commands that write, wait and check (resource restart,
// resource move) run against it as against a cluster that really acts.
#pragma once

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "resource_edit.hpp"
#include "status_view.hpp"
#include "vigil/admin/live_cib.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {

class BoxedCluster : public LiveCib {
 public:
  explicit BoxedCluster(const std::string& text) {
    auto d = xml::parse_string(text);
    REQUIRE(d);
    doc_ = std::move(*d);
    act();  // everything started before the test begins
  }
  Result<xml::DocPtr> read() override { return xml::DocPtr(xmlCopyDoc(doc_.get(), 1)); }
  Status write_configuration(xmlDoc* d) override {
    xmlNode* mine = xml::first_child(xmlDocGetRootElement(doc_.get()), "configuration");
    xmlNode* theirs = xml::first_child(xmlDocGetRootElement(d), "configuration");
    REQUIRE(mine);
    REQUIRE(theirs);
    xmlNode* copy = xmlDocCopyNode(theirs, doc_.get(), 1);
    xmlReplaceNode(mine, copy);
    xmlFreeNode(mine);
    writes.push_back(xml::to_string(copy, false));
    return ok_status();
  }
  void sleep_seconds(int s) override {
    clock += s;
    ++sleeps;
    if (!frozen) act();
  }
  EpochSeconds now() override { return clock; }

  // Nodes where the scheduler sees `id`, or a member or instance of it,
  // active.
  std::set<std::string> active_nodes(const std::string& id) {
    auto state = status_view::unpack_copy(doc_.get(), clock, false);
    REQUIRE(state);
    std::set<std::string> out;
    for (const auto& r : state->ws->all_rscs) {
      bool under = false;
      for (const pengine::Resource* p = r.get(); p != nullptr; p = p->parent) under |= p->id == id;
      if (!under || !r->is_primitive()) continue;
      for (const pengine::Node* n : r->running_on) out.insert(n->uname);
    }
    return out;
  }

  // The text of the status section, to see which operations ran.
  std::string status() const {
    return xml::to_string(xml::first_child(xmlDocGetRootElement(doc_.get()), "status"), false);
  }

  EpochSeconds clock = 1700000000;
  int sleeps = 0;
  bool frozen = false;
  std::vector<std::string> writes;

 private:
  void act() {
    auto next = simulate_cluster_reaction(doc_.get(), clock);
    REQUIRE(next);
    doc_ = std::move(*next);
  }
  xml::DocPtr doc_;
};

}  // namespace vigil::admin
