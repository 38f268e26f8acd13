// Test-only: what a transform left in a store, for the transform tests of
// every kind (process/mpc, process/dqa3, ...). Store errors and undecodable
// sessions are reported as test failures.
#ifndef QCFLOW_PROCESS_COMMON_STORED_SESSIONS_TESTING_H_
#define QCFLOW_PROCESS_COMMON_STORED_SESSIONS_TESTING_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "process/common/qc_session.h"

namespace qcflow {
class Store;
}

namespace qcflow::testing {

// Opens (or reopens) the store in `dir`; nullptr and a test failure on error.
std::unique_ptr<Store> OpenTestStore(const std::string& dir);

// Every derived record of `ns`, by key.
std::map<std::string, std::string> StoredRecords(Store* store, const std::string& ns);
// Every session stored in `ns`, decoded, by key (user_key).
std::map<std::string, QcSession> StoredSessions(Store* store, const std::string& ns);
// Item ids queued for `sink`, dead letters included, in outbox order.
std::vector<std::string> OutboxItemIds(Store* store, const std::string& sink);

}  // namespace qcflow::testing

#endif  // QCFLOW_PROCESS_COMMON_STORED_SESSIONS_TESTING_H_
