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

namespace qcflow {
class Store;
namespace qatrack {
class QatrackSink;
}
}  // namespace qcflow

namespace qcflow::bench {

// Queues sessions NumberedCouchSession(prefix, first .. first + count - 1) for
// `sink` (tests/testing/couch_sessions.h: accepted by the test server's seed).
Status QueueCouchSessions(Store& store, const std::string& sink, const std::string& prefix,
                          int first, int count);

// A QatrackSink named "qatrack" on `store` for a test server at `api_url`
// (its zone, America/Toronto), `throttle_ms` between POSTs.
Result<std::unique_ptr<qatrack::QatrackSink>> OpenBenchSink(Store* store, const std::string& api_url,
                                                            const std::string& token,
                                                            int throttle_ms);

struct DeliverStats {
  int delivered = 0;
  uint64_t rounds = 0;        // DeliverOnce calls
  uint64_t store_writes = 0;  // synced outbox writes they made
  double seconds = 0;
};
// Calls sink.DeliverOnce until `count` items are delivered (at most count + 10
// rounds); Internal if fewer arrive. Timed: the rounds only.
Result<DeliverStats> DeliverQueued(Store& store, qatrack::QatrackSink& sink, int count);

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
