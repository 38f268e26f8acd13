#include "ingest/mpc/results_csv.h"

// libfccp copies its (here constant) file name with strncpy; GCC flags that after inlining.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#include <libfccp/csv.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <new>
#include <system_error>

namespace qcflow::mpc {
namespace {

// Real files are 5-100 KB; the parser copies the file once.
constexpr size_t kMaxBytes = 8u << 20;
// Some exports carry a title line or two before the header; more is not a Results table.
constexpr int kMaxLinesBeforeHeader = 5;
constexpr size_t kMaxWarnings = 50;
constexpr size_t kMaxCols = 16;

using Fields = std::array<std::string_view, kMaxCols>;
// '\x1A' is the DOS end-of-file mark some Windows tools still append.
using Trim = io::trim_chars<' ', '\t', '\r', '\v', '\f', '\x1A'>;

// The lines of a mutable text, as libfccp's LineReader cut them (split on
// '\n', one trailing '\r' dropped, a last line without '\n' still a line, a
// leading UTF-8 BOM skipped) but without its 48 MiB buffer: the text is the
// caller's copy of the file, and each line is terminated in place.
class Lines {
 public:
  explicit Lines(std::string* text) : p_(text->data()), end_(text->data() + text->size()) {
    if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
  }
  // nullptr after the last line.
  char* Next() {
    if (p_ == end_) return nullptr;
    ++line_;
    char* line = p_;
    char* nl = static_cast<char*>(std::memchr(p_, '\n', size_t(end_ - p_)));
    terminated_ = nl != nullptr;
    char* stop = terminated_ ? nl : end_;
    p_ = terminated_ ? nl + 1 : end_;
    if (stop != line && stop[-1] == '\r') --stop;
    if (stop != end_) *stop = '\0';  // std::string keeps a '\0' at end_
    return line;
  }
  unsigned line() const { return line_; }
  // False when the file ended inside the last line returned (no '\n' after it).
  bool terminated() const { return terminated_; }

