// Test-only helpers shared by the DQA3 source tests (SQLite and Firebird).
#ifndef QCFLOW_INGEST_DQA3_DQA3_TEST_UTIL_H_
#define QCFLOW_INGEST_DQA3_DQA3_TEST_UTIL_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ingest/dqa3/dqa3_source.h"
#include "ingest/dqa3/sim/dqa3_sim.h"
#include "store/record.h"
#include "store/store.h"

namespace qcflow::dqa3::testing {

struct Journaled {
  Record record;
  nlohmann::json payload;
};

// Every Kind::kDqa3 record in the store, in seq order.
std::vector<Journaled> JournaledDqa3(Store* store);

// Checks the payload against the contract: v, schema, database, set_key_mismatch,
// and every PayloadColumns(version) key present in "row" with a JSON type matching
// the column family (keys integer, datetimes "YYYY-MM-DD HH:MM:SS", results numbers,
// names strings). Adds gtest failures naming the key.
void ExpectPayloadContract(const nlohmann::json& payload, const std::string& version,
                           const std::string& identity);

// Simulator options for `version` with the given shape (other fields default).
sim::Dqa3SimOptions SimOptions(const std::string& version, int machines, int beams, int days);

// Now (UTC) one hour after `last` local wall time in `zone`.
MicrosUtc HourAfter(const CivilTime& last, const std::string& zone);

}  // namespace qcflow::dqa3::testing

#endif  // QCFLOW_INGEST_DQA3_DQA3_TEST_UTIL_H_
