// Reads a QUIP JSON document back (tests, `qcflow export --check`): checks its
// structure and returns the model. Accepts the example's "is-basline" spelling
// beside "is-baseline" (shared/spec/export-formats.md).
#ifndef QCFLOW_EXPORT_QUIP_QUIP_READER_H_
#define QCFLOW_EXPORT_QUIP_QUIP_READER_H_

#include <string_view>

#include "export/quip/quip_document.h"
#include "store/status.h"

namespace qcflow::quip {

// REQUIRES of a valid document: {"machines": [...]}; each machine identified
// by a "serial-number" or non-empty "alternate-mapping-key-value-pairs"; each
// test with a "performed-on-date" as "DD Mon YYYY HH:MM:SS ±HHMM", a boolean
// is-baseline (either spelling) and data values each with exactly one of
// test-value-code / test-raw-data-value-code and a numeric value.
// InvalidArgument names every problem found ("machines[0].tests[1]: ...").
Result<Document> ReadQuipJson(std::string_view text);

}  // namespace qcflow::quip

#endif  // QCFLOW_EXPORT_QUIP_QUIP_READER_H_
