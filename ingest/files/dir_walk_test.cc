#include "ingest/files/dir_walk.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "tests/testing/temp_dir.h"

namespace qcflow::files {
namespace {

using qcflow::testing::TempDir;
using qcflow::testing::WriteFile;

// rel -> size of every file the walk visits.
std::map<std::string, uint64_t> Walk(const std::string& root, bool recursive, WalkOutcome* out = nullptr,
                                     std::string skip_name = "") {
  std::map<std::string, uint64_t> seen;
  WalkCallbacks cb;
  cb.wanted = [&](std::string_view name) { return name != skip_name; };
  cb.visit = [&](const WalkedFile& f) {
    EXPECT_EQ(f.full, root + "/" + f.rel);
    EXPECT_EQ(f.name(), std::filesystem::path(f.rel).filename().string());
    EXPECT_TRUE(seen.emplace(f.rel, f.size).second) << "visited twice: " << f.rel;
    return Status::OK();
  };
  auto r = WalkFiles(root, recursive, cb);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (out && r.ok()) *out = *r;
  return seen;
}

TEST(DirWalk, VisitsRegularFilesWithTheirSizeAndNothingElse) {
  TempDir tmp;
  const std::string root = tmp.Sub("in");
  WriteFile(root + "/a.txt", "123");
  WriteFile(root + "/sub/b.txt", "12345");
  WriteFile(root + "/sub/deeper/c.txt", "1");
  WriteFile(tmp.Sub("outside/d.txt"), "1234");
  ASSERT_EQ(::mkfifo((root + "/pipe").c_str(), 0600), 0);
  ASSERT_EQ(::symlink(tmp.Sub("outside/d.txt").c_str(), (root + "/link.txt").c_str()), 0);
  ASSERT_EQ(::symlink(tmp.Sub("outside").c_str(), (root + "/linked-dir").c_str()), 0);
  ASSERT_EQ(::symlink(tmp.Sub("nowhere").c_str(), (root + "/dangling").c_str()), 0);

  EXPECT_EQ(Walk(root, false), (std::map<std::string, uint64_t>{{"a.txt", 3}, {"link.txt", 4}}));
  WalkOutcome out;
  EXPECT_EQ(Walk(root, true, &out), (std::map<std::string, uint64_t>{
                                        {"a.txt", 3}, {"link.txt", 4}, {"sub/b.txt", 5}, {"sub/deeper/c.txt", 1}}));
  EXPECT_TRUE(out.complete);
  EXPECT_TRUE(out.problems.empty());
  EXPECT_EQ(Walk(root, true, nullptr, "b.txt").count("sub/b.txt"), 0u) << "not wanted, not visited";
}

TEST(DirWalk, AMissingRootIsAnIncompleteWalkNotAnError) {
  TempDir tmp;
  WalkOutcome out;
  EXPECT_TRUE(Walk(tmp.Sub("missing"), true, &out).empty());
  EXPECT_FALSE(out.complete);
  ASSERT_EQ(out.problems.size(), 1u);
  EXPECT_NE(out.problems[0].find("could not be listed whole: No such file or directory"), std::string::npos)
      << out.problems[0];
}

TEST(DirWalk, AVisitErrorStopsTheWalk) {
  TempDir tmp;
  WriteFile(tmp.Sub("in/a"), "1");
  WriteFile(tmp.Sub("in/b"), "2");
  int visits = 0;
  WalkCallbacks cb;
  cb.wanted = [](std::string_view) { return true; };
  cb.visit = [&](const WalkedFile&) {
    ++visits;
    return Status::IOError("disk full");
  };
  auto r = WalkFiles(tmp.Sub("in"), false, cb);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(visits, 1);
}

}  // namespace
}  // namespace qcflow::files
