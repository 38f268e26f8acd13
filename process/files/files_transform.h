// FilesTransform: journal records of kind "files" of one [[source.files]]
// -> upload sessions (file_upload.h) for its sinks.
//
// Each Step reads a bounded chunk of the journal after its cursor
// ("transform.files/<source>") and commits, in one WriteSet, the sessions
// ("files.session", keyed by user_key, indexed by directory and time), one
// outbox item per session per sink, and the cursor: a crash repeats a step
// whole or not at all, and re-running over the same journal queues nothing
// twice. Quarantined records (oversize, bad text) and records of other
// sources are passed over; a record that cannot become a session (its
// directory left the config) is reported and skipped, never retried blindly.
// With place_after_upload, each new session is listed in placement_queue.h's
// work list in the same commit.
#ifndef QCFLOW_PROCESS_FILES_FILES_TRANSFORM_H_
#define QCFLOW_PROCESS_FILES_FILES_TRANSFORM_H_

#include <cstddef>
#include <string>
#include <vector>

#include "process/files/file_upload.h"
#include "store/status.h"

namespace qcflow {
class Store;
class WriteSet;
struct RecordView;
}

namespace qcflow::files {

inline constexpr char kSessionNs[] = "files.session";
inline constexpr char kSessionIndex[] = "files.session_by_dir";

struct FilesTransformConfig {
  FileUploadOptions upload;
  std::vector<std::string> sinks;  // outboxes each session is queued for
  size_t records_per_step = 256;   // files are large: a bounded step holds few
  // after = "move" | "copy": each new upload is also listed for placement
  // (placement_queue.h) in the same commit. Not without sinks: nothing is
  // placed that was not uploaded.
  bool place_after_upload = false;
};

struct FilesStepReport {
  size_t records_read = 0;
  size_t sessions_emitted = 0;
  bool caught_up = false;
  std::vector<std::string> problems;

  bool progressed() const { return records_read > 0 || sessions_emitted > 0; }
  void Add(const FilesStepReport& r);
};

class FilesTransform {
 public:
  // REQUIRES: store outlives the transform.
  FilesTransform(Store* store, FilesTransformConfig config);
  Result<FilesStepReport> Step();

 private:
  Status ListForPlacement(const RecordView& rec, const QcSession& session,
                          const std::string& user_key, WriteSet* ws);

  Store* store_;
  FilesTransformConfig config_;
  std::string cursor_name_;
};

}  // namespace qcflow::files

#endif  // QCFLOW_PROCESS_FILES_FILES_TRANSFORM_H_
