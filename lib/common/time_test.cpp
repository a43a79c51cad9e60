// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/time.hpp"

#include <catch2/catch.hpp>
#include <ctime>

#include "utc_for_tests.hpp"

using vigil::EpochSeconds;
using vigil::IsoDuration;
using vigil::parse_interval_ms;
using vigil::parse_iso8601;
using vigil::parse_iso8601_duration;

using vigil::test::utc;

TEST_CASE("calendar date-times parse to UTC epoch seconds") {
  CHECK(utc(2012, 7, 13, 13, 51, 14) == 1342187474);  // sanity of the helper
  CHECK(parse_iso8601("2012-07-13 13:51:14") == 1342187474);
  CHECK(parse_iso8601("2012-07-13T13:51:14") == 1342187474);
  CHECK(parse_iso8601("2012-07-13T13:51:14Z") == 1342187474);
  CHECK(parse_iso8601("2012-07-13 13:51:14 Z") == 1342187474);
  CHECK(parse_iso8601("  2012-07-13 13:51:14  ") == 1342187474);
  CHECK(parse_iso8601("20120713T135114") == 1342187474);
  CHECK(parse_iso8601("2012-07-13T13:51:14.250Z") == 1342187474);  // fraction dropped
  CHECK(parse_iso8601("2012-07-13 13:51") == utc(2012, 7, 13, 13, 51));
  CHECK(parse_iso8601("2012-07-13 13") == utc(2012, 7, 13, 13));
  CHECK(parse_iso8601("2012-07-13") == utc(2012, 7, 13));
  CHECK(parse_iso8601("2012-7-3") == utc(2012, 7, 3));
  CHECK(parse_iso8601("epoch") == 0);
  CHECK(parse_iso8601("EPOCH") == 0);
}

TEST_CASE("offsets are converted to UTC") {
  const EpochSeconds base = utc(2012, 7, 13, 13, 51, 14);
  CHECK(parse_iso8601("2012-07-13T13:51:14+02:00") == base - 2 * 3600);
  CHECK(parse_iso8601("2012-07-13 13:51:14 +02:00") == base - 2 * 3600);
  CHECK(parse_iso8601("2012-07-13 13:51:14 -0530") == base + 5 * 3600 + 30 * 60);
  CHECK(parse_iso8601("2012-07-13 13:51:14 +2") == base - 2 * 3600);
  // An offset can move the instant into another day.
  CHECK(parse_iso8601("2013-01-01T01:00:00+02:00") == utc(2012, 12, 31, 23));
  CHECK_FALSE(parse_iso8601("2012-07-13T13:51:14+25:00"));
  CHECK_FALSE(parse_iso8601("2012-07-13T13:51:14+02:60"));
}

TEST_CASE("24:00:00 is midnight of the next day") {
  CHECK(parse_iso8601("2012-12-31 24:00:00") == utc(2013, 1, 1));
  CHECK_FALSE(parse_iso8601("2012-12-31 24:00:01"));
  CHECK_FALSE(parse_iso8601("2012-12-31 25:00:00"));
  CHECK_FALSE(parse_iso8601("2012-12-31 12:60:00"));
  CHECK_FALSE(parse_iso8601("2012-12-31 12:00:60"));
}

TEST_CASE("leap years in calendar and ordinal dates") {
  CHECK(parse_iso8601("2012-02-29") == utc(2012, 2, 29));
  CHECK(parse_iso8601("2000-02-29") == utc(2000, 2, 29));
  CHECK_FALSE(parse_iso8601("2013-02-29"));
  CHECK_FALSE(parse_iso8601("1900-02-29"));
  CHECK(parse_iso8601("2005-040") == utc(2005, 2, 9));
  CHECK(parse_iso8601("2012-366") == utc(2012, 12, 31));
  CHECK(parse_iso8601("2012-060 06:00") == utc(2012, 2, 29, 6));
  CHECK_FALSE(parse_iso8601("2013-366"));
  CHECK_FALSE(parse_iso8601("2013-000"));
}

