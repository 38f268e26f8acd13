// files_upload_bench: [[source.files]]'s capture and sessions (ingest/files,
// process/files) on 10,000 small files (100 directories of 100 files, 200
// bytes) under $TMPDIR, journaled with the store's production sync.
//
//   BM_ScanFirstPass       one recursive FileScanner pass journaling every file
//   BM_TransformFirstPass  the files transform turning them into 10,000 queued uploads
//   BM_Rescan              a further pass over the unchanged tree (share_of_first_pass;
//                          issue 15: should be <= 5 %)
//   BM_RescanRestart       a new scanner (a restarted daemon) with the store as its
//                          memory, as the daemon's: sizes and mtimes come from the
//                          store, so it reads no file either
//   BM_RescanNoMemory      a new scanner without memory: reads and hashes each file
//                          again, and the journal's dedup keeps it out
//   BM_StatWalk            the floor: a plain recursive_directory_iterator walk that
//                          stat()s every file (share_of_first_pass, and the re-scans'
//                          counter stat_walks = their time in walks)
// Times are wall clock; the files are in the page cache (just written).
#include <benchmark/benchmark.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "bench/bench_dir.h"
#include "ingest/files/file_scan.h"
#include "process/files/files_transform.h"
#include "store/store.h"

namespace {

using namespace qcflow;         // NOLINT: a benchmark file
using namespace qcflow::files;  // NOLINT
using Clock = std::chrono::steady_clock;

constexpr int kDirs = 100, kPerDir = 100;

void Die(const Status& s) {
  std::fprintf(stderr, "files_upload_bench: %s\n", s.ToString().c_str());
  std::abort();
}

struct Setup {
  bench::BenchDir dir{"qcflow-files-upload-bench"};
  std::unique_ptr<Store> store;
  FileScanOptions scan;
  FilesTransformConfig transform;

  Setup() {
    for (int d = 0; d < kDirs; ++d) {
      const std::string sub = dir.Sub("in/d" + std::to_string(d));
      std::filesystem::create_directories(sub);
      for (int f = 0; f < kPerDir; ++f) {
        std::ofstream(sub + "/f" + std::to_string(f) + ".txt")
            << std::string(190, 'a' + f % 26) << d << "/" << f;
      }
    }
    auto s = Store::Open(dir.Sub("store"));
    if (!s.ok()) Die(s.status());
    store = std::move(*s);
    scan.source_id = transform.upload.source = "bench";
    scan.dirs = {dir.Sub("in")};
    scan.recursive = true;
    scan.settle = std::chrono::milliseconds(0);
    transform.upload.test_list_template = "Reports";
    transform.upload.units = {{dir.Sub("in"), UnitRef::Named("TB1")}};
    transform.sinks = {"qatrack"};
  }
  double Scan(FileScanner& s, size_t expect) {
    auto t0 = Clock::now();
    auto r = s.Pass(&store->journal(), NowMicros() + 60'000'000);
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!r.ok()) Die(r.status());
    if (r->appended != expect) Die(Status::Internal("journaled " + std::to_string(r->appended)));
    return secs;
  }
};

void BM_ScanFirstPass(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    auto setup = std::make_unique<Setup>();
    FileScanner s(setup->scan, setup->store.get());
    state.ResumeTiming();
    state.SetIterationTime(setup->Scan(s, kDirs * kPerDir));
    state.PauseTiming();
    setup.reset();
    state.ResumeTiming();
  }
  state.counters["files/s"] =
      benchmark::Counter(double(kDirs * kPerDir), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_TransformFirstPass(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    auto setup = std::make_unique<Setup>();
    FileScanner s(setup->scan);
    setup->Scan(s, kDirs * kPerDir);
    FilesTransform t(setup->store.get(), setup->transform);
    state.ResumeTiming();
    auto t0 = Clock::now();
    size_t sessions = 0;
    for (;;) {
      auto r = t.Step();
      if (!r.ok()) Die(r.status());
      sessions += r->sessions_emitted;
      if (r->caught_up) break;
    }
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - t0).count());
    if (sessions != size_t(kDirs * kPerDir)) Die(Status::Internal("sessions " + std::to_string(sessions)));
    state.PauseTiming();
    setup.reset();
    state.ResumeTiming();
  }
  state.counters["sessions/s"] =
      benchmark::Counter(double(kDirs * kPerDir), benchmark::Counter::kIsIterationInvariantRate);
}

// One plain walk: every file under `root` stat()ed. Returns seconds.
double StatWalk(const std::string& root) {
  auto t0 = Clock::now();
  size_t files = 0;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat st;
    if (::stat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) ++files;
  }
  if (files != size_t(kDirs * kPerDir)) Die(Status::Internal("walked " + std::to_string(files)));
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

enum class Scanner { kSame, kRestarted, kNoMemory };

void Rescan(benchmark::State& state, Scanner which) {
  Setup setup;
  FileScanner first(setup.scan, setup.store.get());
  const double first_pass = setup.Scan(first, kDirs * kPerDir);
  double total = 0, walks = 0;
  for (auto _ : state) {
    std::unique_ptr<FileScanner> fresh;
    if (which == Scanner::kRestarted) fresh = std::make_unique<FileScanner>(setup.scan, setup.store.get());
    if (which == Scanner::kNoMemory) fresh = std::make_unique<FileScanner>(setup.scan);
    double secs = setup.Scan(fresh ? *fresh : first, 0);
    state.SetIterationTime(secs);
    total += secs;
    state.PauseTiming();
    walks += StatWalk(setup.dir.Sub("in"));
    state.ResumeTiming();
  }
  state.counters["first_pass_s"] = first_pass;
  state.counters["share_of_first_pass"] = total / double(state.iterations()) / first_pass;
  state.counters["stat_walks"] = total / walks;
}

void BM_Rescan(benchmark::State& state) { Rescan(state, Scanner::kSame); }
void BM_RescanRestart(benchmark::State& state) { Rescan(state, Scanner::kRestarted); }
void BM_RescanNoMemory(benchmark::State& state) { Rescan(state, Scanner::kNoMemory); }

void BM_StatWalk(benchmark::State& state) {
  Setup setup;
  FileScanner first(setup.scan, setup.store.get());
  const double first_pass = setup.Scan(first, kDirs * kPerDir);
  double total = 0;
  for (auto _ : state) {
    const double secs = StatWalk(setup.dir.Sub("in"));
    state.SetIterationTime(secs);
    total += secs;
  }
  state.counters["share_of_first_pass"] = total / double(state.iterations()) / first_pass;
}

BENCHMARK(BM_ScanFirstPass)->Iterations(2)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TransformFirstPass)->Iterations(2)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rescan)->Iterations(5)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RescanRestart)->Iterations(5)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RescanNoMemory)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StatWalk)->Iterations(5)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
