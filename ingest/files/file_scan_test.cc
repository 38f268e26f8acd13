#include "ingest/files/file_scan.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "store/derived.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::files {
namespace {

using qcflow::testing::TempDir;
using qcflow::testing::WriteFile;

constexpr MicrosUtc kHour = 3600 * kMicrosPerSecond;

// Sets a file's mtime to `t` (UTC µs).
void SetMtime(const std::string& path, MicrosUtc t) {
  struct timeval tv[2];
  tv[0].tv_sec = tv[1].tv_sec = t / kMicrosPerSecond;
  tv[0].tv_usec = tv[1].tv_usec = t % kMicrosPerSecond;
  ASSERT_EQ(::utimes(path.c_str(), tv), 0) << path;
}

class FileScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(tmp_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    opts_.source_id = "reports";
    opts_.dirs = {dir_};
    opts_.settle = std::chrono::seconds(10);
  }
  // Writes `name` with an mtime an hour before `now_`.
  std::string Put(const std::string& name, const std::string& bytes, MicrosUtc age = kHour) {
    const std::string path = dir_ + "/" + name;
    WriteFile(path, bytes);
    SetMtime(path, now_ - age);
    return path;
  }
  FileScanReport Pass(FileScanner& s) {
    auto r = s.Pass(&store_->journal(), now_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : FileScanReport{};
  }
  std::vector<Record> Records() {
    std::vector<Record> out;
    auto next = store_->journal().Scan(1, 1000, [&](uint64_t, const RecordView& r) {
      out.push_back(r.ToRecord());
      return true;
    });
    EXPECT_TRUE(next.ok());
    return out;
  }

  TempDir tmp_;
  std::string dir_ = tmp_.Sub("in");
  std::unique_ptr<Store> store_;
  FileScanOptions opts_;
  MicrosUtc now_ = 1'780'000'000 * kMicrosPerSecond;
};

TEST_F(FileScanTest, JournalsEachSettledFileOnceWithItsBytes) {
  Put("a.csv", "a,b\n1,2\n");
  Put("sub/b.csv", "nested");  // not recursive: left alone
  FileScanner s(opts_);
  FileScanReport r = Pass(s);
  EXPECT_EQ(r.seen, 1u);
  EXPECT_EQ(r.appended, 1u);
  auto recs = Records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].kind, Kind::kFile);
  EXPECT_EQ(recs[0].source_id, "reports");
  EXPECT_EQ(recs[0].payload, "a,b\n1,2\n");
  EXPECT_EQ(recs[0].event_time, now_ - kHour);
  auto meta = nlohmann::json::parse(recs[0].meta);
  EXPECT_EQ(meta["dir"], dir_);
  EXPECT_EQ(meta["path"], "a.csv");
  EXPECT_EQ(meta["size"], 8);
  EXPECT_EQ(meta["mode"], "text");
  // Again, and with a new scanner (a restart): nothing new.
  EXPECT_EQ(Pass(s).appended, 0u);
  FileScanner restarted(opts_);
  EXPECT_EQ(Pass(restarted).appended, 0u);
  EXPECT_EQ(Records().size(), 1u);
}

TEST_F(FileScanTest, FilesThatWentAwayAreForgotten) {
  const std::string a = Put("a.txt", "A");
  Put("b.txt", "B");
  FileScanner s(opts_);
  EXPECT_EQ(Pass(s).appended, 2u);
  EXPECT_EQ(s.remembered(), 2u);
  std::filesystem::remove(a);
  EXPECT_EQ(Pass(s).appended, 0u);
  EXPECT_EQ(s.remembered(), 1u);
  // A directory that is away for a pass forgets nothing (its files may come back).
  opts_.dirs = {dir_, tmp_.Sub("missing")};
  FileScanner partial(opts_);
  Pass(partial);
  EXPECT_EQ(partial.remembered(), 1u);
  std::filesystem::rename(dir_, dir_ + ".away");
  Pass(partial);
  EXPECT_EQ(partial.remembered(), 1u);
}

