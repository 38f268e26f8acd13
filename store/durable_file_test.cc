#include "store/durable_file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

TEST(DurableFileTest, ReplaceWritesTheWholeContentAndLeavesNoTemporary) {
  testing::TempDir dir;
  const std::string path = dir.Sub("a.json");
  ASSERT_TRUE(ReplaceFileDurably(path, "first").ok());
  ASSERT_TRUE(ReplaceFileDurably(path, "second, longer").ok());
  auto text = ReadFileIfExists(path);
  ASSERT_TRUE(text.ok() && text->has_value());
  EXPECT_EQ(**text, "second, longer");
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(e.path().filename(), "a.json");
  }
  EXPECT_EQ(files, 1u);
}

TEST(DurableFileTest, ALeftoverTemporaryOfAKilledWriteIsReplaced) {
  testing::TempDir dir;
  testing::WriteFile(dir.Sub(".a.json.qcflow-part"), "half a docu");
  ASSERT_TRUE(ReplaceFileDurably(dir.Sub("a.json"), "{}").ok());
  EXPECT_FALSE(std::filesystem::exists(dir.Sub(".a.json.qcflow-part")));
  EXPECT_EQ(**ReadFileIfExists(dir.Sub("a.json")), "{}");
}

TEST(DurableFileTest, MissingFileReadsAsNoneAndMissingDirectoryIsAnError) {
  testing::TempDir dir;
  auto none = ReadFileIfExists(dir.Sub("absent"));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  Status s = ReplaceFileDurably(dir.Sub("no/such/dir/a.json"), "x");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no/such/dir"), std::string::npos) << s.message();
  ASSERT_TRUE(MakeDirs(dir.Sub("no/such/dir")).ok());
  EXPECT_TRUE(ReplaceFileDurably(dir.Sub("no/such/dir/a.json"), "x").ok());
}

}  // namespace
}  // namespace qcflow
