// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/number.hpp"

#include <catch2/catch.hpp>

using vigil::parse_int64;

TEST_CASE("parse_int64 takes a plain decimal integer and nothing else") {
  CHECK(parse_int64("0") == 0);
  CHECK(parse_int64("42") == 42);
  CHECK(parse_int64("-7") == -7);
  CHECK(parse_int64("007") == 7);
  CHECK(parse_int64("9223372036854775807") == INT64_MAX);
  CHECK(parse_int64("-9223372036854775808") == INT64_MIN);
  for (const char* bad : {"", "-", "+5", " 5", "5 ", "1-2", "--5", "5s", "0x10", "1.5",
                          "9223372036854775808", "-9223372036854775809"}) {
    INFO(bad);
    CHECK_FALSE(parse_int64(bad));
  }
}
