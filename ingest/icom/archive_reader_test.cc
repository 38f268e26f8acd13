#include "ingest/icom/archive_reader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include "ingest/icom/capture.h"
#include "ingest/icom/icom_record.h"
#include "ingest/icom/sim/linac_server.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/icom_archives.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::icom {
namespace {

using namespace std::chrono_literals;
using qcflow::testing::GenerateIcomMessages;
using qcflow::testing::WriteXzArchive;

LinacGeneratorConfig Config(uint64_t messages, uint64_t seed = 7) {
  LinacGeneratorConfig c;
  c.messages = messages;
  c.seed = seed;
  return c;
}

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(store_dir_.path());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  Journal& journal() { return store_->journal(); }

  Result<IcomImportReport> Import(const std::string& zone = "Europe/Berlin") {
    auto files = FindIcomArchives(archive_.path());
    if (!files.ok()) return files.status();
    IcomImportOptions o;
    o.linac = "LA1";
    o.zone = zone;
    o.batch = 16;  // several batches per file
    return ImportIcomArchives(archive_.path(), *files, &journal(), o);
  }

  // Payloads of every icom record, by dedup key.
  std::map<std::string, Record> Journaled() {
    std::map<std::string, Record> out;
    auto r = journal().Scan(1, 1 << 20, [&](uint64_t, const RecordView& v) {
      if (v.kind == Kind::kIcom) out.emplace(std::string(v.dedup_key), v.ToRecord());
      return true;
    });
    EXPECT_TRUE(r.ok());
    return out;
  }

  qcflow::testing::TempDir store_dir_, archive_;
  std::unique_ptr<Store> store_;
};

TEST_F(ArchiveTest, XzDeliveriesImportEveryMessageIncludingEachFilesLast) {
  const auto m = GenerateIcomMessages(Config(120));
  const std::string patient = archive_.Sub("patients/123456_DOE, JANE");
  WriteXzArchive(patient + "/20260105_080000.xz", m, 0, 50);
  WriteXzArchive(patient + "/20260105_081000.xz", m, 50, 100);
  WriteXzArchive(archive_.Sub("patients/unknown_error_in_record/20260105_082000.xz"), m, 100, 120);
  auto report = Import();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->files, 3u);
  EXPECT_EQ(report->files_failed, 0u);
  EXPECT_EQ(report->messages, 120u);
  EXPECT_EQ(report->appended, 120u);
  EXPECT_EQ(report->duplicates, 0u);
  EXPECT_EQ(report->malformed, 0u);
  auto j = Journaled();
  ASSERT_EQ(j.size(), 120u);
  for (const std::string& msg : m) {
    auto it = j.find(IcomDedupKey("LA1", msg));
    ASSERT_NE(it, j.end());
    EXPECT_EQ(it->second.payload, msg);  // byte-identical
    EXPECT_EQ(it->second.source_id, "LA1");
    EXPECT_EQ(it->second.event_time_text, std::string(IcomTimestampText(msg)));
  }
}

TEST_F(ArchiveTest, RecordsEqualCapturesExceptCaptureTime) {
  const auto m = GenerateIcomMessages(Config(3));
  WriteXzArchive(archive_.Sub("patients/1_A/x.xz"), m, 0, 3);
  ASSERT_TRUE(Import("America/Toronto").ok());
  auto j = Journaled();
  for (const std::string& msg : m) {
    Record want = IcomMessageRecord("LA1", "America/Toronto", msg, 0);
    const Record& got = j.at(want.dedup_key);
    EXPECT_EQ(got.event_time, want.event_time);
    EXPECT_EQ(got.meta, want.meta);
    EXPECT_EQ(got.flags, want.flags);
    EXPECT_EQ(got.payload, want.payload);
  }
}

TEST_F(ArchiveTest, LiveRingFilesImportOneMessageEach) {
  const auto m = GenerateIcomMessages(Config(40));
  qcflow::testing::WriteLiveRing(archive_.path(), "192.168.30.5", m, 0, 40, 250);  // wraps at 256
  auto files = FindIcomArchives(archive_.path());
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 40u);
  EXPECT_EQ(files->front().kind, ArchiveFileKind::kLiveText);
  auto report = Import();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->appended, 40u);
  EXPECT_EQ(report->malformed, 0u);
}

TEST_F(ArchiveTest, SecondImportAppendsNothing) {
  const auto m = GenerateIcomMessages(Config(60));
  WriteXzArchive(archive_.Sub("patients/1_A/a.xz"), m, 0, 60);
  qcflow::testing::WriteLiveRing(archive_.path(), "10.0.0.1", m, 40, 60);  // overlaps the .xz
  auto first = Import();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->appended, 60u);
  EXPECT_EQ(first->duplicates, 20u);
  const uint64_t seq = journal().last_seq();
  auto second = Import();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->appended, 0u);
  EXPECT_EQ(second->duplicates, 80u);
  EXPECT_EQ(journal().last_seq(), seq);
}

