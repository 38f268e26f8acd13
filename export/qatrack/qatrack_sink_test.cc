// QatrackSink against the QATrack+ test double (tests/qatrack_server/): every outcome
// row of shared/spec/qatrack-api.md, fault injection, restart, exactly-once storage.
#include "export/qatrack/qatrack_sink.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store/derived.h"
#include "store/outbox.h"
#include "store/store.h"
#include "store/write_set.h"
#include "tests/testing/qatrack_test_server.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::qatrack {
namespace {

using nlohmann::json;
using qcflow::testing::QatrackTestServer;
using qcflow::testing::TempDir;

constexpr char kSink[] = "qatrack";
constexpr char kNs[] = "mpc.session";
constexpr char kCouch[] = "MPC: Enhanced Couch Checks";
constexpr MicrosUtc kLater = 11 * kMicrosPerMinute;  // past any capped backoff

MicrosUtc Utc(int h, int mi, int s) {
  CivilTime c;
  c.year = 2020, c.month = 6, c.day = 25, c.hour = h, c.minute = mi, c.second = s;
  return *CivilToUtc(c, "UTC");
}

TestResult Num(const std::string& macro, double v) {
  TestResult t;
  t.macro = macro;
  t.number = v;
  return t;
}

// A couch-checks session of unit 1 (serial 1234) at 11:<minute>Z.
QcSession Couch(int minute, bool partial = false, const std::string& serial = "1234") {
  QcSession s;
  s.source_kind = "mpc";
  s.unit_serial = serial;
  s.test_list_name = kCouch;
  s.work_started = Utc(11, minute, 0);
  s.work_completed = Utc(11, minute, 30);
  s.user_key = "QCPump/MPC/" + serial + "/2020-06-25-07-" + std::to_string(10 + minute) +
               "/Enhanced Couch Checks";
  s.tests = {Num("couchgroup_couchlat_mm_6x", 0.1), Num("couchgroup_couchlng_mm_6x", 0.2)};
  if (!partial) {
    s.tests.push_back(Num("couchgroup_couchrtn_deg_6x", 0.05));
    s.tests.push_back(Num("couchgroup_couchvrt_mm_6x", 0.3));
  }
  return s;
}

class QatrackSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = QatrackTestServer::Start();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s.value());
    OpenStore();
    now_ = NowMicros();
  }

  void OpenStore() {
    auto st = Store::Open(dir_.Sub("store"));
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    store_ = std::move(st.value());
  }

  QatrackSinkConfig Config() {
    QatrackSinkConfig c;
    c.name = kSink;
    c.api_url = server_->base_url();
    c.token = server_->token();
    c.server_zone = "America/Toronto";
    c.request_timeout = std::chrono::milliseconds(2000);
    c.jitter_seed = 42;
    return c;
  }

  std::unique_ptr<QatrackSink> Sink(QatrackSinkConfig c) {
    auto sink = QatrackSink::Create(store_.get(), std::move(c));
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    return sink.ok() ? std::move(sink.value()) : nullptr;
  }
  std::unique_ptr<QatrackSink> Sink() { return Sink(Config()); }

  void Enqueue(const QcSession& s, const std::string& group = "unit-1234") {
    WriteSet ws;
    ws.PutDerived(kNs, s.user_key, EncodeQcSession(s));
    ws.Enqueue(kSink, s.user_key, kNs, s.user_key, group);
    auto r = store_->Commit(ws);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->enqueued, 1);
  }

  DeliveryReport Deliver(QatrackSink& sink, MicrosUtc at) {
    auto r = sink.DeliverOnce(at);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : DeliveryReport{};
  }

  json Stored() {
    auto s = server_->Stored();
    EXPECT_TRUE(s.ok());
    return s.ok() ? json::parse(*s) : json();
  }

  // API requests with `method` whose path starts with `prefix`.
  int Requests(const std::string& method, const std::string& prefix) {
    auto log = server_->Requests();
    EXPECT_TRUE(log.ok());
    if (!log.ok()) return -1;
    EXPECT_EQ(log->find(server_->token()), std::string::npos);
    int n = 0;
    const json parsed = json::parse(*log);  // named: a temporary would dangle in the loop
  for (const json& r : parsed["results"]) {
      if (r["method"] == method && r["path"].get<std::string>().rfind(prefix, 0) == 0) ++n;
    }
    return n;
  }
  int Posts() { return Requests("POST", "/api/qa/testlistinstances/"); }

  std::vector<OutboxItem> Items(bool include_dead = true) {
    auto items = store_->outbox().List(kSink, 100, include_dead);
    EXPECT_TRUE(items.ok());
    return items.ok() ? *items : std::vector<OutboxItem>{};
  }

  SinkCounters Counters() {
    auto c = store_->outbox().Counters(kSink, now_);
    EXPECT_TRUE(c.ok());
    return c.ok() ? *c : SinkCounters{};
  }

  void Fault(const std::string& rule) { ASSERT_TRUE(server_->AddFault(rule).ok()) << rule; }

  TempDir dir_;
  std::unique_ptr<QatrackTestServer> server_;
  std::unique_ptr<Store> store_;
  MicrosUtc now_ = 0;
};

