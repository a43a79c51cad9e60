// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-pengine's summary counts come from the scheduler's summary items;
// they must equal what the "Transition Summary" text says, CIB by CIB.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "vigil/cib/cib.hpp"
#include "vigil/pengine/output.hpp"
#include "vigil/pengine/summary.hpp"
#include "vigil/pengine/working_set.hpp"
#include "vigil/pengined/service.hpp"

using namespace vigil;
using namespace vigil::pengined;

namespace {

constexpr std::int64_t kNow = 1784116800;  // 2026-07-15T12:00:00Z

using Counter = int SummaryCounts::*;
const std::map<std::string, Counter> kCounters = {
    {"start", &SummaryCounts::start},     {"stop", &SummaryCounts::stop},
    {"restart", &SummaryCounts::restart}, {"move", &SummaryCounts::move},
    {"recover", &SummaryCounts::recover}, {"promote", &SummaryCounts::promote},
    {"demote", &SummaryCounts::demote},   {"migrate", &SummaryCounts::migrate},
    {"fence", &SummaryCounts::fence},
};

// The reference: the transition summary's lines ("  * Start  rsc ...",
// "  * Fence (reboot) node2 ...") counted by their first word.
SummaryCounts counted_from_text(const std::string& text) {
  SummaryCounts c;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string bullet, verb;
    words >> bullet >> verb;
    for (char& ch : verb) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (auto it = kCounters.find(verb); bullet == "*" && it != kCounters.end()) {
      ++(c.*(it->second));
    }
  }
  return c;
}

std::string file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string edited(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// CIBs that between them make every counted change but promotions: the
// scenarios, and the web cluster with a changed parameter (restart), a lost
// node to fence and a migratable resource sent elsewhere.
std::vector<std::pair<std::string, std::string>> cibs() {
  const std::string root = VIGIL_SOURCE_DIR;
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : std::filesystem::directory_iterator(root + "/tests/scenarios")) {
    if (e.path().extension() == ".xml") out.emplace_back(e.path().filename(), file(e.path()));
  }
  std::sort(out.begin(), out.end());
  const std::string web = file(root + "/examples/web-cluster.xml");
  out.emplace_back("web: changed parameter",
                   edited(web, "/etc/apache2/apache2.conf", "/etc/apache2/other.conf"));
  std::string fence = edited(web, "name=\"stonith-enabled\" value=\"false\"",
                             "name=\"stonith-enabled\" value=\"true\"");
  fence = edited(fence, "<node_state id=\"2\" uname=\"node2\" in_ccm=\"true\"",
                 "<node_state id=\"2\" uname=\"node2\" in_ccm=\"false\"");
  fence = edited(fence, "</resources>",
                 "<primitive id=\"fencer\" class=\"stonith\" type=\"fence_xvm\"/></resources>");
  out.emplace_back("web: node2 lost", fence);
  std::string mig = edited(web, "</resources>",
                           "<primitive id=\"mig\" class=\"ocf\" type=\"Dummy\" "
                           "provider=\"pacemaker\"><meta_attributes id=\"mig-meta\"><nvpair "
                           "id=\"mig-am\" name=\"allow-migrate\" value=\"true\"/>"
                           "</meta_attributes></primitive></resources>");
  mig = edited(mig, "</constraints>",
               "<rsc_location id=\"loc-mig\" rsc=\"mig\" node=\"node2\" score=\"INFINITY\"/>"
               "</constraints>");
  mig = edited(mig, "</lrm_resources>",
               "<lrm_resource id=\"mig\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\">"
               "<lrm_rsc_op id=\"mig_last_0\" operation_key=\"mig_start_0\" operation=\"start\" "
               "transition-key=\"4:1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\" "
               "transition-magic=\"0:0;4:1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\" "
               "call-id=\"4\" rc-code=\"0\" op-status=\"0\" interval=\"0\"/>"
               "</lrm_resource></lrm_resources>");
  out.emplace_back("web: migrate", mig);
  return out;
}

