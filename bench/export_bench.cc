// export_bench: QATrack+ export throughput (export/qatrack) against the local QATrack+
// test server (tests/qatrack_server), loopback only.
//
//   ./build/bench/export_bench            # everything, well under two minutes
//
// upload/<server>/plain_libcurl      one reused libcurl handle POSTing the bodies the sink
//                                    would build (BuildUploadPayload, built before timing)
//                                    with unique user_keys: what the server itself takes
//                                    over one kept-alive connection
// upload/<server>/sink               QatrackSink::DeliverOnce delivering batches of queued
//                                    sessions, throttle 0; the store fsyncs as in
//                                    production (one write-ahead per round for all its
//                                    items + one write of the round's acks); the summary
//                                    prints the store writes per round
// upload/nodelay/sink_throttle_10ms  the same with throttle_interval = 10 ms (<= 100/s)
// outbox/enqueue_list_ack            outbox cost per item without HTTP: Store::Commit
//                                    (PutDerived + Enqueue), Outbox::List, UpdateMany (the
//                                    round's write-ahead) and AckMany for 100 items, as
//                                    the sink does per round; µs per item for each
//
// <server>: "shipped" is the test server as it is; "nodelay" runs it through a
// three-line wrapper script (written to a temp dir) that sets TCP_NODELAY. Before
// commit 542bcef the shipped server did not set TCP_NODELAY, so each answer on a
// kept-alive connection waited ~40 ms for the client's delayed ACK; it now sets it
// itself, so both variants measure the same fast server (two samples of it).
// Upload benchmarks reset the server before they start (stored instances make later
// POSTs slower) and use fixed counts, so plain and sink post the same number of bodies.
// A summary at the end prints sink uploads/s as a fraction of plain, per server.
#include <benchmark/benchmark.h>
#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "bench/bench_dir.h"
#include "bench/export_workload.h"
#include "bench/plain_post.h"
#include "export/qatrack/qatrack_sink.h"
#include "export/qatrack/upload_payload.h"
#include "store/outbox.h"
#include "store/store.h"
#include "tests/testing/couch_sessions.h"
#include "tests/testing/qatrack_test_server.h"

