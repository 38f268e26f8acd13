// files_deliver_bench: [[source.files]] end to end into the QATrack+ test server
// (tests/qatrack_server, loopback only): 1,000 files of 1 MiB of random bytes
// (mode = "binary", each sent base64, ≈1.4 MB of JSON), in 10 directories.
//
//   BM_Upload1MiB/sink   FileScanner pass (journal, production sync) + FilesTransform
//                        until caught up + QatrackSink::DeliverOnce until every upload
//                        is delivered (throttle 0). Timed: the whole path; counters
//                        scan_s, transform_s, deliver_s split it.
//   BM_Upload1MiB/plain  the floor on the same server: the same 1,000 bodies (built
//                        before timing with the sink's payload builder from the journaled
//                        records) POSTed over one kept-alive libcurl handle.
// Manual time: only what each names is timed (not writing the files, nor
// removing them). The server is reset before each (stored instances make later POSTs slower), and
// the summary prints sink / plain.
#include <benchmark/benchmark.h>
#include <curl/curl.h>

#include <chrono>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "bench/bench_dir.h"
#include "bench/export_workload.h"
#include "bench/plain_post.h"
#include "export/qatrack/qatrack_sink.h"
#include "export/qatrack/upload_payload.h"
#include "ingest/files/file_scan.h"
#include "process/files/file_upload.h"
#include "process/files/files_transform.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/qatrack_test_server.h"