TEST_CASE("week dates across year ends") {
  CHECK(parse_iso8601("2009-W01-1") == utc(2008, 12, 29));  // week 1 starts in 2008
  CHECK(parse_iso8601("2009-W53-7") == utc(2010, 1, 3));    // week 53 ends in 2010
  CHECK(parse_iso8601("2008-W39-6") == utc(2008, 9, 27));
  CHECK(parse_iso8601("2008-W37-6") == utc(2008, 9, 13));
  CHECK(parse_iso8601("2004-W53-6") == utc(2005, 1, 1));
  CHECK(parse_iso8601("2015-W53-1 12:00:00Z") == utc(2015, 12, 28, 12));
  CHECK_FALSE(parse_iso8601("2005-W53-1"));  // 2005 has only 52 weeks
  CHECK_FALSE(parse_iso8601("2009-W00-1"));
  CHECK_FALSE(parse_iso8601("2009-W01-8"));
  CHECK_FALSE(parse_iso8601("2009-W01-0"));
}

TEST_CASE("garbage dates are refused") {
  for (const char* bad : {"", "   ", "abc", "2012-13-01", "2012-00-10", "2012-07-32", "2012-07-13x",
                          "2012-07-13Z", "2012-07-13 13:51:14 junk", "T12:00", "12:00:00",
                          "0000-01-01", "2012-07-13 :00", "2012-W1"}) {
    INFO(bad);
    CHECK_FALSE(parse_iso8601(bad));
  }
}

TEST_CASE("durations parse into calendar fields") {
  auto d = parse_iso8601_duration("P1Y2M3DT4H5M6S");
  REQUIRE(d);
  CHECK(d->years == 1);
  CHECK(d->months == 2);
  CHECK(d->days == 3);
  CHECK(d->seconds == 4 * 3600 + 5 * 60 + 6);
  CHECK_FALSE(d->negative);

  CHECK(parse_iso8601_duration("P2W")->days == 14);
  CHECK(parse_iso8601_duration("P1W2D")->days == 9);
  CHECK(parse_iso8601_duration("PT90M")->seconds == 5400);  // M after T = minutes
  CHECK(parse_iso8601_duration("P1M")->months == 1);        // M before T = months
  CHECK(parse_iso8601_duration("P1M")->seconds == 0);
  CHECK(parse_iso8601_duration("PT0S")->seconds == 0);
  // Pacemaker accepts a sign on each amount.
  CHECK(parse_iso8601_duration("P-1D")->days == -1);
  CHECK(parse_iso8601_duration("PT-30M")->seconds == -1800);

  for (const char* bad : {"", "P", "PT", "1D", "P1", "P1X", "P1.5D", "-P1D", "P1D junk", "PD"}) {
    INFO(bad);
    CHECK_FALSE(parse_iso8601_duration(bad));
  }
}

TEST_CASE("adding durations uses calendar arithmetic") {
  auto plus = [](EpochSeconds t, const char* spec) {
    auto d = parse_iso8601_duration(spec);
    REQUIRE(d);
    return vigil::add_duration(t, *d);
  };
  CHECK(plus(utc(2012, 1, 31), "P1M") == utc(2012, 2, 29));  // clamped, leap year
  CHECK(plus(utc(2013, 1, 31), "P1M") == utc(2013, 2, 28));
  CHECK(plus(utc(2012, 2, 29), "P1Y") == utc(2013, 2, 28));
  CHECK(plus(utc(2012, 2, 29), "P4Y") == utc(2016, 2, 29));
  CHECK(plus(utc(2012, 11, 30), "P3M") == utc(2013, 2, 28));  // across the year end
  CHECK(plus(utc(2012, 12, 31, 23), "PT2H") == utc(2013, 1, 1, 1));
  CHECK(plus(utc(2012, 2, 28), "P1D") == utc(2012, 2, 29));
  CHECK(plus(utc(2012, 1, 1), "P1Y2M3DT4H5M6S") == utc(2013, 3, 4, 4, 5, 6));
  CHECK(plus(utc(2012, 1, 1), "P-1D") == utc(2011, 12, 31));
  // Months clamp before days are added.
  CHECK(plus(utc(2013, 1, 31), "P1M1D") == utc(2013, 3, 1));

  IsoDuration back;
  back.months = 1;
  back.negative = true;
  CHECK(vigil::add_duration(utc(2012, 3, 31), back) == utc(2012, 2, 29));
  back = IsoDuration{};
  back.days = 1;
  back.seconds = 3600;
  back.negative = true;
  CHECK(vigil::add_duration(utc(1970, 1, 1), back) == utc(1969, 12, 30, 23));
}

