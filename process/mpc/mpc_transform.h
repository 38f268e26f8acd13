// MpcTransform: journal records of kind mpc -> QA sessions ready for sinks.
//
// A oneTBB flow graph per step: read journal records after the cursor →
// parse (folder name + Results.csv, in parallel) → classify → group (serial,
// MpcGrouper) → build sessions of ready groups. Each step commits, in one
// WriteSet: the compact run records it derived ("mpc.run"), the sessions
// ("mpc.session", keyed by user_key, indexed by serial and time), the emitted
// window state ("mpc.window"), late-run reports ("mpc.late"), one outbox item
// per session per configured sink, and the cursor. A crash between steps
// therefore repeats a step whole or not at all, and re-running over the same
// journal emits nothing new (derived keys are deterministic).
//
// Restore() rebuilds the grouper from "mpc.run" and "mpc.window", so pending
// runs and emitted windows survive restarts without re-reading history.
//
// Scope: only MPC records whose source id equals config.session.source_id are
// consumed (all MPC records when it is empty), so several MPC sources can share
// one store. Quarantined records are skipped (the source already reported them).
// Records the scanner found complete (meta "complete") are grouped by their
// run folder and their Results.csv is parsed once, when the group is built
// (re-read from the journal by seq); a failure then leaves the run out of its
// session with a problem. Older records are parsed when read (an unreadable
// one is skipped) and their tables kept in memory (bounded); after a restart,
// or beyond the bound, they are re-read when their group is built.
#ifndef QCFLOW_PROCESS_MPC_MPC_TRANSFORM_H_
#define QCFLOW_PROCESS_MPC_MPC_TRANSFORM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "process/mpc/grouping.h"
#include "process/mpc/session_builder.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {
class Store;
}

namespace qcflow::mpc {

struct MpcTransformConfig {
  GroupingOptions grouping;
  SessionOptions session;            // template, site zone, comments
  std::vector<std::string> sinks;    // outbox names each session is queued for
  size_t records_per_step = 4096;    // journal records read per step
  // Ready groups built and committed per step (a step's memory is bounded by
  // this and records_per_step, not by the backlog). REQUIRES: > 0.
  size_t groups_per_step = 64;
  // Parsed tables of pending runs kept in memory, in Results.csv bytes; runs
  // beyond it are re-read from the journal when their group is built.
  size_t cache_budget_bytes = 8 << 20;
};

// Derived namespaces and index names (for queries and sinks).
inline constexpr const char* kSessionNs = "mpc.session";        // key: user_key
inline constexpr const char* kSessionBySerial = "mpc.session.by-serial";
                                   // index key: serial \0 be64 ordered work_started \0 user_key
inline constexpr const char* kLateNs = "mpc.late";              // key: be64 seq
// The cursor is kCursorName + "/" + session.source_id (kCursorName alone when
// the source id is empty: then every MPC record is this transform's).
inline constexpr const char* kCursorName = "transform.mpc";

struct StepReport {
  size_t records_read = 0;      // MPC journal records visited (Journal::ScanKinds)
  size_t runs_added = 0;        // MPC runs fed to the grouper
  size_t runs_unreadable = 0;   // non-quarantined records that failed to parse
  size_t sessions_emitted = 0;
  size_t groups_taken = 0;      // ready groups handled (emitted, or left out with a problem)
  size_t amendments_emitted = 0;
  size_t late_runs = 0;
  size_t pending_runs = 0;      // waiting in open windows after this step
  // The cursor reached the end of the journal and no group ready at `now` is
  // left for another step.
  bool caught_up = false;
  std::vector<std::string> problems;  // readable sentences (no PHI in MPC data)

  // Folds a later step into this sum: adds the counts, appends the problems,
  // takes pending_runs and caught_up from `step` (they describe the latest state).
  void Add(const StepReport& step);
  // Read a record or emitted a session: another step may do more (step_loop.h).
  bool progressed() const {
    return records_read > 0 || groups_taken > 0 || sessions_emitted > 0 || amendments_emitted > 0;
  }
};

class MpcTransform {
 public:
  // REQUIRES: store outlives the transform; ValidateGroupingOptions and
  // ValidateSessionOptions accept the config.
  MpcTransform(Store* store, MpcTransformConfig config);
  ~MpcTransform();

  // Rebuilds grouper state from the store. Call once before Step.
  Status Restore();

  // Consumes up to records_per_step journal records after the cursor and emits
  // up to groups_per_step groups ready at `now` (UTC; converted to the site
  // wall clock); further ready groups wait for the next step (not caught up).
  // Groups are emitted only by a step that caught up with the journal: journal
  // order is not run-time order, so a window must not close while journaled
  // runs are still unread (they would turn late by arrival order).
  // Restores first if Restore() was not called, or after a failed step.
  Result<StepReport> Step(MicrosUtc now);

  // Steps by the one stop rule of process/common/step_loop.h; sums the reports.
  Result<StepReport> RunUntilCaughtUp(MicrosUtc now);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qcflow::mpc

#endif  // QCFLOW_PROCESS_MPC_MPC_TRANSFORM_H_