TEST_F(QatrackSinkTest, CreateChecksConfig) {
  QatrackSinkConfig c = Config();
  c.server_zone = "";
  EXPECT_FALSE(QatrackSink::Create(store_.get(), c).ok());
  c = Config();
  c.server_zone = "Mars/Olympus";
  EXPECT_FALSE(QatrackSink::Create(store_.get(), c).ok());
  c = Config();
  c.api_url = "qatrack.example.org/api";
  EXPECT_FALSE(QatrackSink::Create(store_.get(), c).ok());
  c = Config();
  c.token = "";
  EXPECT_FALSE(QatrackSink::Create(store_.get(), c).ok());
}

TEST_F(QatrackSinkTest, CheckConnection) {
  auto sink = Sink();
  ASSERT_NE(sink, nullptr);
  EXPECT_TRUE(sink->CheckConnection().ok());
  QatrackSinkConfig c = Config();
  c.token = "ffffffffffffffffffffffffffffffffffffffff";
  auto bad = Sink(c);
  Status s = bad->CheckConnection();
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message().find(c.token), std::string::npos);
}

TEST_F(QatrackSinkTest, StoresEachSessionOnceInServerZone) {
  for (int m : {1, 2, 3}) Enqueue(Couch(m));
  auto sink = Sink();
  DeliveryReport r = Deliver(*sink, now_);
  EXPECT_EQ(r.delivered, 3u);
  EXPECT_EQ(r.dead_lettered, 0u);
  json stored = Stored();
  ASSERT_EQ(stored["count"], 3);
  const json& first = stored["results"][0];
  EXPECT_EQ(first["user_key"], Couch(1).user_key);
  EXPECT_EQ(first["unit_number"], 1);
  EXPECT_EQ(first["test_list"], kCouch);
  EXPECT_EQ(first["work_started"]["text"], "2020-06-25 07:01:00");  // EDT
  EXPECT_EQ(first["work_started"]["utc"], "2020-06-25T11:01:00Z");
  EXPECT_EQ(first["tests"]["couchgroup_couchlat_mm_6x"]["value"], 0.1);
  EXPECT_EQ(first["comment"], "");
  // Lookups are cached: one unit and one assignment lookup for three uploads.
  EXPECT_EQ(Requests("GET", "/api/units/units/"), 1);
  EXPECT_EQ(Requests("GET", "/api/qa/unittestcollections/"), 1);
  EXPECT_EQ(Posts(), 3);
  // Nothing left: a second round sends nothing.
  r = Deliver(*sink, now_ + kLater);
  EXPECT_EQ(r.attempted, 0u);
  EXPECT_EQ(Posts(), 3);
  SinkCounters c = Counters();
  EXPECT_EQ(c.delivered, 3u);
  EXPECT_EQ(c.pending, 0u);
}

