// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/score.hpp"

#include <catch2/catch.hpp>

using vigil::Score;

TEST_CASE("scores saturate and -INFINITY dominates") {
  CHECK((Score(900000) + Score(900000)).value() == vigil::kInfinity);
  CHECK((Score::infinity() + Score::minus_infinity()).is_minus_infinity());
  CHECK((Score(-5) + Score(7)).value() == 2);
  CHECK((Score::infinity() + Score(-500)).value() == vigil::kInfinity);
  CHECK(Score(-3000000).str() == "-INFINITY");
}

TEST_CASE("strict score parsing") {
  CHECK(vigil::parse_score("+INFINITY")->value() == vigil::kInfinity);
  CHECK(vigil::parse_score("-INFINITY")->is_minus_infinity());
  CHECK(vigil::parse_score("42")->value() == 42);
  CHECK(vigil::parse_score("-7")->value() == -7);
  CHECK(vigil::parse_score("99999999999")->value() == vigil::kInfinity);
  CHECK_FALSE(vigil::parse_score("abc").has_value());
  CHECK_FALSE(vigil::parse_score("12x").has_value());
  CHECK_FALSE(vigil::parse_score("").has_value());
  vigil::HealthScores h{-1000000, -10, 5};
  CHECK(vigil::parse_score("yellow", h)->value() == -10);
}

TEST_CASE("lenient parsing follows char2score") {
  CHECK(vigil::parse_score_lenient("12x").value() == 12);
  CHECK(vigil::parse_score_lenient("abc").value() == 0);
}

TEST_CASE("attribute increments add to the current value and saturate") {
  using vigil::expand_increment;
  using vigil::kInfinity;
  CHECK(expand_increment("fail-count", "fail-count++", "3") == 4);
  CHECK(expand_increment("fail-count", "fail-count++", std::nullopt) == 1);
  CHECK(expand_increment("value", "value+=5", "10") == 15);
  CHECK(expand_increment("value", "value+=-20", "10") == -10);
  CHECK(expand_increment("value", "value+=INFINITY", "10") == kInfinity);
  // The current value is read as Pacemaker's char2score reads it.
  CHECK(expand_increment("value", "value++", "INFINITY") == kInfinity);
  CHECK(expand_increment("value", "value++", "12abc") == 13);
  CHECK(expand_increment("value", "value++", "junk") == 1);
  // Saturation at both ends, whatever the operands.
  CHECK(expand_increment("value", "value++", std::to_string(kInfinity - 1)) == kInfinity);
  CHECK(expand_increment("value", "value++", std::to_string(kInfinity)) == kInfinity);
  CHECK(expand_increment("value", "value+=999999", "999999") == kInfinity);
  CHECK(expand_increment("value", "value+=-999999", "-999999") == -kInfinity);
  CHECK(expand_increment("value", "value++", "-INFINITY") == -kInfinity + 1);
  // Not an increment of this name: a plain value.
  CHECK_FALSE(expand_increment("value", "value", "1"));
  CHECK_FALSE(expand_increment("value", "value+", "1"));
  CHECK_FALSE(expand_increment("value", "other++", "1"));
  CHECK_FALSE(expand_increment("value", "value--", "1"));
  CHECK_FALSE(expand_increment("value", "value+=", "1"));
  CHECK_FALSE(expand_increment("value", "value+=2x", "1"));
  CHECK_FALSE(expand_increment("", "++", "1"));
}
