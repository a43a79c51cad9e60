// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/score.hpp"

#include <cctype>
#include <charconv>

namespace vigil {

std::string Score::str() const {
  if (v_ == kInfinity) return "INFINITY";
  if (v_ == -kInfinity) return "-INFINITY";
  return std::to_string(v_);
}

namespace {
std::optional<Score> parse_special(std::string_view t, const HealthScores& h) {
  if (t == "INFINITY" || t == "+INFINITY") return Score::infinity();
  if (t == "-INFINITY") return Score::minus_infinity();
  if (t == "red") return Score(h.red);
  if (t == "yellow") return Score(h.yellow);
  if (t == "green") return Score(h.green);
  return std::nullopt;
}
}  // namespace

std::optional<Score> parse_score(std::string_view text, const HealthScores& health) {
  if (auto s = parse_special(text, health)) return s;
  std::string_view t = text;
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  if (t.empty()) return std::nullopt;
  long long v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec == std::errc::result_out_of_range) {
    return (t.front() == '-') ? Score::minus_infinity() : Score::infinity();
  }
  if (ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
  return Score(v > kInfinity ? kInfinity : v < -kInfinity ? -kInfinity : static_cast<int>(v));
}

Score parse_score_lenient(std::string_view text, const HealthScores& health) {
  if (auto s = parse_special(text, health)) return *s;
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  text.remove_prefix(i);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  long long v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range) {
    return (!text.empty() && text.front() == '-') ? Score::minus_infinity() : Score::infinity();
  }
  if (ec != std::errc()) return Score(0);
  return Score(v > kInfinity ? kInfinity : v < -kInfinity ? -kInfinity : static_cast<int>(v));
}

std::optional<int> expand_increment(std::string_view name, std::string_view update,
                                    std::optional<std::string_view> current) {
  if (name.empty() || update.size() <= name.size() + 1 || update.substr(0, name.size()) != name) {
    return std::nullopt;
  }
  const std::string_view op = update.substr(name.size());
  long long delta = 1;
  if (op.substr(0, 2) == "+=") {
    const auto n = parse_score(op.substr(2));
    if (!n) return std::nullopt;
    delta = n->value();
  } else if (op != "++") {
    return std::nullopt;
  }
  const long long base = current ? parse_score_lenient(*current).value() : 0;
  const long long sum = base + delta;  // both within +/-INFINITY: no overflow
  return static_cast<int>(sum > kInfinity ? kInfinity : sum < -kInfinity ? -kInfinity : sum);
}

}  // namespace vigil