TEST_F(QatrackSinkTest, AutoskipsMissingTestsOnce) {
  Enqueue(Couch(1, /*partial=*/true));
  auto sink = Sink();
  DeliveryReport r = Deliver(*sink, now_);
  EXPECT_EQ(r.delivered, 1u);
  EXPECT_EQ(r.autoskipped, 1u);
  json stored = Stored();
  ASSERT_EQ(stored["count"], 1);
  const json& tests = stored["results"][0]["tests"];
  EXPECT_EQ(tests["couchgroup_couchlat_mm_6x"]["value"], 0.1);
  EXPECT_EQ(tests["couchgroup_couchrtn_deg_6x"]["skipped"], true);
  EXPECT_EQ(tests["couchgroup_couchvrt_mm_6x"]["skipped"], true);
  EXPECT_EQ(Posts(), 2);
}

TEST_F(QatrackSinkTest, DeadLettersCarryTheReason) {
  Enqueue(Couch(1, false, "9999"), "unit-9999");  // no such unit
  Enqueue(Couch(2, false, "2222"), "unit-2222");  // two units share this serial
  QcSession inactive = Couch(3, false, "5678");   // unit 2's couch assignment is inactive
  Enqueue(inactive, "unit-5678");
  QcSession wrong = Couch(4);
  wrong.tests[0].number.reset();
  wrong.tests[0].text = "not a number";  // "Wrong value type" for a numeric test
  Enqueue(wrong);
  Enqueue(Couch(5));  // a good one after the bad ones still goes
  auto sink = Sink();
  DeliveryReport r = Deliver(*sink, now_);
  EXPECT_EQ(r.dead_lettered, 4u);
  EXPECT_EQ(r.delivered, 1u);
  json stored = Stored();
  ASSERT_EQ(stored["count"], 1);
  EXPECT_EQ(stored["results"][0]["user_key"], Couch(5).user_key);

  std::vector<OutboxItem> dead = Items();
  ASSERT_EQ(dead.size(), 4u);
  for (const OutboxItem& d : dead) EXPECT_EQ(d.state, OutboxState::kDeadLetter) << d.item_id;
  EXPECT_NE(dead[0].last_error.find("0 units with serial number '9999'"), std::string::npos)
      << dead[0].last_error;
  EXPECT_NE(dead[1].last_error.find("2 units with serial number '2222'"), std::string::npos)
      << dead[1].last_error;
  EXPECT_NE(dead[2].last_error.find("0 active assignments"), std::string::npos)
      << dead[2].last_error;
  EXPECT_NE(dead[3].last_error.find("Wrong value type"), std::string::npos) << dead[3].last_error;
  EXPECT_EQ(Counters().dead_letters, 4u);
  // Dead letters are not retried by later rounds.
  int posts = Posts();
  r = Deliver(*sink, now_ + kLater);
  EXPECT_EQ(r.attempted, 0u);
  EXPECT_EQ(Posts(), posts);
}

TEST_F(QatrackSinkTest, UnitByName) {
  QcSession s = Couch(1);
  s.unit_serial = "";
  s.unit_name = "TrueBeam 1";
  Enqueue(s);
  auto sink = Sink();
  EXPECT_EQ(Deliver(*sink, now_).delivered, 1u);
  json stored = Stored();
  ASSERT_EQ(stored["count"], 1);
  EXPECT_EQ(stored["results"][0]["unit_number"], 1);
}

// A server that ignores a filter answers with rows that were not asked for: the sink
// must notice from the echoed fields, dead-letter, and not cache the bad answer.
TEST_F(QatrackSinkTest, IgnoredFilterIsNoticedAndNotCached) {
  Enqueue(Couch(1));
  Enqueue(Couch(2), "other-group");
  Fault(R"({"method":"GET","path_prefix":"/api/units/units/","action":"status","code":200,
            "content_type":"application/json",
            "body":"{\"count\":1,\"next\":null,\"previous\":null,\"results\":[{\"url\":\"http://x/api/units/units/9/\",\"number\":9,\"name\":\"Other\",\"serial_number\":\"7777\",\"active\":true}]}"})");
  Fault(R"({"method":"GET","path_prefix":"/api/qa/unittestcollections/","action":"status","code":200,
            "content_type":"application/json",
            "body":"{\"count\":1,\"next\":null,\"previous\":null,\"results\":[{\"url\":\"http://x/api/qc/unittestcollections/1/\",\"unit\":\"http://x/api/units/units/1/\",\"name\":\"MPC: Beam and Geometry Checks\",\"active\":true}]}"})");
  auto sink = Sink();
  DeliveryReport r = Deliver(*sink, now_);
  EXPECT_EQ(r.dead_lettered, 2u);
  std::vector<OutboxItem> dead = Items();
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_NE(dead[0].last_error.find("different unit ('7777')"), std::string::npos)
      << dead[0].last_error;
  EXPECT_NE(dead[1].last_error.find("different assignment"), std::string::npos)
      << dead[1].last_error;
  EXPECT_EQ(Stored()["count"], 0);
  EXPECT_EQ(Posts(), 0);
  // After a fix a person re-queues them; fresh lookups succeed.
  auto requeued = store_->outbox().RequeueDeadLetters(kSink, now_);
  ASSERT_TRUE(requeued.ok());
  EXPECT_EQ(*requeued, 2u);
  r = Deliver(*sink, now_ + 1);
  EXPECT_EQ(r.delivered, 2u);
  EXPECT_EQ(Stored()["count"], 2);
}

