// icom_bench: iCom split + decode throughput on one core, on ≈8.6 KB messages
// from the seeded LinacGenerator (80-pair MLC in P, S and R; patient sessions
// and idle periods). The stream (default 2000 messages, ≈17 MB) is generated
// once; reads are fed to the framer in 64 KiB pieces, as a socket would.
//
//   BM_Frame          Framer alone (emits frames, touches nothing else)
//   BM_Decode         DecodeMessage alone over pre-split messages, one reused IcomMessage
//   BM_FrameDecode    both: every frame decoded as it is emitted
//
// Goal (issue 7): >= 1 GB/s and ≈120k msg/s per core for split + decode.
// bytes_per_second is the input stream; items_per_second is messages.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "ingest/icom/framer.h"
#include "ingest/icom/sim/linac_generator.h"
#include "ingest/icom/decoder.h"

namespace qcflow::icom {
namespace {

constexpr size_t kReadSize = 64 * 1024;

struct Corpus {
  std::string stream;
  std::vector<std::string> messages;
};

const Corpus& GetCorpus() {
  static const Corpus corpus = [] {
    Corpus c;
    LinacGeneratorConfig cfg;
    cfg.messages = 2000;
    cfg.seed = 2026;
    LinacGenerator g(cfg);
    std::string m;
    while (g.Next(&m)) {
      c.stream += m;
      c.messages.push_back(std::move(m));
      m.clear();
    }
    return c;
  }();
  return corpus;
}

void FeedAll(Framer& framer, const std::string& s) {
  for (size_t pos = 0; pos < s.size(); pos += kReadSize) {
    framer.Feed(std::string_view(s).substr(pos, kReadSize));
  }
  framer.FlushArchive();
}

void BM_Frame(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  size_t frames = 0;
  for (auto _ : state) {
    Framer framer([&frames](const Frame& f) {
      benchmark::DoNotOptimize(f.bytes.data());
      ++frames;
    });
    FeedAll(framer, c.stream);
  }
  if (frames != c.messages.size() * state.iterations()) state.SkipWithError("frames lost");
  state.SetBytesProcessed(static_cast<int64_t>(c.stream.size() * state.iterations()));
  state.SetItemsProcessed(static_cast<int64_t>(c.messages.size() * state.iterations()));
}
BENCHMARK(BM_Frame)->Unit(benchmark::kMillisecond);

void BM_Decode(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  IcomMessage m;
  size_t issues = 0;
  for (auto _ : state) {
    for (const std::string& s : c.messages) {
      if (!DecodeMessage(s, &m).ok()) ++issues;
      issues += m.issues.size();
      benchmark::DoNotOptimize(m.collimation[kPartR].mlc.data());
    }
  }
  if (issues != 0) state.SkipWithError("decode issues");
  state.SetBytesProcessed(static_cast<int64_t>(c.stream.size() * state.iterations()));
  state.SetItemsProcessed(static_cast<int64_t>(c.messages.size() * state.iterations()));
}
BENCHMARK(BM_Decode)->Unit(benchmark::kMillisecond);

void BM_FrameDecode(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  IcomMessage m;
  size_t decoded = 0;
  for (auto _ : state) {
    Framer framer([&](const Frame& f) {
      if (DecodeMessage(f.bytes, &m).ok()) ++decoded;
      benchmark::DoNotOptimize(m.collimation[kPartR].mlc.data());
    });
    FeedAll(framer, c.stream);
  }
  if (decoded != c.messages.size() * state.iterations()) state.SkipWithError("frames lost");
  state.SetBytesProcessed(static_cast<int64_t>(c.stream.size() * state.iterations()));
  state.SetItemsProcessed(static_cast<int64_t>(c.messages.size() * state.iterations()));
}
BENCHMARK(BM_FrameDecode)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace qcflow::icom

BENCHMARK_MAIN();
