#include "ingest/file_mover/file_ops.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "store/content_hash.h"
#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::file_mover {
namespace {

using testing::ReadAll;
using testing::TempDir;
using testing::WriteFile;

TEST(FileOps, TempNamesAreHiddenBesideTheTarget) {
  EXPECT_EQ(TempName("/d/sub/a.txt"), "/d/sub/.a.txt.qcflow-part");
  EXPECT_TRUE(IsTempName(".a.txt.qcflow-part"));
  EXPECT_FALSE(IsTempName("a.txt.qcflow-part"));
  EXPECT_FALSE(IsTempName(".qcflow-part"));
  EXPECT_FALSE(IsTempName(".a.txt"));
}

TEST(FileOps, CopyToTempCopiesHashesAndReplacesALeftover) {
  TempDir dir;
  WriteFile(dir.Sub("a"), "hello");
  WriteFile(dir.Sub(".b.qcflow-part"), "half");
  auto c = CopyToTemp(dir.Sub("a"), dir.Sub(".b.qcflow-part"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->bytes, 5u);
  EXPECT_EQ(c->hash, Fnv1a64("hello"));
  EXPECT_EQ(ReadAll(dir.Sub(".b.qcflow-part")), "hello");
  auto h = HashFile(dir.Sub("a"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->hash, c->hash);
  EXPECT_TRUE(CopyToTemp(dir.Sub("gone"), dir.Sub(".x.qcflow-part")).status().IsNotFound());
}

TEST(FileOps, RenameWithoutReplaceRefusesAnExistingName) {
  TempDir dir;
  WriteFile(dir.Sub("t"), "new");
  WriteFile(dir.Sub("there"), "old");
  Status s = Rename(dir.Sub("t"), dir.Sub("there"), false);
  EXPECT_EQ(s.code(), Status::Code::kAlreadyExists) << s.message();
  EXPECT_EQ(ReadAll(dir.Sub("there")), "old");
  EXPECT_TRUE(Rename(dir.Sub("t"), dir.Sub("free"), false).ok());
  EXPECT_EQ(ReadAll(dir.Sub("free")), "new");
  WriteFile(dir.Sub("t"), "newer");
  EXPECT_TRUE(Rename(dir.Sub("t"), dir.Sub("there"), true).ok());
  EXPECT_EQ(ReadAll(dir.Sub("there")), "newer");
}

TEST(FileOps, SameContentComparesBytes) {
  TempDir dir;
  WriteFile(dir.Sub("a"), std::string(200'000, 'x'));
  WriteFile(dir.Sub("b"), std::string(200'000, 'x'));
  WriteFile(dir.Sub("c"), std::string(199'999, 'x') + "y");
  EXPECT_TRUE(*SameContent(dir.Sub("a"), dir.Sub("b")));
  EXPECT_FALSE(*SameContent(dir.Sub("a"), dir.Sub("c")));
  EXPECT_FALSE(SameContent(dir.Sub("a"), dir.Sub("none")).ok());
}

TEST(FileOps, StatRegularRefusesDirectoriesAndMakeDirsNests) {
  TempDir dir;
  ASSERT_TRUE(MakeDirs(dir.Sub("x/y/z")).ok());
  EXPECT_EQ(StatRegular(dir.Sub("x/y")).status().code(), Status::Code::kFailedPrecondition);
  EXPECT_TRUE(StatRegular(dir.Sub("x/none")).status().IsNotFound());
  WriteFile(dir.Sub("x/y/z/f"), "abc");
  auto st = StatRegular(dir.Sub("x/y/z/f"));
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->size, 3u);
  EXPECT_GT(st->mtime_ns, 0);
  EXPECT_TRUE(RemoveFile(dir.Sub("x/y/z/f")).ok());
  EXPECT_TRUE(RemoveFile(dir.Sub("x/y/z/f")).ok()) << "a missing file is fine";
}

}  // namespace
}  // namespace qcflow::file_mover