 private:
  char* p_;
  char* end_;
  unsigned line_ = 0;
  bool terminated_ = true;
};

// Splits `line` in place into trimmed, unquoted fields with libfccp's column
// policies. Stores at most kMaxCols fields; returns the total count.
template <class Quote>
size_t SplitWith(char* line, Fields* out) {
  size_t n = 0;
  for (char* p = line;;) {
    char* begin = p;
    char* end = begin + (Quote::find_next_column_end(begin) - begin);
    char* sep = end;
    bool last = *sep == '\0';
    Trim::trim(begin, end);  // writes a '\0' at the new end
    Quote::unescape(begin, end);
    Trim::trim(begin, end);  // spaces inside quotes: values are compared trimmed
    if (n < kMaxCols) (*out)[n] = std::string_view(begin, static_cast<size_t>(end - begin));
    ++n;
    if (last) return n;
    p = sep + 1;
  }
}

// Returns false when the quotes on the line do not balance (libfccp throws).
// Runs before anything is modified so the caller can fall back cleanly.
template <class Quote>
bool QuotesBalance(const char* line) {
  try {
    for (const char* p = line;;) {
      const char* end = Quote::find_next_column_end(p);
      if (*end == '\0') return true;
      p = end + 1;
    }
  } catch (const io::error::base&) {
    return false;
  }
}

template <char kSep>
size_t SplitSep(char* line, Fields* out, bool* unbalanced) {
  using Quoted = io::double_quote_escape<kSep, '"'>;
  using Plain = io::no_quote_escape<kSep>;
  if (std::strchr(line, '"') == nullptr) return SplitWith<Plain>(line, out);
  if (QuotesBalance<Quoted>(line)) return SplitWith<Quoted>(line, out);
  *unbalanced = true;
  return SplitWith<Plain>(line, out);
}

size_t Split(char sep, char* line, Fields* out, bool* unbalanced) {
  *unbalanced = false;
  switch (sep) {
    case ';': return SplitSep<';'>(line, out, unbalanced);
    case '\t': return SplitSep<'\t'>(line, out, unbalanced);
    default: return SplitSep<','>(line, out, unbalanced);
  }
}

// Some re-saved files use ';' or tabs (QCPump sniffed the dialect). Decided from the header.
char DetectSeparator(const char* line) {
  if (std::strchr(line, ',') != nullptr) return ',';
  if (std::strchr(line, ';') != nullptr) return ';';
  if (std::strchr(line, '\t') != nullptr) return '\t';
  return ',';
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive prefix test that ignores spaces and underscores in `field`,
// so "Evaluation Result", "evaluation_result" and "EvaluationResult" all match.
bool LooseStartsWith(std::string_view field, std::string_view lower_word) {
  size_t j = 0;
  for (size_t i = 0; i < field.size() && j < lower_word.size(); ++i) {
    char c = field[i];
    if (c == ' ' || c == '_') continue;
    if (Lower(c) != lower_word[j]) return false;
    ++j;
  }
  return j == lower_word.size();
}

struct Columns {
  int name = -1, value = -1, threshold = -1, evaluation = -1;
  size_t count = 0;
};

bool DetectHeader(const Fields& f, size_t n, Columns* cols) {
  Columns c;
  c.count = n;
  for (size_t i = 0; i < std::min(n, kMaxCols); ++i) {
    int idx = static_cast<int>(i);
    if (c.name < 0 && LooseStartsWith(f[i], "name")) c.name = idx;
    else if (c.value < 0 && LooseStartsWith(f[i], "value")) c.value = idx;
    else if (c.threshold < 0 && (LooseStartsWith(f[i], "threshold") ||
                                 LooseStartsWith(f[i], "tolerance"))) c.threshold = idx;
    else if (c.evaluation < 0 && (LooseStartsWith(f[i], "evaluation") ||
                                  LooseStartsWith(f[i], "result"))) c.evaluation = idx;
  }
  if (c.name < 0 || c.value < 0) return false;
  *cols = c;
  return true;
}

// Locale-independent; the whole (trimmed) text must be a finite number.
// *damaged: the text starts as a number but is not one as a whole ("0.3mm",
// "0x10", "1e999"), so a lenient reader would have taken a different number.
std::optional<double> ParseNumber(std::string_view t, bool decimal_comma, bool* damaged = nullptr) {
  if (damaged != nullptr) *damaged = false;
  if (!t.empty() && t.front() == '+') {  // from_chars rejects a leading '+'
    t.remove_prefix(1);
    if (!t.empty() && (t.front() == '+' || t.front() == '-')) return std::nullopt;
  }
  if (t.empty()) return std::nullopt;
  char buf[64];
  if (decimal_comma && t.size() < sizeof buf && t.find(',') != std::string_view::npos &&
      t.find('.') == std::string_view::npos) {
    std::memcpy(buf, t.data(), t.size());
    std::replace(buf, buf + t.size(), ',', '.');
    t = std::string_view(buf, t.size());
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || ptr != t.data() + t.size() || !std::isfinite(v)) {
    if (damaged != nullptr) {
      *damaged = ec == std::errc::result_out_of_range ||
                 (ec == std::errc() && ptr != t.data() + t.size());
    }
    return std::nullopt;
  }
  return v;
}

// Well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(const unsigned char* s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) { ++i; continue; }
    size_t len = (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
               : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    if (len == 0 || i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
    }
    if (len == 3 && ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F))) return false;
    if (len == 4 && ((c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] > 0x8F))) return false;
    i += len;
  }
  return true;
}

bool NeedsLatin1(const char* line, size_t n) {
  auto* u = reinterpret_cast<const unsigned char*>(line);
  bool ascii = std::all_of(u, u + n, [](unsigned char c) { return c < 0x80; });
  return !ascii && !IsValidUtf8(u, n);
}

// A file saved as Latin-1/Windows-1252 has "°" as the single byte 0xB0; read it
// as Latin-1 so the name becomes the UTF-8 "°" the macro slugs expect.
void Latin1ToUtf8(const char* line, size_t n, std::string* out) {
  out->clear();
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
    } else {
      out->push_back(static_cast<char>(0xC0 | (c >> 6)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
}

// "ï»¿": a BOM that went through a Latin-1 -> UTF-8 round trip, like "Â°".
constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kMojibakeBom = "\xC3\xAF\xC2\xBB\xC2\xBF";

std::string_view StripBoms(std::string_view s) {
  for (;;) {
    if (s.substr(0, kBom.size()) == kBom) s.remove_prefix(kBom.size());
    else if (s.substr(0, kMojibakeBom.size()) == kMojibakeBom) s.remove_prefix(kMojibakeBom.size());
    else return s;
  }
}

// A short, printable excerpt of a line for error messages.
std::string Excerpt(std::string_view s) {
  constexpr size_t kMax = 60;
  std::string out;
  for (char c : s.substr(0, kMax)) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7F ? '?' : c);
  }
  if (s.size() > kMax) out += "...";
  return out;
}

