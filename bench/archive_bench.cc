// archive_bench: two histories written as QuAAC and as QUIP documents, one per
// machine and day, as `qcflow export` and the archive sinks write them
// (export/archive/document_update.h): each document read, extended and
// replaced durably (temporary file, fsync, rename, directory fsync).
//   mpc         10,000 MPC sessions (process/common's sample MPC session, one
//               machine, 10 a day over 1,000 days)
//   deliveries  100,000 closed iCom deliveries (one linac, 200 beams a day over
//               500 days) as the sessions DeliverySession makes of them
//
//   BM_Export/<format>/<history>      the export; items/s and bytes/s written
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
#include "bench/sample_histories.h"
#include "export/archive/document_update.h"
#include "export/quaac/quaac_archive.h"
#include "export/quip/quip_archive.h"
#include "store/durable_file.h"

namespace {

using namespace qcflow;  // NOLINT: a benchmark file

struct History {
  const char* name;
  int sessions;
  int per_day;
};
constexpr History kHistories[] = {{"mpc", 10'000, 10}, {"deliveries", 100'000, 200}};

void Die(const Status& s) {
  std::fprintf(stderr, "archive_bench: %s\n", s.ToString().c_str());
  std::abort();
}

std::vector<QcSession> Sessions(const History& h) {
  return std::string_view(h.name) == "mpc" ? bench::MpcHistory(h.sessions, h.per_day)
                                           : bench::DeliveryHistory(h.sessions, h.per_day);
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
  const History& history = kHistories[state.range(1)];
  const std::vector<QcSession> sessions = Sessions(history);
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
  state.SetItemsProcessed(state.iterations() * history.sessions);
  state.SetBytesProcessed(int64_t(state.iterations() * bytes));
  state.counters["documents"] = double(history.sessions / history.per_day);
  state.counters["bytes_per_session"] = double(bytes) / history.sessions;
  state.SetLabel(format.name + " " + history.name);
}
BENCHMARK(BM_Export)->ArgsProduct({{0, 1}, {0, 1}})->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// The floor: the same documents' final bytes written durably, one file each.
void BM_DurableWriteFloor(benchmark::State& state) {
  const History& history = kHistories[state.range(1)];
  const std::vector<QcSession> sessions = Sessions(history);
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
  state.SetItemsProcessed(state.iterations() * history.sessions);
  state.SetBytesProcessed(int64_t(state.iterations() * bytes));
  state.SetLabel(format.name + " " + history.name);
}
BENCHMARK(BM_DurableWriteFloor)->ArgsProduct({{0, 1}, {0, 1}})->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
