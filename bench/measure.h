// Small measuring tools shared by the benchmark binaries and `qcflow bench`:
// resident memory from /proc/self/status, process CPU time, and a latency
// histogram of fixed size (so that measuring a long run does not itself grow
// the memory the run is checking stays flat).
#ifndef QCFLOW_BENCH_MEASURE_H_
#define QCFLOW_BENCH_MEASURE_H_

#include <array>
#include <cstddef>
#include <cstdint>

namespace qcflow::bench {

// VmRSS of this process in KiB (0 if /proc is unavailable).
uint64_t CurrentRssKib();
// VmHWM (peak resident) of this process in KiB (0 if unavailable).
uint64_t PeakRssKib();
// User + system CPU seconds of the whole process (every thread) so far.
double ProcessCpuSeconds();

// Log-linear histogram of durations in microseconds, 1 µs .. ~9 h, with
// about 2 % relative error per bucket. Constant memory; not thread-safe.
class LatencyHistogram {
 public:
  void Add(int64_t micros);
  void Merge(const LatencyHistogram& other);
  uint64_t count() const { return count_; }
  // The value at quantile q in [0, 1] (bucket upper bound), in µs; 0 if empty.
  double Quantile(double q) const;
  double max_micros() const { return double(max_); }

 private:
  static constexpr int kSubBuckets = 32;  // per power of two
  static constexpr int kOctaves = 31;     // up to 2^35 µs ≈ 9.5 h, then clamped
  static size_t Bucket(uint64_t micros);
  static double UpperBound(size_t bucket);

  std::array<uint64_t, kSubBuckets * kOctaves> counts_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

}  // namespace qcflow::bench

#endif  // QCFLOW_BENCH_MEASURE_H_
