// End to end: `qcflow backfill trf` and `qcflow query trf`, the real binary on
// the TRF fixtures (it finds columns.json in <build>/share/qcflow/trf/, as an
// installed qcflow does). Expected values come from decoding the same files
// with the format library here.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "export/quaac/quaac_reader.h"
#include "ingest/trf/decoder.h"
#include "process/icom/icom_transform.h"
#include "store/store.h"
#include "store/write_set.h"
#include "tests/testing/child_process.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/trf_fixtures.h"

namespace qcflow {
namespace {

namespace fs = std::filesystem;

testing::Run Qcflow(const std::string& args) { return testing::RunQcflow(QCFLOW_BIN, args); }
std::string Quoted(const std::string& s) { return "'" + s + "'"; }

// A list command's JSON document (times in UTC where the command was given
// --tz UTC): its items, after checking the envelope.
nlohmann::json Items(const testing::Run& r) {
  EXPECT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_TRUE(j.is_object() && j.value("v", 0) == 1 && j["items"].is_array()) << r.out;
  return j.is_object() ? j["items"] : nlohmann::json::array();
}
std::string Utc(MicrosUtc t) { return FormatRfc3339(t, "UTC"); }

class QueryTrfTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    const std::string logs = dir_->Sub("logs");
    fs::create_directories(logs);
    fs::create_directories(dir_->Sub("copies"));
    for (const std::string& f : testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES)) {
      fs::copy_file(f, logs + "/" + fs::path(f).filename().string());
    }
    // The same log again, renamed, in the second --from.
    fs::copy_file(testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES)[2], dir_->Sub("copies") + "/renamed.trf");
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string Store() { return "--store " + Quoted(dir_->Sub("store")) + " "; }
  static testing::Run Backfill() {
    return Qcflow(Store() + "backfill trf --from " + Quoted(dir_->Sub("logs")) + " --from " +
                  Quoted(dir_->Sub("copies")) + " --linac LA1");
  }
  static nlohmann::json Json(const std::string& args) { return Items(Qcflow(Store() + "query trf --format json --tz UTC " + args)); }
  static testing::TempDir* dir_;
};
testing::TempDir* QueryTrfTest::dir_ = nullptr;

size_t Fixtures() { return testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES).size(); }

TEST_F(QueryTrfTest, BackfillTwiceAppendsNothingTheSecondTime) {
  testing::Run first = Backfill();
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("logs found            " + std::to_string(Fixtures() + 1)), std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("appended              " + std::to_string(Fixtures()) + "\n"), std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("deliveries derived    " + std::to_string(Fixtures())), std::string::npos)
      << first.out;
  testing::Run second = Backfill();
  ASSERT_EQ(second.exit_code, 0) << second.out;
  EXPECT_NE(second.out.find("appended              0\n"), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("deliveries derived    0"), std::string::npos) << second.out;
  EXPECT_EQ(Json("").size(), Fixtures());
  // The journal holds each log once, as a record of the kind the store registered.
  EXPECT_EQ(Items(Qcflow(Store() + "query records --kind trf --format json")).size(), Fixtures());
}

