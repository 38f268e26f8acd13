// Floors for a file tree, measured in the same run as the work they bound:
// what any program that looks at (or reads) every file must pay at least. A
// scan's figure divided by its floor says what qcflow's own work costs,
// whatever the disk or the page cache.
#ifndef QCFLOW_BENCH_TREE_FLOOR_H_
#define QCFLOW_BENCH_TREE_FLOOR_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "store/status.h"

namespace qcflow::bench {

struct TreeFloor {
  size_t files = 0;    // regular files seen
  uint64_t bytes = 0;  // their sizes (stat) or the bytes read
  double seconds = 0;
};

// Walks `root` recursively and stats every entry: the least a re-scan of an
// unchanged tree does. The best of `rounds` runs (the first warms the dentry cache).
Result<TreeFloor> StatWalkFloor(const std::string& root, int rounds = 2);

// Reads every regular file under `root` into one reused buffer, on one thread:
// the least a first scan does before parsing or journaling anything.
Result<TreeFloor> ReadAllFloor(const std::string& root, int rounds = 2);

}  // namespace qcflow::bench

#endif  // QCFLOW_BENCH_TREE_FLOOR_H_
