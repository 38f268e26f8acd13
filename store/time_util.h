// Time vocabulary: instants are UTC microseconds since the Unix epoch (int64).
// Sources keep their original time text next to the instant; conversion between a
// site's wall clock and UTC happens at the edges, with IANA zone names from config.
#ifndef QCFLOW_STORE_TIME_UTIL_H_
#define QCFLOW_STORE_TIME_UTIL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "store/status.h"

namespace qcflow {

using MicrosUtc = int64_t;

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;

// A wall-clock reading with no zone attached (what MPC folder names and DQA3
// databases hold). Fields are not range-checked here; see CivilToUtc.
struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int micros = 0;
};

MicrosUtc NowMicros();

// "2026-11-23T03:43:26.123456Z" (micros omitted when zero).
std::string FormatUtcIso(MicrosUtc t);
// Whether `text` has FormatUtcIso's shape (digits, "T", optional fraction,
// "Z"), so a stored field that holds an instant can be told from other text.
bool IsUtcIsoText(std::string_view text);

// RFC 3339 in `zone` with its offset at that instant: "2026-07-01T09:30:00+02:00"
// (".ffffff" when micros != 0; "+00:00" in UTC). A zone this machine lacks
// falls back to UTC, so a display never fails.
std::string FormatRfc3339(MicrosUtc t, std::string_view zone);

// The same instant as FormatRfc3339, from a stored UTC text ("...Z", as
// FormatUtcIso writes); "" stays "", text that does not read is returned as is.
std::string RezoneUtcText(std::string_view utc_text, std::string_view zone);

// The IANA zone $TZ names ("Europe/Berlin", ":Europe/Berlin" and a zoneinfo
// path are accepted); "" when TZ is unset or names no zone this machine knows.
std::string TzVariableZone();

// The zone this machine's clock shows: TzVariableZone(), else /etc/timezone,
// else the /etc/localtime link, else "UTC".
std::string SystemZone();

// "YYYY-MM-DD HH:MM:SS", plus ".ffffff" when micros != 0 — as Python prints a
// datetime, so DQA3 user_keys equal QCPump's and stored time texts match them.
std::string FormatCivil(const CivilTime& c);

// Formats with a strftime-like subset: %Y %m %d %H %M %S %f (6-digit micros) %b (Jan..Dec).
// The instant is first converted to `zone` (IANA name; "UTC" or "" for UTC).
Result<std::string> FormatInZone(MicrosUtc t, std::string_view zone, std::string_view fmt);

// Interprets a wall-clock time in `zone`. Validates ranges (month 1-12, etc.).
// Ambiguous local times (DST fall-back) resolve to the earlier instant; times in a
// spring-forward gap move forward by the gap, as a clock on the wall would.
Result<MicrosUtc> CivilToUtc(const CivilTime& civil, std::string_view zone);

// Breaks a UTC instant into the wall clock of `zone`.
Result<CivilTime> UtcToCivil(MicrosUtc t, std::string_view zone);

// Parses a user-supplied instant for CLI flags such as --since/--until:
// "2024-05-01", "2024-05-01 07:30", "2024-05-01T07:30:15", with optional ".ffffff"
// and an optional "Z" or "+HH:MM"/"-HH:MM" (so any time qcflow prints reads
// back). Times without either are read in `zone` (default UTC).
Result<MicrosUtc> ParseTimeArg(std::string_view text, std::string_view zone = "UTC");

// Returns OK when `zone` names an IANA time zone known to this machine.
Status CheckZone(std::string_view zone);

}  // namespace qcflow

#endif  // QCFLOW_STORE_TIME_UTIL_H_
