// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cluster/sim_random.hpp"

#include <catch2/catch.hpp>

using vigil::cluster::SimRandom;

TEST_CASE("SimRandom: a seed gives the same sequence, another seed another one") {
  SimRandom a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next();
    CHECK(x == b.next());
    differs = differs || x != c.next();
  }
  CHECK(differs);
}

TEST_CASE("SimRandom: the sequence is pinned (platform independent)") {
  // First outputs of xoshiro256** seeded through splitmix64(0); a change
  // here would silently change every recorded seed's run.
  SimRandom r(0);
  const std::uint64_t first = r.next();
  SimRandom again(0);
  CHECK(again.next() == first);
  CHECK(first == 0x99ec5f36cb75f2b4ULL);
}

TEST_CASE("SimRandom: ranges stay in bounds and cover them") {
  SimRandom r(7);
  bool seen[6] = {};
  for (int i = 0; i < 1000; ++i) {
    const auto v = r.between(-2, 3);
    REQUIRE(v >= -2);
    REQUIRE(v <= 3);
    seen[v + 2] = true;
    const double u = r.unit();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    REQUIRE(r.below(10) < 10);
  }
  for (bool s : seen) CHECK(s);
  CHECK(r.below(1) == 0);
  CHECK(r.between(5, 5) == 5);
  CHECK_FALSE(r.chance(0.0));
  CHECK(r.chance(1.0));
}
