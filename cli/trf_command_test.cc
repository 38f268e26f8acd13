// `qcflow trf table` end to end: the real binary on the TRF fixtures.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/trf_fixtures.h"

namespace qcflow {
namespace {

using testing::RunQcflow;

const std::string kDir = QCFLOW_TRF_FIXTURES;
const std::string kLog = kDir + "/17_04_19 21_18_39 Z .trf";

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

TEST(TrfCommandTest, TheCsvEqualsTheVendorsCellByCell) {
  const auto run = RunQcflow(QCFLOW_BIN, "trf table " + Quoted(kLog));
  ASSERT_EQ(run.exit_code, 0) << run.out.substr(0, 2000);
  const testing::TrfCsv ours = testing::ParseTrfCsv(run.out);
  const testing::TrfCsv vendor =
      testing::ParseTrfCsv(testing::ReadTrfFixture(kDir + "/17_04_19 21_18_39 Z .csv"));
  EXPECT_EQ(ours.header.size(), 6u);
  size_t cells = 0;
  const auto diff = testing::TrfCsvMismatches(ours, vendor, 20, &cells);
  for (const std::string& d : diff) ADD_FAILURE() << d;
  EXPECT_EQ(cells, 441u * 351u);
  // The vendor's line layout too: the header block, a blank line, trailing commas.
  EXPECT_EQ(run.out.rfind("Version = 1\nLinac Id = 2694\nTreatment Name =\nTotal Dose = 0 MU\n", 0), 0u);
  EXPECT_NE(run.out.find("UTC Offset = +10:00\n\nTime (s),Control point/Actual Value (None),"),
            std::string::npos);
  EXPECT_NE(run.out.find("\n0,1,14,Intersegment,0,0,0,0,Out,-0.3,"), std::string::npos);
}

TEST(TrfCommandTest, JsonHoldsTheSameTable) {
  const auto run = RunQcflow(QCFLOW_BIN, "trf table --format json " +
                                             Quoted(kDir + "/17_04_30 21_43_26 Z 1-1_DIR E.trf"));
  ASSERT_EQ(run.exit_code, 0) << run.out.substr(0, 2000);
  const auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["header"]["treatment_name"], "1-1/DIR E");
  EXPECT_EQ(j["header"]["field_label"], "1-1");
  EXPECT_DOUBLE_EQ(j["header"]["total_dose_mu"].get<double>(), 446.8);
  EXPECT_EQ(j["header"]["start"], "2017-04-30T21:43:26Z");
  EXPECT_EQ(j["columns"].size(), 351u);
  EXPECT_EQ(j["rows"].size(), 1405u);
  EXPECT_EQ(j["rows"][1][0].get<double>(), 0.04);
  EXPECT_EQ(j["rows"].back()[3], "Terminated Ok");
  EXPECT_TRUE(j["issues"].empty());
}

TEST(TrfCommandTest, DamageIsReportedWithWhatCouldBeDecoded) {
  testing::TempDir dir;
  const std::string bytes = testing::ReadTrfFixture(kLog);
  testing::WriteFile(dir.Sub("cut.trf"), bytes.substr(0, 1449 + 700 * 3 + 10));
  auto run = RunQcflow(QCFLOW_BIN, "trf table " + dir.Sub("cut.trf") + " 2>&1");
  EXPECT_EQ(run.exit_code, 3) << run.out;
  EXPECT_NE(run.out.find("\n0.08,"), std::string::npos) << "the three whole rows are written";
  EXPECT_NE(run.out.find("byte 3549: the table (2110 bytes after the 1449-byte header) is not a "
                         "whole number of 700-byte rows"),
            std::string::npos)
      << run.out;

  testing::WriteFile(dir.Sub("header.trf"), bytes.substr(0, 30));
  run = RunQcflow(QCFLOW_BIN, "trf table " + dir.Sub("header.trf"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("is not a TRF log this qcflow can decode: header cut short in its machine "
                         "id string at byte 28"),
            std::string::npos)
      << run.out;

  run = RunQcflow(QCFLOW_BIN, "trf table " + dir.Sub("missing.trf"));
  EXPECT_EQ(run.exit_code, 2);  // a FILE that does not exist is a wrong argument
  EXPECT_NE(run.out.find("cannot read " + dir.Sub("missing.trf") + ": No such file or directory"),
            std::string::npos)
      << run.out;

  run = RunQcflow(QCFLOW_BIN, "trf table --columns " + dir.Sub("none.json") + " " + Quoted(kLog));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.out.find("none.json"), std::string::npos) << run.out;
}

TEST(TrfCommandTest, HelpTeaches) {
  const auto run = RunQcflow(QCFLOW_BIN, "trf table --help");
  EXPECT_EQ(run.exit_code, 0);
  for (const char* s : {"FILE", "--format", "Time (s)", "columns.json", "Exit codes", "Examples"}) {
    EXPECT_NE(run.out.find(s), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace qcflow
