#include "ingest/mpc/results_csv.h"
#include "ingest/mpc/results_csv_testing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>

namespace qcflow::mpc {
namespace {

using testing::ExpectCheckAgrees;
using testing::kHeader;
using testing::MustParse;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;

const ResultRow* Find(const ResultsTable& t, const std::string& name) {
  for (const auto& row : t.rows) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

// A TrueBeam 2.x geometry check as MPC writes it: ", " separators, CRLF, the
// group rows first, then 60 per-leaf rows. Returns 92 rows, 60 of them per leaf.
std::string RealisticGeometryCsv(const char* eol = "\r\n") {
  const char* kGroupRows[] = {
      "IsoCenterGroup/IsoCenterSize [mm], 0.3, 0.5, Pass",
      "IsoCenterGroup/IsoCenterMVOffset [mm], 0.26, 0.5, Pass",
      "IsoCenterGroup/IsoCenterKVOffset [mm], 0.25, 0.5, Pass",
      "BeamGroup/BeamOutputChange [%], -0.17, 2, Pass",
      "BeamGroup/BeamUniformityChange [%], 0.42, 2, Pass",
      "BeamGroup/BeamCenterShift [mm], 0.11, 0.5, Pass",
      "CollimationGroup/MLCGroup/MLCMaxOffsetA [mm], 0.41, 1, Pass",
      "CollimationGroup/MLCGroup/MLCMaxOffsetB [mm], 0.37, 1, Pass",
      "CollimationGroup/MLCGroup/MLCMeanOffsetA [mm], 0.12, 1, Pass",
      "CollimationGroup/MLCGroup/MLCMeanOffsetB [mm], 0.1, 1, Pass",
      "CollimationGroup/MLCBacklashGroup/MLCBacklashMaxA [mm], 0.18, 0.3, Pass",
      "CollimationGroup/MLCBacklashGroup/MLCBacklashMaxB [mm], 0.16, 0.3, Pass",
      "CollimationGroup/MLCBacklashGroup/MLCBacklashMeanA [mm], 0.07, 0.3, Pass",
      "CollimationGroup/MLCBacklashGroup/MLCBacklashMeanB [mm], 0.06, 0.3, Pass",
      "CollimationGroup/JawsGroup/JawX1 [mm], -0.2, 1, Pass",
      "CollimationGroup/JawsGroup/JawX2 [mm], 0.15, 1, Pass",
      "CollimationGroup/JawsGroup/JawY1 [mm], 0.31, 1, Pass",
      "CollimationGroup/JawsGroup/JawY2 [mm], -0.28, 1, Pass",
      "CollimationGroup/JawsGroup/JawParallelismX1 [°], 0.05, 0.5, Pass",
      "CollimationGroup/JawsGroup/JawParallelismX2 [°], 0.04, 0.5, Pass",
      "CollimationGroup/JawsGroup/JawParallelismY1 [°], 0.08, 0.5, Pass",
      "CollimationGroup/JawsGroup/JawParallelismY2 [°], 0.02, 0.5, Pass",
      "CollimationGroup/CollimationRotationOffset [°], 0.12, 0.5, Pass",
      "GantryGroup/GantryAbsolute [°], -0.09, 0.3, Pass",
      "GantryGroup/GantryRelative [°], 0.04, 0.3, Pass",
      "CouchGroup/CouchMaxPositionError [mm], 1.2, 1, Fail",
      "CouchGroup/CouchLat [mm], 0.21, 1, Pass",
      "CouchGroup/CouchLng [mm], 0.19, 1, Pass",
      "CouchGroup/CouchVrt [mm], -0.33, 1, Pass",
      "CouchGroup/CouchRtnFine [°], 0.03, 0.3, Pass",
      "CouchGroup/CouchRtnLarge [°], 0.11, 0.3, Pass",
      "CouchGroup/RotationInducedCouchShiftFullRange [mm], 0.44, 0.75, Pass",
  };
  std::string csv = std::string(kHeader) + eol;
  for (const char* row : kGroupRows) csv += std::string(row) + eol;
  char buf[160];
  auto leaves = [&](const char* prefix, int first, int last, double base) {
    for (int i = first; i <= last; ++i) {
      std::snprintf(buf, sizeof buf, "%s%d [mm], %.2f, 1, Pass%s", prefix, i, base + 0.01 * i, eol);
      csv += buf;
    }
  };
  leaves("CollimationGroup/MLCGroup/MLCLeavesA/MLCLeaf", 11, 30, -0.2);
  leaves("CollimationGroup/MLCGroup/MLCLeavesB/MLCLeaf", 11, 30, 0.0);
  leaves("CollimationGroup/MLCBacklashGroup/MLCBacklashLeavesA/MLCBacklashLeaf", 11, 20, 0.1);
  leaves("CollimationGroup/MLCBacklashGroup/MLCBacklashLeavesB/MLCBacklashLeaf", 11, 20, -0.1);
  return csv;
}

TEST(ResultsCsvTest, SpecExample) {
  ResultsTable t = MustParse(std::string(kHeader) +
                             "\n"
                             "IsoCenterGroup/IsoCenterSize [mm], 0.3, 0.5, Pass\n"
                             "BeamGroup/BeamOutputChange [%], -0.17, 2, Pass\n"
                             "GantryGroup/GantryAbsolute [°], -0.09, 0.3, Fail\n");
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_THAT(t.warnings, IsEmpty());
  const ResultRow& r0 = t.rows[0];
  EXPECT_EQ(r0.name, "IsoCenterGroup/IsoCenterSize [mm]");
  EXPECT_THAT(r0.value, Optional(0.3));
  EXPECT_EQ(r0.value_text, "0.3");
  EXPECT_THAT(r0.threshold, Optional(0.5));
  EXPECT_EQ(r0.threshold_text, "0.5");
  EXPECT_EQ(r0.evaluation, "Pass");
  EXPECT_FALSE(r0.per_leaf);
  EXPECT_EQ(t.rows[1].name, "BeamGroup/BeamOutputChange [%]");
  EXPECT_THAT(t.rows[1].value, Optional(-0.17));
  EXPECT_THAT(t.rows[1].threshold, Optional(2.0));
  EXPECT_EQ(t.rows[2].name, "GantryGroup/GantryAbsolute [°]");
  EXPECT_THAT(t.rows[2].value, Optional(-0.09));
  EXPECT_EQ(t.rows[2].evaluation, "Fail");
}

TEST(ResultsCsvTest, RealisticGeometryFile) {
  ResultsTable t = MustParse(RealisticGeometryCsv());
  EXPECT_THAT(t.warnings, IsEmpty());
  ASSERT_EQ(t.rows.size(), 92u);
  EXPECT_EQ(std::count_if(t.rows.begin(), t.rows.end(), [](const ResultRow& r) { return r.per_leaf; }),
            60);
  // Order is the file's order.
  EXPECT_EQ(t.rows[0].name, "IsoCenterGroup/IsoCenterSize [mm]");
  EXPECT_EQ(t.rows[3].name, "BeamGroup/BeamOutputChange [%]");
  EXPECT_EQ(t.rows[91].name,
            "CollimationGroup/MLCBacklashGroup/MLCBacklashLeavesB/MLCBacklashLeaf20 [mm]");
  EXPECT_THAT(t.rows[91].value, Optional(0.1));  // -0.1 + 0.01 * 20

  const ResultRow* couch = Find(t, "CouchGroup/CouchMaxPositionError [mm]");
  ASSERT_NE(couch, nullptr);
  EXPECT_THAT(couch->value, Optional(1.2));
  EXPECT_THAT(couch->threshold, Optional(1.0));
  EXPECT_EQ(couch->evaluation, "Fail");
  EXPECT_FALSE(couch->per_leaf);

  const ResultRow* leaf = Find(t, "CollimationGroup/MLCGroup/MLCLeavesA/MLCLeaf11 [mm]");
  ASSERT_NE(leaf, nullptr);
  EXPECT_TRUE(leaf->per_leaf);
  EXPECT_EQ(leaf->value_text, "-0.09");
  EXPECT_THAT(leaf->value, Optional(-0.09));

  const ResultRow* max_offset = Find(t, "CollimationGroup/MLCGroup/MLCMaxOffsetA [mm]");
  ASSERT_NE(max_offset, nullptr);
  EXPECT_FALSE(max_offset->per_leaf);
  const ResultRow* backlash_max = Find(t, "CollimationGroup/MLCBacklashGroup/MLCBacklashMaxB [mm]");
  ASSERT_NE(backlash_max, nullptr);
  EXPECT_FALSE(backlash_max->per_leaf);
  EXPECT_THAT(backlash_max->value, Optional(0.16));
  for (const auto& row : t.rows) {
    EXPECT_EQ(row.name.find('\r'), std::string::npos);
    EXPECT_EQ(row.evaluation.find('\r'), std::string::npos);
    EXPECT_TRUE(row.value.has_value()) << row.name;
  }
}

TEST(ResultsCsvTest, CrlfAndLfGiveTheSameRows) {
  ResultsTable crlf = MustParse(RealisticGeometryCsv("\r\n"));
  ResultsTable lf = MustParse(RealisticGeometryCsv("\n"));
  ASSERT_EQ(crlf.rows.size(), lf.rows.size());
  for (size_t i = 0; i < lf.rows.size(); ++i) {
    EXPECT_EQ(crlf.rows[i].name, lf.rows[i].name);
    EXPECT_EQ(crlf.rows[i].value, lf.rows[i].value);
    EXPECT_EQ(crlf.rows[i].threshold, lf.rows[i].threshold);
    EXPECT_EQ(crlf.rows[i].evaluation, lf.rows[i].evaluation);
  }
}

TEST(ResultsCsvTest, Utf8BomIsSkipped) {
  ResultsTable t = MustParse("\xEF\xBB\xBF" + std::string(kHeader) +
                             "\r\nIsoCenterGroup/IsoCenterSize [mm], 0.3, 0.5, Pass\r\n");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].name, "IsoCenterGroup/IsoCenterSize [mm]");
  EXPECT_THAT(t.rows[0].value, Optional(0.3));
  EXPECT_THAT(t.warnings, IsEmpty());
}

TEST(ResultsCsvTest, DoubleEncodedBomIsSkipped) {
  // "ï»¿": what a BOM becomes after the same Latin-1 round trip that makes "Â°".
  ResultsTable t = MustParse("\xC3\xAF\xC2\xBB\xC2\xBF" + std::string(kHeader) +
                             "\nGantryGroup/GantryAbsolute [Â°], -0.09, 0.3, Pass\n");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].name, "GantryGroup/GantryAbsolute [Â°]");
}

