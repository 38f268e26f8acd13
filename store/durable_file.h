// Files that survive a crash whole: a document written here is either its old
// content or its new one after a power cut, never half of either. Used by the
// file mover and the archive sinks (QuAAC, QUIP).
#ifndef QCFLOW_STORE_DURABLE_FILE_H_
#define QCFLOW_STORE_DURABLE_FILE_H_

#include <optional>
#include <string>
#include <string_view>

#include "store/status.h"

namespace qcflow {

// Closes a file descriptor when it goes out of scope.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd();
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }
  // Closes now and reports a failed close (the last write's error on NFS).
  int Close();

 private:
  int fd_;
};

// fsyncs a directory, so the names created or removed in it are durable.
Status SyncDir(const std::string& dir);

// Creates `dir` and its parents as needed (each new one synced into its parent).
Status MakeDirs(const std::string& dir);

// Replaces `path` with `bytes`: written to "<dir>/.<name>.qcflow-part",
// fsynced, renamed over `path`, and the directory fsynced. A crash leaves
// `path` as it was or as written, and at most the temporary file, which the
// next call replaces. IOError names the step and the path (ENOSPC: "No space
// left on device"). REQUIRES: path's directory exists.
Status ReplaceFileDurably(const std::string& path, std::string_view bytes);

// The whole content of `path`; nullopt when it does not exist. IOError when it
// cannot be read.
Result<std::optional<std::string>> ReadFileIfExists(const std::string& path);

}  // namespace qcflow

#endif  // QCFLOW_STORE_DURABLE_FILE_H_
