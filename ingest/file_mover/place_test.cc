#include "ingest/file_mover/place.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "store/content_hash.h"
#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::file_mover {
namespace {

using testing::ReadAll;
using testing::TempDir;
using testing::WriteFile;

bool Exists(const std::string& p) { return std::filesystem::exists(p); }

TEST(PlaceFile, KeepBothNeverOverwritesAndIdenticalIsANoOp) {
  TempDir d;
  WriteFile(d.Sub("src/r.txt"), "new");
  WriteFile(d.Sub("dst/r.txt"), "old");
  WriteFile(d.Sub("dst/r (2).txt"), "older");
  Placement p = PlaceFile(d.Sub("src/r.txt"), d.Sub("dst/r.txt"), {});
  ASSERT_EQ(p.outcome, Placement::kRenamed) << p.problem;
  EXPECT_EQ(p.target, d.Sub("dst/r (3).txt"));
  EXPECT_EQ(ReadAll(p.target), "new");
  EXPECT_EQ(ReadAll(d.Sub("dst/r.txt")), "old");
  EXPECT_EQ(ReadAll(d.Sub("dst/r (2).txt")), "older");
  EXPECT_EQ(p.content.hash, Fnv1a64("new"));
  EXPECT_TRUE(Exists(d.Sub("src/r.txt")));  // a copy: the caller removes a moved source

  Placement again = PlaceFile(d.Sub("src/r.txt"), d.Sub("dst/r.txt"), {});
  EXPECT_EQ(again.outcome, Placement::kIdentical) << again.problem;
  EXPECT_EQ(again.target, d.Sub("dst/r (3).txt"));
  EXPECT_FALSE(Exists(d.Sub("dst/r (4).txt")));
}

TEST(PlaceFile, SkipAndReplaceIfNewerDecideConflicts) {
  TempDir d;
  WriteFile(d.Sub("a"), "src");
  WriteFile(d.Sub("out/a"), "dst");
  Placement skip = PlaceFile(d.Sub("a"), d.Sub("out/a"), {.on_conflict = OnConflict::kSkip});
  EXPECT_EQ(skip.outcome, Placement::kConflict);
  EXPECT_NE(skip.problem.find("on_conflict = \"skip\""), std::string::npos) << skip.problem;
  Placement older = PlaceFile(d.Sub("a"), d.Sub("out/a"),
                              {.on_conflict = OnConflict::kReplaceIfNewer, .source_mtime_ns = 1});
  EXPECT_EQ(older.outcome, Placement::kConflict);
  EXPECT_EQ(ReadAll(d.Sub("out/a")), "dst");
  Placement newer = PlaceFile(d.Sub("a"), d.Sub("out/a"),
                              {.on_conflict = OnConflict::kReplaceIfNewer,
                               .source_mtime_ns = int64_t(4e18)});
  EXPECT_EQ(newer.outcome, Placement::kReplaced) << newer.problem;
  EXPECT_EQ(ReadAll(d.Sub("out/a")), "src");
}

TEST(PlaceFile, ByRenameMovesTheFileItselfAndCreatesDirectories) {
  TempDir d;
  WriteFile(d.Sub("in/x.bin"), std::string("\0\1\2", 3));
  struct stat before;
  ASSERT_EQ(::stat(d.Sub("in/x.bin").c_str(), &before), 0);
  WriteFile(d.Sub("out/deep/x.bin"), "other");
  Placement p = PlaceFile(d.Sub("in/x.bin"), d.Sub("out/deep/x.bin"), {.by_rename = true});
  ASSERT_EQ(p.outcome, Placement::kRenamed) << p.problem;
  EXPECT_TRUE(p.source_renamed);
  EXPECT_FALSE(Exists(d.Sub("in/x.bin")));
  struct stat after;
  ASSERT_EQ(::stat(p.target.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);  // the same file, not a copy
  EXPECT_EQ(p.content.bytes, 3u);
  EXPECT_EQ(ReadAll(d.Sub("out/deep/x.bin")), "other");

  PlaceFile(d.Sub("gone"), d.Sub("out/gone"), {.by_rename = true});
  EXPECT_EQ(PlaceFile(d.Sub("gone"), d.Sub("out/gone"), {.by_rename = true}).outcome, Placement::kGone);
}

TEST(PlaceFile, ByRenameAcrossFilesystemsCopies) {
  TempDir d;
  const std::string shm = "/dev/shm/qcflow-place-" + std::to_string(::getpid());
  struct stat a, b;
  if (::stat(d.path().c_str(), &a) != 0 || ::stat("/dev/shm", &b) != 0 || a.st_dev == b.st_dev) {
    GTEST_SKIP() << "needs /dev/shm on another filesystem than " << d.path();
  }
  WriteFile(d.Sub("x"), "across");
  Placement p = PlaceFile(d.Sub("x"), shm + "/x", {.by_rename = true});
  EXPECT_EQ(p.outcome, Placement::kWritten) << p.problem;
  EXPECT_FALSE(p.source_renamed);  // copied: the caller unlinks the source of a move
  EXPECT_EQ(p.content.hash, Fnv1a64("across"));
  EXPECT_EQ(ReadAll(shm + "/x"), "across");
  EXPECT_TRUE(Exists(d.Sub("x")));
  std::filesystem::remove_all(shm);
}

}  // namespace
}  // namespace qcflow::file_mover
