// Archive import: reads what PyMedPhys's `pymedphys icom listen` wrote and
// turns it into the same journal records live capture makes.
//
// Layout (shared/spec/icom.md, Archives):
//   DIR/patients/<PatientID>_<Name>/<YYYYMMDD_HHMMSS>.xz   one delivery, xz of
//       the raw messages back to back (also patients/unknown_error_in_record/)
//   DIR/live/<ip>/000.txt ... 255.txt                      one raw message each
// When DIR has neither patients/ nor live/, every *.xz under DIR is taken (the
// user pointed at a patients directory).
//
// Each file goes through its own Framer; a file's end is a real end of data
// (unlike a socket), so the last message is kept when its element chain ends
// exactly at the end (Framer::FlushArchive). Records come from
// IcomMessageRecord, so a message imported here and captured live is one
// record (same dedup key): imports and captures deduplicate each other, and a
// second import appends nothing.
//
// Memory is bounded: .xz files are decoded streaming (64 KiB in, 64 KiB out,
// a 256 MiB decoder memory limit), the framer holds at most one message
// (max_message_size) plus a read, and records are appended in batches.
//
// A damaged file never stops an import: a corrupt or truncated .xz (or an
// unreadable file) is reported in `problems` and counted in files_failed; the
// whole messages decoded before the damage are kept (they are real data), the
// rest of that file is skipped, the other files are imported.
//
// PHI: patient directories are named <PatientID>_<Name>. Messages name a file
// by ArchiveDisplayName, which hides that component.
#ifndef QCFLOW_INGEST_ICOM_ARCHIVE_READER_H_
#define QCFLOW_INGEST_ICOM_ARCHIVE_READER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"

namespace qcflow {
class Journal;
}

namespace qcflow::icom {

enum class ArchiveFileKind { kXz, kLiveText };

struct ArchiveFile {
  std::string path;
  ArchiveFileKind kind = ArchiveFileKind::kXz;
  uint64_t size = 0;  // on disk (compressed for .xz)
  int64_t mtime = 0;  // last write, file-clock ticks (orders the live ring)
};

// The archive files under `dir` (layout above), oldest first: .xz files by
// file name (their YYYYMMDD_HHMMSS start, across patients), then live ring
// files by write time.
// NotFound when `dir` does not exist or is not a directory; an empty list is
// not an error here (the caller decides what "nothing found" means).
Result<std::vector<ArchiveFile>> FindIcomArchives(const std::string& dir);

// `path` relative to `dir` with a patient directory shown as "<patient>":
// "patients/<patient>/20240501_071233.xz", "live/192.168.1.5/007.txt".
std::string ArchiveDisplayName(const std::string& dir, const std::string& path);

// Streams the decompressed bytes of an .xz file to `chunk` (several calls,
// each at most 64 KiB). Corruption for data that is not xz or is damaged or
// cut short (after the chunks decoded before the damage); IOError when the
// file cannot be read.
Status DecodeXzFile(const std::string& path, const std::function<void(std::string_view)>& chunk);

struct ArchiveFileReport {
  uint64_t messages = 0;       // whole messages framed
  uint64_t malformed = 0;      // fragments dropped: cut short, oversize, trailing garbage
  uint64_t skipped_bytes = 0;  // bytes in no message (garbage between messages)
  uint64_t bytes = 0;          // decompressed bytes read
};

// Frames one archive file; calls `message` with each whole message (valid
// during the call). Errors as DecodeXzFile; messages framed before an error
// were delivered.
Status ReadArchiveFile(const ArchiveFile& file, const std::function<void(std::string_view)>& message,
                       ArchiveFileReport* report, size_t max_message_size = 1u << 20);

struct IcomImportReport {
  uint64_t files = 0;         // files read (failed ones included)
  uint64_t files_failed = 0;  // corrupt or unreadable: see problems
  uint64_t bytes = 0;         // decompressed bytes read
  uint64_t messages = 0;      // whole messages found
  uint64_t appended = 0;      // new journal records
  uint64_t duplicates = 0;    // already in the journal (captured or imported before)
  uint64_t quarantined = 0;   // appended but flagged (timestamp that does not exist in the zone)
  uint64_t malformed = 0;     // fragments that were not whole messages (dropped)
  uint64_t skipped_bytes = 0;
  std::vector<std::string> problems;  // one sentence per failed file (ArchiveDisplayName)
};

struct IcomImportOptions {
  std::string linac;         // source_id of the records: the [[source.icom]] name
  std::string zone = "UTC";  // IANA zone of the linac's clock
  size_t batch = 256;        // records per AppendBatch
  size_t max_message_size = 1u << 20;
  // Called after each file with the totals so far and the file just read.
  std::function<void(const IcomImportReport&, const ArchiveFile&)> progress;
};

// Imports `files` (from FindIcomArchives under `dir`) into `journal`.
// Errors: InvalidArgument for an empty linac or unknown zone; the journal's
// own errors (nothing after the failed batch is appended). Damaged files are
// not errors (see above).
Result<IcomImportReport> ImportIcomArchives(const std::string& dir,
                                            const std::vector<ArchiveFile>& files, Journal* journal,
                                            const IcomImportOptions& options);

}  // namespace qcflow::icom

#endif  // QCFLOW_INGEST_ICOM_ARCHIVE_READER_H_