// With a memory in the store, a restarted scanner trusts size and mtime as
// the running one does: it reads no unchanged file. The test tells by a file
// rewritten with the same size and mtime (which only a read would notice).
TEST_F(FileScanTest, AScannerWithMemoryReadsNoUnchangedFileAfterARestart) {
  const std::string a = Put("a.txt", "AAAA");
  Put("b.txt", "BBBB");
  Put("big.txt", std::string(40, 'x'));
  opts_.max_size = 16;
  {
    FileScanner s(opts_, store_.get());
    EXPECT_EQ(Pass(s).appended, 3u);  // big.txt quarantined, oversize
  }
  WriteFile(a, "aaaa");
  SetMtime(a, now_ - kHour);
  FileScanner remembering(opts_, store_.get());
  EXPECT_EQ(Pass(remembering).appended, 0u) << "read a file whose size and mtime were remembered";
  FileScanner forgetful(opts_);
  EXPECT_EQ(Pass(forgetful).appended, 1u) << "without memory the new bytes are a new version";

  // Other settings, another fingerprint: a raised max_size takes big.txt.
  opts_.max_size = 1024;
  FileScanner raised(opts_, store_.get());
  FileScanReport r = Pass(raised);
  EXPECT_EQ(r.appended, 1u);
  EXPECT_EQ(r.quarantined, 0u);
  // A file that went away is forgotten by the memory too.
  std::filesystem::remove(dir_ + "/b.txt");
  Pass(raised);
  size_t kept = 0;
  ASSERT_TRUE(store_->derived().Scan(kScannedNs, "", [&](std::string_view key, std::string_view) {
    ++kept;
    EXPECT_EQ(key.find("b.txt"), std::string_view::npos) << key;
    return true;
  }).ok());
  EXPECT_EQ(kept, 2u);
}

TEST_F(FileScanTest, RecursivePatternsAndIgnoreChooseTheFiles) {
  Put("a.csv", "1");
  Put("sub/b.csv", "2");
  Put("sub/skip.tmp", "3");
  Put("notes.txt", "4");
  Put("sub/old/c.csv", "5");
  std::filesystem::create_directories(dir_ + "/dir.csv");  // a directory is never a file
  opts_.recursive = true;
  opts_.patterns = {"*.csv", "*.tmp"};
  opts_.ignore = {"*.tmp", "sub/old/*"};
  FileScanner s(opts_);
  EXPECT_EQ(Pass(s).appended, 2u);
  std::set<std::string> paths;
  for (const Record& r : Records()) paths.insert(nlohmann::json::parse(r.meta)["path"]);
  EXPECT_EQ(paths, (std::set<std::string>{"a.csv", "sub/b.csv"}));
}

TEST_F(FileScanTest, AFileStillBeingWrittenWaitsForSettle) {
  const std::string path = Put("young.txt", "partial", 2 * kMicrosPerSecond);
  FileScanner s(opts_);
  FileScanReport r = Pass(s);
  EXPECT_EQ(r.unsettled, 1u);
  EXPECT_EQ(r.appended, 0u);
  now_ += 20 * kMicrosPerSecond;
  EXPECT_EQ(Pass(s).appended, 1u);
}

TEST_F(FileScanTest, FilesOlderThanSinceAreNotTakenUntilItMoves) {
  Put("old.txt", "last week", 7 * 24 * kHour);
  Put("new.txt", "today");
  FileScanner s(opts_);
  s.SetSince(now_ - 24 * kHour);
  FileScanReport r = Pass(s);
  EXPECT_EQ(r.appended, 1u);
  EXPECT_EQ(r.before_since, 1u);
  ASSERT_EQ(Records().size(), 1u);
  EXPECT_EQ(Records()[0].payload, "today");
  s.SetSince(std::nullopt);  // history = "all"
  r = Pass(s);
  EXPECT_EQ(r.appended, 1u);
  EXPECT_EQ(r.before_since, 0u);
}

