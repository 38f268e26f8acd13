// Results.csv: the table an MPC run writes, read tolerantly.
//
// Contract (shared/spec/mpc.md "Results.csv"): UTF-8 with or without BOM, "°"
// mis-decoded as "Â°", spaces after commas, blank Value or Threshold, rows with
// fewer columns, CRLF or LF line ends. A blank or non-numeric value is "no value"
// (nullopt), never 0. Per-leaf MLC rows are kept, flagged `per_leaf`, so callers
// can leave them out of uploads while the journal keeps them.
//
// Also tolerated, each noted in `warnings` where it is unusual: a mis-decoded
// BOM ("ï»¿"), Latin-1 files (read as Latin-1, so 0xB0 becomes "°"), quoted
// fields, ';' or tab separators (with ';', "0,3" reads as 0.3), columns in any
// order (found by header name; Threshold and Evaluation may be absent), a few
// title lines before the header, classic-Mac CR line ends, ",,," padding lines.
// Inputs over 8 MiB are rejected as not a Results table.
//
// Incomplete files are told apart from odd ones (`problems`): a file cut short
// (it ends without a line end inside a row, before or in its Value or
// Threshold: "0.027" cut to "0") or a Value that only starts as a number
// ("0.3mm", "0x10", "1e999"). Such a table must not be uploaded: a value in it
// may be silently different. Rows with fewer columns that end in a line end
// stay tolerated, as the spec says (Halcyon rows without Threshold).
#ifndef QCFLOW_INGEST_MPC_RESULTS_CSV_H_
#define QCFLOW_INGEST_MPC_RESULTS_CSV_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"

namespace qcflow::mpc {

struct ResultRow {
  std::string name;                  // e.g. "IsoCenterGroup/IsoCenterSize [mm]", trimmed
  std::optional<double> value;       // nullopt: blank or not a number
  std::string value_text;            // as in the file, trimmed
  std::optional<double> threshold;   // nullopt: blank (Halcyon) or not a number
  std::string threshold_text;
  std::string evaluation;            // "Pass", "Fail", ... or ""
  bool per_leaf = false;             // per-leaf MLC data: journal only, not uploaded
};

struct ResultsTable {
  std::vector<ResultRow> rows;
  // Non-fatal oddities worth a log line, e.g. "line 7: 2 columns, expected 4".
  std::vector<std::string> warnings;
  // Why the table is incomplete, e.g. "line 93: the file ends inside the row
  // of 'BeamGroup/BeamOutputChange [%]' ...". Non-empty: quarantine, never upload.
  std::vector<std::string> problems;
};

enum class PerLeafRows {
  kKeep,  // flagged per_leaf (the journal's full table)
  kDrop,  // left out of `rows` (what a session uses: ~70 of 100 rows fewer to
          // allocate); they are still checked for problems and warnings
};

// Parses the bytes of one Results.csv. Fails (InvalidArgument, with a readable
// reason) only when the bytes are not a Results table at all: empty, binary, or
// no recognisable header. Individual bad rows become warnings.
Result<ResultsTable> ParseResultsCsv(std::string_view bytes,
                                     PerLeafRows per_leaf = PerLeafRows::kKeep);

// OK when `table` has no problems; else InvalidArgument naming them and what to do.
Status CheckComplete(const ResultsTable& table);

// What the source needs to decide quarantine: the error of ParseResultsCsv
// (InvalidArgument: "Results.csv not readable: ..."), or CheckComplete's
// verdict on its table, without keeping the rows.
Status CheckResultsCsv(std::string_view bytes);

// True for the per-leaf rows the spec excludes from uploads.
bool IsPerLeafRow(std::string_view name);

}  // namespace qcflow::mpc

#endif  // QCFLOW_INGEST_MPC_RESULTS_CSV_H_
