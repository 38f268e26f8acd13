// icom_e2e_bench: the iCom capture path end to end, next to raw RocksDB writing
// the same bytes in the same run, and the journal's compression choice.
//
//   e2e/capture_journal/<N>linacs/replay/<R>_per_s
//                                   N IcomReplayServers on loopback (the simulator's
//                                   streams generated once, sent in a loop) offering R
//                                   messages/s in total -> CaptureGroup (batches of 256)
//                                   -> Journal, 10 s; store durability = default (WAL
//                                   fsynced per batch). The summary's ratio uses the
//                                   highest R without loss.
//   .../replay/flood                the same, unpaced (as fast as capture reads)
//   .../replay/<R>_per_s/batch1024  capture batches of up to 1024
//   e2e/capture_journal/<N>linacs/simulator/flood  N LinacServers (rate 0), which build
//                                   every message as they send it: on 2 cores the
//                                   generators take most of the CPU
//   e2e/raw_writebatch/<N>linacs[/batch1024]  the same number of the same records'
//                                   envelopes written as raw RocksDB WriteBatches of 256
//                                   (1024), WAL fsynced per batch; only the writes timed
//   e2e/journal_appendbatch         the same records through Journal::AppendBatch
//   compression/<algo>              20 000 records (10 linacs) into raw RocksDB with the
//                                   journal family's table options: bytes on disk per
//                                   message after flush and after full compaction
//
// The summary prints capture+journal as a ratio of the raw baseline (goal >= 70 %,
// and >= 20k msg/s). --memory_run_seconds=S instead runs 10 linacs for S seconds
// (with the decoding consumer; --memory_run_rate=R messages/s per linac, default 100,
// 25 times a real linac) and prints RSS every 10 s (the "memory stays flat" check;
// see docs/benchmarks.md; `qcflow bench icom` does the same with deliveries).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "bench/bench_dir.h"
#include "bench/icom_run.h"
#include "bench/icom_write.h"

