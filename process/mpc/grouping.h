// Grouping MPC runs into upload sessions (shared/spec/mpc.md "Grouping").
//
// Runs are keyed by (serial, check type). "Beam and Geometry Checks" runs are
// grouped by a time window: sorted by run time, a window opens at the first run
// and takes every run with time <= open + window (inclusive); the next run opens
// the next window. The window key is the opening run time "YYYY-MM-DD-HH-MM".
// Every other check type groups only identical run times (window 0). The window
// length belongs to the key's check type, so an Enhanced group never changes the
// Beam and Geometry window (the anchor's bug).
//
// A group is ready once newest run time + wait <= now. TakeReady hands ready
// groups to the caller and remembers them as emitted: from then on the window
// [open, open + window] is closed. A run that later falls into a closed window
// is LATE. It is never dropped and never opens an overlapping window: it is
// reported by TakeLate and, under LatePolicy::kAmend, also collected into an
// amendment group of that window (ready under the same wait rule; see
// RunGroup::amendment for its key).
//
// Time: run times are wall-clock readings of the site zone (the MPC workstation
// clock). All arithmetic here is on "naive micros": the wall-clock reading
// counted as if it were UTC (CivilToUtc(t, "UTC")), so windows are exactly as
// long as configured, with no DST bends, and match QCPump's naive datetimes.
// `now` must be given the same way: the site's wall clock now, see
// WallClockNaive. Around a DST change, readiness is therefore judged by the
// wall clock (as QCPump does); a group may wait an hour longer in autumn or
// become ready up to an hour sooner in spring.
//
// Determinism: results depend only on the set of runs fed and on `now`, never on
// feeding order. Restoring the emitted windows (EmittedState/RestoreEmitted)
// and re-feeding the same runs after a restart yields nothing new.
//
// The rule itself is process/common/time_window.h's TimeWindowGrouper (shared
// with DQA3); MpcGrouper adapts it to MPC runs: key (serial, check type), window
// length by check type, QCPump's MPC user_key.
//
// Not thread-safe; one MpcGrouper per transform, no I/O.
#ifndef QCFLOW_PROCESS_MPC_GROUPING_H_
#define QCFLOW_PROCESS_MPC_GROUPING_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ingest/mpc/run_folder.h"
#include "process/common/time_window.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow::mpc {

// The naive wall-clock helpers and LatePolicy live in process/common/time_window.h
// (shared with DQA3); these names keep the MPC spelling working.
using ::qcflow::FromNaive;
using ::qcflow::LatePolicy;
using ::qcflow::NaiveMicros;
using ::qcflow::ToNaive;
using ::qcflow::WallClockNaive;
using ::qcflow::WindowKey;

// One MPC run: what the grouper needs from a Results.csv journal record.
struct MpcRun {
  std::string serial;
  CheckType check_type = CheckType::kBeamAndGeometry;
  CivilTime run_time;    // from the folder name; site wall clock
  std::string folder;    // run folder name (for people reading reports)
  uint64_t seq = 0;      // journal sequence number of the Results.csv record;
                         // identifies the run: a seq seen before is a duplicate
};

struct GroupingOptions {
  int64_t window_micros = 20 * kMicrosPerMinute;  // Beam and Geometry Checks only
  int64_t wait_micros = 20 * kMicrosPerMinute;    // "wait for results"
  LatePolicy late_policy = LatePolicy::kReport;
};

// OK, or InvalidArgument for a negative window or wait.
Status ValidateGroupingOptions(const GroupingOptions& options);

// The window length the spec gives `type`: options.window_micros for Beam and
// Geometry Checks, 0 (identical timestamps only) for the others.
int64_t WindowMicrosFor(CheckType type, const GroupingOptions& options);

// A set of runs that becomes one upload.
struct RunGroup {
  std::string serial;
  CheckType check_type = CheckType::kBeamAndGeometry;
  CivilTime open;          // the window's opening run time
  std::string window_key;  // WindowKey(open)
  // 0: the window's session. n >= 1: the n-th amendment of the window, made of
  // runs that arrived after the window (and amendments 1..n-1) were emitted.
  int amendment = 0;
  std::vector<MpcRun> runs;  // sorted by (run time, seq)

  // "QCPump/MPC/<serial>/<window key>/<check type name>" — QCPump's user_key,
  // so sessions QCPump already uploaded are recognised. Amendments append
  // "/amend-<n>" (qcflow's own; QCPump never amends).
  std::string UserKey() const;
};

// A run that fell into an already emitted window.
struct LateRun {
  MpcRun run;
  std::string window_key;  // the emitted window it belongs to
  std::string user_key;    // the emitted session's user_key (amendment 0)
  bool amended = false;    // LatePolicy::kAmend: it will be in an amendment group
};

// What must survive a restart about one emitted window. Persist every element
// of EmittedState() next to the sessions; feed them to RestoreEmitted before
// re-feeding runs.
struct EmittedWindow {
  std::string serial;
  CheckType check_type = CheckType::kBeamAndGeometry;
  CivilTime open;
  int amendments = 0;           // amendment groups already emitted
  std::vector<uint64_t> seqs;   // runs in emitted groups, and late runs already reported
};

class MpcGrouper {
 public:
  // REQUIRES: ValidateGroupingOptions(options).ok()
  explicit MpcGrouper(GroupingOptions options = {});

  enum class Added {
    kPending,    // waits in an open window
    kLate,       // fell into an emitted window: see TakeLate
    kDuplicate,  // seq already known: ignored
  };
  // InvalidArgument when run.run_time is not a valid date/time.
  Result<Added> Add(const MpcRun& run);

  // Removes and returns the groups ready at `now` (site wall clock, naive),
  // sorted by (serial, check type, open, amendment); they count as emitted.
  // At most max_groups: the first ones in that order; the rest stay ready.
  std::vector<RunGroup> TakeReady(NaiveMicros now, size_t max_groups = SIZE_MAX);

  // Earliest `now` at which TakeReady would return something, if anything is pending.
  std::optional<NaiveMicros> NextReadyTime() const;

  // Late runs seen since the last call, in the order they were added.
  std::vector<LateRun> TakeLate();

  // Marks a window as emitted (state rebuilt at restart). Idempotent; merges
  // with what is known (amendments: the larger count wins). Meant to be called
  // before feeding; a pending run listed in w.seqs is dropped as emitted and
  // any other pending run inside the window becomes late. InvalidArgument for
  // an invalid `open`.
  Status RestoreEmitted(const EmittedWindow& w);

  // Every emitted window, sorted by (serial, check type, open).
  std::vector<EmittedWindow> EmittedState() const;

  size_t pending_runs() const;

 private:
  // The common grouper's key: serial \0 check type (enum order), so groups
  // sort by (serial, check type) and the key names the type's window length.
  static std::string GroupKey(const std::string& serial, CheckType type);
  static CheckType TypeOfKey(std::string_view key);
  LateRun ToLateRun(const LateMember& late);

  GroupingOptions options_;
  TimeWindowGrouper grouper_;
  // Runs the grouper still holds (pending, awaiting an amendment, or late and
  // not yet taken by TakeLate), to hand them back whole.
  std::unordered_map<uint64_t, MpcRun> runs_;
};

}  // namespace qcflow::mpc

#endif  // QCFLOW_PROCESS_MPC_GROUPING_H_
