#include "bench/measure.h"

#include <sys/resource.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>

namespace qcflow::bench {
namespace {

// The "<field>:   <n> kB" line of /proc/self/status.
uint64_t StatusKib(const char* field) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  uint64_t kib = 0;
  const size_t n = std::strlen(field);
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, field, n) == 0 && line[n] == ':') {
      kib = std::strtoull(line + n + 1, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return kib;
}

}  // namespace

uint64_t CurrentRssKib() { return StatusKib("VmRSS"); }
uint64_t PeakRssKib() { return StatusKib("VmHWM"); }

double ProcessCpuSeconds() {
  struct rusage u;
  ::getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Values below kSubBuckets get their own bucket; above, each power of two is
// split into kSubBuckets equal parts.
size_t LatencyHistogram::Bucket(uint64_t micros) {
  if (micros < uint64_t(kSubBuckets)) return size_t(micros);
  const int top = std::bit_width(micros) - 1;  // >= 5
  const int shift = top - 5;                   // kSubBuckets == 1 << 5
  const size_t octave = size_t(shift + 1);
  const size_t sub = size_t((micros >> shift) - kSubBuckets);
  return std::min(octave * kSubBuckets + sub, size_t(kSubBuckets * kOctaves - 1));
}

double LatencyHistogram::UpperBound(size_t bucket) {
  if (bucket < size_t(kSubBuckets)) return double(bucket);
  const size_t octave = bucket / kSubBuckets, sub = bucket % kSubBuckets;
  const int shift = int(octave) - 1;
  return double((uint64_t(kSubBuckets + sub + 1) << shift) - 1);
}

void LatencyHistogram::Add(int64_t micros) {
  const uint64_t v = micros < 0 ? 0 : uint64_t(micros);
  ++counts_[Bucket(v)];
  ++count_;
  max_ = std::max(max_, v);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

double LatencyHistogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  const uint64_t rank = std::max<uint64_t>(1, uint64_t(q * double(count_) + 0.5));
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(UpperBound(i), double(max_));
  }
  return double(max_);
}

}  // namespace qcflow::bench
