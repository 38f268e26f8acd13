// ArchiveSink: writes queued QcSessions from a store's outbox into documents
// of an open format (QuAAC, QUIP; archive_format.h), one per machine and
// period, under a directory (document_update.h names them).
//
// One DeliverOnce(now) call takes the sink's due items in enqueue order,
// groups them by document, and for each document reads it, appends what it
// does not hold and replaces the file durably (temporary file, fsync, rename).
//
// Promises:
//   - A crash never leaves half a document: a file is its old or its new text.
//   - Each session is written at most once: the attempt count is persisted
//     BEFORE any file is written, and a document is searched for every item
//     attempted before (a round cut off between the rename and the outbox ack):
//     found, it is acked without writing it again.
//   - Store cost per DeliverOnce is two synced writes (the write-ahead and the
//     settle), however many items and documents.
//   - A document that cannot be read, is not valid in the format, or cannot be
//     written (disk full, permissions) is left as it is: its items back off
//     exponentially and are retried; other documents go on. An item whose
//     session is missing or that the format refuses is a dead letter.
//
// Thread safety: none; call DeliverOnce from one thread.
#ifndef QCFLOW_EXPORT_ARCHIVE_ARCHIVE_SINK_H_
#define QCFLOW_EXPORT_ARCHIVE_ARCHIVE_SINK_H_

#include <functional>
#include <memory>
#include <string>

#include "export/archive/archive_format.h"
#include "export/archive/document_update.h"
#include "store/status.h"
#include "store/store.h"

namespace qcflow::archive {

struct ArchiveSinkConfig {
  std::string name;        // outbox sink name
  std::string dir;         // REQUIRES: non-empty; created when missing
  Period period = Period::kDay;
  ArchiveFormat format;    // REQUIRES: open set
  size_t batch_limit = 500;  // items looked at per DeliverOnce
  MicrosUtc backoff_initial = 10 * kMicrosPerSecond;
  MicrosUtc backoff_max = 10 * kMicrosPerMinute;
  // Tests only: called after the round's files are written, just before its
  // outcomes are; returning true makes DeliverOnce return Internal without
  // writing them, as if the process died there.
  std::function<bool()> crash_before_settle;
};

struct ArchiveReport {
  size_t attempted = 0;      // items looked at
  size_t written = 0;        // acked: appended to their document now ...
  size_t already_held = 0;   // ... or found there from a cut-off round
  size_t dead_lettered = 0;
  size_t deferred = 0;       // left pending with a backoff (their document failed)
  size_t documents = 0;      // documents written
  std::string first_error;   // of the first document that failed ("" when none)
};

class ArchiveSink {
 public:
  // REQUIRES: `store` outlives the sink. InvalidArgument for a bad config.
  static Result<std::unique_ptr<ArchiveSink>> Create(Store* store, ArchiveSinkConfig config);

  // Writes what is due at `now`. Non-OK only when the store fails.
  Result<ArchiveReport> DeliverOnce(MicrosUtc now);

  const ArchiveSinkConfig& config() const { return config_; }

 private:
  ArchiveSink(Store* store, ArchiveSinkConfig config) : store_(store), config_(std::move(config)) {}
  MicrosUtc Backoff(uint32_t attempts) const;

  Store* store_;
  ArchiveSinkConfig config_;
};

}  // namespace qcflow::archive

#endif  // QCFLOW_EXPORT_ARCHIVE_ARCHIVE_SINK_H_
