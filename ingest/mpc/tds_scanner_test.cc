#include "ingest/mpc/tds_scanner.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>

#include "store/content_hash.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::mpc {
namespace {

using qcflow::testing::TempDir;
using qcflow::testing::WriteFile;

constexpr const char* kCsv =
    "Name [Unit], Value, Threshold, Evaluation Result\n"
    "IsoCenterGroup/IsoCenterSize [mm], 0.3, 0.5, Pass\n"
    "BeamGroup/BeamOutputChange [%], -0.17, 2, Pass\n";

std::string RunName(const std::string& time, int beam, const std::string& tail = "GeometryCheckTemplate6xMVkV") {
  char num[8];
  std::snprintf(num, sizeof num, "%04d", beam);
  return "NDS-WKS-SN1234-" + time + "-" + num + "-" + tail;
}

class TdsScannerTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenStore(); }
  void OpenStore() {
    store_.reset();
    auto s = Store::Open(dir_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void AddRun(const std::string& folder, const std::string& csv = kCsv, const std::string& parent = "TB1") {
    WriteFile(tds() + "/" + parent + "/MPCChecks/" + folder + "/Results.csv", csv);
  }
  std::string tds() { return dir_.Sub("TDS"); }
  TdsScanConfig Config() {
    TdsScanConfig c;
    c.root = tds();
    c.source_id = "tds-main";
    c.site_zone = "Europe/Berlin";
    return c;
  }
  // A time at which every file written by the test has settled.
  MicrosUtc Later() { return NowMicros() + 3600 * kMicrosPerSecond; }
  ScanReport Scan(TdsScanner& s, MicrosUtc now) {
    auto r = s.Scan(now);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ScanReport{};
  }

  // One scan that journals `appended` records, one of them quarantined; returns its problem.
  std::string ScanQuarantiningOne(TdsScanner& s, size_t appended) {
    ScanReport r = Scan(s, Later());
    EXPECT_EQ(r.appended, appended);
    EXPECT_EQ(r.quarantined, 1u);
    EXPECT_EQ(r.problems.size(), 1u);
    return r.problems.empty() ? "" : r.problems[0];
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(TdsScannerTest, JournalsEachResultsCsvOnceWithEnvelope) {
  AddRun(RunName("2020-11-06-09-59-21", 9));
  AddRun(RunName("2020-11-06-10-01-00", 10, "BeamCheckTemplate6xFFFMVkV"));
  TdsScanner scanner(Config(), store_.get());
  ScanReport r = Scan(scanner, Later());
  EXPECT_EQ(r.files_seen, 2u);
  EXPECT_EQ(r.appended, 2u);
  EXPECT_EQ(r.quarantined, 0u);
  auto rec = store_->journal().Get(1);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->kind, Kind::kMpc);
  EXPECT_EQ(rec->source_id, "tds-main");
  EXPECT_EQ(rec->payload, kCsv);
  EXPECT_EQ(rec->event_time_text, "2020-11-06-09-59-21");
  EXPECT_EQ(FormatUtcIso(rec->event_time), "2020-11-06T08:59:21Z");  // Berlin wall clock
  const std::string folder = RunName("2020-11-06-09-59-21", 9);
  EXPECT_EQ(rec->dedup_key, folder + "/" + Fnv1a64Hex(kCsv));
  // The transform reads the run folder from meta; the dedup key stays as older stores have it.
  // "complete": the transform may group it by its folder and parse it once, later.
  EXPECT_EQ(rec->meta, "{\"complete\":true,\"folder\":\"" + folder +
                           "\",\"path\":\"TB1/MPCChecks/" + folder + "/Results.csv\",\"size\":" +
                           std::to_string(std::strlen(kCsv)) + "}");
}

TEST_F(TdsScannerTest, RescanOfUnchangedTreeReadsNothingEvenAfterRestart) {
  for (int i = 0; i < 20; ++i) AddRun(RunName("2021-01-01-08-00-" + std::string(i < 10 ? "0" : "") + std::to_string(i), i));
  {
    TdsScanner scanner(Config(), store_.get());
    EXPECT_EQ(Scan(scanner, Later()).appended, 20u);
    ScanReport again = Scan(scanner, Later());
    EXPECT_EQ(again.files_unchanged, 20u);
    EXPECT_EQ(again.files_read, 0u);
  }
  OpenStore();
  TdsScanner fresh(Config(), store_.get());
  ScanReport after_restart = Scan(fresh, Later());
  EXPECT_EQ(after_restart.files_unchanged, 20u);
  EXPECT_EQ(after_restart.files_read, 0u);
  EXPECT_EQ(store_->journal().last_seq(), 20u);
}

TEST_F(TdsScannerTest, ChangedFileIsReadAgainAndIdenticalContentIsADuplicate) {
  std::string folder = RunName("2021-01-01-08-00-00", 1);
  AddRun(folder);
  TdsScanner scanner(Config(), store_.get());
  EXPECT_EQ(Scan(scanner, Later()).appended, 1u);
  // Rewritten with the same bytes (new mtime): read again, but the journal has it.
  AddRun(folder);
  std::filesystem::last_write_time(tds() + "/TB1/MPCChecks/" + folder + "/Results.csv",
                                   std::filesystem::file_time_type::clock::now() - std::chrono::hours(2));
  ScanReport same = Scan(scanner, Later());
  EXPECT_EQ(same.files_read, 1u);
  EXPECT_EQ(same.duplicates, 1u);
  // Rewritten with new content: a new record.
  AddRun(folder, std::string(kCsv) + "GantryGroup/GantryAbsolute [°], -0.09, 0.3, Pass\n");
  ScanReport changed = Scan(scanner, Later());
  EXPECT_EQ(changed.appended, 1u);
  EXPECT_EQ(store_->journal().last_seq(), 2u);
}

TEST_F(TdsScannerTest, YoungFilesWaitForTheSettleTime) {
  AddRun(RunName("2021-01-01-08-00-00", 1));
  TdsScanner scanner(Config(), store_.get());
  ScanReport now = Scan(scanner, NowMicros());
  EXPECT_EQ(now.unsettled, 1u);
  EXPECT_EQ(now.appended, 0u);
  EXPECT_EQ(Scan(scanner, Later()).appended, 1u);
}

TEST_F(TdsScannerTest, UnparseableFolderAndFileAreQuarantinedOthersContinue) {
  AddRun("Some-Random-Folder");
  AddRun(RunName("2021-01-01-08-00-00", 1), std::string("\0\0\x01binary", 9));
  AddRun(RunName("2021-01-01-08-05-00", 2));
  TdsScanner scanner(Config(), store_.get());
  ScanReport r = Scan(scanner, Later());
  EXPECT_EQ(r.appended, 3u);
  EXPECT_EQ(r.quarantined, 2u);
  ASSERT_EQ(r.problems.size(), 2u);
  int quarantined = 0;
  bool unparseable_seen = false;
  ASSERT_TRUE(store_->journal().Scan(1, 10, [&](uint64_t, const RecordView& v) {
    if (v.quarantined()) {
      ++quarantined;
      EXPECT_NE(v.meta.find("\"reason\""), std::string::npos) << v.meta;
    }
    if (v.meta.find("\"folder\":\"Some-Random-Folder\"") != std::string::npos) {
      unparseable_seen = true;  // an unparseable name keys by path, as it always did
      EXPECT_EQ(v.dedup_key, "TB1/MPCChecks/Some-Random-Folder/Results.csv/" + Fnv1a64Hex(kCsv));
    }
    return true;
  }).ok());
  EXPECT_EQ(quarantined, 2);
  EXPECT_TRUE(unparseable_seen);
  auto counts = store_->journal().Counts();
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].quarantined, 2u);
  EXPECT_EQ(Scan(scanner, Later()).files_read, 0u) << "quarantined files are remembered too";
}

