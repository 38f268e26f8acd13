// SQL Server 01.06 (+BSC) and Atlas 1.5 schemas recreated in SQLite: the same
// queries the source sends to SQL Server, run by a real SQL engine through SOCI.
// (The ODBC path to a real SQL Server is not exercised here; see docs/dqa3.md.)
#include <gtest/gtest.h>

#include <map>

#include "ingest/dqa3/dqa3_columns.h"
#include "ingest/dqa3/dqa3_source.h"
#include "ingest/dqa3/dqa3_test_util.h"
#include "ingest/dqa3/row_json.h"
#include "ingest/dqa3/sim/dqa3_sim.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::dqa3 {
namespace {

using qcflow::testing::TempDir;
using testing::ExpectPayloadContract;
using testing::HourAfter;
using testing::JournaledDqa3;

constexpr const char* kZone = "Europe/Berlin";

class SqliteDqa3Test : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    conn_.backend = Dqa3Backend::kSqlite;
    conn_.sqlite.path = dir_.Sub("dqa3.sqlite");
  }

  sim::Dqa3SimSummary Fill(sim::Dqa3SimOptions o) {
    Status s = sim::CreateDqa3Schema(conn_, o.version);
    EXPECT_TRUE(s.ok()) << s.ToString();
    auto r = sim::WriteDqa3Rows(conn_, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : sim::Dqa3SimSummary{};
  }

  Dqa3SourceConfig Config() {
    Dqa3SourceConfig c;
    c.name = "dqa3-main";
    c.connection = conn_;
    c.db_zone = kZone;
    return c;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  Dqa3Connection conn_;
};

TEST_P(SqliteDqa3Test, PollJournalsEveryRowOnceWithTheFullPayload) {
  sim::Dqa3SimOptions o = testing::SimOptions(GetParam(), 3, 6, 3);
  sim::Dqa3SimSummary sum = Fill(o);
  ASSERT_EQ(sum.trend_rows, 3u * 6 * 3);

  Dqa3SourceConfig cfg = Config();
  cfg.history_days = 5;
  ASSERT_TRUE(ValidateDqa3SourceConfig(cfg).ok());
  Dqa3Source source(cfg);
  auto version = source.DetectSchema();
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, GetParam());

  MicrosUtc now = HourAfter(sum.last_measurement, kZone);
  auto report = source.Poll(&store_->journal(), now);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->schema_version, GetParam());
  EXPECT_EQ(report->machines_found, 3u);
  EXPECT_EQ(report->rows_read, sum.trend_rows);
  EXPECT_EQ(report->appended, sum.trend_rows);
  EXPECT_EQ(report->duplicates, 0u);
  EXPECT_TRUE(report->problems.empty()) << report->problems.front();
  bool atlas = IsAtlasSchema(GetParam());
  EXPECT_EQ(report->race_flagged, atlas ? 0u : 1u);

  auto records = JournaledDqa3(store_.get());
  ASSERT_EQ(records.size(), sum.trend_rows);
  std::string identity = "sqlite:" + conn_.sqlite.path;
  size_t flagged = 0;
  for (const auto& r : records) {
    EXPECT_EQ(r.record.source_id, "dqa3-main");
    ExpectPayloadContract(r.payload, GetParam(), identity);
    const auto& row = r.payload["row"];
    const std::string time_key = atlas ? "data.Created" : "tr.MEASURED_DATETIME";
    EXPECT_EQ(r.record.event_time_text, row[time_key].get<std::string>());
    // event_time is the DB's Berlin wall time in UTC (May: UTC+2).
    auto civil = UtcToCivil(r.record.event_time, kZone);
    ASSERT_TRUE(civil.ok());
    EXPECT_EQ(FormatCivil(*civil), r.record.event_time_text);
    if (r.payload["set_key_mismatch"].get<bool>()) {
      ++flagged;
      EXPECT_NE(row["tr.SET_KEY"], row["data.SET_KEY"]);
      EXPECT_EQ(row["tr.SET_KEY"].get<int64_t>(), sum.raced_set_key);
      EXPECT_EQ(row["tr.DATA_KEY"].get<int64_t>(), sum.raced_data_key);
    }
  }
  EXPECT_EQ(flagged, atlas ? 0u : 1u);

  // Re-polling the same window appends nothing.
  auto again = source.Poll(&store_->journal(), now + 60 * kMicrosPerSecond);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->appended, 0u);
  EXPECT_EQ(again->duplicates, sum.trend_rows);
  EXPECT_EQ(JournaledDqa3(store_.get()).size(), sum.trend_rows);
}