// A DST change or a copy that resets mtimes is the same file; new content is a new version.
TEST_F(FileScanTest, MtimeIsNotIdentityButContentIs) {
  const std::string path = Put("r.txt", "version 1");
  FileScanner s(opts_);
  EXPECT_EQ(Pass(s).appended, 1u);
  SetMtime(path, now_ - 2 * kHour);  // shifted by an hour
  EXPECT_EQ(Pass(s).appended, 0u);
  WriteFile(path, "version 2");
  SetMtime(path, now_ - kHour);
  EXPECT_EQ(Pass(s).appended, 1u);
  auto recs = Records();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_NE(recs[0].dedup_key, recs[1].dedup_key);
  EXPECT_EQ(recs[1].payload, "version 2");
}

TEST_F(FileScanTest, SameContentInTwoDirectoriesIsTwoFiles) {
  const std::string other = tmp_.Sub("other");
  WriteFile(other + "/r.txt", "same");
  SetMtime(other + "/r.txt", now_ - kHour);
  Put("r.txt", "same");
  opts_.dirs = {dir_, other};
  FileScanner s(opts_);
  EXPECT_EQ(Pass(s).appended, 2u);
}

TEST_F(FileScanTest, OversizeAndBadTextAreQuarantinedWithTheReason) {
  Put("big.bin", std::string(100, 'x'));
  Put("latin.txt", "caf\xE9 ok");
  opts_.max_size = 50;
  FileScanner s(opts_);
  FileScanReport r = Pass(s);
  EXPECT_EQ(r.appended, 2u);
  EXPECT_EQ(r.quarantined, 2u);
  for (const Record& rec : Records()) {
    EXPECT_TRUE(rec.quarantined());
    auto meta = nlohmann::json::parse(rec.meta);
    const std::string reason = meta["reason"];
    if (meta["path"] == "big.bin") {
      EXPECT_NE(reason.find("over max_size (50)"), std::string::npos) << reason;
      EXPECT_TRUE(rec.payload.empty()) << "an oversize file is not read";
    } else {
      EXPECT_NE(reason.find("byte offset 3 is not valid utf-8"), std::string::npos) << reason;
      EXPECT_EQ(rec.payload, "caf\xE9 ok") << "kept as captured";
    }
  }
  EXPECT_EQ(Pass(s).appended, 0u);
}

TEST_F(FileScanTest, EncodingAndBinaryModeDecideWhatIsValid) {
  Put("latin.txt", "caf\xE9");
  opts_.encoding = TextEncoding::kLatin1;
  FileScanner latin(opts_);
  EXPECT_EQ(Pass(latin).quarantined, 0u);
  Put("blob.bin", std::string("\x00\xFF\x81", 3));
  opts_.mode = FileMode::kBinary;
  FileScanner binary(opts_);
  FileScanReport r = Pass(binary);
  EXPECT_EQ(r.appended, 1u);  // latin.txt is a duplicate now
  EXPECT_EQ(r.quarantined, 0u);
}

TEST_F(FileScanTest, UnreadableFilesAndMissingDirsAreReportedOnce) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every file";
  const std::string path = Put("secret.txt", "x");
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  opts_.dirs = {dir_, tmp_.Sub("missing")};
  FileScanner s(opts_);
  FileScanReport first = Pass(s);
  EXPECT_EQ(first.problems.size(), 2u);
  EXPECT_TRUE(Pass(s).problems.empty()) << "told once, not every pass";
}

TEST_F(FileScanTest, MissingDirectoryIsAProblemNotAnError) {
  Put("a.txt", "1");
  opts_.dirs = {tmp_.Sub("missing"), dir_};
  FileScanner s(opts_);
  FileScanReport r = Pass(s);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("is not there"), std::string::npos);
  EXPECT_EQ(r.appended, 1u) << "the other directory still runs";
  EXPECT_TRUE(Pass(s).problems.empty()) << "told once, not every pass";
}

}  // namespace
}  // namespace qcflow::files
