// FileMover: one [[source.file_mover]]'s passes over its source directory.
// Each pass moves (or copies) the settled files that match `pattern` and not
// `ignore` to the destination, and journals each transfer as a record of kind
// "files" (what, from, to, bytes, hash, when), so `qcflow query records --kind
// files` says where a file went.
//
// Promises (docs/architecture.md "File mover"):
// - A file is written to a temporary name in its destination directory,
//   fsynced, renamed to its final name and the directory fsynced; only after
//   the transfer is journaled (durably) is a moved source unlinked. A kill at
//   any moment leaves the file whole in the source, at its target, or both
//   with identical bytes; the next pass (or CleanUpTemporaries) finishes it.
// - A target that exists with identical bytes is the file already there: a
//   no-op (a move then removes the source). Otherwise on_conflict decides:
//   keep-both writes "name (2).ext" (never overwriting), skip leaves the
//   source, replace-if-newer replaces the target only by a newer source.
// - The dedup key (mover name, relative path, size, mtime) journals each
//   transfer once, also when a pass is repeated after a kill.
// - Directories are never transferred as files; symlinks and other
//   non-regular files are left alone.
// - A file younger than `settle`, or whose size or mtime changed since the
//   last look, waits for a later pass.
// - A file that cannot be read, or a conflict left in place, is reported once
//   (PassReport::problems) per file version, not every pass.
#ifndef QCFLOW_INGEST_FILE_MOVER_MOVER_H_
#define QCFLOW_INGEST_FILE_MOVER_MOVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ingest/file_mover/file_ops.h"
#include "ingest/file_mover/place.h"
#include "store/record.h"
#include "store/status.h"
#include "store/store.h"

namespace qcflow::file_mover {

// The record kind of every transfer (shared with [[source.files]] uploads).
inline constexpr const char* kFilesKind = "files";

struct MoverSettings {
  std::string name;         // the component's; the records' source id
  std::string source;       // directory scanned
  std::string destination;  // directory written (created when missing)
  bool move = true;         // mode = "move" (else "copy": the source stays)
  bool recursive = false;
  std::vector<std::string> pattern = {"*"};  // globs (fnmatch) of file names
  std::vector<std::string> ignore;           // globs of names or relative paths
  bool flatten = false;     // every file directly in destination
  OnConflict on_conflict = OnConflict::kKeepBoth;
  std::chrono::milliseconds settle{10'000};
};

// What passes did, summed.
struct MoverCounts {
  uint64_t moved = 0;      // files now at the destination and gone from the source
  uint64_t copied = 0;     // files copied (mode "copy")
  uint64_t identical = 0;  // of those, already at the target with the same bytes
  uint64_t replaced = 0;   // of those, replaced an older target (replace-if-newer)
  uint64_t renamed = 0;    // of those, written as "name (2).ext" (keep-both)
  uint64_t bytes = 0;      // bytes of the files transferred
  uint64_t conflicts = 0;  // files left in place because of a conflict (once each)
  uint64_t errors = 0;     // files that could not be read or written (once each)
  void Add(const MoverCounts& o);
};

// Each count with the name its state record and status use ("moved", ...).
struct CountField {
  const char* name;
  uint64_t MoverCounts::*count;
};
extern const CountField kCountFields[8];

struct PassReport {
  MoverCounts counts;
  size_t unsettled = 0;               // files left for a later pass (settle)
  bool stopped = false;               // `stop` ended the pass before every file was done
  std::vector<std::string> problems;  // new this pass; each file's once
  std::vector<std::string> transfers; // "a.txt -> /dst/a (2).txt", for the debug log
};

// Why the two directories cannot work together ("" when they can): source ==
// destination, or destination inside a recursive source. Compares the
// directories as they are named and, where they exist, resolved.
std::string DirectoriesProblem(const MoverSettings& s);

class FileMover {
 public:
  // `kind`: the record kind "files" (Store::RegisterKind).
  FileMover(MoverSettings settings, Store* store, Kind kind);

  // Removes temporaries left in the destination tree by a killed transfer;
  // returns how many. Their sources are still in place and are transferred again.
  Result<size_t> CleanUpTemporaries();

  // One pass at `now`. Unavailable when the source directory is missing
  // (a share not mounted); IOError when the destination cannot be created
  // or the journal refuses the batch (nothing is unlinked then).
  // `stop` is checked between batches.
  Result<PassReport> Pass(MicrosUtc now, const std::function<bool()>& stop = {});

  // Files currently unreadable (reported once each).
  size_t unreadable() const { return unreadable_.size(); }

 private:
  struct Candidate {
    std::string rel;  // relative to source, '/'-separated
    FileStat stat;
  };
  void List(const std::string& dir, const std::string& rel, std::vector<Candidate>* out,
            PassReport* report);
  bool Matches(const std::string& name, const std::string& rel) const;
  bool Settled(const Candidate& c, MicrosUtc now);
  Result<bool> AlreadyCopied(const Candidate& c);
  Status Batch(const std::vector<Candidate>& batch, MicrosUtc now, PassReport* report);
  // Places one file at its target: what happened, or a problem.
  Placement Place(const Candidate& c);
  void ReportOnce(const std::string& key, std::string problem, PassReport* report);
  std::string DedupKey(const Candidate& c) const;

  const MoverSettings s_;
  Store* store_;
  const Kind kind_;
  std::map<std::string, FileStat> last_look_;  // rel -> size and mtime at the last pass
  std::map<std::string, FileStat> copied_;     // mode copy: rel -> the version copied
  std::set<std::string> reported_;             // problems reported (file version + what)
  std::set<std::string> unreadable_;           // rel of files that could not be read
};

}  // namespace qcflow::file_mover

#endif  // QCFLOW_INGEST_FILE_MOVER_MOVER_H_
