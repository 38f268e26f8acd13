// Reads a QuAAC JSON document back and checks it as the reference reader
// would with hash checking on: the keys it requires, version the string
// "1.0", every reference naming a listed object's hash, every object's hash
// recomputing. For tests and `qcflow export --check`.
#ifndef QCFLOW_EXPORT_QUAAC_QUAAC_READER_H_
#define QCFLOW_EXPORT_QUAAC_QUAAC_READER_H_

#include <string>
#include <string_view>
#include <vector>

#include "export/quaac/quaac_document.h"
#include "store/status.h"

namespace qcflow::quaac {

// Every problem found, each naming where ("datapoints[3]: hash ... does not
// recompute ..."); empty when the document is valid.
std::vector<std::string> CheckQuaacJson(std::string_view text);

// The document, when CheckQuaacJson finds nothing; else InvalidArgument with
// the problems joined by "; ". Integers read as doubles; a parameter that is
// not a string is kept as its JSON text.
Result<Document> ReadQuaacJson(std::string_view text);

}  // namespace qcflow::quaac

#endif  // QCFLOW_EXPORT_QUAAC_QUAAC_READER_H_
