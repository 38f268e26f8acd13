// Building QcSessions from DQA3 rows (shared/spec/dqa3.md "Macros for
// QATrack+"), as QCPump's DQA3 pumps build their uploads.
//
// Single (one beam per test list), one session per row:
//   tests           every Dqa3Row column, key (macro) = column name; NULL -> skipped
//   test_list_name  the template rendered with the row's vars
//   work_started    the row's time on the database clock -> UTC; completed + 1 min
//   user_key        "QCPump/DQA3/<machine_id>/<YYYY-MM-DD HH:MM:SS>/<data_key>"
//   comment         the row's comment
// Grouped (multiple beams per test list), one session per window of a machine:
//   tests           key = Slugify(column + "_" + beam name); rows in (time,
//                   seq) order, so a repeated beam keeps its last measurement
//   work_started    earliest row; work_completed max(latest, earliest + 1 min)
//   user_key        "QCPump/DQA3/<machine_id>/<window key>" (+ "/amend-<n>")
//   comment         the rows' comments, one per line
// A row with set_key_mismatch puts RaceWarning first in the comment.
// The neutral description (both forms): machine = display name and id, a
// linac; device = the Daily QA 3 and its serial; performer = signature;
// procedure "Daily QA3"; zone = the database clock. Each test is named by its
// column; *_baseline columns are references and *_diff deviations of their
// measure (`measure` = its key; the measure carries the baseline as
// `reference`); data_key, machine/room name, signature, device, temperature
// and pressure are context; measures carry the beam's template variables as
// parameters. DQA3 databases do not record units: `unit` stays "".
#ifndef QCFLOW_PROCESS_DQA3_DQA3_SESSION_H_
#define QCFLOW_PROCESS_DQA3_DQA3_SESSION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "process/common/qc_session.h"
#include "process/common/session_mapping.h"
#include "process/dqa3/dqa3_row.h"
#include "store/status.h"

namespace qcflow::dqa3 {

struct Dqa3SessionOptions {
  std::string test_list_template;  // REQUIRES: non-empty
  std::string zone = "UTC";        // the database's wall clock
  std::string source_id;           // copied to QcSession::source_id
};

// One row with its journal sequence number.
struct SeqRow {
  uint64_t seq = 0;
  Dqa3Row row;
};

// The visible warning for a row hit by the vendor's DATA_KEY race.
std::string RaceWarning(const Dqa3Row& row);

std::string SingleUserKey(const Dqa3Row& row);
std::string GroupedUserKey(const std::string& machine_id, const std::string& window_key,
                           int amendment);

// The names a units map may know the row's machine by, in match order:
// display name, machine name, id (QcSession::machine_names).
std::vector<std::string> MachineNamesOf(const Dqa3Row& row);

// `unit`: what the units map gives for the row's machine now; the session also
// keeps the machine names and the template's variables, so a sink resolves both
// again from the current config at delivery.
// REQUIRES: the row's time valid in options.zone.
Result<QcSession> BuildSingleSession(const SeqRow& row, const UnitRef& unit,
                                     const Dqa3SessionOptions& options);

// REQUIRES: rows non-empty, all of one machine.
// The template may use machine_name and room_name (of the first row).
Result<QcSession> BuildGroupedSession(std::vector<SeqRow> rows, const std::string& window_key,
                                      int amendment, const UnitRef& unit,
                                      const Dqa3SessionOptions& options);

}  // namespace qcflow::dqa3

#endif  // QCFLOW_PROCESS_DQA3_DQA3_SESSION_H_
