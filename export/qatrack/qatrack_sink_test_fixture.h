// Test fixture shared by the QatrackSink tests: a store, the QATrack+ test double
// (tests/qatrack_server/) and helpers that queue sessions. Test-only header.
#ifndef QCFLOW_EXPORT_QATRACK_QATRACK_SINK_TEST_FIXTURE_H_
#define QCFLOW_EXPORT_QATRACK_QATRACK_SINK_TEST_FIXTURE_H_

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
  t.key = macro;
  t.number = v;
  return t;
}

// A couch-checks session of unit 1 (serial 1234) at 11:<minute>Z.
QcSession Couch(int minute, bool partial = false, const std::string& serial = "1234") {
  QcSession s;
  s.source_kind = "mpc";
  s.machine.serial = serial;
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


}  // namespace
}  // namespace qcflow::qatrack

#endif  // QCFLOW_EXPORT_QATRACK_QATRACK_SINK_TEST_FIXTURE_H_
