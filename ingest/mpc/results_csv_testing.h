// Helpers shared by the Results.csv parser's tests (results_csv_test.cc and
// results_csv_complete_test.cc). Test code only.
#ifndef QCFLOW_INGEST_MPC_RESULTS_CSV_TESTING_H_
#define QCFLOW_INGEST_MPC_RESULTS_CSV_TESTING_H_

#include <gtest/gtest.h>

#include <string>

#include "ingest/mpc/results_csv.h"

namespace qcflow::mpc::testing {

inline constexpr char kHeader[] = "Name [Unit], Value, Threshold, Evaluation Result";

inline ResultsTable MustParse(const std::string& bytes) {
  auto r = ParseResultsCsv(bytes);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : ResultsTable();
}

// CheckResultsCsv's verdict must be the full parse's: its error, or its table's problems.
inline void ExpectCheckAgrees(const std::string& bytes, const Result<ResultsTable>& parsed) {
  Status check = CheckResultsCsv(bytes);
  Status want = parsed.ok() ? CheckComplete(*parsed) : parsed.status();
  EXPECT_EQ(check.ok(), want.ok()) << "check: " << check.ToString() << "\nwant: " << want.ToString();
  if (!parsed.ok()) {
    EXPECT_EQ(check.message(), "Results.csv not readable: " + want.message());
  } else {
    EXPECT_EQ(check.message(), want.message());
  }
}

}  // namespace qcflow::mpc::testing

#endif  // QCFLOW_INGEST_MPC_RESULTS_CSV_TESTING_H_
