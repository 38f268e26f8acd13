// One DQA3 measurement row, read from a dqa3 journal record's payload (the
// contract in docs/dqa3.md: {"v":1,"schema":"01.04","database":...,
// "set_key_mismatch":false,"row":{"tr.DATA_KEY":123,...}}), with the
// per-version formulas of shared/spec/dqa3.md "Result columns" applied — the
// same columns, values and names as QCPump's trend queries produce:
//
//   01.03, Atlas 1.5  value AB_<Q> (Atlas AB<Q>), diff <Q>, baseline value − diff;
//                     dose baseline 100·AB_DOSE/(100 + DOSE); axsym reads
//                     AB_AXIALSYM / AXIALSYM; energy = ENERGY (electrons) or
//                     PENERGY (others) for energy and energy_diff.
//   01.04, 01.06      RESULTS_<Q>, REL_BASELINE_<Q>, REL_DIFF_<Q>; energy and
//                     energy_diff = REL_DIFF_EENERGY (electrons) or REL_DIFF_XENERGY.
//   01.06 only        bsc1..3, bsc<n>_baseline, bsc<n>_diff from *_BSC<n>.
//   all               energy_baseline = 0.
//
// Row keys are matched case-insensitively ("<alias>.<COLUMN>"), because SQL
// Server and Atlas spell column names in mixed case. A NULL (or a formula over
// a NULL, or a division by zero) is a column without value: sent as skipped.
//
// Pure: no store access.
#ifndef QCFLOW_PROCESS_DQA3_DQA3_ROW_H_
#define QCFLOW_PROCESS_DQA3_DQA3_ROW_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"
#include "store/time_util.h"

namespace qcflow::dqa3 {

// One test column of a row: a number, a text, or neither (no value).
struct Dqa3Column {
  std::string name;                 // "dose", "dose_baseline", "data_key", "bsc2", ...
  std::optional<double> number;
  std::optional<std::string> text;
};

struct Dqa3Row {
  std::string schema;               // "01.03" | "01.04" | "01.06" | "1.5"
  bool set_key_mismatch = false;    // the vendor's DATA_KEY race hit this row
  std::string data_key;             // as text ("123")
  CivilTime work_started;           // the database's wall clock
  std::string comment;              // "" when NULL
  std::string machine_id;           // MACH_KEY / MachineId as text
  std::string machine_name;
  std::string room_name;            // "" when none
  std::string beam_name;            // e.g. "6 MV", "6MV EDW60"
  std::string beam_type;            // "Photon" | "Electron" | "FFF" (as stored)
  // The test-list template variables (QCPump's beam params): beam_name, energy,
  // beam_type (FFF|E|X), wedge_type (EDW|""|Static), wedge_angle, wedge_orient,
  // device, machine_name, room_name.
  std::map<std::string, std::string> vars;
  std::vector<Dqa3Column> columns;  // every test column, in QCPump's query order
  // Measured values that were text but not a number as a whole ("1.02x"): those
  // columns are no value (sent as skipped), and this says so for the log.
  std::vector<std::string> problems;

  // "<room>/<machine>", or "<machine>" when the machine has no room.
  std::string DisplayName() const;
};

// Parses a payload. InvalidArgument (naming what is missing) for JSON that is
// not a DQA3 row payload, an unknown schema, or a row without data key,
// measurement time or machine.
Result<Dqa3Row> ParseDqa3Payload(std::string_view payload);


// A number as Python's str() prints it: 6 -> "6", 6.0 -> "6.0", 2.5 -> "2.5".
std::string PythonFloat(double v);

}  // namespace qcflow::dqa3

#endif  // QCFLOW_PROCESS_DQA3_DQA3_ROW_H_
