// The work list between the files transform and its source's after-upload
// step (after = "move" | "copy", ingest/files/after_upload.h).
//
// The transform adds one PendingPlacement per new upload session, in the
// same commit as the session and its outbox items, so a file cannot be
// uploaded without being listed. The after-upload step removes the entry in
// the commit that records where the file went (a PlacedFile), so a file is
// placed once: a kill in between leaves the entry, and the next pass finds the
// file already at its target (same bytes) and only records it.
//
//   kPendingNs   "<source>/<user_key>" -> EncodePending
//   kPlacedNs    "<source>/<user_key>" -> EncodePlaced (kept: where a file went)
#ifndef QCFLOW_PROCESS_FILES_PLACEMENT_QUEUE_H_
#define QCFLOW_PROCESS_FILES_PLACEMENT_QUEUE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"

namespace qcflow::files {

inline constexpr char kPendingNs[] = "files.after_pending";
inline constexpr char kPlacedNs[] = "files.after_placed";

// "<source>/<user_key>"; every key of one source starts with PlacementPrefix.
std::string PlacementKey(std::string_view source, std::string_view user_key);
std::string PlacementPrefix(std::string_view source);

struct PendingPlacement {
  std::string user_key;            // the upload session's (and its outbox items')
  std::string dir;                 // the watched directory, as configured
  std::string path;                // relative to dir, '/'-separated
  uint64_t size = 0;               // of the uploaded bytes
  uint64_t hash = 0;               // Fnv1a64 of the uploaded bytes
  std::vector<std::string> sinks;  // every one must have delivered the upload first
};

struct PlacedFile {
  std::string action;  // "move" | "copy"
  std::string from, to;
  std::string result;  // "written", "written beside an existing file (keep-both)", ...
  std::string when;    // ISO 8601 UTC
};

std::string EncodePending(const PendingPlacement& p);
// Corruption when the value is not one EncodePending wrote.
Result<PendingPlacement> DecodePending(std::string_view value);
std::string EncodePlaced(const PlacedFile& p);
Result<PlacedFile> DecodePlaced(std::string_view value);

}  // namespace qcflow::files

#endif  // QCFLOW_PROCESS_FILES_PLACEMENT_QUEUE_H_