namespace qcflow {
namespace {

using Clock = std::chrono::steady_clock;
using testing::QatrackTestServer;

constexpr int kDirs = 10, kPerDir = 100, kFiles = kDirs * kPerDir;
constexpr size_t kFileBytes = 1 << 20;
constexpr char kZone[] = "America/Toronto";  // the test server's

double Seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The server (one unit, TB1, with an upload test list), started once.
struct Server {
  std::unique_ptr<QatrackTestServer> server;
  std::string utc_url;
  std::string error;
  Server() {
    QatrackTestServer::Options o;
    o.seed = "empty";
    auto s = QatrackTestServer::Start(o);
    if (!s.ok()) {
      error = s.status().ToString();
      return;
    }
    server = std::move(*s);
    nlohmann::json seed = {
        {"sites", {{{"name", "Main"}}}},
        {"units", {{{"number", 1}, {"name", "TB1"}, {"serial_number", "S1"}, {"site", "Main"}, {"active", true}}}},
        {"test_lists", {{{"name", "Reports"}, {"tests", {{{"slug", "upload"}, {"type", "upload"}}}}}}},
        {"utcs", {{{"unit", 1}, {"test_list", "Reports"}, {"active", true}}}}};
    if (Status st = server->Seed(seed.dump()); !st.ok()) {
      error = st.ToString();
      return;
    }
    auto r = testing::HttpRequest("GET", server->base_url() + "/qa/unittestcollections/?unit__number=1",
                                  "", {server->auth_header()});
    auto j = nlohmann::json::parse(r.ok() ? r->body : "", nullptr, false);
    if (!r.ok() || j.is_discarded() || j["count"] != 1) {
      error = "assignment lookup failed";
      return;
    }
    utc_url = j["results"][0]["url"];
  }
  // Empty when the server is ready: stored instances dropped, no rate limits.
  std::string Reset() {
    if (!error.empty()) return error;
    if (!server->Reset().ok() ||
        !server->Configure(R"({"user_rate":"1000000/min","tli_rate":"1000000/min"})").ok()) {
      return "could not reset the server";
    }
    return "";
  }
};
Server* g_server = nullptr;

// 1,000 files of random bytes in a fresh directory, journaled by a binary
// files source in a fresh store.
struct Files {
  bench::BenchDir dir{"qcflow-files-deliver-bench"};
  std::unique_ptr<Store> store;
  files::FileScanOptions scan;
  files::FilesTransformConfig transform;
  std::string error;
  Files() {
    std::mt19937_64 rng(42);
    std::string bytes(kFileBytes, '\0');
    for (int d = 0; d < kDirs; ++d) {
      const std::string sub = dir.Sub("in/d" + std::to_string(d));
      std::filesystem::create_directories(sub);
      for (int f = 0; f < kPerDir; ++f) {
        for (size_t i = 0; i + 8 <= bytes.size(); i += 8) {
          const uint64_t v = rng();
          std::memcpy(&bytes[i], &v, 8);
        }
        std::ofstream(sub + "/f" + std::to_string(f) + ".bin", std::ios::binary) << bytes;
      }
    }
    auto s = Store::Open(dir.Sub("store"));
    if (!s.ok()) {
      error = s.status().ToString();
      return;
    }
    store = std::move(*s);
    scan.source_id = transform.upload.source = "bench";
    scan.dirs = {dir.Sub("in")};
    scan.recursive = true;
    scan.mode = files::FileMode::kBinary;
    scan.settle = std::chrono::milliseconds(0);
    transform.upload.test_list_template = "Reports";
    transform.upload.units = {{dir.Sub("in"), UnitRef::Named("TB1")}};
    transform.sinks = {"qatrack"};
  }
  Status ScanAll() {
    files::FileScanner s(scan, store.get());
    auto r = s.Pass(&store->journal(), NowMicros() + 60'000'000);
    if (!r.ok()) return r.status();
    if (r->appended != size_t(kFiles)) return Status::Internal("journaled " + std::to_string(r->appended));
    return Status::OK();
  }
};

struct Tally {
  double sink = 0, plain = 0;
} g_tally;

void BM_Upload1MiBSink(benchmark::State& state) {
  if (!g_server) g_server = new Server;
  for (auto _ : state) {
    if (std::string e = g_server->Reset(); !e.empty()) return state.SkipWithError(e.c_str());
    Files files;
    if (!files.error.empty()) return state.SkipWithError(files.error.c_str());
    auto sink = bench::OpenBenchSink(files.store.get(), g_server->server->base_url(),
                                     g_server->server->token(), 0);
    if (!sink.ok()) return state.SkipWithError(sink.status().ToString().c_str());
    const auto t0 = Clock::now();
    if (Status s = files.ScanAll(); !s.ok()) return state.SkipWithError(s.ToString().c_str());
    const double scan_s = Seconds(t0);
    const auto t1 = Clock::now();
    files::FilesTransform transform(files.store.get(), files.transform);
    size_t sessions = 0;
    for (;;) {
      auto r = transform.Step();
      if (!r.ok()) return state.SkipWithError(r.status().ToString().c_str());
      sessions += r->sessions_emitted;
      if (r->caught_up) break;
    }
    if (sessions != size_t(kFiles)) return state.SkipWithError("not every file became an upload");
    const double transform_s = Seconds(t1);
    auto d = bench::DeliverQueued(*files.store, **sink, kFiles);
    if (!d.ok()) return state.SkipWithError(d.status().ToString().c_str());
    const double total = Seconds(t0);
    state.SetIterationTime(total);
    g_tally.sink = total;
    state.counters["scan_s"] = scan_s;
    state.counters["transform_s"] = transform_s;
    state.counters["deliver_s"] = d->seconds;
  }
  state.counters["uploads/s"] = benchmark::Counter(kFiles, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["MiB/s"] = benchmark::Counter(kFiles, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Upload1MiBPlain(benchmark::State& state) {
  if (!g_server) g_server = new Server;
  for (auto _ : state) {
    if (std::string e = g_server->Reset(); !e.empty()) return state.SkipWithError(e.c_str());
    Files files;
    if (!files.error.empty()) return state.SkipWithError(files.error.c_str());
    if (Status s = files.ScanAll(); !s.ok()) return state.SkipWithError(s.ToString().c_str());
    std::vector<std::string> bodies;
    Status built;
    auto scanned = files.store->journal().Scan(1, kFiles, [&](uint64_t seq, const RecordView& r) {
      auto session = files::BuildFileUploadSession(seq, r, files.transform.upload);
      auto body = session.ok() ? qatrack::BuildUploadPayload(*session, g_server->utc_url, kZone)
                               : Result<std::string>(session.status());
      if (!body.ok()) built = body.status();
      bodies.push_back(body.ok() ? std::move(*body) : "");
      return built.ok();
    });
    if (!scanned.ok() || !built.ok() || bodies.size() != size_t(kFiles)) {
      return state.SkipWithError(("building bodies: " + built.ToString()).c_str());
    }
    bench::PlainPoster poster(g_server->server->base_url() + "/qa/testlistinstances/",
                              g_server->server->auth_header());
    const auto t0 = Clock::now();
    for (const std::string& body : bodies) {
      if (poster.Post(body) != 201) {
        return state.SkipWithError(("POST answered other than 201: " + poster.reply().substr(0, 200)).c_str());
      }
    }
    const double total = Seconds(t0);
    state.SetIterationTime(total);
    g_tally.plain = total;
  }
  state.counters["uploads/s"] = benchmark::Counter(kFiles, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["MiB/s"] = benchmark::Counter(kFiles, benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK(BM_Upload1MiBPlain)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);
BENCHMARK(BM_Upload1MiBSink)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);

}  // namespace
}  // namespace qcflow

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  if (qcflow::g_tally.sink > 0 && qcflow::g_tally.plain > 0) {
    std::printf("\n1,000 x 1 MiB to the test server: files source end to end %.1f s, plain POSTs %.1f s "
                "(%.0f %% of the floor's speed)\n",
                qcflow::g_tally.sink, qcflow::g_tally.plain, 100 * qcflow::g_tally.plain / qcflow::g_tally.sink);
  }
  delete qcflow::g_server;
  benchmark::Shutdown();
  curl_global_cleanup();
  return 0;
}
