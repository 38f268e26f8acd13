// trf_bench: Elekta TRF decode throughput on one core, next to reading the same
// bytes (the floor). The 11 real logs of tests/fixtures/trf/ (Integrity 3 and 4,
// 11 MB) are written again and again under $TMPDIR (default /tmp) until the copies
// reach QCFLOW_TRF_BENCH_MB (default 1024) megabytes, once, then:
//
//   BM_Read          ReadFileBytes of every copy into one reused buffer (the floor)
//   BM_ReadDecode    the same reads, each log decoded (DecodeTrf taking the buffer, into
//                    one reused TrfLog: what a backfill does)
//   BM_Decode        DecodeTrf alone over the 11 logs in memory (as many bytes as above;
//                    this overload copies the bytes into the log)
//
// bytes_per_second is the logs' bytes; items_per_second is logs. The copies are in
// the page cache (just written): a cold disk or a network share is slower, for both.
// Goal (issue 20): BM_ReadDecode >= 50 % of BM_Read.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "bench/bench_dir.h"
#include "ingest/trf/decoder.h"
#include "tests/testing/trf_fixtures.h"

namespace qcflow::trf {
namespace {

struct Corpus {
  std::unique_ptr<bench::BenchDir> dir;
  std::vector<std::string> logs;   // the fixtures, in memory
  std::vector<std::string> files;  // their copies on disk
  size_t bytes = 0;                // of all copies
  ColumnsTable table;
};

[[noreturn]] void Fail(const std::string& why) {
  std::fprintf(stderr, "trf_bench: %s\n", why.c_str());
  std::abort();
}

const Corpus& GetCorpus() {
  static const Corpus corpus = [] {
    Corpus c;
    auto table = ColumnsTable::LoadInstalled();  // <build>/share/qcflow/trf/columns.json
    if (!table.ok()) Fail(table.status().ToString());
    c.table = std::move(*table);
    for (const std::string& path : testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES)) {
      std::string bytes;
      if (Status s = ReadFileBytes(path, &bytes); !s.ok()) Fail(s.ToString());
      c.logs.push_back(std::move(bytes));
    }
    const char* mb = std::getenv("QCFLOW_TRF_BENCH_MB");
    const size_t volume = (mb && *mb ? std::strtoull(mb, nullptr, 10) : 1024) << 20;
    c.dir = std::make_unique<bench::BenchDir>("qcflow-bench-trf");
    while (c.bytes < volume) {
      for (const std::string& log : c.logs) {
        c.files.push_back(c.dir->Sub(std::to_string(c.files.size()) + ".trf"));
        std::ofstream(c.files.back(), std::ios::binary) << log;
        c.bytes += log.size();
      }
    }
    return c;
  }();
  return corpus;
}

void Count(benchmark::State& state, const Corpus& c) {
  state.SetBytesProcessed(static_cast<int64_t>(c.bytes * state.iterations()));
  state.SetItemsProcessed(static_cast<int64_t>(c.files.size() * state.iterations()));
}

void BM_Read(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  std::string buf;
  for (auto _ : state) {
    for (const std::string& f : c.files) {
      if (!ReadFileBytes(f, &buf).ok()) state.SkipWithError("read failed");
      benchmark::DoNotOptimize(buf.data());
    }
  }
  Count(state, c);
}
BENCHMARK(BM_Read)->Unit(benchmark::kMillisecond)->MinTime(3);

void BM_ReadDecode(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  std::string buf;
  TrfLog log;
  size_t bad = 0;
  for (auto _ : state) {
    for (const std::string& f : c.files) {
      if (!ReadFileBytes(f, &buf).ok()) state.SkipWithError("read failed");
      if (!DecodeTrf(&buf, c.table, &log).ok() || log.damaged()) ++bad;  // no copy
      benchmark::DoNotOptimize(log.rows);
    }
  }
  if (bad) state.SkipWithError("a log did not decode whole");
  Count(state, c);
}
BENCHMARK(BM_ReadDecode)->Unit(benchmark::kMillisecond)->MinTime(3);

void BM_Decode(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  TrfLog log;
  size_t bad = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < c.files.size(); ++i) {
      if (!DecodeTrf(c.logs[i % c.logs.size()], c.table, &log).ok() || log.damaged()) ++bad;
      benchmark::DoNotOptimize(log.rows);
    }
  }
  if (bad) state.SkipWithError("a log did not decode whole");
  Count(state, c);
}
BENCHMARK(BM_Decode)->Unit(benchmark::kMillisecond)->MinTime(3);

}  // namespace
}  // namespace qcflow::trf

BENCHMARK_MAIN();