TEST_F(QueryTrfTest, QueryShowsTheDerivedFieldsOfEachLog) {
  ASSERT_EQ(Backfill().exit_code, 0);
  const nlohmann::json all = Json("--linac LA1");
  ASSERT_EQ(all.size(), Fixtures());
  const trf::ColumnsTable& table = testing::TrfColumns(QCFLOW_TRF_COLUMNS);
  std::map<std::string, const nlohmann::json*> by_name;
  for (const nlohmann::json& d : all) by_name[fs::path(d["file"].get<std::string>()).filename()] = &d;
  std::string previous;
  for (const nlohmann::json& d : all) {  // oldest first
    EXPECT_LE(previous, d["start"].get<std::string>());  // all +00:00: text order is time order
    previous = d["start"].get<std::string>();
  }
  trf::TrfLog log;
  for (const std::string& path : testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES)) {
    const std::string name = fs::path(path).filename();
    SCOPED_TRACE(name);
    ASSERT_TRUE(by_name.count(name)) << "the first path a log was found under is its file";
    const nlohmann::json& d = *by_name[name];
    ASSERT_TRUE(trf::DecodeTrf(testing::ReadTrfFixture(path), table, &log).ok());
    for (const char* key : {"file", "linac", "start", "field_label", "field_name", "version", "rows",
                            "duration_s", "mu", "first_state", "last_state"}) {
      EXPECT_TRUE(d.contains(key)) << key;
    }
    EXPECT_EQ(d["linac"], "LA1");
    EXPECT_EQ(d["start"], Utc(*log.header.start));
    const std::string source_start = d["source_start"];  // the header's clock and offset
    EXPECT_EQ(source_start.substr(source_start.size() - 6), log.header.utc_offset) << source_start;
    EXPECT_EQ(d["field_label"], log.header.field_label);
    EXPECT_EQ(d["field_name"], log.header.field_name);
    EXPECT_EQ(d["version"], log.header.version);
    EXPECT_EQ(d["rows"], log.rows);
    EXPECT_NEAR(d["duration_s"].get<double>(), log.rows * 0.04, 1e-9);
    EXPECT_NEAR(d["header_mu"].get<double>(), log.header.mu(), 1e-9);
    const size_t dose = *log.FindColumn("Step Dose/Actual Value (Mu)");
    const size_t state = *log.FindColumn("Linac State/Actual Value (None)");
    double mu = 0;  // the step dose's rises (it returns to 0 between segments)
    for (size_t r = 1; r < log.rows; ++r) mu += std::max(0.0, log.Value(r, dose) - log.Value(r - 1, dose));
    EXPECT_NEAR(d["mu"].get<double>(), mu, 1e-6);
    EXPECT_EQ(d["first_state"], log.Label(0, state));
    EXPECT_EQ(d["last_state"], log.Label(log.rows - 1, state));
    EXPECT_EQ(d["interrupted"], false);
  }
}

TEST_F(QueryTrfTest, FiltersByLinacTimeAndField) {
  ASSERT_EQ(Backfill().exit_code, 0);
  EXPECT_EQ(Json("--linac LA2").size(), 0u);
  const nlohmann::json scalp = Json("--field 'DIR SCALP'");
  ASSERT_EQ(scalp.size(), 1u);
  EXPECT_EQ(scalp[0]["field_label"], "2-2");
  EXPECT_EQ(Json("--field '2-2/DIR SCALP'").size(), 1u);
  size_t label_1_1 = 0;  // by the decoded headers
  trf::TrfLog log;
  for (const std::string& path : testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES)) {
    ASSERT_TRUE(trf::DecodeTrf(testing::ReadTrfFixture(path), testing::TrfColumns(QCFLOW_TRF_COLUMNS), &log).ok());
    label_1_1 += log.header.field_label == "1-1";
  }
  EXPECT_GE(label_1_1, 3u);  // 1ARCVMAT, DIR E and RPO 200 at least, by their names
  EXPECT_EQ(Json("--field 1-1").size(), label_1_1);
  // From the names: four 2017 logs before May, one in May, then 2018 and 2019.
  EXPECT_EQ(Json("--linac LA1 --until 2017-05-01").size(), 4u);
  EXPECT_EQ(Json("--since 2017-05-01 --until 2018-01-01").size(), 1u);
  EXPECT_EQ(Json("--linac LA1 --since 2018-01-01").size(), Fixtures() - 5);
  EXPECT_EQ(Json("--limit 2").size(), 2u);
  testing::Run csv = Qcflow(Store() + "query trf --format csv --tz Europe/Berlin");
  ASSERT_EQ(csv.exit_code, 0) << csv.out;
  EXPECT_EQ(csv.out.rfind("start (Europe/Berlin),linac,field_label,field_name,mu,", 0), 0u) << csv.out;
  // The first log's header says 2017-04-19 21:18:39 UTC: 23:18:39 on a Berlin summer clock.
  EXPECT_NE(csv.out.find("\n2017-04-19T23:18:39+02:00,LA1,"), std::string::npos) << csv.out;
  testing::Run bad = Qcflow(Store() + "query trf --since yesterday-ish");
  EXPECT_NE(bad.exit_code, 0);
}

// The iCom transform's output for one beam, written as it writes it.
void PutIcomDelivery(const std::string& store_dir, const icom::Delivery& d) {
  auto store = Store::Open(store_dir);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  WriteSet ws;
  const std::string key = icom::DeliveryKey(d.linac, d.first_seq);
  ws.ReplaceDerived(icom::kDeliveryNs, key, icom::EncodeDelivery(d));
  ws.PutDerivedIndex(icom::kDeliveryByTime, icom::DeliveryTimeIndexKey(d), icom::kDeliveryNs, key);
  ASSERT_TRUE((*store)->Commit(ws).ok());
}

