#include "cli/output.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ostream>

#include "cli/model/json_values.h"
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

std::string ZonedColumn(std::string_view name, std::string_view zone) {
  return std::string(name) + " (" + std::string(zone) + ")";
}

void PrintJson(const nlohmann::json& doc, std::ostream& out) {
  out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
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

Cell Cell::StoredInstant(const std::string& utc_text, const char* missing) {
  if (utc_text.empty()) return Missing(missing);
  auto t = ParseTimeArg(utc_text);
  return t.ok() ? Instant(*t) : Text(utc_text);
}

std::string Table::Shown(const Cell& c) const {
  return c.instant ? FormatRfc3339(*c.instant, zone_) : c.text;
}

std::vector<std::string> Table::Headers() const {
  std::vector<std::string> headers = columns_;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const bool instants = std::any_of(rows_.begin(), rows_.end(), [i](const auto& row) {
      return row[i].instant.has_value();
    });
    if (instants) headers[i] = ZonedColumn(columns_[i], zone_);
  }
  return headers;
}

nlohmann::json Table::ToJson() const {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& row : rows_) {
    nlohmann::json obj = nlohmann::json::object();
    for (size_t i = 0; i < columns_.size(); ++i) {
      const Cell& c = row[i];
      if (c.null) {
        obj[columns_[i]] = nullptr;
      } else if (c.numeric) {
        obj[columns_[i]] = std::stoll(c.text);
      } else if (c.boolean) {
        obj[columns_[i]] = c.text == "yes";
      } else {
        obj[columns_[i]] = Shown(c);
      }
    }
    arr.push_back(std::move(obj));
  }
  return arr;
}

void Table::Render(Format format, std::ostream& out) const {
  if (format == Format::kJson) {
    PrintJson({{"v", model::kVersion}, {"zone", zone_}, {"items", ToJson()}}, out);
    return;
  }
  const std::vector<std::string> headers = Headers();
  if (format == Format::kCsv) {
    for (size_t i = 0; i < headers.size(); ++i) out << (i ? "," : "") << CsvField(headers[i]);
    out << "\n";
    for (const auto& row : rows_) {
      for (size_t i = 0; i < row.size(); ++i) {
        const Cell& c = row[i];
        out << (i ? "," : "") << (c.boolean ? (c.text == "yes" ? "true" : "false") : CsvField(Shown(c)));
      }
      out << "\n";
    }
    return;
  }
  std::vector<std::vector<std::string>> shown;
  std::vector<size_t> width(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) width[i] = headers[i].size();
  for (const auto& row : rows_) {
    std::vector<std::string>& texts = shown.emplace_back();
    for (size_t i = 0; i < row.size(); ++i) {
      texts.push_back(Shown(row[i]));
      width[i] = std::max(width[i], texts.back().size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t i = 0; i < cells.size(); ++i) {
      s += cells[i];
      if (i + 1 < cells.size()) s += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    out << s << "\n";
  };
  line(headers);
  for (const auto& texts : shown) line(texts);
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
