// The DQA3 source's connection to a database on a FirebirdServer fixture (tests,
// bench). Header-only: it only fills a config struct.
#ifndef QCFLOW_TESTS_TESTING_FIREBIRD_DQA3_H_
#define QCFLOW_TESTS_TESTING_FIREBIRD_DQA3_H_

#include <string>

#include "ingest/dqa3/connection.h"
#include "tests/testing/firebird_server.h"

namespace qcflow::testing {

// REQUIRES: `database` came from server.CreateDatabase.
inline dqa3::Dqa3Connection FirebirdDqa3Connection(const FirebirdServer& server,
                                                   const std::string& database) {
  dqa3::Dqa3Connection c;
  c.backend = dqa3::Dqa3Backend::kFirebird;
  c.firebird.host = server.host();
  c.firebird.port = server.port();
  c.firebird.database = database;
  c.firebird.user = server.user();
  c.firebird.password = server.password();
  return c;
}

}  // namespace qcflow::testing

#endif  // QCFLOW_TESTS_TESTING_FIREBIRD_DQA3_H_