TEST_F(TdsScannerTest, CutFileIsQuarantinedAndReadAgainWhenCompleted) {
  const std::string folder = RunName("2021-01-01-08-00-00", 1);
  const std::string cut = std::string(kCsv) + "GantryGroup/GantryAbsolute [°], 0";  // "0.027" cut
  AddRun(folder, cut);
  AddRun(RunName("2021-01-01-08-05-00", 2));
  TdsScanner scanner(Config(), store_.get());
  const std::string problem = ScanQuarantiningOne(scanner, 2);
  EXPECT_NE(problem.find("Results.csv is incomplete"), std::string::npos) << problem;
  auto first = store_->journal().Get(1);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->quarantined());
  EXPECT_EQ(first->payload, cut);  // kept as it was found
  EXPECT_NE(first->meta.find("the file ends inside the row of 'GantryGroup"), std::string::npos)
      << first->meta;

  AddRun(folder, cut + ".027, 0.3, Pass\n");  // the copy finished after all
  std::filesystem::last_write_time(tds() + "/TB1/MPCChecks/" + folder + "/Results.csv",
                                   std::filesystem::file_time_type::clock::now() - std::chrono::hours(2));
  ScanReport again = Scan(scanner, Later());
  EXPECT_EQ(again.appended, 1u);
  EXPECT_EQ(again.quarantined, 0u);
  auto completed = store_->journal().Get(3);
  ASSERT_TRUE(completed.ok());
  EXPECT_FALSE(completed->quarantined());
  EXPECT_TRUE(store_->journal().Get(1).ok()) << "the quarantined copy stays as history";
  EXPECT_EQ(store_->journal().Counts()[0].quarantined, 1u);
}

