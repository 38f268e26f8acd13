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
  // How the sink finds the QATrack+ unit: by serial (MPC) or by a configured
  // unit name/number (DQA3). At least one is non-empty.
  std::string unit_serial;
  std::string unit_name;
  std::string test_list_name;         // rendered from the source's template
  MicrosUtc work_started = 0;
  MicrosUtc work_completed = 0;       // REQUIRES: >= work_started
  std::string user_key;               // REQUIRES: non-empty, <= 255 chars
  std::vector<TestResult> tests;      // in a stable (sorted by macro) order
  std::string comment;                // optional list-level comment ("" = none)
  std::vector<std::string> source_files;  // e.g. Results.csv paths
  std::vector<uint64_t> source_seqs;  // journal sequence numbers it was built from
  bool amendment = false;             // built from late runs of an emitted session
};

// Versioned JSON encoding ({"v":1,...}). Round-trips exactly.
std::string EncodeQcSession(const QcSession& session);
Result<QcSession> DecodeQcSession(std::string_view json);

// Checks the REQUIRES above; returns InvalidArgument naming the first problem.
Status ValidateQcSession(const QcSession& session);

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_QC_SESSION_H_
