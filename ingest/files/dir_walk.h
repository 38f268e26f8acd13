// WalkFiles: the regular files under a directory, each with its size and mtime
// from one fstatat relative to its directory (no full-path lookups, no second
// stat): the floor of noticing a change, for FileScanner's re-scans.
#ifndef QCFLOW_INGEST_FILES_DIR_WALK_H_
#define QCFLOW_INGEST_FILES_DIR_WALK_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"

namespace qcflow::files {

struct WalkedFile {
  std::string full;  // root + "/" + rel
  std::string rel;   // relative to root, '/'-separated
  std::string_view name() const;  // the last part of rel
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

struct WalkCallbacks {
  // Whether a file of this name is of interest: others are not stat'ed.
  std::function<bool(std::string_view name)> wanted;
  // Each wanted regular file (symlinks to files followed), in readdir order.
  // An error stops the walk and is returned.
  std::function<Status(const WalkedFile&)> visit;
};

struct WalkOutcome {
  bool complete = true;               // every directory was listed whole
  std::vector<std::string> problems;  // directories that could not be, and why
};

// Walks `root`; with `recursive`, also its sub-directories (never through a
// symlinked directory: no loops, and the same file is not found twice).
// Directories, FIFOs, sockets and devices are never visited.
// REQUIRES: callbacks.wanted and callbacks.visit are set.
Result<WalkOutcome> WalkFiles(const std::string& root, bool recursive, const WalkCallbacks& callbacks);

}  // namespace qcflow::files

#endif  // QCFLOW_INGEST_FILES_DIR_WALK_H_
