// AfterUpload: after = "move" | "copy" of a [[source.files]]. Places each
// uploaded file under its directory's destination, keeping its sub-path, once
// every routed sink has confirmed the upload (the outbox remembers it as
// delivered: a 201, or the server already holding the user_key).
//
// Promises:
//   - Nothing is placed before every sink confirmed; an upload that became a
//     dead letter keeps its file where it is until a replay delivers it.
//   - Never overwrite: a target with other content gets "name (2).ext"; one
//     with the same bytes is the file already there (a no-op).
//   - A move is a rename where the filesystem allows; across filesystems a
//     copy (temporary name, fsync, rename), then the source is unlinked. The
//     file is never in neither place, and never half under its final name.
//   - Once: the work list entry goes in the commit that records where the file
//     went (placement_queue.h). A kill after the file moved but before that
//     commit is finished by the next pass, which finds the file at its target.
//   - A file changed since its upload is not placed (its new version is a new
//     upload and is placed after that one); a file gone from its directory is
//     reported and dropped from the list. Problems are reported once per file.
#ifndef QCFLOW_INGEST_FILES_AFTER_UPLOAD_H_
#define QCFLOW_INGEST_FILES_AFTER_UPLOAD_H_

#include <cstddef>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {
class Store;
}

namespace qcflow::files {

enum class AfterUploadAction { kKeep, kMove, kCopy };

struct AfterUploadSettings {
  std::string source;                               // the [[source.files]] name
  AfterUploadAction action = AfterUploadAction::kKeep;
  std::map<std::string, std::string> destinations;  // watched dir (as configured) -> destination
};

struct AfterUploadReport {
  size_t moved = 0, copied = 0;
  size_t identical = 0;      // of those, already at the target (a no-op)
  size_t renamed = 0;        // of those, written as "name (n).ext" (keep-both)
  size_t waiting = 0;        // uploads not yet confirmed by every sink
  size_t dropped = 0;        // changed or gone since the upload: not placed
  std::vector<std::string> problems;  // new this pass, each once
  std::vector<std::string> placed;    // "a.txt -> /dst/a.txt", for the debug log
};

class AfterUpload {
 public:
  // REQUIRES: store outlives this; settings.action != kKeep.
  AfterUpload(AfterUploadSettings settings, Store* store);

  // One pass over the source's work list at `now` (up to `limit` entries
  // placed). Errors: the store's only (reading the list, committing).
  Result<AfterUploadReport> Pass(MicrosUtc now, size_t limit = 1024);

 private:
  struct Entry;
  // Places one file; true when its entry is done (placed or dropped).
  bool Place(const Entry& e, MicrosUtc now, AfterUploadReport* report, std::string* placed_json);
  void ReportOnce(const std::string& key, std::string problem, AfterUploadReport* report);

  const AfterUploadSettings s_;
  Store* store_;
  std::set<std::string> reported_;
};

}  // namespace qcflow::files

#endif  // QCFLOW_INGEST_FILES_AFTER_UPLOAD_H_
