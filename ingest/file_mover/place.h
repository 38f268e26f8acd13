// Placing one file at a target name without ever overwriting another file:
// the step the file mover and [[source.files]] (after = "move" | "copy")
// share, so both keep the same promises (docs/architecture.md "File mover").
//
//   - A target that holds the same bytes is the file already there: a no-op
//     (kIdentical; the caller removes the source of a move).
//   - Otherwise on_conflict decides: keep-both tries "name (2).ext",
//     "name (3).ext", ...; skip leaves the source (kConflict); replace-if-newer
//     replaces the target only by a newer source.
//   - A copy is written to TempName(target), fsynced and renamed, so no one
//     ever sees half a file under the final name. With `by_rename`, a target
//     on the source's filesystem is a rename(2) of the source itself: atomic,
//     the file is in exactly one place at every moment.
//   - The target's directory is created when missing. The caller syncs it
//     (SyncDir) before it relies on the new name, and unlinks the source of a
//     move only after that.
#ifndef QCFLOW_INGEST_FILE_MOVER_PLACE_H_
#define QCFLOW_INGEST_FILE_MOVER_PLACE_H_

#include <cstdint>
#include <string>

#include "ingest/file_mover/file_ops.h"

namespace qcflow::file_mover {

enum class OnConflict { kKeepBoth, kSkip, kReplaceIfNewer };

// "name (n).ext" for "name.ext" (n >= 2); the extension is the last one.
std::string KeepBothName(const std::string& path, int n);

struct PlaceOptions {
  OnConflict on_conflict = OnConflict::kKeepBoth;
  int64_t source_mtime_ns = 0;  // replace-if-newer compares it with the target's
  bool by_rename = false;       // move by rename(2) where the filesystem allows
};

struct Placement {
  enum Outcome { kWritten, kRenamed, kIdentical, kReplaced, kConflict, kUnreadable, kError, kGone };
  Outcome outcome = kError;  // kRenamed: written as "name (n).ext" beside another file
  std::string target;        // where the file is now (or the name in conflict)
  Copied content;            // what was placed; hash 0 when moved by rename (not read)
  bool source_renamed = false;  // by_rename took the source itself: it is gone
  std::string problem;       // for kConflict, kUnreadable, kError, kGone
  bool placed() const { return outcome <= kReplaced; }
};

// Places `source` at `target` (or beside it, per on_conflict).
// REQUIRES: source and target are paths of regular files (target may be absent).
Placement PlaceFile(const std::string& source, const std::string& target, const PlaceOptions& options);

}  // namespace qcflow::file_mover

#endif  // QCFLOW_INGEST_FILE_MOVER_PLACE_H_
