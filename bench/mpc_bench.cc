// mpc_bench: the MPC path from a TDS share to sessions, on synthetic trees
// (bench/synthetic_tds.h) of 1k and 10k run folders written under $TMPDIR (default
// /tmp) once per benchmark and removed after it. Stores live there too.
//
//   BM_FirstScan        TdsScanner::Scan into a fresh store (read, quarantine check, journal)
//   BM_Rescan           the same scanner again over the unchanged tree
//   BM_RescanRestarted  a new scanner (memory loaded from the store) over the unchanged tree
//   BM_ParseResultsCsv  ParseResultsCsv alone, rows/s
//   BM_Grouping         MpcGrouper alone (Add every run, TakeReady), runs/s
//   BM_Backfill         scan + parse + journal + group + sessions: TdsScanner::Scan then
//                       MpcTransform::RunUntilCaughtUp on a fresh store
//
// Goals (issue): 10k-folder backfill <= 2 s; re-scan of an unchanged 10k tree <= 0.2 s.
// Times are wall clock (UseRealTime): the transform runs on every core.
// Files are in the page cache (just written): a cold NFS/SMB share is slower.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <memory>
#include <optional>

#include "bench/bench_dir.h"
#include "bench/measure.h"
#include "bench/mpc_workload.h"
#include "bench/synthetic_tds.h"
#include "ingest/mpc/results_csv.h"
#include "ingest/mpc/run_folder.h"
#include "ingest/mpc/tds_scanner.h"
#include "process/mpc/grouping.h"
#include "process/mpc/mpc_transform.h"
#include "store/store.h"

namespace {

using namespace qcflow;          // NOLINT: a benchmark file
using namespace qcflow::mpc;     // NOLINT
using namespace qcflow::synthetic;  // NOLINT

// A synthetic TDS tree for one benchmark, removed when the benchmark ends.
class ScopedTree {
 public:
  explicit ScopedTree(size_t folders) : dir_("qcflow-mpc-bench-tds") {
    SyntheticTdsOptions o;
    o.folders = folders;
    o.serials = 4;
    auto r = WriteSyntheticTds(dir_.Sub("TDS"), o);
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
      std::abort();
    }
    report_ = *r;
  }
  std::string root() const { return dir_.Sub("TDS"); }
  const SyntheticTdsReport& report() const { return report_; }

 private:
  bench::BenchDir dir_;
  SyntheticTdsReport report_;
};

// A fresh store, removed with the object.
class ScopedStore {
 public:
  ScopedStore() : dir_("qcflow-mpc-bench-store") {
    auto s = Store::Open(dir_.Sub("store"));
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.status().ToString().c_str());
      std::abort();
    }
    store_ = std::move(*s);
  }
  Store* get() { return store_.get(); }

 private:
  bench::BenchDir dir_;  // removed after the store (members die in reverse order)
  std::unique_ptr<Store> store_;
};

TdsScanConfig ScanConfig(const std::string& root) { return bench::MpcScanConfig(root); }
MicrosUtc ScanNow() { return bench::MpcScanNow(); }
MicrosUtc TransformNow() { return bench::MpcTransformNow(); }
MpcTransformConfig TransformConfig() { return bench::MpcTransformConfigForBench(); }
using bench::ProcessCpuSeconds;
double PeakRssMb() { return double(bench::PeakRssKib()) / 1024.0; }

