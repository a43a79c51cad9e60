// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/names.hpp"

#include <catch2/catch.hpp>

namespace {
enum class Colour { kRed, kGreen, kBlue };
constexpr std::pair<Colour, const char*> kColours[] = {{Colour::kRed, "red"},
                                                       {Colour::kGreen, "green"}};
}  // namespace

TEST_CASE("a name table reads and writes both ways") {
  static_assert(vigil::name_of(kColours, Colour::kGreen) == std::string_view("green"));
  CHECK(vigil::name_of(kColours, Colour::kRed) == std::string_view("red"));
  CHECK(vigil::name_of(kColours, Colour::kBlue) == std::string_view("?"));
  CHECK(vigil::name_of(kColours, Colour::kBlue, "none") == std::string_view("none"));
  CHECK(vigil::value_of(kColours, "green") == Colour::kGreen);
  CHECK_FALSE(vigil::value_of(kColours, "Green"));
  CHECK_FALSE(vigil::value_of(kColours, ""));
}
