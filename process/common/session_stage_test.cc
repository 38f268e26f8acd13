#include "process/common/session_stage.h"

#include <gtest/gtest.h>

#include "process/common/session_index.h"
#include "process/common/stored_sessions_testing.h"
#include "store/derived.h"
#include "store/store.h"
#include "store/write_set.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

QcSession Session(const std::string& key, double dose) {
  QcSession s;
  s.source_kind = "test";
  s.source_id = "db1";
  s.unit_name = "TB1";
  s.test_list_name = "Daily";
  s.work_started = 1'700'000'000'000'000;
  s.work_completed = s.work_started + kMicrosPerMinute;
  s.user_key = key;
  s.tests.push_back(TestResult{"dose", dose, std::nullopt, false, ""});
  return s;
}

class SessionStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  // Stages and commits `s` in its own step; returns the key it went to.
  StagedSession StageAndCommit(QcSession s) {
    WriteSet ws;
    std::set<std::string> keys;
    const std::string encoded = EncodeQcSession(s);
    auto staged = StageSession(store_->derived(), target_, "machine-7", &s, encoded, &keys, &ws);
    EXPECT_TRUE(staged.ok()) << staged.status().ToString();
    EXPECT_TRUE(store_->Commit(ws).ok());
    return staged.ok() ? *staged : StagedSession{};
  }

  qcflow::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  SessionTarget target_{"t.session", "t.session.by-owner", {"qatrack", "archive"}};
};

TEST_F(SessionStageTest, StoresIndexesQueuesAndNeverOverwrites) {
  StagedSession first = StageAndCommit(Session("K", 1.5));
  EXPECT_EQ(first.user_key, "K");
  EXPECT_FALSE(first.renamed);
  // The same session again (a replayed step): same key, nothing new.
  StagedSession same = StageAndCommit(Session("K", 1.5));
  EXPECT_EQ(same.user_key, "K");
  EXPECT_FALSE(same.renamed);
  // Another session claiming the key goes to K/2; the stored one stays.
  StagedSession other = StageAndCommit(Session("K", 2.5));
  EXPECT_EQ(other.user_key, "K/2");
  EXPECT_TRUE(other.renamed);

  auto sessions = qcflow::testing::StoredSessions(store_.get(), "t.session");
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_EQ(sessions["K"].tests[0].number, 1.5);
  EXPECT_EQ(sessions["K/2"].tests[0].number, 2.5);
  EXPECT_EQ(sessions["K/2"].user_key, "K/2");
  for (const char* sink : {"qatrack", "archive"}) {
    EXPECT_EQ(qcflow::testing::OutboxItemIds(store_.get(), sink),
              (std::vector<std::string>{"K", "K/2"}));
  }
  std::vector<std::string> indexed;
  ASSERT_TRUE(store_->derived()
                  .ScanIndex("t.session.by-owner", std::string("machine-7") + '\0', "",
                             [&](std::string_view, std::string_view ns, std::string_view key) {
                               EXPECT_EQ(ns, "t.session");
                               indexed.emplace_back(key);
                               return true;
                             })
                  .ok());
  EXPECT_EQ(indexed, (std::vector<std::string>{"K", "K/2"}));
}

TEST_F(SessionStageTest, KeyUsedEarlierInTheSameStepIsTaken) {
  WriteSet ws;
  std::set<std::string> keys = {"K"};
  QcSession s = Session("K", 1);
  auto staged = StageSession(store_->derived(), target_, "m", &s, EncodeQcSession(s), &keys, &ws);
  ASSERT_TRUE(staged.ok());
  EXPECT_EQ(staged->user_key, "K/2");
  EXPECT_EQ(s.user_key, "K/2");
}

// Replay finds sessions of any kind through the common index, by source and time.
TEST_F(SessionStageTest, EverySessionIsInTheCommonIndexBySource) {
  StageAndCommit(Session("K", 1.5));
  QcSession later = Session("L", 2);
  later.work_started += kMicrosPerMinute * 60;
  later.work_completed = later.work_started + kMicrosPerMinute;
  StageAndCommit(later);
  QcSession elsewhere = Session("M", 3);
  elsewhere.source_id = "db2";
  StageAndCommit(elsewhere);

  auto keys = [&](const std::string& source, MicrosUtc from) {
    std::vector<std::string> out;
    EXPECT_TRUE(ForEachStoredSession(store_->derived(), source, from, [&](const StoredSession& s) {
                  EXPECT_EQ(s.ns, "t.session");
                  EXPECT_EQ(s.session.user_key, s.key);
                  out.push_back(s.key);
                  return true;
                }).ok());
    return out;
  };
  EXPECT_EQ(keys("db1", 0), (std::vector<std::string>{"K", "L"}));
  EXPECT_EQ(keys("db1", later.work_started), (std::vector<std::string>{"L"}));
  EXPECT_EQ(keys("db2", 0), (std::vector<std::string>{"M"}));
  EXPECT_TRUE(keys("db", 0).empty()) << "a source id is matched whole, not as a prefix";
}

// Sessions stored before the index existed (an older store) are still found.
TEST_F(SessionStageTest, UnindexedSessionsOfOlderStoresAreFound) {
  QcSession old = Session("QCPump/MPC/1234/x", 1);
  WriteSet ws;
  ws.PutDerived("mpc.session", old.user_key, EncodeQcSession(old));
  ASSERT_TRUE(store_->Commit(ws).ok());
  StageAndCommit(Session("K", 1.5));
  std::vector<std::string> found;
  ASSERT_TRUE(ForEachStoredSession(store_->derived(), "db1", 0, [&](const StoredSession& s) {
                found.push_back(s.ns + "/" + s.key);
                return true;
              }).ok());
  EXPECT_EQ(found, (std::vector<std::string>{"t.session/K", "mpc.session/QCPump/MPC/1234/x"}));
}

// A re-derived session that differs only in what the config resolves (here a
// changed test list and unit) is the stored one: same key, nothing queued again.
TEST_F(SessionStageTest, ChangedResolutionKeepsTheKey) {
  StageAndCommit(Session("K", 1.5));
  QcSession renamed = Session("K", 1.5);
  renamed.test_list_name = "Daily (new template)";
  renamed.unit_name = "TB2";
  StagedSession again = StageAndCommit(renamed);
  EXPECT_EQ(again.user_key, "K");
  EXPECT_FALSE(again.renamed);
  auto sessions = qcflow::testing::StoredSessions(store_.get(), "t.session");
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions["K"].test_list_name, "Daily") << "the stored record is never overwritten";
  EXPECT_EQ(qcflow::testing::OutboxItemIds(store_.get(), "qatrack"), std::vector<std::string>{"K"});
}

}  // namespace
}  // namespace qcflow
