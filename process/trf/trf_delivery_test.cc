#include "process/trf/trf_delivery.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>

#include "tests/testing/trf_fixtures.h"

namespace qcflow::trf {
namespace {

const ColumnsTable& Table() { return testing::TrfColumns(QCFLOW_TRF_COLUMNS); }
std::string Fixture(const std::string& name) {
  return testing::ReadTrfFixture(std::string(QCFLOW_TRF_FIXTURES) + "/" + name);
}
const char kVendorLog[] = "17_04_19 21_18_39 Z .trf";
const char kVendorCsv[] = "17_04_19 21_18_39 Z .csv";

TrfDelivery Derive(const std::string& bytes, TrfLog* log) {
  EXPECT_TRUE(DecodeTrf(bytes, Table(), log).ok());
  return DeriveTrfDelivery(*log);
}

// The delivery computed from Elekta's own decoding of the log (its CSV), not
// from our decoder: rows, MU (the sum of the step dose's rises), the gantry
// and collimator ranges over the rows where it rose, the first and last state.
TEST(TrfDeliveryTest, AgreesWithTheVendorsDecodingOfTheSameLog) {
  const testing::TrfCsv csv = testing::ParseTrfCsv(Fixture(kVendorCsv));
  ASSERT_GT(csv.rows.size(), 100u);
  auto col = [&](const std::string& name) {
    auto it = std::find(csv.columns.begin(), csv.columns.end(), name);
    EXPECT_NE(it, csv.columns.end()) << name;
    return size_t(it - csv.columns.begin());
  };
  const size_t dose = col("Step Dose/Actual Value (Mu)"), state = col("Linac State/Actual Value (None)"),
               gantry = col("Step Gantry/Scaled Actual (deg)"),
               coll = col("Step Collimator/Scaled Actual (deg)"), x1 = col("X1 Diaphragm/Scaled Actual (mm)");
  double mu = 0;
  AxisRange g, c, x;
  for (size_t r = 1; r < csv.rows.size(); ++r) {
    const double rise = std::stod(csv.rows[r][dose]) - std::stod(csv.rows[r - 1][dose]);
    if (rise > 0) {
      mu += rise;
      g.Add(std::stod(csv.rows[r][gantry]));
      c.Add(std::stod(csv.rows[r][coll]));
      x.Add(std::stod(csv.rows[r][x1]));
    }
  }
  TrfLog log;
  const TrfDelivery d = Derive(Fixture(kVendorLog), &log);
  EXPECT_EQ(d.rows, csv.rows.size());
  EXPECT_DOUBLE_EQ(d.duration_s, double(csv.rows.size()) * 0.04);
  EXPECT_GT(mu, 0);
  EXPECT_NEAR(d.mu, mu, 1e-6);
  EXPECT_NEAR(d.header_mu, std::stod(csv.header.at("Total Dose")), 1e-9);  // "0 MU": a service beam
  ASSERT_TRUE(d.gantry.min && d.collimator.min && d.x1.min);
  EXPECT_NEAR(*d.gantry.min, *g.min, 1e-9);
  EXPECT_NEAR(*d.gantry.max, *g.max, 1e-9);
  EXPECT_NEAR(*d.collimator.min, *c.min, 1e-9);
  EXPECT_NEAR(*d.collimator.max, *c.max, 1e-9);
  EXPECT_NEAR(*d.x1.min, *x.min, 1e-9);
  EXPECT_NEAR(*d.x1.max, *x.max, 1e-9);
  EXPECT_EQ(d.first_state, csv.rows.front()[state]);
  EXPECT_EQ(d.last_state, csv.rows.back()[state]);
  EXPECT_FALSE(d.interrupted);
  EXPECT_EQ(d.field_label, "");
  EXPECT_EQ(std::to_string(d.version), csv.header.at("Version"));
  EXPECT_EQ(d.utc_offset, csv.header.at("UTC Offset"));
  EXPECT_EQ(d.date_text, csv.header.at("UTC Time"));
  // 21:18:39 UTC on 2017-04-19 in the header's +10:00.
  EXPECT_EQ(d.StartWithOffset(), "2017-04-20T07:18:39+10:00");
  EXPECT_EQ(d.issues, 0u);
}

// The vendor's tool names each log by its UTC date ("yy_mm_dd HH_MM_SS Z"):
// the start read from the header must be that instant.
TEST(TrfDeliveryTest, EveryFixtureStartsAtTheDateInItsNameAndEndsNormally) {
  TrfLog log;
  for (const std::string& path : testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES)) {
    std::string name = std::filesystem::path(path).filename();
    SCOPED_TRACE(name);
    if (name.rfind("INT4 ", 0) == 0) name = name.substr(5);
    const std::string iso = "20" + name.substr(0, 2) + "-" + name.substr(3, 2) + "-" + name.substr(6, 2) +
                            "T" + name.substr(9, 2) + ":" + name.substr(12, 2) + ":" + name.substr(15, 2) + "Z";
    const TrfDelivery d = Derive(testing::ReadTrfFixture(path), &log);
    ASSERT_TRUE(d.start.has_value());
    EXPECT_EQ(FormatUtcIso(*d.start), iso);
    EXPECT_EQ(d.last_state, "Terminated Ok");
    EXPECT_FALSE(d.interrupted);
    EXPECT_GT(d.mu, 0);
    // A beam that ended Terminated Ok delivered what its header planned (to the
    // counter's 0.1 MU); the service beam has no plan (0 MU).
    if (d.header_mu > 0) {
      EXPECT_NEAR(d.mu, d.header_mu, 0.1 + 1e-9);
    }
    EXPECT_TRUE(d.gantry.min.has_value());
    EXPECT_EQ(d.field_label + (d.field_label.empty() ? "" : "/") + d.field_name, log.header.field);
  }
}

// Step and shoot: the step dose counts per segment and returns to 0 between
// them, so the beam's MU is the sum of its rises, not its highest value.
TEST(TrfDeliveryTest, AStepAndShootBeamSumsItsSegments) {
  TrfLog log;
  const TrfDelivery d = Derive(Fixture("17_05_17 03_03_14 Z 1-1_RPO 200.trf"), &log);
  const size_t dose = *log.FindColumn("Step Dose/Actual Value (Mu)");
  size_t returns = 0;
  double highest = 0;
  for (size_t r = 1; r < log.rows; ++r) {
    returns += log.Value(r, dose) < log.Value(r - 1, dose);
    highest = std::max(highest, log.Value(r, dose));
  }
  EXPECT_GE(returns, 3u);
  EXPECT_GT(d.mu, highest * 2);
  EXPECT_NEAR(d.mu, d.header_mu, 0.1 + 1e-9);
}

// Patches the linac state of the last row to `code`.
std::string WithLastState(std::string bytes, int16_t code) {
  TrfLog log;
  EXPECT_TRUE(DecodeTrf(bytes, Table(), &log).ok());
  const size_t col = *log.FindColumn("Linac State/Actual Value (None)");
  const size_t at = log.header.size + (log.rows - 1) * log.row_size + log.layout.prefix +
                    col * log.layout.value_size;
  std::memcpy(bytes.data() + at, &code, sizeof code);  // v1: int16 cells, little-endian host
  return bytes;
}

TEST(TrfDeliveryTest, ABeamThatDoesNotEndTerminatedOkIsInterrupted) {
  TrfLog log;
  const std::string bytes = Fixture("17_04_30 21_43_26 Z 1-1_DIR E.trf");
  ASSERT_FALSE(Derive(bytes, &log).interrupted);
  const TrfDelivery interrupted = Derive(WithLastState(bytes, 43), &log);
  EXPECT_EQ(interrupted.last_state, "Interupted");
  EXPECT_TRUE(interrupted.interrupted);
  EXPECT_EQ(interrupted.issues, 0u);
  const TrfDelivery unknown = Derive(WithLastState(bytes, 99), &log);
  EXPECT_EQ(unknown.last_state, "99");  // kept as its number
  EXPECT_TRUE(unknown.interrupted);
  EXPECT_EQ(unknown.issues, 1u);
  EXPECT_NE(unknown.first_issue.find("99"), std::string::npos) << unknown.first_issue;
}

TEST(TrfDeliveryTest, ADamagedLogIsDerivedFromItsWholeRowsWithTheIssue) {
  TrfLog log;
  const std::string bytes = Fixture("17_04_30 21_43_26 Z 1-1_DIR E.trf");
  const TrfDelivery whole = Derive(bytes, &log);
  const TrfDelivery cut = Derive(bytes.substr(0, bytes.size() - log.row_size * 10 - 3), &log);
  EXPECT_EQ(cut.rows, whole.rows - 11);
  EXPECT_EQ(cut.issues, 1u);
  EXPECT_NE(cut.first_issue.find("at byte "), std::string::npos) << cut.first_issue;
}

TEST(TrfDeliveryTest, EncodingRoundTripsAndRefusesOtherVersions) {
  TrfLog log;
  TrfDelivery d = Derive(Fixture("17_04_24 02_23_05 Z 1-1_1ARCVMAT.trf"), &log);
  d.id = "abc/1";
  d.seq = 7;
  d.linac = "LA1";
  d.file = "/x/y.trf";
  d.indexed_at = *d.start;
  auto back = DecodeTrfDelivery(EncodeTrfDelivery(d));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(EncodeTrfDelivery(*back), EncodeTrfDelivery(d));
  EXPECT_EQ(back->gantry.max, d.gantry.max);
  EXPECT_EQ(back->start, d.start);
  std::string v2 = EncodeTrfDelivery(d);
  v2.replace(v2.find("\"v\":1"), 5, "\"v\":2");
  EXPECT_EQ(DecodeTrfDelivery(v2).status().code(), Status::Code::kIncompatible);
  EXPECT_EQ(DecodeTrfDelivery("{").status().code(), Status::Code::kCorruption);
  EXPECT_EQ(DecodeTrfDelivery("{\"v\":1}").status().code(), Status::Code::kCorruption);
}

TEST(TrfDeliveryTest, TheTimeIndexOrdersByLinacThenTime) {
  TrfDelivery a, b, other;
  a.linac = b.linac = "LA1";
  other.linac = "LA10";
  a.indexed_at = -5;  // before 1970 still sorts first
  b.indexed_at = 1000;
  other.indexed_at = 0;
  a.id = "z";
  b.id = "a";
  EXPECT_LT(TrfTimeIndexKey(a), TrfTimeIndexKey(b));
  const TrfIndexRange all = TrfTimeIndexRange("LA1", -100, 2000);
  for (const TrfDelivery* d : {&a, &b}) {
    EXPECT_GE(TrfTimeIndexKey(*d), all.from);
    EXPECT_LT(TrfTimeIndexKey(*d), all.until);
  }
  EXPECT_FALSE(TrfTimeIndexKey(other) >= all.from && TrfTimeIndexKey(other) < all.until);
  const TrfIndexRange late = TrfTimeIndexRange("LA1", 0, 2000);
  EXPECT_LT(TrfTimeIndexKey(a), late.from);
  EXPECT_GE(TrfTimeIndexKey(b), late.from);
}

}  // namespace
}  // namespace qcflow::trf
