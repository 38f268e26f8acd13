// The DQA3 source's real records (synthetic databases of every schema version
// in SQLite, read by ingest/dqa3's Dqa3Source) through the Dqa3Transform: the
// payload contract between the two, end to end, single and grouped.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "ingest/dqa3/dqa3_source.h"
#include "ingest/dqa3/sim/dqa3_sim.h"
#include "process/common/stored_sessions_testing.h"
#include "process/dqa3/dqa3_transform.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::dqa3 {
namespace {

constexpr const char* kZone = "Europe/Berlin";

class Dqa3SourceE2eTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    store_ = qcflow::testing::OpenTestStore(dir_.Sub("store"));
    ASSERT_NE(store_, nullptr);
    Dqa3SourceConfig c;
    c.name = "dqa3-main";
    c.connection.backend = Dqa3Backend::kSqlite;
    c.connection.sqlite.path = dir_.Sub("dqa3.sqlite");
    c.db_zone = kZone;
    c.history_days = 10;
    sim::Dqa3SimOptions o;
    o.version = GetParam();
    o.machines = 2;
    o.beams_per_machine = 5;
    o.days = 2;
    ASSERT_TRUE(sim::CreateDqa3Schema(c.connection, o.version).ok());
    auto sum = sim::WriteDqa3Rows(c.connection, o);
    ASSERT_TRUE(sum.ok()) << sum.status().ToString();
    sum_ = *sum;
    // An hour after the last measurement, on the database's clock.
    now_ = *CivilToUtc(sum_.last_measurement, kZone) + 60 * kMicrosPerMinute;
    Dqa3Source source(c);
    auto polled = source.Poll(&store_->journal(), now_);
    ASSERT_TRUE(polled.ok()) << polled.status().ToString();
    ASSERT_EQ(polled->appended, sum_.trend_rows);
  }

  Dqa3TransformConfig Config(Dqa3Mode mode) {
    Dqa3TransformConfig c;
    c.source_id = "dqa3-main";
    c.mode = mode;
    c.zone = kZone;
    c.sinks = {"qatrack"};
    for (const auto& m : sum_.machines) c.unit_map[m.display_name] = UnitRef::Named("unit-" + std::to_string(m.id));
    return c;
  }

  StepReport Run(Dqa3Mode mode) {
    Dqa3Transform t(store_.get(), Config(mode));
    auto r = t.RunUntilCaughtUp(now_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : StepReport{};
  }

  qcflow::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  sim::Dqa3SimSummary sum_;
  MicrosUtc now_ = 0;
};

TEST_P(Dqa3SourceE2eTest, SingleModeSendsEveryRowWithTheSpecFormulas) {
  const bool atlas = GetParam() == "1.5";
  StepReport r = Run(Dqa3Mode::kSingle);
  EXPECT_EQ(r.rows_read, sum_.trend_rows);
  EXPECT_EQ(r.sessions_emitted, sum_.trend_rows);
  EXPECT_EQ(r.rows_unreadable, 0u);
  EXPECT_EQ(r.rows_unmapped, 0u);
  EXPECT_EQ(r.rows_raced, atlas ? 0u : 1u);
  auto sessions = qcflow::testing::StoredSessions(store_.get(), kSessionNs);
  ASSERT_EQ(sessions.size(), sum_.trend_rows);
  EXPECT_EQ(qcflow::testing::OutboxItemIds(store_.get(), "qatrack").size(), sum_.trend_rows);

  // Every session against its journaled row, computed here from the raw JSON.
  size_t warned = 0;
  for (const auto& [key, s] : sessions) {
    ASSERT_EQ(s.source_seqs.size(), 1u);
    auto rec = store_->journal().Get(s.source_seqs[0]);
    ASSERT_TRUE(rec.ok());
    const nlohmann::json row = nlohmann::json::parse(rec->payload)["row"];
    const std::string dk = atlas ? "data.Dqa3DataId" : "tr.DATA_KEY";
    const std::string when = atlas ? "data.Created" : "tr.MEASURED_DATETIME";
    const std::string machine = atlas ? "mach.MachineId" : "mach.MACH_KEY";
    EXPECT_EQ(key, "QCPump/DQA3/" + std::to_string(row[machine].get<int64_t>()) + "/" +
                       row[when].get<std::string>().substr(0, 19) + "/" +
                       std::to_string(row[dk].get<int64_t>()));
    EXPECT_EQ(s.unit_name, "unit-" + std::to_string(row[machine].get<int64_t>()));
    std::map<std::string, const TestResult*> tests;
    for (const TestResult& t : s.tests) tests[t.key] = &t;
    EXPECT_EQ(tests.size(), GetParam() == "01.06" ? 43u : 34u);
    std::optional<double> dose, baseline;
    if (GetParam() == "01.04" || GetParam() == "01.06") {
      if (row["tr.RESULTS_DOSE"].is_number()) dose = row["tr.RESULTS_DOSE"].get<double>();
      if (row["tr.REL_BASELINE_DOSE"].is_number()) baseline = row["tr.REL_BASELINE_DOSE"].get<double>();
    } else {
      const std::string ab = atlas ? "data.ABDose" : "tr.AB_DOSE";
      const std::string diff = atlas ? "data.Dose" : "tr.DOSE";
      if (row[ab].is_number()) dose = row[ab].get<double>();
      if (dose && row[diff].is_number()) baseline = 100 * *dose / (100 + row[diff].get<double>());
    }
    ASSERT_TRUE(tests.count("dose_baseline"));
    EXPECT_EQ(tests["dose"]->number, dose) << key;
    if (baseline) {
      EXPECT_DOUBLE_EQ(tests["dose_baseline"]->number.value_or(NAN), *baseline) << key;
    } else {
      EXPECT_TRUE(tests["dose_baseline"]->skipped) << key;
    }
    if (s.comment.find("DATA_KEY race") != std::string::npos) ++warned;
  }
  EXPECT_EQ(warned, atlas ? 0u : 1u);
}

TEST_P(Dqa3SourceE2eTest, GroupedModeTakesEveryRowOnceAndIsIdempotent) {
  StepReport r = Run(Dqa3Mode::kGrouped);
  EXPECT_EQ(r.rows_read, sum_.trend_rows);
  EXPECT_EQ(r.pending_rows, 0u);  // an hour after the last measurement: all windows closed
  auto sessions = qcflow::testing::StoredSessions(store_.get(), kSessionNs);
  ASSERT_EQ(sessions.size(), r.sessions_emitted);
  std::set<uint64_t> seqs;
  for (const auto& [key, s] : sessions) {
    EXPECT_EQ(key.rfind("QCPump/DQA3/", 0), 0u);
    EXPECT_GE(s.work_completed, s.work_started + kMicrosPerMinute);
    for (uint64_t seq : s.source_seqs) EXPECT_TRUE(seqs.insert(seq).second) << seq;
  }
  EXPECT_EQ(seqs.size(), sum_.trend_rows);
  EXPECT_EQ(Run(Dqa3Mode::kGrouped).sessions_emitted, 0u);  // a restart: nothing new
  EXPECT_EQ(qcflow::testing::StoredSessions(store_.get(), kSessionNs).size(), sessions.size());
}

INSTANTIATE_TEST_SUITE_P(Versions, Dqa3SourceE2eTest,
                         ::testing::Values("01.03", "01.04", "01.06", "1.5"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = c == '.' ? '_' : c;
                           return "v" + n;
                         });

}  // namespace
}  // namespace qcflow::dqa3
