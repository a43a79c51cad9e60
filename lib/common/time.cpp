// SPDX-License-Identifier: GPL-2.0-or-later
// ISO 8601 dates and durations, and interval strings, with the semantics of
// Pacemaker 2.1.5 (crm_time_new, crm_time_parse_duration, crm_get_msec and
// crm_parse_interval_spec). All arithmetic is done on days since 1970-01-01 in
// the proleptic Gregorian calendar, in UTC.
//
// Deliberate differences from Pacemaker, all of them about inputs Pacemaker
// either mishandles or resolves from the host's clock or time zone:
//  * A date/time without an explicit offset is UTC (Pacemaker uses the local
//    time zone of the host). A date without a time is midnight UTC in both.
//  * An offset written directly after the time ("13:00:00+02:00") is honoured;
//    Pacemaker only notices it after a space ("13:00:00 +02:00").
//  * A time without a date ("T12:00") needs the current date and is refused.
//  * Trailing garbage is refused instead of silently ignored.
//  * Years in a duration use calendar arithmetic (like 12 months). Pacemaker
//    adds them to the ordinal day, so 2011-03-01 + P1Y gives 2012-02-29 there.
//  * An ISO duration given as an interval counts days, months (30 days) and
//    years (365 days) in full; Pacemaker's conversion drops one day and one
//    year (so its "P1D" is 0 ms).
#include "vigil/common/time.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>

namespace vigil {
namespace {

constexpr std::int64_t kMinuteSeconds = 60;
constexpr std::int64_t kHourSeconds = 60 * kMinuteSeconds;
constexpr std::int64_t kDaySeconds = 24 * kHourSeconds;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
  return a - floor_div(a, b) * b;
}

bool is_leap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(std::int64_t y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && is_leap(y)) ? 29 : kDays[m - 1];
}

int days_in_year(std::int64_t y) {
  return is_leap(y) ? 366 : 365;
}

// Days since 1970-01-01 for a Gregorian date, counting in 400-year eras that
// start on 1 March so the leap day falls at the end of each counted year.
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  if (m <= 2) --y;
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t year_of_era = y - era * 400;
  const std::int64_t march_month = (m + 9) % 12;  // March = 0 ... February = 11
  const std::int64_t day_of_year = (153 * march_month + 2) / 5 + d - 1;
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468: 0000-03-01 .. 1970-01-01
}

struct Civil {
  std::int64_t year;
  int month, day;
};

Civil civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = floor_div(days, 146097);
  const std::int64_t day_of_era = days - era * 146097;
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t march_month = (5 * day_of_year + 2) / 153;
  const int day = static_cast<int>(day_of_year - (153 * march_month + 2) / 5 + 1);
  const int month = static_cast<int>(march_month < 10 ? march_month + 3 : march_month - 9);
  const std::int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

// 1 = Monday ... 7 = Sunday; 1970-01-01 was a Thursday.
int iso_weekday(std::int64_t days) {
  return static_cast<int>(floor_mod(days + 3, 7)) + 1;
}

// Monday of ISO week 1: the week holding the year's first Thursday (4 January).
std::int64_t iso_week1_monday(std::int64_t year) {
  const std::int64_t jan4 = days_from_civil(year, 1, 4);
  return jan4 - (iso_weekday(jan4) - 1);
}

int iso_weeks_in_year(std::int64_t year) {
  return static_cast<int>((iso_week1_monday(year + 1) - iso_week1_monday(year)) / 7);
}

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// A read position over the text being parsed.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek(std::size_t ahead = 0) const {
    return (i_ + ahead < s_.size()) ? s_[i_ + ahead] : '\0';
  }
  bool eat(char c) {
    if (done() || s_[i_] != c) return false;
    ++i_;
    return true;
  }
  void skip_spaces() {
    while (!done() && is_space(s_[i_])) ++i_;
  }
  // Reads up to `max` decimal digits into `out`; returns how many were read.
  int digits(int max, std::int64_t& out) {
    int n = 0;
    out = 0;
    while (n < max && is_digit(peek())) {
      out = out * 10 + (s_[i_++] - '0');
      ++n;
    }
    return n;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// The date part: calendar (YYYY-MM-DD or YYYYMMDD), ordinal (YYYY-DDD) or
// week date (YYYY-Www-D). Returns days since the epoch.
std::optional<std::int64_t> parse_date_part(Cursor& c) {
  std::int64_t year = 0;
  const int year_digits = c.digits(8, year);
  if (year_digits == 8) {  // basic format YYYYMMDD
    const std::int64_t ymd = year;
    year = ymd / 10000;
    const int month = static_cast<int>(ymd / 100 % 100);
    const int day = static_cast<int>(ymd % 100);
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
      return std::nullopt;
    }
    return days_from_civil(year, month, day);
  }
  if (year_digits < 1 || year_digits > 4 || year < 1 || !c.eat('-')) return std::nullopt;

  if (c.eat('W')) {
    std::int64_t week = 0, weekday = 0;
    if (c.digits(2, week) < 1 || !c.eat('-') || c.digits(1, weekday) != 1) return std::nullopt;
    if (week < 1 || week > iso_weeks_in_year(year) || weekday < 1 || weekday > 7) {
      return std::nullopt;
    }
    return iso_week1_monday(year) + (week - 1) * 7 + (weekday - 1);
  }

  std::int64_t first = 0;
  if (c.digits(3, first) < 1) return std::nullopt;
  if (c.eat('-')) {  // YYYY-MM-DD
    std::int64_t day = 0;
    if (c.digits(2, day) < 1) return std::nullopt;
    if (first < 1 || first > 12 || day < 1 || day > days_in_month(year, static_cast<int>(first))) {
      return std::nullopt;
    }
    return days_from_civil(year, static_cast<int>(first), static_cast<int>(day));
  }
  // Pacemaker reads any "YYYY-N" as an ordinal date (so "2012-07" is 7 January).
  if (first < 1 || first > days_in_year(year)) return std::nullopt;
  return days_from_civil(year, 1, 1) + first - 1;
}

