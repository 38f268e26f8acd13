// libFuzzer target: a DQA3 journal payload (the row JSON the dqa3 source
// writes) read by the DQA3 transform (process/dqa3/dqa3_row.h).
//
// Checked beyond "no crash": an accepted row has the data key and machine
// the header promises, every number is finite (NULL and bad formulas are "no
// value", never NaN or inf), and the texts built from it (display name, user
// key time) can be made.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "process/dqa3/dqa3_row.h"
#include "tests/fuzz/fuzz_check.h"

using qcflow::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  const auto row = qcflow::dqa3::ParseDqa3Payload(payload);
  if (!row.ok()) {
    Check(!row.status().message().empty(), "a rejected payload without a reason");
    return 0;
  }
  Check(!row->data_key.empty(), "accepted row without data key");
  Check(!row->DisplayName().empty() || row->machine_name.empty(), "display name lost the machine");
  Check(!qcflow::FormatCivil(row->work_started).empty(), "no measurement time text");
  for (const auto& column : row->columns) {
    Check(!column.name.empty(), "column without name");
    Check(!column.number || std::isfinite(*column.number), "column number is not finite");
    if (column.number) (void)qcflow::dqa3::PythonFloat(*column.number);
  }
  return 0;
}
