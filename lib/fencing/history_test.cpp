// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/fencing/history.hpp"

#include <catch2/catch.hpp>

using namespace vigil::fencing;

namespace {
HistoryEntry entry(const std::string& id, OpState state, std::int64_t completed,
                   const std::string& target = "node2", std::int64_t created = 5) {
  return HistoryEntry{id,      target, "reboot", "node1",   "crmd",
                      "node3", state,  created,  completed, {}};
}
}  // namespace

TEST_CASE("history: merge keeps the entry that got further, in any order") {
  const auto pending = entry("a", OpState::kPending, 0);
  const auto done = entry("a", OpState::kDone, 9);
  const auto other = entry("b", OpState::kFailed, 7, "node3");
  FenceHistory x, y;
  x.record(pending);
  CHECK(x.merge({done, other}).size() == 2);
  y.merge({other, done});
  y.merge({pending});  // older news changes nothing
  CHECK(x.entries() == y.entries());
  CHECK(x.find("a")->state == OpState::kDone);
  CHECK(x.merge({done}).empty());
  CHECK(x.for_target("node3").size() == 1);
}

TEST_CASE("history: cleanup and trim drop finished entries only") {
  FenceHistory h;
  h.record(entry("a", OpState::kPending, 0));
  h.record(entry("b", OpState::kDone, 3));
  h.record(entry("c", OpState::kFailed, 4, "node3", 6));
  CHECK(h.cleanup("node2") == 1);
  CHECK(h.size() == 2);
  h.record(entry("d", OpState::kDone, 8, "node2", 7));
  h.trim(1);
  CHECK(h.size() == 2);  // the pending one and the newest finished one
  CHECK(h.find("a"));
  CHECK(h.find("d"));
  CHECK_FALSE(h.find("c"));
}