TEST_F(QatrackSinkTest, BlankUserKeyIsNeverSent) {
  QcSession s = Couch(1);
  s.user_key = "   ";
  WriteSet ws;
  ws.PutDerived(kNs, "blank", EncodeQcSession(s));
  ws.Enqueue(kSink, "blank", kNs, "blank", "unit-1234");
  ASSERT_TRUE(store_->Commit(ws).ok());
  auto sink = Sink();
  EXPECT_EQ(Deliver(*sink, now_).dead_lettered, 1u);
  EXPECT_EQ(Posts(), 0);
}

TEST_F(QatrackSinkTest, MissingSessionRecordIsDeadLetter) {
  WriteSet ws;
  ws.Enqueue(kSink, "ghost", kNs, "ghost", "unit-1234");
  ASSERT_TRUE(store_->Commit(ws).ok());
  auto sink = Sink();
  EXPECT_EQ(Deliver(*sink, now_).dead_lettered, 1u);
  EXPECT_NE(Items().at(0).last_error.find("missing"), std::string::npos);
}

TEST_F(QatrackSinkTest, DuplicateKeyOnServerIsAcked) {
  QcSession s = Couch(1);
  Enqueue(s);
  // Stored by someone else first (e.g. QCPump before the switch to qcflow).
  auto first = Sink();
  ASSERT_EQ(Deliver(*first, now_).delivered, 1u);
  TempDir other;
  auto other_store = Store::Open(other.Sub("store"));
  ASSERT_TRUE(other_store.ok());
  store_ = std::move(other_store.value());
  Enqueue(s);
  auto sink = Sink();
  DeliveryReport r = Deliver(*sink, now_);
  EXPECT_EQ(r.delivered, 1u);
  EXPECT_EQ(r.already_stored, 1u);  // from the 400 "user key already exists"
  EXPECT_EQ(Stored()["count"], 1);
  EXPECT_EQ(Posts(), 2);
}

TEST_F(QatrackSinkTest, RejectedTokenPausesTheSink) {
  Enqueue(Couch(1));
  QatrackSinkConfig c = Config();
  c.token = "ffffffffffffffffffffffffffffffffffffffff";
  auto sink = Sink(c);
  DeliveryReport r = Deliver(*sink, now_);
  EXPECT_TRUE(r.paused);
  EXPECT_TRUE(sink->paused());
  SinkCounters counters = Counters();
  EXPECT_EQ(counters.pending, 1u);
  EXPECT_NE(counters.last_error.find("paused"), std::string::npos) << counters.last_error;
  EXPECT_EQ(counters.last_error.find(c.token), std::string::npos);
  // While paused nothing is sent.
  int requests = Requests("GET", "/api/");
  r = Deliver(*sink, now_ + kLater);
  EXPECT_TRUE(r.paused);
  EXPECT_EQ(Requests("GET", "/api/"), requests);
  EXPECT_EQ(Stored()["count"], 0);
  std::vector<OutboxItem> items = Items();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].state, OutboxState::kPending);
}

