// IcomCorpus: the iCom records N simulated linacs produce, built in memory
// exactly as capture journals them (kind icom, source_id = linac name,
// IcomDedupKey, payload = the raw ≈8.6 KB message), interleaved round robin.
// Linac i is named LinacName(i) and uses LinacGenerator seed `seed + i`, the
// same streams RunIcomLinacs serves over loopback, so a raw RocksDB baseline,
// a compression comparison or another tool can be given the same bytes.
#ifndef QCFLOW_BENCH_ICOM_CORPUS_H_
#define QCFLOW_BENCH_ICOM_CORPUS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/icom/sim/linac_generator.h"
#include "store/record.h"

namespace qcflow::bench {

// "LA01", "LA02", ...
std::string LinacName(int i);
// The generator settings of linac i (seed + i, machine id LinacName(i), the
// rest default): `qcflow simulate-linac --seed <seed + i> --linac-name LA0<i+1>`
// streams the same bytes, for running the same input through other tools.
// REQUIRES: 0 <= i.
icom::LinacGeneratorConfig LinacStreamConfig(int i, uint64_t seed, uint64_t messages);

// The message's timestamp as UTC Unix seconds (the simulator's clock is UTC),
// or `fallback` when it does not parse.
// REQUIRES: message.size() >= icom::kHeaderSize.
int64_t IcomUnixSeconds(std::string_view message, int64_t fallback);

class IcomCorpus {
 public:
  // REQUIRES: linacs >= 1.
  IcomCorpus(int linacs, uint64_t seed);

  // Replaces *out with the next `n` records (round robin over the linacs).
  void Next(size_t n, std::vector<Record>* out);
  uint64_t produced() const { return produced_; }

 private:
  std::vector<icom::LinacGenerator> generators_;
  uint64_t produced_ = 0;
  std::string message_;
};

}  // namespace qcflow::bench

#endif  // QCFLOW_BENCH_ICOM_CORPUS_H_
