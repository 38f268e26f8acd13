// PostgresSink against a real PostgreSQL 15: sessions with their values, two
// sites in one database, replays and a crash before the ack that write nothing
// twice, an amended session, and a server that goes away and comes back.
#include "export/postgres/postgres_sink.h"

#include <chrono>
#include <thread>

#include "export/postgres/postgres_test_fixture.h"
#include "process/icom/delivery_session.h"
#include "process/icom/delivery_session_testing.h"
#include "process/icom/icom_transform.h"
#include "store/derived.h"
#include "store/write_set.h"

namespace qcflow::postgres {
namespace {

using qcflow::testing::kCouchSessionNs;
using qcflow::testing::NumberedCouchSession;
using qcflow::testing::NumberedUserKey;

constexpr char kPrefix[] = "QCPump/MPC/1234";

TEST_F(PostgresSinkTest, MirrorsSessionsAndTheirValuesAsRows) {
  auto store = OpenStore("a");
  auto sink = Sink(store.get(), Config("site-a"));
  ASSERT_TRUE(store && sink);
  Queue(*store, 0, 5);
  PgDeliveryReport r = DeliverAll(*sink);
  EXPECT_EQ(r.inserted, 5u);
  EXPECT_EQ(Pending(*store), 0u);
  EXPECT_EQ(Count("sessions"), 5);
  EXPECT_EQ(Count("session_values"), 20);
  EXPECT_EQ(Count("session_revisions"), 5);
  const std::string key = NumberedUserKey(kPrefix, 3);
  EXPECT_EQ(Sql("SELECT machine_serial || '|' || test_list || '|' || source_kind || '|' || revision FROM "
                "qcflow.sessions WHERE user_key = '" + key + "'"),
            "1234|MPC: Enhanced Couch Checks|mpc|1");
  // Exact instants: 2020-06-25 11:00Z + 3 minutes, completed 30 s later.
  EXPECT_EQ(Sql("SELECT to_char(work_started AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || ' ' || "
                "extract(epoch FROM work_completed - work_started) FROM qcflow.sessions WHERE user_key = '" +
                key + "'"),
            "2020-06-25 11:03:00.000000 30.000000");
  EXPECT_EQ(Sql("SELECT number || '|' || skipped || '|' || role FROM qcflow.session_values WHERE user_key = '" +
                key + "' AND key = 'couchgroup_couchrtn_deg_6x'"),
            "0.05|false|measured");
  EXPECT_EQ(Count("session_values", "text_value IS NOT NULL"), 0);
  EXPECT_EQ(Count("sessions", "base_user_key = user_key"), 5);

  // A late result of session 3, stored by the transform under "<key>/2".
  QcSession late = NumberedCouchSession(kPrefix, 3);
  late.user_key += "/2";
  late.amendment = true;
  auto queued = qcflow::testing::CommitSession(*store, kSink, late);
  ASSERT_TRUE(queued.ok() && *queued);
  EXPECT_EQ(DeliverAll(*sink).inserted, 1u);
  EXPECT_EQ(Count("sessions", "base_user_key = '" + key + "'"), 2);
}

// Every column of a value row as written, for values that are easy to bend on
// the way: doubles needing all 17 digits, extremes, text with quotes, a
// backslash and non-ASCII, nulls, a file name (one statement per session).
TEST_F(PostgresSinkTest, ValueRowsHoldEveryFieldExactly) {
  auto store = OpenStore("a");
  auto sink = Sink(store.get(), Config("site-a"));
  ASSERT_TRUE(store && sink);
  QcSession s = NumberedCouchSession(kPrefix, 0);
  s.tests.clear();
  s.tests.push_back({.key = "a_sum", .number = 0.1 + 0.2, .name = "Sum", .unit = "mm",
                     .reference = 1e-300, .tolerance = -1.7976931348623157e308, .evaluation = "Pass"});
  s.tests.push_back({.key = "b_text", .text = "it's \"6 MV\" \\ 10° Ü", .comment = "line 1\nline 2",
                     .name = "Note", .role = TestRole::kContext});
  s.tests.push_back({.key = "c_skipped", .skipped = true, .name = "Skipped"});
  s.tests.push_back({.key = "d_file", .name = "Log", .file = FileValue{"run 1.csv", "text", "a,b\n"}});
  auto queued = qcflow::testing::CommitSession(*store, kSink, s);
  ASSERT_TRUE(queued.ok() && *queued) << queued.status().ToString();
  ASSERT_EQ(DeliverAll(*sink).inserted, 1u);
  const std::string row =
      "SELECT concat_ws('|', key, name, coalesce(number::text, 'null'), coalesce(text_value, 'null'), skipped, "
      "unit, role, coalesce(reference::text, 'null'), coalesce(tolerance::text, 'null'), evaluation, comment, "
      "coalesce(file_name, 'null')) FROM qcflow.session_values WHERE key = ";
  EXPECT_EQ(Sql(row + "'a_sum'"), "a_sum|Sum|0.30000000000000004|null|f|mm|measured|1e-300|"
                                  "-1.7976931348623157e+308|Pass||null");
  EXPECT_EQ(Sql(row + "'b_text'"), "b_text|Note|null|it's \"6 MV\" \\ 10° Ü|f||context|null|null||"
                                   "line 1\nline 2|null");
  EXPECT_EQ(Sql(row + "'c_skipped'"), "c_skipped|Skipped|null|null|t||measured|null|null|||null");
  EXPECT_EQ(Sql(row + "'d_file'"), "d_file|Log|null|null|f||measured|null|null|||run 1.csv");
  EXPECT_EQ(Count("session_values"), 4);
}

// The foreign-key check of each value row looks its session up by key, not by
// reading every session of the site (a plan made before `sessions` had
// statistics did, and a backfill went quadratic): counted by the server's own
// statistics of rows read through the site-leading sessions_base index.
TEST_F(PostgresSinkTest, ValueRowsDoNotReadEverySessionOfTheSite) {
  constexpr int kSessions = 800;  // 8 batches of 100, 4 values each
  auto store = OpenStore("a");
  auto sink = Sink(store.get(), Config("site-a"));
  ASSERT_TRUE(store && sink);
  Queue(*store, 0, kSessions);
  EXPECT_EQ(DeliverAll(*sink).inserted, size_t(kSessions));
  sink.reset();  // the backend exits and reports its statistics
  std::string inserted;
  for (int i = 0; i < 100 && inserted != std::to_string(kSessions); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    inserted = Sql("SELECT n_tup_ins FROM pg_stat_user_tables WHERE schemaname = 'qcflow' AND relname = 'sessions'");
  }
  ASSERT_EQ(inserted, std::to_string(kSessions));
  const long read = std::stol(Sql("SELECT idx_tup_read FROM pg_stat_user_indexes WHERE schemaname = 'qcflow' "
                                  "AND indexrelname = 'sessions_base'"));
  // Quadratic: about 4 x 800^2 / 2 = 1.28M. Bounded: at most what the first batch can read.
  EXPECT_LT(read, 4L * 100 * 100) << "value rows scanned the site's sessions";
}

TEST_F(PostgresSinkTest, TwoSitesWithTheSameSerialsKeepTheirRowsApart) {
  auto a = OpenStore("a");
  auto b = OpenStore("b");
  auto sink_a = Sink(a.get(), Config("site-a"));
  auto sink_b = Sink(b.get(), Config("site-b"));
  ASSERT_TRUE(a && b && sink_a && sink_b);
  Queue(*a, 0, 6);
  Queue(*b, 0, 4);  // the same user_keys and serial as site a's first four
  EXPECT_EQ(DeliverAll(*sink_a).inserted, 6u);
  EXPECT_EQ(DeliverAll(*sink_b).inserted, 4u);
  EXPECT_EQ(Count("sites"), 2);
  EXPECT_EQ(Count("sessions"), 10);
  EXPECT_EQ(Count("sessions", "site = 'site-a'"), 6);
  EXPECT_EQ(Count("sessions", "site = 'site-b'"), 4);
  EXPECT_EQ(Count("session_values", "site = 'site-b'"), 16);
  EXPECT_EQ(Count("sessions", "machine_serial = '1234'"), 10);
}

TEST_F(PostgresSinkTest, AReplayLeavesEveryCountAsItWas) {
  auto store = OpenStore("a");
  auto sink = Sink(store.get(), Config("site-a"));
  ASSERT_TRUE(store && sink);
  Queue(*store, 0, 7);
  EXPECT_EQ(DeliverAll(*sink).inserted, 7u);
  // `qcflow replay`: the delivered ids queued again.
  WriteSet ws;
  for (int i = 0; i < 7; ++i) {
    const std::string key = NumberedUserKey(kPrefix, i);
    ws.Requeue(kSink, key, kCouchSessionNs, key, "unit-1234");
  }
  ASSERT_TRUE(store->Commit(ws).ok());
  EXPECT_EQ(Pending(*store), 7u);
  PgDeliveryReport again = DeliverAll(*sink);
  EXPECT_EQ(again.unchanged, 7u);
  EXPECT_EQ(again.inserted + again.updated, 0u);
  EXPECT_EQ(Pending(*store), 0u);
  EXPECT_EQ(Count("sessions"), 7);
  EXPECT_EQ(Count("session_values"), 28);
  EXPECT_EQ(Count("session_revisions"), 7);
  EXPECT_EQ(Count("sessions", "revision <> 1"), 0);
}

TEST_F(PostgresSinkTest, ACrashBetweenCommitAndAckDoesNotDuplicate) {
  auto store = OpenStore("a");
  PostgresSinkConfig config = Config("site-a");
  bool crash = true;
  config.crash_before_ack = [&] { return crash; };
  auto sink = Sink(store.get(), config);
  ASSERT_TRUE(store && sink);
  Queue(*store, 0, 3);
  auto r = sink->DeliverOnce(kNow);
  ASSERT_FALSE(r.ok()) << "the simulated crash";
  EXPECT_EQ(Count("sessions"), 3) << "committed";
  EXPECT_EQ(Pending(*store), 3u) << "not acked";
  crash = false;
  PgDeliveryReport after = DeliverAll(*sink);
  EXPECT_EQ(after.unchanged, 3u);
  EXPECT_EQ(Pending(*store), 0u);
  EXPECT_EQ(Count("sessions"), 3);
  EXPECT_EQ(Count("session_values"), 12);
}

// The same user key with new content (a mapping changed, then a replay).
TEST_F(PostgresSinkTest, ChangedContentUnderOneKeyUpdatesItsRowsAndKeepsTheOldRevision) {
  auto store = OpenStore("a");
  auto sink = Sink(store.get(), Config("site-a"));
  ASSERT_TRUE(store && sink);
  Queue(*store, 0, 1);
  EXPECT_EQ(DeliverAll(*sink).inserted, 1u);
  QcSession s = NumberedCouchSession(kPrefix, 0);
  s.tests[0].number = 0.75;
  s.tests.pop_back();
  s.amendment = true;
  WriteSet ws;
  ws.ReplaceDerived(kCouchSessionNs, s.user_key, EncodeQcSession(s));
  ws.Requeue(kSink, s.user_key, kCouchSessionNs, s.user_key, "unit-1234");
  ASSERT_TRUE(store->Commit(ws).ok());
  EXPECT_EQ(DeliverAll(*sink).updated, 1u);
  EXPECT_EQ(Sql("SELECT revision || '|' || amendment FROM qcflow.sessions"), "2|true");
  EXPECT_EQ(Count("session_values"), 3);
  EXPECT_EQ(Sql("SELECT number FROM qcflow.session_values WHERE key = 'couchgroup_couchlat_mm_6x'"), "0.75");
  EXPECT_EQ(Count("session_revisions"), 2);
  EXPECT_EQ(Sql("SELECT string_agg(revision::text, ',' ORDER BY revision) FROM qcflow.session_revisions"), "1,2");
}

TEST_F(PostgresSinkTest, WhatCanNeverBeWrittenIsADeadLetterAndTheRestGoesOn) {
  auto store = OpenStore("a");
  auto sink = Sink(store.get(), Config("site-a"));
  ASSERT_TRUE(store && sink);
  WriteSet ws;
  ws.Enqueue(kSink, "gone", kCouchSessionNs, "gone", "unit-1234");  // no derived record
  QcSession bad = NumberedCouchSession(kPrefix, 99);
  bad.tests[0].text = std::string("a\0b", 3);
  bad.tests[0].number.reset();
  ws.PutDerived(kCouchSessionNs, bad.user_key, EncodeQcSession(bad));
  ws.Enqueue(kSink, bad.user_key, kCouchSessionNs, bad.user_key, "unit-1234");
  ASSERT_TRUE(store->Commit(ws).ok());
  Queue(*store, 0, 2);
  PgDeliveryReport r = DeliverAll(*sink);
  EXPECT_EQ(r.dead_lettered, 2u);
  EXPECT_EQ(r.inserted, 2u);
  auto c = store->outbox().Counters(kSink, kNow);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->dead_letters, 2u);
  EXPECT_EQ(c->pending, 0u);
  auto dead = store->outbox().List(kSink, 10, /*include_dead=*/true);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 2u);
  EXPECT_NE((*dead)[0].last_error.find("is missing"), std::string::npos) << (*dead)[0].last_error;
  EXPECT_NE((*dead)[1].last_error.find("NUL"), std::string::npos) << (*dead)[1].last_error;
  EXPECT_EQ(Count("sessions"), 2);
}

