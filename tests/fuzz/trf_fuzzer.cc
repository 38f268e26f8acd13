// libFuzzer target: the TRF decoder (ingest/trf/decoder.h) and the vendor's text
// of what it decodes, on arbitrary bytes as a .trf file would hold them.
//
// Checked beyond "no crash": the only failure is Corruption; the decoded rows
// fit the input (header + rows × row size <= input; timestamps from v2 on); every issue's offset is inside
// the input, which the log holds; values are finite; a log with issues is `damaged()`, one without
// ends exactly at the end of its last row.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ingest/trf/decoder.h"
#include "ingest/trf/vendor_text.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using qcflow::fuzz::Check;
namespace trf = qcflow::trf;

const trf::ColumnsTable& Table() {
  static const trf::ColumnsTable table = [] {
    auto t = trf::ColumnsTable::Load(QCFLOW_TRF_COLUMNS);
    Check(t.ok(), "columns.json does not load");
    return std::move(*t);
  }();
  return table;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static trf::TrfLog log;  // reused, as a backfill would
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const qcflow::Status s = trf::DecodeTrf(bytes, Table(), &log);
  if (!s.ok()) {
    Check(s.code() == qcflow::Status::Code::kCorruption, "a failure other than Corruption");
    Check(log.rows == 0, "rows decoded from an unusable header");
    return 0;
  }
  const trf::TrfHeader& h = log.header;
  Check(h.version >= trf::kMinVersion && h.version <= trf::kMaxVersion, "version out of range");
  Check(log.columns.size() == static_cast<size_t>(h.item_parts), "columns != item parts");
  const size_t row = trf::LayoutOf(h.version).RowSize(log.columns.size());
  Check(h.size + log.rows * row <= size, "rows past the end of the input");
  Check(log.row_size == row && log.bytes == bytes, "the log holds other bytes or rows");
  Check(log.has_timestamps() == (h.version != 1), "timestamps from v2 on");
  for (const trf::TrfIssue& i : log.issues) Check(i.offset < size, "issue offset past the input");
  if (!log.damaged()) Check(h.size + log.rows * row == size, "undamaged log with bytes left over");

  std::string text;
  for (size_t r = 0; r < log.rows && r < 4; ++r) {
    trf::AppendVendorTime(r, &text);
    for (size_t c = 0; c < log.columns.size(); ++c) {
      Check(std::isfinite(log.Value(r, c)), "value not finite");
      trf::AppendVendorCell(log, r, c, &text);
      Check(!text.empty(), "empty cell text");
      text.clear();
    }
  }
  if (size < 65536) trf::AppendVendorCsv(log, &text);
  return 0;
}
