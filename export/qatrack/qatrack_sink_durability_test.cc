// QatrackSink durability: restarts with a non-empty outbox, constant store writes per
// round, crashes between POST and acknowledgement, throttle and comments.
#include "export/qatrack/qatrack_sink_test_fixture.h"

namespace qcflow::qatrack {
namespace {

// Its own suite name: the fixture lives in an anonymous namespace per file.
class QatrackSinkDurabilityTest : public QatrackSinkTest {};

TEST_F(QatrackSinkDurabilityTest, RestartContinuesTheOutboxExactlyOnce) {
  for (int m : {1, 2, 3, 4}) Enqueue(Couch(m));
  // First life: one stored, then an ambiguous POST (stored, no answer) blocks the unit.
  Fault(R"({"method":"POST","action":"timeout_after_store","seconds":5,"skip":1})");
  {
    QatrackSinkConfig c = Config();
    c.request_timeout = std::chrono::milliseconds(1000);
    auto sink = Sink(c);
    DeliveryReport r = Deliver(*sink, now_);
    EXPECT_EQ(r.delivered, 1u);
    EXPECT_EQ(Stored()["count"], 2);
    EXPECT_EQ(Counters().pending, 3u);
  }
  // Second life: a new Store and sink on the same directory; the server also fails once.
  store_.reset();
  OpenStore();
  ASSERT_TRUE(server_->ClearFaults().ok());
  Fault(R"({"method":"POST","action":"status","code":503,"skip":1})");
  auto sink = Sink();
  for (int round = 0; round < 5 && Counters().pending > 0; ++round) {
    Deliver(*sink, now_ + (round + 2) * kLater);
  }
  EXPECT_EQ(Counters().pending, 0u);
  json stored = Stored();
  ASSERT_EQ(stored["count"], 4);
  std::set<std::string> keys;
  for (const json& s : stored["results"]) keys.insert(s["user_key"].get<std::string>());
  EXPECT_EQ(keys.size(), 4u);  // each session exactly once
  // 2 in the first life; then none for the ambiguous one (pre-check acks it), one for
  // item 3, two for item 4 (503, then again): no duplicate POST was ever sent.
  EXPECT_EQ(Posts(), 5);
  EXPECT_EQ(Counters().delivered, 4u);
}

TEST_F(QatrackSinkDurabilityTest, StoreWritesPerRoundAreConstant) {
  // One write-ahead for the round and one write of its outcomes, however many items.
  auto sink = Sink();
  for (int n : {1, 6}) {
    for (int i = 0; i < n; ++i) Enqueue(Couch(n == 1 ? 10 : 20 + i));
    const uint64_t before = store_->outbox().writes();
    DeliveryReport r = Deliver(*sink, now_);
    EXPECT_EQ(r.delivered, size_t(n));
    EXPECT_EQ(store_->outbox().writes() - before, 2u) << n << " items";
  }
  EXPECT_EQ(Stored()["count"], 7);
  EXPECT_EQ(Counters().delivered, 7u);
  // Mixed outcomes (ack, backoff with a sink error, an unreached item of the same
  // group, another group acked) are still two writes.
  Enqueue(Couch(1), "unit-a");
  Enqueue(Couch(2), "unit-a");
  Enqueue(Couch(3), "unit-b");
  Fault(R"({"method":"POST","action":"status","code":500})");  // hits Couch(1)
  const uint64_t before = store_->outbox().writes();
  DeliveryReport r = Deliver(*sink, now_);
  EXPECT_EQ(r.delivered, 1u);
  EXPECT_EQ(r.deferred, 2u);
  EXPECT_EQ(store_->outbox().writes() - before, 2u);
  std::vector<OutboxItem> items = Items();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].attempts, 1u);  // posted, backing off
  EXPECT_GT(items[0].next_try_at, now_);
  EXPECT_EQ(items[1].attempts, 0u);  // never posted: its write-ahead attempt is undone
  EXPECT_FALSE(Counters().last_error.empty());
  // Nothing due: no write at all.
  const uint64_t idle = store_->outbox().writes();
  Deliver(*sink, now_);
  EXPECT_EQ(store_->outbox().writes(), idle);
}

