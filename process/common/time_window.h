// The time-window rule that turns a stream of timed measurements into upload
// sessions (shared/spec/mpc.md "Grouping into one upload"), shared by the MPC
// and DQA3 transforms.
//
// Members carry a group key (MPC: serial + check type; DQA3: machine), a time
// and a unique seq (their journal sequence number). Per key, sorted by (time,
// seq), a window opens at the first member and takes every member with time <=
// open + window (inclusive); the next member opens the next window. The window
// length is the caller's per key (WindowFor), so one key's length never leaks
// into another's (the anchor's MPC bug).
//
// A window is ready once its newest member's time + wait <= now (a watermark
// on event time, never arrival order). TakeReady hands ready windows out and
// remembers them as emitted: [open, open + window] is then closed. A member
// that later falls into a closed window is LATE: never dropped, never opening
// an overlapping window; TakeLate reports it and, under LatePolicy::kAmend, it
// also joins an amendment group of that window (same wait rule).
//
// Time: members' times are wall-clock readings (MPC workstation, DQA3 database)
// counted as if they were UTC ("naive micros"), so windows are exactly as long
// as configured and match QCPump's naive datetimes; `now` must be the same
// wall clock (WallClockNaive).
//
// Determinism: results depend only on the set of members fed and on `now`,
// never on feeding order. Restoring the emitted windows (EmittedState /
// RestoreEmitted) and re-feeding the same members after a restart yields
// nothing new. Not thread-safe; no I/O.
#ifndef QCFLOW_PROCESS_COMMON_TIME_WINDOW_H_
#define QCFLOW_PROCESS_COMMON_TIME_WINDOW_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {

// Wall-clock time of a site zone, in microseconds, counted as if it were UTC.
using NaiveMicros = int64_t;

// REQUIRES: `t` is a valid date/time (else InvalidArgument).
Result<NaiveMicros> ToNaive(const CivilTime& t);
CivilTime FromNaive(NaiveMicros t);
// The wall clock of `zone` (IANA) at instant `now`, e.g. WallClockNaive(NowMicros(), zone).
Result<NaiveMicros> WallClockNaive(MicrosUtc now, std::string_view zone);
// "YYYY-MM-DD-HH-MM" (QCPump's DATE_GROUP_FMT).
std::string WindowKey(const CivilTime& t);

enum class LatePolicy {
  kReport,  // late members are reported (TakeLate) and not uploaded
  kAmend,   // late members are reported and uploaded as an amendment group
};

struct WindowMember {
  std::string key;     // group key
  NaiveMicros t = 0;   // wall-clock time
  uint64_t seq = 0;    // identity: a seq seen before is a duplicate
};

// A set of members that becomes one upload.
struct WindowGroup {
  std::string key;
  NaiveMicros open = 0;  // the window's opening member time
  // 0: the window's session. n >= 1: the n-th amendment of the window, made of
  // members that arrived after the window (and amendments 1..n-1) were emitted.
  int amendment = 0;
  std::vector<WindowMember> members;  // sorted by (t, seq)
};

// A member that fell into an already emitted window.
struct LateMember {
  WindowMember member;
  NaiveMicros open = 0;  // the emitted window it belongs to
  bool amended = false;  // LatePolicy::kAmend: it will be in an amendment group
};

// What must survive a restart about one emitted window: persist every element
// of EmittedState(); feed them to RestoreEmitted before re-feeding members.
struct WindowState {
  std::string key;
  NaiveMicros open = 0;
  int amendments = 0;          // amendment groups already emitted
  std::vector<uint64_t> seqs;  // members of emitted groups and late members already reported
};

class TimeWindowGrouper {
 public:
  // The window length (>= 0) of a key's members. Must depend on the key only.
  using WindowFor = std::function<int64_t(std::string_view key)>;

  // REQUIRES: wait_micros >= 0; window_for never returns a negative length.
  TimeWindowGrouper(WindowFor window_for, int64_t wait_micros, LatePolicy late_policy);

  enum class Added {
    kPending,    // waits in an open window
    kLate,       // fell into an emitted window: see TakeLate
    kDuplicate,  // seq already known: ignored
  };
  Added Add(const WindowMember& m);

  // Removes and returns the groups ready at `now`, sorted by (key, open,
  // amendment); they count as emitted. At most `max_groups` are taken (the
  // first ones in that order); the rest stay as they are for a later call.
  std::vector<WindowGroup> TakeReady(NaiveMicros now, size_t max_groups = SIZE_MAX);

  // Earliest `now` at which TakeReady would return something, if anything is pending.
  std::optional<NaiveMicros> NextReadyTime() const;

  // Late members seen since the last call, in the order they were added.
  std::vector<LateMember> TakeLate();

  // Marks a window as emitted (state rebuilt at restart). Idempotent; merges
  // with what is known (amendments: the larger count wins). A pending member
  // listed in w.seqs is dropped as emitted; any other pending member inside the
  // window becomes late.
  void RestoreEmitted(const WindowState& w);

  // Every emitted window, sorted by (key, open).
  std::vector<WindowState> EmittedState() const;

  // Members waiting in open windows (not counting late members awaiting an amendment).
  size_t pending() const { return pending_; }

 private:
  // Pending members ordered by (time, seq): the grouping order.
  using Pending = std::map<std::pair<NaiveMicros, uint64_t>, WindowMember>;
  struct Emitted {
    int amendments = 0;
    std::vector<uint64_t> seqs;
    Pending amend_pending;  // kAmend: late members waiting for the wait rule
  };
  struct KeyState {
    Pending pending;                         // not yet in any group
    std::map<NaiveMicros, Emitted> emitted;  // by window open
  };
  struct Window {
    Pending::const_iterator begin, end;
    NaiveMicros newest;
  };

  // The emitted window whose [open, open + window] holds t, or end().
  std::map<NaiveMicros, Emitted>::iterator EmittedContaining(const std::string& key,
                                                             KeyState& ks, NaiveMicros t);
  // Partitions ks.pending into windows by the rule above.
  std::vector<Window> PendingWindows(const std::string& key, const KeyState& ks) const;
  void RecordLate(NaiveMicros open, Emitted& e, const WindowMember& m);

  WindowFor window_for_;
  int64_t wait_micros_;
  LatePolicy late_policy_;
  std::map<std::string, KeyState> keys_;
  std::unordered_set<uint64_t> seen_;  // every seq pending, emitted or reported late
  std::vector<LateMember> late_;
  size_t pending_ = 0;
};

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_TIME_WINDOW_H_
