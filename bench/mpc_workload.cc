#include "bench/mpc_workload.h"

#include <chrono>
#include <memory>

#include "bench/measure.h"
#include "bench/synthetic_tds.h"
#include "bench/tree_floor.h"
#include "store/store.h"

namespace qcflow::bench {

mpc::TdsScanConfig MpcScanConfig(const std::string& root) {
  mpc::TdsScanConfig c;
  c.root = root;
  c.source_id = kMpcBenchSource;
  c.site_zone = kMpcBenchZone;
  return c;
}

mpc::MpcTransformConfig MpcTransformConfigForBench() {
  mpc::MpcTransformConfig c;
  c.session.site_zone = kMpcBenchZone;
  c.session.source_id = kMpcBenchSource;
  c.sinks = {"qatrack"};
  return c;
}

MicrosUtc MpcScanNow() { return NowMicros() + 3600 * kMicrosPerSecond; }

MicrosUtc MpcTransformNow() { return *CivilToUtc({2100, 1, 1, 0, 0, 0, 0}, "UTC"); }

Result<MpcBenchReport> RunMpcBench(const std::string& dir, const MpcBenchOptions& o,
                                   const std::function<void(const std::string&)>& progress) {
  using Clock = std::chrono::steady_clock;
  auto seconds = [](Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  auto step = [&](const char* what) {
    if (progress) progress(what);
  };
  MpcBenchReport report;
  synthetic::SyntheticTdsOptions so;
  so.folders = o.folders;
  so.serials = o.serials;
  QCFLOW_RETURN_IF_ERROR(synthetic::ValidateSyntheticTdsOptions(so));
  step("writing the synthetic TDS tree");
  Clock::time_point t = Clock::now();
  const std::string root = dir + "/TDS";
  auto tree = synthetic::WriteSyntheticTds(root, so);
  if (!tree.ok()) return tree.status();
  report.write_tree_s = seconds(t);
  report.folders = tree->folders;
  report.sessions_expected = tree->sessions;
  report.rows = tree->rows;
  report.tree_bytes = tree->bytes;

  step("floors: stat walk and read of the tree");
  auto walk = StatWalkFloor(root);
  if (!walk.ok()) return walk.status();
  report.stat_walk_s = walk->seconds;
  auto read = ReadAllFloor(root);
  if (!read.ok()) return read.status();
  report.read_all_s = read->seconds;

  auto store = Store::Open(dir + "/store");
  if (!store.ok()) return store.status();
  const double cpu0 = ProcessCpuSeconds();
  step("first scan");
  mpc::TdsScanner scanner(MpcScanConfig(root), store->get());
  t = Clock::now();
  auto first = scanner.Scan(MpcScanNow());
  if (!first.ok()) return first.status();
  report.first_scan_s = seconds(t);
  if (first->appended != report.folders) {
    return Status::Internal("first scan journaled " + std::to_string(first->appended) + " of " +
                            std::to_string(report.folders) + " folders");
  }
  step("re-scan");
  t = Clock::now();
  auto again = scanner.Scan(MpcScanNow());
  if (!again.ok()) return again.status();
  report.rescan_s = seconds(t);
  step("transform to sessions");
  t = Clock::now();
  mpc::MpcTransform transform(store->get(), MpcTransformConfigForBench());
  QCFLOW_RETURN_IF_ERROR(transform.Restore());
  auto done = transform.RunUntilCaughtUp(MpcTransformNow());
  if (!done.ok()) return done.status();
  report.transform_s = seconds(t);
  report.sessions = done->sessions_emitted;
  report.cpu_s = ProcessCpuSeconds() - cpu0;
  report.peak_rss_kib = PeakRssKib();
  return report;
}

}  // namespace qcflow::bench
