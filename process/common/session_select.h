// Choosing stored sessions by source, kind, machine and time, whatever their
// kind: `qcflow query sessions` and GET /api/v1/sessions answer through this
// one rule, so both list the same sessions for the same filters.
#ifndef QCFLOW_PROCESS_COMMON_SESSION_SELECT_H_
#define QCFLOW_PROCESS_COMMON_SESSION_SELECT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "process/common/qc_session.h"
#include "process/common/session_index.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {

struct SessionFilter {
  std::string source_id;    // "" any
  std::string source_kind;  // "" any; "mpc", "dqa3", ...
  std::string machine;      // "" any; the serial, else the name (TrendMachine)
  MicrosUtc from = std::numeric_limits<MicrosUtc>::min();  // work started in [from, until)
  MicrosUtc until = std::numeric_limits<MicrosUtc>::max();
  size_t max = SIZE_MAX;  // keep at most this many: the earliest
};

struct SessionSelection {
  std::vector<QcSession> sessions;  // in work_started order, then by user_key
  bool truncated = false;           // more than filter.max matched
};

// Walks every stored session from a time on (ForEachSession over a store, or
// the daemon's reader of its own store).
using SessionWalk =
    std::function<Status(MicrosUtc from, const std::function<bool(const StoredSession&)>&)>;
SessionWalk WalkStoredSessions(Derived& derived);

// Reads every session from filter.from on and keeps the earliest filter.max
// that match, so memory is bounded by max, not by the store, and a cut keeps
// the right ones whatever order the walk visits sources in.
// REQUIRES: filter.max > 0.
Result<SessionSelection> SelectSessions(const SessionWalk& walk, const SessionFilter& filter);

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_SESSION_SELECT_H_