TEST_F(PostgresSinkTest, AStoppedServerKeepsItemsPendingUntilItIsBack) {
  auto store = OpenStore("a");
  auto sink = Sink(store.get(), Config("site-a"));
  ASSERT_TRUE(store && sink);
  Queue(*store, 0, 4);
  EXPECT_EQ(DeliverAll(*sink).inserted, 4u);

  ASSERT_TRUE(pg_->Stop().ok());
  Queue(*store, 4, 10);
  for (int round = 0; round < 3; ++round) {  // the open connection breaks, then connects are refused
    auto r = sink->DeliverOnce(kNow);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_FALSE(r->failure.ok()) << "round " << round;
    EXPECT_EQ(r->failure.code(), Status::Code::kUnavailable) << r->failure.ToString();
    EXPECT_EQ(r->inserted, 0u);
    EXPECT_EQ(Pending(*store), 6u) << "nothing lost";
  }
  auto c = store->outbox().Counters(kSink, kNow);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(c->last_error.find("PostgreSQL"), std::string::npos) << c->last_error;

  ASSERT_TRUE(pg_->Restart().ok()) << pg_->Diagnostics();
  PgDeliveryReport back = DeliverAll(*sink);
  EXPECT_EQ(back.inserted, 6u);
  EXPECT_EQ(Pending(*store), 0u);
  EXPECT_EQ(Count("sessions"), 10);
  EXPECT_EQ(Count("session_values"), 40);
}

