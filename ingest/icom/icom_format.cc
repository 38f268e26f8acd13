#include "ingest/icom/icom_format.h"

namespace qcflow::icom {
namespace {

inline bool Digit(char c) { return c >= '0' && c <= '9'; }
inline int Two(const char* s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

}  // namespace

bool IsIcomTimestamp(const char* s) {
  // Cheapest rejections first: the separators.
  if (s[4] != '-' || s[7] != '-' || s[12] != ':' || s[15] != ':') return false;
  static constexpr int kDigits[] = {0, 1, 2, 3, 5, 6, 8, 9, 10, 11, 13, 14, 16, 17};
  for (int i : kDigits) {
    if (!Digit(s[i])) return false;
  }
  const int month = Two(s + 5), day = Two(s + 8), hour = Two(s + 10), minute = Two(s + 13),
            second = Two(s + 16);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
         second <= 60;
}

bool IsPlausibleElementHeader(const char* h, uint32_t* length) {
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  if (h[6] != '\0' || !upper(h[4]) || !upper(h[5])) return false;
  if (h[7] != 'P' && h[7] != 'S' && h[7] != 'R') return false;
  const auto* u = reinterpret_cast<const unsigned char*>(h + 8);
  *length = static_cast<uint32_t>(u[0]) | (static_cast<uint32_t>(u[1]) << 8) |
            (static_cast<uint32_t>(u[2]) << 16) | (static_cast<uint32_t>(u[3]) << 24);
  return true;
}

}  // namespace qcflow::icom
