// SPDX-License-Identifier: GPL-2.0-or-later
// Pacemaker's placement score: an int saturating at +/-INFINITY (1000000),
// where -INFINITY wins over +INFINITY when both are added.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vigil {

inline constexpr int kInfinity = 1000000;

class Score {
 public:
  constexpr Score() = default;
  constexpr Score(int v) : v_(clamp(v)) {}
  static constexpr Score infinity() { return Score(kInfinity); }
  static constexpr Score minus_infinity() { return Score(-kInfinity); }

  constexpr int value() const { return v_; }
  constexpr bool is_infinite() const { return v_ == kInfinity || v_ == -kInfinity; }
  constexpr bool is_minus_infinity() const { return v_ == -kInfinity; }

  // Pacemaker's pcmk__add_scores(): -INF dominates, then +INF, else clamp.
  friend constexpr Score operator+(Score a, Score b) {
    if (a.v_ == -kInfinity || b.v_ == -kInfinity) return Score(-kInfinity);
    if (a.v_ == kInfinity || b.v_ == kInfinity) return Score(kInfinity);
    return Score(static_cast<long long>(a.v_) + b.v_);
  }
  Score& operator+=(Score o) { return *this = *this + o; }
  friend constexpr auto operator<=>(Score a, Score b) = default;

  // "INFINITY", "-INFINITY", "1000" ... as Pacemaker prints them.
  std::string str() const;

 private:
  static constexpr int clamp(long long v) {
    return v > kInfinity ? kInfinity : v < -kInfinity ? -kInfinity : static_cast<int>(v);
  }
  int v_ = 0;
};

// Node-health strategy values that scores may name ("red", "yellow", "green").
struct HealthScores {
  int red = -kInfinity;
  int yellow = 0;
  int green = 0;
};

// Strict parse: "+INFINITY", "INFINITY", "-INFINITY", "[+-]digits", and the
// health colours. Returns nullopt for anything else (caller reports it).
std::optional<Score> parse_score(std::string_view text, const HealthScores& health = {});

// Pacemaker's lenient char2score(): what the scheduler does with a bad value
// (leading integer, else 0). Used where Pacemaker tolerates garbage.
Score parse_score_lenient(std::string_view text, const HealthScores& health = {});

// Pacemaker's attribute increments (the CIB's expand_plus_plus, the attribute
// manager's "value++"): `update` is "<name>++" or "<name>+=N" with N a strict
// score. The result is `current` read as a lenient score (absent: 0) plus one
// or N, capped at +/-INFINITY, so a counter saturates and never wraps.
// nullopt when `update` is no such expression for `name` (it is then a
// plain value).
std::optional<int> expand_increment(std::string_view name, std::string_view update,
                                    std::optional<std::string_view> current);

}  // namespace vigil
