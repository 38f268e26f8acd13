#include "process/common/trend.h"

#include <gtest/gtest.h>

#include <set>

#include "process/common/qc_session.h"
#include "process/common/sample_sessions_testing.h"
#include "process/common/session_stage.h"
#include "store/derived.h"
#include "store/store.h"
#include "store/write_set.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

constexpr MicrosUtc kDay = 24 * 60 * 60 * kMicrosPerSecond;
constexpr const char* kOutput = "beamgroup_beamoutputchange_per_6xfff";  // the sample's key

class TrendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  // Stores `s` as its kind's transform would (namespace "<kind>.session").
  void Store1(QcSession s) {
    WriteSet ws;
    std::set<std::string> keys;
    SessionTarget target{s.source_kind + ".session", s.source_kind + ".session.by-owner", {}};
    const std::string encoded = EncodeQcSession(s);
    auto staged = StageSession(store_->derived(), target, TrendMachine(s), &s, encoded, &keys, &ws);
    ASSERT_TRUE(staged.ok()) << staged.status().ToString();
    ASSERT_TRUE(store_->Commit(ws).ok());
  }
  // An MPC-shaped session `days` after the sample's, output change `v`.
  QcSession Mpc(int days, double v, const std::string& source = "tds-a") {
    QcSession s = qcflow::testing::SampleMpcSession();
    s.source_id = source;
    s.work_started += days * kDay;
    s.work_completed += days * kDay;
    s.user_key = source + "/" + std::to_string(days);
    for (TestResult& t : s.tests) {
      if (t.key == kOutput) t.number = v;
    }
    return s;
  }
  Result<TrendSeries> Read(const std::string& machine, const std::string& test,
                           MicrosUtc from = 0,
                           MicrosUtc until = std::numeric_limits<MicrosUtc>::max()) {
    return ReadTrend(store_->derived(), TrendQuery{machine, test, from, until});
  }

  qcflow::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(TrendTest, PointsOfOneMachineAndTestInTimeOrderAcrossSources) {
  Store1(Mpc(2, 0.30));
  Store1(Mpc(0, 0.10));
  Store1(Mpc(1, 0.20, "tds-b"));  // the same linac seen through another TDS root
  QcSession other = Mpc(1, 9.0);
  other.machine.serial = "H999999";
  other.user_key = "other";
  Store1(other);

  auto series = Read("H191157", kOutput);
  ASSERT_TRUE(series.ok()) << series.status().ToString();
  ASSERT_EQ(series->points.size(), 3u);
  EXPECT_EQ(series->points[0].value, 0.10);
  EXPECT_EQ(series->points[1].value, 0.20);
  EXPECT_EQ(series->points[2].value, 0.30);
  EXPECT_EQ(series->points[1].session, "tds-b/1");
  EXPECT_LT(series->points[0].at, series->points[1].at);
  EXPECT_EQ(series->points[0].zone, "Europe/Berlin");
  const QcSession sample = qcflow::testing::SampleMpcSession();
  for (const TestResult& t : sample.tests) {
    if (t.key != kOutput) continue;
    EXPECT_EQ(series->name, t.name);
    EXPECT_EQ(series->unit, t.unit);
    EXPECT_EQ(series->points[0].tolerance, t.tolerance);
    EXPECT_EQ(series->points[0].evaluation, t.evaluation);
  }

  auto ranged = Read("H191157", kOutput, sample.work_started + kDay,
                     sample.work_started + 2 * kDay);
  ASSERT_TRUE(ranged.ok());
  ASSERT_EQ(ranged->points.size(), 1u);
  EXPECT_EQ(ranged->points[0].value, 0.20);

  auto unknown = Read("no-such-linac", kOutput);
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(unknown->points.empty());
}

TEST_F(TrendTest, MachinesByNameAndOnlyNumbersArePoints) {
  Store1(qcflow::testing::SampleDqa3Session());  // no serial: named "Room 1/TrueBeam"
  auto dose = Read("Room 1/TrueBeam", "dose");
  ASSERT_TRUE(dose.ok()) << dose.status().ToString();
  ASSERT_EQ(dose->points.size(), 1u);
  EXPECT_EQ(dose->points[0].reference, 100.0);
  // The signature is text: no series.
  auto signature = Read("Room 1/TrueBeam", "signature");
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(signature->points.empty());

  Store1(Mpc(0, 0.1));
  auto listed = ListTrendSeries(store_->derived());
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::set<std::string> names;
  for (const TrendSeriesInfo& info : *listed) {
    names.insert(info.machine + " " + info.test);
    EXPECT_EQ(info.points, 1u) << info.test;
    EXPECT_EQ(info.source_kind, info.machine == "H191157" ? "mpc" : "dqa3");
  }
  EXPECT_TRUE(names.count("Room 1/TrueBeam dose"));
  EXPECT_TRUE(names.count(std::string("H191157 ") + kOutput));
  EXPECT_FALSE(names.count("Room 1/TrueBeam signature"));
  // The MPC sample's skipped test has no value: no series.
  for (const TestResult& t : qcflow::testing::SampleMpcSession().tests) {
    if (t.skipped) EXPECT_FALSE(names.count("H191157 " + t.key)) << t.key;
  }
}

}  // namespace
}  // namespace qcflow
