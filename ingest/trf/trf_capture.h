// The capture half of [[source.trf]] and `qcflow backfill trf`: each Elekta
// TRF log found in a directory is journaled whole, once, as a record of the
// registered kind "trf", through the files source's scanner (FileScanner:
// settle, the walk, the memory of what was journaled) with a TRF record shape:
//   - dedup key = TrfDedupKey(bytes), the content alone: the same log seen
//     under another path or name (copied, re-exported) is one record;
//   - event time = the header's date (UTC) when it reads, else the mtime;
//   - meta: the scanner's dir and path (where it was first found: provenance),
//     plus linac, zone, field, version and machine_id;
//   - a file whose header does not decode (not a TRF log, cut short, an
//     unknown version) is journaled quarantined with the decoder's sentence.
// The table is not decoded here: that is the transform's (process/trf/).
#ifndef QCFLOW_INGEST_TRF_TRF_CAPTURE_H_
#define QCFLOW_INGEST_TRF_TRF_CAPTURE_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/files/file_scan.h"
#include "store/record.h"
#include "store/time_util.h"

namespace qcflow::trf {

// The record kind's name (Store::RegisterKind).
inline constexpr char kTrfKindName[] = "trf";

struct TrfCaptureSettings {
  std::string source_id;  // journal source id: the [[source.trf]] name
  std::string linac;      // REQUIRES: not empty
  std::string zone;       // kept in meta ("" = none given)
  std::vector<std::string> dirs;  // REQUIRES: non-empty
  std::vector<std::string> patterns{"*.trf"};
  bool recursive = false;
  std::chrono::milliseconds settle{10'000};
  std::optional<MicrosUtc> since;  // files last modified before it are not taken
};

// FNV-1a 64 of the bytes (16 hex digits), "/", their size.
std::string TrfDedupKey(std::string_view bytes);

// The TRF record shape of one log's bytes (the rules above): what the scanner
// applies to a loose log and the backups reader to a zip member.
void ShapeTrfRecord(std::string_view bytes, const std::string& linac, const std::string& zone,
                    files::RecordShape* shape);

// Scanner options journaling TRF logs as records of `kind` (the store's code
// for kTrfKindName).
files::FileScanOptions TrfScanOptions(const TrfCaptureSettings& s, Kind kind);

}  // namespace qcflow::trf

#endif  // QCFLOW_INGEST_TRF_TRF_CAPTURE_H_
