#include "store/time_util.h"

#include <cstdlib>

#include <gtest/gtest.h>

namespace qcflow {
namespace {

TEST(TimeUtil, CivilUtcRoundTrip) {
  CivilTime c{2020, 11, 6, 9, 59, 21, 0};
  auto t = CivilToUtc(c, "UTC");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(FormatUtcIso(*t), "2020-11-06T09:59:21Z");
}

TEST(TimeUtil, ZoneConversionUsesOffset) {
  // Berlin is UTC+1 in November.
  auto t = CivilToUtc({2020, 11, 6, 9, 59, 21, 0}, "Europe/Berlin");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(FormatUtcIso(*t), "2020-11-06T08:59:21Z");
  auto back = FormatInZone(*t, "Europe/Berlin", "%Y-%m-%d %H:%M:%S");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "2020-11-06 09:59:21");
}

TEST(TimeUtil, AmbiguousLocalTimeTakesEarlierInstant) {
  // 2020-10-25 02:30 happens twice in Berlin; the first is CEST (UTC+2).
  auto t = CivilToUtc({2020, 10, 25, 2, 30, 0, 0}, "Europe/Berlin");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatUtcIso(*t), "2020-10-25T00:30:00Z");
}

TEST(TimeUtil, RejectsInvalidDatesAndZones) {
  EXPECT_FALSE(CivilToUtc({2021, 2, 30, 0, 0, 0, 0}, "UTC").ok());
  EXPECT_FALSE(CivilToUtc({2021, 1, 1, 24, 0, 0, 0}, "UTC").ok());
  auto bad = CivilToUtc({2021, 1, 1, 0, 0, 0, 0}, "Mars/Olympus");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("IANA"), std::string::npos);
}

TEST(TimeUtil, ParseTimeArgForms) {
  EXPECT_EQ(FormatUtcIso(*ParseTimeArg("2024-05-01")), "2024-05-01T00:00:00Z");
  EXPECT_EQ(FormatUtcIso(*ParseTimeArg("2024-05-01 07:30")), "2024-05-01T07:30:00Z");
  EXPECT_EQ(FormatUtcIso(*ParseTimeArg("2024-05-01T07:30:15.25Z")),
            "2024-05-01T07:30:15.250000Z");
  EXPECT_EQ(FormatUtcIso(*ParseTimeArg("2024-05-01 07:30", "Europe/Berlin")),
            "2024-05-01T05:30:00Z");
  EXPECT_FALSE(ParseTimeArg("yesterday").ok());
  EXPECT_FALSE(ParseTimeArg("2024-05-01X07").ok());
}

TEST(TimeUtil, FormatDirectives) {
  auto t = *CivilToUtc({2015, 6, 22, 10, 1, 53, 0}, "UTC");
  EXPECT_EQ(*FormatInZone(t, "UTC", "%d %b %Y %H:%M:%S"), "22 Jun 2015 10:01:53");
  EXPECT_FALSE(FormatInZone(t, "UTC", "%Q").ok());
}

TEST(TimeUtil, FormatCivilWholeSecondsAndMicros) {
  EXPECT_EQ(FormatCivil(CivilTime{2024, 5, 1, 7, 2, 3, 0}), "2024-05-01 07:02:03");
  EXPECT_EQ(FormatCivil(CivilTime{2024, 5, 1, 7, 2, 3, 120}), "2024-05-01 07:02:03.000120");
}

TEST(TimeUtil, Rfc3339CarriesTheZonesOffset) {
  const MicrosUtc summer = *ParseTimeArg("2024-07-01T07:30:00Z");
  const MicrosUtc winter = *ParseTimeArg("2024-01-15T07:30:00.5Z");
  EXPECT_EQ(FormatRfc3339(summer, "Europe/Berlin"), "2024-07-01T09:30:00+02:00");
  EXPECT_EQ(FormatRfc3339(winter, "Europe/Berlin"), "2024-01-15T08:30:00.500000+01:00");
  EXPECT_EQ(FormatRfc3339(summer, "America/New_York"), "2024-07-01T03:30:00-04:00");
  EXPECT_EQ(FormatRfc3339(summer, "Asia/Kolkata"), "2024-07-01T13:00:00+05:30");
  EXPECT_EQ(FormatRfc3339(summer, "UTC"), "2024-07-01T07:30:00+00:00");
  EXPECT_EQ(FormatRfc3339(summer, "Mars/Olympus"), "2024-07-01T07:30:00+00:00");
  // What it prints reads back to the same instant, offset included.
  for (const char* zone : {"Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"}) {
    EXPECT_EQ(*ParseTimeArg(FormatRfc3339(winter, zone), "Asia/Tokyo"), winter) << zone;
  }
  EXPECT_FALSE(ParseTimeArg("2024-07-01T09:30:00+25:00").ok());
}

TEST(TimeUtil, RezoneUtcTextKeepsEmptyAndUnreadable) {
  EXPECT_EQ(RezoneUtcText("2024-07-01T07:30:00Z", "Europe/Berlin"), "2024-07-01T09:30:00+02:00");
  EXPECT_EQ(RezoneUtcText("", "Europe/Berlin"), "");
  EXPECT_EQ(RezoneUtcText("never", "Europe/Berlin"), "never");
}

TEST(TimeUtil, SystemZoneHonoursTz) {
  const char* old = std::getenv("TZ");
  const std::string saved = old ? old : "";
  setenv("TZ", "Europe/Berlin", 1);
  EXPECT_EQ(SystemZone(), "Europe/Berlin");
  setenv("TZ", ":/usr/share/zoneinfo/America/Chicago", 1);
  EXPECT_EQ(SystemZone(), "America/Chicago");
  setenv("TZ", "Not/AZone", 1);  // unusable: the machine's zone, which is a real one
  EXPECT_TRUE(CheckZone(SystemZone()).ok());
  EXPECT_NE(SystemZone(), "Not/AZone");
  if (old) setenv("TZ", saved.c_str(), 1); else unsetenv("TZ");
}

TEST(TimeUtilTest, UtcIsoTextIsToldFromOtherText) {
  EXPECT_TRUE(IsUtcIsoText(FormatUtcIso(1700000000123456)));
  EXPECT_TRUE(IsUtcIsoText(FormatUtcIso(1700000000000000)));
  EXPECT_FALSE(IsUtcIsoText("2026-12-07T08:00:00+01:00"));  // already zoned
  EXPECT_FALSE(IsUtcIsoText("2026-12-07 08:00:00Z"));
  EXPECT_FALSE(IsUtcIsoText("2026-12-07T08:00:00.Z"));
  EXPECT_FALSE(IsUtcIsoText("connected"));
  EXPECT_FALSE(IsUtcIsoText(""));
}

}  // namespace
}  // namespace qcflow
