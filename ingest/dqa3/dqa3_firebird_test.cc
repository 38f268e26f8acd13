// The DQA3 source against a REAL Firebird 3 server over TCP (tests/testing/
// firebird_server.h): 01.03 and 01.04 databases, UTF8 and WIN1251 (Cyrillic),
// version detection, machines, full payloads, the raced row, re-polls, the
// history window, and the errors a clinic sees (bad password, server down).
#include <gtest/gtest.h>

#include <set>

#include "ingest/dqa3/dqa3_columns.h"
#include "ingest/dqa3/dqa3_source.h"
#include "ingest/dqa3/dqa3_test_util.h"
#include "ingest/dqa3/sim/dqa3_sim.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/firebird_suite.h"
#include "tests/testing/firebird_dqa3.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::dqa3 {
namespace {

using qcflow::testing::FirebirdServer;
using qcflow::testing::TempDir;
using testing::ExpectPayloadContract;
using testing::HourAfter;
using testing::JournaledDqa3;

constexpr const char* kZone = "Europe/Moscow";

class FirebirdDqa3Test : public qcflow::testing::FirebirdSuite {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(FirebirdSuite::SetUp());
    auto s = Store::Open(dir_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }

  // Creates a database on the server and fills it through the TCP path.
  Dqa3Connection MakeDatabase(const std::string& name, const std::string& charset,
                              const sim::Dqa3SimOptions& o, sim::Dqa3SimSummary* summary) {
    auto path = firebird()->CreateDatabase(name, charset);
    EXPECT_TRUE(path.ok()) << path.status().ToString();
    Dqa3Connection c = qcflow::testing::FirebirdDqa3Connection(*firebird(), path.ok() ? *path : "");
    c.firebird.charset = charset;
    c.firebird.connect_timeout_seconds = 5;
    Status st = sim::CreateDqa3Schema(c, o.version);
    EXPECT_TRUE(st.ok()) << st.ToString();
    auto r = sim::WriteDqa3Rows(c, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (r.ok()) *summary = *r;
    return c;
  }

  Dqa3SourceConfig Config(const Dqa3Connection& c) {
    Dqa3SourceConfig cfg;
    cfg.name = "dqa3-fb";
    cfg.connection = c;
    cfg.db_zone = kZone;
    return cfg;
  }

  // Polls everything, checks every record against the contract, returns them.
  std::vector<testing::Journaled> PollAll(const Dqa3Connection& c, const std::string& version,
                                          const sim::Dqa3SimSummary& sum) {
    Dqa3SourceConfig cfg = Config(c);
    cfg.history_days = 30;
    EXPECT_TRUE(ValidateDqa3SourceConfig(cfg).ok());
    Dqa3Source source(cfg);
    MicrosUtc now = HourAfter(sum.last_measurement, kZone);
    auto report = source.Poll(&store_->journal(), now);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    if (!report.ok()) return {};
    EXPECT_EQ(report->schema_version, version);
    EXPECT_EQ(report->rows_read, sum.trend_rows);
    EXPECT_EQ(report->appended, sum.trend_rows);
    EXPECT_EQ(report->race_flagged, 1u);
    EXPECT_TRUE(report->problems.empty()) << report->problems.front();
    auto records = JournaledDqa3(store_.get());
    EXPECT_EQ(records.size(), sum.trend_rows);
    for (const auto& r : records) {
      ExpectPayloadContract(r.payload, version, DatabaseIdentity(cfg));
      EXPECT_EQ(r.record.dedup_key.rfind(DatabaseIdentity(cfg) + "|", 0), 0u);
    }
    // Re-polling the same window appends nothing.
    auto again = source.Poll(&store_->journal(), now + 5 * kMicrosPerMinute);
    EXPECT_TRUE(again.ok()) << again.status().ToString();
    if (again.ok()) {
      EXPECT_EQ(again->appended, 0u);
      EXPECT_EQ(again->duplicates, sum.trend_rows);
    }
    return records;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};


TEST_F(FirebirdDqa3Test, Schema0103Utf8EveryColumnAndTheRacedRow) {
  sim::Dqa3SimOptions o = testing::SimOptions("01.03", 3, 6, 3);
  sim::Dqa3SimSummary sum;
  Dqa3Connection c = MakeDatabase("v0103.fdb", "UTF8", o, &sum);
  ASSERT_EQ(sum.trend_rows, 54u);

  Dqa3Source probe(Config(c));
  auto version = probe.DetectSchema();
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, "01.03");  // the newest of two version rows
  auto machines = probe.DiscoverMachines();
  ASSERT_TRUE(machines.ok()) << machines.status().ToString();
  ASSERT_EQ(machines->size(), 3u);
  EXPECT_EQ((*machines)[0].display_name, "Bunker 1/TrueBeam 1");
  EXPECT_EQ((*machines)[2].display_name, "Bunker 2/TrueBeam 3");
  EXPECT_EQ((*machines)[2].id, "3");

  auto records = PollAll(c, "01.03", sum);
  size_t raced = 0;
  std::set<std::string> beam_types;
  for (const auto& r : records) {
    const auto& row = r.payload["row"];
    beam_types.insert(row["tmpl.BEAMTYPE"].get<std::string>());
    if (row["tmpl.TREE_NAME"] == "6MV EDW60") {
      EXPECT_EQ(row["tmpl.WEDGETYPE"], "EDW");
      EXPECT_EQ(row["tmpl.WEDGEANGLE"], 60);
    } else {
      EXPECT_TRUE(row["tmpl.WEDGETYPE"].is_null()) << row.dump();
    }
    if (r.payload["set_key_mismatch"].get<bool>()) {
      ++raced;
      // The template (machine, beam) comes through tr.SET_KEY, so it stays right.
      EXPECT_EQ(row["tr.SET_KEY"].get<int64_t>(), sum.raced_set_key);
      EXPECT_EQ(row["mach.MACH_KEY"].get<int64_t>(), sum.raced_set_key / 100);
      EXPECT_EQ(row["tr.DATA_KEY"].get<int64_t>(), sum.raced_data_key);
      EXPECT_NE(r.record.dedup_key.find("|set:"), std::string::npos);
    }
  }
  EXPECT_EQ(raced, 1u);
  // 01.03 keeps comments in a text BLOB here (the simulator's Firebird DDL); they
  // arrive as text.
  size_t commented = 0;
  for (const auto& r : records) {
    commented += r.payload["row"]["data.COMMENTS"] == "Output re-checked; within tolerance";
  }
  EXPECT_GT(commented, 0u);
  EXPECT_EQ(beam_types, (std::set<std::string>{"Photon", "FFF", "Electron"}));
  // Both trend rows that carry the raced DATA_KEY are journaled.
  size_t sharing = 0;
  for (const auto& r : records) {
    sharing += r.payload["row"]["tr.DATA_KEY"].get<int64_t>() == sum.raced_data_key;
  }
  EXPECT_EQ(sharing, 2u);
}

TEST_F(FirebirdDqa3Test, Schema0104Win1251CyrillicNamesArriveAsUtf8) {
  sim::Dqa3SimOptions o = testing::SimOptions("01.04", 2, 5, 2);
  o.cyrillic = true;
  sim::Dqa3SimSummary sum;
  Dqa3Connection c = MakeDatabase("v0104_cyr.fdb", "WIN1251", o, &sum);
  ASSERT_EQ(c.firebird.charset, "WIN1251");

  Dqa3Source probe(Config(c));
  auto machines = probe.DiscoverMachines();
  ASSERT_TRUE(machines.ok()) << machines.status().ToString();
  ASSERT_EQ(machines->size(), 2u);
  EXPECT_EQ((*machines)[0].display_name, "Каньон 1/Ускоритель 1");
  // Asking the server for UTF8 instead also works: Firebird transliterates.
  Dqa3SourceConfig as_utf8 = Config(c);
  as_utf8.connection.firebird.charset = "UTF8";
  auto utf8_machines = Dqa3Source(as_utf8).DiscoverMachines();
  ASSERT_TRUE(utf8_machines.ok()) << utf8_machines.status().ToString();
  EXPECT_EQ((*utf8_machines)[1].display_name, "Каньон 1/Ускоритель 2");

  auto records = PollAll(c, "01.04", sum);
  ASSERT_FALSE(records.empty());
  std::set<std::string> signatures;
  for (const auto& r : records) {
    const auto& row = r.payload["row"];
    EXPECT_EQ(row["room.TREE_NAME"], "Каньон 1");
    signatures.insert(row["data.SIGNATURE"].get<std::string>());
    EXPECT_TRUE(row["tr.REL_DIFF_XENERGY"].is_number_float());
  }
  EXPECT_TRUE(signatures.count("Иванова А.") + signatures.count("Петров Б.") > 0);

  // A machine filter by its Cyrillic display name.
  Dqa3SourceConfig cfg = Config(c);
  cfg.machines = {"Каньон 1/Ускоритель 2"};
  cfg.beam_types = {"Electron"};
  cfg.history_days = 30;
  auto fresh = Store::Open(dir_.Sub("store2"));
  ASSERT_TRUE(fresh.ok());
  Dqa3Source filtered(cfg);
  auto report = filtered.Poll(&(*fresh)->journal(), HourAfter(sum.last_measurement, kZone));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->machines_polled, 1u);
  EXPECT_EQ(report->appended, 2u * 1);  // beams 0..4 hold one electron beam (9 MeV); 2 days
}

TEST_F(FirebirdDqa3Test, HistoryWindowKeepsOnlyRecentRows) {
  sim::Dqa3SimOptions o = testing::SimOptions("01.04", 2, 3, 5);
  o.race = false;
  sim::Dqa3SimSummary sum;
  Dqa3Connection c = MakeDatabase("window.fdb", "UTF8", o, &sum);
  Dqa3SourceConfig cfg = Config(c);
  cfg.history_days = 2;
  Dqa3Source source(cfg);
  MicrosUtc now = HourAfter(sum.last_measurement, kZone);
  auto report = source.Poll(&store_->journal(), now);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->appended, 2u * 3 * 2);  // the last two days only
  for (const auto& r : JournaledDqa3(store_.get())) {
    EXPECT_GE(r.record.event_time, now - 2 * 86400 * kMicrosPerSecond);
  }
  // Later days are added; the next poll journals only them.
  o.write_catalogue = false;
  o.key_base = 1000;
  o.days = 1;
  o.first_day = {2024, 5, 6};
  auto more = sim::WriteDqa3Rows(c, o);
  ASSERT_TRUE(more.ok()) << more.status().ToString();
  auto next = source.Poll(&store_->journal(), HourAfter(more->last_measurement, kZone));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->appended, 2u * 3);
  EXPECT_EQ(next->duplicates, 2u * 3);  // the previous last day, seen again
}

