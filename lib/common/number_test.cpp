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

TEST_CASE("parse_int_field names the field and what is wrong, beyond int64 too") {
  using vigil::parse_int_field;
  CHECK(parse_int_field("42", "rc-code").value() == 42);
  CHECK(parse_int_field("-9223372036854775808", "x").value() == INT64_MIN);
  auto message = [](std::string_view text, std::int64_t min = INT64_MIN,
                    std::int64_t max = INT64_MAX) {
    auto r = parse_int_field(text, "call-id", min, max);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == vigil::ErrorCode::kInvalidInput);
    return r.error().message();
  };
  CHECK(message("") == "call-id is empty");
  CHECK(message("12abc") == "call-id '12abc' is not an integer");
  CHECK(message(" 12") == "call-id ' 12' is not an integer");
  CHECK(message("+12") == "call-id '+12' is not an integer");
  CHECK(message("9223372036854775808") == "call-id '9223372036854775808' is out of range");
  CHECK(message("-99999999999999999999999") ==
        "call-id '-99999999999999999999999' is out of range");
  CHECK(message("2147483648", INT32_MIN, INT32_MAX) ==
        "call-id '2147483648' is out of range (-2147483648 to 2147483647)");
  CHECK(message(std::string(100, '9')).size() < 100);  // long input cut in the message
}
