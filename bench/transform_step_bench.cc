// transform_step_bench: a transform's step costs its own new records, not the
// journal's size (issue 16; Journal::ScanKinds and the kind-seq index).
//
//   BM_MpcStep/N     a store holding N iCom records (100-byte payloads), then 8 MPC
//                    run folders of a synthetic TDS journaled after them. Timed (manual
//                    time): a fresh MpcTransform for those runs, RunUntilCaughtUp from
//                    cursor 0. Each iteration journals a new tree under a new source,
//                    so every iteration is a first step over 8 new runs.
//   BM_ScanAll/N     the cost the step had before the index: Journal::Scan over every
//                    record of the same store, keeping the MPC ones (no parsing).
// The N = 0 and N = 1,000,000 figures side by side are the goal's ratio.
#include <benchmark/benchmark.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_dir.h"
#include "bench/mpc_workload.h"
#include "bench/synthetic_tds.h"
#include "ingest/mpc/tds_scanner.h"
#include "process/mpc/mpc_transform.h"
#include "store/journal.h"
#include "store/store.h"

namespace qcflow {
namespace {

using Clock = std::chrono::steady_clock;

// One store per N, filled once: 1M appends take seconds.
struct Filled {
  bench::BenchDir dir{"qcflow-transform-step-bench"};
  std::unique_ptr<Store> store;
  int trees = 0;
  std::string error;

  explicit Filled(size_t n) {
    auto s = Store::Open(dir.Sub("store"));
    if (!s.ok()) {
      error = s.status().ToString();
      return;
    }
    store = std::move(*s);
    std::vector<Record> batch;
    const std::string payload(100, 'x');
    for (size_t i = 0; i < n; ++i) {
      Record& r = batch.emplace_back();
      r.kind = Kind::kIcom;
      r.source_id = "linac-" + std::to_string(i % 10);
      r.event_time = MicrosUtc(1'700'000'000'000'000) + MicrosUtc(i) * 1000;
      r.capture_time = r.event_time;
      r.dedup_key = std::to_string(i);
      r.payload = payload;
      if (batch.size() == 10000 || i + 1 == n) {
        auto a = store->journal().AppendBatch(batch);
        if (!a.ok()) {
          error = a.status().ToString();
          return;
        }
        batch.clear();
      }
    }
  }

  // Journals a new 8-folder tree under a new source; returns its source id.
  Result<std::string> AddRuns() {
    const std::string root = dir.Sub("tds" + std::to_string(++trees));
    synthetic::SyntheticTdsOptions so;
    so.folders = 8;
    so.serials = 1;
    so.seed = uint64_t(trees);
    auto tree = synthetic::WriteSyntheticTds(root, so);
    if (!tree.ok()) return tree.status();
    mpc::TdsScanConfig sc = bench::MpcScanConfig(root);
    sc.source_id = "tds-" + std::to_string(trees);
    mpc::TdsScanner scanner(sc, store.get());
    auto scanned = scanner.Scan(bench::MpcScanNow());
    if (!scanned.ok()) return scanned.status();
    if (scanned->appended != 8) return Status::Internal("journaled " + std::to_string(scanned->appended));
    return sc.source_id;
  }
};

// Closed in main(): a store must not outlive RocksDB's own statics at exit.
std::map<size_t, std::unique_ptr<Filled>> g_fixtures;

Filled* Fixture(size_t n) {
  auto& f = g_fixtures[n];
  if (!f) f = std::make_unique<Filled>(n);
  return f.get();
}

void BM_MpcStep(benchmark::State& state) {
  Filled* f = Fixture(size_t(state.range(0)));
  if (!f->error.empty()) return state.SkipWithError(f->error.c_str());
  size_t read = 0, sessions = 0;
  for (auto _ : state) {
    auto source = f->AddRuns();
    if (!source.ok()) return state.SkipWithError(source.status().ToString().c_str());
    mpc::MpcTransformConfig config = bench::MpcTransformConfigForBench();
    config.session.source_id = *source;
    const auto t0 = Clock::now();
    mpc::MpcTransform transform(f->store.get(), config);
    auto done = transform.RunUntilCaughtUp(bench::MpcTransformNow());
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - t0).count());
    if (!done.ok()) return state.SkipWithError(done.status().ToString().c_str());
    if (done->runs_added != 8) return state.SkipWithError("the step did not read the 8 new runs");
    read = done->records_read;
    sessions = done->sessions_emitted;
  }
  state.counters["records_read"] = double(read);
  state.counters["sessions"] = double(sessions);
}

void BM_ScanAll(benchmark::State& state) {
  Filled* f = Fixture(size_t(state.range(0)));
  if (!f->error.empty()) return state.SkipWithError(f->error.c_str());
  if (f->trees == 0 && !f->AddRuns().ok()) return state.SkipWithError("could not journal runs");
  size_t mpc = 0;
  for (auto _ : state) {
    mpc = 0;
    auto r = f->store->journal().Scan(1, SIZE_MAX, [&](uint64_t, const RecordView& rec) {
      if (rec.kind == Kind::kMpc) ++mpc;
      return true;
    });
    if (!r.ok()) return state.SkipWithError(r.status().ToString().c_str());
  }
  state.counters["records"] = double(f->store->journal().last_seq());
  state.counters["mpc_records"] = double(mpc);
}

BENCHMARK(BM_MpcStep)->Arg(0)->Arg(1'000'000)->Iterations(5)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScanAll)->Arg(0)->Arg(1'000'000)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace qcflow

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  qcflow::g_fixtures.clear();
  benchmark::Shutdown();
  return 0;
}
