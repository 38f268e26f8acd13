// DQA3 source throughput for `qcflow bench dqa3` (and any benchmark binary):
// Dqa3Source::PollSince into a fresh store, rows/s, then the same poll again
// (every row already journaled: the cost of a steady-state poll).
//
// By default the database is a synthetic SQLite file (ingest/dqa3/sim) written
// into the scratch directory. Given a connection (e.g. a local Firebird
// server), the bench only reads it: it never writes to a database it did not
// create.
#ifndef QCFLOW_BENCH_DQA3_WORKLOAD_H_
#define QCFLOW_BENCH_DQA3_WORKLOAD_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "ingest/dqa3/connection.h"
#include "store/status.h"

namespace qcflow::bench {

struct Dqa3BenchOptions {
  size_t rows = 20000;  // synthetic SQLite: about this many measurement rows
  std::string version = "01.04";
  // Read this database instead of writing a synthetic one (read-only use).
  std::optional<dqa3::Dqa3Connection> existing;
  std::string db_zone = "UTC";  // the existing database's clock
  int history_days = 3650;      // existing database: how far back to read
};

struct Dqa3BenchReport {
  std::string database;       // DescribeConnection (no secrets)
  std::string schema;         // detected version
  size_t rows_expected = 0;   // synthetic: rows the simulator wrote; existing: 0
  size_t rows_read = 0, appended = 0, duplicates_on_repoll = 0;
  double write_db_s = 0;      // synthetic: writing the database (not qcflow's work)
  double first_poll_s = 0, repoll_s = 0;
  double rows_per_s() const { return first_poll_s > 0 ? double(rows_read) / first_poll_s : 0; }
  double repoll_rows_per_s() const {
    return repoll_s > 0 ? double(duplicates_on_repoll) / repoll_s : 0;
  }
};

Result<Dqa3BenchReport> RunDqa3Bench(const std::string& dir, const Dqa3BenchOptions& options,
                                     const std::function<void(const std::string&)>& progress);

}  // namespace qcflow::bench

#endif  // QCFLOW_BENCH_DQA3_WORKLOAD_H_