void FoldersPerSecond(benchmark::State& state, size_t folders) {
  state.counters["folders_per_s"] =
      benchmark::Counter(double(folders), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_FirstScan(benchmark::State& state) {
  ScopedTree tree(size_t(state.range(0)));
  for (auto _ : state) {
    state.PauseTiming();
    auto store = std::make_unique<ScopedStore>();
    state.ResumeTiming();
    TdsScanner scanner(ScanConfig(tree.root()), store->get());
    auto r = scanner.Scan(ScanNow());
    state.PauseTiming();
    if (!r.ok() || r->appended != tree.report().folders) {
      state.SkipWithError("first scan did not journal every folder");
    }
    store.reset();
    state.ResumeTiming();
  }
  FoldersPerSecond(state, tree.report().folders);
}

void BM_Rescan(benchmark::State& state) {
  ScopedTree tree(size_t(state.range(0)));
  ScopedStore store;
  TdsScanner scanner(ScanConfig(tree.root()), store.get());
  if (!scanner.Scan(ScanNow()).ok()) state.SkipWithError("first scan failed");
  for (auto _ : state) {
    auto r = scanner.Scan(ScanNow());
    if (!r.ok() || r->files_unchanged != tree.report().folders) {
      state.SkipWithError("re-scan read files again");
    }
  }
  FoldersPerSecond(state, tree.report().folders);
}

void BM_RescanRestarted(benchmark::State& state) {
  ScopedTree tree(size_t(state.range(0)));
  ScopedStore store;
  if (!TdsScanner(ScanConfig(tree.root()), store.get()).Scan(ScanNow()).ok()) {
    state.SkipWithError("first scan failed");
  }
  for (auto _ : state) {
    TdsScanner scanner(ScanConfig(tree.root()), store.get());  // loads its memory from the store
    auto r = scanner.Scan(ScanNow());
    if (!r.ok() || r->files_unchanged != tree.report().folders) {
      state.SkipWithError("re-scan read files again");
    }
  }
  FoldersPerSecond(state, tree.report().folders);
}

void BM_ParseResultsCsv(benchmark::State& state) {
  std::vector<std::string> files;
  size_t rows = 0, bytes = 0;
  for (uint64_t seed = 1; seed <= 1000; ++seed) {
    size_t n = 0;
    files.push_back(SyntheticResultsCsv(seed * 7919, &n));
    rows += n;
    bytes += files.back().size();
  }
  for (auto _ : state) {
    for (const std::string& f : files) {
      auto t = ParseResultsCsv(f);
      benchmark::DoNotOptimize(t);
    }
  }
  state.counters["rows_per_s"] =
      benchmark::Counter(double(rows), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["files_per_s"] =
      benchmark::Counter(double(files.size()), benchmark::Counter::kIsIterationInvariantRate);
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(bytes));
}

void BM_Grouping(benchmark::State& state) {
  SyntheticTdsOptions o;
  o.folders = size_t(state.range(0));
  o.serials = 4;
  SyntheticPlan plan = PlanSyntheticTds(o);
  std::vector<MpcRun> runs;
  for (const SyntheticRun& r : plan.runs) {
    auto f = ParseRunFolder(r.folder);
    if (!f.ok()) {
      state.SkipWithError("synthetic folder name does not parse");
      return;
    }
    runs.push_back({f->serial, f->check_type, f->run_time, f->name, runs.size() + 1});
  }
  const NaiveMicros far = *ToNaive({2100, 1, 1, 0, 0, 0, 0});
  for (auto _ : state) {
    MpcGrouper g;
    for (const MpcRun& r : runs) benchmark::DoNotOptimize(g.Add(r));
    auto groups = g.TakeReady(far);
    if (groups.size() != plan.sessions) state.SkipWithError("unexpected number of groups");
  }
  state.counters["runs_per_s"] =
      benchmark::Counter(double(runs.size()), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Backfill(benchmark::State& state) {
  ScopedTree tree(size_t(state.range(0)));
  double scan_s = 0, transform_s = 0, cpu_s = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto store = std::make_unique<ScopedStore>();
    state.ResumeTiming();
    const double cpu0 = ProcessCpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    TdsScanner scanner(ScanConfig(tree.root()), store->get());
    auto scan = scanner.Scan(ScanNow());
    const auto t1 = std::chrono::steady_clock::now();
    MpcTransform transform(store->get(), TransformConfig());
    Status restored = transform.Restore();
    auto report = transform.RunUntilCaughtUp(TransformNow());
    const auto t2 = std::chrono::steady_clock::now();
    state.PauseTiming();
    cpu_s += ProcessCpuSeconds() - cpu0;
    scan_s += std::chrono::duration<double>(t1 - t0).count();
    transform_s += std::chrono::duration<double>(t2 - t1).count();
    if (!scan.ok() || !restored.ok() || !report.ok() ||
        report->sessions_emitted != tree.report().sessions || !report->problems.empty()) {
      state.SkipWithError("backfill did not emit every synthetic session cleanly");
    }
    store.reset();
    state.ResumeTiming();
  }
  FoldersPerSecond(state, tree.report().folders);
  const double n = double(state.iterations());
  state.counters["scan_s"] = scan_s / n;
  state.counters["transform_s"] = transform_s / n;
  state.counters["process_cpu_s"] = cpu_s / n;
  state.counters["sessions"] = double(tree.report().sessions);
  state.counters["peak_rss_mb"] = PeakRssMb();  // of the process so far
}

#define MPC_SIZED(fn, small_iters, large_iters)                                            \
  BENCHMARK(fn)->Arg(1000)->Iterations(small_iters)->Unit(benchmark::kMillisecond)->UseRealTime(); \
  BENCHMARK(fn)->Arg(10000)->Iterations(large_iters)->Unit(benchmark::kMillisecond)->UseRealTime()

MPC_SIZED(BM_FirstScan, 5, 3);
MPC_SIZED(BM_Rescan, 20, 10);
MPC_SIZED(BM_RescanRestarted, 20, 10);
BENCHMARK(BM_ParseResultsCsv)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Grouping)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
MPC_SIZED(BM_Backfill, 5, 3);

}  // namespace

BENCHMARK_MAIN();
