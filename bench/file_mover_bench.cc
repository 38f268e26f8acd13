// file_mover_bench: [[source.file_mover]]'s FileMover (ingest/file_mover/mover.h)
// on a tree of 10,000 small files (100 directories of 100 files, 200 bytes
// each) written under $TMPDIR (default /tmp); each transfer is fsynced (file
// and directory) and journaled with kSyncEveryWrite, as in production.
//
//   BM_MoveFirstPass     one recursive pass moving every file to a fresh destination
//   BM_CopyFirstPass     the same in mode "copy" (sources stay)
//   BM_CopyRescan        a further pass of the same mover over the unchanged tree
//   BM_CopyRescanRestart a new mover (what a restarted daemon has: the journal only)
//
// The rescans report `share_of_first_pass` (issue 15: should be <= 5 %).
// Times are wall clock; the files are in the page cache (just written).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "bench/bench_dir.h"
#include "ingest/file_mover/mover.h"
#include "store/store.h"

namespace {

using namespace qcflow;              // NOLINT: a benchmark file
using namespace qcflow::file_mover;  // NOLINT
using Clock = std::chrono::steady_clock;

constexpr int kDirs = 100, kPerDir = 100;

void Die(const Status& s) {
  std::fprintf(stderr, "file_mover_bench: %s\n", s.ToString().c_str());
  std::abort();
}

// One run's tree, store and mover settings; removed with the object.
struct Setup {
  bench::BenchDir dir{"qcflow-file-mover-bench"};
  std::unique_ptr<Store> store;
  Kind kind = Kind::kFile;
  MoverSettings settings;

  explicit Setup(bool move) {
    for (int d = 0; d < kDirs; ++d) {
      const std::string sub = dir.Sub("in/d" + std::to_string(d));
      std::filesystem::create_directories(sub);
      for (int f = 0; f < kPerDir; ++f) {
        std::ofstream(sub + "/f" + std::to_string(f) + ".txt") << std::string(190, 'a' + f % 26) << d << "/" << f;
      }
    }
    auto s = Store::Open(dir.Sub("store"));
    if (!s.ok()) Die(s.status());
    store = std::move(*s);
    auto k = store->RegisterKind(kFilesKind);
    if (!k.ok()) Die(k.status());
    kind = *k;
    settings.name = "bench";
    settings.source = dir.Sub("in");
    settings.destination = dir.Sub("out");
    settings.recursive = true;
    settings.move = move;
    settings.settle = std::chrono::milliseconds(0);
  }
  // One pass of `m`, in seconds; aborts unless it transferred `expect` files.
  double Timed(FileMover& m, uint64_t expect) {
    auto t0 = Clock::now();
    auto r = m.Pass(NowMicros());
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!r.ok()) Die(r.status());
    if (r->transfers.size() != expect) Die(Status::Internal("transferred " + std::to_string(r->transfers.size())));
    return secs;
  }
};

void FirstPass(benchmark::State& state, bool move) {
  for (auto _ : state) {
    state.PauseTiming();
    auto setup = std::make_unique<Setup>(move);
    FileMover m(setup->settings, setup->store.get(), setup->kind);
    state.ResumeTiming();
    state.SetIterationTime(setup->Timed(m, kDirs * kPerDir));
    state.PauseTiming();
    setup.reset();
    state.ResumeTiming();
  }
  state.counters["files/s"] = benchmark::Counter(double(kDirs * kPerDir), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_MoveFirstPass(benchmark::State& state) { FirstPass(state, true); }
void BM_CopyFirstPass(benchmark::State& state) { FirstPass(state, false); }

void Rescan(benchmark::State& state, bool restart) {
  Setup setup(false);
  FileMover first(setup.settings, setup.store.get(), setup.kind);
  const double first_pass = setup.Timed(first, kDirs * kPerDir);
  double total = 0;
  for (auto _ : state) {
    std::unique_ptr<FileMover> fresh;
    if (restart) fresh = std::make_unique<FileMover>(setup.settings, setup.store.get(), setup.kind);
    double secs = setup.Timed(restart ? *fresh : first, 0);
    state.SetIterationTime(secs);
    total += secs;
  }
  state.counters["first_pass_s"] = first_pass;
  state.counters["share_of_first_pass"] = total / double(state.iterations()) / first_pass;
}

void BM_CopyRescan(benchmark::State& state) { Rescan(state, false); }
void BM_CopyRescanRestart(benchmark::State& state) { Rescan(state, true); }

BENCHMARK(BM_MoveFirstPass)->Iterations(2)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CopyFirstPass)->Iterations(2)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CopyRescan)->Iterations(5)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CopyRescanRestart)->Iterations(5)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