TEST_F(TdsScannerTest, FifoIsQuarantinedWithoutBeingOpened) {
  const std::string folder = RunName("2021-01-01-08-00-00", 1);
  const std::string dir = tds() + "/TB1/MPCChecks/" + folder;
  std::filesystem::create_directories(dir);
  ASSERT_EQ(::mkfifo((dir + "/Results.csv").c_str(), 0600), 0);
  AddRun(RunName("2021-01-01-08-05-00", 2));
  TdsScanner scanner(Config(), store_.get());
  // Opening the FIFO would block here forever.
  const std::string problem = ScanQuarantiningOne(scanner, 2);
  EXPECT_NE(problem.find("Results.csv is a FIFO (named pipe), not a regular file"),
            std::string::npos) << problem;
  EXPECT_EQ(Scan(scanner, Later()).appended, 0u) << "reported once, not every scan";
}

TEST_F(TdsScannerTest, FastSearchLooksOnlyUnderMPCChecks) {
  AddRun(RunName("2021-01-01-08-00-00", 1));
  WriteFile(tds() + "/Other/" + RunName("2021-01-01-09-00-00", 2) + "/Results.csv", kCsv);
  TdsScanner fast(Config(), store_.get());
  EXPECT_EQ(Scan(fast, Later()).files_seen, 1u);
  TdsScanConfig full = Config();
  full.fast_search = false;
  TdsScanner slow(full, store_.get());
  ScanReport r = Scan(slow, Later());
  EXPECT_EQ(r.files_seen, 2u);
  EXPECT_EQ(r.appended, 1u);  // the other one is already journaled
}

TEST_F(TdsScannerTest, SinceSkipsOlderRuns) {
  AddRun(RunName("2019-01-01-08-00-00", 1));
  AddRun(RunName("2021-01-01-08-00-00", 2));
  TdsScanConfig c = Config();
  c.since = *ParseTimeArg("2020-01-01");
  TdsScanner scanner(c, store_.get());
  ScanReport r = Scan(scanner, Later());
  EXPECT_EQ(r.too_old, 1u);
  EXPECT_EQ(r.appended, 1u);
}

TEST_F(TdsScannerTest, MissingRootIsUnavailableNotFatal) {
  TdsScanner scanner(Config(), store_.get());
  auto r = scanner.Scan(Later());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(r.status().message().find("mounted"), std::string::npos);
  AddRun(RunName("2021-01-01-08-00-00", 1));  // the share comes back
  EXPECT_EQ(Scan(scanner, Later()).appended, 1u);
}

}  // namespace
}  // namespace qcflow::mpc
