// Output for commands: one table model rendered for people (aligned text) or
// machines (JSON array of objects, CSV with a header row).
#ifndef QCFLOW_CLI_OUTPUT_H_
#define QCFLOW_CLI_OUTPUT_H_

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "process/component/wording.h"
#include "store/status.h"

#include <nlohmann/json_fwd.hpp>

namespace qcflow::cli {

enum class Format { kTable, kJson, kCsv };

// Parses "table" | "json" | "csv".
Result<Format> ParseFormat(std::string_view name);

// A cell: text, or a number or boolean that JSON keeps as one, or an instant
// the table shows in its zone.
struct Cell {
  std::string text;
  bool numeric = false;
  bool boolean = false;              // text is "yes" or "no"
  std::optional<int64_t> instant;    // UTC µs; text is unused
  bool null = false;                 // JSON null; text is what people read
  static Cell Text(std::string s) {
    Cell c;
    c.text = std::move(s);
    return c;
  }
  static Cell Number(long long n) {
    Cell c = Text(std::to_string(n));
    c.numeric = true;
    return c;
  }
  // "yes"/"no" for people; true/false in JSON and CSV.
  static Cell Bool(bool b) {
    Cell c = Text(b ? "yes" : "no");
    c.boolean = true;
    return c;
  }
  // RFC 3339 in the table's zone, which the column's header names.
  static Cell Instant(int64_t utc_micros) {
    Cell c;
    c.instant = utc_micros;
    return c;
  }
  // A value that is not there ("never", "-"): null in JSON.
  static Cell Missing(std::string shown) {
    Cell c = Text(std::move(shown));
    c.null = true;
    return c;
  }
  // A stored UTC text ("...Z", as FormatUtcIso writes) as an instant; ""
  // is Missing(missing), text that does not read stays text.
  static Cell StoredInstant(const std::string& utc_text, const char* missing);
};

class Table {
 public:
  // `zone`: the IANA zone instants are shown in (Cell::Instant).
  explicit Table(std::vector<std::string> columns, std::string zone = "UTC")
      : columns_(std::move(columns)), zone_(std::move(zone)) {}
  // REQUIRES: row.size() == number of columns.
  void AddRow(std::vector<Cell> row) { rows_.push_back(std::move(row)); }
  size_t rows() const { return rows_.size(); }
  const std::vector<std::vector<Cell>>& cells() const { return rows_; }
  // Table and CSV: a column of instants is headed "start (Europe/Berlin)".
  // JSON: {"v": 1, "zone", "items": [one object per row]}.
  void Render(Format format, std::ostream& out) const;
  // The rows as a JSON array of objects (numbers, booleans and instants typed).
  nlohmann::json ToJson() const;

 private:
  std::string Shown(const Cell& c) const;
  std::vector<std::string> Headers() const;

  std::vector<std::string> columns_;
  std::string zone_;
  std::vector<std::vector<Cell>> rows_;
};

// The shortest text that reads back as the same double ("12.5", "-0.25");
// "" for nullopt.
std::string ShortestNumber(double v);
std::string ShortestNumber(const std::optional<double>& v);
// "lo..hi", or one number when they are equal; "" when either is missing.
std::string NumberRange(const std::optional<double>& lo, const std::optional<double>& hi);
// "event_time (Europe/Berlin)": a table's or CSV's column of instants names
// the zone its RFC 3339 texts are in.
std::string ZonedColumn(std::string_view name, std::string_view zone);
// A JSON document as every command prints one (indented, invalid UTF-8 replaced).
void PrintJson(const nlohmann::json& doc, std::ostream& out);

// `t` as "YYYY-MM-DD HH:MM:SS" in `zone` (UTC ISO when the zone does not read).
std::string LocalTime(int64_t t, const std::string& zone);

// "1.2 MiB" (process/component/wording.h).
using component::HumanBytes;
// True when `s` is valid UTF-8 without control characters other than \t \r \n.
bool IsPrintableUtf8(std::string_view s);

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_OUTPUT_H_
