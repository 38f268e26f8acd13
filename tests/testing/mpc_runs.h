// Test helper: small MPC run folders in a TDS tree, for end-to-end tests of
// `qcflow run` and `qcflow replay` against the QATrack+ test server.
#ifndef QCFLOW_TESTS_TESTING_MPC_RUNS_H_
#define QCFLOW_TESTS_TESTING_MPC_RUNS_H_

#include <string>

namespace qcflow::testing {

// A Beam and Geometry run of serial 1234 on day `i` (2024-04-01 + i, REQUIRES
// i < 60) at 07:00: each is its own session, accepted by the server's default
// seed (the 6FFF sublist is missing and autoskipped, as with real single-energy runs).
void WriteGeometryRun(const std::string& tds, int i);
// The same run on `date` ("YYYY-MM-DD") at 07:00.
void WriteGeometryRunOn(const std::string& tds, const std::string& date);

}  // namespace qcflow::testing

#endif  // QCFLOW_TESTS_TESTING_MPC_RUNS_H_
