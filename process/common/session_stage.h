// Staging a built QcSession into a WriteSet: the one way transforms (MPC,
// DQA3, ...) store sessions for sinks, so every kind keeps the same promises:
//   - the session is a derived record under target.ns keyed by its user_key,
//     indexed under target.index by owner \0 be64 ordered work_started \0 user_key
//     (owner: serial, machine, ... — what queries list sessions by);
//     and in the common kSessionsBySource index (session_index.h, for replay);
//   - one outbox item per sink in target.sinks, item id = user_key, in the
//     group SessionGroup(*session);
//   - a stored session is never overwritten: when user_key already holds a
//     session with other measurements (or was staged earlier in this step, see
//     keys_this_step), the session is stored as "<user_key>/2", "/3", ... so
//     neither is lost. Staging the same session again changes nothing (the
//     derived put and the enqueue are no-ops in Store::Commit); one that differs
//     only in what the config resolves (unit, test list; SameMeasurements) or
//     in its encoding version keeps the stored record and its key.
#ifndef QCFLOW_PROCESS_COMMON_SESSION_STAGE_H_
#define QCFLOW_PROCESS_COMMON_SESSION_STAGE_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "process/common/qc_session.h"
#include "store/status.h"

namespace qcflow {

class Derived;
class WriteSet;

struct SessionTarget {
  std::string ns;                  // derived namespace of the sessions
  std::string index;               // their secondary index
  std::vector<std::string> sinks;  // outboxes each session is queued for
};

struct StagedSession {
  std::string user_key;  // the key it was staged under; "" when no free key was found (99 tries)
  bool renamed = false;  // the session's own user_key belonged to another session
};

// `encoded` is EncodeQcSession(*session) (passed in so callers can encode in
// parallel); on renaming, session->user_key changes and it is re-encoded.
// REQUIRES: session->user_key non-empty.
Result<StagedSession> StageSession(Derived& derived, const SessionTarget& target,
                                   std::string_view owner, QcSession* session, std::string encoded,
                                   std::set<std::string>* keys_this_step, WriteSet* ws);

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_SESSION_STAGE_H_
