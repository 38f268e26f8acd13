// Test helper: numbered QcSessions that the QATrack+ test server's default seed accepts,
// and the commit that queues one for a sink (PutDerived + Enqueue, atomically), shared by
// the sink chaos test, its worker and bench/export_bench. No GTest dependency.
#ifndef QCFLOW_TESTS_TESTING_COUCH_SESSIONS_H_
#define QCFLOW_TESTS_TESTING_COUCH_SESSIONS_H_

#include <string>

#include "process/common/qc_session.h"
#include "store/status.h"
#include "store/store.h"

namespace qcflow::testing {

// Derived-record namespace the sessions are stored under.
inline constexpr char kCouchSessionNs[] = "test.session";

// "<prefix>/<i>" with i zero-padded to 6 digits: sorts in numeric order.
std::string NumberedUserKey(const std::string& prefix, int i);

// A complete "MPC: Enhanced Couch Checks" session of unit 1234 (default seed), with
// user_key NumberedUserKey(prefix, i) and work times i minutes after 2020-06-25 11:00Z
// (modulo 90 days, so no DST change in America/Toronto is ever crossed).
// REQUIRES: i >= 0.
QcSession NumberedCouchSession(const std::string& prefix, int i);

// Commits the session (derived record under kCouchSessionNs, key = user_key) and queues
// it for `sink` in `group`, in one WriteSet. Returns true when it was newly queued and
// false when it was queued before (the commit then changes nothing).
Result<bool> CommitSession(Store& store, const std::string& sink, const QcSession& session,
                           const std::string& group = "unit-1234");

}  // namespace qcflow::testing

#endif  // QCFLOW_TESTS_TESTING_COUCH_SESSIONS_H_
