#include "process/files/files_transform.h"

#include <gtest/gtest.h>
#include <sys/time.h>

#include "ingest/files/file_scan.h"
#include "store/derived.h"
#include "store/journal.h"
#include "store/outbox.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::files {
namespace {

using qcflow::testing::TempDir;
using qcflow::testing::WriteFile;

class FilesTransformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(tmp_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    scan_.source_id = "reports";
    scan_.dirs = {dir_};
    scan_.settle = std::chrono::milliseconds(0);
    config_.upload.source = "reports";
    config_.upload.test_list_template = "Reports";
    config_.upload.units = {{dir_, UnitRef::Named("TB1")}};
    config_.sinks = {"qatrack"};
  }
  size_t Scan() {
    FileScanner s(scan_);
    auto r = s.Pass(&store_->journal(), NowMicros() + 60 * kMicrosPerSecond);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->appended : 0;
  }
  FilesStepReport Step() {
    FilesTransform t(store_.get(), config_);
    auto r = t.Step();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : FilesStepReport{};
  }
  size_t Sessions() {
    size_t n = 0;
    EXPECT_TRUE(store_->derived().Scan(kSessionNs, "", [&](std::string_view, std::string_view) {
      ++n;
      return true;
    }).ok());
    return n;
  }

  TempDir tmp_;
  std::string dir_ = tmp_.Sub("in");
  std::unique_ptr<Store> store_;
  FileScanOptions scan_;
  FilesTransformConfig config_;
};

TEST_F(FilesTransformTest, EachFileBecomesOneQueuedSessionOnce) {
  WriteFile(dir_ + "/a.txt", "A");
  WriteFile(dir_ + "/b.txt", "B");
  ASSERT_EQ(Scan(), 2u);
  FilesStepReport r = Step();
  EXPECT_EQ(r.sessions_emitted, 2u);
  EXPECT_TRUE(r.caught_up);
  EXPECT_EQ(Sessions(), 2u);
  auto pending = store_->outbox().List("qatrack", 10);
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  EXPECT_EQ(pending->size(), 2u);
  // Again: the cursor moved, nothing new.
  EXPECT_EQ(Step().sessions_emitted, 0u);
  EXPECT_EQ(Sessions(), 2u);
}

TEST_F(FilesTransformTest, QuarantinedAndOtherSourcesRecordsArePassedOver) {
  WriteFile(dir_ + "/bad.txt", "caf\xE9");  // not utf-8: quarantined by the scan
  WriteFile(dir_ + "/good.txt", "ok");
  ASSERT_EQ(Scan(), 2u);
  Record other;
  other.kind = Kind::kFile;
  other.source_id = "someone-else";
  other.dedup_key = "x";
  other.meta = "{}";
  ASSERT_TRUE(store_->journal().Append(other).ok());
  FilesStepReport r = Step();
  EXPECT_EQ(r.sessions_emitted, 1u);
  EXPECT_TRUE(r.problems.empty()) << r.problems.front();
}

TEST_F(FilesTransformTest, AFileWhoseDirectoryLeftTheConfigIsReported) {
  WriteFile(dir_ + "/a.txt", "A");
  ASSERT_EQ(Scan(), 1u);
  config_.upload.units.clear();
  FilesStepReport r = Step();
  EXPECT_EQ(r.sessions_emitted, 0u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("has no unit"), std::string::npos) << r.problems[0];
}

}  // namespace
}  // namespace qcflow::files
