// The display zone: --tz, then $TZ, then [display] zone, then the first
// source's zone, then the machine's.
#include "cli/runtime/display_zone.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "cli/runtime/config.h"
#include "store/time_util.h"

namespace qcflow::config {
namespace {

// Sets or clears TZ for one test, and puts it back.
class ScopedTz {
 public:
  explicit ScopedTz(const char* value) {
    if (const char* old = std::getenv("TZ")) saved_ = old, had_ = true;
    if (value) setenv("TZ", value, 1); else unsetenv("TZ");
  }
  ~ScopedTz() {
    if (had_) setenv("TZ", saved_.c_str(), 1); else unsetenv("TZ");
  }

 private:
  std::string saved_;
  bool had_ = false;
};

Config Parse(const std::string& text) {
  auto c = ParseConfig(text, "qcflow.toml");
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? std::move(*c) : Config{};
}

constexpr const char* kTwoSources =
    "[[source.dqa3]]\nname = \"D1\"\nbackend = \"sqlite\"\npath = \"x.db\"\n"
    "[[source.mpc]]\nname = \"TB1\"\ntds = \"/srv/tds\"\nzone = \"America/Chicago\"\n"
    "[[source.mpc]]\nname = \"TB2\"\ntds = \"/srv/tds2\"\nzone = \"Asia/Tokyo\"\n";

TEST(DisplayZone, FirstSourceThatNamesAZoneThenTheDisplaySection) {
  ScopedTz tz(nullptr);
  Config sources = Parse(kTwoSources);
  EXPECT_EQ(sources.first_source_zone, "America/Chicago");
  EXPECT_EQ(*ResolveDisplayZone("", &sources), "America/Chicago");
  Config display = Parse(std::string("[display]\nzone = \"Europe/Berlin\"\n") + kTwoSources);
  EXPECT_EQ(*ResolveDisplayZone("", &display), "Europe/Berlin");
  // A disabled source's zone is not the site's clock.
  Config disabled = Parse(std::string("[[source.mpc]]\nname = \"OLD\"\nenabled = false\nzone = \"Asia/Dubai\"\n") +
                          kTwoSources);
  EXPECT_EQ(disabled.first_source_zone, "America/Chicago");
  // Neither: the machine's zone.
  Config none = Parse("[store]\npath = \"s\"\n");
  EXPECT_EQ(*ResolveDisplayZone("", &none), SystemZone());
  EXPECT_EQ(*ResolveDisplayZone("", nullptr), SystemZone());
}

TEST(DisplayZone, FlagBeatsTzBeatsTheFile) {
  Config display = Parse(std::string("[display]\nzone = \"Europe/Berlin\"\n") + kTwoSources);
  {
    ScopedTz tz("Australia/Sydney");
    EXPECT_EQ(*ResolveDisplayZone("", &display), "Australia/Sydney");
    EXPECT_EQ(*ResolveDisplayZone("Europe/Lisbon", &display), "Europe/Lisbon");
  }
  {
    ScopedTz tz("Not/AZone");  // unusable TZ: ignored, the file decides
    EXPECT_EQ(*ResolveDisplayZone("", &display), "Europe/Berlin");
  }
}

TEST(DisplayZone, AConfiguredZoneFromTheStoreStandsForTheFile) {
  ScopedTz tz(nullptr);
  Config display = Parse(std::string("[display]\nzone = \"Europe/Berlin\"\n") + kTwoSources);
  EXPECT_EQ(ConfiguredZone(display), "Europe/Berlin");
  EXPECT_EQ(ConfiguredZone(Parse(kTwoSources)), "America/Chicago");
  EXPECT_EQ(ConfiguredZone(Parse("")), "");
  EXPECT_EQ(*ResolveDisplayZone("", std::string_view("Asia/Tokyo")), "Asia/Tokyo");
  EXPECT_EQ(*ResolveDisplayZone("UTC", std::string_view("Asia/Tokyo")), "UTC");
  // Recorded by a machine whose tzdata knows a zone this one lacks: skipped.
  EXPECT_EQ(*ResolveDisplayZone("", std::string_view("Mars/Olympus")), SystemZone());
  EXPECT_EQ(*ResolveDisplayZone("", std::string_view("")), SystemZone());
}

TEST(DisplayZone, UnknownZonesAreRefusedWithWhatToWrite) {
  auto flag = ResolveDisplayZone("Mars/Olympus", nullptr);
  ASSERT_FALSE(flag.ok());
  EXPECT_NE(flag.status().message().find("--tz: unknown time zone 'Mars/Olympus'"), std::string::npos)
      << flag.status().message();
  auto file = ParseConfig("[display]\nzone = \"Berlin\"\n", "qcflow.toml");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("qcflow.toml:2: [display].zone: unknown time zone 'Berlin'"),
            std::string::npos)
      << file.status().message();
}

}  // namespace
}  // namespace qcflow::config
