// SPDX-License-Identifier: GPL-2.0-or-later
// ISO 8601 dates, durations and Pacemaker's interval strings. Time is always
// an input (never read from the clock here): seconds since the Unix epoch, UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil {

using EpochSeconds = std::int64_t;

// Calendar fields of an ISO 8601 duration ("P1Y2M3DT4H5M6S", "P2W").
struct IsoDuration {
  int years = 0, months = 0, days = 0;
  std::int64_t seconds = 0;  // hours, minutes and seconds folded together
  // Subtract instead of add. Never set by the parser (Pacemaker accepts no
  // leading '-'); single amounts may be negative instead ("P-1D").
  bool negative = false;
};

// "2012-07-13 13:51:14", "2012-07-13T13:51:14Z", "2012-07-13T13:51:14+02:00",
// "2005-040" (ordinal), "2005-W05-3" (week date), "2012-07-13" (midnight),
// also the crm_simulate-style "Fri Jul 13 13:51:14 2012" is NOT accepted here.
// "epoch" is 0. Without an offset the time is UTC (Pacemaker: host local time);
// a time without a date is refused (it would need the clock).
std::optional<EpochSeconds> parse_iso8601(std::string_view text);
std::optional<IsoDuration> parse_iso8601_duration(std::string_view text);
// Adds a duration with calendar arithmetic (months/years clamp the day).
EpochSeconds add_duration(EpochSeconds t, const IsoDuration& d);

// Pacemaker's crm_parse_interval_spec / crm_get_msec: "30s", "5min", "2h",
// "100ms", "10" (seconds), "PT30S". nullopt for garbage.
std::optional<std::int64_t> parse_interval_ms(std::string_view text);

// "2012-07-13 13:51:14Z"-like rendering used in logs and outputs.
std::string format_iso8601(EpochSeconds t);

// Broken-down UTC fields used by date_spec (ISO week numbering included).
struct CalendarFields {
  int year, month, monthday, hour, minute, second;
  int yearday;   // 1..366
  int weekday;   // 1 (Monday) .. 7 (Sunday)
  int weekyear;  // ISO week-numbering year
  int week;      // ISO week 1..53
};
CalendarFields calendar_fields(EpochSeconds t);

}  // namespace vigil
