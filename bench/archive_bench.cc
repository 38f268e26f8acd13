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
#include "export/archive/document_update.h"
#include "export/quaac/quaac_archive.h"
#include "export/quip/quip_archive.h"
#include "process/common/sample_sessions_testing.h"
#include "process/icom/delivery_session.h"
#include "store/durable_file.h"

namespace {

using namespace qcflow;  // NOLINT: a benchmark file

constexpr MicrosUtc kHour = 3600LL * kMicrosPerSecond;

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

std::vector<QcSession> MpcSessions(const History& h) {
  std::vector<QcSession> out;
  const QcSession base = testing::SampleMpcSession();
  for (int i = 0; i < h.sessions; ++i) {
    QcSession s = base;
    s.user_key = base.user_key + "/" + std::to_string(i);
    s.work_started = base.work_started + (i / h.per_day) * 24 * kHour + (i % h.per_day) * 60 * kMicrosPerSecond;
    s.work_completed = s.work_started + 30 * kMicrosPerSecond;
    for (TestResult& t : s.tests) {
      if (t.number) *t.number += 0.001 * (i % 97);
    }
    out.push_back(std::move(s));
  }
  return out;
}

// Closed deliveries of one linac, each beam 2 minutes from 07:00 UTC on.
std::vector<QcSession> DeliverySessions(const History& h) {
  std::vector<QcSession> out;
  const MicrosUtc day0 = *ParseTimeArg("2024-01-01T07:00:00Z");
  for (int i = 0; i < h.sessions; ++i) {
    icom::Delivery d;
    d.linac = "LA1";
    d.machine_id = "2001";
    d.open = false;
    d.close_reason = icom::kCloseField;
    d.first_seq = uint64_t(i) * 60 + 1;
    d.last_seq = d.first_seq + 59;
    d.field_id = std::to_string(1 + i % 4);
    d.radiation_type = "PHOTON";
    d.beam_description = "Arc " + d.field_id;
    d.energies = {"6 MV"};
    d.start = day0 + (i / h.per_day) * 24 * kHour + (i % h.per_day) * 120 * kMicrosPerSecond;
    d.end = d.start + 90 * kMicrosPerSecond;
    d.mu = 100 + 0.1 * (i % 1000);
    d.prescribed_mu = d.mu;
    d.gantry_min = 0.5;
    d.gantry_max = 359.5;
    d.collimator_min = d.collimator_max = 30;
    d.segments = 1 + i % 120;
    out.push_back(icom::DeliverySession(d, "Europe/Berlin"));
  }
  return out;
}

std::vector<QcSession> Sessions(const History& h) {
  return std::string_view(h.name) == "mpc" ? MpcSessions(h) : DeliverySessions(h);
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
