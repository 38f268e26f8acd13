// Incomplete Results.csv files (cut short, damaged values) and the check the
// MPC source quarantines them by: ResultsTable::problems, CheckComplete,
// CheckResultsCsv.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "ingest/mpc/results_csv.h"
#include "ingest/mpc/results_csv_testing.h"

namespace qcflow::mpc {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;
using testing::ExpectCheckAgrees;
using testing::kHeader;
using testing::MustParse;

TEST(ResultsCsvTest, CheckAgreesWithParseOnEdgeCases) {
  const std::string cases[] = {
      "",
      "   \r\n\t\n",
      "\xEF\xBB\xBF",
      std::string("a\0b", 3),
      "\xFF\xFEN\0a\0",
      "Name [Unit], Value, Threshold, Evaluation Result\n",
      "\xEF\xBB\xBFName [Unit],Value,Threshold,Evaluation Result\r\nA [mm], 1, 2, Pass\r\n",
      "Title\nMachine\n\nName [Unit], Value, Threshold, Evaluation Result\nA, 1, 2, Pass\n",
      "1\n2\n3\n4\n5\nName [Unit], Value, Threshold, Evaluation Result\n",
      "Name [Unit];Value;Threshold;Evaluation Result\rA [mm];0,3;0,5;Pass\r",
      "Name [Unit]\tValue\tThreshold\n",
      "just some text\nwithout a header\n",
      "Name\xB0 [Unit], Value, Threshold, Evaluation Result\n",
  };
  for (const std::string& c : cases) {
    SCOPED_TRACE(c);
    ExpectCheckAgrees(c, ParseResultsCsv(c));
  }
}

TEST(ResultsCsvTest, FileCutInsideARowIsIncomplete) {
  const std::string complete = std::string(kHeader) +
                               "\r\nIsoCenterGroup/IsoCenterSize [mm], 0.3, 0.5, Pass"
                               "\r\nBeamGroup/BeamOutputChange [%], 0.027, 2, Pass\r\n";
  // Cut inside the value ("0.027" -> "0"), after it, inside the threshold, inside the name.
  for (size_t cut : {complete.find("0.027") + 1, complete.find("0.027") + 5,
                     complete.find(", 2,") + 3, complete.find("BeamOutput") + 4}) {
    const std::string bytes = complete.substr(0, cut);
    SCOPED_TRACE(bytes);
    ResultsTable t = MustParse(bytes);
    ASSERT_EQ(t.rows.size(), 2u);  // what is there is kept for the journal
    ASSERT_EQ(t.problems.size(), 1u);
    EXPECT_THAT(t.problems[0], HasSubstr("line 3: the file ends inside the row of 'BeamGroup/"));
    EXPECT_THAT(t.problems[0], HasSubstr("cut short"));
    Status check = CheckResultsCsv(bytes);
    EXPECT_EQ(check.code(), Status::Code::kInvalidArgument);
    EXPECT_THAT(check.message(), HasSubstr("Results.csv is incomplete"));
    EXPECT_THAT(check.message(), HasSubstr("line 3: the file ends inside the row"));
    EXPECT_EQ(check.message(), CheckComplete(t).message());
  }
  EXPECT_THAT(MustParse(complete).problems, IsEmpty());
}

TEST(ResultsCsvTest, LastRowWithoutLineEndIsCompleteWhenItsValueIsFollowed) {
  const std::string cases[] = {
      std::string(kHeader) + "\nBeamGroup/BeamOutputChange [%], 0.027, 2, Pass",
      std::string(kHeader) + "\r\nBeamGroup/BeamOutputChange [%], 0.027, 2, Pa",  // Evaluation cut
      std::string(kHeader) + "\r\nBeamGroup/BeamOutputChange [%], 0.027, 2, Pass\r",
      std::string(kHeader) + "\nBeamGroup/BeamOutputChange [%], 0.027, 2, Pass\n\x1A",
      std::string(kHeader) + "\nBeamGroup/BeamOutputChange [%], 0.027, 2, Pass\n,,,",
  };
  for (const std::string& c : cases) {
    SCOPED_TRACE(c);
    ResultsTable t = MustParse(c);
    EXPECT_THAT(t.problems, IsEmpty());
    ASSERT_EQ(t.rows.size(), 1u);
    EXPECT_THAT(t.rows[0].value, Optional(0.027));
    EXPECT_TRUE(CheckResultsCsv(c).ok()) << CheckResultsCsv(c).ToString();
  }
}

TEST(ResultsCsvTest, ValueThatOnlyStartsAsANumberIsIncomplete) {
  for (const char* text : {"0.3mm", "0x10", "1e999", "\"1,5\"", "0.02 7", "-1-2"}) {
    SCOPED_TRACE(text);
    const std::string bytes = std::string(kHeader) + "\nA [mm], 0.3, 1, Pass\nBeamGroup/X [%], " +
                              text + ", 2, Pass\n";
    ResultsTable t = MustParse(bytes);
    ASSERT_EQ(t.rows.size(), 2u);
    EXPECT_EQ(t.rows[1].value, std::nullopt);
    ASSERT_EQ(t.problems.size(), 1u);
    EXPECT_THAT(t.problems[0], HasSubstr("line 3: value '"));
    EXPECT_THAT(t.problems[0], HasSubstr("of 'BeamGroup/X [%]' is not a whole number"));
    EXPECT_FALSE(CheckResultsCsv(bytes).ok());
  }
  // Words are "no value" as the spec says, not damage; nor is a damaged threshold.
  for (const char* text : {"N/A", "abc", "nan", "inf", "Not Evaluated", "-"}) {
    SCOPED_TRACE(text);
    const std::string bytes = std::string(kHeader) + "\nBeamGroup/X [%], " + text + ", 2mm, Pass\n";
    ResultsTable t = MustParse(bytes);
    EXPECT_THAT(t.problems, IsEmpty());
    EXPECT_TRUE(CheckResultsCsv(bytes).ok());
  }
}

// A decimal comma in a comma-separated file ("0,027") splits the number and
// shifts the row: its value must not be read as 0.
TEST(ResultsCsvTest, DecimalCommaThatShiftsTheRowIsAProblem) {
  for (const char* row : {"BeamGroup/X [%], 0,027, 2, Pass", "BeamGroup/X [%], 0,027, 0,5, Pass"}) {
    SCOPED_TRACE(row);
    const std::string bytes = std::string(kHeader) + "\nA [mm], 0.3, 1, Pass\n" + row + "\n";
    ResultsTable t = MustParse(bytes);
    ASSERT_EQ(t.problems.size(), 1u);
    EXPECT_THAT(t.problems[0], HasSubstr("line 3: the row of 'BeamGroup/X [%]' has "));
    EXPECT_THAT(t.problems[0], HasSubstr("values look shifted (a decimal comma?)"));
    EXPECT_FALSE(CheckResultsCsv(bytes).ok());
  }
  // A note after the Evaluation column shifts nothing: still a warning only.
  const std::string note = std::string(kHeader) + "\nBeamGroup/X [%], 0.027, 2, Pass, note\n";
  EXPECT_THAT(MustParse(note).problems, IsEmpty());
  EXPECT_TRUE(CheckResultsCsv(note).ok());
}

TEST(ResultsCsvTest, ProblemsAreCapped) {
  std::string csv = std::string(kHeader) + "\n";
  for (int i = 0; i < 80; ++i) csv += "BeamGroup/X" + std::to_string(i) + " [%], 1x, 2, Pass\n";
  ResultsTable t = MustParse(csv);
  ASSERT_EQ(t.problems.size(), 51u);
  EXPECT_EQ(t.problems.back(), "30 more problems not shown");
}

}  // namespace
}  // namespace qcflow::mpc
