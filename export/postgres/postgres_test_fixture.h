// Test fixture shared by the PostgreSQL sink tests: a real PostgreSQL 15
// (tests/testing/postgres_server.h) with one database, stores, and helpers
// that queue sessions and count rows. Test-only header.
#ifndef QCFLOW_EXPORT_POSTGRES_POSTGRES_TEST_FIXTURE_H_
#define QCFLOW_EXPORT_POSTGRES_POSTGRES_TEST_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <string>

#include "export/postgres/postgres_sink.h"
#include "store/outbox.h"
#include "store/store.h"
#include "tests/testing/couch_sessions.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::postgres {
namespace {

using qcflow::testing::PostgresServer;
using qcflow::testing::TempDir;

constexpr char kSink[] = "central";
constexpr char kDb[] = "mirror";
constexpr MicrosUtc kNow = 1'600'000'000'000'000;

class PostgresSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = PostgresServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    pg_ = std::move(*server);
    ASSERT_TRUE(pg_->CreateDatabase(kDb).ok()) << pg_->Diagnostics();
  }

  std::unique_ptr<Store> OpenStore(const std::string& name) {
    auto s = Store::Open(dir_.Sub(name), StoreOptions{});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  PostgresSinkConfig Config(const std::string& site, const std::string& schema = "qcflow") const {
    PostgresSinkConfig c;
    c.name = kSink;
    c.conninfo = pg_->Conninfo(kDb);
    c.password = pg_->password();
    c.schema = schema;
    c.site = site;
    c.connect_timeout_seconds = 3;
    return c;
  }

  std::unique_ptr<PostgresSink> Sink(Store* store, PostgresSinkConfig config) {
    auto sink = PostgresSink::Create(store, std::move(config));
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    return sink.ok() ? std::move(*sink) : nullptr;
  }

  // Queues sessions [from, to) of the numbered couch series for kSink.
  void Queue(Store& store, int from, int to, const std::string& prefix = "QCPump/MPC/1234") {
    for (int i = from; i < to; ++i) {
      auto r = qcflow::testing::CommitSession(store, kSink, qcflow::testing::NumberedCouchSession(prefix, i));
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  }

  uint64_t Pending(Store& store) {
    auto c = store.outbox().Counters(kSink, kNow);
    EXPECT_TRUE(c.ok());
    return c.ok() ? c->pending : 0;
  }

  // One value from psql ("" on error, which fails the test).
  std::string Sql(const std::string& sql) {
    auto r = pg_->Psql(kDb, sql);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : "";
  }
  long Count(const std::string& table, const std::string& where = "") {
    std::string out = Sql("SELECT count(*) FROM qcflow." + table + (where.empty() ? "" : " WHERE " + where));
    return out.empty() ? -1 : std::stol(out);
  }

  // Delivers until the outbox is empty (bounded); fails on a database failure.
  PgDeliveryReport DeliverAll(PostgresSink& sink) {
    PgDeliveryReport total;
    for (int i = 0; i < 100; ++i) {
      auto r = sink.DeliverOnce(kNow);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (!r.ok()) break;
      EXPECT_TRUE(r->failure.ok()) << r->failure.ToString();
      if (!r->failure.ok() || r->attempted == 0) break;
      total.Add(std::move(*r));
    }
    return total;
  }

  TempDir dir_;
  std::unique_ptr<PostgresServer> pg_;
};

}  // namespace
}  // namespace qcflow::postgres

#endif  // QCFLOW_EXPORT_POSTGRES_POSTGRES_TEST_FIXTURE_H_
