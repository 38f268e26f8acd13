#include "ingest/mpc/results_csv.h"

namespace qcflow::mpc {

Result<ResultsTable> ParseResultsCsv(std::string_view bytes) {
  return Status::Internal("ParseResultsCsv: not implemented yet");  // being written
}

bool IsPerLeafRow(std::string_view name) { return false; }  // being written

}  // namespace qcflow::mpc
