#include "export/archive/document_update.h"

#include <gtest/gtest.h>

#include "export/archive/line_format_testing.h"
#include "store/durable_file.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::archive {
namespace {

using testing::LineFormat;
using testing::LineSession;

MicrosUtc Utc(int y, int mo, int d, int h, int mi) {
  CivilTime c;
  c.year = y, c.month = mo, c.day = d, c.hour = h, c.minute = mi;
  return *CivilToUtc(c, "UTC");
}

TEST(MachineFolderTest, SerialThenNameThenIdWithUnsafeCharactersReplaced) {
  EXPECT_EQ(MachineFolder({.serial = "H191157", .name = "x"}), "H191157");
  EXPECT_EQ(MachineFolder({.name = "Room 1/TrueBeam", .id = "7"}), "Room_1_TrueBeam");
  EXPECT_EQ(MachineFolder({.id = "7"}), "7");
  EXPECT_EQ(MachineFolder({.name = ".."}), "_..");
  EXPECT_EQ(MachineFolder({}), "_");
}

TEST(DocumentPathTest, TheDateIsTheSessionStartOnItsSourceClock) {
  // 2015-06-23 05:30 UTC is 22:30 on the 22nd in Phoenix (UTC-7).
  QcSession s = LineSession("k", "H1", Utc(2015, 6, 23, 5, 30), "America/Phoenix");
  EXPECT_EQ(*DocumentPath("/a", s, Period::kDay, ".x.json"), "/a/H1/2015-06-22.x.json");
  EXPECT_EQ(*DocumentPath("/a", s, Period::kMonth, ".x.json"), "/a/H1/2015-06.x.json");
  s.zone = "Mars/Olympus";
  EXPECT_FALSE(DocumentPath("/a", s, Period::kDay, ".x").ok());
  EXPECT_TRUE(ParsePeriod("month").ok());
  EXPECT_FALSE(ParsePeriod("week").ok());
}

TEST(UpdateDocumentTest, AppendsOnlyWhatTheDocumentDoesNotHold) {
  qcflow::testing::TempDir dir;
  const std::string path = dir.Sub("H1/2020-01-01.txt");
  QcSession a = LineSession("a", "H1", 0), b = LineSession("b", "H1", 0);
  auto first = UpdateDocument(LineFormat(), path, {{&a, true}}, NoSources());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->outcomes, std::vector<WriteOutcome>{WriteOutcome::kWritten});

  auto second = UpdateDocument(LineFormat(), path, {{&a, true}, {&b, true}}, NoSources());
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->outcomes, (std::vector<WriteOutcome>{WriteOutcome::kHeld, WriteOutcome::kWritten}));
  EXPECT_EQ(**ReadFileIfExists(path), "a\nb\n");
  EXPECT_EQ(second->bytes, 4u);

  // Not checked: known never written, appended again.
  auto unchecked = UpdateDocument(LineFormat(), path, {{&a, false}}, NoSources());
  ASSERT_TRUE(unchecked.ok());
  EXPECT_EQ(**ReadFileIfExists(path), "a\nb\na\n");
}

TEST(UpdateDocumentTest, ARefusedSessionIsReportedAndTheOthersAreWritten) {
  qcflow::testing::TempDir dir;
  const std::string path = dir.Sub("d.txt");
  QcSession bad = LineSession("refuse-me", "H1", 0), good = LineSession("good", "H1", 0);
  auto u = UpdateDocument(LineFormat(), path, {{&bad, true}, {&good, true}}, NoSources());
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->outcomes, (std::vector<WriteOutcome>{WriteOutcome::kRefused, WriteOutcome::kWritten}));
  EXPECT_EQ(u->refusals[0], "refused refuse-me");
  EXPECT_EQ(**ReadFileIfExists(path), "good\n");

  // Only refusals: no file is created.
  auto none = UpdateDocument(LineFormat(), dir.Sub("e.txt"), {{&bad, true}}, NoSources());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(ReadFileIfExists(dir.Sub("e.txt"))->has_value());
}

TEST(UpdateDocumentTest, AnInvalidDocumentIsLeftAsItIs) {
  qcflow::testing::TempDir dir;
  const std::string path = dir.Sub("d.txt");
  qcflow::testing::WriteFile(path, "a\n!broken\n");
  QcSession b = LineSession("b", "H1", 0);
  auto u = UpdateDocument(LineFormat(), path, {{&b, true}}, NoSources());
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find("is not a valid Lines document"), std::string::npos);
  EXPECT_NE(u.status().message().find("move it aside"), std::string::npos);
  EXPECT_EQ(**ReadFileIfExists(path), "a\n!broken\n");
}

}  // namespace
}  // namespace qcflow::archive
