// dqa3_bench: rows/s from a Firebird DQA3 01.04 database through the source into the
// journal, on a real Firebird 3 server (tests/testing/firebird_server.h) over
// loopback TCP. The database holds 5 years of daily measurements for 10 machines x
// 12 beams (~219k rows, ingest/dqa3/sim). Measures:
//   fill         simulator inserts (context only; not a qcflow number)
//   backfill     one PollSince over the whole history into an empty store
//   repoll       the same window again (every row a duplicate)
//   group        Dqa3Transform, grouped mode (20 min windows per machine), over the
//                backfilled journal: rows read -> sessions stored and queued
//   incremental  one new day, then Poll with history_days = 1
//   group-inc    the same transform catching up with that day
// Usage: dqa3_bench [years=5] [machines=10] [beams=12]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ingest/dqa3/dqa3_source.h"
#include "ingest/dqa3/sim/dqa3_sim.h"
#include "process/dqa3/dqa3_transform.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/firebird_dqa3.h"
#include "tests/testing/firebird_server.h"
#include "tests/testing/temp_dir.h"

namespace {

using namespace qcflow;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// This process's CPU time (user + system): the source's own cost, apart from the
// Firebird server's, which runs in another process and competes for the same cores.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "dqa3_bench: %s\n", s.ToString().c_str());
  return 1;
}

// Wall time since `t0` and this process's CPU since `cpu0`.
void Line(const char* what, size_t rows, Clock::time_point t0, double cpu0) {
  double seconds = Seconds(t0), cpu = CpuSeconds() - cpu0;
  std::printf("%-12s %8zu rows  %7.2f s  %9.0f rows/s  (qcflow cpu %6.2f s, %9.0f rows/cpu-s)\n",
              what, rows, seconds, seconds > 0 ? rows / seconds : 0.0, cpu,
              cpu > 0 ? rows / cpu : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  int years = argc > 1 ? std::atoi(argv[1]) : 5;
  int machines = argc > 2 ? std::atoi(argv[2]) : 10;
  int beams = argc > 3 ? std::atoi(argv[3]) : 12;
  auto server = testing::FirebirdServer::Start();
  if (!server.ok()) return Fail(server.status());
  auto path = (*server)->CreateDatabase("bench.fdb", "UTF8");
  if (!path.ok()) return Fail(path.status());

  dqa3::Dqa3Connection c = testing::FirebirdDqa3Connection(**server, *path);

  dqa3::sim::Dqa3SimOptions o;
  o.version = "01.04";
  o.machines = machines;
  o.beams_per_machine = beams;
  o.days = years * 365 + years / 4;
  o.first_day = {2020, 1, 1};
  o.batch_rows = 5000;
  Status s = dqa3::sim::CreateDqa3Schema(c, o.version);
  if (!s.ok()) return Fail(s);
  auto t0 = Clock::now();
  double c0 = CpuSeconds();
  auto filled = dqa3::sim::WriteDqa3Rows(c, o);
  if (!filled.ok()) return Fail(filled.status());
  Line("fill", filled->trend_rows, t0, c0);

  testing::TempDir dir;
  auto store = Store::Open(dir.Sub("store"));
  if (!store.ok()) return Fail(store.status());
  dqa3::Dqa3SourceConfig cfg;
  cfg.name = "bench";
  cfg.connection = c;
  dqa3::Dqa3Source source(cfg);
  MicrosUtc since = CivilToUtc(o.first_day, "UTC").value();
  MicrosUtc now = CivilToUtc(filled->last_measurement, "UTC").value() + 3600 * kMicrosPerSecond;

  t0 = Clock::now();
  c0 = CpuSeconds();
  auto full = source.PollSince(&(*store)->journal(), since, now);
  if (!full.ok()) return Fail(full.status());
  Line("backfill", full->appended, t0, c0);

  t0 = Clock::now();
  c0 = CpuSeconds();
  auto again = source.PollSince(&(*store)->journal(), since, now);
  if (!again.ok()) return Fail(again.status());
  Line("repoll", again->duplicates, t0, c0);

  dqa3::Dqa3TransformConfig tc;
  tc.source_id = cfg.name;
  tc.mode = dqa3::Dqa3Mode::kGrouped;
  for (const auto& m : filled->machines) tc.unit_map[m.display_name] = UnitRef::Named("unit-" + std::to_string(m.id));
  tc.sinks = {"qatrack"};
  dqa3::Dqa3Transform transform(store.value().get(), tc);
  s = transform.Restore();
  if (!s.ok()) return Fail(s);
  t0 = Clock::now();
  c0 = CpuSeconds();
  auto grouped = transform.RunUntilCaughtUp(now);
  if (!grouped.ok()) return Fail(grouped.status());
  Line("group", grouped->rows_read, t0, c0);
  std::printf("group: %zu sessions, %zu rows pending\n", grouped->sessions_emitted,
              grouped->pending_rows);

  o.write_catalogue = false;
  o.key_base = static_cast<int64_t>(filled->trend_rows) + 10;
  o.days = 1;
  o.first_day = {2020 + years, 1, 2};
  o.race = false;
  auto more = dqa3::sim::WriteDqa3Rows(c, o);
  if (!more.ok()) return Fail(more.status());
  MicrosUtc later = CivilToUtc(more->last_measurement, "UTC").value() + 3600 * kMicrosPerSecond;
  t0 = Clock::now();
  c0 = CpuSeconds();
  auto inc = source.Poll(&(*store)->journal(), later);
  if (!inc.ok()) return Fail(inc.status());
  Line("incremental", inc->rows_read, t0, c0);
  std::printf("incremental: %zu appended, %zu duplicates; journal holds %llu records\n",
              inc->appended, inc->duplicates,
              static_cast<unsigned long long>((*store)->journal().last_seq()));
  t0 = Clock::now();
  c0 = CpuSeconds();
  auto grouped_inc = transform.RunUntilCaughtUp(later);
  if (!grouped_inc.ok()) return Fail(grouped_inc.status());
  Line("group-inc", grouped_inc->rows_read, t0, c0);
  std::printf("group-inc: %zu sessions\n", grouped_inc->sessions_emitted);
  return 0;
}