TEST_F(PostgresSinkTest, AConnectionKilledMidTransactionWritesNothingAndLosesNothing) {
  auto store = OpenStore("a");
  PostgresSinkConfig config = Config("site-a");
  bool kill = true;
  config.before_commit = [&] {
    if (!kill) return;
    EXPECT_EQ(Sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                  "WHERE application_name = 'qcflow sink central'"),
              "1");
  };
  auto sink = Sink(store.get(), config);
  ASSERT_TRUE(store && sink);
  Queue(*store, 0, 5);
  auto r = sink->DeliverOnce(kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_FALSE(r->failure.ok()) << "COMMIT on a terminated connection";
  EXPECT_EQ(r->failure.code(), Status::Code::kUnavailable);
  EXPECT_FALSE(sink->connected());
  EXPECT_EQ(Count("sessions"), 0) << "nothing half-written";
  EXPECT_EQ(Count("session_values"), 0);
  EXPECT_EQ(Pending(*store), 5u) << "nothing lost";
  kill = false;
  EXPECT_EQ(DeliverAll(*sink).inserted, 5u);
  EXPECT_EQ(Count("sessions"), 5);
  EXPECT_EQ(Count("session_values"), 20);
  EXPECT_EQ(Pending(*store), 0u);
}

TEST_F(PostgresSinkTest, TwoProcessesOfOneSiteWritingTheSameSessionsKeepOneRowEach) {
  // Two stores holding the same sessions (a site's qcflow and its standby, say).
  auto a = OpenStore("a");
  auto b = OpenStore("b");
  PostgresSinkConfig config = Config("site-a");
  config.batch_limit = 3;
  auto sink_a = Sink(a.get(), config);
  auto sink_b = Sink(b.get(), config);
  ASSERT_TRUE(a && b && sink_a && sink_b);
  Queue(*a, 0, 30);
  Queue(*b, 0, 30);
  PgDeliveryReport ra, rb;
  std::thread ta([&] { ra = DeliverAll(*sink_a); });
  std::thread tb([&] { rb = DeliverAll(*sink_b); });
  ta.join();
  tb.join();
  EXPECT_EQ(ra.inserted + rb.inserted, 30u);
  EXPECT_EQ(ra.unchanged + rb.unchanged, 30u);
  EXPECT_EQ(Pending(*a) + Pending(*b), 0u);
  EXPECT_EQ(Count("sessions"), 30);
  EXPECT_EQ(Count("session_values"), 120);
  EXPECT_EQ(Count("session_revisions"), 30);
}

