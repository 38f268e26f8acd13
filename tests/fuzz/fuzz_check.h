// What the fuzz targets share: a failed property aborts, so libFuzzer saves
// the input as a crash (an assert would vanish under NDEBUG).
#ifndef QCFLOW_TESTS_FUZZ_FUZZ_CHECK_H_
#define QCFLOW_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

namespace qcflow::fuzz {

inline void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::abort();
  }
}

}  // namespace qcflow::fuzz

#endif  // QCFLOW_TESTS_FUZZ_FUZZ_CHECK_H_