TEST(ResultsCsvTest, HalcyonBlankThreshold) {
  ResultsTable t = MustParse(std::string(kHeader) +
                             "\r\n"
                             "IsoCenterGroup/IsoCenterSize [mm], 0.21, , Pass\r\n"
                             "BeamGroup/BeamOutputChange [%], 0.4,,Pass\r\n"
                             "BeamGroup/BeamUniformityChange [%], 0.12, , \r\n");
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_THAT(t.warnings, IsEmpty());
  EXPECT_THAT(t.rows[0].value, Optional(0.21));
  EXPECT_EQ(t.rows[0].threshold, std::nullopt);
  EXPECT_EQ(t.rows[0].threshold_text, "");
  EXPECT_EQ(t.rows[0].evaluation, "Pass");
  EXPECT_THAT(t.rows[1].value, Optional(0.4));
  EXPECT_EQ(t.rows[1].threshold, std::nullopt);
  EXPECT_EQ(t.rows[1].evaluation, "Pass");
  EXPECT_EQ(t.rows[2].threshold, std::nullopt);
  EXPECT_EQ(t.rows[2].evaluation, "");
}

TEST(ResultsCsvTest, MisDecodedDegreeIsKeptAsWritten) {
  ResultsTable t = MustParse(std::string(kHeader) +
                             "\n"
                             "GantryGroup/GantryAbsolute [Â°], -0.09, 0.3, Pass\n"
                             "  CouchGroup/CouchRtnFine [°]  ,0.03,0.3,Pass\n");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].name, "GantryGroup/GantryAbsolute [\xC3\x82\xC2\xB0]");
  EXPECT_EQ(t.rows[1].name, "CouchGroup/CouchRtnFine [\xC2\xB0]");  // trimmed only
  EXPECT_THAT(t.warnings, IsEmpty());
}

