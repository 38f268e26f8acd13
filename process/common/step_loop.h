// RunUntilCaughtUp for transforms: step until a step reports caught_up, or
// makes no progress (reads no record and emits no session, e.g. across a gap
// of sequence numbers), summing the reports. Report needs `caught_up`,
// `records_read`, `sessions_emitted`, `amendments_emitted` and Add(const Report&).
#ifndef QCFLOW_PROCESS_COMMON_STEP_LOOP_H_
#define QCFLOW_PROCESS_COMMON_STEP_LOOP_H_

#include "store/status.h"

namespace qcflow {

template <class Report, class StepFn>
Result<Report> StepUntilCaughtUp(StepFn step) {
  Report total;
  for (;;) {
    Result<Report> r = step();
    if (!r.ok()) return r.status();
    total.Add(*r);
    const bool progress =
        r->records_read > 0 || r->sessions_emitted > 0 || r->amendments_emitted > 0;
    if (r->caught_up || !progress) return total;
  }
}

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_STEP_LOOP_H_
