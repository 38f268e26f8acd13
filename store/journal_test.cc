#include "store/journal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <set>
#include <thread>

#include "store/raw_db_for_test.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

Record Make(Kind kind, std::string source, MicrosUtc t, std::string key, std::string payload = "") {
  Record r;
  r.kind = kind;
  r.source_id = std::move(source);
  r.event_time = t;
  r.event_time_text = std::to_string(t);
  r.capture_time = t + 5;
  r.dedup_key = std::move(key);
  r.payload = payload.empty() ? "payload-" + r.dedup_key : std::move(payload);
  return r;
}

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto s = Store::Open(dir_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  Journal& journal() { return store_->journal(); }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(JournalTest, AppendAssignsConsecutiveSeqsAndGetReturnsRecord) {
  auto a = journal().Append(Make(Kind::kMpc, "tds", 100, "a"));
  auto b = journal().Append(Make(Kind::kMpc, "tds", 200, "b"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->seq, 1u);
  EXPECT_EQ(b->seq, 2u);
  EXPECT_FALSE(a->duplicate);
  auto got = journal().Get(2);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->dedup_key, "b");
  EXPECT_EQ(got->payload, "payload-b");
  EXPECT_EQ(got->capture_time, 205);
  EXPECT_TRUE(journal().Get(3).status().IsNotFound());
}

TEST_F(JournalTest, GetManyReturnsEachRecordInTheOrderAsked) {
  std::vector<Record> batch;
  for (int i = 1; i <= 300; ++i) {
    batch.push_back(Make(Kind::kMpc, "tds", i, "k" + std::to_string(i), std::string(3000, char('a' + i % 26))));
  }
  ASSERT_TRUE(journal().AppendBatch(batch).ok());
  store_.reset();
  {  // into SST blocks: read from there, not only from the memtable
    testing::RawDb raw(dir_.Sub("store"));
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(raw.db()->Flush(rocksdb::FlushOptions(), raw.journal()).ok());
  }
  Reopen();
  ASSERT_TRUE(journal().Append(Make(Kind::kMpc, "tds", 301, "k301")).ok());  // memtable
  const std::vector<uint64_t> seqs = {301, 7, 999, 7, 1, 150, 300, 0};
  auto got = journal().GetMany(seqs);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), seqs.size());
  for (size_t i = 0; i < seqs.size(); ++i) {
    SCOPED_TRACE(seqs[i]);
    auto one = journal().Get(seqs[i]);
    if (!one.ok()) {
      EXPECT_TRUE(one.status().IsNotFound());
      EXPECT_FALSE((*got)[i].has_value());
      continue;
    }
    ASSERT_TRUE((*got)[i].has_value());
    EXPECT_EQ((*got)[i]->dedup_key, one->dedup_key);
    EXPECT_EQ((*got)[i]->payload, one->payload);
    EXPECT_EQ((*got)[i]->event_time, one->event_time);
  }
  EXPECT_EQ((*got)[0]->dedup_key, "k301");
  EXPECT_EQ((*got)[1]->dedup_key, "k7");
  EXPECT_FALSE((*got)[2].has_value());
  EXPECT_TRUE(journal().GetMany({})->empty());
}

TEST_F(JournalTest, DuplicateKeyReportsExistingSeqAndWritesNothing) {
  ASSERT_TRUE(journal().Append(Make(Kind::kMpc, "tds", 100, "k")).ok());
  auto dup = journal().Append(Make(Kind::kMpc, "tds", 999, "k", "different bytes"));
  ASSERT_TRUE(dup.ok());
  EXPECT_TRUE(dup->duplicate);
  EXPECT_EQ(dup->seq, 1u);
  EXPECT_EQ(journal().last_seq(), 1u);
  EXPECT_EQ(journal().Get(1)->payload, "payload-k");
  // The same key under another kind is a different identity.
  auto other = journal().Append(Make(Kind::kDqa3, "db", 100, "k"));
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->duplicate);
}

TEST_F(JournalTest, EmptyDedupKeyIsNeverADuplicate) {
  EXPECT_FALSE(journal().Append(Make(Kind::kEvent, "x", 1, ""))->duplicate);
  EXPECT_FALSE(journal().Append(Make(Kind::kEvent, "x", 1, ""))->duplicate);
  EXPECT_EQ(journal().last_seq(), 2u);
}