namespace qcflow {
namespace {

using Clock = std::chrono::steady_clock;
using testing::QatrackTestServer;

constexpr char kSink[] = "qatrack";
constexpr char kZone[] = "America/Toronto";

// ---- helpers ------------------------------------------------------------------------

// A fresh directory under $TMPDIR, removed on destruction.
struct ScratchDir : bench::BenchDir {
  ScratchDir() : BenchDir("qcflow-export-bench") {}
};

// One test server per variant, started on first use and stopped at exit.
struct BenchServer {
  std::unique_ptr<ScratchDir> dir;
  std::unique_ptr<QatrackTestServer> server;
  std::string utc_url;  // unit 1234's "MPC: Enhanced Couch Checks" assignment
};
std::map<std::string, BenchServer>* g_servers = nullptr;

// Resets the server (stored instances, log, faults) and lifts its rate limits.
QatrackTestServer* Server(const std::string& variant, benchmark::State& state, std::string* utc_url) {
  if (!g_servers) g_servers = new std::map<std::string, BenchServer>;
  BenchServer& b = (*g_servers)[variant];
  if (!b.server) {
    QatrackTestServer::Options o;
    if (variant == "nodelay") {
      b.dir = std::make_unique<ScratchDir>();
      o.script = b.dir->Sub("qatrack_server_nodelay.py");
      std::ofstream(o.script) << "import sys\nsys.dont_write_bytecode = True\n"
                              << "sys.path.insert(0, '" QCFLOW_QATRACK_SERVER_DIR "')\n"
                              << "import qatrack_server\n"
                              << "qatrack_server.Handler.disable_nagle_algorithm = True\n"
                              << "sys.exit(qatrack_server.main())\n";
    }
    auto s = QatrackTestServer::Start(o);
    if (!s.ok()) {
      state.SkipWithError(s.status().ToString().c_str());
      return nullptr;
    }
    b.server = std::move(s.value());
    auto r = testing::HttpRequest(
        "GET", b.server->base_url() +
                   "/qa/unittestcollections/?unit__number=1&name=MPC%3A%20Enhanced%20Couch%20Checks",
        "", {b.server->auth_header()});
    auto j = nlohmann::json::parse(r.ok() ? r->body : "", nullptr, false);
    if (!r.ok() || j.is_discarded() || j["count"] != 1) {
      state.SkipWithError("assignment lookup failed");
      return nullptr;
    }
    b.utc_url = j["results"][0]["url"].get<std::string>();
  }
  if (!b.server->Reset().ok() ||
      !b.server->Configure(R"({"user_rate":"1000000/min","tli_rate":"1000000/min"})").ok()) {
    state.SkipWithError("could not reset the server");
    return nullptr;
  }
  *utc_url = b.utc_url;
  return b.server.get();
}

// Totals per benchmark name for the summary (every run of a name adds up).
struct Tally {
  double items = 0, seconds = 0;
  std::map<std::string, double> step_seconds;  // outbox steps
  double rounds = 0, store_writes = 0;          // sink: DeliverOnce calls, synced writes
};
std::map<std::string, Tally> g_tally;

// A unique user_key prefix per benchmark run.
std::string KeyPrefix(const std::string& what) {
  static int run = 0;
  return "bench/" + what + "/" + std::to_string(++run);
}

// ---- uploads ------------------------------------------------------------------------

// POSTs prebuilt bodies over one reused handle, with the sink's headers and options.
void PlainUploads(benchmark::State& state, std::string name, std::string variant, int batch) {
  std::string utc_url;
  QatrackTestServer* server = Server(variant, state, &utc_url);
  if (!server) return;
  bench::PlainPoster poster(server->base_url() + "/qa/testlistinstances/", server->auth_header());
  const std::string prefix = KeyPrefix("plain");
  int next = 0;
  auto post = [&](const std::string& body) { return poster.Post(body); };
  auto bodies = [&](int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
      auto b = qatrack::BuildUploadPayload(testing::NumberedCouchSession(prefix, next++), utc_url, kZone);
      out.push_back(b.ok() ? *b : "");
    }
    return out;
  };
  if (post(bodies(1)[0]) != 201) state.SkipWithError("warm-up POST failed");  // connects
  Tally& tally = g_tally[name];
  for (auto _ : state) {
    std::vector<std::string> todo = bodies(batch);
    auto t0 = Clock::now();
    for (const std::string& body : todo) {
      if (post(body) != 201) {
        state.SkipWithError(("POST answered other than 201: " + poster.reply().substr(0, 200)).c_str());
        break;
      }
    }
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    state.SetIterationTime(s);
    tally.items += batch;
    tally.seconds += s;
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

// Queues `batch` sessions (not timed), then times DeliverOnce until they are delivered.
void SinkUploads(benchmark::State& state, std::string name, std::string variant, int batch,
                 int throttle_ms, Durability durability = Durability::kSyncEveryWrite) {
  std::string utc_url;
  QatrackTestServer* server = Server(variant, state, &utc_url);
  if (!server) return;
  ScratchDir dir;
  StoreOptions so;
  so.durability = durability;
  auto store = Store::Open(dir.Sub("store"), so);
  if (!store.ok()) return state.SkipWithError(store.status().ToString().c_str());
  auto sink = bench::OpenBenchSink(store->get(), server->base_url(), server->token(), throttle_ms);
  if (!sink.ok()) return state.SkipWithError(sink.status().ToString().c_str());
  const std::string prefix = KeyPrefix("sink");
  int next = 0;
  auto queue = [&](int n) {
    const bool ok = bench::QueueCouchSessions(**store, kSink, prefix, next, n).ok();
    next += n;
    return ok;
  };
  // Warm-up: connects and fills the unit / assignment lookup caches.
  if (!queue(1) || !bench::DeliverQueued(**store, **sink, 1).ok()) {
    return state.SkipWithError("warm-up delivery failed");
  }
  Tally& tally = g_tally[name];
  for (auto _ : state) {
    if (!queue(batch)) return state.SkipWithError("queueing failed");
    auto d = bench::DeliverQueued(**store, **sink, batch);
    if (!d.ok()) return state.SkipWithError(d.status().ToString().c_str());
    tally.rounds += double(d->rounds);
    tally.store_writes += double(d->store_writes);
    state.SetIterationTime(d->seconds);
    tally.items += batch;
    tally.seconds += d->seconds;
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

// ---- outbox -------------------------------------------------------------------------

void OutboxOverhead(benchmark::State& state, std::string name, Durability durability) {
  constexpr int kBatch = 100;
  ScratchDir dir;
  StoreOptions so;
  so.durability = durability;
  auto store = Store::Open(dir.Sub("store"), so);
  if (!store.ok()) return state.SkipWithError(store.status().ToString().c_str());
  Outbox& outbox = (*store)->outbox();
  const std::string prefix = KeyPrefix("outbox");
  int next = 0;
  Tally& tally = g_tally[name];
  double step[4] = {0, 0, 0, 0};
  for (auto _ : state) {
    std::vector<QcSession> sessions;
    for (int i = 0; i < kBatch; ++i) sessions.push_back(testing::NumberedCouchSession(prefix, next++));
    auto t0 = Clock::now();
    for (const QcSession& s : sessions) {
      if (!testing::CommitSession(**store, kSink, s).ok()) return state.SkipWithError("commit");
    }
    auto t1 = Clock::now();
    auto items = outbox.List(kSink, kBatch);
    if (!items.ok() || items->size() != size_t(kBatch)) return state.SkipWithError("list");
    auto t2 = Clock::now();
    for (OutboxItem& item : *items) {
      item.attempts = 1;  // the sink's write-ahead attempt, one write for the round
      item.updated_at = NowMicros();
    }
    if (!outbox.UpdateMany(*items).ok()) return state.SkipWithError("update");
    auto t3 = Clock::now();
    std::vector<std::pair<OutboxItem, MicrosUtc>> acks;
    for (const OutboxItem& item : *items) acks.emplace_back(item, NowMicros());
    if (!outbox.AckMany(acks).ok()) return state.SkipWithError("ack");
    auto t4 = Clock::now();
    auto sec = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
    double parts[4] = {sec(t0, t1), sec(t1, t2), sec(t2, t3), sec(t3, t4)};
    for (int i = 0; i < 4; ++i) step[i] += parts[i];
    state.SetIterationTime(sec(t0, t4));
    tally.items += kBatch;
    tally.seconds += sec(t0, t4);
  }
  const double n = double(state.iterations()) * kBatch;
  const char* names[4] = {"enqueue_us", "list_us", "write_ahead_us", "ack_us"};
  for (int i = 0; i < 4; ++i) {
    state.counters[names[i]] = 1e6 * step[i] / n;
    tally.step_seconds[names[i]] += step[i];
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

// ---- registration and summary ---------------------------------------------------------

void RegisterAll() {
  // shipped: ~22 uploads/s (the 40 ms stall), so few; nodelay: a few hundred per second.
  for (auto [variant, batch, iterations] : {std::tuple<const char*, int, int>{"shipped", 20, 3},
                                            {"nodelay", 50, 30}}) {
    const std::string v = variant;
    const int b = batch;
    const std::string plain = "upload/" + v + "/plain_libcurl", sink = "upload/" + v + "/sink";
    benchmark::RegisterBenchmark(plain.c_str(),
                                 [=](benchmark::State& st) { PlainUploads(st, plain, v, b); })
        ->UseManualTime()->Iterations(iterations)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(sink.c_str(),
                                 [=](benchmark::State& st) { SinkUploads(st, sink, v, b, 0); })
        ->UseManualTime()->Iterations(iterations)->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("upload/nodelay/sink_throttle_10ms", [](benchmark::State& st) {
    SinkUploads(st, "upload/nodelay/sink_throttle_10ms", "nodelay", 50, 10);
  })
      ->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("upload/nodelay/sink_group_commit", [](benchmark::State& st) {
    SinkUploads(st, "upload/nodelay/sink_group_commit", "nodelay", 50, 0, Durability::kGroupCommit);
  })->UseManualTime()->Iterations(30)->Unit(benchmark::kMillisecond);
  for (auto [suffix, durability] : {std::pair<const char*, Durability>{"fsync", Durability::kSyncEveryWrite},
                                    {"group_commit", Durability::kGroupCommit}}) {
    const std::string name = std::string("outbox/enqueue_list_ack/") + suffix;
    const Durability d = durability;
    benchmark::RegisterBenchmark(name.c_str(),
                                 [=](benchmark::State& st) { OutboxOverhead(st, name, d); })
        ->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
  }
}

void PrintSummary() {
  auto rate = [](const std::string& name) {
    auto it = g_tally.find(name);
    return it == g_tally.end() || it->second.seconds <= 0 ? 0.0 : it->second.items / it->second.seconds;
  };
  std::printf("\nQATrack+ uploads/s (same run)   plain libcurl      sink   sink/plain\n");
  for (const char* v : {"shipped", "nodelay"}) {
    const std::string p = std::string("upload/") + v + "/";
    double plain = rate(p + "plain_libcurl"), sink = rate(p + "sink");
    if (plain <= 0 || sink <= 0) continue;
    std::printf("  %-29s %13.1f %9.1f %11.0f%%\n", v, plain, sink, 100.0 * sink / plain);
  }
  for (const char* v : {"shipped", "nodelay"}) {
    auto it = g_tally.find(std::string("upload/") + v + "/sink");
    if (it == g_tally.end() || it->second.rounds <= 0) continue;
    std::printf("  %s sink: %.2f synced store writes per DeliverOnce, %.3f per upload\n", v,
                it->second.store_writes / it->second.rounds,
                it->second.store_writes / it->second.items);
  }
  if (double g = rate("upload/nodelay/sink_group_commit"), p = rate("upload/nodelay/plain_libcurl");
      g > 0 && p > 0) {
    std::printf("  %-29s %13s %9.1f %11.0f%%\n", "nodelay, store group commit", "", g, 100.0 * g / p);
  }
  if (double t = rate("upload/nodelay/sink_throttle_10ms"); t > 0) {
    std::printf("  nodelay, throttle 10 ms: %.1f uploads/s (limit 100/s)\n", t);
  }
  for (const char* suffix : {"fsync", "group_commit"}) {
    auto ob = g_tally.find(std::string("outbox/enqueue_list_ack/") + suffix);
    if (ob == g_tally.end() || ob->second.items <= 0) continue;
    std::printf("  outbox µs per item, %s:", suffix);
    for (const auto& [step, s] : ob->second.step_seconds) {
      std::printf(" %s=%.1f", step.c_str(), 1e6 * s / ob->second.items);
    }
    std::printf(" total_us=%.1f\n", 1e6 * ob->second.seconds / ob->second.items);
  }
  std::fflush(stdout);
}

}  // namespace
}  // namespace qcflow

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  qcflow::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  qcflow::PrintSummary();
  delete qcflow::g_servers;  // stops the servers, removes the wrapper script
  curl_global_cleanup();
  return 0;
}