// hh[:mm[:ss]] or hh[mm[ss]]; fills `out` with seconds. Allows 24:00:00.
bool parse_clock(Cursor& c, std::int64_t& out, bool allow_24) {
  std::int64_t h = 0, m = 0, s = 0;
  const int hour_digits = c.digits(2, h);
  if (hour_digits < 1) return false;
  if (c.eat(':')) {
    if (c.digits(2, m) < 1) return false;
    if (c.eat(':') && c.digits(2, s) < 1) return false;
  } else if (hour_digits == 2 && is_digit(c.peek())) {
    if (c.digits(2, m) != 2) return false;
    if (is_digit(c.peek()) && c.digits(2, s) != 2) return false;
  }
  if (m >= 60 || s >= 60) return false;
  if (h > 24 || (h == 24 && (!allow_24 || m != 0 || s != 0))) return false;
  out = h * kHourSeconds + m * kMinuteSeconds + s;
  return true;
}

// The time part after 'T' or ' ': a clock time, ignored fractional seconds,
// then an optional 'Z' or +/- offset (seconds east of UTC) in `offset`.
bool parse_time_part(Cursor& c, std::int64_t& seconds, std::int64_t& offset) {
  c.skip_spaces();
  if (!parse_clock(c, seconds, true)) return false;
  if ((c.peek() == '.' || c.peek() == ',') && is_digit(c.peek(1))) {
    std::int64_t ignored = 0;  // Pacemaker drops fractions of a second too
    c.eat(c.peek());
    while (c.digits(18, ignored) > 0) {
    }
  }
  c.skip_spaces();
  offset = 0;
  if (c.eat('Z')) return true;
  const bool minus = c.peek() == '-';
  if (c.eat('+') || c.eat('-')) {
    if (!parse_clock(c, offset, false)) return false;
    if (minus) offset = -offset;
  }
  return true;
}

bool fits_int(std::int64_t v) {
  return v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max();
}

}  // namespace

std::optional<EpochSeconds> parse_iso8601(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  if (text.size() == 5) {
    bool epoch = true;
    for (std::size_t i = 0; i < 5; ++i) {
      epoch = epoch && std::tolower(static_cast<unsigned char>(text[i])) == "epoch"[i];
    }
    if (epoch) return 0;
  }
  Cursor c(text);
  const auto days = parse_date_part(c);
  if (!days) return std::nullopt;
  std::int64_t seconds = 0, offset = 0;
  if (c.eat('T') || c.eat(' ')) {
    if (!parse_time_part(c, seconds, offset)) return std::nullopt;
  }
  c.skip_spaces();
  if (!c.done()) return std::nullopt;
  return *days * kDaySeconds + seconds - offset;
}

std::optional<IsoDuration> parse_iso8601_duration(std::string_view text) {
  text = trim(text);
  Cursor c(text);
  if (!c.eat('P')) return std::nullopt;
  IsoDuration d;
  bool in_time = false;
  bool any = false;
  while (!c.done()) {
    if (c.eat('T')) {  // separates date units from time units (M = minutes)
      in_time = true;
      continue;
    }
    bool negative = false;
    if (c.eat('-')) {
      negative = true;
    } else {
      c.eat('+');
    }
    std::int64_t n = 0;
    if (c.digits(10, n) < 1) return std::nullopt;
    if (negative) n = -n;
    // Like Pacemaker, units may come in any order; Y and date-M replace, the
    // others accumulate.
    const char unit = c.peek();
    if (!c.eat(unit)) return std::nullopt;
    switch (unit) {
      case 'Y':
        if (!fits_int(n)) return std::nullopt;
        d.years = static_cast<int>(n);
        break;
      case 'M':
        if (in_time) {
          d.seconds += n * kMinuteSeconds;
        } else {
          if (!fits_int(n)) return std::nullopt;
          d.months = static_cast<int>(n);
        }
        break;
      case 'W':
      case 'D': {
        const std::int64_t days = d.days + (unit == 'W' ? n * 7 : n);
        if (!fits_int(days)) return std::nullopt;
        d.days = static_cast<int>(days);
        break;
      }
      case 'H':
        d.seconds += n * kHourSeconds;
        break;
      case 'S':
        d.seconds += n;
        break;
      default:
        return std::nullopt;
    }
    any = true;
  }
  if (!any) return std::nullopt;
  return d;
}

