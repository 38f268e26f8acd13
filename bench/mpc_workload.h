// The MPC path on a synthetic TDS tree (bench/synthetic_tds.h), shared by
// mpc_bench and `qcflow bench mpc`: the scanner and transform settings both
// use, and a whole run (write the tree, first scan, re-scan, transform to
// sessions) with its timings.
#ifndef QCFLOW_BENCH_MPC_WORKLOAD_H_
#define QCFLOW_BENCH_MPC_WORKLOAD_H_

#include <cstddef>
#include <functional>
#include <string>

#include "ingest/mpc/tds_scanner.h"
#include "process/mpc/mpc_transform.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow::bench {

inline constexpr const char* kMpcBenchZone = "Europe/Berlin";
inline constexpr const char* kMpcBenchSource = "bench-tds";

mpc::TdsScanConfig MpcScanConfig(const std::string& root);
mpc::MpcTransformConfig MpcTransformConfigForBench();
// "now" for scans: every synthetic file has settled (they were written seconds ago).
MicrosUtc MpcScanNow();
// "now" for the transform: later than any synthetic run plus the wait.
MicrosUtc MpcTransformNow();

struct MpcBenchOptions {
  size_t folders = 10000;
  int serials = 4;
};
struct MpcBenchReport {
  size_t folders = 0, sessions_expected = 0, sessions = 0, rows = 0;
  uint64_t tree_bytes = 0;
  double write_tree_s = 0;   // writing the synthetic tree (not part of qcflow's work)
  // Floors, same tree, same run (bench/tree_floor.h): a stat of every file,
  // and reading every file's bytes on one thread.
  double stat_walk_s = 0;
  double read_all_s = 0;
  double first_scan_s = 0;   // TdsScanner::Scan into a fresh store
  double rescan_s = 0;       // the same scanner over the unchanged tree
  double transform_s = 0;    // MpcTransform::RunUntilCaughtUp: parse, group, sessions
  double cpu_s = 0;          // process CPU of scan + re-scan + transform
  uint64_t peak_rss_kib = 0;
  double folders_per_s() const { return double(folders) / first_scan_s; }
  double sessions_per_s() const { return double(sessions) / transform_s; }
};
// Tree and store under `dir` (which must be empty or missing). progress(step) as each starts.
Result<MpcBenchReport> RunMpcBench(const std::string& dir, const MpcBenchOptions& options,
                                   const std::function<void(const std::string&)>& progress);

}  // namespace qcflow::bench

#endif  // QCFLOW_BENCH_MPC_WORKLOAD_H_
