// Building the QcSession for one ready MPC group (shared/spec/mpc.md "Macro
// names" and "The upload"), the way QCPump builds its upload, so a clinic
// switching from QCPump keeps its test lists and its already uploaded sessions.
//
//   machine         the run folders' serial, a Varian linac (the sink finds
//                   the unit by serial); procedure = the check type; zone = site zone
//   test_list_name  the configured template rendered with check_type and serial
//                   (kept as test_list_vars; machine_names = {serial})
//   tests           one per non-per-leaf Results.csv row:
//                   key = MacroSlug(row name, run beam label) (the QATrack+
//                   macro); value -> number,
//                   no value -> skipped; name and unit from the row name,
//                   tolerance = threshold, evaluation, parameters beam, energy,
//                   beam_type (fff, hdtse when set); sorted by key. For the same key a
//                   later run (run time, then seq) wins — but a later blank
//                   never erases an earlier measured value.
//   comment         per test (optional): "Threshold: 0.500,Result: Pass",
//                   "Threshold: N/A,Result: ..." when the threshold is blank
//   work_started    earliest run time, as a UTC instant via the site zone
//   work_completed  max(latest run time, work_started + 1 min)
//   user_key        RunGroup::UserKey(): "QCPump/MPC/<serial>/<window key>/<check type>"
//   comment         list level (optional): "Fileset:" then "\n\t<path>" per run
//
// Pure: no file or store access; the caller supplies parsed tables.
#ifndef QCFLOW_PROCESS_MPC_SESSION_BUILDER_H_
#define QCFLOW_PROCESS_MPC_SESSION_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/mpc/results_csv.h"
#include "ingest/mpc/run_folder.h"
#include "process/common/qc_session.h"
#include "process/mpc/grouping.h"
#include "store/status.h"

namespace qcflow::mpc {

struct SessionOptions {
  // Variables: check_type ("Beam and Geometry Checks", ...), serial.
  std::string test_list_template = "MPC: {{ check_type }}";
  std::string site_zone = "UTC";  // IANA zone of the MPC workstation clock
  // Comments cancel QATrack+ auto-review for what they cover, hence off by default.
  bool include_test_comments = false;
  bool include_fileset_comment = false;
  std::string source_id;  // copied to QcSession::source_id (e.g. the TDS root)
};

// The variables test_list_template may use.
const std::vector<std::string>& MpcTemplateVariables();

// Config-time check of the template and the zone; InvalidArgument explains.
Status ValidateSessionOptions(const SessionOptions& options);

// One run of a group with what was read for it.
struct RunResults {
  uint64_t seq = 0;          // journal sequence number of the Results.csv record
  std::string path;          // Results.csv path as captured (fileset comment, source_files)
  RunFolder folder;          // parsed run folder name
  ResultsTable table;        // parsed Results.csv
};

// Per-test comment, e.g. "Threshold: 0.500,Result: Pass" (QCPump's "%.3f").
std::string TestComment(const ResultRow& row);

// Builds the session for `group` from its runs' results.
// REQUIRES: `runs` non-empty, every run's folder serial and check type equal
// the group's (else InvalidArgument); run times valid in options.site_zone.
// The result passes ValidateQcSession unless a run produced no usable test
// name at all (then the tests are simply fewer).
Result<QcSession> BuildMpcSession(const RunGroup& group, const std::vector<RunResults>& runs,
                                  const SessionOptions& options);

}  // namespace qcflow::mpc

#endif  // QCFLOW_PROCESS_MPC_SESSION_BUILDER_H_
