// Building the QcSession that uploads one journaled file (a record of kind
// "files" from ingest/files) to a QA database's upload test.
//
//   tests           one: key = options.macro (QATrack+'s upload test slug),
//                   file = {the real file name, "text" (UTF-8; Latin-1 and
//                   Windows-1252 converted) | "base64" (binary mode)},
//                   name = the file name, parameters dir and path
//   unit            the unit of the file's directory (units map keyed by the
//                   directory, so a sink re-resolves it from the current config)
//   test_list_name  the template over unit, filename, stem, dir
//   work_started    the file's mtime (time = "mtime") or its capture time
//                   ("now"); work_completed = +1 s
//   user_key        "qcflow/files/<source>/<relative path>/<16 hex>", the hex
//                   a hash of directory, path, size and content: stable over
//                   restarts and re-scans, a new key for a changed file, never
//                   "" and at most 255 characters (a long path keeps its end)
// Pure: the caller supplies the record.
#ifndef QCFLOW_PROCESS_FILES_FILE_UPLOAD_H_
#define QCFLOW_PROCESS_FILES_FILE_UPLOAD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "process/common/qc_session.h"
#include "process/common/session_mapping.h"
#include "store/record.h"
#include "store/status.h"

namespace qcflow::files {

struct FileUploadOptions {
  std::string source;                   // the [[source.files]] name (source_id of its records)
  std::string test_list_template;       // REQUIRES: non-empty
  std::string macro = "upload";
  bool time_from_mtime = true;          // false: capture time
  std::string zone = "UTC";
  UnitMap units;                        // directory (as configured) -> unit
};

// The variables test_list_template may use: unit, filename, stem, dir.
const std::vector<std::string>& FileTemplateVariables();

// REQUIRES: record of kind files, not quarantined, meta as FileScanner writes.
// InvalidArgument names the record and what is wrong (meta unreadable, a
// directory no longer in the units map, text not valid in its encoding).
Result<QcSession> BuildFileUploadSession(uint64_t seq, const RecordView& record,
                                         const FileUploadOptions& options);

}  // namespace qcflow::files

#endif  // QCFLOW_PROCESS_FILES_FILE_UPLOAD_H_
