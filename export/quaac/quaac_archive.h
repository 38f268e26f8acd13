// QuAAC as an archive format (export/archive/archive_format.h): documents of
// the QuAAC sink and `qcflow export quaac`. A document holds a session when a
// datapoint carries its user_key in the `qcflow_session` parameter.
#ifndef QCFLOW_EXPORT_QUAAC_QUAAC_ARCHIVE_H_
#define QCFLOW_EXPORT_QUAAC_QUAAC_ARCHIVE_H_

#include "export/archive/archive_format.h"
#include "export/quaac/quaac_session.h"

namespace qcflow::quaac {

inline constexpr const char* kQuaacExtension = ".quaac.json";

// REQUIRES: ValidateEmail(options.site_user.email).ok().
archive::ArchiveFormat QuaacArchiveFormat(SessionOptions options);

}  // namespace qcflow::quaac

#endif  // QCFLOW_EXPORT_QUAAC_QUAAC_ARCHIVE_H_
