// RunUntilCaughtUp for transforms: step until a step reports caught_up (or
// reads nothing, e.g. across a gap of sequence numbers), summing the reports.
// Report needs `caught_up`, `records_read` and Add(const Report&).
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
    if (r->caught_up || r->records_read == 0) return total;
  }
}

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_STEP_LOOP_H_
