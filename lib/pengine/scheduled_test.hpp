// SPDX-License-Identifier: GPL-2.0-or-later
// For the engine's unit tests: a CIB text parsed and scheduled, with what the
// tests ask of the result (where a resource went, the transition summary).
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "vigil/cib/cib.hpp"
#include "vigil/pengine/output.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::pengine::testing {

// 2026-11-25, after every timestamp the tests write.
inline constexpr EpochSeconds kTestNow = 1795608000;

// The Cib must outlive the working set, so both are kept.
struct Scheduled {
  std::unique_ptr<cib::Cib> cib;
  std::unique_ptr<WorkingSet> ws;

  Resource& rsc(const std::string& id) const {
    Resource* r = ws->find_rsc(id);
    INFO("resource " << id);
    REQUIRE(r != nullptr);
    return *r;
  }
  // Where the resource was placed ("" = nowhere).
  std::string placed(const std::string& id) const {
    const Node* n = rsc(id).allocated_to;
    return n ? n->uname : "";
  }
  // The resource's score on a node.
  int score(const std::string& id, const std::string& node) const {
    const Node* n = ws->find_node(node);
    INFO("node " << node);
    REQUIRE(n != nullptr);
    return rsc(id).allowed[static_cast<std::size_t>(n->index)].weight;
  }
  // The transition summary, each line's runs of blanks squeezed to one space.
  std::vector<std::string> summary() const {
    std::istringstream in(transition_summary_text(*ws));
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
      std::istringstream words(line);
      std::string word, squeezed;
      while (words >> word) squeezed += (squeezed.empty() ? "" : " ") + word;
      if (!squeezed.empty()) lines.push_back(squeezed);
    }
    return lines;
  }
};

// Parses and schedules `text` with `opts`; a CIB that does not parse or
// schedule fails the test.
inline Scheduled schedule_with(const std::string& text, const Options& opts) {
  auto parsed = cib::Cib::from_string(text, "test.xml");
  INFO((parsed ? std::string("parsed") : parsed.error().message()));
  REQUIRE(parsed.ok());
  Scheduled s;
  s.cib = std::move(parsed).value();
  s.ws = std::make_unique<WorkingSet>(*s.cib, opts);
  auto st = pengine::schedule(*s.ws);
  INFO((st ? std::string("scheduled") : st.error().message()));
  REQUIRE(st.ok());
  return s;
}

// The same at `now`, score lines on.
inline Scheduled schedule(const std::string& text, EpochSeconds now = kTestNow) {
  Options opts;
  opts.now = now;
  opts.show_scores = true;
  return schedule_with(text, opts);
}

}  // namespace vigil::pengine::testing