TEST_F(QatrackSinkDurabilityTest, CrashBeforeTheRoundsAcksIsPreCheckedNotReposted) {
  Enqueue(Couch(1), "unit-a");
  Enqueue(Couch(2), "unit-a");
  Enqueue(Couch(3), "unit-b");
  {
    QatrackSinkConfig c = Config();
    c.crash_before_settle = [] { return true; };  // dies after the POSTs, before the acks
    auto sink = Sink(c);
    auto r = sink->DeliverOnce(now_);
    EXPECT_FALSE(r.ok());
  }
  EXPECT_EQ(Stored()["count"], 3);  // the server has all three
  EXPECT_EQ(Posts(), 3);
  store_.reset();  // restart on the same directory
  OpenStore();
  std::vector<OutboxItem> items = Items();
  ASSERT_EQ(items.size(), 3u);
  for (const OutboxItem& item : items) {
    EXPECT_EQ(item.state, OutboxState::kPending);
    EXPECT_EQ(item.attempts, 1u) << item.item_id << ": the round's write-ahead is durable";
  }
  auto sink = Sink();
  DeliveryReport r = Deliver(*sink, now_ + kMicrosPerSecond);
  EXPECT_EQ(r.delivered, 3u);
  EXPECT_EQ(r.already_stored, 3u);
  EXPECT_EQ(Posts(), 3);  // no second POST
  EXPECT_EQ(Requests("GET", "/api/qa/testlistinstances/"), 3);  // one pre-check each
  EXPECT_EQ(Stored()["count"], 3);
  EXPECT_EQ(Counters().pending, 0u);
  EXPECT_EQ(Counters().delivered, 3u);
  // The server's order is the outbox order within each group.
  json stored = Stored();
  EXPECT_EQ(stored["results"][0]["user_key"], Couch(1).user_key);
  EXPECT_EQ(stored["results"][1]["user_key"], Couch(2).user_key);
}

TEST_F(QatrackSinkDurabilityTest, WriteAheadOfAnUnreachedItemIsHarmless) {
  // A crash while a round is stopped early leaves its unreached items with attempts 1
  // (never posted): the next round pre-checks them, finds nothing, and posts once.
  Enqueue(Couch(1));
  Enqueue(Couch(2));
  Fault(R"({"method":"POST","action":"status","code":500})");  // hits Couch(1)
  {
    QatrackSinkConfig c = Config();
    c.crash_before_settle = [] { return true; };
    auto sink = Sink(c);
    EXPECT_FALSE(sink->DeliverOnce(now_).ok());
  }
  EXPECT_EQ(Posts(), 1);
  EXPECT_EQ(Stored()["count"], 0);
  std::vector<OutboxItem> items = Items();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].attempts, 1u);
  EXPECT_EQ(items[1].attempts, 1u);  // marked, never posted
  ASSERT_TRUE(server_->ClearFaults().ok());
  auto sink = Sink();
  DeliveryReport r = Deliver(*sink, now_ + kMicrosPerSecond);
  EXPECT_EQ(r.delivered, 2u);
  EXPECT_EQ(r.already_stored, 0u);
  EXPECT_EQ(Requests("GET", "/api/qa/testlistinstances/"), 2);  // both pre-checked
  EXPECT_EQ(Posts(), 3);
  json stored = Stored();
  ASSERT_EQ(stored["count"], 2);
  EXPECT_EQ(stored["results"][0]["user_key"], Couch(1).user_key);
  EXPECT_EQ(stored["results"][1]["user_key"], Couch(2).user_key);
}

TEST_F(QatrackSinkDurabilityTest, ThrottleIntervalSpacesPosts) {
  Enqueue(Couch(1));
  Enqueue(Couch(2));
  std::vector<std::chrono::microseconds> sleeps;
  QatrackSinkConfig c = Config();
  c.throttle_interval = std::chrono::seconds(30);
  c.sleep = [&](std::chrono::microseconds d) { sleeps.push_back(d); };
  auto sink = Sink(c);
  EXPECT_EQ(Deliver(*sink, now_).delivered, 2u);
  ASSERT_EQ(sleeps.size(), 1u);  // before the second POST only
  EXPECT_GT(sleeps[0].count(), 0);
  EXPECT_LE(sleeps[0], std::chrono::seconds(30));
}

TEST_F(QatrackSinkDurabilityTest, CommentsOnlyWhenConfigured) {
  QcSession s = Couch(1);
  s.comment = "from qcflow";
  Enqueue(s);
  QcSession t = Couch(2);
  t.comment = "from qcflow";
  Enqueue(t);
  auto plain = Sink();
  QatrackSinkConfig c = Config();
  c.include_comments = true;
  c.batch_limit = 1;
  auto commenting = Sink(c);
  ASSERT_EQ(Deliver(*commenting, now_).delivered, 1u);
  ASSERT_EQ(Deliver(*plain, now_).delivered, 1u);
  json stored = Stored();
  ASSERT_EQ(stored["count"], 2);
  EXPECT_EQ(stored["results"][0]["comment"], "from qcflow");
  EXPECT_EQ(stored["results"][1]["comment"], "");
}

}  // namespace
}  // namespace qcflow::qatrack
