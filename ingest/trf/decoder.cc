#include "ingest/trf/decoder.h"

#include <map>
#include <utility>

namespace qcflow::trf {
namespace {

constexpr const char* kStringNames[kHeaderStrings] = {"date", "UTC offset", "field", "machine id"};

std::string At(size_t offset) { return "at byte " + std::to_string(offset); }

bool Digits(std::string_view s, size_t at, size_t n) {
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}
int Two(std::string_view s, size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); }

// "yy/mm/dd HH:MM:SS Z" (some locales write '-' for '/'), read as UTC.
std::optional<MicrosUtc> ReadDate(std::string_view s) {
  if (s.size() != 19 || s[8] != ' ' || s[11] != ':' || s[14] != ':' || s.substr(17) != " Z") {
    return std::nullopt;
  }
  const char sep = s[2];
  if ((sep != '/' && sep != '-') || s[5] != sep) return std::nullopt;
  for (size_t at : {0, 3, 6, 9, 12, 15}) {
    if (!Digits(s, at, 2)) return std::nullopt;
  }
  CivilTime c;
  c.year = 2000 + Two(s, 0);
  c.month = Two(s, 3);
  c.day = Two(s, 6);
  c.hour = Two(s, 9);
  c.minute = Two(s, 12);
  c.second = Two(s, 15);
  auto t = CivilToUtc(c, "UTC");
  if (!t.ok()) return std::nullopt;
  return *t;
}

// The header up to the rows; returns Corruption for the damage that leaves no
// table to decode.
Status DecodeHeader(std::string_view b, TrfHeader* h, size_t* pos) {
  std::string* strings[kHeaderStrings] = {&h->date, &h->utc_offset, &h->field, &h->machine_id};
  size_t p = 0;
  for (int i = 0; i < kHeaderStrings; ++i) {
    if (p >= b.size() || p + 1 + static_cast<uint8_t>(b[p]) > b.size()) {
      return Status::Corruption("header cut short in its " + std::string(kStringNames[i]) +
                                " string " + At(p) + " (the file is " +
                                std::to_string(b.size()) + " bytes)");
    }
    const size_t n = static_cast<uint8_t>(b[p]);
    strings[i]->assign(b.data() + p + 1, n);
    p += 1 + n;
  }
  const size_t slash = h->field.find('/');
  if (slash == std::string::npos) {
    h->field_name = h->field;
  } else {
    h->field_label = h->field.substr(0, slash);
    h->field_name = h->field.substr(slash + 1);
  }
  if (b.size() - p < kHeaderFixedSize) {
    return Status::Corruption("header cut short before its MU, version and item-part count " +
                              At(p) + " (the file is " + std::to_string(b.size()) + " bytes)");
  }
  h->mu_raw = ReadF64(b.data() + p);
  h->version = ReadI32(b.data() + p + 8);
  h->item_parts = ReadI32(b.data() + p + 12);
  if (h->version < kMinVersion || h->version > kMaxVersion) {
    return Status::Corruption("unknown TRF version " + std::to_string(h->version) + " " +
                              At(p + 8) + " (known: 1 to 4)");
  }
  p += kHeaderFixedSize;
  const size_t fits = (b.size() - p) / kItemPartSize;
  if (h->item_parts <= 0 || static_cast<size_t>(h->item_parts) > fits) {
    return Status::Corruption("item-part count " + std::to_string(h->item_parts) + " " +
                              At(p - 4) + " does not fit the file (" + std::to_string(fits) +
                              " item parts would end it, and there must be at least one)");
  }
  *pos = p;
  return Status::OK();
}

void NameColumns(std::string_view b, size_t p, const ColumnsTable& table, TrfLog* log) {
  const size_t n = static_cast<size_t>(log->header.item_parts);
  log->columns.resize(n);
  for (size_t i = 0; i < n; ++i, p += kItemPartSize) {
    TrfColumn& c = log->columns[i];
    c.item = ReadI16(b.data() + p);
    c.sub = ReadI16(b.data() + p + 2);
    if (const ColumnInfo* info = table.Find(c.item, c.sub)) {
      c.name = info->name;
      c.rule = info->rule;
      c.known = true;
      continue;
    }
    c.name = std::to_string(c.item) + "_" + std::to_string(c.sub);
    c.rule = ValueRule::kInteger;
    c.known = false;
    log->issues.push_back({p, "item part " + c.name + " (column " + std::to_string(i + 1) +
                                  ") is not in columns.json; kept as raw integers named " +
                                  c.name});
  }
}

// One issue per code column and unknown code: how many rows, the first one.
void CheckCodes(const TrfLog& log, std::vector<TrfIssue>* issues) {
  const size_t n = log.columns.size();
  for (size_t c = 0; c < n; ++c) {
    const ValueRule rule = log.columns[c].rule;
    if (rule != ValueRule::kLinacState && rule != ValueRule::kWedge) continue;
    std::map<int32_t, std::pair<size_t, size_t>> unknown;  // code -> (rows, first row)
    // Codes change a few times a beam: look up only a code unlike the last row's.
    bool last_known = false;
    int32_t last = 0;
    for (size_t r = 0; r < log.rows; ++r) {
      const int32_t code = log.Raw(r, c);
      if (r > 0 && code == last && last_known) continue;
      last = code;
      last_known = (rule == ValueRule::kLinacState ? log.table->StateName(code)
                                                   : log.table->WedgeName(code)) != nullptr;
      if (last_known) continue;
      auto [it, fresh] = unknown.try_emplace(code, 0, r);
      ++it->second.first;
    }
    for (const auto& [code, seen] : unknown) {
      issues->push_back(
          {log.header.size + seen.second * log.row_size + log.layout.prefix +
               c * log.layout.value_size,
           log.columns[c].name + ": unknown code " + std::to_string(code) + " in " +
               std::to_string(seen.first) + " row(s), first row " + std::to_string(seen.second) +
               "; kept as the number"});
    }
  }
}

}  // namespace

