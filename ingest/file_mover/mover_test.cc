#include "ingest/file_mover/mover.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "store/content_hash.h"
#include "store/journal.h"
#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::file_mover {
namespace {

namespace fs = std::filesystem;
using testing::ReadAll;
using testing::WriteFile;

// Drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from this thread's effective
// set while it lives, so a test running as root meets file permissions.
class NoPermissionOverride {
 public:
  NoPermissionOverride() {
    syscall(SYS_capget, &header_, saved_);
    __user_cap_data_struct d[2] = {saved_[0], saved_[1]};
    d[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
    syscall(SYS_capset, &header_, d);
  }
  ~NoPermissionOverride() { syscall(SYS_capset, &header_, saved_); }

 private:
  __user_cap_header_struct header_{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct saved_[2] = {};
};

class MoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions o;
    auto s = Store::Open(dir_.Sub("store"), o);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
    auto k = store_->RegisterKind(kFilesKind);
    ASSERT_TRUE(k.ok());
    kind_ = *k;
    settings_.name = "mv";
    settings_.source = dir_.Sub("in");
    settings_.destination = dir_.Sub("out");
    settings_.settle = std::chrono::milliseconds(0);
    fs::create_directories(settings_.source);
  }
  std::string In(const std::string& rel) const { return settings_.source + "/" + rel; }
  std::string Out(const std::string& rel) const { return settings_.destination + "/" + rel; }
  PassReport Pass(MicrosUtc now = NowMicros()) {
    if (!mover_) mover_ = std::make_unique<FileMover>(settings_, store_.get(), kind_);
    auto r = mover_->Pass(now);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : PassReport{};
  }
  std::vector<nlohmann::json> Records() {
    std::vector<nlohmann::json> out;
    auto s = store_->journal().Scan(0, 1000, [&](uint64_t, const RecordView& r) {
      EXPECT_EQ(r.kind, kind_);
      EXPECT_EQ(r.source_id, "mv");
      out.push_back(nlohmann::json::parse(r.meta));
      return true;
    });
    EXPECT_TRUE(s.ok());
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  Kind kind_ = Kind::kFile;
  MoverSettings settings_;
  std::unique_ptr<FileMover> mover_;
};

TEST_F(MoverTest, TheFilesKindIsRegisteredOnceByName) {
  auto again = store_->RegisterKind(kFilesKind);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, kind_);
  EXPECT_EQ(KindName(kind_), "files");
}

TEST_F(MoverTest, MovesAFileAndJournalsWhereItWent) {
  WriteFile(In("a.txt"), "hello");
  PassReport r = Pass();
  EXPECT_EQ(r.counts.moved, 1u);
  EXPECT_EQ(r.counts.bytes, 5u);
  EXPECT_FALSE(fs::exists(In("a.txt")));
  EXPECT_EQ(ReadAll(Out("a.txt")), "hello");
  EXPECT_FALSE(fs::exists(Out(".a.txt.qcflow-part")));
  auto records = Records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["what"], "a.txt");
  EXPECT_EQ(records[0]["action"], "move");
  EXPECT_EQ(records[0]["from"], In("a.txt"));
  EXPECT_EQ(records[0]["to"], Out("a.txt"));
  EXPECT_EQ(records[0]["bytes"], 5);
  EXPECT_EQ(records[0]["hash"], Fnv1a64Hex("hello"));
  EXPECT_FALSE(records[0]["when"].get<std::string>().empty());
  EXPECT_EQ(Pass().counts.moved, 0u);
  EXPECT_EQ(Records().size(), 1u);
}

TEST_F(MoverTest, DirectoriesAreNeverMovedAsFiles) {
  WriteFile(In("sub/deep/b.txt"), "b");
  WriteFile(In("top.txt"), "t");
  EXPECT_EQ(Pass().counts.moved, 1u);
  EXPECT_TRUE(fs::is_directory(In("sub/deep")));
  EXPECT_TRUE(fs::exists(In("sub/deep/b.txt"))) << "not recursive";
  EXPECT_FALSE(fs::exists(Out("sub")));
  settings_.recursive = true;
  mover_.reset();
  EXPECT_EQ(Pass().counts.moved, 1u);
  EXPECT_EQ(ReadAll(Out("sub/deep/b.txt")), "b") << "the sub-path is kept";
  EXPECT_TRUE(fs::is_directory(In("sub/deep"))) << "the directory stays";
}

TEST_F(MoverTest, FlattenKeepsBothOfTwoEqualNames) {
  settings_.recursive = true;
  settings_.flatten = true;
  WriteFile(In("x/r.csv"), "one");
  WriteFile(In("y/r.csv"), "two");
  EXPECT_EQ(Pass().counts.moved, 2u);
  EXPECT_EQ(ReadAll(Out("r.csv")), "one");
  EXPECT_EQ(ReadAll(Out("r (2).csv")), "two");
}