TEST_F(FirebirdDqa3Test, BadPasswordAndServerDownAreUnavailableWithoutThePassword) {
  sim::Dqa3SimOptions o;
  o.days = 1;
  sim::Dqa3SimSummary sum;
  Dqa3Connection c = MakeDatabase("errors.fdb", "UTF8", o, &sum);
  Dqa3SourceConfig cfg = Config(c);
  cfg.connection.firebird.password = "Wrong-Pass-123";
  Dqa3Source wrong(cfg);
  auto r = wrong.Poll(&store_->journal(), NowMicros());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(r.status().message().find("Wrong-Pass-123"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("password"), std::string::npos) << r.status().message();

  // A port where nothing listens: the probe fails fast with host:port in the message.
  Dqa3SourceConfig down = Config(c);
  auto free_server = FirebirdServer::Start();
  ASSERT_TRUE(free_server.ok()) << free_server.status().ToString();
  down.connection.firebird.port = (*free_server)->port();
  (*free_server)->Stop();
  Dqa3Source gone(down);
  auto d = gone.Poll(&store_->journal(), NowMicros());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(d.status().message().find("127.0.0.1:" + std::to_string(down.connection.firebird.port)),
            std::string::npos)
      << d.status().message();
  EXPECT_EQ(d.status().message().find(firebird()->password()), std::string::npos);
  EXPECT_EQ(store_->journal().last_seq(), 0u);
}

}  // namespace
}  // namespace qcflow::dqa3
