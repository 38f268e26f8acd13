// The decoded log as Elekta's own TRF tool writes it (the model: the vendor CSV
// tests/fixtures/trf/"17_04_19 21_18_39 Z .csv"): numbers in their shortest
// decimal form ("-0.3", "140", "17.6"), code columns by name, unknown codes as
// numbers. `qcflow trf table` writes these, and the tests compare them with the
// vendor's CSV cell by cell.
#ifndef QCFLOW_INGEST_TRF_VENDOR_TEXT_H_
#define QCFLOW_INGEST_TRF_VENDOR_TEXT_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "ingest/trf/decoder.h"

namespace qcflow::trf {

// Appends the vendor's text of cell (row, col): a number, or a code's name.
// REQUIRES: row < log.rows, col < log.columns.size(), log.table alive.
void AppendVendorCell(const TrfLog& log, size_t row, size_t col, std::string* out);

// Appends row × 0.04 s as the vendor writes it: "0", "0.04", "17.6".
void AppendVendorTime(size_t row, std::string* out);

// The key = value header the vendor's CSV starts with, in its order:
// Version, Linac Id, Treatment Name, Total Dose ("446.8 MU"), UTC Time,
// UTC Offset. (The vendor also writes Number of Leaves and Linac Scale, which
// the file does not hold.)
std::vector<std::pair<std::string, std::string>> VendorHeader(const TrfHeader& h);

// The whole CSV: the header as "key = value" lines, a blank line, the column
// line ("Time (s)" then the columns in file order) and one line per row, each
// line ending in ",\n" as the vendor's do.
void AppendVendorCsv(const TrfLog& log, std::string* out);

}  // namespace qcflow::trf

#endif  // QCFLOW_INGEST_TRF_VENDOR_TEXT_H_
