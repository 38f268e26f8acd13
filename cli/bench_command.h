// `qcflow bench`: the pieces shared by bench_command.cc (options, report,
// rendering) and bench_command_modes.cc (one runner per mode). Internal to
// cli/; the measuring code itself lives in bench/ (qcflow_benchkit).
#ifndef QCFLOW_CLI_BENCH_COMMAND_H_
#define QCFLOW_CLI_BENCH_COMMAND_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "store/status.h"

namespace qcflow::cli {

struct BenchSettings {
  double duration = 0;      // --duration; 0: each mode's default
  std::string work_base;    // --store: where scratch stores go (empty: $TMPDIR)
  int linacs = 10;          // icom
  double rate = 500;        // icom: messages/s per linac
  bool max = false;         // icom: backfill speed (no simulator, no pacing)
  size_t run_folders = 10000;  // mpc
  int uploads = 200;        // export
  size_t dqa3_rows = 20000;    // dqa3: synthetic SQLite rows
  // dqa3 against an existing Firebird database (read only) when database is set.
  std::string firebird_host = "127.0.0.1";
  int firebird_port = 3050;
  std::string firebird_database, firebird_user = "SYSDBA", firebird_password;
  std::string firebird_zone = "UTC";
  // True once the user asked to stop (Ctrl-C, SIGTERM): long modes end early.
  std::function<bool()> stop_requested = [] { return false; };
};

// One measured figure: a row of the summary and of the JSON report.
struct BenchRow {
  std::string measurement;  // "append batch1000 journal, dedup"
  double value = 0;
  std::string unit;         // "records/s", "MB/s", "ms", "%"
  std::string note;         // short context ("= 78 % of raw WriteBatch")
};

struct BenchModeResult {
  std::string mode;
  bool available = true;
  std::string unavailable_reason;  // when !available
  double seconds = 0;              // wall time of the mode
  std::vector<BenchRow> rows;
  std::vector<std::string> notes;  // what was run, in words
};

// Called by runners with a short status ("appending, 3.2 s"); shown on stderr.
using BenchProgress = std::function<void(const std::string&)>;

// Each runner works in `dir` (an empty scratch directory it may fill) and
// returns its figures; errors are real failures, "not available" is a result.
Result<BenchModeResult> RunJournalMode(const BenchSettings& s, const std::string& dir,
                                       const BenchProgress& progress);
Result<BenchModeResult> RunIcomMode(const BenchSettings& s, const std::string& dir,
                                    const BenchProgress& progress);
Result<BenchModeResult> RunMpcMode(const BenchSettings& s, const std::string& dir,
                                   const BenchProgress& progress);
Result<BenchModeResult> RunDqa3Mode(const BenchSettings& s, const std::string& dir,
                                    const BenchProgress& progress);
Result<BenchModeResult> RunExportMode(const BenchSettings& s, const std::string& dir,
                                      const BenchProgress& progress);

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_BENCH_COMMAND_H_
