// Decodes one Elekta TRF delivery log (shared/spec/trf.md; layout in
// trf_format.h) into a TrfLog: the header, one named column per item part, and
// every row's raw numbers with the value rule that turns them into the vendor's
// values.
//
// What it promises:
// - The header is read by its length prefixes only (never by a pattern), so
//   any field text, any length byte, Integrity 3 and 4.x headers decode alike.
// - Versions 1-4: int16 rows (v1), a timestamp block + int16 (v2, v3), a
//   timestamp block + int32 (v4). Other versions are refused, with their offset.
// - Every column is named from the ColumnsTable (columns.json), never from a
//   table in the code.
// - Damage is reported, never fatal to what can still be read, and never a
//   crash on any input: each problem is a TrfIssue with its byte offset:
//     an item part the table does not know (kept, named "<item>_<sub>", raw
//     integers), a table that is not a whole number of rows (the whole rows
//     are decoded, the remainder reported), an unknown linac state or wedge
//     code (kept as its number; one issue per column and code), a date that
//     does not read.
//   Only a header that is cut short, a version outside 1-4 or an item-part
//   count that does not fit the file makes DecodeTrf return Corruption; the
//   header fields read before the damage are still in *out.
#ifndef QCFLOW_INGEST_TRF_DECODER_H_
#define QCFLOW_INGEST_TRF_DECODER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/trf/columns.h"
#include "ingest/trf/trf_format.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow::trf {

struct TrfHeader {
  std::string date;        // "17/04/19 21:18:39 Z" as written (UTC)
  std::string utc_offset;  // "+10:00": the linac's zone
  std::string field;       // "2-2/DIR SCALP" as written (may be empty)
  std::string field_label, field_name;  // split at the first '/'; no '/': label empty
  std::string machine_id;  // "2694"
  double mu_raw = 0;       // deci-MU as stored: 4468.0 = 446.8 MU
  int32_t version = 0;
  int32_t item_parts = 0;  // N
  size_t size = 0;         // header length in bytes (0 until the whole header read)
  std::optional<MicrosUtc> start;  // `date` as an instant; empty when it does not read

  double mu() const { return mu_raw / 10; }
};

struct TrfColumn {
  int16_t item = 0, sub = 0;
  std::string name;  // from columns.json; "<item>_<sub>" when the table lacks it
  ValueRule rule = ValueRule::kInteger;
  bool known = false;  // named by the table
};

struct TrfIssue {
  size_t offset = 0;  // byte offset in the file where the problem is
  std::string what;   // a sentence: what is wrong and what was done about it
};

// A decoded log. It holds the file's bytes and reads every row from them in
// place (decoding checks and names them, it does not copy the table), so a log
// costs its file size in memory and decoding runs near the speed of reading.
struct TrfLog {
  TrfHeader header;
  std::vector<TrfColumn> columns;  // file order
  size_t rows = 0;                 // whole rows
  std::vector<TrfIssue> issues;
  std::string bytes;               // the whole file, as given to DecodeTrf
  RowLayout layout;                // header.version's
  size_t row_size = 0;
  const ColumnsTable* table = nullptr;  // names the codes; set by DecodeTrf

  bool damaged() const { return !issues.empty(); }
  // The stored number. REQUIRES: row < rows, col < columns.size().
  int32_t Raw(size_t row, size_t col) const {
    const char* p = bytes.data() + header.size + row * row_size + layout.prefix +
                    col * layout.value_size;
    return layout.value_size == 2 ? ReadI16(p) : ReadI32(p);
  }
  // The row's 8-byte timestamp block as an int64, as stored (v2-v4; ms since
  // 1970 UTC in the Integrity 4 samples, rising about 40 a row).
  // REQUIRES: has_timestamps(), row < rows.
  bool has_timestamps() const { return layout.prefix != 0; }
  int64_t Timestamp(size_t row) const { return ReadI64(bytes.data() + header.size + row * row_size); }
  // The vendor's value as a number (a code column gives its code).
  // REQUIRES: row < rows, col < columns.size().
  double Value(size_t row, size_t col) const;
  // The name of a code column's code ("Radiation On", "Out"); empty for other
  // columns and unknown codes. REQUIRES: as Value, and the table DecodeTrf used
  // is still alive.
  std::string_view Label(size_t row, size_t col) const;
  // Seconds after the header date: row × 0.04.
  static double TimeSeconds(size_t row) {
    return static_cast<double>(row) * kRowIntervalMillis / 1000.0;
  }
  // The first column of that name.
  std::optional<size_t> FindColumn(std::string_view name) const;
};

// Decodes `bytes` (a whole .trf file) into *out (cleared first), copying them
// into out->bytes (its capacity is reused, so decoding many logs into one
// TrfLog does not allocate per log). Returns Corruption only for the header
// damage listed above, with the offset; everything else goes to out->issues.
// REQUIRES: `table` outlives *out's use of Label(); `bytes` is not a view of
// out->bytes.
Status DecodeTrf(std::string_view bytes, const ColumnsTable& table, TrfLog* out);

// The same without the copy: *bytes is swapped with out->bytes, so *bytes
// comes back holding the previous log's buffer (its contents unspecified: read
// the next file over them) and a loop reading
// every file into one string recycles two buffers.
Status DecodeTrf(std::string* bytes, const ColumnsTable& table, TrfLog* out);

// The header only (its strings, MU, version, item-part count and start), for
// a capture that files a log by its date without decoding its table. Returns
// the Corruption DecodeTrf would for the header; `size` stays 0 then.
Status ReadTrfHeader(std::string_view bytes, TrfHeader* out);

}  // namespace qcflow::trf

#endif  // QCFLOW_INGEST_TRF_DECODER_H_