class Warnings {
 public:
  explicit Warnings(std::vector<std::string>* out, const char* noun = "warnings")
      : out_(out), noun_(noun) {}
  void Add(unsigned line, std::string what) {
    if (out_->size() < kMaxWarnings) {
      out_->push_back("line " + std::to_string(line) + ": " + std::move(what));
    } else {
      ++dropped_;
    }
  }
  void Finish() {
    if (dropped_ > 0) out_->push_back(std::to_string(dropped_) + " more " + noun_ + " not shown");
  }

 private:
  std::vector<std::string>* out_;
  const char* noun_;
  size_t dropped_ = 0;
};

Status NotAResultsTable(const std::string& why) {
  return Status::InvalidArgument("not an MPC Results.csv: " + why);
}

// Cheap checks that need no parsing: size, emptiness, binary content.
Status CheckBytes(std::string_view bytes) {
  if (bytes.size() > kMaxBytes) {
    return NotAResultsTable("file is " + std::to_string(bytes.size()) +
                            " bytes, far larger than any Results.csv (limit " +
                            std::to_string(kMaxBytes) + ")");
  }
  if (bytes.substr(0, 2) == "\xFF\xFE" || bytes.substr(0, 2) == "\xFE\xFF") {
    return NotAResultsTable("file is UTF-16 encoded; MPC writes UTF-8");
  }
  if (std::memchr(bytes.data(), '\0', bytes.size()) != nullptr) {
    return NotAResultsTable("file contains NUL bytes (binary data, not CSV text)");
  }
  std::string_view text = StripBoms(bytes);
  if (text.find_first_not_of(" \t\r\n\v\f\x1A") == std::string_view::npos) {
    return NotAResultsTable("file is empty");
  }
  return Status::OK();
}

// Splits `line` (modified in place) with the separator it looks written in and
// recognises the Results.csv header; sets *cols and *sep when it is one.
bool IsHeaderLine(char* line, Fields* f, Columns* cols, char* sep) {
  const char header_sep = DetectSeparator(line);
  bool unbalanced = false;
  size_t n = Split(header_sep, line, f, &unbalanced);
  if (!DetectHeader(*f, n, cols)) return false;
  *sep = header_sep;
  return true;
}

Status NoHeader(const std::string& first_line) {
  return NotAResultsTable("no header like 'Name [Unit], Value, Threshold, Evaluation Result' "
                          "in the first " + std::to_string(kMaxLinesBeforeHeader) +
                          " lines (first line: \"" + first_line + "\")");
}

// A problem that makes the table unfit for upload; see ResultsTable::problems.
void CheckRowComplete(const Lines& lines, const Columns& cols, size_t n, std::string_view name,
                      Warnings* problems) {
  if (lines.terminated()) return;
  // The file ends inside this row: unless a separator follows the value and
  // threshold, either may be cut short ("0.027" read as "0").
  const int last = static_cast<int>(n) - 1;
  if (n < cols.count || last == cols.value || last == cols.threshold) {
    problems->Add(lines.line(), "the file ends inside the row of '" + Excerpt(name) +
                                    "' (no line end after it): the file was cut short");
  }
}

// Which rows the table keeps: none (a verdict only), all, or all but per-leaf.
enum class Keep { kNone, kAll, kAllButPerLeaf };