TEST_F(QatrackSinkTest, ServerErrorBacksOffThenDelivers) {
  Enqueue(Couch(1));
  Fault(R"({"method":"POST","path_prefix":"/api/qa/testlistinstances/","action":"status","code":503})");
  auto sink = Sink();
  DeliveryReport r = Deliver(*sink, now_);
  EXPECT_EQ(r.delivered, 0u);
  std::vector<OutboxItem> items = Items();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].state, OutboxState::kPending);
  EXPECT_EQ(items[0].attempts, 1u);
  EXPECT_GT(items[0].next_try_at, now_);
  EXPECT_LE(items[0].next_try_at, now_ + 10 * kMicrosPerSecond);  // first backoff step
  EXPECT_NE(items[0].last_error.find("503"), std::string::npos);
  // Not due yet: nothing is sent.
  r = Deliver(*sink, now_ + 1);
  EXPECT_EQ(r.attempted, 0u);
  EXPECT_EQ(r.deferred, 1u);
  r = Deliver(*sink, now_ + kLater);
  EXPECT_EQ(r.delivered, 1u);
  EXPECT_EQ(Stored()["count"], 1);
  EXPECT_EQ(Requests("GET", "/api/qa/testlistinstances/"), 1);  // pre-check before re-posting
}

TEST_F(QatrackSinkTest, BackoffGrowsAndIsCapped) {
  Enqueue(Couch(1));
  Fault(R"({"method":"POST","action":"status","code":502,"times":-1})");
  QatrackSinkConfig c = Config();
  c.backoff_initial = kMicrosPerSecond;
  c.backoff_max = 8 * kMicrosPerSecond;
  auto sink = Sink(c);
  MicrosUtc t = now_;
  std::vector<MicrosUtc> waits;
  for (int i = 0; i < 6; ++i) {
    Deliver(*sink, t);
    std::vector<OutboxItem> items = Items();
    ASSERT_EQ(items.size(), 1u);
    waits.push_back(items[0].next_try_at - t);
    t = items[0].next_try_at;
  }
  for (size_t i = 0; i < waits.size(); ++i) {
    MicrosUtc full = std::min<MicrosUtc>(kMicrosPerSecond << i, 8 * kMicrosPerSecond);
    EXPECT_GE(waits[i], full / 2) << i;
    EXPECT_LE(waits[i], full) << i;
  }
  EXPECT_EQ(Items()[0].attempts, 6u);
  EXPECT_EQ(Stored()["count"], 0);
}

TEST_F(QatrackSinkTest, RedirectFromApplianceRetriesSoon) {
  Enqueue(Couch(1));
  Fault(R"({"method":"POST","action":"redirect307"})");
  auto sink = Sink();
  DeliveryReport r = Deliver(*sink, now_);
  EXPECT_EQ(r.delivered, 0u);
  std::vector<OutboxItem> items = Items();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].next_try_at, now_ + 5 * kMicrosPerSecond);
  r = Deliver(*sink, now_ + 5 * kMicrosPerSecond);
  EXPECT_EQ(r.delivered, 1u);
  EXPECT_EQ(Stored()["count"], 1);
}

TEST_F(QatrackSinkTest, ThrottleWaitsAsTold) {
  Enqueue(Couch(1));
  Enqueue(Couch(2));
  Fault(R"({"method":"POST","action":"throttle","seconds":7})");
  auto sink = Sink();
  DeliveryReport r = Deliver(*sink, now_);
  EXPECT_EQ(r.delivered, 0u);
  EXPECT_EQ(r.deferred, 2u);
  EXPECT_EQ(Items()[0].next_try_at, now_ + 7 * kMicrosPerSecond);
  int posts = Posts();
  r = Deliver(*sink, now_ + 6 * kMicrosPerSecond);  // the whole sink waits
  EXPECT_EQ(r.attempted, 0u);
  EXPECT_EQ(Posts(), posts);
  r = Deliver(*sink, now_ + 7 * kMicrosPerSecond);
  EXPECT_EQ(r.delivered, 2u);
  EXPECT_EQ(Stored()["count"], 2);
}