TEST(QueryTrfIcomTest, EachLogIsShownBesideTheIcomDeliveryOfTheSameBeam) {
  testing::TempDir dir;
  const auto fixtures = testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES);
  fs::create_directories(dir.Sub("logs"));
  for (size_t i = 0; i < 2; ++i) {
    fs::copy_file(fixtures[i], dir.Sub("logs") + "/" + fs::path(fixtures[i]).filename().string());
  }
  const std::string store = "--store " + Quoted(dir.Sub("store")) + " ";
  ASSERT_EQ(Qcflow(store + "backfill trf --linac LA1 --from " + Quoted(dir.Sub("logs"))).exit_code, 0);
  trf::TrfLog log;
  ASSERT_TRUE(trf::DecodeTrf(testing::ReadTrfFixture(fixtures[0]), testing::TrfColumns(QCFLOW_TRF_COLUMNS),
                             &log).ok());
  // The stream saw the first log's beam 20 s late by its clock, and 0.4 MU short.
  const nlohmann::json before = Items(Qcflow(store + "query trf --format json --tz UTC"));
  ASSERT_EQ(before.size(), 2u);
  const nlohmann::json* first = nullptr;
  for (const nlohmann::json& d : before) {
    EXPECT_TRUE(d["icom"].is_null()) << "nothing to pair with yet";
    if (d["start"] == Utc(*log.header.start)) first = &d;
  }
  ASSERT_NE(first, nullptr);
  icom::Delivery beam;
  beam.linac = "LA1";
  beam.first_seq = beam.last_seq = 41;
  beam.open = false;
  beam.field_id = "F1";
  beam.start = *log.header.start + 20'000'000;
  beam.end = beam.start + static_cast<MicrosUtc>(log.rows * 40'000);
  beam.mu = (*first)["mu"].get<double>() - 0.4;
  PutIcomDelivery(dir.Sub("store"), beam);

  const nlohmann::json after = Items(Qcflow(store + "query trf --format json --tz UTC"));
  ASSERT_EQ(after.size(), 2u);
  size_t matched = 0;
  for (const nlohmann::json& d : after) {
    if (d["start"] != Utc(*log.header.start)) {
      EXPECT_TRUE(d["icom"].is_null()) << d.dump();
      continue;
    }
    ++matched;
    ASSERT_TRUE(d["icom"].is_object()) << d.dump();
    EXPECT_EQ(d["icom"]["id"], "LA1/41");
    EXPECT_NEAR(d["icom"]["mu"].get<double>(), beam.mu, 1e-9);
    EXPECT_NEAR(d["icom"]["mu_difference"].get<double>(), 0.4, 1e-9);
    EXPECT_NEAR(d["icom"]["start_difference_s"].get<double>(), 20, 1e-9);
  }
  EXPECT_EQ(matched, 1u);
  // Under another name in the iCom source, or beyond the clock tolerance: no pair.
  const nlohmann::json renamed =
      Items(Qcflow(store + "query trf --format json --icom-linac LA9"));
  for (const nlohmann::json& d : renamed) EXPECT_TRUE(d["icom"].is_null());
  const nlohmann::json strict =
      Items(Qcflow(store + "query trf --format json --match-tolerance 0"));
  size_t strict_matched = 0;  // 20 s late still overlaps a beam longer than 20 s
  for (const nlohmann::json& d : strict) strict_matched += d["icom"].is_object();
  EXPECT_EQ(strict_matched, log.rows * 0.04 > 20 ? 1u : 0u);
  testing::Run table = Qcflow(store + "query trf");
  EXPECT_NE(table.out.find("LA1/41"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("1 of 2 matched to an iCom delivery"), std::string::npos) << table.out;
}

TEST(BackfillTrfTest, TheSameLogInsideZipsAndLooseIsOneRecord) {
  testing::TempDir dir;
  const auto fixtures = testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES);
  const std::string a = testing::ReadTrfFixture(fixtures[0]), b = testing::ReadTrfFixture(fixtures[1]);
  fs::create_directories(dir.Sub("share/Backup/TCS"));
  fs::create_directories(dir.Sub("loose"));
  testing::WriteFile(dir.Sub("loose") + "/a.trf", a);
  testing::WriteTrfZip(dir.Sub("share/Backup/TCS") + "/SDD+1.zip", {{"logs/a.trf", a}, {"logs/b.trf", b}});
  testing::WriteTrfZip(dir.Sub("one.zip"), {{"b again.trf", b}});
  const std::string args = "--store " + Quoted(dir.Sub("store")) + " backfill trf --linac LA1 --from " +
                           Quoted(dir.Sub("loose")) + " --from " + Quoted(dir.Sub("share")) + " --from " +
                           Quoted(dir.Sub("one.zip"));
  testing::Run first = Qcflow(args);
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("logs found            4 (3 inside 2 zip archive(s))"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("appended              2\n"), std::string::npos) << first.out;
  testing::Run second = Qcflow(args);
  ASSERT_EQ(second.exit_code, 0) << second.out;
  EXPECT_NE(second.out.find("appended              0\n"), std::string::npos) << second.out;

  testing::Run q = Qcflow("--store " + Quoted(dir.Sub("store")) + " query trf --format json");
  const nlohmann::json all = Items(q);
  ASSERT_EQ(all.size(), 2u);
  std::set<std::string> files;
  for (const nlohmann::json& d : all) files.insert(d["file"].get<std::string>());
  EXPECT_EQ(files, (std::set<std::string>{dir.Sub("loose") + "/a.trf",
                                          dir.Sub("share") + "/Backup/TCS/SDD+1.zip!/logs/b.trf"}))
      << q.out;
}

