// An MPC journal record as the MpcTransform reads it (internal to
// process/mpc: only mpc_transform.cc includes this): the scanner's meta JSON,
// and the run it holds, parsed as far as grouping or building needs.
#ifndef QCFLOW_PROCESS_MPC_RUN_RECORD_H_
#define QCFLOW_PROCESS_MPC_RUN_RECORD_H_

#include <string>
#include <string_view>

#include "ingest/mpc/results_csv.h"
#include "ingest/mpc/run_folder.h"
#include "store/status.h"

namespace qcflow::mpc::internal {

// What the transform reads from an MPC record's meta JSON (the scanner's).
struct MpcMeta {
  std::string path;       // meta.path: the Results.csv below the TDS root
  std::string folder;     // meta.folder: the run folder's name
  bool complete = false;  // meta.complete: the scanner found a complete table
};

// Fields absent, or meta not JSON, read as ""/false. Thread-safe.
MpcMeta ReadMeta(std::string_view meta);

// What parsing one record yields: only what a session needs (per-leaf rows
// and warnings dropped, the journal keeps them).
struct ParsedRun {
  std::string path;
  RunFolder folder;
  ResultsTable table;
  bool has_table = false;  // false: grouped by its folder, parsed when built
};

// Whether the Results.csv is parsed. Records the scanner found complete are
// grouped by their folder name and parsed once, when their session is built:
// a backfill holds thousands of runs pending, and parsing each twice (when
// read, then again after its cached table was evicted) cost more than the
// parse itself. Older records are parsed when read (an unreadable one is
// skipped there).
enum class TableWanted { kUnlessComplete, kAlways };

// InvalidArgument (readable) for a folder name or Results.csv that does not
// parse, or an incomplete table. Thread-safe.
Result<ParsedRun> ParseRecord(std::string_view dedup_key, std::string_view meta,
                              std::string_view payload, TableWanted wanted);

}  // namespace qcflow::mpc::internal

#endif  // QCFLOW_PROCESS_MPC_RUN_RECORD_H_
