// One archive document brought up to date: the sessions it does not hold yet
// appended, and the file replaced durably (store/durable_file.h) — the step
// the archive sinks and `qcflow export` share.
#ifndef QCFLOW_EXPORT_ARCHIVE_DOCUMENT_UPDATE_H_
#define QCFLOW_EXPORT_ARCHIVE_DOCUMENT_UPDATE_H_

#include <string>
#include <vector>

#include "export/archive/archive_format.h"
#include "process/common/qc_session.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {
class Journal;
}

namespace qcflow::archive {

enum class Period { kDay, kMonth };

// "day" / "month" -> Period; InvalidArgument naming the choices otherwise.
Result<Period> ParsePeriod(std::string_view text);

// The folder of a machine's documents: its serial, else its name, else its
// id, with every character outside [A-Za-z0-9._-] (a DQA3 "Room 1/TrueBeam")
// as '_' — "Room_1_TrueBeam"; "_" when nothing is left.
std::string MachineFolder(const MachineIdentity& machine);

// "<dir>/<MachineFolder>/<YYYY-MM-DD | YYYY-MM><extension>", the date being the
// session's start on its source's clock (its zone). InvalidArgument for an
// unknown zone.
Result<std::string> DocumentPath(const std::string& dir, const QcSession& session, Period period,
                                 const std::string& extension);

// Reads a record's payload from `journal`. REQUIRES: `journal` outlives the reader.
SourceReader JournalSources(Journal& journal);

struct SessionToWrite {
  const QcSession* session = nullptr;
  bool check_held = true;  // false: known never written (the sink's first attempt)
};

enum class WriteOutcome { kWritten, kHeld, kRefused };

struct DocumentUpdate {
  // Per session, in order: appended (and written), found already held, or
  // refused by the format (`refusals` holds why, same index; "" otherwise).
  std::vector<WriteOutcome> outcomes;
  std::vector<std::string> refusals;
  size_t bytes = 0;      // the document's size after the update
  bool created = false;  // the file did not exist
};

// Reads `path` (when it exists) in `format`, appends the sessions it does not
// hold, and replaces the file durably when anything was appended (creating
// its folder). Non-OK, with nothing written, when the file cannot be read, is
// not a valid document of the format (it is left as it is: the message says
// to move it aside), or cannot be written (disk full, permissions).
// `sources` reads the journal records the sessions were built from (for a
// format that attaches them). REQUIRES: every session non-null; `sources`
// callable.
Result<DocumentUpdate> UpdateDocument(const ArchiveFormat& format, const std::string& path,
                                      const std::vector<SessionToWrite>& sessions,
                                      const SourceReader& sources);

}  // namespace qcflow::archive

#endif  // QCFLOW_EXPORT_ARCHIVE_DOCUMENT_UPDATE_H_