EpochSeconds add_duration(EpochSeconds t, const IsoDuration& d) {
  const std::int64_t sign = d.negative ? -1 : 1;
  std::int64_t days = floor_div(t, kDaySeconds);
  const std::int64_t time_of_day = t - days * kDaySeconds;
  if (d.years != 0 || d.months != 0) {
    const Civil civ = civil_from_days(days);
    const std::int64_t month_index = civ.year * 12 + (civ.month - 1) +
                                     sign * (static_cast<std::int64_t>(d.years) * 12 + d.months);
    const std::int64_t year = floor_div(month_index, 12);
    const int month = static_cast<int>(floor_mod(month_index, 12)) + 1;
    const int day = std::min(civ.day, days_in_month(year, month));  // clamp 31 -> 30 etc.
    days = days_from_civil(year, month, day);
  }
  days += sign * d.days;
  return days * kDaySeconds + time_of_day + sign * d.seconds;
}

std::optional<std::int64_t> parse_interval_ms(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

  if (text.front() == 'P') {
    const auto d = parse_iso8601_duration(text);
    if (!d) return std::nullopt;
    const std::int64_t seconds = (static_cast<std::int64_t>(d->years) * 365 +
                                  static_cast<std::int64_t>(d->months) * 30 + d->days) *
                                     kDaySeconds +
                                 d->seconds;
    if (seconds < 0) return std::nullopt;  // Pacemaker rejects negative intervals
    if (seconds > kMax / 1000) return std::nullopt;
    return seconds * 1000;
  }

  Cursor c(text);
  std::int64_t number = 0;
  const int n = c.digits(18, number);
  if (n < 1) return std::nullopt;
  if (c.peek() == '.') {  // Pacemaker truncates "1.5s" to 1 s
    std::int64_t ignored = 0;
    c.eat('.');
    c.digits(18, ignored);
  }
  c.skip_spaces();
  std::string unit;
  while (!c.done() && std::isalpha(static_cast<unsigned char>(c.peek()))) {
    unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c.peek())));
    c.eat(c.peek());
  }
  c.skip_spaces();
  if (!c.done()) return std::nullopt;

  struct Unit {
    const char* name;
    std::int64_t multiplier, divisor;
  };
  static constexpr Unit kUnits[] = {
      {"", 1000, 1},       {"ms", 1, 1},         {"msec", 1, 1},        {"us", 1, 1000},
      {"usec", 1, 1000},   {"s", 1000, 1},       {"sec", 1000, 1},      {"secs", 1000, 1},
      {"second", 1000, 1}, {"seconds", 1000, 1}, {"m", 60000, 1},       {"min", 60000, 1},
      {"mins", 60000, 1},  {"minute", 60000, 1}, {"minutes", 60000, 1}, {"h", 3600000, 1},
      {"hr", 3600000, 1},  {"hrs", 3600000, 1},  {"hour", 3600000, 1},  {"hours", 3600000, 1},
  };
  for (const Unit& u : kUnits) {
    if (unit == u.name) {
      if (number > kMax / u.multiplier) return std::nullopt;
      return number * u.multiplier / u.divisor;
    }
  }
  return std::nullopt;
}

std::string format_iso8601(EpochSeconds t) {
  const CalendarFields f = calendar_fields(t);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02dZ", f.year, f.month, f.monthday,
                f.hour, f.minute, f.second);
  return buf;
}

CalendarFields calendar_fields(EpochSeconds t) {
  const std::int64_t days = floor_div(t, kDaySeconds);
  const std::int64_t secs = t - days * kDaySeconds;
  const Civil civ = civil_from_days(days);
  CalendarFields f{};
  f.year = static_cast<int>(civ.year);
  f.month = civ.month;
  f.monthday = civ.day;
  f.hour = static_cast<int>(secs / kHourSeconds);
  f.minute = static_cast<int>(secs % kHourSeconds / kMinuteSeconds);
  f.second = static_cast<int>(secs % kMinuteSeconds);
  f.yearday = static_cast<int>(days - days_from_civil(civ.year, 1, 1)) + 1;
  f.weekday = iso_weekday(days);
  // The ISO week-numbering year is the calendar year of this week's Thursday.
  const std::int64_t thursday = days - (f.weekday - 1) + 3;
  const Civil thu = civil_from_days(thursday);
  f.weekyear = static_cast<int>(thu.year);
  f.week = static_cast<int>((thursday - iso_week1_monday(thu.year)) / 7) + 1;
  return f;
}

}  // namespace vigil
