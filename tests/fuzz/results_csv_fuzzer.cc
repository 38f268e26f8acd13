// libFuzzer target: the Results.csv parser on arbitrary bytes, through its
// public API only (ingest/mpc/results_csv.h).
//
// Checked beyond "no crash": CheckResultsCsv gives ParseResultsCsv's verdict
// (the source quarantines on the former and uploads from the latter), a value
// is always finite and comes from a non-blank text, and per_leaf agrees with
// IsPerLeafRow.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/mpc/results_csv.h"
#include "tests/fuzz/fuzz_check.h"

using qcflow::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto table = qcflow::mpc::ParseResultsCsv(bytes);
  const bool checked = qcflow::mpc::CheckResultsCsv(bytes).ok();
  // A parsed file with problems (cut short, a damaged number) is refused by the check.
  Check(checked == (table.ok() && table->problems.empty()),
        "CheckResultsCsv and ParseResultsCsv disagree");
  if (!table.ok()) {
    Check(!table.status().message().empty(), "a rejected file without a reason");
    return 0;
  }
  for (const auto& row : table->rows) {
    Check(!row.value || std::isfinite(*row.value), "value is not finite");
    Check(!row.value || !row.value_text.empty(), "value without value text");
    Check(!row.threshold || std::isfinite(*row.threshold), "threshold is not finite");
    Check(row.per_leaf == qcflow::mpc::IsPerLeafRow(row.name), "per_leaf disagrees");
  }
  return 0;
}