TEST(ResultsCsvTest, Latin1DegreeIsReadAsLatin1) {
  ResultsTable t = MustParse(std::string(kHeader) +
                             "\r\nGantryGroup/GantryAbsolute [\xB0], -0.09, 0.3, Pass\r\n"
                             "CouchGroup/CouchRtnFine [\xB0], 0.03, 0.3, Pass\r\n");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].name, "GantryGroup/GantryAbsolute [°]");
  EXPECT_THAT(t.rows[0].value, Optional(-0.09));
  EXPECT_EQ(t.rows[1].name, "CouchGroup/CouchRtnFine [°]");
  EXPECT_THAT(t.warnings, ElementsAre("line 2: not valid UTF-8; read as Latin-1"));
}

TEST(ResultsCsvTest, ShortRowsKeepWhatIsThere) {
  ResultsTable t = MustParse(std::string(kHeader) +
                             "\n"
                             "BeamGroup/BeamOutputChange [%], -0.17\n"
                             "GantryGroup/GantryAbsolute [°]\n"
                             "IsoCenterGroup/IsoCenterSize [mm], 0.3, 0.5\n");
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_THAT(t.rows[0].value, Optional(-0.17));
  EXPECT_EQ(t.rows[0].threshold, std::nullopt);
  EXPECT_EQ(t.rows[0].evaluation, "");
  EXPECT_EQ(t.rows[1].name, "GantryGroup/GantryAbsolute [°]");
  EXPECT_EQ(t.rows[1].value, std::nullopt);
  EXPECT_EQ(t.rows[1].value_text, "");
  EXPECT_THAT(t.rows[2].threshold, Optional(0.5));
  EXPECT_EQ(t.rows[2].evaluation, "");
  EXPECT_THAT(t.warnings, ElementsAre("line 2: only 2 of 4 columns; missing ones left blank",
                                      "line 3: only 1 of 4 columns; missing ones left blank",
                                      "line 4: only 3 of 4 columns; missing ones left blank"));
}

