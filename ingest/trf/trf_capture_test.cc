#include "ingest/trf/trf_capture.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "ingest/trf/decoder.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/trf_fixtures.h"

namespace qcflow::trf {
namespace {

namespace fs = std::filesystem;

class TrfCaptureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(tmp_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    auto kind = store_->RegisterKind(kTrfKindName);
    ASSERT_TRUE(kind.ok());
    kind_ = *kind;
    fs::create_directories(dir_ + "/sub");
    settings_.source_id = "la1-trf";
    settings_.linac = "LA1";
    settings_.zone = "Australia/Sydney";
    settings_.dirs = {dir_};
    settings_.settle = std::chrono::milliseconds(0);
  }
  files::FileScanReport Pass() {
    files::FileScanner scanner(TrfScanOptions(settings_, kind_));
    auto r = scanner.Pass(&store_->journal(), NowMicros() + 60 * kMicrosPerSecond);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : files::FileScanReport{};
  }
  std::vector<Record> Records() {
    std::vector<Record> out;
    EXPECT_TRUE(store_->journal()
                    .Scan(1, 1000, [&](uint64_t seq, const RecordView&) {
                      auto r = store_->journal().Get(seq);
                      EXPECT_TRUE(r.ok());
                      out.push_back(*r);
                      return true;
                    })
                    .ok());
    return out;
  }

  testing::TempDir tmp_;
  const std::string dir_ = tmp_.Sub("logs");
  std::unique_ptr<Store> store_;
  Kind kind_ = Kind::kEvent;
  TrfCaptureSettings settings_;
};

TEST_F(TrfCaptureTest, EachLogIsJournaledWholeOnceByItsContent) {
  const auto fixtures = testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES);
  for (const std::string& f : fixtures) fs::copy_file(f, dir_ + "/" + fs::path(f).filename().string());
  // The same log again under another name, and in a sub-directory.
  fs::copy_file(fixtures[3], dir_ + "/copy.trf");
  fs::copy_file(fixtures[3], dir_ + "/sub/again.trf");
  testing::WriteFile(dir_ + "/notes.txt", "not a log");  // pattern *.trf: not looked at
  settings_.recursive = true;

  const files::FileScanReport first = Pass();
  EXPECT_EQ(first.seen, fixtures.size() + 2);
  EXPECT_EQ(first.appended, fixtures.size());
  EXPECT_EQ(first.quarantined, 0u);
  EXPECT_EQ(Pass().appended, 0u) << "a second pass journals nothing";

  const std::vector<Record> records = Records();
  ASSERT_EQ(records.size(), fixtures.size());
  std::map<std::string, std::string> by_key;  // each fixture by its content's key
  for (const std::string& f : fixtures) {
    const std::string bytes = testing::ReadTrfFixture(f);
    by_key[TrfDedupKey(bytes)] = bytes;
  }
  ASSERT_EQ(by_key.size(), fixtures.size());
  TrfLog log;
  for (const Record& r : records) {
    const auto meta = nlohmann::json::parse(r.meta);
    SCOPED_TRACE(meta.dump());
    EXPECT_EQ(r.kind, kind_);
    EXPECT_EQ(r.source_id, "la1-trf");
    EXPECT_FALSE(r.quarantined());
    ASSERT_TRUE(by_key.count(r.dedup_key)) << "the key is the content's";
    EXPECT_EQ(r.payload, by_key[r.dedup_key]) << "the raw bytes, whole";
    const std::string path = meta["path"];
    EXPECT_TRUE(testing::ReadTrfFixture(dir_ + "/" + path) == r.payload) << "where it was found first";
    ASSERT_TRUE(DecodeTrf(r.payload, testing::TrfColumns(QCFLOW_TRF_COLUMNS),
                          &log)
                    .ok());
    EXPECT_EQ(r.event_time, *log.header.start) << "filed by the header's date, not the mtime";
    EXPECT_EQ(r.event_time_text, log.header.date);
    EXPECT_EQ(meta["linac"], "LA1");
    EXPECT_EQ(meta["zone"], "Australia/Sydney");
    EXPECT_EQ(meta["dir"], dir_);
    EXPECT_EQ(meta["field"], log.header.field);
    EXPECT_EQ(meta["version"], std::to_string(log.header.version));
  }
}

TEST_F(TrfCaptureTest, AFileThatIsNotATrfLogIsQuarantinedWithTheReason) {
  testing::WriteFile(dir_ + "/broken.trf", std::string("\x05" "17/04", 6));
  const files::FileScanReport r = Pass();
  EXPECT_EQ(r.appended, 1u);
  EXPECT_EQ(r.quarantined, 1u);
  const std::vector<Record> records = Records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].quarantined());
  const auto meta = nlohmann::json::parse(records[0].meta);
  EXPECT_NE(meta["reason"].get<std::string>().find("not a TRF log qcflow can decode: header cut short"),
            std::string::npos)
      << meta.dump();
}

TEST(TrfDedupKey, IsTheContentAndItsSize) {
  EXPECT_EQ(TrfDedupKey("abc"), TrfDedupKey(std::string("abc")));
  EXPECT_NE(TrfDedupKey("abc"), TrfDedupKey("abd"));
  EXPECT_EQ(TrfDedupKey("abc").substr(17), "3");
}

}  // namespace
}  // namespace qcflow::trf
