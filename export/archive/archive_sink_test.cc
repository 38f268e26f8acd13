#include "export/archive/archive_sink.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "export/archive/line_format_testing.h"
#include "process/common/stored_sessions_testing.h"
#include "store/durable_file.h"
#include "store/outbox.h"
#include "store/write_set.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::archive {
namespace {

using testing::LineFormat;
using testing::LineSession;

constexpr char kSink[] = "archive";
constexpr char kNs[] = "mpc.session";
constexpr MicrosUtc kDay = 24LL * 3600 * kMicrosPerSecond;
const MicrosUtc kT0 = 1'700'000'000LL * kMicrosPerSecond;  // 2023-11-14 22:13:20 UTC

class ArchiveSinkTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = qcflow::testing::OpenTestStore(dir_.Sub("store")); }

  void Enqueue(const QcSession& s, bool store_session = true) {
    WriteSet ws;
    if (store_session) ws.PutDerived(kNs, s.user_key, EncodeQcSession(s));
    ws.Enqueue(kSink, s.user_key, kNs, s.user_key, SessionGroup(s));
    auto r = store_->Commit(ws);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  ArchiveSinkConfig Config() {
    ArchiveSinkConfig c;
    c.name = kSink;
    c.dir = dir_.Sub("out");
    c.format = LineFormat();
    return c;
  }

  ArchiveReport Deliver(ArchiveSink& sink, MicrosUtc now) {
    auto r = sink.DeliverOnce(now);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ArchiveReport{};
  }

  std::string Doc(const std::string& rel) {
    auto t = ReadFileIfExists(dir_.Sub("out/" + rel));
    return t.ok() && t->has_value() ? **t : "<none>";
  }

  SinkCounters Counters(MicrosUtc now) {
    auto c = store_->outbox().Counters(kSink, now);
    EXPECT_TRUE(c.ok());
    return c.ok() ? *c : SinkCounters{};
  }

  qcflow::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(ArchiveSinkTest, EachSessionGoesIntoTheDocumentOfItsMachineAndDay) {
  Enqueue(LineSession("a1", "A", kT0));
  Enqueue(LineSession("b1", "B", kT0));
  Enqueue(LineSession("a2", "A", kT0 + 60 * kMicrosPerSecond));
  Enqueue(LineSession("a3", "A", kT0 + kDay));
  auto sink = ArchiveSink::Create(store_.get(), Config());
  ASSERT_TRUE(sink.ok());
  ArchiveReport r = Deliver(**sink, kT0);
  EXPECT_EQ(r.attempted, 4u);
  EXPECT_EQ(r.written, 4u);
  EXPECT_EQ(r.documents, 3u);
  EXPECT_EQ(Doc("A/2023-11-14.txt"), "a1\na2\n");
  EXPECT_EQ(Doc("B/2023-11-14.txt"), "b1\n");
  EXPECT_EQ(Doc("A/2023-11-15.txt"), "a3\n");
  EXPECT_EQ(Counters(kT0).pending, 0u);
  EXPECT_EQ(Counters(kT0).delivered, 4u);
  EXPECT_EQ(Deliver(**sink, kT0).attempted, 0u);
}

TEST_F(ArchiveSinkTest, ARoundCutOffBeforeItsAckIsNotWrittenTwice) {
  Enqueue(LineSession("a1", "A", kT0));
  Enqueue(LineSession("a2", "A", kT0));
  ArchiveSinkConfig c = Config();
  c.crash_before_settle = [] { return true; };
  auto crashing = ArchiveSink::Create(store_.get(), c);
  ASSERT_FALSE((*crashing)->DeliverOnce(kT0).ok());
  EXPECT_EQ(Doc("A/2023-11-14.txt"), "a1\na2\n");
  EXPECT_EQ(Counters(kT0).pending, 2u);

  auto sink = ArchiveSink::Create(store_.get(), Config());
  ArchiveReport r = Deliver(**sink, kT0);
  EXPECT_EQ(r.already_held, 2u);
  EXPECT_EQ(r.written, 0u);
  EXPECT_EQ(Doc("A/2023-11-14.txt"), "a1\na2\n");
  EXPECT_EQ(Counters(kT0).pending, 0u);
  EXPECT_EQ(Counters(kT0).delivered, 2u);
}

TEST_F(ArchiveSinkTest, AnInvalidDocumentDefersItsItemsAndOtherDocumentsGoOn) {
  qcflow::testing::WriteFile(dir_.Sub("out/A/2023-11-14.txt"), "!not ours\n");
  Enqueue(LineSession("a1", "A", kT0));
  Enqueue(LineSession("b1", "B", kT0));
  auto sink = ArchiveSink::Create(store_.get(), Config());
  ArchiveReport r = Deliver(**sink, kT0);
  EXPECT_EQ(r.written, 1u);
  EXPECT_EQ(r.deferred, 1u);
  EXPECT_NE(r.first_error.find("move it aside"), std::string::npos) << r.first_error;
  EXPECT_EQ(Doc("A/2023-11-14.txt"), "!not ours\n");
  EXPECT_EQ(Doc("B/2023-11-14.txt"), "b1\n");
  SinkCounters c = Counters(kT0);
  EXPECT_EQ(c.pending, 1u);
  EXPECT_EQ(c.in_backoff, 1u);
  EXPECT_NE(c.last_error.find("is not a valid Lines document"), std::string::npos);

  // Not due yet; once the document is moved aside, the item is written.
  EXPECT_EQ(Deliver(**sink, kT0 + kMicrosPerSecond).attempted, 0u);
  std::filesystem::rename(dir_.Sub("out/A/2023-11-14.txt"), dir_.Sub("aside.txt"));
  r = Deliver(**sink, kT0 + 11 * kMicrosPerMinute);
  EXPECT_EQ(r.written, 1u);
  EXPECT_EQ(Doc("A/2023-11-14.txt"), "a1\n");
  EXPECT_EQ(Counters(kT0).pending, 0u);
}

TEST_F(ArchiveSinkTest, MissingAndRefusedSessionsBecomeDeadLetters) {
  Enqueue(LineSession("gone", "A", kT0), /*store_session=*/false);
  Enqueue(LineSession("refuse-1", "A", kT0));
  Enqueue(LineSession("ok", "A", kT0));
  auto sink = ArchiveSink::Create(store_.get(), Config());
  ArchiveReport r = Deliver(**sink, kT0);
  EXPECT_EQ(r.dead_lettered, 2u);
  EXPECT_EQ(r.written, 1u);
  EXPECT_EQ(Doc("A/2023-11-14.txt"), "ok\n");
  auto items = store_->outbox().List(kSink, 10, /*include_dead=*/true);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 2u);
  EXPECT_NE((*items)[0].last_error.find("is missing"), std::string::npos);
  EXPECT_EQ((*items)[1].last_error, "refused refuse-1");
}

TEST_F(ArchiveSinkTest, TheConfigIsChecked) {
  ArchiveSinkConfig c = Config();
  c.dir = "";
  EXPECT_FALSE(ArchiveSink::Create(store_.get(), c).ok());
  c = Config();
  c.format.open = nullptr;
  EXPECT_FALSE(ArchiveSink::Create(store_.get(), c).ok());
}

}  // namespace
}  // namespace qcflow::archive
