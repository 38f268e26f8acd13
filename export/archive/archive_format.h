// What an archive sink needs of a document format (QuAAC, QUIP): an empty or
// existing document, whether it already holds a session, appending one, and
// its text. Each format implements it in its own folder (export/quaac/,
// export/quip/); the archive sink (archive_sink.h) knows none of them.
#ifndef QCFLOW_EXPORT_ARCHIVE_ARCHIVE_FORMAT_H_
#define QCFLOW_EXPORT_ARCHIVE_ARCHIVE_FORMAT_H_

#include <functional>
#include <memory>
#include <optional>
#include <cstdint>
#include <string>
#include <string_view>

#include "process/common/qc_session.h"
#include "store/status.h"

namespace qcflow::archive {

// The journal bytes of a record a session was built from (one of its
// source_seqs), for a format that attaches a session's sources; an error when
// the record cannot be read.
using SourceReader = std::function<Result<std::string>(uint64_t seq)>;

// For callers with no journal at hand (tests of a format): every read fails.
inline SourceReader NoSources() {
  return [](uint64_t seq) -> Result<std::string> {
    return Status::NotFound("no journal to read record " + std::to_string(seq) + " from");
  };
}

class ArchiveDocument {
 public:
  virtual ~ArchiveDocument() = default;
  // True when the document holds `session` already: a round that wrote it was
  // cut off before its outbox ack. The sink asks only for items attempted before.
  virtual bool Holds(const QcSession& session) const = 0;
  // Adds `session`; on error the document is unchanged and the error says why
  // (the item becomes a dead letter). `sources` reads the records it was built
  // from; a format that attaches none ignores it. REQUIRES: `sources` callable.
  virtual Status Append(const QcSession& session, const SourceReader& sources) = 0;
  // The document's text as written to its file.
  virtual Result<std::string> Text() const = 0;
};

struct ArchiveFormat {
  std::string name;       // "QuAAC", for messages
  std::string extension;  // ".quaac.json": a document's file name is "<period><extension>"
  // An empty document (nullopt), or the one `text` holds: InvalidArgument, with
  // what is wrong, when `text` is not a valid document of this format.
  std::function<Result<std::unique_ptr<ArchiveDocument>>(std::optional<std::string_view> text)> open;
};

}  // namespace qcflow::archive

#endif  // QCFLOW_EXPORT_ARCHIVE_ARCHIVE_FORMAT_H_