TEST(ResultsCsvTest, ExtraColumnsAreIgnored) {
  ResultsTable t = MustParse(std::string(kHeader) +
                             "\n"
                             "IsoCenterGroup/IsoCenterSize [mm], 0.3, 0.5, Pass, , \n"
                             "BeamGroup/BeamOutputChange [%], -0.17, 2, Pass, note\n");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].evaluation, "Pass");
  EXPECT_EQ(t.rows[1].evaluation, "Pass");
  EXPECT_THAT(t.rows[1].value, Optional(-0.17));
  // Empty padding columns are not worth a warning; data in them is.
  EXPECT_THAT(t.warnings, ElementsAre("line 3: 5 columns, expected 4; extra ones ignored"));
}

TEST(ResultsCsvTest, NumbersAreParsedLocaleIndependently) {
  struct Case {
    const char* text;
    std::optional<double> want;
  };
  const Case kCases[] = {
      {"0.3", 0.3},     {" 0.3 ", 0.3},   {"-0.17", -0.17}, {"1e-3", 0.001}, {"+0.5", 0.5},
      {"2", 2.0},       {"-0", -0.0},     {".5", 0.5},      {"1E2", 100.0},  {"\t7.25\t", 7.25},
      {"N/A", std::nullopt}, {"abc", std::nullopt},  {"0.3mm", std::nullopt},
      {"\"1,5\"", std::nullopt}, {"nan", std::nullopt},  {"inf", std::nullopt},
      {"-inf", std::nullopt}, {"0x10", std::nullopt}, {"1e999", std::nullopt},
      {"+-1", std::nullopt}, {"--1", std::nullopt},  {"+", std::nullopt},
      {"- 1", std::nullopt},
  };
  for (const Case& c : kCases) {
    std::string csv = std::string(kHeader) + "\nBeamGroup/X [%], " + c.text + ", " + c.text + ", Pass\n";
    ResultsTable t = MustParse(csv);
    ASSERT_EQ(t.rows.size(), 1u) << c.text;
    EXPECT_EQ(t.rows[0].value, c.want) << "'" << c.text << "'";
    EXPECT_EQ(t.rows[0].threshold, c.want) << "'" << c.text << "'";
  }
}

