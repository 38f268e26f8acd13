// Crash safety of the store, transform/outbox scenario: a process deriving
// records, indexing them, queueing outbox items and moving its cursor in one
// Commit per step (and acking or failing queued items) is killed with SIGKILL
// at random moments; after each kill the store must hold all of a step or none
// of it. The harness (tests/testing/crash_harness.h) and main() are shared with
// store_crash_test.cc, which has the overview.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "store/derived.h"
#include "store/outbox.h"
#include "store/store.h"
#include "store/write_set.h"
#include "tests/testing/crash_harness.h"
#include "tests/testing/crash_records.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

using namespace testing::crash;  // NOLINT: the crash test's own helpers

#define CHECK_OR_STOP(cond, msg)                               \
  do {                                                         \
    if (!(cond)) {                                             \
      ADD_FAILURE() << "round " << round << ": " << msg;       \
      if (++failures >= 10) return;                            \
    }                                                          \
  } while (0)

// After a kill, with c = the transform's cursor:
//  - the cursor is at least the last acknowledged one;
//  - derived records exist for exactly the seqs 1..c-1, with their exact bytes,
//    and the derived index points at each of them;
//  - every derived record has its outbox item, either queued (pending or dead
//    letter) or delivered — never both, never neither; no item is queued twice;
//  - items acknowledged as delivered are remembered as delivered;
//  - the sink counters agree with the queue; a new item gets a higher order
//    than every queued one.
void VerifyOutbox(const std::string& dir, uint64_t acked_cursor,
                  const std::set<uint64_t>& acked_delivered, int round) {
  int failures = 0;
  auto opened = Store::Open(dir);
  ASSERT_TRUE(opened.ok()) << "round " << round << ": reopen: " << opened.status().ToString();
  std::unique_ptr<Store> store = std::move(*opened);
  auto cursor = store->GetCursor(kConsumer);
  ASSERT_TRUE(cursor.ok()) << cursor.status().ToString();
  const uint64_t c = std::max<uint64_t>(*cursor, 1);
  ASSERT_GE(c, acked_cursor) << "round " << round << ": an acknowledged cursor move was lost";

  uint64_t derived_count = 0;
  std::string error;
  Status s = store->derived().Scan(kNs, "", [&](std::string_view key, std::string_view value) {
    auto seq = SeqFromDerivedKey(key);
    if (!seq || *seq == 0 || *seq >= c) {
      error = "derived record " + std::string(key) + " is beyond cursor " + std::to_string(c);
      return false;
    }
    if (value != DerivedValue(*seq)) {
      error = "derived record " + std::string(key) + " is torn";
      return false;
    }
    ++derived_count;
    return true;
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(error, "") << "round " << round;
  ASSERT_EQ(derived_count, c - 1) << "round " << round << ": derived records missing below cursor";

  uint64_t indexed = 0;
  s = store->derived().ScanIndex(kIndex, "", "", [&](std::string_view k, std::string_view ns,
                                                     std::string_view key) {
    uint64_t seq = 0;
    for (char ch : k) seq = (seq << 8) | uint8_t(ch);
    if (ns != kNs || key != DerivedKey(seq) || seq >= c) {
      error = "index entry for seq " + std::to_string(seq) + " is wrong";
      return false;
    }
    ++indexed;
    return true;
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(error, "") << "round " << round;
  EXPECT_EQ(indexed, c - 1) << "round " << round;

  auto items = store->outbox().List(kSink, SIZE_MAX, /*include_dead=*/true);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  std::set<uint64_t> queued;
  uint64_t max_order = 0;
  uint64_t dead = 0, pending = 0;
  for (const OutboxItem& item : *items) {
    auto seq = SeqFromDerivedKey(item.ref_key);
    CHECK_OR_STOP(seq && item.item_id == ItemId(*seq) && item.ref_ns == kNs,
                  "queued item " << item.item_id << " refers to " << item.ref_key);
    if (!seq) continue;
    CHECK_OR_STOP(*seq < c, "queued item for seq " << *seq << " is beyond cursor " << c);
    CHECK_OR_STOP(queued.insert(*seq).second, "item for seq " << *seq << " queued twice");
    CHECK_OR_STOP(item.order > max_order, "outbox order not increasing");
    max_order = std::max(max_order, item.order);
    (item.state == OutboxState::kDeadLetter ? dead : pending)++;
  }
  uint64_t delivered = 0;
  for (uint64_t seq = 1; seq < c; ++seq) {
    auto d = store->outbox().WasDelivered(kSink, ItemId(seq));
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    if (*d) ++delivered;
    CHECK_OR_STOP(*d != (queued.count(seq) == 1),
                  "item for seq " << seq << (*d ? " is both delivered and queued"
                                                : " is neither queued nor delivered"));
  }
  for (uint64_t seq : acked_delivered) {
    auto d = store->outbox().WasDelivered(kSink, ItemId(seq));
    CHECK_OR_STOP(d.ok() && *d, "acknowledged delivery of seq " << seq << " was lost");
  }
  auto counters = store->outbox().Counters(kSink, 0);
  ASSERT_TRUE(counters.ok()) << counters.status().ToString();
  EXPECT_EQ(counters->pending, pending) << "round " << round;
  EXPECT_EQ(counters->dead_letters, dead) << "round " << round;
  EXPECT_EQ(counters->delivered, delivered) << "round " << round;

  // The persisted order counter moved with the items: a fresh item sorts last.
  WriteSet probe;
  probe.Enqueue("crash.probe", "probe-" + std::to_string(round), kNs, "none", "");
  auto committed = store->Commit(probe);
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  auto probes = store->outbox().List("crash.probe", SIZE_MAX);
  ASSERT_TRUE(probes.ok() && !probes->empty());
  EXPECT_GT(probes->back().order, max_order) << "round " << round;
}

TEST(StoreCrashTest, KilledTransformKeepsDerivedCursorAndOutboxTogether) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("store");
  std::mt19937_64 rng(77);
  uint64_t acked_cursor = 0;
  std::set<uint64_t> acked_delivered;
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    RoundPlan plan = PlanRound("outbox", dir, round, rng);
    RoundOutcome out = RunAndKill(plan);
    ASSERT_TRUE(out.killed) << out.failure;
    for (const Msg& m : out.msgs) {
      if (m.type == kCursor) acked_cursor = std::max(acked_cursor, m.seq);
      if (m.type == kDelivered) acked_delivered.insert(m.id);
    }
    VerifyOutbox(dir, acked_cursor, acked_delivered, round);
    if (HasFatalFailure() || HasFailure()) return;
  }
  EXPECT_GT(acked_cursor, 1u) << "the transform never committed";
}

}  // namespace
}  // namespace qcflow
