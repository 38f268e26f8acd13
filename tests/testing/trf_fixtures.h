// Test helper for the TRF fixtures (tests/fixtures/trf/): the columns table, the
// fixture files, the vendor's CSV read into cells and a cell-by-cell comparison
// of two CSVs, so the decoder's tests and `qcflow trf table`'s test check the
// same thing the same way.
#ifndef QCFLOW_TESTS_TESTING_TRF_FIXTURES_H_
#define QCFLOW_TESTS_TESTING_TRF_FIXTURES_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/trf/columns.h"

namespace qcflow::testing {

struct TrfCsv {
  std::map<std::string, std::string> header;  // "Linac Id" -> "2694" (keys trimmed)
  std::vector<std::string> columns;           // "Time (s)", then the columns
  std::vector<std::vector<std::string>> rows;
};

// Reads `text`: "key = value" lines, a blank line, the column line, the rows;
// the empty cell after each line's trailing comma is dropped.
TrfCsv ParseTrfCsv(std::string_view text);

// Every difference between `ours` and `vendor` (at most `max` of them,
// described with row and column): each header key of `ours` must be in
// `vendor` with the same value; the columns, the row count and every cell must
// be equal. *cells counts the cells compared.
std::vector<std::string> TrfCsvMismatches(const TrfCsv& ours, const TrfCsv& vendor, size_t max,
                                          size_t* cells);

// The fixture directory's .trf files, sorted. REQUIRES: `dir` exists.
std::vector<std::string> TrfFixtureFiles(const std::string& dir);

// Writes a zip archive at `path` holding `members` (path inside -> bytes), as
// an NSS diagnostic backup (SDD+*.zip) holds logs; a failure fails the test.
void WriteTrfZip(const std::string& path, const std::vector<std::pair<std::string, std::string>>& members);

// The whole file; a failed read fails the test (and returns "").
std::string ReadTrfFixture(const std::string& path);

// The table at `path`, loaded once per process (a failure fails the test and
// gives an empty table). REQUIRES: the same `path` on every call.
const trf::ColumnsTable& TrfColumns(const std::string& path);

}  // namespace qcflow::testing

#endif  // QCFLOW_TESTS_TESTING_TRF_FIXTURES_H_