TEST_F(JournalTest, BatchDedupsAgainstStoreAndWithinBatch) {
  ASSERT_TRUE(journal().Append(Make(Kind::kIcom, "linac1", 1, "old")).ok());
  std::vector<Record> batch = {Make(Kind::kIcom, "linac1", 2, "n1"), Make(Kind::kIcom, "linac1", 3, "old"),
                               Make(Kind::kIcom, "linac1", 4, "n2"), Make(Kind::kIcom, "linac1", 5, "n1")};
  auto r = journal().AppendBatch(batch);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].seq, 2u);
  EXPECT_FALSE((*r)[0].duplicate);
  EXPECT_TRUE((*r)[1].duplicate);
  EXPECT_EQ((*r)[1].seq, 1u);
  EXPECT_EQ((*r)[2].seq, 3u);
  EXPECT_TRUE((*r)[3].duplicate);
  EXPECT_EQ((*r)[3].seq, 2u);
  EXPECT_EQ(journal().last_seq(), 3u);
}

TEST_F(JournalTest, ScanVisitsInOrderAndReturnsContinuation) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(journal().Append(Make(Kind::kMpc, "t", i, "k" + std::to_string(i))).ok());
  std::vector<uint64_t> seen;
  auto next = journal().Scan(4, 3, [&](uint64_t seq, const RecordView& v) {
    seen.push_back(seq);
    EXPECT_EQ(v.dedup_key, "k" + std::to_string(seq - 1));
    return true;
  });
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{4, 5, 6}));
  EXPECT_EQ(*next, 7u);
  auto end = journal().Scan(11, 100, [](uint64_t, const RecordView&) { return true; });
  EXPECT_EQ(*end, 11u);
}

// Seqs of kinds a, b, a, event, b, a, ... so the kinds interleave.
std::vector<uint64_t> AppendMixed(Journal& j, int n) {
  std::vector<uint64_t> seqs;
  const Kind kinds[] = {Kind::kMpc, Kind::kIcom, Kind::kMpc, Kind::kEvent, Kind::kIcom};
  for (int i = 0; i < n; ++i) {
    auto r = j.Append(Make(kinds[i % 5], "s", i, "k" + std::to_string(i)));
    EXPECT_TRUE(r.ok());
    seqs.push_back(r.ok() ? r->seq : 0);
  }
  return seqs;
}

// What a plain Scan with a kind filter visits: the reference for ScanKinds.
std::vector<uint64_t> FilteredScan(Journal& j, uint64_t from, const std::vector<Kind>& kinds) {
  std::vector<uint64_t> out;
  EXPECT_TRUE(j.Scan(from, SIZE_MAX, [&](uint64_t seq, const RecordView& r) {
                 if (std::find(kinds.begin(), kinds.end(), r.kind) != kinds.end()) out.push_back(seq);
                 return true;
               }).ok());
  return out;
}

TEST_F(JournalTest, ScanKindsVisitsOnlyItsKindsInSeqOrderAndLimitCountsThem) {
  AppendMixed(journal(), 23);
  for (const std::vector<Kind>& kinds :
       {std::vector<Kind>{Kind::kMpc}, {Kind::kIcom, Kind::kEvent}, {Kind::kEvent, Kind::kMpc, Kind::kIcom}}) {
    const std::vector<uint64_t> want = FilteredScan(journal(), 1, kinds);
    ASSERT_FALSE(want.empty());
    std::vector<uint64_t> got;
    uint64_t next = 1;
    for (int step = 0; step < 100 && got.size() < want.size(); ++step) {  // 3 at a time
      size_t in_step = 0;
      auto r = journal().ScanKinds(next, 3, kinds, [&](uint64_t seq, const RecordView& rec) {
        EXPECT_NE(std::find(kinds.begin(), kinds.end(), rec.kind), kinds.end());
        EXPECT_EQ(rec.payload, "payload-k" + std::to_string(seq - 1));
        got.push_back(seq);
        ++in_step;
        return true;
      });
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_LE(in_step, 3u);
      if (in_step == 3) EXPECT_EQ(*r, got.back() + 1) << "after the last visited record";
      next = *r;
    }
    EXPECT_EQ(got, want);
    // Exhausted: continue after the journal's last record, even when that is another kind's.
    auto end = journal().ScanKinds(next, 3, kinds, [](uint64_t, const RecordView&) { return true; });
    ASSERT_TRUE(end.ok());
    EXPECT_EQ(*end, journal().last_seq() + 1);
  }
  auto none = journal().ScanKinds(1, 10, {Kind::kDqa3}, [](uint64_t, const RecordView&) {
    ADD_FAILURE() << "no DQA3 record was appended";
    return true;
  });
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, journal().last_seq() + 1);
}