// Read (for `qcflow validate`) hands over exactly the records Poll journals,
// and journals nothing itself.
TEST_P(SqliteDqa3Test, ReadGivesWhatPollWouldJournalWithoutAJournal) {
  sim::Dqa3SimSummary sum = Fill(testing::SimOptions(GetParam(), 2, 3, 2));
  Dqa3SourceConfig cfg = Config();
  cfg.history_days = 5;
  Dqa3Source source(cfg);
  const MicrosUtc now = HourAfter(sum.last_measurement, kZone);
  std::map<std::string, std::string> read;  // dedup key -> payload
  auto report = source.Read(now, [&](Record r) { read[r.dedup_key] = r.payload; });
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rows_read, sum.trend_rows);
  EXPECT_EQ(report->appended, 0u);
  EXPECT_TRUE(JournaledDqa3(store_.get()).empty()) << "Read journals nothing";

  ASSERT_TRUE(source.Poll(&store_->journal(), now).ok());
  std::map<std::string, std::string> journaled;
  for (const auto& r : JournaledDqa3(store_.get())) journaled[r.record.dedup_key] = r.record.payload;
  EXPECT_EQ(read.size(), sum.trend_rows);
  EXPECT_EQ(read, journaled);
}

INSTANTIATE_TEST_SUITE_P(Versions, SqliteDqa3Test,
                         ::testing::Values("01.06", "1.5", "01.04", "01.03"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = c == '.' ? '_' : c;
                           return "v" + n;
                         });

TEST_F(SqliteDqa3Test, BscColumnsOf0106CarryValues) {
  sim::Dqa3SimOptions o = testing::SimOptions("01.06", 3, 6, 1);
  sim::Dqa3SimSummary sum = Fill(o);
  Dqa3SourceConfig cfg = Config();
  Dqa3Source source(cfg);
  auto report = source.Poll(&store_->journal(), HourAfter(sum.last_measurement, kZone));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  auto records = JournaledDqa3(store_.get());
  ASSERT_FALSE(records.empty());
  for (const auto& r : records) {
    for (const char* k : {"tr.RESULTS_BSC1", "tr.REL_BASELINE_BSC2", "tr.REL_DIFF_BSC3"}) {
      EXPECT_TRUE(r.payload["row"][k].is_number_float()) << k;
    }
  }
}

TEST_F(SqliteDqa3Test, HistoryWindowMachineAndBeamFilters) {
  // 7 beams include 6 FFF and 10 FFF (BeamType Photon + BeamTypeFlag 1).
  sim::Dqa3SimOptions o = testing::SimOptions("1.5", 4, 7, 4);
  sim::Dqa3SimSummary sum = Fill(o);
  MicrosUtc now = HourAfter(sum.last_measurement, kZone);

  Dqa3SourceConfig cfg = Config();
  cfg.history_days = 1;  // only the last day
  cfg.machines = {sum.machines[1].display_name, std::to_string(sum.machines[3].id),
                  "Nowhere/Linac 9"};
  cfg.beam_types = {"FFF"};
  Dqa3Source source(cfg);
  auto report = source.Poll(&store_->journal(), now);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->machines_found, 4u);
  ASSERT_EQ(report->machines.size(), 4u);
  EXPECT_EQ(report->machines[1].display_name, sum.machines[1].display_name);
  EXPECT_EQ(report->machines_polled, 2u);
  ASSERT_EQ(report->unmapped_machines.size(), 1u);
  EXPECT_EQ(report->unmapped_machines[0], "Nowhere/Linac 9");
  ASSERT_FALSE(report->problems.empty());
  EXPECT_NE(report->problems[0].find("Nowhere/Linac 9"), std::string::npos);
  // 2 machines x 2 FFF beams x 1 day.
  EXPECT_EQ(report->appended, 4u);
  for (const auto& r : JournaledDqa3(store_.get())) {
    const auto& row = r.payload["row"];
    EXPECT_EQ(row["energy.BeamTypeFlag"].get<int>(), 1);
    EXPECT_EQ(row["energy.BeamType"].get<std::string>(), "Photon");
    int64_t mach = row["mach.MachineId"].get<int64_t>();
    EXPECT_TRUE(mach == 2 || mach == 4) << mach;
    EXPECT_GE(r.record.event_time, now - 86400 * kMicrosPerSecond);
  }
}

