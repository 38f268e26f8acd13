#include "bench/icom_corpus.h"

#include <cstdio>

#include "ingest/icom/icom_record.h"
#include "store/time_util.h"

namespace qcflow::bench {

std::string LinacName(int i) {
  char name[16];
  std::snprintf(name, sizeof name, "LA%02d", i + 1);
  return name;
}

icom::LinacGeneratorConfig LinacStreamConfig(int i, uint64_t seed, uint64_t messages) {
  icom::LinacGeneratorConfig c;
  c.seed = seed + uint64_t(i);
  c.messages = messages;
  c.machine_id = LinacName(i);
  return c;
}

int64_t IcomUnixSeconds(std::string_view message, int64_t fallback) {
  const MicrosUtc t = icom::IcomTimestampToUtc(icom::IcomTimestampText(message), "UTC",
                                               fallback * kMicrosPerSecond);
  return t / kMicrosPerSecond;
}

IcomCorpus::IcomCorpus(int linacs, uint64_t seed) {
  for (int i = 0; i < linacs; ++i) generators_.emplace_back(LinacStreamConfig(i, seed, 0));
}

void IcomCorpus::Next(size_t n, std::vector<Record>* out) {
  out->resize(n);
  for (Record& r : *out) {
    const int i = int(produced_++ % generators_.size());
    message_.clear();
    generators_[size_t(i)].Next(&message_);
    r = icom::IcomMessageRecord(LinacName(i), "UTC", message_, NowMicros());
  }
}

}  // namespace qcflow::bench
