// postgres_bench: what [[sink.postgres]] and `qcflow backfill postgres` write
// into a real PostgreSQL 15 on loopback (tests/testing/postgres_server.h,
// Debian postgresql-15), beside the floor: the same rows loaded by COPY.
//
//   BM_Mirror/sessions     10,000 MPC sessions of 10 sites (1,000 each, the
//                          same serial), PostgresSink::Mirror in batches of 200
//   BM_Mirror/deliveries   73,000 iCom deliveries: a year of one linac, 200 a day
//     counters: rows (every table the mirror wrote), rows_per_s, copy_s (psql
//     COPY of those rows, exported first, into empty tables of the same shape
//     and indexes), x_copy (mirror time / COPY time)
//   BM_QueryTrend          one machine's sessions across the 10 sites (what a
//                          test's trend reads), through QuerySessions
//   BM_QueryYearOfDeliveries  the linac's year, through QueryDeliveries
//
// Each BM_Mirror iteration writes into a fresh schema. docs/benchmarks.md reports the numbers.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "bench/sample_histories.h"
#include "export/postgres/pg_query.h"
#include "export/postgres/postgres_sink.h"
#include "tests/testing/postgres_server.h"

namespace {

using namespace qcflow;  // NOLINT: a benchmark file

constexpr char kDb[] = "bench";
constexpr int kSites = 10, kSessionsPerSite = 1'000, kDeliveries = 73'000;
constexpr const char* kTables[] = {"sites", "sessions", "session_values", "session_revisions", "deliveries"};

void Die(const Status& s) {
  std::fprintf(stderr, "postgres_bench: %s\n", s.ToString().c_str());
  std::exit(1);
}

testing::PostgresServer& Server() {
  static std::unique_ptr<testing::PostgresServer> server = [] {
    auto s = testing::PostgresServer::Start();
    if (!s.ok()) Die(s.status());
    if (Status c = (*s)->CreateDatabase(kDb); !c.ok()) Die(c);
    return std::move(*s);
  }();
  return *server;
}

std::string Sql(const std::string& sql) {
  auto r = Server().Psql(kDb, sql);
  if (!r.ok()) Die(r.status());
  return *r;
}

double Seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Mirrors `sessions` as site `site` into `schema`; dies on any failure or refusal.
void Mirror(const std::string& schema, const std::string& site, std::vector<QcSession> sessions) {
  postgres::PostgresSinkConfig c;
  c.conninfo = Server().Conninfo(kDb);
  c.password = Server().password();
  c.schema = schema;
  c.site = site;
  auto sink = postgres::PostgresSink::Create(nullptr, c);
  if (!sink.ok()) Die(sink.status());
  for (size_t at = 0; at < sessions.size(); at += 200) {
    std::vector<QcSession> batch(sessions.begin() + at, sessions.begin() + std::min(at + 200, sessions.size()));
    postgres::PgDeliveryReport r = (*sink)->Mirror(std::move(batch));
    if (!r.failure.ok()) Die(r.failure);
    if (!r.refused.empty()) Die(Status::InvalidArgument(r.refused.front()));
  }
}

// Exports every table of `schema`, then times COPY of those rows into empty
// copies (same columns, defaults and indexes). Returns {rows, seconds}.
std::pair<long, double> CopyFloor(const std::string& schema) {
  const std::string floor = schema + "_copy";
  std::string prepare = "CREATE SCHEMA " + floor + ";";
  std::string load;
  long rows = 0;
  for (const char* t : kTables) {
    const std::string file = Server().root() + "/" + schema + "." + t + ".copy";
    rows += std::stol(Sql("SELECT count(*) FROM " + schema + "." + t));
    prepare += "CREATE TABLE " + floor + "." + t + " (LIKE " + schema + "." + t + " INCLUDING ALL);" +
               "COPY " + schema + "." + t + " TO '" + file + "';";
    load += "COPY " + floor + "." + t + " FROM '" + file + "';";
  }
  Sql(prepare);
  const auto start = std::chrono::steady_clock::now();
  Sql("BEGIN;" + load + "COMMIT;");
  return {rows, Seconds(std::chrono::steady_clock::now() - start)};
}

void BM_Mirror(benchmark::State& state) {
  const bool deliveries = state.range(0) == 1;
  static int run = 0;
  long rows = 0;
  double mirror_s = 0, copy_s = 0;
  for (auto _ : state) {
    const std::string schema = "b" + std::to_string(run++);
    std::vector<std::vector<QcSession>> per_site;
    if (deliveries) {
      per_site.push_back(bench::DeliveryHistory(kDeliveries, 200));
    } else {
      for (int s = 0; s < kSites; ++s) per_site.push_back(bench::MpcHistory(kSessionsPerSite, 10));
    }
    const auto start = std::chrono::steady_clock::now();
    for (size_t s = 0; s < per_site.size(); ++s) Mirror(schema, "site-" + std::to_string(s), std::move(per_site[s]));
    const double seconds = Seconds(std::chrono::steady_clock::now() - start);
    state.SetIterationTime(seconds);
    mirror_s += seconds;
    auto [n, c] = CopyFloor(schema);
    rows = n;
    copy_s += c;
  }
  const double iterations = double(state.iterations());
  state.counters["rows"] = double(rows);
  state.counters["rows_per_s"] = double(rows) * iterations / mirror_s;
  state.counters["copy_s"] = copy_s / iterations;
  state.counters["x_copy"] = mirror_s / copy_s;
  state.SetItemsProcessed(int64_t(iterations) * (deliveries ? kDeliveries : kSites * kSessionsPerSite));
  state.SetLabel(deliveries ? "73,000 deliveries (a year of one linac)" : "10,000 MPC sessions of 10 sites");
}
BENCHMARK(BM_Mirror)->Arg(0)->Arg(1)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);

postgres::PgSource Source() {
  // b0 holds the sessions of the 10 sites, b1 the year of deliveries (BM_Mirror ran first).
  return postgres::PgSource{{Server().Conninfo(kDb), Server().password(), 10, "postgres_bench"}, "b0"};
}

void BM_QueryTrend(benchmark::State& state) {
  size_t found = 0;
  for (auto _ : state) {
    postgres::PgSessionQuery q;
    q.serial = "H191157";  // the sample session's machine
    q.limit = SIZE_MAX;
    auto rows = postgres::QuerySessions(Source(), q);
    if (!rows.ok()) Die(rows.status());
    found = rows->size();
  }
  state.counters["sessions"] = double(found);
}
BENCHMARK(BM_QueryTrend)->Iterations(5)->Unit(benchmark::kMillisecond);

void BM_QueryYearOfDeliveries(benchmark::State& state) {
  postgres::PgSource source = Source();
  source.schema = "b1";
  size_t found = 0;
  for (auto _ : state) {
    postgres::PgDeliveryQuery q;
    q.linac = "LA1";
    q.from = *ParseTimeArg("2024-01-01T00:00:00Z");
    q.until = *ParseTimeArg("2025-01-01T00:00:00Z");
    q.limit = SIZE_MAX;
    auto rows = postgres::QueryDeliveries(source, q);
    if (!rows.ok()) Die(rows.status());
    found = rows->size();
  }
  state.counters["deliveries"] = double(found);
}
BENCHMARK(BM_QueryYearOfDeliveries)->Iterations(5)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
