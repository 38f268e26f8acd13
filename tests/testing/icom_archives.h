// Test helper: PyMedPhys-style iCom archives written from simulator messages,
// for the archive importer's tests and `qcflow backfill icom` end to end.
#ifndef QCFLOW_TESTS_TESTING_ICOM_ARCHIVES_H_
#define QCFLOW_TESTS_TESTING_ICOM_ARCHIVES_H_

#include <string>
#include <vector>

#include "ingest/icom/sim/linac_generator.h"

namespace qcflow::testing {

// The messages a LinacGenerator with `config` produces, one per element
// (faults off gives whole messages only).
std::vector<std::string> GenerateIcomMessages(const icom::LinacGeneratorConfig& config);

// `bytes` compressed in the xz format (liblzma, preset 6). Aborts on failure.
std::string XzCompress(const std::string& bytes);

// Writes messages [from, to) concatenated as one .xz file at `path` (parents created).
void WriteXzArchive(const std::string& path, const std::vector<std::string>& messages, size_t from,
                    size_t to);

// Writes messages [from, to) as DIR/live/<ip>/NNN.txt, one message each,
// numbered from `first_slot` (mod 256, like PyMedPhys's ring).
void WriteLiveRing(const std::string& dir, const std::string& ip,
                   const std::vector<std::string>& messages, size_t from, size_t to,
                   size_t first_slot = 0);

}  // namespace qcflow::testing

#endif  // QCFLOW_TESTS_TESTING_ICOM_ARCHIVES_H_
