#include "ingest/trf/trf_backups.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "ingest/files/file_scan.h"
#include "ingest/trf/trf_capture.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/trf_fixtures.h"

namespace qcflow::trf {
namespace {

namespace fs = std::filesystem;

class TrfBackupsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(tmp_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    auto kind = store_->RegisterKind(kTrfKindName);
    ASSERT_TRUE(kind.ok());
    kind_ = *kind;
    fs::create_directories(backups_);
    fs::create_directories(loose_);
    options_ = {"la1-trf", "LA1", "", backups_, {"SDD+*.zip"}, {"*.trf"}, false, std::chrono::milliseconds(0), kind_};
    for (const std::string& f : testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES)) {
      logs_.push_back({fs::path(f).filename().string(), testing::ReadTrfFixture(f)});
    }
  }
  TrfBackupReport Pass(TrfBackupReader* reader) {
    auto r = reader->Pass(&store_->journal(), NowMicros() + 60 * kMicrosPerSecond);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : TrfBackupReport{};
  }
  std::vector<Record> Records() {
    std::vector<Record> out;
    EXPECT_TRUE(store_->journal().Scan(1, 1000, [&](uint64_t seq, const RecordView&) {
      out.push_back(*store_->journal().Get(seq));
      return true;
    }).ok());
    return out;
  }

  testing::TempDir tmp_;
  const std::string backups_ = tmp_.Sub("Backup/TCS"), loose_ = tmp_.Sub("loose");
  std::unique_ptr<Store> store_;
  Kind kind_ = Kind::kEvent;
  TrfBackupOptions options_;
  std::vector<std::pair<std::string, std::string>> logs_;  // file name -> bytes
};

TEST_F(TrfBackupsTest, ALogInTwoBackupsAndLooseIsOneRecordWithItsZipAndMember) {
  // Two overlapping backups (as the NSS's rolling 8 days are), and one log loose too.
  std::vector<std::pair<std::string, std::string>> first, second;
  for (size_t i = 0; i < logs_.size(); ++i) {
    const std::string member = "TRF/" + logs_[i].first;
    if (i < 8) first.push_back({member, logs_[i].second});
    if (i >= 4) second.push_back({member, logs_[i].second});
  }
  first.push_back({"TRF/readme.txt", "not a log (pattern *.trf)"});
  testing::WriteTrfZip(backups_ + "/SDD+2024-01-01.zip", first);
  testing::WriteTrfZip(backups_ + "/SDD+2024-01-08.zip", second);
  testing::WriteTrfZip(backups_ + "/other.zip", {{"x.trf", logs_[0].second}});  // not SDD+*: not read
  testing::WriteFile(loose_ + "/" + logs_[5].first, logs_[5].second);

  files::FileScanner loose(TrfScanOptions({"la1-trf", "LA1", "", {loose_}, {"*.trf"}, false,
                                           std::chrono::milliseconds(0), std::nullopt},
                                          kind_));
  auto l = loose.Pass(&store_->journal(), NowMicros() + 60 * kMicrosPerSecond);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->appended, 1u);

  TrfBackupReader reader(options_, store_.get());
  const TrfBackupReport r = Pass(&reader);
  EXPECT_EQ(r.zips_seen, 2u);
  EXPECT_EQ(r.zips_read, 2u);
  EXPECT_EQ(r.logs, first.size() - 1 + second.size());
  EXPECT_EQ(r.appended, logs_.size() - 1) << "each log once; the loose one was journaled already";
  EXPECT_TRUE(r.problems.empty()) << r.problems.front();

  const std::vector<Record> records = Records();
  ASSERT_EQ(records.size(), logs_.size());
  std::map<std::string, std::string> by_dedup;
  for (const auto& [name, bytes] : logs_) by_dedup[TrfDedupKey(bytes)] = name;
  for (const Record& rec : records) {
    const auto meta = nlohmann::json::parse(rec.meta);
    SCOPED_TRACE(meta.dump());
    ASSERT_TRUE(by_dedup.count(std::string(rec.dedup_key)));
    const std::string name = by_dedup[std::string(rec.dedup_key)];
    if (name == logs_[5].first) {
      EXPECT_FALSE(meta.contains("zip")) << "found loose first";
      continue;
    }
    EXPECT_EQ(meta["backups"], backups_);
    EXPECT_EQ(meta["member"], "TRF/" + name);
    size_t index = 0;
    while (logs_[index].first != name) ++index;
    // Archives are read in name order: a log in both is filed under the older.
    EXPECT_EQ(meta["zip"], index < 8 ? "SDD+2024-01-01.zip" : "SDD+2024-01-08.zip");
    EXPECT_EQ(meta["linac"], "LA1");
    EXPECT_FALSE(rec.quarantined());
  }

  // Unchanged archives are not read again, by this reader or a restarted one.
  EXPECT_EQ(Pass(&reader).zips_read, 0u);
  TrfBackupReader restarted(options_, store_.get());
  const TrfBackupReport again = Pass(&restarted);
  EXPECT_EQ(again.zips_seen, 2u);
  EXPECT_EQ(again.zips_read, 0u);
  EXPECT_EQ(Records().size(), logs_.size());
}

TEST_F(TrfBackupsTest, ADamagedArchiveIsReportedAndTriedAgainAndABadMemberQuarantined) {
  testing::WriteFile(backups_ + "/SDD+broken.zip", "PK\x03\x04 this is not a whole archive");
  testing::WriteTrfZip(backups_ + "/SDD+ok.zip", {{"a.trf", logs_[0].second}, {"b.trf", "not a TRF log"}});
  TrfBackupReader reader(options_, store_.get());
  const TrfBackupReport r = Pass(&reader);
  EXPECT_EQ(r.zips_seen, 2u);
  EXPECT_EQ(r.appended, 2u);
  EXPECT_EQ(r.quarantined, 1u);
  ASSERT_EQ(r.problems.size(), 2u);
  std::string all = r.problems[0] + "\n" + r.problems[1];
  EXPECT_NE(all.find("SDD+broken.zip: not a readable zip archive"), std::string::npos) << all;
  EXPECT_NE(all.find("b.trf quarantined: not a TRF log qcflow can decode"), std::string::npos) << all;
  // The broken one is opened again next pass (not remembered); the good one is not.
  const TrfBackupReport next = Pass(&reader);
  EXPECT_EQ(next.zips_read, 0u) << "the broken one does not open, the good one is remembered";
  EXPECT_TRUE(next.problems.empty()) << "reported once";
  testing::WriteTrfZip(backups_ + "/SDD+broken.zip", {{"c.trf", logs_[1].second}});  // repaired
  EXPECT_EQ(Pass(&reader).appended, 1u);
}

TEST_F(TrfBackupsTest, AMissingFolderIsAProblemNotAnError) {
  options_.dir = tmp_.Sub("not-mounted");
  TrfBackupReader reader(options_, store_.get());
  const TrfBackupReport r = Pass(&reader);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("is not there"), std::string::npos);
}

}  // namespace
}  // namespace qcflow::trf