namespace qcflow::bench {
namespace {

constexpr int kLinacs = 10;
constexpr double kSeconds = 10;

std::map<std::string, double> g_rate;  // msg/s per benchmark family, for the summary
uint64_t g_e2e_messages = 0;           // what the raw baseline must write too

void Fail(benchmark::State& state, const Status& s) { state.SkipWithError(s.ToString().c_str()); }

// total_rate: messages/s offered by all linacs together (0: as fast as capture reads).
void CaptureJournal(benchmark::State& state, int linacs, IcomSender sender, double total_rate,
                    size_t batch = 256) {
  for (auto _ : state) {
    BenchDir dir("qcflow-icom-e2e");
    IcomRunOptions o;
    o.linacs = linacs;
    o.sender = sender;
    o.rate_per_linac = total_rate / linacs;
    o.max_batch = batch;
    o.seconds = kSeconds;
    o.stage = IcomRunOptions::Stage::kNone;
    auto r = RunIcomLinacs(dir.Sub("store"), o);
    if (!r.ok()) return Fail(state, r.status());
    state.SetIterationTime(r->seconds);
    state.counters["msg/s"] = r->messages_per_s;
    state.counters["MB/s"] = r->mb_per_s;
    state.counters["dropped"] = double(r->dropped);
    state.counters["cpu_s"] = r->cpu_seconds;
    state.counters["disk_B/msg"] = double(r->store_bytes) / double(r->journal_records);
    state.counters["offered/s"] = total_rate;
    state.counters["lost"] = double(r->dropped);
    if (sender == IcomSender::kSimulator || r->dropped > 0 || batch != 256) continue;
    // The summary's figure: the highest loss-free rate.
    if (r->messages_per_s > g_rate["capture_journal"]) {
      g_rate["capture_journal"] = r->messages_per_s;
      g_e2e_messages = r->messages;
    }
  }
}

void WriteSame(benchmark::State& state, bool journal, size_t batch = 256) {
  for (auto _ : state) {
    BenchDir dir("qcflow-icom-e2e");
    IcomWriteOptions o;
    o.linacs = kLinacs;
    o.messages = g_e2e_messages ? g_e2e_messages : 100000;
    o.batch = batch;
    auto r = journal ? WriteIcomJournal(dir.Sub("store"), o) : WriteIcomRaw(dir.Sub("raw"), o);
    if (!r.ok()) return Fail(state, r.status());
    state.SetIterationTime(r->write_seconds);
    state.counters["msg/s"] = r->messages_per_s;
    state.counters["MB/s"] = r->mb_per_s;
    if (batch == 256) g_rate[journal ? "journal" : "raw"] = r->messages_per_s;
  }
}

void Compress(benchmark::State& state, Compression c) {
  for (auto _ : state) {
    BenchDir dir("qcflow-icom-compression");
    IcomWriteOptions o;
    o.linacs = kLinacs;
    o.messages = 20000;
    auto r = MeasureIcomCompression(dir.Sub("raw"), o, c);
    if (!r.ok()) return Fail(state, r.status());
    state.SetIterationTime(r->write_seconds);
    state.counters["B/msg_flushed"] = r->flushed_bytes_per_message();
    state.counters["B/msg_compacted"] = r->bytes_per_message();
    state.counters["ratio"] = double(r->payload_bytes) / double(r->compacted_sst_bytes);
    state.counters["scan_MB/s"] = r->scan_mb_per_s;
  }
}

void RegisterAll() {
  const std::string n = std::to_string(kLinacs) + "linacs";
  for (double rate : {10000.0, 15000.0, 20000.0, 25000.0, 30000.0, 0.0}) {
    const std::string name = "e2e/capture_journal/" + n + "/replay/" +
                              (rate > 0 ? std::to_string(int(rate)) + "_per_s" : "flood");
    benchmark::RegisterBenchmark(name.c_str(), [rate](benchmark::State& s) {
      CaptureJournal(s, kLinacs, IcomSender::kReplay, rate);
    })->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
  }
  // Capture's batch (CaptureGroupOptions::max_batch) raised from 256 to 1024: one WAL
  // fsync per 8.6 MB instead of 2.2 MB.
  for (double rate : {20000.0, 25000.0}) {
    const std::string name = "e2e/capture_journal/" + n + "/replay/" +
                             std::to_string(int(rate)) + "_per_s/batch1024";
    benchmark::RegisterBenchmark(name.c_str(), [rate](benchmark::State& s) {
      CaptureJournal(s, kLinacs, IcomSender::kReplay, rate, 1024);
    })->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
  }
  benchmark::RegisterBenchmark(("e2e/capture_journal/" + n + "/simulator/flood").c_str(),
                               [](benchmark::State& s) {
                                 CaptureJournal(s, kLinacs, IcomSender::kSimulator, 0);
                               })
      ->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
  benchmark::RegisterBenchmark(("e2e/raw_writebatch/" + n).c_str(),
                               [](benchmark::State& s) { WriteSame(s, false); })
      ->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
  benchmark::RegisterBenchmark("e2e/journal_appendbatch",
                               [](benchmark::State& s) { WriteSame(s, true); })
      ->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
  benchmark::RegisterBenchmark(("e2e/raw_writebatch/" + n + "/batch1024").c_str(),
                               [](benchmark::State& s) { WriteSame(s, false, 1024); })
      ->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
  for (Compression c : {Compression::kNone, Compression::kLz4, Compression::kLz4ZstdBottom,
                        Compression::kZstd, Compression::kZstdDict}) {
    benchmark::RegisterBenchmark((std::string("compression/") + CompressionName(c)).c_str(),
                                 [c](benchmark::State& s) { Compress(s, c); })
        ->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
  }
}

int MemoryRun(double seconds, double rate) {
  BenchDir dir("qcflow-icom-memory");
  IcomRunOptions o;
  o.linacs = kLinacs;
  o.seconds = seconds;
  o.rate_per_linac = rate;
  o.sample_every = 10;
  std::printf("%8s %12s %12s %10s\n", "seconds", "journaled", "decoded", "RSS MiB");
  o.on_sample = [](const IcomRunSample& s) {
    std::printf("%8.0f %12llu %12llu %10.1f\n", s.seconds, (unsigned long long)s.journaled,
                (unsigned long long)s.decoded, double(s.rss_kib) / 1024);
    std::fflush(stdout);
  };
  auto r = RunIcomLinacs(dir.Sub("store"), o);
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
    return 1;
  }
  std::printf("%llu messages in %.0f s (%.0f msg/s, %.1f MB/s), dropped %llu, decoded %llu, "
              "malformed %llu, latency p50 %.1f ms p99 %.1f ms max %.1f ms, store %.1f MB\n",
              (unsigned long long)r->messages, r->seconds, r->messages_per_s, r->mb_per_s,
              (unsigned long long)r->dropped, (unsigned long long)r->decoded,
              (unsigned long long)r->malformed, r->latency.Quantile(0.5) / 1e3,
              r->latency.Quantile(0.99) / 1e3, r->latency.max_micros() / 1e3,
              double(r->store_bytes) / 1e6);
  return 0;
}

}  // namespace
}  // namespace qcflow::bench

int main(int argc, char** argv) {
  double memory_seconds = 0, memory_rate = 100;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--memory_run_seconds=", 21) == 0) memory_seconds = std::atof(argv[i] + 21);
    if (std::strncmp(argv[i], "--memory_run_rate=", 18) == 0) memory_rate = std::atof(argv[i] + 18);
  }
  if (memory_seconds > 0) return qcflow::bench::MemoryRun(memory_seconds, memory_rate);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  qcflow::bench::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  using qcflow::bench::g_rate;
  if (g_rate.count("capture_journal") && g_rate.count("raw")) {
    std::printf("\ncapture+journal (highest loss-free paced rate) %.0f msg/s = %.0f %% of raw "
                "WriteBatch (%.0f msg/s)",
                g_rate["capture_journal"], 100 * g_rate["capture_journal"] / g_rate["raw"],
                g_rate["raw"]);
    if (g_rate.count("journal")) {
      std::printf("; Journal::AppendBatch alone %.0f msg/s = %.0f %%", g_rate["journal"],
                  100 * g_rate["journal"] / g_rate["raw"]);
    }
    std::printf("\n");
  }
  benchmark::Shutdown();
  return 0;
}
