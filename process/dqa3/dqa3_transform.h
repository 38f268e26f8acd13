// Dqa3Transform: journal records of kind dqa3 (one Sun Nuclear Daily QA3
// measurement row each, see docs/dqa3.md and shared/spec/dqa3.md) -> QA
// sessions ready for sinks. Modelled on mpc::MpcTransform.
//
// Two modes, as QCPump's two DQA3 pump families:
//   kSingle   one session per row ("one beam per test list"); the test list
//             name comes from a template over the beam's variables; user_key
//             "QCPump/DQA3/<machine_id>/<work_started>/<data_key>" (QCPump's).
//   kGrouped  the rows of one machine grouped by the MPC time-window rule
//             (process/common/time_window.h: window + wait, watermark on the
//             DB's wall clock), optionally only photon (Photon + FFF) or
//             electron beams; macros slug(column + "_" + beam name); a repeated
//             beam keeps its last measurement; user_key
//             "QCPump/DQA3/<machine_id>/<window key>" — from machine and window
//             only, so a late beam never changes the key of what was uploaded.
//             Late beams are reported (and, under LatePolicy::kAmend, uploaded
//             as "<user_key>/amend-<n>") like late MPC runs.
//
// Each step commits one WriteSet: the sessions ("dqa3.session", keyed by
// user_key, indexed by machine and time), the grouped mode's pending rows and
// emitted window state, late-row reports ("dqa3.late"), one outbox item per
// session per configured sink, and the cursor "transform.dqa3/<source_id>".
// Re-running over the same journal emits nothing new; a crash between steps
// repeats a step whole or not at all.
//
// Units: rows of machines the unit map does not name are held back, not sent
// ("dqa3.unmapped"); the step report names each such machine once (per
// transform lifetime). Once the unit map names the machine, the first step
// after a restart sends its held rows. Rows hit by the
// vendor's DATA_KEY race (payload "set_key_mismatch": true) still become
// sessions: the warning is the first line of the session comment (uploaded only
// when the sink's include_comments is on) and in the report.
//
// Scope: only dqa3 records whose source id equals config.source_id are read
// (all dqa3 records when it is empty), so several DQA3 databases can share a store.
#ifndef QCFLOW_PROCESS_DQA3_DQA3_TRANSFORM_H_
#define QCFLOW_PROCESS_DQA3_DQA3_TRANSFORM_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "process/common/session_mapping.h"
#include "process/common/time_window.h"
#include "process/dqa3/dqa3_session.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {
class Store;
}