TEST(ResultsCsvTest, BlankValueIsNoValueNotZero) {
  ResultsTable t = MustParse(std::string(kHeader) +
                             "\nIsoCenterGroup/IsoCenterSize [mm], , 0.5, Pass\n"
                             "IsoCenterGroup/IsoCenterMVOffset [mm],,0.5,Pass\n");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].value, std::nullopt);
  EXPECT_EQ(t.rows[0].value_text, "");
  EXPECT_THAT(t.rows[0].threshold, Optional(0.5));
  EXPECT_EQ(t.rows[1].value, std::nullopt);
  EXPECT_THAT(t.warnings, IsEmpty());  // blank is normal, not an oddity
}

TEST(ResultsCsvTest, NonNumericValueKeepsTextAndWarns) {
  ResultsTable t = MustParse(std::string(kHeader) +
                             "\nBeamGroup/BeamOutputChange [%], N/A, N/A, Not Evaluated\n");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].value, std::nullopt);
  EXPECT_EQ(t.rows[0].value_text, "N/A");
  EXPECT_EQ(t.rows[0].threshold, std::nullopt);
  EXPECT_EQ(t.rows[0].threshold_text, "N/A");
  EXPECT_EQ(t.rows[0].evaluation, "Not Evaluated");
  EXPECT_THAT(t.warnings, ElementsAre("line 2: value 'N/A' of 'BeamGroup/BeamOutputChange [%]' is "
                                      "not a number; kept as no value"));
}

TEST(ResultsCsvTest, EmptyFilesAreErrors) {
  const std::string kEmpty[] = {"", "\r\n\r\n", "   \n\t\n", "\xEF\xBB\xBF", "\xEF\xBB\xBF\r\n"};
  for (const std::string& bytes : kEmpty) {
    auto r = ParseResultsCsv(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr("empty"));
  }
}

TEST(ResultsCsvTest, BinaryFilesAreErrors) {
  std::string png("\x89PNG\r\n\x1A\n\0\0\0\rIHDR\0\0\x01\0", 20);
  auto r = ParseResultsCsv(png);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("binary"));

  std::string utf16("\xFF\xFEN\0a\0m\0e\0", 10);
  auto r16 = ParseResultsCsv(utf16);
  ASSERT_FALSE(r16.ok());
  EXPECT_THAT(r16.status().message(), HasSubstr("UTF-16"));

  // High-byte noise without NULs is not a table either.
  std::mt19937 rng(42);
  std::string noise;
  for (int i = 0; i < 4096; ++i) noise.push_back(static_cast<char>(1 + rng() % 255));
  auto rn = ParseResultsCsv(noise);
  ASSERT_FALSE(rn.ok());
  EXPECT_EQ(rn.status().code(), Status::Code::kInvalidArgument);
}

TEST(ResultsCsvTest, TextWithoutHeaderIsAnError) {
  auto r = ParseResultsCsv("hello world\nfoo,bar\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("no header"));
  EXPECT_THAT(r.status().message(), HasSubstr("\"hello world\""));

  // Data rows alone are not enough: without a header the columns are unknown.
  EXPECT_FALSE(ParseResultsCsv("IsoCenterGroup/IsoCenterSize [mm], 0.3, 0.5, Pass\n").ok());
}

TEST(ResultsCsvTest, HeaderOnlyIsAnEmptyTable) {
  for (std::string bytes : {std::string(kHeader), std::string(kHeader) + "\r\n",
                            std::string(kHeader) + "\r\n\r\n\r\n", "\xEF\xBB\xBF" + std::string(kHeader) + "\n"}) {
    ResultsTable t = MustParse(bytes);
    EXPECT_THAT(t.rows, IsEmpty());
    EXPECT_THAT(t.warnings, IsEmpty());
  }
}

TEST(ResultsCsvTest, HeaderSpellingIsTolerated) {
  const char* kHeaders[] = {
      "name[unit],value,threshold,evaluation result",
      "NAME [UNIT] , VALUE , THRESHOLD , EVALUATION RESULT",
      "Name [Unit],Value,Threshold,EvaluationResult",
      "  Name,  Value,  Threshold,  Evaluation_Result  ",
      "\"Name [Unit]\",\"Value\",\"Threshold\",\"Evaluation Result\"",
  };
  for (const char* header : kHeaders) {
    ResultsTable t = MustParse(std::string(header) + "\nBeamGroup/BeamOutputChange [%], -0.17, 2, Pass\n");
    ASSERT_EQ(t.rows.size(), 1u) << header;
    EXPECT_THAT(t.rows[0].value, Optional(-0.17)) << header;
    EXPECT_THAT(t.rows[0].threshold, Optional(2.0)) << header;
    EXPECT_EQ(t.rows[0].evaluation, "Pass") << header;
  }
}

TEST(ResultsCsvTest, ColumnsAreFoundByHeaderName) {
  ResultsTable t = MustParse(
      "Value, Name [Unit], Evaluation Result, Threshold\n0.3, IsoCenterGroup/IsoCenterSize [mm], "
      "Pass, 0.5\n");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].name, "IsoCenterGroup/IsoCenterSize [mm]");
  EXPECT_THAT(t.rows[0].value, Optional(0.3));
  EXPECT_THAT(t.rows[0].threshold, Optional(0.5));
  EXPECT_EQ(t.rows[0].evaluation, "Pass");

  ResultsTable two = MustParse("Name [Unit], Value\nBeamGroup/BeamOutputChange [%], 1.5\n");
  ASSERT_EQ(two.rows.size(), 1u);
  EXPECT_THAT(two.rows[0].value, Optional(1.5));
  EXPECT_EQ(two.rows[0].threshold, std::nullopt);
  EXPECT_EQ(two.rows[0].evaluation, "");
  EXPECT_THAT(two.warnings, IsEmpty());
}