// Schedules `cib` through the service and directly; the service's counts
// must be those of the text. Adds them to `total`; false when the scheduler
// refuses the CIB (`refusable`: a refusal is allowed).
bool counts_match(const std::string& name, const std::string& cib, SummaryCounts& total,
                  bool refusable = false) {
  INFO(name);
  ManualClock clock;
  Scheduler scheduler(clock, {});
  ComputeRequest request;
  request.cib_xml = cib;
  request.now = kNow;
  auto result = scheduler.compute(request);
  if (!result && refusable) return false;
  REQUIRE(result.ok());

  auto model = cib::Cib::from_string(cib, name);
  REQUIRE(model.ok());
  pengine::Options options;
  options.now = kNow;
  pengine::WorkingSet ws(**model, options);
  REQUIRE(pengine::schedule(ws).ok());
  const std::string text = pengine::transition_summary_text(ws);
  INFO(text);
  const SummaryCounts expected = counted_from_text(text);
  for (const auto& [verb, counter] : kCounters) {
    INFO(verb);
    CHECK(result->summary.*counter == expected.*counter);
    total.*counter += result->summary.*counter;
  }
  std::size_t synapses = 0;
  for (auto at = result->graph_xml.find("<synapse "); at != std::string::npos;
       at = result->graph_xml.find("<synapse ", at + 1)) {
    ++synapses;
  }
  CHECK(static_cast<std::size_t>(result->summary.actions) == synapses);
  return true;
}

}  // namespace

TEST_CASE("pengined: summary counts equal the transition summary's lines") {
  SummaryCounts total;
  for (const auto& [name, cib] : cibs()) counts_match(name, cib, total);
  // Each counter was compared on some change (promotion needs promotable
  // clones, which the scheduler refuses: see the next test).
  for (const auto& [verb, counter] : kCounters) {
    if (verb == "promote" || verb == "demote") continue;
    INFO(verb);
    CHECK(total.*counter > 0);
  }
}

// The same on Pacemaker's regression corpus (run on demand:
// vigil_pengined_tests "[.corpus]"; needs ../shared/conformance or
// $VIGIL_CONFORMANCE_DIR). CIBs the scheduler refuses are passed over.
TEST_CASE("pengined: summary counts equal the text on the corpus", "[.corpus]") {
  const char* env = std::getenv("VIGIL_CONFORMANCE_DIR");
  const std::filesystem::path base =
      env ? std::filesystem::path(env)
          : std::filesystem::path(VIGIL_SOURCE_DIR) / ".." / "shared" / "conformance";
  const std::filesystem::path dir = base / "cases" / "xml";
  REQUIRE(std::filesystem::is_directory(dir));
  SummaryCounts total;
  int scheduled = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (counts_match(e.path().filename(), file(e.path()), total, true)) ++scheduled;
  }
  WARN(scheduled << " CIBs compared");
  CHECK(scheduled > 300);
}

TEST_CASE("pengined: each kind of change has its own counter; the rest are not counted") {
  // Kind k appears k+1 times; its counter is the one the word it is printed
  // with names (the old count from text), none for Shutdown, Reload and
  // Re-promote. A counter fed by the wrong kind shows another number.
  std::vector<pengine::SummaryItem> items;
  SummaryCounts expected;
  int uncounted = 0;
  for (int k = 0; k <= static_cast<int>(pengine::Change::kRepromote); ++k) {
    const auto change = static_cast<pengine::Change>(k);
    for (int i = 0; i <= k; ++i) items.push_back({.change = change});
    std::string word = pengine::to_string(change);
    for (char& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (auto it = kCounters.find(word); it != kCounters.end()) {
      expected.*(it->second) += k + 1;
    } else {
      ++uncounted;
    }
  }
  CHECK(uncounted == 3);
  const SummaryCounts c = count_changes(items);
  for (const auto& [verb, counter] : kCounters) {
    INFO(verb);
    CHECK(c.*counter > 0);
    CHECK(c.*counter == expected.*counter);
  }
  CHECK(c.actions == 0);  // the caller's: the graph's synapses
}
