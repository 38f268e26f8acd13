// QatrackSink against the QATrack+ test double (tests/qatrack_server/): every outcome
// row of shared/spec/qatrack-api.md, fault injection, lookups, order.
#include "export/qatrack/qatrack_sink_test_fixture.h"

namespace qcflow::qatrack {
namespace {

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
  // Credentials in the URL never reach a message either (logs and status show them).
  c.api_url.replace(0, std::string("http://").size(), "http://qa-user:hunter2@");
  auto with_credentials = Sink(c);
  ASSERT_NE(with_credentials, nullptr);
  Status s2 = with_credentials->CheckConnection();
  ASSERT_FALSE(s2.ok());
  EXPECT_EQ(s2.message().find("hunter2"), std::string::npos) << s2.message();
  EXPECT_NE(s2.message().find("QATrack+ at http://127.0.0.1:"), std::string::npos) << s2.message();
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

// A units map's integer is a unit number (?number=), its string a name; a dead
// letter says which was asked for.
TEST_F(QatrackSinkTest, UnitsAreLookedUpByNumberOrByNameAsTheSessionSays) {
  auto with_unit = [](int minute, std::optional<int64_t> number, const std::string& name) {
    QcSession s = Couch(minute);
    s.machine.serial.clear();
    s.unit_number = number;
    s.unit_name = name;
    return s;
  };
  const QcSession by_number = with_unit(1, 1, ""), missing = with_unit(2, 77, "");
  const QcSession number_as_name = with_unit(3, std::nullopt, "1");
  for (const QcSession* s : {&by_number, &missing, &number_as_name}) Enqueue(*s, s->user_key);
  auto sink = Sink();
  const DeliveryReport r = Deliver(*sink, now_);
  EXPECT_EQ(std::make_pair(r.delivered, r.dead_lettered), std::make_pair(size_t{1}, size_t{2}));
  const json stored = Stored()["results"];
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]["user_key"], by_number.user_key);
  EXPECT_EQ(stored[0]["unit_number"], 1);
  std::map<std::string, std::string> errors;
  for (const OutboxItem& item : Items()) errors[item.item_id] = item.last_error;
  EXPECT_NE(errors[missing.user_key].find("0 units with number 77"), std::string::npos)
      << errors[missing.user_key];
  EXPECT_NE(errors[number_as_name.user_key].find("0 units with name '1'"), std::string::npos)
      << errors[number_as_name.user_key];
}

// Queued sessions go where the current config says: the units map and the test
// list template of their source are applied at delivery (the user_key stays).
TEST_F(QatrackSinkTest, TheCurrentMappingOfTheSessionsSourceDecidesUnitAndTestList) {
  QcSession s = Couch(1);
  s.source_kind = "dqa3";
  s.source_id = "db";
  s.machine.serial.clear();
  s.unit_name = "a unit that was renamed";
  s.test_list_name = "a template since corrected";
  s.machine_names = {"Room 1/M", "M", "7"};
  s.test_list_vars = {{"check", "Enhanced Couch Checks"}};
  Enqueue(s, "m");
  auto stale = Sink();
  EXPECT_EQ(Deliver(*stale, now_).dead_lettered, 1u) << "built-in resolution: no such unit";
  auto requeued = store_->outbox().RequeueDeadLetters(kSink, now_);
  ASSERT_TRUE(requeued.ok() && *requeued == 1u);

  QatrackSinkConfig c = Config();
  SessionMapping& m = c.mappings["db"];
  m.source = "db";
  m.maps_units = true;
  m.units = {{"M", UnitRef::Numbered(1)}};
  m.test_list_template = "MPC: {{ check }}";
  auto current = Sink(c);
  DeliveryReport r = Deliver(*current, now_ + kLater);
  EXPECT_EQ(r.delivered, 1u) << (Items().empty() ? "" : Items()[0].last_error);
  json stored = Stored();
  ASSERT_EQ(stored["count"], 1);
  EXPECT_EQ(stored["results"][0]["user_key"], s.user_key);
  EXPECT_EQ(stored["results"][0]["unit_number"], 1);
  EXPECT_EQ(stored["results"][0]["test_list"], kCouch);
}

TEST_F(QatrackSinkTest, LastSuccessIsWhenTheUploadLandedNotWhenTheRoundBegan) {
  Enqueue(Couch(1));
  QatrackSinkConfig c = Config();
  const MicrosUtc landed = now_ + 7 * kMicrosPerSecond;  // the round took a while
  c.clock = [landed] { return landed; };
  auto sink = Sink(c);
  EXPECT_EQ(Deliver(*sink, now_).delivered, 1u);
  EXPECT_EQ(Counters().last_success, landed);
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
  s.machine.serial = "";
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

TEST_F(QatrackSinkTest, ItemInBackoffDoesNotStarveOtherGroups) {
  for (int m : {1, 2, 3, 4}) Enqueue(Couch(m));  // one group, in order
  Enqueue(Couch(5), "other-group");
  QatrackSinkConfig c = Config();
  c.batch_limit = 1;
  auto sink = Sink(c);
  Fault(R"({"method":"POST","path_prefix":"/api/qa/testlistinstances/","action":"status","code":503})");
  DeliveryReport r = Deliver(*sink, now_);  // the group's first item fails: backoff
  EXPECT_EQ(r.delivered, 0u);
  // Not due yet: the group waits behind it, but the other group's item is sent.
  r = Deliver(*sink, now_ + 1);
  EXPECT_EQ(r.delivered, 1u);
  EXPECT_EQ(Stored()["count"], 1);
  std::vector<OutboxItem> items = Items();
  ASSERT_EQ(items.size(), 4u);
  for (const OutboxItem& item : items) EXPECT_NE(item.group, "other-group");
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

}  // namespace
}  // namespace qcflow::qatrack
