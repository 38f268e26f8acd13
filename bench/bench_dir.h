// Benchmark helper: a scratch directory for one benchmark (or fixture), created
// fresh under $TMPDIR (default /tmp) and removed, with everything in it, when the
// object dies. Benchmarks have no test framework to report to: failing to
// create it prints why and aborts.
#ifndef QCFLOW_BENCH_BENCH_DIR_H_
#define QCFLOW_BENCH_BENCH_DIR_H_

#include <memory>
#include <string>

#include "store/status.h"

namespace qcflow::bench {

class BenchDir {
 public:
  // $TMPDIR/<prefix>-XXXXXX
  explicit BenchDir(const std::string& prefix = "qcflow-bench");
  // <base>/<prefix>-XXXXXX (base created if missing; empty base: $TMPDIR), or
  // an IOError saying why not — for callers that report instead of aborting.
  static Result<std::unique_ptr<BenchDir>> In(const std::string& base, const std::string& prefix);
  ~BenchDir();
  BenchDir(const BenchDir&) = delete;
  BenchDir& operator=(const BenchDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  struct Adopt {};
  BenchDir(Adopt, std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace qcflow::bench

#endif  // QCFLOW_BENCH_BENCH_DIR_H_
