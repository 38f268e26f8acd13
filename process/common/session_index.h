// The index of every stored session, whatever its kind, by source: StageSession
// writes it, so `qcflow replay` finds the sessions of MPC, DQA3 and any future
// kind through one mechanism, without knowing their namespaces.
#ifndef QCFLOW_PROCESS_COMMON_SESSION_INDEX_H_
#define QCFLOW_PROCESS_COMMON_SESSION_INDEX_H_

#include <array>
#include <functional>
#include <string>
#include <string_view>

#include "process/common/qc_session.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {

class Derived;

// index key: source id \0 be64 ordered work_started \0 user_key -> (session ns, key)
inline constexpr const char* kSessionsBySource = "session.by-source";
std::string SessionIndexKey(std::string_view source_id, MicrosUtc work_started,
                            std::string_view user_key);

// Namespaces whose sessions were stored before kSessionsBySource existed. Frozen:
// a new kind is indexed by StageSession and never belongs here.
inline constexpr std::array<std::string_view, 2> kUnindexedSessionNamespaces = {"mpc.session",
                                                                                "dqa3.session"};

struct StoredSession {
  std::string ns, key;  // where it is stored (what an outbox item refers to)
  QcSession session;
};

// Calls visit for every stored session of `source_id` whose work started at or
// after `from` (indexed ones in time order, then older unindexed ones), until it
// returns false. A session that does not decode is a Corruption naming it.
Status ForEachStoredSession(Derived& derived, std::string_view source_id, MicrosUtc from,
                            const std::function<bool(const StoredSession&)>& visit);

// The same for the sessions of every source (`qcflow export`): the index
// whole, in (source id, time) order, then older unindexed ones.
Status ForEachSession(Derived& derived, MicrosUtc from,
                      const std::function<bool(const StoredSession&)>& visit);

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_SESSION_INDEX_H_