TEST_F(JournalTest, ScanKindsStopsWhereTheVisitorSaysAndFromBeyondTheEndIsKept) {
  AppendMixed(journal(), 10);
  uint64_t first = 0;
  auto r = journal().ScanKinds(2, 100, {Kind::kIcom}, [&](uint64_t seq, const RecordView&) {
    first = seq;
    return false;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(first, 2u);
  EXPECT_EQ(*r, 3u);
  auto beyond = journal().ScanKinds(50, 100, {Kind::kIcom}, [](uint64_t, const RecordView&) { return true; });
  ASSERT_TRUE(beyond.ok());
  EXPECT_EQ(*beyond, 50u);
}

TEST_F(JournalTest, QueryUsesKindSourceAndHalfOpenTimeRange) {
  ASSERT_TRUE(journal().Append(Make(Kind::kIcom, "linac1", 300, "a")).ok());
  ASSERT_TRUE(journal().Append(Make(Kind::kIcom, "linac2", 150, "b")).ok());
  ASSERT_TRUE(journal().Append(Make(Kind::kIcom, "linac1", 100, "c")).ok());
  ASSERT_TRUE(journal().Append(Make(Kind::kMpc, "linac1", 120, "d")).ok());
  ASSERT_TRUE(journal().Append(Make(Kind::kIcom, "linac1", -50, "e")).ok());
  auto keys = [&](IndexQuery q) {
    std::vector<std::string> out;
    EXPECT_TRUE(journal().Query(q, [&](uint64_t, const RecordView& v) {
      out.emplace_back(v.dedup_key);
      return true;
    }).ok());
    return out;
  };
  IndexQuery q;
  q.kind = Kind::kIcom;
  q.source_id = "linac1";
  EXPECT_EQ(keys(q), (std::vector<std::string>{"e", "c", "a"}));
  q.from = 100;
  q.until = 300;
  EXPECT_EQ(keys(q), (std::vector<std::string>{"c"}));
  IndexQuery all;
  all.kind = Kind::kIcom;
  EXPECT_EQ(keys(all), (std::vector<std::string>{"e", "c", "b", "a"}));
  all.limit = 2;
  EXPECT_EQ(keys(all), (std::vector<std::string>{"e", "c"}));
}

TEST_F(JournalTest, StateSurvivesReopen) {
  Record q = Make(Kind::kMpc, "tds", 5, "bad");
  q.flags = kFlagQuarantined;
  ASSERT_TRUE(journal().Append(Make(Kind::kMpc, "tds", 1, "a")).ok());
  ASSERT_TRUE(journal().Append(q).ok());
  Reopen();
  EXPECT_EQ(journal().last_seq(), 2u);
  EXPECT_TRUE(journal().Append(Make(Kind::kMpc, "tds", 1, "a"))->duplicate);
  EXPECT_EQ(journal().Append(Make(Kind::kMpc, "tds", 9, "z"))->seq, 3u);
  auto counts = journal().Counts();
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].records, 3u);
  EXPECT_EQ(counts[0].quarantined, 1u);
}

TEST_F(JournalTest, ConcurrentAppendersRacingOnOneKeyExactlyOneWins) {
  constexpr int kThreads = 8;
  constexpr int kKeys = 200;
  std::atomic<int> wins{0};
  std::vector<std::set<uint64_t>> seen_seq(kKeys);
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kKeys; ++k) {
        auto r = t % 2 ? journal().Append(Make(Kind::kIcom, "l", k, "key" + std::to_string(k)))
                       : journal().AppendBatch({Make(Kind::kIcom, "l", k, "key" + std::to_string(k))})
                             .value()
                             .front();
        ASSERT_TRUE(r.ok());
        if (!r->duplicate) ++wins;
        std::lock_guard<std::mutex> lock(mu);
        seen_seq[k].insert(r->seq);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wins.load(), kKeys);
  EXPECT_EQ(journal().last_seq(), uint64_t(kKeys));
  for (int k = 0; k < kKeys; ++k) EXPECT_EQ(seen_seq[k].size(), 1u) << "key " << k;
}

TEST_F(JournalTest, WaitForAppendWakesTailer) {
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(journal().Append(Make(Kind::kMpc, "t", 1, "x")).ok());
  });
  EXPECT_TRUE(journal().WaitForAppend(0, std::chrono::seconds(5)));
  writer.join();
  EXPECT_FALSE(journal().WaitForAppend(1, std::chrono::milliseconds(10)));
}

TEST_F(JournalTest, RejectsOversizedSourceId) {
  auto r = journal().Append(Make(Kind::kMpc, std::string(70000, 's'), 1, "k"));
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace qcflow
