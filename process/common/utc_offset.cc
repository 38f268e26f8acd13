#include "process/common/utc_offset.h"

#include <cstdio>
#include <cstdlib>

namespace qcflow {

Result<int> UtcOffsetMinutes(MicrosUtc t, std::string_view zone) {
  auto civil = UtcToCivil(t, zone.empty() ? "UTC" : zone);
  if (!civil.ok()) return civil.status();
  // The zone's wall clock read as if it were UTC, minus the instant.
  auto as_utc = CivilToUtc(*civil, "UTC");
  if (!as_utc.ok()) return as_utc.status();
  return static_cast<int>((*as_utc - t) / kMicrosPerMinute);
}

std::string FormatUtcOffset(int minutes, bool colon) {
  const int m = std::abs(minutes);
  char buf[16];
  std::snprintf(buf, sizeof buf, colon ? "%c%02d:%02d" : "%c%02d%02d", minutes < 0 ? '-' : '+',
                m / 60, m % 60);
  return buf;
}

}  // namespace qcflow