TEST_F(MoverTest, KeepBothNeverOverwrites) {
  WriteFile(Out("a.txt"), "old");
  WriteFile(Out("a (2).txt"), "older");
  WriteFile(In("a.txt"), "new");
  PassReport r = Pass();
  EXPECT_EQ(r.counts.renamed, 1u);
  EXPECT_EQ(ReadAll(Out("a.txt")), "old");
  EXPECT_EQ(ReadAll(Out("a (2).txt")), "older");
  EXPECT_EQ(ReadAll(Out("a (3).txt")), "new");
  EXPECT_EQ(KeepBothName("/d/x.tar.gz", 2), "/d/x.tar (2).gz");
  EXPECT_EQ(KeepBothName("/d/noext", 4), "/d/noext (4)");
}

TEST_F(MoverTest, IdenticalContentAtTheTargetIsANoOp) {
  WriteFile(Out("a.txt"), "same");
  auto before = fs::last_write_time(Out("a.txt"));
  WriteFile(In("a.txt"), "same");
  PassReport r = Pass();
  EXPECT_EQ(r.counts.moved, 1u);
  EXPECT_EQ(r.counts.identical, 1u);
  EXPECT_FALSE(fs::exists(In("a.txt"))) << "a move removes the source";
  EXPECT_EQ(fs::last_write_time(Out("a.txt")), before) << "the target is not rewritten";
  EXPECT_FALSE(fs::exists(Out("a (2).txt")));
  ASSERT_EQ(Records().size(), 1u);
  EXPECT_EQ(Records()[0]["result"], "identical file already there");
}

TEST_F(MoverTest, SkipLeavesTheSourceAndReportsTheConflictOnce) {
  settings_.on_conflict = OnConflict::kSkip;
  WriteFile(Out("a.txt"), "theirs");
  WriteFile(In("a.txt"), "mine");
  PassReport r1 = Pass();
  EXPECT_EQ(r1.counts.conflicts, 1u);
  ASSERT_EQ(r1.problems.size(), 1u);
  EXPECT_NE(r1.problems[0].find("skip"), std::string::npos) << r1.problems[0];
  PassReport r2 = Pass();
  EXPECT_EQ(r2.counts.conflicts, 0u);
  EXPECT_TRUE(r2.problems.empty());
  EXPECT_EQ(ReadAll(In("a.txt")), "mine");
  EXPECT_EQ(ReadAll(Out("a.txt")), "theirs");
  EXPECT_TRUE(Records().empty());
}

TEST_F(MoverTest, ReplaceIfNewerReplacesOnlyByANewerSource) {
  settings_.on_conflict = OnConflict::kReplaceIfNewer;
  WriteFile(Out("a.txt"), "target");
  WriteFile(In("a.txt"), "older source");
  fs::last_write_time(In("a.txt"), fs::last_write_time(Out("a.txt")) - std::chrono::hours(1));
  EXPECT_EQ(Pass().counts.conflicts, 1u);
  EXPECT_EQ(ReadAll(Out("a.txt")), "target");
  fs::last_write_time(In("a.txt"), fs::last_write_time(Out("a.txt")) + std::chrono::hours(1));
  PassReport r = Pass();
  EXPECT_EQ(r.counts.replaced, 1u);
  EXPECT_EQ(ReadAll(Out("a.txt")), "older source");
  EXPECT_FALSE(fs::exists(In("a.txt")));
}

TEST_F(MoverTest, AGrowingFileWaitsForTheSettleTime) {
  settings_.settle = std::chrono::seconds(10);
  WriteFile(In("a.txt"), "part");
  const MicrosUtc now = NowMicros();
  PassReport r1 = Pass(now);
  EXPECT_EQ(r1.unsettled, 1u);
  EXPECT_TRUE(fs::exists(In("a.txt")));
  WriteFile(In("a.txt"), "part and more");  // it grew since the last look
  EXPECT_EQ(Pass(now + 20'000'000).unsettled, 1u) << "changed since the last look";
  PassReport r3 = Pass(now + 30'000'000);
  EXPECT_EQ(r3.unsettled, 0u);
  EXPECT_EQ(r3.counts.moved, 1u);
  EXPECT_EQ(ReadAll(Out("a.txt")), "part and more");
}

