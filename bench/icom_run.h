// RunIcomLinacs: N simulated linacs (LinacServer on loopback, one thread each)
// streaming into CaptureGroup -> Journal in a fresh store, with a consumer
// that follows the journal as the daemon's iCom path does (IcomTransform:
// decode + deliveries), or only decodes. Measures journaled messages/s and
// MB/s, latency from capture to delivery committed (or decoded), and
// resident memory over time (the "memory stays flat" check).
//
// Used by bench/icom_e2e_bench and `qcflow bench icom`. Loopback only.
#ifndef QCFLOW_BENCH_ICOM_RUN_H_
#define QCFLOW_BENCH_ICOM_RUN_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/measure.h"
#include "store/status.h"
#include "store/store.h"

namespace qcflow::bench {

struct IcomRunSample {
  double seconds = 0;      // since the linacs started
  uint64_t journaled = 0;  // messages appended (all linacs) so far
  uint64_t decoded = 0;    // messages the consumer decoded so far
  uint64_t rss_kib = 0;    // VmRSS
};

// Where the linacs' bytes come from.
enum class IcomSender {
  kSimulator,  // LinacServer: generates each message as it sends it (costly CPU)
  kReplay,     // IcomReplayServer: the same stream generated once, sent in a loop
};

struct IcomRunOptions {
  int linacs = 10;
  IcomSender sender = IcomSender::kSimulator;
  size_t replay_pool = 512;         // kReplay: messages generated per linac
  double seconds = 10;              // measured window (> 0)
  uint64_t messages_per_linac = 0;  // 0: unbounded; else the run ends early once all arrived
  double rate_per_linac = 0;        // messages/s per linac; 0 = as fast as capture reads
  Durability durability = Durability::kSyncEveryWrite;
  // What follows the journal: nothing, a decoder of every message, or the
  // daemon's IcomTransform (decode + deliveries, committed per step).
  enum class Stage { kNone, kDecode, kDeliveries } stage = Stage::kDeliveries;
  size_t max_batch = 256;           // CaptureGroupOptions::max_batch
  uint64_t seed = 2026;             // linac i streams LinacStreamConfig(i, seed, ...)
  double sample_every = 1;          // seconds between samples (and on_sample calls)
  size_t max_samples = 4096;        // older samples are thinned (every other dropped)
  std::function<void(const IcomRunSample&)> on_sample;  // progress; may be empty
  std::function<bool()> should_stop;  // polled every 20 ms: true ends the run early; may be empty
};

struct IcomRunReport {
  int linacs = 0;
  double seconds = 0;        // measured window
  uint64_t messages = 0;     // journaled within the window
  uint64_t bytes = 0;        // received from the sockets within the window
  uint64_t dropped = 0, reconnects = 0, gaps = 0;
  uint64_t decoded = 0;      // by the consumer, by the end (after draining)
  uint64_t malformed = 0;    // messages with decode issues (0 expected: no faults)
  uint64_t deliveries = 0;   // kDeliveries: deliveries written (updates counted once per step)
  uint64_t journal_records = 0;  // icom records in the store at the end (all linacs)
  double messages_per_s = 0, mb_per_s = 0;
  double cpu_seconds = 0;    // process CPU during the window
  LatencyHistogram latency;  // capture -> delivery committed (or decoded), µs
  std::vector<IcomRunSample> samples;
  uint64_t store_bytes = 0;  // SST + WAL at the end
};

// REQUIRES: `store_dir` does not exist or is empty; options.linacs >= 1.
Result<IcomRunReport> RunIcomLinacs(const std::string& store_dir, const IcomRunOptions& options);

}  // namespace qcflow::bench

#endif  // QCFLOW_BENCH_ICOM_RUN_H_