Result<ResultsTable> Parse(std::string_view bytes, Keep keep) {
  const bool keep_rows = keep != Keep::kNone;
  // Lines are cut in place, so the parser works on its own copy (real files: 5-100 KB).
  std::string text(bytes);
  // Lines end at '\n'; a file with classic-Mac '\r' endings is rewritten.
  if (bytes.find('\n') == std::string_view::npos) std::replace(text.begin(), text.end(), '\r', '\n');

  ResultsTable table;
  Warnings warn(&table.warnings);
  Warnings problems(&table.problems, "problems");
  if (keep_rows) {
    // One row per line; capped so a junk file full of newlines cannot make us allocate much.
    size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    table.rows.reserve(std::min<size_t>(lines, 4096));
  }

  Lines reader(&text);
  Fields f;
  Columns cols;
  char sep = ',';
  bool have_header = false;
  bool latin1_warned = false;
  int lines_before_header = 0;
  std::string first_line;  // for the error message when no header is found
  std::string scratch;     // reused for Latin-1 transcoding

  while (char* line = reader.Next()) {
    unsigned lineno = reader.line();
    if (io::empty_line_comment::is_comment(line)) continue;
    size_t len = std::strlen(line);
    if (NeedsLatin1(line, len)) {
      Latin1ToUtf8(line, len, &scratch);
      line = scratch.data();
      if (!latin1_warned) {
        warn.Add(lineno, "not valid UTF-8; read as Latin-1");
        latin1_warned = true;
      }
    }

    if (!have_header) {
      if (lines_before_header == 0) {
        std::string_view unbommed = StripBoms(line);
        line += std::string_view(line).size() - unbommed.size();
        first_line = Excerpt(unbommed);
      }
      if (IsHeaderLine(line, &f, &cols, &sep)) {
        have_header = true;
        if (lines_before_header > 0) {
          warn.Add(lineno, "header found after " + std::to_string(lines_before_header) +
                               " other line(s), which were skipped");
        }
        continue;
      }
      if (++lines_before_header >= kMaxLinesBeforeHeader) break;
      continue;
    }

    bool unbalanced = false;
    size_t n = Split(sep, line, &f, &unbalanced);
    if (unbalanced) warn.Add(lineno, "unbalanced quote; read without quote handling");
    auto field = [&](int i) {
      return (i >= 0 && static_cast<size_t>(i) < std::min(n, kMaxCols)) ? f[i] : std::string_view();
    };
    std::string_view name = field(cols.name);
    if (name.empty()) {
      bool all_empty = std::all_of(f.begin(), f.begin() + std::min(n, kMaxCols),
                                   [](std::string_view s) { return s.empty(); });
      if (!all_empty) warn.Add(lineno, "row has no name; skipped");
      continue;  // ",,," lines are padding, not data
    }
    if (LooseStartsWith(name, "name") && LooseStartsWith(field(cols.value), "value")) {
      warn.Add(lineno, "repeated header; skipped");
      continue;
    }
    CheckRowComplete(reader, cols, n, name, &problems);
    if (n < cols.count) {
      warn.Add(lineno, "only " + std::to_string(n) + " of " + std::to_string(cols.count) +
                           " columns; missing ones left blank");
    } else if (n > cols.count) {
      bool extra_data = n > kMaxCols || std::any_of(f.begin() + cols.count, f.begin() + n,
                                                    [](std::string_view s) { return !s.empty(); });
      // A comma inside a number ("0,027" in a comma-separated file) shifts the
      // values one column right: the Evaluation column then holds a number (or
      // there is none to tell by). Never read such a row as a different value.
      const bool shifted =
          extra_data && (cols.evaluation < 0 || ParseNumber(field(cols.evaluation), false));
      if (shifted) {
        problems.Add(lineno, "the row of '" + Excerpt(name) + "' has " + std::to_string(n) +
                                 " columns, expected " + std::to_string(cols.count) +
                                 ", and its values look shifted (a decimal comma?)");
      } else if (extra_data) {
        warn.Add(lineno, std::to_string(n) + " columns, expected " + std::to_string(cols.count) +
                             "; extra ones ignored");
      }
    }

    const std::string_view value_text = field(cols.value);
    bool damaged = false;
    const std::optional<double> value = ParseNumber(value_text, sep == ';', &damaged);
    if (damaged) {
      problems.Add(lineno, "value '" + Excerpt(value_text) + "' of '" + Excerpt(name) +
                               "' is not a whole number (only its start reads as one)");
    } else if (!value && !value_text.empty()) {
      warn.Add(lineno, "value '" + Excerpt(value_text) + "' of '" + Excerpt(name) +
                           "' is not a number; kept as no value");
    }
    if (!keep_rows) continue;
    const bool per_leaf = IsPerLeafRow(name);
    if (per_leaf && keep == Keep::kAllButPerLeaf) continue;
    ResultRow& row = table.rows.emplace_back();
    row.name.assign(name);
    row.value_text.assign(value_text);
    row.value = value;
    row.threshold_text.assign(field(cols.threshold));
    row.threshold = ParseNumber(row.threshold_text, sep == ';');
    row.evaluation.assign(field(cols.evaluation));
    row.per_leaf = per_leaf;
  }

  if (!have_header) return NoHeader(first_line);
  warn.Finish();
  problems.Finish();
  return table;
}