TEST_F(MoverTest, AnUnreadableFileIsReportedOnceAndLeftInPlace) {
  WriteFile(In("locked.txt"), "secret");
  WriteFile(In("open.txt"), "fine");
  ::chmod(In("locked.txt").c_str(), 0);
  NoPermissionOverride as_a_user;
  PassReport r1 = Pass();
  EXPECT_EQ(r1.counts.moved, 1u);
  EXPECT_EQ(r1.counts.errors, 1u);
  ASSERT_EQ(r1.problems.size(), 1u);
  EXPECT_NE(r1.problems[0].find("cannot read"), std::string::npos) << r1.problems[0];
  EXPECT_EQ(mover_->unreadable(), 1u);
  PassReport r2 = Pass();
  EXPECT_EQ(r2.counts.errors, 0u);
  EXPECT_TRUE(r2.problems.empty()) << "once per file, not per pass";
  EXPECT_TRUE(fs::exists(In("locked.txt")));
  EXPECT_FALSE(fs::exists(Out("locked.txt")));
  ::chmod(In("locked.txt").c_str(), 0644);
  EXPECT_EQ(Pass().counts.moved, 1u);
  EXPECT_EQ(mover_->unreadable(), 0u);
}

TEST_F(MoverTest, ALeftoverTemporaryIsRemovedAndTheTransferRedone) {
  WriteFile(In("a.txt"), "whole file");
  WriteFile(Out(".a.txt.qcflow-part"), "whole");  // a transfer killed while writing
  FileMover m(settings_, store_.get(), kind_);
  auto removed = m.CleanUpTemporaries();
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1u);
  EXPECT_EQ(Pass().counts.moved, 1u);
  EXPECT_EQ(ReadAll(Out("a.txt")), "whole file");
  EXPECT_FALSE(fs::exists(Out(".a.txt.qcflow-part")));
}

TEST_F(MoverTest, AKillAfterJournalingBeforeUnlinkIsFinishedWithoutASecondRecord) {
  WriteFile(In("a.txt"), "x");
  settings_.move = false;  // leaves what a killed move leaves: journaled, target written, source there
  EXPECT_EQ(Pass().counts.copied, 1u);
  settings_.move = true;
  mover_.reset();
  PassReport r = Pass();
  EXPECT_EQ(r.counts.identical, 1u);
  EXPECT_FALSE(fs::exists(In("a.txt")));
  EXPECT_FALSE(fs::exists(Out("a (2).txt")));
  EXPECT_EQ(Records().size(), 1u);
}

TEST_F(MoverTest, CopyModeCopiesEachVersionOnceAcrossRestarts) {
  settings_.move = false;
  WriteFile(In("a.txt"), "v1");
  EXPECT_EQ(Pass().counts.copied, 1u);
  mover_.reset();  // a restart: the journal remembers
  EXPECT_EQ(Pass().counts.copied, 0u);
  EXPECT_EQ(ReadAll(In("a.txt")), "v1");
  WriteFile(In("a.txt"), "version 2");
  EXPECT_EQ(Pass().counts.copied, 1u);
  EXPECT_EQ(ReadAll(Out("a (2).txt")), "version 2");
  EXPECT_EQ(Records().size(), 2u);
}

TEST_F(MoverTest, PatternAndIgnoreChooseTheFiles) {
  settings_.recursive = true;
  settings_.pattern = {"*.csv", "*.txt"};
  settings_.ignore = {"*.tmp.csv", "skip"};
  WriteFile(In("a.csv"), "a");
  WriteFile(In("b.txt"), "b");
  WriteFile(In("c.dcm"), "c");
  WriteFile(In("d.tmp.csv"), "d");
  WriteFile(In("skip/e.csv"), "e");
  EXPECT_EQ(Pass().counts.moved, 2u);
  EXPECT_TRUE(fs::exists(In("c.dcm")));
  EXPECT_TRUE(fs::exists(In("d.tmp.csv")));
  EXPECT_TRUE(fs::exists(In("skip/e.csv")));
}

TEST_F(MoverTest, AMissingSourceIsUnavailable) {
  settings_.source = dir_.Sub("nowhere");
  FileMover m(settings_, store_.get(), kind_);
  EXPECT_EQ(m.Pass(NowMicros()).status().code(), Status::Code::kUnavailable);
}

TEST(DirectoriesProblem, SameOrNestedWhenRecursive) {
  MoverSettings s;
  s.source = "/data/in";
  s.destination = "/data/in/";
  EXPECT_NE(DirectoriesProblem(s).find("same directory"), std::string::npos);
  s.destination = "/data/in/done";
  EXPECT_EQ(DirectoriesProblem(s), "") << "not recursive: the sub-directory is not scanned";
  s.recursive = true;
  EXPECT_NE(DirectoriesProblem(s).find("inside the source"), std::string::npos);
  s.destination = "/data/inbox";
  EXPECT_EQ(DirectoriesProblem(s), "");
}

}  // namespace
}  // namespace qcflow::file_mover