TEST(ResultsCsvTest, LinesBeforeTheHeaderAreSkippedWithAWarning) {
  ResultsTable t = MustParse("MPC results export\r\n\r\n" + std::string(kHeader) +
                             "\r\nIsoCenterGroup/IsoCenterSize [mm], 0.3, 0.5, Pass\r\n");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_THAT(t.warnings, ElementsAre("line 3: header found after 1 other line(s), which were skipped"));

  std::string too_many;
  for (int i = 0; i < 5; ++i) too_many += "title line\n";
  EXPECT_FALSE(ParseResultsCsv(too_many + kHeader + "\nBeamGroup/X [%], 1, 2, Pass\n").ok());
}

TEST(ResultsCsvTest, PaddingLinesAreNotRows) {
  ResultsTable t = MustParse(std::string(kHeader) +
                             "\r\nIsoCenterGroup/IsoCenterSize [mm], 0.3, 0.5, Pass\r\n"
                             "\r\n,,,\r\n , , , \r\n   \r\n\x1A");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_THAT(t.warnings, IsEmpty());
}

TEST(ResultsCsvTest, QuotedFields) {
  ResultsTable t = MustParse(std::string(kHeader) +
                             "\n\"CollimationGroup/Odd, Name [mm]\", \"0.3\", \"0.5\", \"Pass\"\n"
                             "\"A \"\"quoted\"\" [mm]\", 1, 2, Pass\n");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].name, "CollimationGroup/Odd, Name [mm]");
  EXPECT_THAT(t.rows[0].value, Optional(0.3));
  EXPECT_EQ(t.rows[0].evaluation, "Pass");
  EXPECT_EQ(t.rows[1].name, "A \"quoted\" [mm]");
  EXPECT_THAT(t.warnings, IsEmpty());
}

TEST(ResultsCsvTest, UnbalancedQuoteFallsBackToPlainSplitting) {
  ResultsTable t = MustParse(std::string(kHeader) + "\nIso\"Center [mm], 0.3, 0.5, Pass\n");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].name, "Iso\"Center [mm]");
  EXPECT_THAT(t.rows[0].value, Optional(0.3));
  EXPECT_EQ(t.rows[0].evaluation, "Pass");
  EXPECT_THAT(t.warnings, ElementsAre("line 2: unbalanced quote; read without quote handling"));
}

TEST(ResultsCsvTest, SemicolonAndTabSeparatedFiles) {
  ResultsTable semi = MustParse(
      "Name [Unit];Value;Threshold;Evaluation Result\r\n"
      "IsoCenterGroup/IsoCenterSize [mm];0,3;0,5;Pass\r\n"
      "BeamGroup/BeamOutputChange [%];-0.17;2;Pass\r\n");
  ASSERT_EQ(semi.rows.size(), 2u);
  EXPECT_THAT(semi.rows[0].value, Optional(0.3));  // decimal comma, as Excel writes it
  EXPECT_THAT(semi.rows[0].threshold, Optional(0.5));
  EXPECT_THAT(semi.rows[1].value, Optional(-0.17));

  ResultsTable tab = MustParse("Name [Unit]\tValue\tThreshold\tEvaluation Result\n"
                               "IsoCenterGroup/IsoCenterSize [mm]\t0.3\t0.5\tPass\n");
  ASSERT_EQ(tab.rows.size(), 1u);
  EXPECT_EQ(tab.rows[0].name, "IsoCenterGroup/IsoCenterSize [mm]");
  EXPECT_THAT(tab.rows[0].value, Optional(0.3));
  EXPECT_EQ(tab.rows[0].evaluation, "Pass");
}