TEST_F(QatrackSinkTest, ResetAfterSendIsCheckedBeforeReposting) {
  Enqueue(Couch(1));
  // libcurl retries a POST once on a fresh connection when a reused one dies before
  // any answer byte; the user_key makes that harmless. Reset every try in this round.
  Fault(R"({"method":"POST","action":"reset","times":-1})");
  auto sink = Sink();
  DeliveryReport r = Deliver(*sink, now_);
  EXPECT_EQ(r.delivered, 0u);
  ASSERT_EQ(Items().size(), 1u);
  EXPECT_EQ(Items()[0].state, OutboxState::kPending);
  ASSERT_TRUE(server_->ClearFaults().ok());
  r = Deliver(*sink, now_ + kLater);
  EXPECT_EQ(r.delivered, 1u);
  EXPECT_EQ(r.already_stored, 0u);  // the reset request was not stored: posted again
  EXPECT_EQ(Requests("GET", "/api/qa/testlistinstances/"), 1);
  EXPECT_EQ(Stored()["count"], 1);
}

TEST_F(QatrackSinkTest, TimeoutAfterStoreIsAckedWithoutDuplicate) {
  Enqueue(Couch(1));
  Fault(R"({"method":"POST","action":"timeout_after_store","seconds":5})");
  QatrackSinkConfig c = Config();
  c.request_timeout = std::chrono::milliseconds(1000);
  auto sink = Sink(c);
  DeliveryReport r = Deliver(*sink, now_);
  EXPECT_EQ(r.delivered, 0u);
  std::vector<OutboxItem> items = Items();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].state, OutboxState::kPending);
  EXPECT_EQ(Stored()["count"], 1);  // the server has it; the sink cannot know yet
  r = Deliver(*sink, now_ + kLater);
  EXPECT_EQ(r.delivered, 1u);
  EXPECT_EQ(r.already_stored, 1u);
  EXPECT_EQ(Posts(), 1);  // no second POST
  EXPECT_EQ(Stored()["count"], 1);
  EXPECT_EQ(Counters().pending, 0u);
}

TEST_F(QatrackSinkTest, GroupOrderIsKept) {
  Enqueue(Couch(1), "unit-1234");
  Enqueue(Couch(2), "unit-1234");
  QcSession other = Couch(3, false, "5678");
  other.test_list_name = "MPC: Beam and Geometry Checks";
  other.tests = {Num("beamgroup_beamoutputchange_per_6fff", 0.1),
                 Num("beamgroup_beamoutputchange_per_6x", 0.2),
                 Num("beamgroup_beamuniformitychange_per_6fff", 0.3),
                 Num("beamgroup_beamuniformitychange_per_6x", 0.4),
                 Num("gantrygroup_gantryabsolute_deg_6x", 0.05),
                 Num("isocentergroup_isocentersize_mm_6x", 0.2),
                 Num("isocentergroup_mvimagerprojectionoffset_mm_6x", 0.1)};
  Enqueue(other, "unit-5678");
  Fault(R"({"method":"POST","action":"status","code":500})");  // hits the first item
  auto sink = Sink();
  DeliveryReport r = Deliver(*sink, now_);
  EXPECT_EQ(r.delivered, 1u);  // the other unit goes on
  EXPECT_EQ(r.deferred, 2u);   // the second item of unit 1234 waits for the first
  json stored = Stored();
  ASSERT_EQ(stored["count"], 1);
  EXPECT_EQ(stored["results"][0]["user_key"], other.user_key);
  r = Deliver(*sink, now_ + kLater);
  EXPECT_EQ(r.delivered, 2u);
  stored = Stored();
  ASSERT_EQ(stored["count"], 3);
  EXPECT_EQ(stored["results"][1]["user_key"], Couch(1).user_key);
  EXPECT_EQ(stored["results"][2]["user_key"], Couch(2).user_key);
}

TEST_F(QatrackSinkTest, RestartContinuesTheOutboxExactlyOnce) {
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

TEST_F(QatrackSinkTest, StoreWritesPerRoundAreConstant) {
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

TEST_F(QatrackSinkTest, CrashBeforeTheRoundsAcksIsPreCheckedNotReposted) {
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

TEST_F(QatrackSinkTest, WriteAheadOfAnUnreachedItemIsHarmless) {
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

TEST_F(QatrackSinkTest, ThrottleIntervalSpacesPosts) {
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

TEST_F(QatrackSinkTest, CommentsOnlyWhenConfigured) {
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