// Runs Parse, turning libfccp's exceptions into values: nothing may escape.
Result<ResultsTable> ParseCaught(std::string_view bytes, Keep keep) {
  QCFLOW_RETURN_IF_ERROR(CheckBytes(bytes));
  try {
    return Parse(bytes, keep);
  } catch (const io::error::base& e) {
    return NotAResultsTable(e.what());
  } catch (const std::bad_alloc&) {
    // Transient: the file itself may be fine, so it must not be quarantined.
    return Status::Unavailable("out of memory while parsing Results.csv; will retry");
  } catch (const std::exception& e) {
    return Status::Internal(std::string("Results.csv parser failed: ") + e.what());
  } catch (...) {
    return Status::Internal("Results.csv parser failed with an unknown exception");
  }
}

}  // namespace

Result<ResultsTable> ParseResultsCsv(std::string_view bytes, PerLeafRows per_leaf) {
  return ParseCaught(bytes, per_leaf == PerLeafRows::kKeep ? Keep::kAll : Keep::kAllButPerLeaf);
}

Status CheckComplete(const ResultsTable& table) {
  if (table.problems.empty()) return Status::OK();
  std::string why;
  for (const std::string& p : table.problems) why += (why.empty() ? "" : "; ") + p;
  return Status::InvalidArgument("Results.csv is incomplete, so none of its values is uploaded (" +
                                 why + "); copy the complete file into the run folder and it "
                                 "is read again");
}

Status CheckResultsCsv(std::string_view bytes) {
  auto table = ParseCaught(bytes, Keep::kNone);
  if (!table.ok() && table.status().code() == Status::Code::kInvalidArgument) {
    return Status::InvalidArgument("Results.csv not readable: " + table.status().message());
  }
  if (!table.ok()) return table.status();
  return CheckComplete(*table);
}

bool IsPerLeafRow(std::string_view name) {
  // Every excluded form ends in "...Leaf<N>": a cheap filter before the full list.
  if (name.find("Leaf") == std::string_view::npos) return false;
  static constexpr std::string_view kPerLeaf[] = {
      "CollimationGroup/MLCGroup/MLCLeavesA/MLCLeaf",
      "CollimationGroup/MLCGroup/MLCLeavesB/MLCLeaf",
      "CollimationGroup/MLCBacklashGroup/MLCBacklashLeavesA/MLCBacklashLeaf",
      "CollimationGroup/MLCBacklashGroup/MLCBacklashLeavesB/MLCBacklashLeaf",
      "CollimationDevicesGroup/MLCGroup/MLCPosition0/MLCLeavesA/MLCLeaf",
      "CollimationDevicesGroup/MLCGroup/MLCPosition0/MLCLeavesB/MLCLeaf",
      "CollimationDevicesGroup/MLCGroup/MLCPosition1/MLCLeavesA/MLCLeaf",
      "CollimationDevicesGroup/MLCGroup/MLCPosition1/MLCLeavesB/MLCLeaf",
      "CollimationDevicesGroup/MLCGroup/MLCPosition2/MLCLeavesA/MLCLeaf",
      "CollimationDevicesGroup/MLCGroup/MLCPosition2/MLCLeavesB/MLCLeaf",
      "CollimationDevicesGroup/MLCBacklashGroup/MLCBacklashLeavesA/MLCBacklashLeaf",
      "CollimationDevicesGroup/MLCBacklashGroup/MLCBacklashLeavesB/MLCBacklashLeaf",
  };
  return std::any_of(std::begin(kPerLeaf), std::end(kPerLeaf), [name](std::string_view p) {
    return name.find(p) != std::string_view::npos;
  });
}

}  // namespace qcflow::mpc