TEST_F(ArchiveTest, CorruptAndTruncatedXzAreReportedAndTheOtherFilesImported) {
  const auto m = GenerateIcomMessages(Config(90));
  WriteXzArchive(archive_.Sub("patients/1_SMITH/a.xz"), m, 0, 30);
  std::string bad = qcflow::testing::XzCompress(m[30] + m[31] + m[32]);
  bad[bad.size() / 2] ^= 0x55;  // damaged in the middle: the CRC or the decoder notices
  qcflow::testing::WriteFile(archive_.Sub("patients/2_JONES/b.xz"), bad);
  std::string cut = qcflow::testing::XzCompress(m[33] + m[34]);
  qcflow::testing::WriteFile(archive_.Sub("patients/2_JONES/c.xz"), cut.substr(0, cut.size() - 20));
  qcflow::testing::WriteFile(archive_.Sub("patients/2_JONES/d.xz"), "not xz at all");
  WriteXzArchive(archive_.Sub("patients/3_BROWN/e.xz"), m, 35, 90);
  auto report = Import();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->files, 5u);
  EXPECT_EQ(report->files_failed, 3u);
  ASSERT_EQ(report->problems.size(), 3u);
  for (const std::string& p : report->problems) {
    EXPECT_EQ(p.find("JONES"), std::string::npos) << "patient names stay out of messages: " << p;
    EXPECT_EQ(p.rfind("patients/<patient>/", 0), 0u) << p;
  }
  EXPECT_NE(report->problems[2].find("not an xz file"), std::string::npos) << report->problems[2];
  // Nothing lost from the good files.
  auto j = Journaled();
  for (size_t i = 0; i < 30; ++i) EXPECT_TRUE(j.count(IcomDedupKey("LA1", m[i]))) << i;
  for (size_t i = 35; i < 90; ++i) EXPECT_TRUE(j.count(IcomDedupKey("LA1", m[i]))) << i;
  // Whatever came out of a damaged file is a whole, true message.
  for (const auto& [key, r] : j) {
    bool known = false;
    for (const std::string& msg : m) known |= msg == r.payload;
    EXPECT_TRUE(known) << key;
  }
}

TEST_F(ArchiveTest, CaptureAndImportOfTheSameMessagesDeduplicate) {
  LinacServerOptions o;
  o.port = 0;
  o.rate = 0;
  o.generator = Config(50, 11);
  const auto m = GenerateIcomMessages(o.generator);
  auto server = LinacServer::Start(o);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  std::thread run([&] { (*server)->Run(); });
  {
    CaptureGroup group(&journal());
    IcomCaptureConfig c;
    c.linac = "LA1";
    c.port = (*server)->port();
    c.zone = "Europe/Berlin";
    ASSERT_TRUE(group.Add(c).ok());
    // A live reader never sees the last message's end: 49 of 50.
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (group.Stats()[0].journaled < 49 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    group.Stop();
  }
  (*server)->Stop();
  run.join();
  ASSERT_EQ(Journaled().size(), 49u);
  WriteXzArchive(archive_.Sub("patients/9_X/a.xz"), m, 0, 50);
  auto report = Import();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->duplicates, 49u);
  EXPECT_EQ(report->appended, 1u);  // the one the socket could not finish
  EXPECT_EQ(Journaled().size(), 50u);
}

TEST_F(ArchiveTest, FilesComeOldestFirstAcrossPatientsAndAroundTheRing) {
  const auto m = GenerateIcomMessages(Config(50));
  WriteXzArchive(archive_.Sub("patients/9_B/20260105_070000.xz"), m, 0, 10);
  WriteXzArchive(archive_.Sub("patients/1_A/20260105_080000.xz"), m, 10, 20);
  qcflow::testing::WriteLiveRing(archive_.path(), "10.0.0.1", m, 20, 50,
                                 240);  // 240..255, 000..013
  // The ring's write times follow the messages, whatever the names.
  const auto t0 = std::filesystem::file_time_type::clock::now() - std::chrono::hours(1);
  for (size_t i = 20; i < 50; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "%03zu.txt", (240 + i - 20) % 256);
    std::filesystem::last_write_time(archive_.Sub("live/10.0.0.1/") + name,
                                     t0 + std::chrono::seconds(i));
  }
  ASSERT_TRUE(Import().ok());
  std::vector<std::string> order;
  auto r = journal().Scan(1, 1000, [&](uint64_t, const RecordView& v) {
    order.emplace_back(v.payload);
    return true;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(order, m) << "journal order is the messages' order";
}

TEST(ArchiveFilesTest, FindErrorsAndDisplayNames) {
  EXPECT_TRUE(FindIcomArchives("/nonexistent/qcflow-archive").status().IsNotFound());
  qcflow::testing::TempDir d;
  auto none = FindIcomArchives(d.path());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // Pointed at a patients directory itself: its *.xz are taken.
  qcflow::testing::WriteFile(d.Sub("1_A/x.xz"), qcflow::testing::XzCompress("x"));
  qcflow::testing::WriteFile(d.Sub("1_A/notes.txt"), "x");
  auto direct = FindIcomArchives(d.path());
  ASSERT_TRUE(direct.ok());
  ASSERT_EQ(direct->size(), 1u);
  EXPECT_EQ(ArchiveDisplayName("/a", "/a/patients/123_DOE, JANE/20240501_071233.xz"),
            "patients/<patient>/20240501_071233.xz");
  EXPECT_EQ(ArchiveDisplayName("/a", "/a/patients/unknown_error_in_record/1.xz"),
            "patients/unknown_error_in_record/1.xz");
  EXPECT_EQ(ArchiveDisplayName("/a", "/a/live/10.0.0.1/007.txt"), "live/10.0.0.1/007.txt");
}

TEST(ArchiveFilesTest, XzDecodesInBoundedChunks) {
  qcflow::testing::TempDir d;
  std::string big;
  for (int i = 0; i < 100000; ++i) big += "line " + std::to_string(i) + "\n";
  qcflow::testing::WriteFile(d.Sub("big.xz"), qcflow::testing::XzCompress(big));
  std::string back;
  size_t chunks = 0, largest = 0;
  Status s = DecodeXzFile(d.Sub("big.xz"), [&](std::string_view c) {
    back.append(c);
    ++chunks;
    largest = std::max(largest, c.size());
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back, big);
  EXPECT_GT(chunks, 1u);
  EXPECT_LE(largest, 64u * 1024);
}

}  // namespace
}  // namespace qcflow::icom
