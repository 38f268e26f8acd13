// The one loop that drives a transform's bounded steps, for every caller:
// the daemon's workers, `qcflow backfill`, the benchmarks.
//
// Stop rule (the same everywhere, so a caller cannot spin or stop early):
//   - a step failed: its status is returned; *total holds the steps before it;
//   - a step caught up with the journal;
//   - a step made no progress (Report::progressed() is false: it read no
//     record and emitted nothing, e.g. across a gap of sequence numbers, or
//     with grouped windows not yet due) — another step now would do the same;
//   - the caller asked to stop (hooks.stop_requested): checked before every
//     step, so a shutdown waits for at most one bounded step.
//
// Report needs `bool caught_up`, `bool progressed() const` and
// `void Add(const Report&)` (which takes caught_up from the later step).
#ifndef QCFLOW_PROCESS_COMMON_STEP_LOOP_H_
#define QCFLOW_PROCESS_COMMON_STEP_LOOP_H_

#include <functional>

#include "store/status.h"

namespace qcflow {

template <class Report>
struct StepLoopHooks {
  std::function<bool()> stop_requested = nullptr;                  // optional
  std::function<void(const Report& total)> after_step = nullptr;  // optional: progress display
};

// Steps until the stop rule above holds, summing the reports into *total.
// REQUIRES: total != nullptr.
template <class Report, class StepFn>
Status RunSteps(StepFn step, Report* total, const StepLoopHooks<Report>& hooks = {}) {
  for (;;) {
    if (hooks.stop_requested && hooks.stop_requested()) return Status::OK();
    Result<Report> r = step();
    if (!r.ok()) return r.status();
    total->Add(*r);
    if (hooks.after_step) hooks.after_step(*total);
    if (r->caught_up || !r->progressed()) return Status::OK();
  }
}

// RunSteps for callers that want the sum or the failure, nothing in between.
template <class Report, class StepFn>
Result<Report> StepUntilCaughtUp(StepFn step) {
  Report total;
  if (Status s = RunSteps(step, &total); !s.ok()) return s;
  return total;
}

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_STEP_LOOP_H_
