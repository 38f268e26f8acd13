// Synthetic Varian MPC TDS trees for benchmarks, the demo and tests.
//
// Shape (shared/spec/mpc.md): <dir>/TrueBeam<serial>/MPCChecks/<run folder>/Results.csv.
// Each serial runs MPC every morning: a Beam and Geometry window of 3-6 runs a
// few minutes apart (a 6X geometry check first, then beam checks of other
// energies, all within 18 minutes), and on some days an Enhanced Couch or
// Enhanced MLC run half an hour later. Every Results.csv has about 100 rows:
// ~30 named quantities plus 70 per-leaf MLC rows, with the real files'
// quirks (BOM on some, "Â°" mis-decoding, CRLF, a blank Halcyon-style
// threshold or a blank value now and then).
//
// Deterministic: the same options give byte-identical trees.
#ifndef QCFLOW_BENCH_SYNTHETIC_TDS_H_
#define QCFLOW_BENCH_SYNTHETIC_TDS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "store/status.h"

namespace qcflow::synthetic {

struct SyntheticTdsOptions {
  size_t folders = 1000;          // run folders in total (the last window may be cut short)
  int serials = 2;                // linacs, serials 1101, 1102, ...
  uint64_t seed = 1;
  std::string start = "2024-01-02";  // first day, YYYY-MM-DD (site wall clock)
};

// OK, or InvalidArgument explaining the first bad option.
Status ValidateSyntheticTdsOptions(const SyntheticTdsOptions& options);

// One planned run folder.
struct SyntheticRun {
  std::string parent;  // "TrueBeam1101"
  std::string folder;  // "NDS-WKS-SN1101-2024-01-02-07-04-00-0001-BeamCheckTemplate6xFFFMVkV"
  uint64_t csv_seed = 0;
  bool opens_window = false;  // first run of a session (Beam and Geometry or Enhanced)
};

struct SyntheticPlan {
  std::vector<SyntheticRun> runs;  // in time order per serial, serials interleaved by day
  size_t sessions = 0;             // groups a transform should emit (window 20 min)
};

// REQUIRES: ValidateSyntheticTdsOptions(options).ok()
SyntheticPlan PlanSyntheticTds(const SyntheticTdsOptions& options);

// The bytes of one Results.csv; *rows (optional) receives its data row count.
std::string SyntheticResultsCsv(uint64_t csv_seed, size_t* rows = nullptr);

struct SyntheticTdsReport {
  size_t folders = 0;
  size_t sessions = 0;  // as in SyntheticPlan
  size_t rows = 0;      // data rows written, per-leaf included
  uint64_t bytes = 0;
};

// Writes the tree under `dir` (created if missing). Refuses (AlreadyExists) a
// non-empty `dir`, so a typo can neither mix two trees nor litter a real share.
Result<SyntheticTdsReport> WriteSyntheticTds(const std::string& dir,
                                             const SyntheticTdsOptions& options);

}  // namespace qcflow::synthetic

#endif  // QCFLOW_BENCH_SYNTHETIC_TDS_H_
