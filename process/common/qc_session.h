// QcSession: one QA session ready for a QA database — the contract between the
// transforms that build sessions (process/mpc, process/dqa3, ...) and the sinks
// that deliver them (export/qatrack, ...).
//
// Sessions are stored as derived records in the journal's store, encoded with
// EncodeQcSession (versioned JSON), and decoded by sinks with DecodeQcSession.
// Times are UTC instants; a sink converts them to its server's zone.
#ifndef QCFLOW_PROCESS_COMMON_QC_SESSION_H_
#define QCFLOW_PROCESS_COMMON_QC_SESSION_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {

// One test of a session. Exactly one of number / text is set, or `skipped`.
struct TestResult {
  std::string macro;                  // QATrack+ test slug
  std::optional<double> number;       // numeric test value
  std::optional<std::string> text;    // string test value
  bool skipped = false;               // no value: sent as {"skipped": true}
  std::string comment;                // optional per-test comment ("" = none)
};

struct QcSession {
  std::string source_kind;            // "mpc", "dqa3", ...
  std::string source_id;              // e.g. the TDS root or DB identity
  // How the sink finds the QATrack+ unit: by serial (MPC), or by the unit name
  // or number the source's units map gave (DQA3). At least one is set.
  std::string unit_serial;
  std::string unit_name;
  std::optional<int64_t> unit_number;
  std::string test_list_name;         // rendered from the source's template
  // What the unit and test list were resolved from (version 2), so a sink
  // resolves them again from the current config at delivery
  // (process/common/session_mapping.h); empty in version 1 sessions, which
  // keep the unit and test list they were built with.
  std::vector<std::string> machine_names;            // units map keys, in match order
  std::map<std::string, std::string> test_list_vars; // the test list template's inputs
  MicrosUtc work_started = 0;
  MicrosUtc work_completed = 0;       // REQUIRES: >= work_started
  std::string user_key;               // REQUIRES: non-empty, <= 255 chars
  std::vector<TestResult> tests;      // in a stable (sorted by macro) order
  std::string comment;                // optional list-level comment ("" = none)
  std::vector<std::string> source_files;  // e.g. Results.csv paths
  std::vector<uint64_t> source_seqs;  // journal sequence numbers it was built from
  bool amendment = false;             // built from late runs of an emitted session
};

// Versioned JSON encoding ({"v":2,...}). Round-trips exactly; version 1
// (no unit_number, machine_names, test_list_vars) still decodes.
std::string EncodeQcSession(const QcSession& session);
Result<QcSession> DecodeQcSession(std::string_view json);

// The same measurements: equal but for the fields a sink resolves at delivery
// (unit, test list, their inputs) and the comment, which follow the config. A
// session re-derived after a config change or an upgrade is the stored one.
bool SameMeasurements(const QcSession& a, const QcSession& b);

// The outbox group (delivery order is kept within it): the machine, else the unit.
std::string SessionGroup(const QcSession& session);

// Checks the REQUIRES above; returns InvalidArgument naming the first problem.
Status ValidateQcSession(const QcSession& session);

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_QC_SESSION_H_
