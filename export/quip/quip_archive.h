// QUIP as an archive format (export/archive/archive_format.h): documents of
// the QUIP sink and `qcflow export quip`. QUIP has no field for a session's
// identity, so a document holds a session when one of its machine's tests is
// exactly the test AppendSession makes of it (device, time to the second,
// environment and every data value).
#ifndef QCFLOW_EXPORT_QUIP_QUIP_ARCHIVE_H_
#define QCFLOW_EXPORT_QUIP_QUIP_ARCHIVE_H_

#include "export/archive/archive_format.h"

namespace qcflow::quip {

inline constexpr const char* kQuipExtension = ".quip.json";

archive::ArchiveFormat QuipArchiveFormat();

}  // namespace qcflow::quip

#endif  // QCFLOW_EXPORT_QUIP_QUIP_ARCHIVE_H_