TEST_F(PostgresSinkTest, AReadOnlyDatabaseKeepsItemsPendingUntilItIsWritable) {
  auto store = OpenStore("a");
  auto sink = Sink(store.get(), Config("site-a"));
  ASSERT_TRUE(store && sink);
  Queue(*store, 0, 2);
  EXPECT_EQ(DeliverAll(*sink).inserted, 2u);
  sink->Disconnect();
  // As a hot standby or a database set read-only by its DBA answers.
  ASSERT_TRUE(pg_->Psql("postgres", "ALTER DATABASE mirror SET default_transaction_read_only = on").ok());
  Queue(*store, 2, 5);
  auto r = sink->DeliverOnce(kNow);
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->failure.ok());
  EXPECT_NE(r->failure.message().find("read-only"), std::string::npos) << r->failure.message();
  EXPECT_EQ(Pending(*store), 3u);
  EXPECT_EQ(Count("sessions"), 2) << "psql reads fine";
  ASSERT_TRUE(pg_->Psql("postgres", "ALTER DATABASE mirror SET default_transaction_read_only = off").ok());
  EXPECT_EQ(DeliverAll(*sink).inserted, 3u);
  EXPECT_EQ(Count("sessions"), 5);
}

TEST_F(PostgresSinkTest, AServerRestartBetweenRoundsCostsNoFailedRound) {
  auto store = OpenStore("a");
  auto sink = Sink(store.get(), Config("site-a"));
  ASSERT_TRUE(store && sink);
  Queue(*store, 0, 2);
  EXPECT_EQ(DeliverAll(*sink).inserted, 2u);
  ASSERT_TRUE(sink->connected());
  ASSERT_TRUE(pg_->Stop().ok());
  ASSERT_TRUE(pg_->Restart().ok());  // the kept connection is dead now
  Queue(*store, 2, 4);
  auto r = sink->DeliverOnce(kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->failure.ok()) << r->failure.ToString();
  EXPECT_EQ(r->inserted, 2u);
  EXPECT_EQ(Pending(*store), 0u);
  EXPECT_EQ(Count("sessions"), 4);
}

