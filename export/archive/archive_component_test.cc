// [[sink.quaac]] and [[sink.quip]] as the config reader sees them: their keys,
// defaults and the errors a person gets for a mistake.
#include "export/archive/archive_component.h"

#include <gtest/gtest.h>

#include "cli/runtime/config.h"

namespace qcflow::archive {
namespace {

std::string Toml(const std::string& sinks) {
  return "[store]\npath = \"/tmp/s\"\n[[source.mpc]]\nname = \"tds\"\ntds = \"/mnt/TDS\"\n"
         "zone = \"Europe/Berlin\"\n" + sinks + "[[route]]\nfrom = \"tds\"\nto = [\"a\"]\n";
}

std::string Problems(const std::string& sinks) {
  auto c = config::ParseConfig(Toml(sinks), "qcflow.toml");
  EXPECT_FALSE(c.ok()) << sinks;
  return c.ok() ? "" : c.status().message();
}

TEST(ArchiveComponentTest, ReadsTheSharedKeysAndTheirDefaults) {
  auto c = config::ParseConfig(Toml("[[sink.quaac]]\nname = \"a\"\ndir = \"/srv/quaac\"\n"
                                    "user_email = \"qa@clinic.org\"\n"
                                    "[[sink.quip]]\nname = \"b\"\ndir = \"/srv/quip\"\nperiod = \"month\"\n"
                                    "interval = \"5s\"\n"),
                               "qcflow.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto sinks = c->Of<ArchiveComponent>();
  ASSERT_EQ(sinks.size(), 2u);
  EXPECT_EQ(sinks[0]->settings().sink.name, "a");
  EXPECT_EQ(sinks[0]->settings().sink.dir, "/srv/quaac");
  EXPECT_EQ(sinks[0]->settings().sink.period, Period::kDay);
  EXPECT_EQ(sinks[0]->settings().sink.format.extension, ".quaac.json");
  EXPECT_EQ(sinks[0]->settings().interval, std::chrono::seconds(30));
  EXPECT_EQ(sinks[1]->settings().sink.period, Period::kMonth);
  EXPECT_EQ(sinks[1]->settings().sink.format.name, "QUIP");
  EXPECT_EQ(sinks[1]->settings().interval, std::chrono::seconds(5));
  EXPECT_EQ(sinks[0]->sinks().size(), 0u);
}

TEST(ArchiveComponentTest, MistakesSayWhatToDo) {
  EXPECT_NE(Problems("[[sink.quaac]]\nname = \"a\"\ndir = \"/x\"\n").find("'user_email' is required"),
            std::string::npos);
  EXPECT_NE(Problems("[[sink.quaac]]\nname = \"a\"\ndir = \"/x\"\nuser_email = \"qa@clinic\"\n")
                .find("QuAAC needs a valid address"),
            std::string::npos);
  EXPECT_NE(Problems("[[sink.quip]]\nname = \"a\"\n").find("'dir' is required"), std::string::npos);
  EXPECT_NE(Problems("[[sink.quip]]\nname = \"a\"\ndir = \"\"\n").find("must name a directory"),
            std::string::npos);
  EXPECT_NE(Problems("[[sink.quip]]\nname = \"a\"\ndir = \"/x\"\nperiod = \"week\"\n")
                .find("period must be \"day\" or \"month\""),
            std::string::npos);
  EXPECT_NE(Problems("[[sink.quip]]\nname = \"a\"\ndir = \"/x\"\nperiode = \"day\"\n").find("unknown key 'periode'"),
            std::string::npos);
}

}  // namespace
}  // namespace qcflow::archive
