#include "cli/output.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ostream>

#include "store/time_util.h"

namespace qcflow::cli {

std::string ShortestNumber(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}
std::string ShortestNumber(const std::optional<double>& v) { return v ? ShortestNumber(*v) : ""; }

std::string NumberRange(const std::optional<double>& lo, const std::optional<double>& hi) {
  if (!lo || !hi) return "";
  return *lo == *hi ? ShortestNumber(*lo) : ShortestNumber(*lo) + ".." + ShortestNumber(*hi);
}

std::string LocalTime(int64_t t, const std::string& zone) {
  auto s = FormatInZone(t, zone, "%Y-%m-%d %H:%M:%S");
  return s.ok() ? *s : FormatUtcIso(t);
}

Result<Format> ParseFormat(std::string_view name) {
  if (name == "table") return Format::kTable;
  if (name == "json") return Format::kJson;
  if (name == "csv") return Format::kCsv;
  return Status::InvalidArgument("unknown format '" + std::string(name) +
                                 "'; use table, json or csv");
}

namespace {

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

nlohmann::json Table::ToJson() const {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& row : rows_) {
    nlohmann::json obj = nlohmann::json::object();
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (row[i].numeric) {
        obj[columns_[i]] = std::stoll(row[i].text);
      } else {
        obj[columns_[i]] = row[i].text;
      }
    }
    arr.push_back(std::move(obj));
  }
  return arr;
}

void Table::Render(Format format, std::ostream& out) const {
  if (format == Format::kJson) {
    out << ToJson().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  if (format == Format::kCsv) {
    for (size_t i = 0; i < columns_.size(); ++i) out << (i ? "," : "") << CsvField(columns_[i]);
    out << "\n";
    for (const auto& row : rows_) {
      for (size_t i = 0; i < row.size(); ++i) out << (i ? "," : "") << CsvField(row[i].text);
      out << "\n";
    }
    return;
  }
  std::vector<size_t> width(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) width[i] = columns_[i].size();
  for (const auto& row : rows_)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].text.size());
  auto line = [&](auto get) {
    std::string s;
    for (size_t i = 0; i < columns_.size(); ++i) {
      std::string cell = get(i);
      s += cell;
      if (i + 1 < columns_.size()) s += std::string(width[i] - cell.size() + 2, ' ');
    }
    out << s << "\n";
  };
  line([&](size_t i) { return columns_[i]; });
  for (const auto& row : rows_) line([&](size_t i) { return row[i].text; });
}

bool IsPrintableUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint8_t c = uint8_t(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
      if (c == 0x7f) return false;
      ++i;
      continue;
    }
    int n = (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (n < 0) return false;
    for (int k = 1; k <= n; ++k) {
      if (i + k >= s.size() || (uint8_t(s[i + k]) >> 6) != 2) return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace qcflow::cli
