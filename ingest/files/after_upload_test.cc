#include "ingest/files/after_upload.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "ingest/files/file_scan.h"
#include "process/files/files_transform.h"
#include "process/files/placement_queue.h"
#include "store/derived.h"
#include "store/journal.h"
#include "store/outbox.h"
#include "store/store.h"
#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::files {
namespace {

using qcflow::testing::ReadAll;
using qcflow::testing::TempDir;
using qcflow::testing::WriteFile;
namespace fs = std::filesystem;

class AfterUploadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(tmp_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    scan_.source_id = "reports";
    scan_.dirs = {in_};
    scan_.recursive = true;
    scan_.settle = std::chrono::milliseconds(0);
    transform_.upload.source = "reports";
    transform_.upload.test_list_template = "Reports";
    transform_.upload.units = {{in_, UnitRef::Named("TB1")}};
    transform_.sinks = {"qatrack", "archive"};
    transform_.place_after_upload = true;
  }
  // Scans the directory and derives its sessions (and work list).
  void Capture() {
    FileScanner scanner(scan_);
    auto r = scanner.Pass(&store_->journal(), NowMicros() + 60 * kMicrosPerSecond);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    FilesTransform t(store_.get(), transform_);
    for (int i = 0; i < 10; ++i) {
      auto step = t.Step();
      ASSERT_TRUE(step.ok()) << step.status().ToString();
      if (step->caught_up) break;
    }
  }
  // Acks every queued item of `sink`, as a sink does when the server confirmed.
  void Deliver(const std::string& sink) {
    auto items = store_->outbox().List(sink, 1000);
    ASSERT_TRUE(items.ok());
    for (const OutboxItem& i : *items) ASSERT_TRUE(store_->outbox().Ack(i, NowMicros()).ok());
  }
  AfterUploadReport Pass(AfterUploadAction action = AfterUploadAction::kMove) {
    AfterUpload after({"reports", action, {{in_, out_}}}, store_.get());
    auto r = after.Pass(NowMicros());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : AfterUploadReport{};
  }
  size_t Count(const char* ns) {
    size_t n = 0;
    EXPECT_TRUE(store_->derived().Scan(ns, "", [&](std::string_view, std::string_view) {
      ++n;
      return true;
    }).ok());
    return n;
  }

  TempDir tmp_;
  std::string in_ = tmp_.Sub("in"), out_ = tmp_.Sub("out");
  std::unique_ptr<Store> store_;
  FileScanOptions scan_;
  FilesTransformConfig transform_;
};

TEST_F(AfterUploadTest, MovesOnlyOnceEverySinkConfirmedAndKeepsTheSubPath) {
  WriteFile(in_ + "/2026/report.csv", "a,b\n1,2\n");
  Capture();
  EXPECT_EQ(Count(kPendingNs), 1u);
  EXPECT_EQ(Pass().waiting, 1u);
  Deliver("qatrack");
  AfterUploadReport one_sink = Pass();
  EXPECT_EQ(one_sink.waiting, 1u);  // the archive has not confirmed yet
  EXPECT_EQ(one_sink.moved, 0u);
  EXPECT_TRUE(fs::exists(in_ + "/2026/report.csv"));
  Deliver("archive");
  AfterUploadReport r = Pass();
  EXPECT_EQ(r.moved, 1u);
  EXPECT_EQ(r.waiting, 0u);
  EXPECT_TRUE(r.problems.empty()) << r.problems.front();
  EXPECT_FALSE(fs::exists(in_ + "/2026/report.csv"));
  EXPECT_EQ(ReadAll(out_ + "/2026/report.csv"), "a,b\n1,2\n");
  EXPECT_EQ(Count(kPendingNs), 0u);
  ASSERT_EQ(Count(kPlacedNs), 1u);
  std::string placed;
  ASSERT_TRUE(store_->derived().Scan(kPlacedNs, "", [&](std::string_view, std::string_view v) {
    placed = std::string(v);
    return false;
  }).ok());
  auto p = DecodePlaced(placed);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->to, out_ + "/2026/report.csv");
  EXPECT_EQ(p->action, "move");
  AfterUploadReport again = Pass();
  EXPECT_EQ(again.moved + again.waiting, 0u);
}