TEST(BackfillTrfTest, AFileThatIsNotATrfLogIsQuarantinedAndReported) {
  testing::TempDir dir;
  fs::create_directories(dir.Sub("logs"));
  testing::WriteFile(dir.Sub("logs") + "/notes.trf", "these are not the logs you are looking for");
  testing::Run r = Qcflow("--store " + Quoted(dir.Sub("store")) + " backfill trf --from " +
                          Quoted(dir.Sub("logs")) + " --linac LA1");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("1 not TRF logs, quarantined"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not a TRF log qcflow can decode"), std::string::npos) << r.out;
  testing::Run missing = Qcflow("--store " + Quoted(dir.Sub("store")) + " backfill trf --from " +
                                Quoted(dir.Sub("nowhere")) + " --linac LA1");
  EXPECT_EQ(missing.exit_code, 2) << missing.out;
}

}  // namespace
}  // namespace qcflow

namespace qcflow {
namespace {

// `qcflow export --kind trf`: one session per log (the copy is the same log),
// its MU as `query trf` says, in documents the checking reader accepts; a
// repeat adds nothing.
TEST_F(QueryTrfTest, ExportWritesEachLogOnceAsItsDelivery) {
  ASSERT_EQ(Backfill().exit_code, 0);
  const std::string out = dir_->Sub("quaac");
  testing::Run r = Qcflow(Store() + "export quaac --kind trf --out " + Quoted(out) + " --user-email qa@clinic.org");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("Exported " + std::to_string(Fixtures()) + " of " + std::to_string(Fixtures())),
            std::string::npos) << r.out;
  std::multiset<long long> exported, queried;
  for (auto& e : fs::recursive_directory_iterator(out)) {
    if (!e.is_regular_file()) continue;
    EXPECT_EQ(e.path().parent_path().filename(), "LA1") << e.path();
    const std::string text = testing::ReadAll(e.path().string());
    EXPECT_TRUE(quaac::CheckQuaacJson(text).empty()) << e.path();
    auto doc = quaac::ReadQuaacJson(text);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    for (const auto& dp : doc->datapoints) {
      if (dp.measurement_unit == "MU") exported.insert(std::llround(std::get<double>(dp.measurement_value) * 1000));
    }
  }
  for (const auto& row : Json("")) queried.insert(std::llround(row["mu"].get<double>() * 1000));
  EXPECT_EQ(exported, queried);
  EXPECT_EQ(exported.size(), Fixtures());

  testing::Run again = Qcflow(Store() + "export quaac --kind trf --out " + Quoted(out) + " --user-email qa@clinic.org");
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_NE(again.out.find("Exported 0 of " + std::to_string(Fixtures())), std::string::npos) << again.out;
}

}  // namespace
}  // namespace qcflow
