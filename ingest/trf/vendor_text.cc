#include "ingest/trf/vendor_text.h"

#include <charconv>
#include <cstdint>

namespace qcflow::trf {
namespace {

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

// v / 10^digits in its shortest decimal form, exactly (no floating point):
// AppendScaled(-3, 1) = "-0.3", AppendScaled(1400, 1) = "140", (704, 2) = "7.04".
void AppendScaled(int64_t v, int digits, std::string* out) {
  int64_t unit = 1;
  for (int i = 0; i < digits; ++i) unit *= 10;
  const bool negative = v < 0;
  const uint64_t m = negative ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  uint64_t frac = m % unit;
  if (negative && m != 0) out->push_back('-');
  AppendInt(static_cast<int64_t>(m / unit), out);
  if (frac == 0) return;
  char f[20];
  for (int i = digits - 1; i >= 0; --i, frac /= 10) f[i] = static_cast<char>('0' + frac % 10);
  int len = digits;
  while (f[len - 1] == '0') --len;
  out->push_back('.');
  out->append(f, static_cast<size_t>(len));
}

void AppendDouble(double v, std::string* out) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

}  // namespace

void AppendVendorCell(const TrfLog& log, size_t row, size_t col, std::string* out) {
  const int32_t r = log.Raw(row, col);
  switch (log.columns[col].rule) {
    case ValueRule::kTenth: AppendScaled(r, 1, out); return;
    case ValueRule::kTenthNegated: AppendScaled(-static_cast<int64_t>(r), 1, out); return;
    case ValueRule::kUnsigned16: AppendInt(static_cast<int64_t>(log.Value(row, col)), out); return;
    case ValueRule::kLinacState:
    case ValueRule::kWedge:
      if (std::string_view name = log.Label(row, col); !name.empty()) {
        out->append(name);
        return;
      }
      break;
    case ValueRule::kInteger: break;
  }
  AppendInt(r, out);
}

void AppendVendorTime(size_t row, std::string* out) {
  AppendScaled(static_cast<int64_t>(row) * kRowIntervalMillis / 10, 2, out);
}

std::vector<std::pair<std::string, std::string>> VendorHeader(const TrfHeader& h) {
  std::string dose;
  AppendDouble(h.mu(), &dose);
  dose += " MU";
  return {{"Version", std::to_string(h.version)},
          {"Linac Id", h.machine_id},
          {"Treatment Name", h.field},
          {"Total Dose", dose},
          {"UTC Time", h.date},
          {"UTC Offset", h.utc_offset}};
}

void AppendVendorCsv(const TrfLog& log, std::string* out) {
  for (const auto& [key, value] : VendorHeader(log.header)) {
    out->append(key).append(" =");
    if (!value.empty()) out->append(" ").append(value);
    out->push_back('\n');
  }
  out->append("\nTime (s),");
  for (const TrfColumn& c : log.columns) out->append(c.name).push_back(',');
  out->push_back('\n');
  const size_t n = log.columns.size();
  out->reserve(out->size() + log.rows * n * 5);
  for (size_t r = 0; r < log.rows; ++r) {
    AppendVendorTime(r, out);
    out->push_back(',');
    for (size_t c = 0; c < n; ++c) {
      AppendVendorCell(log, r, c, out);
      out->push_back(',');
    }
    out->push_back('\n');
  }
}

}  // namespace qcflow::trf
