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
