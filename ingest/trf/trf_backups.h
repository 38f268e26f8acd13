// TrfBackupReader: the TRF logs inside an Elekta NSS's diagnostic backups
// (`<backups>/SDD+*.zip`: zip archives holding `*.trf` members, about 8 days of
// them), read with libzip and journaled as loose logs are (ShapeTrfRecord):
// the same dedup key, so a log inside two backups and as a loose file is one
// record. Provenance in meta: `backups` (the folder), `zip` (the archive's path
// in it) and `member` (the log's path inside the archive).
//
// Promises:
//   - Archives are read in name order (SDD+<date>: oldest first), so a log in
//     several backups is filed under the earliest.
//   - A zip is read once it has settled (mtime at least `settle` old, size
//     unchanged while read); then it is remembered (size and mtime, in the
//     derived namespace kBackupsReadNs when a store is given), so a re-scan
//     or a restart reads no unchanged archive. Zips no longer in the folder
//     are forgotten after a pass that listed it whole.
//   - A zip that does not open or a member that does not read is reported
//     once, and the zip is not remembered (a later pass tries it again); the
//     other members are still journaled.
//   - A member that is not a TRF log is journaled quarantined, with the reason.
#ifndef QCFLOW_INGEST_TRF_TRF_BACKUPS_H_
#define QCFLOW_INGEST_TRF_TRF_BACKUPS_H_

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "ingest/trf/trf_capture.h"
#include "store/record.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {
class Journal;
class Store;
}  // namespace qcflow

namespace qcflow::trf {

// Derived namespace of the zips read: "<source_id>\0<zip's full path>" -> "<size> <mtime_ns>".
inline constexpr char kBackupsReadNs[] = "trf.backups_read";

struct TrfBackupOptions {
  std::string source_id, linac, zone;  // as TrfCaptureSettings
  std::string dir;                     // the backups folder (`backups`)
  std::vector<std::string> zip_patterns{"SDD+*.zip"};
  std::vector<std::string> member_patterns{"*.trf"};  // on the member's file name
  bool recursive = false;
  std::chrono::milliseconds settle{10'000};
  Kind kind = Kind::kEvent;  // the store's code of kTrfKindName
};

// The options of a source's capture, for the backups folder `dir`.
TrfBackupOptions BackupOptionsFor(const TrfCaptureSettings& capture, std::string dir, Kind kind);

struct TrfBackupReport {
  size_t zips_seen = 0;    // matching archives
  size_t zips_read = 0;    // of those, read this pass
  size_t logs = 0;         // matching members read
  size_t appended = 0;     // new records (quarantined included)
  size_t quarantined = 0;  // of those
  size_t unsettled = 0;    // zips left for a later pass
  std::vector<std::string> problems;
  void Add(const TrfBackupReport& r);
};

class TrfBackupReader {
 public:
  // REQUIRES: options.dir, linac and source_id set; `memory` (optional)
  // outlives the reader.
  explicit TrfBackupReader(TrfBackupOptions options, Store* memory = nullptr)
      : options_(std::move(options)), memory_(memory) {}

  // One pass over the folder at wall time `now`. Errors: the journal's and
  // the store's only; a missing folder is a problem in the report.
  Result<TrfBackupReport> Pass(Journal* journal, MicrosUtc now);

  // Journals the logs of one archive, whatever its name (`backfill trf --from
  // X.zip`); `zip` is its path as shown in meta. Not remembered.
  Status ReadZip(const std::string& path, const std::string& zip, Journal* journal, MicrosUtc now,
                 TrfBackupReport* report);

 private:
  struct Known {
    uint64_t size = 0;
    int64_t mtime_ns = 0;
  };
  // ReadZip; whether the archive opened and every matching member read.
  Result<bool> Read(const std::string& path, const std::string& zip, Journal* journal, MicrosUtc now,
                    TrfBackupReport* report);
  Status LoadMemory();
  void Problem(const std::string& what, TrfBackupReport* report);

  TrfBackupOptions options_;
  Store* memory_ = nullptr;
  bool loaded_ = false;
  std::unordered_map<std::string, Known> known_;  // zip's full path -> as read
  std::set<std::string> reported_;
};

}  // namespace qcflow::trf

#endif  // QCFLOW_INGEST_TRF_TRF_BACKUPS_H_