TEST(ResultsCsvTest, ClassicMacLineEnds) {
  ResultsTable t = MustParse(std::string(kHeader) +
                             "\rIsoCenterGroup/IsoCenterSize [mm], 0.3, 0.5, Pass\r"
                             "BeamGroup/BeamOutputChange [%], -0.17, 2, Pass\r");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_THAT(t.rows[1].value, Optional(-0.17));
}

TEST(ResultsCsvTest, RepeatedHeaderAndNamelessRowsAreSkipped) {
  ResultsTable t = MustParse(std::string(kHeader) +
                             "\nIsoCenterGroup/IsoCenterSize [mm], 0.3, 0.5, Pass\n" + kHeader +
                             "\n, 0.4, 0.5, Pass\nBeamGroup/BeamOutputChange [%], -0.17, 2, Pass\n");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[1].name, "BeamGroup/BeamOutputChange [%]");
  EXPECT_THAT(t.warnings, ElementsAre("line 3: repeated header; skipped",
                                      "line 4: row has no name; skipped"));
}

TEST(ResultsCsvTest, WarningsAreCapped) {
  std::string csv = std::string(kHeader) + "\n";
  for (int i = 0; i < 200; ++i) csv += "BeamGroup/Short" + std::to_string(i) + " [%], 1\n";
  ResultsTable t = MustParse(csv);
  EXPECT_EQ(t.rows.size(), 200u);
  ASSERT_EQ(t.warnings.size(), 51u);
  EXPECT_EQ(t.warnings.front(), "line 2: only 2 of 4 columns; missing ones left blank");
  EXPECT_EQ(t.warnings.back(), "150 more warnings not shown");
}

TEST(ResultsCsvTest, OversizedInputIsRejected) {
  std::string huge = std::string(kHeader) + "\n";
  huge.append(9u << 20, 'x');
  auto r = ParseResultsCsv(huge);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("larger than any Results.csv"));
}

TEST(ResultsCsvTest, MangledInputNeverThrows) {
  // Cut, splice and sprinkle quotes/separators into a real file: every result must
  // be a table or an InvalidArgument, never an exception or a crash.
  const std::string base = RealisticGeometryCsv();
  std::mt19937 rng(7);
  const char kNoise[] = {'"', ',', '\r', '\n', ';', '\t', '\xC3', '\xB0', ' ', '\x1A'};
  int ok = 0;
  for (int i = 0; i < 300; ++i) {
    std::string s = base.substr(0, rng() % (base.size() + 1));
    for (int k = 0; k < 20 && !s.empty(); ++k) s[rng() % s.size()] = kNoise[rng() % sizeof kNoise];
    Result<ResultsTable> r = Status::Internal("unset");
    ASSERT_NO_THROW(r = ParseResultsCsv(s));
    // The check the scanner uses must agree with the full parse.
    ExpectCheckAgrees(s, r);
    if (r.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << r.status().ToString();
    }
  }
  EXPECT_GT(ok, 100);  // most keep their header and parse with warnings
}

