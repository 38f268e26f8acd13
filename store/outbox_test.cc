#include "store/outbox.h"

#include <gtest/gtest.h>

#include "store/derived.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto s = Store::Open(dir_.Sub("s"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void Enqueue(const std::string& id, const std::string& group = "unit1") {
    WriteSet ws;
    ws.PutDerived("session", id, "payload " + id);
    ws.Enqueue("qatrack", id, "session", id, group);
    ASSERT_TRUE(store_->Commit(ws).ok());
  }
  std::vector<std::string> Ids(bool include_dead = false) {
    std::vector<std::string> out;
    const auto items = store_->outbox().List("qatrack", 100, include_dead);  // named: no dangling
    EXPECT_TRUE(items.ok());
    if (items.ok()) {
      for (const auto& item : *items) out.push_back(item.item_id);
    }
    return out;
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(OutboxTest, ItemsListInEnqueueOrderAndSurviveRestart) {
  Enqueue("c");
  Enqueue("a");
  Enqueue("b");
  Reopen();
  EXPECT_EQ(Ids(), (std::vector<std::string>{"c", "a", "b"}));
  Enqueue("d");  // the order counter continues after a restart
  EXPECT_EQ(Ids(), (std::vector<std::string>{"c", "a", "b", "d"}));
  auto items = *store_->outbox().List("qatrack", 1);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].ref_ns, "session");
  EXPECT_EQ(items[0].ref_key, "c");
  EXPECT_EQ(items[0].group, "unit1");
  EXPECT_GT(items[0].enqueued_at, 0);
}

TEST_F(OutboxTest, AnItemIdIsQueuedOnceEvenAfterDelivery) {
  Enqueue("x");
  WriteSet twice;
  twice.Enqueue("qatrack", "y", "session", "y", "g");
  twice.Enqueue("qatrack", "y", "session", "y", "g");
  auto r = store_->Commit(twice);
  EXPECT_EQ(r->enqueued, 1);
  EXPECT_EQ(r->enqueue_duplicates, 1);

  auto items = *store_->outbox().List("qatrack", 10);
  ASSERT_TRUE(store_->outbox().Ack(items[0], 1234).ok());
  EXPECT_TRUE(*store_->outbox().WasDelivered("qatrack", "x"));
  EXPECT_FALSE(*store_->outbox().WasDelivered("qatrack", "y"));
  Enqueue("x");  // re-derived after delivery: must not queue again
  EXPECT_EQ(Ids(), (std::vector<std::string>{"y"}));
  auto c = *store_->outbox().Counters("qatrack", 0);
  EXPECT_EQ(c.delivered, 1u);
  EXPECT_EQ(c.last_success, 1234);
}

