// QATrack+ uploads for `qcflow bench export`: the local QATrack+ test server
// (tests/qatrack_server, started here as a child process on 127.0.0.1 and
// stopped again), numbered "MPC: Enhanced Couch Checks" sessions queued in a
// fresh store, and QatrackSink::DeliverOnce until every one is delivered.
// Never talks to any other server.
//
// Only builds with the test helpers (QCFLOW_BUILD_TESTS); otherwise Start()
// returns Unavailable and the mode reports "not available in this build".
#ifndef QCFLOW_BENCH_EXPORT_WORKLOAD_H_
#define QCFLOW_BENCH_EXPORT_WORKLOAD_H_

#include <memory>
#include <string>

#include "store/status.h"

namespace qcflow::bench {

struct ExportRunReport {
  int uploads = 0, delivered = 0;
  int throttle_ms = 0;
  double seconds = 0;        // DeliverOnce calls only (queueing not timed)
  uint64_t rounds = 0;       // DeliverOnce calls
  uint64_t store_writes = 0; // synced outbox writes during delivery
  double uploads_per_s() const { return seconds > 0 ? double(delivered) / seconds : 0; }
};

class ExportBench {
 public:
  // Starts the test server (rate limits lifted). Unavailable when this build
  // has no test server; other errors say why it did not start.
  static Result<std::unique_ptr<ExportBench>> Start();
  ~ExportBench();
  ExportBench(const ExportBench&) = delete;
  ExportBench& operator=(const ExportBench&) = delete;

  // Delivers one warm-up session (not counted, not timed), then queues
  // `uploads` sessions in a fresh store under `dir` and delivers them with
  // `throttle_ms` between POSTs. Internal if not all of them arrive. The
  // server stores uploads + 1 instances.
  Result<ExportRunReport> Run(const std::string& dir, int uploads, int throttle_ms);
  // Instances the server stored since Start().
  Result<int> StoredCount();

 private:
  struct Impl;
  explicit ExportBench(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace qcflow::bench

#endif  // QCFLOW_BENCH_EXPORT_WORKLOAD_H_