TEST_F(SqliteDqa3Test, UnknownVersionIsAClearError) {
  sim::Dqa3SimOptions o = testing::SimOptions("01.04", 3, 6, 1);
  o.version_row = "01.07.01.00";
  Fill(o);
  Dqa3Source source(Config());
  auto v = source.DetectSchema();
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(v.status().message().find("unsupported DQA3 schema version 01.07.01.00"),
            std::string::npos)
      << v.status().message();
  auto poll = source.Poll(&store_->journal(), NowMicros());
  EXPECT_FALSE(poll.ok());
  EXPECT_EQ(store_->journal().last_seq(), 0u);
}

TEST_F(SqliteDqa3Test, MissingFileIsUnavailable) {
  Dqa3Source source(Config());  // nothing created at the path
  auto poll = source.Poll(&store_->journal(), NowMicros());
  ASSERT_FALSE(poll.ok());
  EXPECT_EQ(poll.status().code(), Status::Code::kUnavailable);
}

TEST_F(SqliteDqa3Test, ConfigValuesAreNeverSql) {
  sim::Dqa3SimOptions o = testing::SimOptions("01.06", 3, 6, 1);
  sim::Dqa3SimSummary sum = Fill(o);
  Dqa3SourceConfig cfg = Config();
  cfg.machines = {"x') OR 1=1; DROP TABLE ROOM; --", sum.machines[0].display_name};
  Dqa3Source source(cfg);
  auto report = source.Poll(&store_->journal(), HourAfter(sum.last_measurement, kZone));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->unmapped_machines.size(), 1u);
  EXPECT_EQ(report->appended, static_cast<size_t>(o.beams_per_machine));
  // The tables are intact: discovery still finds every machine and room.
  auto machines = source.DiscoverMachines();
  ASSERT_TRUE(machines.ok()) << machines.status().ToString();
  EXPECT_EQ(machines->size(), sum.machines.size());
}

TEST_F(SqliteDqa3Test, SimulatorIsDeterministicForASeed) {
  sim::Dqa3SimOptions o = testing::SimOptions("01.04", 3, 6, 2);
  o.seed = 42;
  sim::Dqa3SimSummary sum = Fill(o);
  Dqa3Connection other;
  other.backend = Dqa3Backend::kSqlite;
  other.sqlite.path = dir_.Sub("other.sqlite");
  ASSERT_TRUE(sim::CreateDqa3Schema(other, o.version).ok());
  ASSERT_TRUE(sim::WriteDqa3Rows(other, o).ok());
  MicrosUtc now = HourAfter(sum.last_measurement, kZone);
  Dqa3SourceConfig a = Config();
  a.database_id = "same";
  a.history_days = 5;
  Dqa3SourceConfig b = a;
  b.connection = other;
  auto sa = Store::Open(dir_.Sub("sa"));
  auto sb = Store::Open(dir_.Sub("sb"));
  ASSERT_TRUE(sa.ok() && sb.ok());
  ASSERT_TRUE(Dqa3Source(a).Poll(&(*sa)->journal(), now).ok());
  ASSERT_TRUE(Dqa3Source(b).Poll(&(*sb)->journal(), now).ok());
  auto ra = JournaledDqa3(sa->get());
  auto rb = JournaledDqa3(sb->get());
  ASSERT_EQ(ra.size(), sum.trend_rows);
  ASSERT_EQ(ra.size(), rb.size());
  for (size_t i = 0; i < ra.size(); ++i) {
    EXPECT_EQ(ra[i].record.payload, rb[i].record.payload);
    EXPECT_EQ(ra[i].record.dedup_key, rb[i].record.dedup_key);
  }
}

TEST_F(SqliteDqa3Test, AMachineNamedTwiceIsReadOnce) {
  sim::Dqa3SimOptions o = testing::SimOptions("01.06", 3, 6, 1);
  sim::Dqa3SimSummary sum = Fill(o);
  Dqa3SourceConfig cfg = Config();
  cfg.machines = {sum.machines[2].display_name, std::to_string(sum.machines[2].id),
                  sum.machines[2].name};
  Dqa3Source source(cfg);
  auto report = source.Poll(&store_->journal(), HourAfter(sum.last_measurement, kZone));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->machines_polled, 1u);
  EXPECT_TRUE(report->problems.empty()) << report->problems.front();
  EXPECT_EQ(report->rows_read, static_cast<size_t>(o.beams_per_machine));
}

}  // namespace
}  // namespace qcflow::dqa3
