// A write that fails in the field (disk full, EIO) is an error value, the
// store stays consistent and becomes writable again by itself once the disk
// is. Two ways in: an injected errno (StoreOptions::fail_write, inside
// RocksDB's file writes) and a real tmpfs run out of space.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <thread>

#include "store/derived.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/small_disk.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

using namespace std::chrono_literals;

Record Numbered(int i, size_t payload_bytes = 100) {
  Record r;
  r.kind = Kind::kMpc;
  r.source_id = "tds";
  r.event_time = i;
  r.dedup_key = "run-" + std::to_string(i);
  r.payload.resize(payload_bytes);
  for (size_t k = 0; k < payload_bytes; ++k) r.payload[k] = char('a' + (i * 7 + k * 13) % 26);
  return r;
}

// Retries `append` (as a daemon would) until it works or `limit` passes.
bool EventuallyAppends(Journal& j, const Record& r, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (j.Append(r).ok()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

std::vector<std::string> DedupKeys(Journal& j) {
  std::vector<std::string> keys;
  auto r = j.Scan(1, 1 << 20, [&](uint64_t, const RecordView& v) {
    keys.emplace_back(v.dedup_key);
    return true;
  });
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return keys;
}

class InjectedFault : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open() {
    StoreOptions o;
    o.fail_write = [this](const std::string&) { return errno_.load(); };
    auto s = Store::Open(dir_.Sub("s"), o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  // Appends run-1, then fails appending run-2 with `err`; returns that failure.
  Status FailSecondAppend(Store& store, int err) {
    EXPECT_TRUE(store.journal().Append(Numbered(1)).ok());
    errno_ = err;
    auto failed = store.journal().Append(Numbered(2));
    EXPECT_FALSE(failed.ok());
    return failed.status();
  }
  testing::TempDir dir_;
  std::atomic<int> errno_{0};
};

TEST_F(InjectedFault, NoSpaceIsAnErrorValueAndTheStoreResumesWhenSpaceReturns) {
  auto store = Open();
  ASSERT_TRUE(store);
  const Status failed = FailSecondAppend(*store, ENOSPC);
  EXPECT_NE(failed.message().find("store disk full at " + dir_.Sub("s")), std::string::npos)
      << failed.ToString();
  StoreHealth h = store->Health();
  EXPECT_FALSE(h.writable);
  EXPECT_TRUE(h.disk_full);
  // Every write while full fails the same way (before: an abort inside RocksDB).
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(store->journal().Append(Numbered(3)).ok());
  WriteSet ws;
  ws.PutDerived("ns", "k", "v");
  EXPECT_FALSE(store->Commit(ws).ok());
  EXPECT_TRUE(store->Sync().ok()) << "every acknowledged write was synced already";
  EXPECT_EQ(store->journal().last_seq(), 1u);
  // Reads go on.
  EXPECT_EQ(DedupKeys(store->journal()), std::vector<std::string>{"run-1"});

  errno_ = 0;  // space returns
  ASSERT_TRUE(EventuallyAppends(store->journal(), Numbered(2)));
  EXPECT_TRUE(store->Health().writable);
  EXPECT_TRUE(store->Commit(ws).ok());
  EXPECT_EQ(DedupKeys(store->journal()), (std::vector<std::string>{"run-1", "run-2"}));
  store.reset();
  auto again = Open();  // consistent after a restart too: no gap, no repeat
  ASSERT_TRUE(again);
  EXPECT_EQ(DedupKeys(again->journal()), (std::vector<std::string>{"run-1", "run-2"}));
  EXPECT_EQ(**again->derived().Get("ns", "k"), "v");
}

TEST_F(InjectedFault, EioIsAnErrorValueAndClosingAFailedStoreDoesNotAbort) {
  auto store = Open();
  ASSERT_TRUE(store);
  const Status failed = FailSecondAppend(*store, EIO);
  EXPECT_NE(failed.message().find("store write failed at"), std::string::npos)
      << failed.ToString();
  EXPECT_FALSE(store->Health().disk_full);
  store.reset();  // closing must not sync through the failed WAL writer (abort)
  errno_ = 0;
  auto again = Open();
  ASSERT_TRUE(again);
  EXPECT_EQ(DedupKeys(again->journal()), std::vector<std::string>{"run-1"});
  EXPECT_TRUE(again->journal().Append(Numbered(2)).ok());
}

TEST(SmallDiskFault, AFullTmpfsIsAnErrorValueAndTheStoreResumesWhenSpaceReturns) {
  testing::TempDir dir;
  testing::SmallDisk disk(dir.Sub("disk"), 8u << 20);
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  ASSERT_TRUE(disk.Reserve(3u << 20));
  const std::string path = disk.dir() + "/store";
  auto opened = Store::Open(path);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<Store> store = std::move(*opened);
  int acknowledged = 0;
  Status failure;
  for (int i = 1; i <= 1000 && failure.ok(); ++i) {
    auto r = store->journal().Append(Numbered(i, 64 << 10));
    if (r.ok()) {
      ++acknowledged;
    } else {
      failure = r.status();
    }
  }
  ASSERT_FALSE(failure.ok()) << "the disk never filled";
  EXPECT_NE(failure.message().find("store disk full at " + path), std::string::npos)
      << failure.ToString();
  EXPECT_TRUE(store->Health().disk_full);
  EXPECT_EQ(store->journal().last_seq(), uint64_t(acknowledged));

  disk.Release();
  ASSERT_TRUE(EventuallyAppends(store->journal(), Numbered(acknowledged + 1, 64 << 10)))
      << store->Health().error;
  ++acknowledged;
  store.reset();
  auto again = Store::Open(path);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  std::vector<std::string> keys = DedupKeys((*again)->journal());
  ASSERT_EQ(keys.size(), size_t(acknowledged));
  for (int i = 1; i <= acknowledged; ++i) EXPECT_EQ(keys[i - 1], "run-" + std::to_string(i));
}

}  // namespace
}  // namespace qcflow