TEST_F(OutboxTest, UpdateBackoffAndDeadLetterThenRequeue) {
  Enqueue("a");
  Enqueue("b");
  auto items = *store_->outbox().List("qatrack", 10);
  items[0].attempts = 3;
  items[0].next_try_at = 5000;
  items[0].last_error = "HTTP 503";
  ASSERT_TRUE(store_->outbox().Update(items[0]).ok());
  items[1].state = OutboxState::kDeadLetter;
  items[1].last_error = "unit_test_collection: Invalid hyperlink - Object does not exist.";
  ASSERT_TRUE(store_->outbox().Update(items[1]).ok());
  Reopen();
  EXPECT_EQ(Ids(), (std::vector<std::string>{"a"}));
  EXPECT_EQ(Ids(true), (std::vector<std::string>{"a", "b"}));
  auto c = *store_->outbox().Counters("qatrack", 1000);
  EXPECT_EQ(c.pending, 1u);
  EXPECT_EQ(c.in_backoff, 1u);
  EXPECT_EQ(c.dead_letters, 1u);
  auto a = (*store_->outbox().List("qatrack", 1))[0];
  ASSERT_GT(a.enqueued_at, 0);
  EXPECT_EQ(c.oldest_pending, a.enqueued_at);  // the dead letter does not count as waiting
  EXPECT_EQ(a.attempts, 3u);
  EXPECT_EQ(a.last_error, "HTTP 503");

  EXPECT_EQ(*store_->outbox().RequeueDeadLetters("qatrack", 77), 1u);
  EXPECT_EQ(Ids(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((*store_->outbox().Counters("qatrack", 1000)).dead_letters, 0u);
  EXPECT_EQ((*store_->outbox().Counters("qatrack", 1000)).oldest_pending,
            std::min(a.enqueued_at, (*store_->outbox().List("qatrack", 2))[1].enqueued_at));
}

TEST_F(OutboxTest, UpdateOfAckedItemIsNotFoundAndSinksAreListed) {
  Enqueue("a");
  auto item = (*store_->outbox().List("qatrack", 1))[0];
  ASSERT_TRUE(store_->outbox().Ack(item, 1).ok());
  EXPECT_TRUE(store_->outbox().Update(item).IsNotFound());
  ASSERT_TRUE(store_->outbox().RecordSinkError("qatrack", "token rejected", 9).ok());
  EXPECT_EQ((*store_->outbox().Counters("qatrack", 0)).last_error, "token rejected");
  EXPECT_EQ(*store_->outbox().Sinks(), (std::vector<std::string>{"qatrack"}));
}

TEST_F(OutboxTest, EnqueueIsAtomicWithItsDerivedRecord) {
  WriteSet bad;
  bad.PutDerived("session", "s1", "v");
  bad.Enqueue("qatrack", "", "session", "s1", "g");  // invalid: empty id
  EXPECT_FALSE(store_->Commit(bad).ok());
  EXPECT_FALSE(store_->derived().Get("session", "s1")->has_value()) << "nothing of a failed commit is written";
  Enqueue("s2");
  EXPECT_EQ((*store_->outbox().List("qatrack", 10))[0].order, 1u) << "failed commit must not burn an order number";
}

TEST_F(OutboxTest, RequeueQueuesADeliveredIdAgainButNeverTwice) {
  Enqueue("a");
  Enqueue("b");
  auto items = *store_->outbox().List("qatrack", 10);
  ASSERT_EQ(items.size(), 2u);
  ASSERT_TRUE(store_->outbox().Ack(items[0], 10).ok());  // "a" delivered, "b" pending

  WriteSet ws;
  ws.Requeue("qatrack", "a", "session", "a", "unit1");
  ws.Requeue("qatrack", "a", "session", "a", "unit1");  // twice in one commit
  ws.Requeue("qatrack", "b", "session", "b", "unit1");  // still queued: no-op
  auto r = store_->Commit(ws);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->enqueued, 1);
  EXPECT_EQ(r->enqueue_duplicates, 2);
  EXPECT_EQ(Ids(), (std::vector<std::string>{"b", "a"})) << "re-queued after what is queued";
  EXPECT_FALSE(*store_->outbox().WasDelivered("qatrack", "a"));
  auto again = (*store_->outbox().List("qatrack", 10))[1];
  EXPECT_EQ(again.ref_key, "a");
  EXPECT_EQ(again.attempts, 0u);
  EXPECT_GT(again.order, items[1].order);

  // A plain Enqueue (a transform re-deriving) still does not queue it a third time,
  // and a dead letter counts as queued: RequeueDeadLetters is its way back.
  again.state = OutboxState::kDeadLetter;
  ASSERT_TRUE(store_->outbox().Update(again).ok());
  Enqueue("a");
  WriteSet dead;
  dead.Requeue("qatrack", "a", "session", "a", "unit1");
  EXPECT_EQ(store_->Commit(dead)->enqueue_duplicates, 1);
  EXPECT_EQ(Ids(true), (std::vector<std::string>{"b", "a"}));

  // Delivered again, the id can be re-queued again; the count survives a restart.
  ASSERT_TRUE(store_->outbox().Ack((*store_->outbox().List("qatrack", 10, true))[1], 20).ok());
  Reopen();
  WriteSet third;
  third.Requeue("qatrack", "a", "session", "a", "unit1");
  EXPECT_EQ(store_->Commit(third)->enqueued, 1);
  EXPECT_EQ(Ids(), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ((*store_->outbox().Counters("qatrack", 0)).delivered, 2u);
}

TEST_F(OutboxTest, RequeueOfANeverQueuedIdQueuesIt) {
  WriteSet ws;
  ws.PutDerived("session", "n", "payload n");
  ws.Requeue("qatrack", "n", "session", "n", "unit2");
  EXPECT_EQ(store_->Commit(ws)->enqueued, 1);
  EXPECT_EQ(Ids(), (std::vector<std::string>{"n"}));
  EXPECT_EQ((*store_->outbox().List("qatrack", 1))[0].group, "unit2");
}

TEST_F(OutboxTest, UpdateManyIsOneWriteAndAllOrNothing) {
  for (const char* id : {"a", "b", "c"}) Enqueue(id);
  auto items = *store_->outbox().List("qatrack", 10);
  ASSERT_EQ(items.size(), 3u);
  ASSERT_TRUE(store_->outbox().Ack(items[1], 5).ok());  // "b" is gone from the queue
  for (OutboxItem& item : items) {
    item.attempts = 3;
    item.updated_at = 42;
  }
  const uint64_t writes = store_->outbox().writes();
  EXPECT_TRUE(store_->outbox().UpdateMany(items).IsNotFound());
  EXPECT_EQ(store_->outbox().writes(), writes) << "a failed batch writes nothing";
  Reopen();
  const auto queued = store_->outbox().List("qatrack", 10);  // named: a temporary would dangle
  ASSERT_TRUE(queued.ok());
  for (const OutboxItem& item : *queued) {
    EXPECT_EQ(item.attempts, 0u) << item.item_id << ": nothing of the failed batch is written";
  }
  items.erase(items.begin() + 1);
  const uint64_t before = store_->outbox().writes();
  ASSERT_TRUE(store_->outbox().UpdateMany(items).ok());
  EXPECT_EQ(store_->outbox().writes(), before + 1) << "one write for the whole batch";
  ASSERT_TRUE(store_->outbox().UpdateMany({}).ok());
  EXPECT_EQ(store_->outbox().writes(), before + 1) << "an empty batch writes nothing";
  Reopen();
  auto after = *store_->outbox().List("qatrack", 10);
  ASSERT_EQ(after.size(), 2u);
  for (const OutboxItem& item : after) {
    EXPECT_EQ(item.attempts, 3u);
    EXPECT_EQ(item.updated_at, 42);
  }
}

TEST_F(OutboxTest, AckManyCountsEachAckOnceAndIsAllOrNothing) {
  for (const char* id : {"a", "b", "c", "d"}) Enqueue(id);
  auto items = *store_->outbox().List("qatrack", 10);
  ASSERT_EQ(items.size(), 4u);
  const uint64_t writes = store_->outbox().writes();
  ASSERT_TRUE(store_->outbox().AckMany({{items[0], 100}, {items[2], 300}}).ok());
  EXPECT_EQ(store_->outbox().writes(), writes + 1);
  Reopen();
  EXPECT_EQ(Ids(), (std::vector<std::string>{"b", "d"}));
  auto c = *store_->outbox().Counters("qatrack", 0);
  EXPECT_EQ(c.delivered, 2u);
  EXPECT_EQ(c.last_success, 300);
  EXPECT_TRUE(*store_->outbox().WasDelivered("qatrack", "a"));
  EXPECT_TRUE(*store_->outbox().WasDelivered("qatrack", "c"));
  EXPECT_FALSE(*store_->outbox().WasDelivered("qatrack", "b"));
  Enqueue("a");  // delivered ids are remembered: not queued again
  EXPECT_EQ(Ids(), (std::vector<std::string>{"b", "d"}));

  // "a" is no longer queued: the whole batch fails and nothing is counted or removed.
  EXPECT_TRUE(store_->outbox().AckMany({{items[1], 400}, {items[0], 400}}).IsNotFound());
  EXPECT_EQ(Ids(), (std::vector<std::string>{"b", "d"}));
  EXPECT_FALSE(*store_->outbox().WasDelivered("qatrack", "b"));
  c = *store_->outbox().Counters("qatrack", 0);
  EXPECT_EQ(c.delivered, 2u);
  EXPECT_EQ(c.last_success, 300);
}

TEST_F(OutboxTest, SettleWritesUpdatesAcksAndErrorsTogether) {
  for (const char* id : {"a", "b", "c"}) Enqueue(id);
  auto items = *store_->outbox().List("qatrack", 10);
  items[1].state = OutboxState::kDeadLetter;
  items[1].last_error = "bad data";
  items[2].attempts = 2;
  items[2].next_try_at = 9000;
  const uint64_t writes = store_->outbox().writes();
  ASSERT_TRUE(store_->outbox()
                  .Settle({items[1], items[2]}, {{items[0], 50}},
                          {{"qatrack", "HTTP 502", 60}, {"qatrack", "HTTP 503", 70}})
                  .ok());
  EXPECT_EQ(store_->outbox().writes(), writes + 1);
  ASSERT_TRUE(store_->outbox().Settle({}, {}, {}).ok());
  EXPECT_EQ(store_->outbox().writes(), writes + 1);
  Reopen();
  EXPECT_EQ(Ids(), (std::vector<std::string>{"c"}));
  EXPECT_EQ(Ids(true), (std::vector<std::string>{"b", "c"}));
  auto c = *store_->outbox().Counters("qatrack", 1000);
  EXPECT_EQ(c.delivered, 1u);
  EXPECT_EQ(c.last_success, 50);
  EXPECT_EQ(c.dead_letters, 1u);
  EXPECT_EQ(c.in_backoff, 1u);
  EXPECT_EQ(c.last_error, "HTTP 503");  // the last error of the round wins
  EXPECT_EQ(c.last_error_at, 70);
  EXPECT_EQ((*store_->outbox().List("qatrack", 10))[0].attempts, 2u);
}

}  // namespace
}  // namespace qcflow