TEST(ResultsCsvTest, PerLeafRowsAreFlaggedExactlyAsTheSpecLists) {
  const char* kPerLeaf[] = {
      "CollimationGroup/MLCGroup/MLCLeavesA/MLCLeaf11 [mm]",
      "CollimationGroup/MLCGroup/MLCLeavesB/MLCLeaf50 [mm]",
      "CollimationGroup/MLCBacklashGroup/MLCBacklashLeavesA/MLCBacklashLeaf12 [mm]",
      "CollimationGroup/MLCBacklashGroup/MLCBacklashLeavesB/MLCBacklashLeaf13 [mm]",
      "CollimationDevicesGroup/MLCGroup/MLCPosition0/MLCLeavesA/MLCLeaf1 [mm]",
      "CollimationDevicesGroup/MLCGroup/MLCPosition0/MLCLeavesB/MLCLeaf2 [mm]",
      "CollimationDevicesGroup/MLCGroup/MLCPosition1/MLCLeavesA/MLCLeaf3 [mm]",
      "CollimationDevicesGroup/MLCGroup/MLCPosition1/MLCLeavesB/MLCLeaf4 [mm]",
      "CollimationDevicesGroup/MLCGroup/MLCPosition2/MLCLeavesA/MLCLeaf5 [mm]",
      "CollimationDevicesGroup/MLCGroup/MLCPosition2/MLCLeavesB/MLCLeaf6 [mm]",
      "CollimationDevicesGroup/MLCBacklashGroup/MLCBacklashLeavesA/MLCBacklashLeaf7 [mm]",
      "CollimationDevicesGroup/MLCBacklashGroup/MLCBacklashLeavesB/MLCBacklashLeaf8 [mm]",
      "Prefix CollimationGroup/MLCGroup/MLCLeavesA/MLCLeaf1",  // "contains", as QCPump
  };
  for (const char* name : kPerLeaf) EXPECT_TRUE(IsPerLeafRow(name)) << name;

  const char* kNotPerLeaf[] = {
      "CollimationGroup/MLCGroup/MLCMaxOffsetA [mm]",
      "CollimationGroup/MLCBacklashGroup/MLCBacklashMaxA [mm]",
      "CollimationDevicesGroup/MLCGroup/MLCPosition0/MLCMaxOffsetA [mm]",
      "CollimationDevicesGroup/MLCGroup/MLCPosition3/MLCLeavesA/MLCLeaf1 [mm]",
      "MLCGroup/MLCLeavesA/MLCLeaf1 [mm]",
      "collimationgroup/mlcgroup/mlcleavesa/mlcleaf1 [mm]",
      "CollimationGroup/MLCGroup/MLCLeavesC/MLCLeaf1 [mm]",
      "IsoCenterGroup/IsoCenterSize [mm]",
      "",
  };
  for (const char* name : kNotPerLeaf) EXPECT_FALSE(IsPerLeafRow(name)) << name;
}

TEST(ResultsCsvTest, TrueBeam3PerLeafRowsInAFile) {
  ResultsTable t = MustParse(std::string(kHeader) +
                             "\nCollimationDevicesGroup/MLCGroup/MLCPosition1/MLCMaxOffsetA [mm], 0.2, 1, Pass"
                             "\nCollimationDevicesGroup/MLCGroup/MLCPosition1/MLCLeavesB/MLCLeaf7 [mm], 0.05, 1, Pass\n");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_FALSE(t.rows[0].per_leaf);
  EXPECT_TRUE(t.rows[1].per_leaf);
}

TEST(ResultsCsvTest, DroppingPerLeafRowsKeepsEveryOtherRowAndEveryVerdict) {
  // A cut per-leaf value: still a problem when the per-leaf rows are dropped.
  const std::string cut = RealisticGeometryCsv() +
                          "CollimationGroup/MLCGroup/MLCLeavesA/MLCLeaf31 [mm], 0.0";
  for (const std::string& csv : {RealisticGeometryCsv(), cut}) {
    auto all = ParseResultsCsv(csv);
    auto kept = ParseResultsCsv(csv, PerLeafRows::kDrop);
    ASSERT_TRUE(all.ok() && kept.ok());
    std::vector<std::string> expected, got;
    for (const ResultRow& r : all->rows) {
      if (!r.per_leaf) expected.push_back(r.name + "|" + r.value_text + "|" + r.threshold_text);
    }
    for (const ResultRow& r : kept->rows) {
      EXPECT_FALSE(r.per_leaf) << r.name;
      got.push_back(r.name + "|" + r.value_text + "|" + r.threshold_text);
    }
    EXPECT_EQ(got, expected);
    EXPECT_EQ(got.size(), 32u);
    EXPECT_EQ(kept->warnings, all->warnings);
    EXPECT_EQ(kept->problems, all->problems);
  }
  EXPECT_FALSE(CheckComplete(*ParseResultsCsv(cut, PerLeafRows::kDrop)).ok());
}

}  // namespace
}  // namespace qcflow::mpc