TEST_CASE("interval strings in milliseconds") {
  CHECK(parse_interval_ms("10") == 10000);  // bare number = seconds
  CHECK(parse_interval_ms("0") == 0);
  CHECK(parse_interval_ms("30s") == 30000);
  CHECK(parse_interval_ms("30sec") == 30000);
  CHECK(parse_interval_ms(" 10 s ") == 10000);
  CHECK(parse_interval_ms("5min") == 300000);
  CHECK(parse_interval_ms("5m") == 300000);
  CHECK(parse_interval_ms("2h") == 7200000);
  CHECK(parse_interval_ms("1HR") == 3600000);
  CHECK(parse_interval_ms("100ms") == 100);
  CHECK(parse_interval_ms("100msec") == 100);
  CHECK(parse_interval_ms("1500us") == 1);
  CHECK(parse_interval_ms("1.5s") == 1000);  // Pacemaker truncates the fraction
  CHECK(parse_interval_ms("PT30S") == 30000);
  CHECK(parse_interval_ms("PT1M30S") == 90000);
  CHECK(parse_interval_ms("P1D") == 86400000);
  CHECK(parse_interval_ms("P1W") == 7 * 86400000LL);

  for (const char* bad : {"", "abc", "-5s", "10x", "s", "P", "P-1D", "10 s x", ".5s", "5 5"}) {
    INFO(bad);
    CHECK_FALSE(parse_interval_ms(bad));
  }
}

TEST_CASE("calendar fields and ISO weeks") {
  auto f = vigil::calendar_fields(utc(2008, 12, 29, 13, 51, 14));
  CHECK(f.year == 2008);
  CHECK(f.month == 12);
  CHECK(f.monthday == 29);
  CHECK(f.hour == 13);
  CHECK(f.minute == 51);
  CHECK(f.second == 14);
  CHECK(f.yearday == 364);
  CHECK(f.weekday == 1);
  CHECK(f.weekyear == 2009);
  CHECK(f.week == 1);

  f = vigil::calendar_fields(utc(2010, 1, 3));
  CHECK((f.weekyear == 2009 && f.week == 53 && f.weekday == 7 && f.yearday == 3));
  f = vigil::calendar_fields(utc(2012, 12, 31));
  CHECK((f.yearday == 366 && f.weekyear == 2013 && f.week == 1 && f.weekday == 1));
  f = vigil::calendar_fields(utc(2005, 1, 1));
  CHECK((f.weekyear == 2004 && f.week == 53 && f.weekday == 6));
  f = vigil::calendar_fields(utc(2020, 12, 31));
  CHECK((f.weekyear == 2020 && f.week == 53 && f.weekday == 4 && f.yearday == 366));
  f = vigil::calendar_fields(-1);
  CHECK((f.year == 1969 && f.month == 12 && f.monthday == 31 && f.second == 59 && f.weekday == 3));
}

TEST_CASE("formatting round-trips through parsing") {
  CHECK(vigil::format_iso8601(1342187474) == "2012-07-13 13:51:14Z");
  CHECK(vigil::format_iso8601(0) == "1970-01-01 00:00:00Z");
  for (EpochSeconds t : {EpochSeconds{0}, utc(2000, 2, 29, 23, 59, 59), utc(2038, 1, 19, 3, 14, 8),
                         utc(1601, 1, 1)}) {
    CHECK(parse_iso8601(vigil::format_iso8601(t)) == t);
  }
}
