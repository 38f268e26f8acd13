// QuAAC as an archive format (export/archive/archive_format.h): documents of
// the QuAAC sink and `qcflow export quaac`. A document holds a session when a
// datapoint carries its user_key in the `qcflow_session` parameter.
#ifndef QCFLOW_EXPORT_QUAAC_QUAAC_ARCHIVE_H_
#define QCFLOW_EXPORT_QUAAC_QUAAC_ARCHIVE_H_

#include "export/archive/archive_format.h"
#include "export/quaac/quaac_session.h"

namespace qcflow::quaac {

inline constexpr const char* kQuaacExtension = ".quaac.json";

// With options.attach_source, a session's source records (read through the
// document's SourceReader) go on its datapoints, named by the session's
// source_files (MPC: the Results.csv paths) or "<kind>-record-<seq>" with
// ".json" for a DQA3 row and ".trf" for a log; an iCom delivery attaches
// none (its hundreds of binary messages are not a file a reader could use).
// A source record that cannot be read refuses the session (a dead letter
// saying which record).
// `encoding`: JSON documents (kQuaacExtension) or YAML ones (kQuaacYamlExtension,
// quaac_yaml.h); the same objects and hashes either way.
enum class Encoding { kJson, kYaml };

// REQUIRES: ValidateEmail(options.site_user.email).ok().
archive::ArchiveFormat QuaacArchiveFormat(SessionOptions options, Encoding encoding = Encoding::kJson);

}  // namespace qcflow::quaac

#endif  // QCFLOW_EXPORT_QUAAC_QUAAC_ARCHIVE_H_
