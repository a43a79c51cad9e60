// SPDX-License-Identifier: GPL-2.0-or-later
// Test helper: a UTC calendar time as epoch seconds. Expected values in the
// time and rule tests come from the C library, not from the code under test.
#pragma once

#include <ctime>

#include "vigil/common/time.hpp"

namespace vigil::test {

inline EpochSeconds utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<EpochSeconds>(timegm(&tm));
}

}  // namespace vigil::test
