// FileScanner: the capture half of [[source.files]] — journals whole files
// found in watched directories, once each, as records of kind "files".
//
// Promises:
//   - A file is journaled when it has settled (its mtime is at least `settle`
//     old and its size did not change while it was read), with its raw bytes
//     as the payload.
//   - Dedup key = directory + relative path + size + content hash: not the
//     mtime, so a DST change or a copy that resets mtimes journals nothing new,
//     while a changed file is a new record (a new version).
//   - Nothing is lost on bad input: a file over max_size is journaled
//     quarantined without its bytes, and a text file that is not valid in the
//     configured encoding is journaled quarantined with its bytes and the byte
//     offset of the first bad byte in the reason. Binary files are never read
//     as text.
//   - A file that cannot be read is reported once (per file and error), not
//     every pass; directories and special files are never taken.
//   - A re-scan of an unchanged tree reads no file: size and mtime of what was
//     journaled are remembered (so a restart reads each file once more and the
//     journal's dedup finds it).
// Record meta (JSON): dir, path (relative, '/'), size, mtime (ISO UTC), mode,
// encoding; for quarantined records also "reason".
#ifndef QCFLOW_INGEST_FILES_FILE_SCAN_H_
#define QCFLOW_INGEST_FILES_FILE_SCAN_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/files/dir_walk.h"
#include "store/record.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {
class Journal;
class Store;
}

namespace qcflow::files {

// Derived namespace of FileScanner's memory of what it journaled.
inline constexpr const char* kScannedNs = "files.scanned";

enum class FileMode { kText, kBinary };
enum class TextEncoding { kUtf8, kLatin1, kCp1252 };

std::string ModeName(FileMode mode);          // "text", "binary"
std::string EncodingName(TextEncoding enc);   // "utf-8", "latin-1", "cp1252"

// What a source of its own record kind (ingest/trf) says about one file's
// bytes; each field left empty keeps the files source's rule.
struct RecordShape {
  std::string dedup_key;                // "" = directory + path + size + hash
  std::optional<MicrosUtc> event_time;  // nullopt = the mtime
  std::string event_time_text;          // with event_time: the file's own text of it
  std::vector<std::pair<std::string, std::string>> meta;  // added to the record's meta
  std::string reason;                   // not empty: journaled quarantined, with it
};

struct FileScanOptions {
  std::string source_id;                      // the [[source.files]] name
  std::vector<std::string> dirs;              // REQUIRES: non-empty, absolute or relative paths
  std::vector<std::string> patterns{"*"};     // fnmatch globs on the file name
  std::vector<std::string> ignore;            // globs on the file name or the relative path
  bool recursive = false;
  FileMode mode = FileMode::kText;
  TextEncoding encoding = TextEncoding::kUtf8;
  std::chrono::milliseconds settle{10'000};
  uint64_t max_size = 50ull << 20;
  // Files last modified before it are not taken (the history window);
  // nullopt = every file.
  std::optional<MicrosUtc> since;
  // The records' kind; a source of its own registered kind sets it and
  // `shape` (called with each settled file's bytes, never with an oversize
  // file's; nullptr = the files source's records).
  Kind kind = Kind::kFile;
  std::function<void(std::string_view bytes, RecordShape* shape)> shape;
};

struct FileScanReport {
  size_t seen = 0;         // matching regular files
  size_t appended = 0;     // new records (quarantined included)
  size_t quarantined = 0;  // of those
  size_t unsettled = 0;    // left for a later pass
  size_t before_since = 0; // older than options().since: not taken
  std::vector<std::string> problems;  // unreadable files and dirs, each once
};

class FileScanner {
 public:
  // `memory`, when given, keeps the size and mtime of each journaled file in
  // the derived namespace kScannedNs ("<source_id>\0<full path>"), so a
  // restarted scanner reads no unchanged file either. It is a cache: losing
  // it only costs a read (and the journal's dedup keeps the file out).
  explicit FileScanner(FileScanOptions options, Store* memory = nullptr)
      : options_(std::move(options)), memory_(memory) {}

  // One pass over every directory at wall time `now`.
  // Errors: only the journal's (a full disk, a closed store); a missing
  // directory is a problem in the report, so the other directories still run.
  // REQUIRES: journal != nullptr.
  Result<FileScanReport> Pass(Journal* journal, MicrosUtc now);

  const FileScanOptions& options() const { return options_; }
  // Replaces options().since for the next passes (the daemon learns its
  // history window at start).
  void SetSince(std::optional<MicrosUtc> since) { options_.since = since; }
  // Files remembered as journaled: those seen in the latest complete pass
  // (files that went away are forgotten, so a drop directory costs no memory).
  size_t remembered() const { return known_.size(); }

 private:
  struct Known {
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    uint64_t pass = 0;  // the latest pass that saw it
  };
  // Reads one file into the batch (flushed by count and bytes).
  Status Take(Journal* journal, const std::string& dir, const WalkedFile& f, MicrosUtc now,
              FileScanReport* report);
  // Journaled already with this size and mtime.
  // Marks it seen by this pass when so.
  bool Unchanged(const WalkedFile& f);
  // The memory: loaded once, saved (changes only) after each pass.
  Status LoadMemory();
  Status SaveMemory();
  std::string MemoryPrefix() const;
  std::string Fingerprint() const;
  // Appends the batch in one synced write and remembers what it holds.
  Status Flush(Journal* journal, FileScanReport* report);

  struct Pending {
    Record record;
    std::string full;
    Known known;
    std::string reason;
  };
  void Problem(const std::string& what, FileScanReport* report);

  FileScanOptions options_;
  Store* memory_ = nullptr;
  bool loaded_ = false;
  std::vector<std::string> changed_;       // remembered since the last save
  std::set<std::string> forgotten_;        // to remove from the memory
  std::unordered_map<std::string, Known> known_;  // full path -> as journaled
  std::set<std::string> reported_;      // problems already told
  uint64_t pass_ = 0;
  std::vector<Pending> batch_;
  size_t batch_bytes_ = 0;
};

}  // namespace qcflow::files

#endif  // QCFLOW_INGEST_FILES_FILE_SCAN_H_