namespace qcflow::dqa3 {

enum class Dqa3Mode {
  kSingle,   // one beam per test list
  kGrouped,  // multiple beams per test list
};

// Which beams a grouped session takes (QCPump's "beam types").
enum class BeamFilter {
  kAll,
  kPhotons,    // Photon and FFF
  kElectrons,
};

struct Dqa3TransformConfig {
  std::string source_id;  // the [[source.dqa3]] name; "" = every dqa3 record
  Dqa3Mode mode = Dqa3Mode::kSingle;
  // "" = the mode's default: "Daily QA3 Results: {{ beam_name }}" (single),
  // "Daily QA3 Results" (grouped). Variables: Dqa3TemplateVariables(mode).
  std::string test_list_template;
  std::string zone = "UTC";  // IANA zone of the DQA3 database's wall clock
  // DQA3 machine -> QATrack+ unit, by name or by number. A machine is
  // matched by its display name "<room>/<machine>" (or "<machine>" when it has
  // no room), then by its machine name alone, then by its id ("12"). Sessions
  // carry these names (QcSession::machine_names), so a sink maps them again
  // with the current units at delivery (SessionMapping).
  UnitMap unit_map;
  // Grouped mode only.
  int64_t window_micros = 20 * kMicrosPerMinute;
  int64_t wait_micros = 20 * kMicrosPerMinute;
  BeamFilter beam_filter = BeamFilter::kAll;
  LatePolicy late_policy = LatePolicy::kReport;
  // The row's own comment (and the race warning) go into the session comment; the
  // sink sends comments only with include_comments (they cancel auto-review).
  std::vector<std::string> sinks;  // outbox names each session is queued for
  size_t records_per_step = 4096;  // journal records read per step
  // Grouped: sessions built per step, so a backfill's years of windows commit
  // in bounded steps (the rest stay pending; the step is not caught_up).
  size_t groups_per_step = 256;
};

// "Daily QA3 Results: {{ beam_name }}" or "Daily QA3 Results".
std::string DefaultTestListTemplate(Dqa3Mode mode);
// Single: beam_name, energy, beam_type, wedge_type, wedge_angle, wedge_orient,
// device, machine_name, room_name. Grouped: machine_name, room_name.
const std::vector<std::string>& Dqa3TemplateVariables(Dqa3Mode mode);
// The options sessions are built with (the template's default applied): the
// transform's and `qcflow validate`'s, so both name the same test lists.
Dqa3SessionOptions SessionOptionsFor(const Dqa3TransformConfig& config);
// Whether a grouped session under `filter` takes a row of `beam_type` (as stored).
bool BeamSelected(BeamFilter filter, const std::string& beam_type);
// "single" | "grouped"; "all" | "photons" | "electrons" (case-insensitive).
Result<Dqa3Mode> ParseDqa3Mode(std::string_view text);
Result<BeamFilter> ParseBeamFilter(std::string_view text);

// Config-time check (template, zone, window/wait); InvalidArgument explains.
Status ValidateDqa3TransformConfig(const Dqa3TransformConfig& config);

// Derived namespaces and index names (for queries, status and sinks).
inline constexpr const char* kSessionNs = "dqa3.session";  // key: user_key
// index key: machine display name \0 be64 ordered work_started \0 user_key
inline constexpr const char* kSessionByMachine = "dqa3.session.by-machine";
inline constexpr const char* kLateNs = "dqa3.late";  // key: source \0 be64 seq; JSON value
// The cursor is kCursorName + "/" + source_id (kCursorName alone when empty).
inline constexpr const char* kCursorName = "transform.dqa3";

struct StepReport {
  size_t records_read = 0;       // DQA3 journal records visited (Journal::ScanKinds)
  size_t rows_read = 0;          // dqa3 rows of this source
  size_t rows_unreadable = 0;    // payload not understood (reported)
  size_t rows_unmapped = 0;      // machine not in the unit map: not sent
  size_t rows_filtered = 0;      // grouped: beam type not selected
  size_t rows_raced = 0;         // set_key_mismatch rows (values sent; warning in the session comment)
  size_t sessions_emitted = 0;
  size_t amendments_emitted = 0;
  size_t late_rows = 0;
  size_t pending_rows = 0;       // grouped: waiting in open windows after this step
  bool caught_up = false;        // the cursor reached the end of the journal
  std::vector<std::string> problems;  // readable sentences

  // Sums a later step into this one; pending_rows and caught_up are the later step's.
  void Add(const StepReport& step);
  // Read a record or emitted a session: another step may do more (step_loop.h).
  bool progressed() const { return records_read > 0 || sessions_emitted > 0 || amendments_emitted > 0; }
};

// Same life cycle as mpc::MpcTransform: Restore once, then Step on a timer.
class Dqa3Transform {
 public:
  // REQUIRES: `store` outlives this; ValidateDqa3TransformConfig(config).ok().
  Dqa3Transform(Store* store, Dqa3TransformConfig config);
  ~Dqa3Transform();

  // Loads the grouped mode's windows and pending rows, and finds held rows of
  // machines the unit map names now. Call once before Step.
  Status Restore();

  // Reads up to records_per_step records after the cursor and commits what
  // they yield. Grouped windows ready at `now` (an instant, compared on the
  // database's wall clock) are emitted only once the journal is fully read.
  // A failed step forgets its in-memory state; the next one restores it.
  Result<StepReport> Step(MicrosUtc now);

  // Steps by the one stop rule of process/common/step_loop.h; the reports summed.
  Result<StepReport> RunUntilCaughtUp(MicrosUtc now);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qcflow::dqa3

#endif  // QCFLOW_PROCESS_DQA3_DQA3_TRANSFORM_H_
