// TdsScanner: the MPC source. Finds Results.csv files under a TDS directory and
// journals each one (raw bytes + envelope) exactly once.
//
// Contract:
// - Fast search (default) looks only at <root>/<any>/MPCChecks/**/Results.csv;
//   otherwise the whole tree is walked.
// - Incremental: files whose size and mtime match what an earlier scan journaled
//   are not read again. That memory lives in the store, so it survives restarts.
// - A file younger than `settle` or whose size/mtime changed since the previous
//   look is left for a later scan, never half-read.
// - Dedup key: run folder name + "/" + Fnv1a64Hex(content) (store/content_hash.h);
//   the journal drops re-captures. (A folder name that does not parse: the path
//   below the root instead.) Never change it: stores dedup against it.
// - Meta (JSON): "folder" (the run folder's name, what the transform reads),
//   "path" (below the root), "size", and "reason" when quarantined, else
//   "complete": true (CheckResultsCsv accepted the bytes, so the transform
//   groups the run by its folder name and parses the file once, when it builds
//   the session). Records journaled before "folder" or "complete" was written
//   lack them (process/mpc reads those too).
// - A folder name or file that cannot be parsed, an incomplete Results.csv (cut
//   short, a damaged value: see results_csv.h) and a Results.csv that is not a
//   regular file (a FIFO is never opened) are journaled as quarantined records
//   whose meta says why; the scan goes on. Completed or replaced later (size or
//   mtime change), the file is read again into a new record.
// - An unreadable root (share not mounted) is Status::Unavailable; the caller
//   retries later.
#ifndef QCFLOW_INGEST_MPC_TDS_SCANNER_H_
#define QCFLOW_INGEST_MPC_TDS_SCANNER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/record.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {
class Store;
}

namespace qcflow::mpc {

struct TdsScanConfig {
  std::string root;                    // the TDS directory
  std::string source_id;               // journal source id; default: root
  bool fast_search = true;
  std::string site_zone = "UTC";       // zone of the MPC workstation's clock
  std::chrono::seconds settle{10};     // minimum file age before reading
  std::optional<MicrosUtc> since;      // skip runs older than this (backfill --since)
  size_t batch_size = 512;             // records per journal write
};

struct ScanReport {
  size_t files_seen = 0;       // Results.csv files found
  size_t files_unchanged = 0;  // skipped: already journaled, same size and mtime
  size_t files_read = 0;
  size_t appended = 0;         // new journal records (including quarantined)
  size_t duplicates = 0;       // content already in the journal
  size_t quarantined = 0;      // of appended
  size_t unsettled = 0;        // still being written; left for a later scan
  size_t too_old = 0;          // before `since`
  uint64_t bytes_read = 0;
  std::vector<std::string> problems;  // one readable sentence each
};

// Called every few hundred files with the report so far.
using ScanProgress = std::function<void(const ScanReport&)>;

class TdsScanner {
 public:
  // REQUIRES: store outlives the scanner; config.root non-empty.
  TdsScanner(TdsScanConfig config, Store* store);

  // One pass over the tree. `now` decides which files have settled.
  Result<ScanReport> Scan(MicrosUtc now, const ScanProgress& progress = nullptr);

  const TdsScanConfig& config() const { return config_; }
  // Replaces config().since for the next scans (the daemon learns its history
  // window only once it has read the source's first start from the store).
  void SetSince(std::optional<MicrosUtc> since) { config_.since = since; }

 private:
  struct FileState {
    uint64_t size = 0;
    int64_t mtime_ns = 0;
  };
  struct Candidate {
    std::string path;      // absolute
    std::string relative;  // to root, the memory key
    std::string folder;    // run folder name
    std::string not_regular;  // "a FIFO (named pipe)", ...: quarantined, never opened
    FileState state;
  };
  // A candidate to read, with what the scan decided from its name.
  struct ToRead {
    Candidate file;
    bool folder_ok = false;
    std::string time_text;    // the folder's run time as written
    MicrosUtc event_time = 0;
    std::string reason;       // quarantine reason known before reading
  };
  Status LoadMemory();
  Status ListCandidates(std::vector<Candidate>* out, ScanReport* report);
  // Reads, checks and hashes `files` in parallel (network shares and parsing
  // both gain), then journals them in their order (deterministic seqs).
  Status ReadAndJournal(std::vector<ToRead>* files, MicrosUtc now, ScanReport* report);
  // Journals `batch` and remembers the files it came from.
  Status Flush(std::vector<Candidate>* files, std::vector<Record>* batch, ScanReport* report);

  TdsScanConfig config_;
  Store* store_;
  bool memory_loaded_ = false;
  std::map<std::string, FileState> journaled_;  // relative path -> state when journaled
};


}  // namespace qcflow::mpc

#endif  // QCFLOW_INGEST_MPC_TDS_SCANNER_H_