TEST_F(AfterUploadTest, NeverOverwritesAndIdenticalContentIsANoOp) {
  WriteFile(in_ + "/a.txt", "new");
  WriteFile(in_ + "/b.txt", "same");
  WriteFile(out_ + "/a.txt", "someone else's");
  WriteFile(out_ + "/b.txt", "same");
  Capture();
  Deliver("qatrack");
  Deliver("archive");
  AfterUploadReport r = Pass();
  EXPECT_EQ(r.moved, 2u);
  EXPECT_EQ(r.renamed, 1u);
  EXPECT_EQ(r.identical, 1u);
  EXPECT_EQ(ReadAll(out_ + "/a.txt"), "someone else's");
  EXPECT_EQ(ReadAll(out_ + "/a (2).txt"), "new");
  EXPECT_EQ(ReadAll(out_ + "/b.txt"), "same");
  EXPECT_FALSE(fs::exists(out_ + "/b (2).txt"));
  EXPECT_FALSE(fs::exists(in_ + "/a.txt"));
  EXPECT_FALSE(fs::exists(in_ + "/b.txt"));  // a move of an identical file removes the source
}

TEST_F(AfterUploadTest, CopyKeepsTheSourceAndARescanQueuesNothingNew) {
  scan_.mode = FileMode::kBinary;
  WriteFile(in_ + "/c.bin", std::string("\x00\xff", 2));
  Capture();
  Deliver("qatrack");
  Deliver("archive");
  EXPECT_EQ(Pass(AfterUploadAction::kCopy).copied, 1u);
  EXPECT_EQ(ReadAll(in_ + "/c.bin"), std::string("\x00\xff", 2));
  EXPECT_EQ(ReadAll(out_ + "/c.bin"), std::string("\x00\xff", 2));
  Capture();  // a restart: the file is read again, deduplicated, not listed again
  EXPECT_EQ(Count(kPendingNs), 0u);
  EXPECT_EQ(Pass(AfterUploadAction::kCopy).copied, 0u);
  EXPECT_FALSE(fs::exists(out_ + "/c (2).bin"));
}

TEST_F(AfterUploadTest, AKillAfterTheMoveIsFinishedWithoutASecondCopy) {
  WriteFile(in_ + "/k.txt", "killed");
  Capture();
  Deliver("qatrack");
  Deliver("archive");
  // The move happened, the commit that records it did not.
  fs::create_directories(out_);
  fs::rename(in_ + "/k.txt", out_ + "/k.txt");
  AfterUploadReport r = Pass();
  EXPECT_EQ(r.moved, 1u);
  EXPECT_TRUE(r.problems.empty()) << r.problems.front();
  EXPECT_FALSE(fs::exists(out_ + "/k (2).txt"));
  EXPECT_EQ(Count(kPendingNs), 0u);
}

TEST_F(AfterUploadTest, AChangedOrVanishedFileIsNotPlacedAndSaysWhy) {
  WriteFile(in_ + "/changed.txt", "v1");
  WriteFile(in_ + "/gone.txt", "bye");
  Capture();
  Deliver("qatrack");
  Deliver("archive");
  WriteFile(in_ + "/changed.txt", "v2, not uploaded yet");
  fs::remove(in_ + "/gone.txt");
  AfterUploadReport r = Pass();
  EXPECT_EQ(r.dropped, 2u);
  EXPECT_EQ(r.moved, 0u);
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_NE(r.problems[0].find("changed after its upload"), std::string::npos) << r.problems[0];
  EXPECT_NE(r.problems[1].find("left its directory"), std::string::npos) << r.problems[1];
  EXPECT_EQ(ReadAll(in_ + "/changed.txt"), "v2, not uploaded yet");
  EXPECT_FALSE(fs::exists(out_ + "/changed.txt"));
  // The new version is its own upload, placed after it is confirmed.
  Capture();
  EXPECT_EQ(Count(kPendingNs), 1u);
  Deliver("qatrack");
  Deliver("archive");
  EXPECT_EQ(Pass().moved, 1u);
  EXPECT_EQ(ReadAll(out_ + "/changed.txt"), "v2, not uploaded yet");
}

TEST_F(AfterUploadTest, WithoutASinkNothingIsListed) {
  transform_.sinks.clear();
  WriteFile(in_ + "/x.txt", "x");
  Capture();
  EXPECT_EQ(Count(kPendingNs), 0u);
  EXPECT_TRUE(fs::exists(in_ + "/x.txt"));
}

}  // namespace
}  // namespace qcflow::files
