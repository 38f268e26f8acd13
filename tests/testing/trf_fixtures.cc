#include "tests/testing/trf_fixtures.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <algorithm>
#include <filesystem>

namespace qcflow::testing {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> Cells(std::string_view line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      out.emplace_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  if (!out.empty() && out.back().empty()) out.pop_back();  // the trailing comma
  return out;
}

}  // namespace

TrfCsv ParseTrfCsv(std::string_view text) {
  TrfCsv csv;
  bool in_header = true;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (in_header) {
      if (Trim(line).empty()) {
        in_header = false;
        continue;
      }
      const size_t eq = line.find('=');
      if (eq == std::string_view::npos) continue;
      csv.header[std::string(Trim(line.substr(0, eq)))] = std::string(Trim(line.substr(eq + 1)));
    } else if (csv.columns.empty()) {
      csv.columns = Cells(line);
    } else {
      csv.rows.push_back(Cells(line));
    }
  }
  return csv;
}

std::vector<std::string> TrfCsvMismatches(const TrfCsv& ours, const TrfCsv& vendor, size_t max,
                                          size_t* cells) {
  std::vector<std::string> out;
  auto add = [&](std::string s) {
    if (out.size() < max) out.push_back(std::move(s));
  };
  *cells = 0;
  for (const auto& [key, value] : ours.header) {
    auto it = vendor.header.find(key);
    if (it == vendor.header.end()) {
      add("header key \"" + key + "\" is not in the vendor's CSV");
    } else if (it->second != value) {
      add("header " + key + ": \"" + value + "\", vendor \"" + it->second + "\"");
    }
  }
  if (ours.columns != vendor.columns) add("the column lines differ");
  if (ours.rows.size() != vendor.rows.size()) {
    add(std::to_string(ours.rows.size()) + " rows, vendor " + std::to_string(vendor.rows.size()));
  }
  const size_t rows = std::min(ours.rows.size(), vendor.rows.size());
  for (size_t r = 0; r < rows; ++r) {
    const auto& a = ours.rows[r];
    const auto& b = vendor.rows[r];
    if (a.size() != b.size()) {
      add("row " + std::to_string(r) + ": " + std::to_string(a.size()) + " cells, vendor " +
          std::to_string(b.size()));
    }
    for (size_t c = 0; c < std::min(a.size(), b.size()); ++c, ++*cells) {
      if (a[c] == b[c]) continue;
      const std::string col = c < vendor.columns.size() ? vendor.columns[c] : std::to_string(c);
      add("row " + std::to_string(r) + " \"" + col + "\": \"" + a[c] + "\", vendor \"" + b[c] +
          "\"");
    }
  }
  return out;
}

std::vector<std::string> TrfFixtureFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".trf") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ReadTrfFixture(const std::string& path) {
  std::string bytes;
  const Status s = trf::ReadFileBytes(path, &bytes);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return bytes;
}

const trf::ColumnsTable& TrfColumns(const std::string& path) {
  static const trf::ColumnsTable table = [&path] {
    auto t = trf::ColumnsTable::Load(path);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? std::move(*t) : trf::ColumnsTable();
  }();
  return table;
}

void WriteTrfZip(const std::string& path, const std::vector<std::pair<std::string, std::string>>& members) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(z, nullptr) << path << ": libzip error " << err;
  for (const auto& [name, bytes] : members) {
    zip_source_t* src = zip_source_buffer(z, bytes.data(), bytes.size(), 0);  // read at zip_close
    ASSERT_NE(src, nullptr) << zip_strerror(z);
    ASSERT_GE(zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE), 0) << zip_strerror(z);
  }
  ASSERT_EQ(zip_close(z), 0) << zip_strerror(z);
}

}  // namespace qcflow::testing
