// The iCom backfill as `qcflow backfill icom` runs it: PyMedPhys-style
// archives (DIR/patients/<id>_<name>/<YYYYMMDD_HHMMSS>.xz, raw messages back
// to back, xz preset 6 as Python's lzma writes them) imported with
// ImportIcomArchives into a fresh store. One archive set is written from the
// simulator (LinacStreamConfig(0, seed)) and imported once per linac name:
// the dedup key names the linac, so every import appends all its messages,
// and the xz compression (slow) is paid once, not per linac.
#ifndef QCFLOW_BENCH_ICOM_ARCHIVE_H_
#define QCFLOW_BENCH_ICOM_ARCHIVE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "store/status.h"

namespace qcflow::bench {

struct IcomArchiveBenchOptions {
  int linacs = 10;
  size_t messages_per_linac = 2000;
  size_t messages_per_file = 500;  // one delivery's worth per .xz file
  uint64_t seed = 2026;
};

struct IcomArchiveBenchReport {
  uint64_t files = 0;         // .xz files imported (all linacs)
  uint64_t messages = 0;      // whole messages found
  uint64_t appended = 0;      // journal records written (= messages)
  uint64_t bytes = 0;         // decompressed bytes
  uint64_t xz_bytes = 0;      // one archive set on disk
  double write_archives_s = 0;  // compressing the archive set (not qcflow's work)
  double import_s = 0;
  double messages_per_s() const { return import_s > 0 ? double(messages) / import_s : 0; }
  double mb_per_s() const { return import_s > 0 ? double(bytes) / 1e6 / import_s : 0; }
};

Result<IcomArchiveBenchReport> RunIcomArchiveBench(
    const std::string& dir, const IcomArchiveBenchOptions& options,
    const std::function<void(const std::string&)>& progress);

}  // namespace qcflow::bench

#endif  // QCFLOW_BENCH_ICOM_ARCHIVE_H_
