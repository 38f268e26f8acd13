// The file mover's filesystem steps, each durable before it returns, so a
// transfer killed at any moment leaves the file whole in the source and, at
// most, a temporary file (TempName) in the destination, never half a file
// under its final name (docs/architecture.md "File mover").
#ifndef QCFLOW_INGEST_FILE_MOVER_FILE_OPS_H_
#define QCFLOW_INGEST_FILE_MOVER_FILE_OPS_H_

#include <cstdint>
#include <string>

#include "store/durable_file.h"
#include "store/status.h"

namespace qcflow::file_mover {

// The suffix of the temporary names transfers write to; a leftover one is
// from a killed transfer and may be removed (CleanUpTemporaries).
inline constexpr const char* kTempSuffix = ".qcflow-part";

// "<dir>/.<file name>.qcflow-part": beside `final_path`, on its filesystem.
std::string TempName(const std::string& final_path);
bool IsTempName(const std::string& file_name);

struct Copied {
  uint64_t bytes = 0;
  uint64_t hash = 0;  // Fnv1a64 of the content
};

// Copies `src` to `temp` (created; an old file of that name is replaced) and
// fsyncs it. PermissionDenied-like failures of `src` are IOError with
// "cannot read"; a vanished `src` is NotFound.
// REQUIRES: temp's directory exists.
Result<Copied> CopyToTemp(const std::string& src, const std::string& temp);

// Opens `path` for reading and closes it: IOError when it cannot be read
// (permissions), NotFound when it is gone.
Status CanRead(const std::string& path);

// Fnv1a64 and size of a file's content.
Result<Copied> HashFile(const std::string& path);

// Whether the two files hold the same bytes (compared byte by byte, not by hash).
Result<bool> SameContent(const std::string& a, const std::string& b);

// Renames `from` to `to`; AlreadyExists when `to` exists and `replace` is false
// (checked atomically where the filesystem supports it, RENAME_NOREPLACE);
// FailedPrecondition when `to` is on another filesystem (EXDEV; copy instead).
Status Rename(const std::string& from, const std::string& to, bool replace);

// SyncDir and MakeDirs (store/durable_file.h), as the mover's steps.
using ::qcflow::MakeDirs;
using ::qcflow::SyncDir;

// Removes `path`; a missing file is fine.
Status RemoveFile(const std::string& path);

// Modification time in ns since the epoch and size, of a regular file
// (lstat: a symlink is not one). NotFound when absent, FailedPrecondition when
// not a regular file.
struct FileStat {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};
Result<FileStat> StatRegular(const std::string& path);

}  // namespace qcflow::file_mover

#endif  // QCFLOW_INGEST_FILE_MOVER_FILE_OPS_H_
