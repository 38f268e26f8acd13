// archive_bench: 10,000 MPC sessions (process/common's sample MPC session, one
// machine, 10 a day over 1,000 days) written as QuAAC and as QUIP documents,
// one per machine and day, as `qcflow export` and the archive sinks write them
// (export/archive/document_update.h): each document read, extended and
// replaced durably (temporary file, fsync, rename, directory fsync).
//
//   BM_Export/quaac, BM_Export/quip   the export; items/s and bytes/s written
//   BM_DurableWriteFloor/...          the same documents' bytes written with
//                                     ReplaceFileDurably alone (no mapping,
//                                     no JSON): the floor the export is compared to
//
// Under $TMPDIR (default /tmp). docs/benchmarks.md reports the numbers.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <vector>

#include "bench/bench_dir.h"
#include "export/archive/document_update.h"
#include "export/quaac/quaac_archive.h"
#include "export/quip/quip_archive.h"
#include "process/common/sample_sessions_testing.h"
#include "store/durable_file.h"

namespace {

using namespace qcflow;  // NOLINT: a benchmark file

constexpr int kSessions = 10'000, kPerDay = 10;
constexpr MicrosUtc kHour = 3600LL * kMicrosPerSecond;

void Die(const Status& s) {
  std::fprintf(stderr, "archive_bench: %s\n", s.ToString().c_str());
  std::abort();
}

std::vector<QcSession> Sessions() {
  std::vector<QcSession> out;
  const QcSession base = testing::SampleMpcSession();
  for (int i = 0; i < kSessions; ++i) {
    QcSession s = base;
    s.user_key = base.user_key + "/" + std::to_string(i);
    s.work_started = base.work_started + (i / kPerDay) * 24 * kHour + (i % kPerDay) * 60 * kMicrosPerSecond;
    s.work_completed = s.work_started + 30 * kMicrosPerSecond;
    for (TestResult& t : s.tests) {
      if (t.number) *t.number += 0.001 * (i % 97);
    }
    out.push_back(std::move(s));
  }
  return out;
}

archive::ArchiveFormat Format(int which) {
  return which == 0 ? quaac::QuaacArchiveFormat({.site_user = {"QA team", "qa@clinic.org"}})
                    : quip::QuipArchiveFormat();
}

// Document path -> its sessions.
std::map<std::string, std::vector<archive::SessionToWrite>> Group(const std::vector<QcSession>& sessions,
                                                                 const std::string& dir,
                                                                 const archive::ArchiveFormat& f) {
  std::map<std::string, std::vector<archive::SessionToWrite>> out;
  for (const QcSession& s : sessions) {
    auto path = archive::DocumentPath(dir, s, archive::Period::kDay, f.extension);
    if (!path.ok()) Die(path.status());
    out[*path].push_back({&s, true});
  }
  return out;
}

void BM_Export(benchmark::State& state) {
  const std::vector<QcSession> sessions = Sessions();
  const archive::ArchiveFormat format = Format(int(state.range(0)));
  bench::BenchDir dir("qcflow-archive-bench");
  uint64_t bytes = 0;
  int run = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto groups = Group(sessions, dir.Sub("out" + std::to_string(run++)), format);
    bytes = 0;
    state.ResumeTiming();
    for (const auto& [path, writes] : groups) {
      auto u = archive::UpdateDocument(format, path, writes, archive::NoSources());
      if (!u.ok()) Die(u.status());
      bytes += u->bytes;
    }
  }
  state.SetItemsProcessed(state.iterations() * kSessions);
  state.SetBytesProcessed(int64_t(state.iterations() * bytes));
  state.counters["documents"] = double(kSessions / kPerDay);
  state.counters["bytes_per_session"] = double(bytes) / kSessions;
  state.SetLabel(format.name);
}
BENCHMARK(BM_Export)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// The floor: the same documents' final bytes written durably, one file each.
void BM_DurableWriteFloor(benchmark::State& state) {
  const std::vector<QcSession> sessions = Sessions();
  const archive::ArchiveFormat format = Format(int(state.range(0)));
  bench::BenchDir seed("qcflow-archive-bench-seed");
  std::vector<std::string> texts;
  for (const auto& [path, writes] : Group(sessions, seed.Sub("out"), format)) {
    auto doc = format.open(std::nullopt);
    for (const auto& w : writes) {
      if (Status s = (*doc)->Append(*w.session, archive::NoSources()); !s.ok()) Die(s);
    }
    texts.push_back(*(*doc)->Text());
  }
  uint64_t bytes = 0;
  for (const std::string& t : texts) bytes += t.size();
  bench::BenchDir dir("qcflow-archive-bench");
  int run = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string out = dir.Sub("out" + std::to_string(run++));
    if (Status s = MakeDirs(out); !s.ok()) Die(s);
    state.ResumeTiming();
    for (size_t i = 0; i < texts.size(); ++i) {
      if (Status s = ReplaceFileDurably(out + "/" + std::to_string(i) + ".json", texts[i]); !s.ok()) Die(s);
    }
  }
  state.SetItemsProcessed(state.iterations() * kSessions);
  state.SetBytesProcessed(int64_t(state.iterations() * bytes));
  state.SetLabel(format.name);
}
BENCHMARK(BM_DurableWriteFloor)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
