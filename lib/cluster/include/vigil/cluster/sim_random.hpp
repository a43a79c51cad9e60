// SPDX-License-Identifier: GPL-2.0-or-later
// A seeded pseudo-random generator whose sequence is the same on every
// platform and standard library (std::uniform_int_distribution is not), so a
// seed reproduces a simulated run exactly. xoshiro256** seeded by splitmix64.
// Not for anything that needs unpredictability.
#pragma once

#include <array>
#include <cstdint>

namespace vigil::cluster {

class SimRandom {
 public:
  explicit SimRandom(std::uint64_t seed);

  std::uint64_t next();
  // Uniform in [0, bound); bound must be > 0.
  std::uint64_t below(std::uint64_t bound);
  // Uniform in [lo, hi] (inclusive); requires lo <= hi.
  std::int64_t between(std::int64_t lo, std::int64_t hi);
  // Uniform in [0, 1).
  double unit();
  // True with probability p (p <= 0: never, p >= 1: always).
  bool chance(double p);

 private:
  std::array<std::uint64_t, 4> s_;
};

}  // namespace vigil::cluster
