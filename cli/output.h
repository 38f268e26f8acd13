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

// A cell: text, or a number that JSON keeps numeric.
struct Cell {
  std::string text;
  bool numeric = false;
  static Cell Text(std::string s) { return {std::move(s), false}; }
  static Cell Number(long long n) { return {std::to_string(n), true}; }
};

class Table {
 public:
  explicit Table(std::vector<std::string> columns) : columns_(std::move(columns)) {}
  // REQUIRES: row.size() == number of columns.
  void AddRow(std::vector<Cell> row) { rows_.push_back(std::move(row)); }
  size_t rows() const { return rows_.size(); }
  const std::vector<std::vector<Cell>>& cells() const { return rows_; }
  void Render(Format format, std::ostream& out) const;
  // The rows as a JSON array of objects (numeric cells stay numbers).
  nlohmann::json ToJson() const;

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<Cell>> rows_;
};

// The shortest text that reads back as the same double ("12.5", "-0.25");
// "" for nullopt.
std::string ShortestNumber(double v);
std::string ShortestNumber(const std::optional<double>& v);
// "lo..hi", or one number when they are equal; "" when either is missing.
std::string NumberRange(const std::optional<double>& lo, const std::optional<double>& hi);
// `t` as "YYYY-MM-DD HH:MM:SS" in `zone` (UTC ISO when the zone does not read).
std::string LocalTime(int64_t t, const std::string& zone);

// "1.2 MiB" (process/component/wording.h).
using component::HumanBytes;
// True when `s` is valid UTF-8 without control characters other than \t \r \n.
bool IsPrintableUtf8(std::string_view s);

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_OUTPUT_H_
