// QcSession: one QA session in a neutral form — the contract between the
// transforms that build sessions (process/mpc, process/dqa3, ...) and the sinks
// that deliver them (export/qatrack, ...): machine identity, tests with names,
// units, references and parameters where the source has them, times with the
// source's zone, and provenance.
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

// What a test is, said the source's way and no sink's: sinks map it (the
// QATrack+ sink sends `key` as the macro; an archive format writes name, unit,
// reference and parameters). Descriptive fields are "" / nullopt / empty when
// the source does not say, and in sessions stored before format 3.
enum class TestRole {
  kMeasured,   // a measurement (or a value the source reports as one)
  kReference,  // the baseline a measurement is compared with (DQA3 *_baseline)
  kDeviation,  // a measurement's difference from its reference (DQA3 *_diff)
  kContext,    // a fact about the session, not a measurement (signature, device)
};

// A file a test carries (QATrack+'s "upload" tests): its real name, and its
// content as UTF-8 text or as base64 of the bytes.
struct FileValue {
  std::string filename;  // with its extension
  std::string encoding;  // "text" | "base64"
  std::string value;     // the text, or the base64 of the bytes
  bool operator==(const FileValue&) const = default;
};

// One test of a session. Exactly one of number / text / file is set, or `skipped`.
struct TestResult {
  std::string key;                    // stable test code, unique in the session
  std::optional<double> number;       // numeric test value
  std::optional<std::string> text;    // string test value
  bool skipped = false;               // no value (QATrack+: {"skipped": true})
  std::string comment;                // optional per-test comment ("" = none)
  // Descriptive (format 3).
  std::string name;                   // human name, e.g. "BeamGroup/BeamOutputChange"
  std::string unit;                   // as the source writes it: "mm", "%", "°"
  TestRole role = TestRole::kMeasured;
  std::string measure;                // for reference/deviation: the measured test's key
  std::optional<double> reference;    // the value it is compared with (DQA3 baseline)
  std::optional<double> tolerance;    // allowed |deviation| (MPC threshold)
  std::string evaluation;             // the source's verdict: "Pass", "Fail", ...
  std::map<std::string, std::string> parameters;  // beam, energy, ... as the source names them
  std::optional<FileValue> file;      // a file value (format 3)
};

// The machine a session was performed on, as the source identifies it.
struct MachineIdentity {
  std::string serial;        // e.g. the MPC folder serial; "" when the source has none
  std::string name;          // e.g. the DQA3 display name "<room>/<machine>"
  std::string id;            // the source's own id (DQA3 MACH_KEY)
  std::string type;          // "linac"
  std::string manufacturer;  // "Varian", "Elekta", or "" when not known
  std::string model;         // "" when not known
};

// The measuring device, when the source names one (DQA3: the Daily QA 3).
struct DeviceIdentity {
  std::string type;
  std::string serial;
};

struct QcSession {
  // Provenance.
  std::string source_kind;            // "mpc", "dqa3", ...
  std::string source_id;              // e.g. the TDS root or DB identity
  std::vector<std::string> source_files;  // e.g. Results.csv paths
  std::vector<uint64_t> source_seqs;  // journal sequence numbers it was built from
  // What was done, on what, by whom.
  MachineIdentity machine;
  DeviceIdentity device;
  std::string procedure;              // the source's name for it: MPC check type, "Daily QA3"
  std::string performer;              // who performed it (DQA3 signature); "" unknown
  std::string zone;                   // IANA zone of the source's clock ("" = UTC)
  MicrosUtc work_started = 0;
  MicrosUtc work_completed = 0;       // REQUIRES: >= work_started
  std::string user_key;               // REQUIRES: non-empty, <= 255 chars; the session's identity
  std::vector<TestResult> tests;      // in a stable (sorted by key) order
  std::string comment;                // optional list-level comment ("" = none)
  bool amendment = false;             // built from late runs of an emitted session
  // Where the source's config sends it: a units map's unit (DQA3; MPC finds
  // the unit by machine.serial) and a rendered test list name. Resolved again
  // from the current config at delivery (process/common/session_mapping.h)
  // from the inputs kept beside them; empty inputs in format 1 sessions, which
  // keep the unit and test list they were built with.
  std::string unit_name;
  std::optional<int64_t> unit_number;
  std::string test_list_name;         // rendered from the source's template
  std::vector<std::string> machine_names;            // units map keys, in match order
  std::map<std::string, std::string> test_list_vars; // the test list template's inputs
};

// "measured", "reference", "deviation", "context".
std::string_view TestRoleName(TestRole role);

// Versioned JSON encoding ({"v":3,...}). Round-trips exactly. Versions 1 and 2
// still decode: their "machine.serial" is machine.serial, "macro" the key, and
// the descriptive fields are empty (1 also lacks unit_number, machine_names
// and test_list_vars).
std::string EncodeQcSession(const QcSession& session);
Result<QcSession> DecodeQcSession(std::string_view json);

// The same measurements: equal but for the fields a sink resolves at delivery
// (unit, test list, their inputs), the list comment, which follow the config,
// and the descriptive fields, which a format 1/2 session lacks. A session
// re-derived after a config change or an upgrade is the stored one.
bool SameMeasurements(const QcSession& a, const QcSession& b);

// The outbox group (delivery order is kept within it): the machine, else the unit.
std::string SessionGroup(const QcSession& session);

// Checks the REQUIRES above; returns InvalidArgument naming the first problem.
Status ValidateQcSession(const QcSession& session);

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_QC_SESSION_H_
