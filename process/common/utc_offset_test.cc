#include "process/common/utc_offset.h"

#include <gtest/gtest.h>

namespace qcflow {
namespace {

MicrosUtc Utc(int y, int mo, int d, int h, int mi) { return *CivilToUtc({y, mo, d, h, mi, 0, 0}, "UTC"); }

TEST(UtcOffset, FollowsTheZonesRulesAtTheInstant) {
  EXPECT_EQ(*UtcOffsetMinutes(Utc(2024, 7, 1, 12, 0), "Europe/Berlin"), 120);
  EXPECT_EQ(*UtcOffsetMinutes(Utc(2024, 1, 1, 12, 0), "Europe/Berlin"), 60);
  EXPECT_EQ(*UtcOffsetMinutes(Utc(2015, 6, 22, 17, 1), "America/Phoenix"), -420);
  EXPECT_EQ(*UtcOffsetMinutes(Utc(2024, 1, 1, 12, 0), "Asia/Kolkata"), 330);
  EXPECT_EQ(*UtcOffsetMinutes(Utc(2024, 1, 1, 12, 0), ""), 0);
  // Berlin leaves summer time at 01:00 UTC on 2024-10-27.
  EXPECT_EQ(*UtcOffsetMinutes(Utc(2024, 10, 27, 0, 59), "Europe/Berlin"), 120);
  EXPECT_EQ(*UtcOffsetMinutes(Utc(2024, 10, 27, 1, 0), "Europe/Berlin"), 60);
  EXPECT_FALSE(UtcOffsetMinutes(0, "Mars/Olympus").ok());
}

TEST(UtcOffset, Formats) {
  EXPECT_EQ(FormatUtcOffset(-420, false), "-0700");
  EXPECT_EQ(FormatUtcOffset(-420, true), "-07:00");
  EXPECT_EQ(FormatUtcOffset(330, true), "+05:30");
  EXPECT_EQ(FormatUtcOffset(0, false), "+0000");
}

}  // namespace
}  // namespace qcflow