TEST_F(PostgresSinkTest, AWrongPasswordIsRefusedAndNeverShown) {
  auto store = OpenStore("a");
  PostgresSinkConfig config = Config("site-a");
  config.password = "not-the-password-x9";
  auto sink = Sink(store.get(), config);
  ASSERT_TRUE(store && sink);
  Queue(*store, 0, 1);
  auto r = sink->DeliverOnce(kNow);
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->failure.ok());
  EXPECT_NE(r->failure.message().find("password authentication failed"), std::string::npos)
      << r->failure.message();
  EXPECT_EQ(r->failure.message().find("not-the-password-x9"), std::string::npos) << r->failure.message();
  EXPECT_EQ(Pending(*store), 1u);
}

TEST_F(PostgresSinkTest, AnIcomDeliveryIsMirroredAsASessionWithoutThePatient) {
  auto store = OpenStore("a");
  auto sink = Sink(store.get(), Config("site-a"));
  ASSERT_TRUE(store && sink);
  const icom::Delivery d = qcflow::testing::SampleClosedDelivery();
  const QcSession s = icom::DeliverySession(d, "Europe/Berlin");
  WriteSet ws;
  ws.ReplaceDerived(icom::kDeliverySessionNs, s.user_key, EncodeQcSession(s));
  ws.Enqueue(kSink, s.user_key, icom::kDeliverySessionNs, s.user_key, SessionGroup(s));
  ASSERT_TRUE(store->Commit(ws).ok());
  PgDeliveryReport r = DeliverAll(*sink);
  EXPECT_EQ(r.inserted, 1u);
  EXPECT_EQ(r.dead_lettered, 0u);
  EXPECT_EQ(Sql("SELECT source_kind || '|' || machine_name || '|' || test_list FROM qcflow.sessions"),
            "icom|LA1|iCom delivery");
  EXPECT_EQ(Sql("SELECT number FROM qcflow.session_values WHERE key = 'mu'"), "101.5");
  EXPECT_EQ(Count("session_revisions", "session::text LIKE '%" + d.patient_id + "%'"), 0);
  EXPECT_EQ(Count("session_revisions"), 1);
  // Schema version 3: the delivery as a deliveries row, patient_id NULL.
  EXPECT_EQ(r.deliveries, 1u);
  EXPECT_EQ(Sql("SELECT source_kind || '|' || linac || '|' || field || '|' || energy || '|' || mu || '|' || "
                "prescribed_mu || '|' || gantry_min || '|' || gantry_max || '|' || interlocks FROM qcflow.deliveries"),
            "icom|LA1|" + d.field_id + "|6 MV|101.5|101.6|178|182.5|DOSE1");
  EXPECT_EQ(Count("deliveries", "patient_id IS NULL"), 1);
  EXPECT_EQ(Count("deliveries", "deliveries::text LIKE '%" + d.patient_id + "%' OR deliveries::text LIKE '%DOE%'"), 0);
  // A replay writes no row again.
  WriteSet again;
  again.Requeue(kSink, s.user_key, icom::kDeliverySessionNs, s.user_key, SessionGroup(s));
  ASSERT_TRUE(store->Commit(again).ok());
  PgDeliveryReport replay = DeliverAll(*sink);
  EXPECT_EQ(replay.unchanged, 1u);
  EXPECT_EQ(replay.deliveries, 0u);
  EXPECT_EQ(Count("deliveries"), 1);
}

}  // namespace
}  // namespace qcflow::postgres