double TrfLog::Value(size_t row, size_t col) const {
  const int32_t r = Raw(row, col);
  switch (columns[col].rule) {
    case ValueRule::kTenth: return r / 10.0;
    case ValueRule::kTenthNegated: return r == 0 ? 0.0 : -r / 10.0;
    case ValueRule::kUnsigned16: return layout.value_size == 2 ? (r & 0xFFFF) : r;
    default: return r;
  }
}

std::string_view TrfLog::Label(size_t row, size_t col) const {
  const std::string* name = nullptr;
  switch (columns[col].rule) {
    case ValueRule::kLinacState: name = table->StateName(Raw(row, col)); break;
    case ValueRule::kWedge: name = table->WedgeName(Raw(row, col)); break;
    default: break;
  }
  return name ? std::string_view(*name) : std::string_view();
}

std::optional<size_t> TrfLog::FindColumn(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return i;
  }
  return std::nullopt;
}

namespace {

// Decodes out->bytes.
Status DecodeOwned(const ColumnsTable& table, TrfLog* out) {
  out->header = TrfHeader();
  out->columns.clear();
  out->rows = 0;
  out->issues.clear();
  out->layout = RowLayout();
  out->row_size = 0;
  out->table = &table;

  const std::string_view b = out->bytes;
  size_t p = 0;
  QCFLOW_RETURN_IF_ERROR(DecodeHeader(b, &out->header, &p));
  TrfHeader& h = out->header;
  h.start = ReadDate(h.date);
  if (!h.start) {
    out->issues.push_back({1, "date \"" + h.date + "\" does not read as yy/mm/dd HH:MM:SS Z; "
                              "the log has no start time"});
  }
  NameColumns(b, p, table, out);
  const size_t n = out->columns.size();
  p += n * kItemPartSize;
  h.size = p;

  out->layout = LayoutOf(h.version);
  out->row_size = out->layout.RowSize(n);
  const size_t body = b.size() - p;
  out->rows = body / out->row_size;
  if (const size_t rest = body % out->row_size; rest != 0) {
    const size_t at = p + out->rows * out->row_size;
    out->issues.push_back(
        {at, "the table (" + std::to_string(body) + " bytes after the " + std::to_string(p) +
                 "-byte header) is not a whole number of " + std::to_string(out->row_size) +
                 "-byte rows: the last " + std::to_string(rest) + " bytes, " + At(at) +
                 ", are a partial row and were not decoded"});
  }
  CheckCodes(*out, &out->issues);
  return Status::OK();
}

}  // namespace

Status ReadTrfHeader(std::string_view bytes, TrfHeader* out) {
  *out = TrfHeader();
  size_t p = 0;
  QCFLOW_RETURN_IF_ERROR(DecodeHeader(bytes, out, &p));
  out->start = ReadDate(out->date);
  out->size = p + static_cast<size_t>(out->item_parts) * kItemPartSize;
  return Status::OK();
}

Status DecodeTrf(std::string_view bytes, const ColumnsTable& table, TrfLog* out) {
  out->bytes.assign(bytes.data(), bytes.size());
  return DecodeOwned(table, out);
}

Status DecodeTrf(std::string* bytes, const ColumnsTable& table, TrfLog* out) {
  out->bytes.swap(*bytes);  // not cleared: a resize to the next file's size fills less
  return DecodeOwned(table, out);
}

}  // namespace qcflow::trf
