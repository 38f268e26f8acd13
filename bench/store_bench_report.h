// store_bench's console output: GoogleBenchmark's console table plus, at the
// end, each journal variant's records/s (and raw_writebatch_3kv's) as a
// percentage of the raw RocksDB baseline of the same shape, size and sync, and
// of raw_writebatch_3kv where there is one (benchmark names
// <shape>/<size>/<sync>/<variant>, see store_bench.cc). Of repeated runs, the
// median is used when there is one, else the first run.
#ifndef QCFLOW_BENCH_STORE_BENCH_REPORT_H_
#define QCFLOW_BENCH_STORE_BENCH_REPORT_H_

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

namespace qcflow {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;

 private:
  std::map<std::string, double> rates_;  // records/s by benchmark name
};

}  // namespace qcflow

#endif  // QCFLOW_BENCH_STORE_BENCH_REPORT_H_
