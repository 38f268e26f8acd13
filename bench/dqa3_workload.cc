#include "bench/dqa3_workload.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "ingest/dqa3/dqa3_source.h"
#include "ingest/dqa3/sim/dqa3_sim.h"
#include "store/store.h"
#include "store/time_util.h"

namespace qcflow::bench {

Result<Dqa3BenchReport> RunDqa3Bench(const std::string& dir, const Dqa3BenchOptions& o,
                                     const std::function<void(const std::string&)>& progress) {
  using Clock = std::chrono::steady_clock;
  auto seconds = [](Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  auto step = [&](const std::string& s) {
    if (progress) progress(s);
  };
  Dqa3BenchReport report;
  dqa3::Dqa3SourceConfig cfg;
  cfg.name = "bench-dqa3";
  cfg.db_zone = o.db_zone;
  MicrosUtc now = NowMicros(), since = now - int64_t(o.history_days) * 86400 * kMicrosPerSecond;
  if (o.existing) {
    cfg.connection = *o.existing;
  } else {
    cfg.connection.backend = dqa3::Dqa3Backend::kSqlite;
    cfg.connection.sqlite.path = dir + "/dqa3.sqlite";
    dqa3::sim::Dqa3SimOptions so;
    so.version = o.version;
    so.machines = 10;
    so.beams_per_machine = 6;
    so.days = int(std::max<size_t>(1, o.rows / 60));
    step("writing a synthetic DQA3 database (" + o.version + ", SQLite)");
    const Clock::time_point t0 = Clock::now();
    QCFLOW_RETURN_IF_ERROR(dqa3::sim::CreateDqa3Schema(cfg.connection, so.version));
    auto sum = dqa3::sim::WriteDqa3Rows(cfg.connection, so);
    if (!sum.ok()) return sum.status();
    report.write_db_s = seconds(t0);
    report.rows_expected = sum->trend_rows;
    auto last = CivilToUtc(sum->last_measurement, cfg.db_zone);
    if (!last.ok()) return last.status();
    now = *last + 3600 * kMicrosPerSecond;
    since = *CivilToUtc(so.first_day, cfg.db_zone) - 86400 * kMicrosPerSecond;
  }
  cfg.history_days = std::max(1, o.history_days);
  QCFLOW_RETURN_IF_ERROR(dqa3::ValidateDqa3SourceConfig(cfg));
  report.database = dqa3::DescribeConnection(cfg.connection);
  auto store = Store::Open(dir + "/store");
  if (!store.ok()) return store.status();
  dqa3::Dqa3Source source(cfg);
  auto schema = source.DetectSchema();
  if (!schema.ok()) return schema.status();
  report.schema = *schema;

  step("first poll");
  Clock::time_point t0 = Clock::now();
  auto first = source.PollSince(&(*store)->journal(), since, now);
  if (!first.ok()) return first.status();
  report.first_poll_s = seconds(t0);
  report.rows_read = first->rows_read;
  report.appended = first->appended;
  step("re-poll (every row already journaled)");
  t0 = Clock::now();
  auto again = source.PollSince(&(*store)->journal(), since, now);
  if (!again.ok()) return again.status();
  report.repoll_s = seconds(t0);
  report.duplicates_on_repoll = again->duplicates;
  return report;
}

}  // namespace qcflow::bench
