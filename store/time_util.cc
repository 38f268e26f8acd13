#include "store/time_util.h"

#include <date/date.h>
#include <date/tz.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace qcflow {
namespace {

using Micros = std::chrono::microseconds;
using SysMicros = date::sys_time<Micros>;
using LocalMicros = date::local_time<Micros>;

bool IsUtcName(std::string_view zone) {
  return zone.empty() || zone == "UTC" || zone == "Etc/UTC" || zone == "Z";
}

Result<const date::time_zone*> LookupZone(std::string_view zone) {
  try {
    return date::locate_zone(std::string(zone));
  } catch (const std::exception&) {
    return Status::InvalidArgument("unknown time zone '" + std::string(zone) +
                                   "'; use an IANA name such as Europe/Berlin or UTC");
  }
}

CivilTime Split(LocalMicros lt) {
  auto day = date::floor<date::days>(lt);
  date::year_month_day ymd{day};
  date::hh_mm_ss<Micros> hms{lt - day};
  CivilTime c;
  c.year = int(ymd.year());
  c.month = int(unsigned(ymd.month()));
  c.day = int(unsigned(ymd.day()));
  c.hour = int(hms.hours().count());
  c.minute = int(hms.minutes().count());
  c.second = int(hms.seconds().count());
  c.micros = int(hms.subseconds().count());
  return c;
}

}  // namespace

MicrosUtc NowMicros() {
  return std::chrono::duration_cast<Micros>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatCivil(const CivilTime& c) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  std::string s = buf;
  if (c.micros != 0) {
    std::snprintf(buf, sizeof(buf), ".%06d", c.micros);
    s += buf;
  }
  return s;
}

std::string FormatUtcIso(MicrosUtc t) {
  CivilTime c = Split(LocalMicros{Micros{t}});
  char buf[48];
  if (c.micros != 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", c.year, c.month, c.day,
                  c.hour, c.minute, c.second, c.micros);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day,
                  c.hour, c.minute, c.second);
  }
  return buf;
}

std::string FormatRfc3339(MicrosUtc t, std::string_view zone) {
  LocalMicros local{Micros{t}};  // UTC, also for a zone this machine lacks
  if (!IsUtcName(zone)) {
    if (auto z = LookupZone(zone); z.ok()) local = (*z)->to_local(SysMicros{Micros{t}});
  }
  const int offset_minutes = int((local.time_since_epoch().count() - t) / kMicrosPerMinute);
  const CivilTime c = Split(local);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", c.year, c.month, c.day, c.hour,
                        c.minute, c.second);
  if (c.micros != 0) n += std::snprintf(buf + n, sizeof buf - n, ".%06d", c.micros);
  const int m = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  std::snprintf(buf + n, sizeof buf - n, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+', m / 60, m % 60);
  return buf;
}

bool IsUtcIsoText(std::string_view text) {
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (text.size() < kShape.size() + 1 || text.back() != 'Z') return false;
  for (size_t i = 0; i < kShape.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return false;
  }
  std::string_view rest = text.substr(kShape.size(), text.size() - kShape.size() - 1);
  if (rest.empty()) return true;
  if (rest.size() < 2 || rest[0] != '.') return false;
  for (char c : rest.substr(1)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string RezoneUtcText(std::string_view utc_text, std::string_view zone) {
  if (utc_text.empty()) return "";
  auto t = ParseTimeArg(utc_text, "UTC");
  return t.ok() ? FormatRfc3339(*t, zone) : std::string(utc_text);
}

namespace {

// "Europe/Berlin" from ":Europe/Berlin", "/usr/share/zoneinfo/Europe/Berlin\n"; "" if unknown.
std::string UsableZoneName(std::string name) {
  if (!name.empty() && name[0] == ':') name.erase(0, 1);
  if (auto at = name.find("zoneinfo/"); at != std::string::npos) name = name.substr(at + 9);
  while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
  return !name.empty() && CheckZone(name).ok() ? name : "";
}

}  // namespace

std::string TzVariableZone() {
  const char* tz = std::getenv("TZ");
  return tz == nullptr ? "" : UsableZoneName(tz);
}

std::string SystemZone() {
  if (std::string z = TzVariableZone(); !z.empty()) return z;
  std::ifstream file("/etc/timezone");
  std::string line;
  if (std::getline(file, line)) {
    if (std::string z = UsableZoneName(line); !z.empty()) return z;
  }
  std::error_code ec;
  const auto target = std::filesystem::read_symlink("/etc/localtime", ec);
  if (!ec) {
    if (std::string z = UsableZoneName(target.string()); !z.empty()) return z;
  }
  return "UTC";
}

Result<CivilTime> UtcToCivil(MicrosUtc t, std::string_view zone) {
  SysMicros st{Micros{t}};
  if (IsUtcName(zone)) return Split(LocalMicros{Micros{t}});
  auto z = LookupZone(zone);
  if (!z.ok()) return z.status();
  return Split((*z)->to_local(st));
}

Result<std::string> FormatInZone(MicrosUtc t, std::string_view zone, std::string_view fmt) {
  auto civil = UtcToCivil(t, zone);
  if (!civil.ok()) return civil.status();
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const CivilTime& c = *civil;
  std::string out;
  char buf[16];
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%' || i + 1 == fmt.size()) {
      out += fmt[i];
      continue;
    }
    switch (fmt[++i]) {
      case 'Y': std::snprintf(buf, sizeof buf, "%04d", c.year); break;
      case 'm': std::snprintf(buf, sizeof buf, "%02d", c.month); break;
      case 'd': std::snprintf(buf, sizeof buf, "%02d", c.day); break;
      case 'H': std::snprintf(buf, sizeof buf, "%02d", c.hour); break;
      case 'M': std::snprintf(buf, sizeof buf, "%02d", c.minute); break;
      case 'S': std::snprintf(buf, sizeof buf, "%02d", c.second); break;
      case 'f': std::snprintf(buf, sizeof buf, "%06d", c.micros); break;
      case 'b': std::snprintf(buf, sizeof buf, "%s", kMonths[(c.month - 1) % 12]); break;
      case '%': std::snprintf(buf, sizeof buf, "%%"); break;
      default:
        return Status::InvalidArgument(std::string("unsupported time format directive %") +
                                       fmt[i]);
    }
    out += buf;
  }
  return out;
}

Result<MicrosUtc> CivilToUtc(const CivilTime& c, std::string_view zone) {
  date::year_month_day ymd{date::year{c.year}, date::month{unsigned(c.month)},
                           date::day{unsigned(c.day)}};
  if (!ymd.ok() || c.hour < 0 || c.hour > 23 || c.minute < 0 || c.minute > 59 || c.second < 0 ||
      c.second > 60 || c.micros < 0 || c.micros > 999999) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", c.year, c.month, c.day, c.hour,
                  c.minute, c.second);
    return Status::InvalidArgument(std::string("not a valid date/time: ") + buf);
  }
  LocalMicros lt = LocalMicros{date::local_days{ymd}} + std::chrono::hours{c.hour} +
                   std::chrono::minutes{c.minute} + std::chrono::seconds{c.second} +
                   Micros{c.micros};
  if (IsUtcName(zone)) return lt.time_since_epoch().count();
  auto z = LookupZone(zone);
  if (!z.ok()) return z.status();
  auto info = (*z)->get_info(lt);
  SysMicros st;
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:  // earlier instant: first offset
      st = SysMicros{lt.time_since_epoch()} - info.first.offset;
      break;
    case date::local_info::nonexistent:  // in the gap: shift by the gap, offset before it
      st = SysMicros{lt.time_since_epoch()} - info.first.offset;
      break;
  }
  return st.time_since_epoch().count();
}

Result<MicrosUtc> ParseTimeArg(std::string_view text, std::string_view zone) {
  CivilTime c;
  std::string s(text);
  bool utc = false;
  int offset_minutes = 0;
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) {
    utc = true;
    s.pop_back();
  } else if (s.size() > 16 && (s[s.size() - 6] == '+' || s[s.size() - 6] == '-') && s[s.size() - 3] == ':') {
    // "+HH:MM" after a time of day (the date's own '-' sit earlier).
    int hh = 0, mm = 0;
    if (std::sscanf(s.c_str() + s.size() - 5, "%2d:%2d", &hh, &mm) != 2 || hh > 23 || mm > 59) {
      return Status::InvalidArgument("cannot read the UTC offset of '" + std::string(text) +
                                     "'; write it as +HH:MM");
    }
    offset_minutes = (s[s.size() - 6] == '-' ? -1 : 1) * (hh * 60 + mm);
    utc = true;
    s.resize(s.size() - 6);
  }
  int n = 0;
  char sep = 0;
  int consumed = 0;
  n = std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &c.year, &c.month, &c.day, &consumed);
  if (n != 3) {
    return Status::InvalidArgument("cannot read time '" + std::string(text) +
                                   "'; use YYYY-MM-DD or 'YYYY-MM-DD HH:MM[:SS]'");
  }
  std::string rest = s.substr(consumed);
  if (!rest.empty()) {
    sep = rest[0];
    if (sep != ' ' && sep != 'T') {
      return Status::InvalidArgument("cannot read time '" + std::string(text) +
                                     "': expected ' ' or 'T' after the date");
    }
    double sec = 0;
    int got = std::sscanf(rest.c_str() + 1, "%2d:%2d:%lf", &c.hour, &c.minute, &sec);
    if (got < 2) {
      return Status::InvalidArgument("cannot read time of day in '" + std::string(text) +
                                     "'; use HH:MM or HH:MM:SS");
    }
    if (got == 3) {
      c.second = int(sec);
      c.micros = int((sec - c.second) * 1e6 + 0.5);
      if (c.micros > 999999) c.micros = 999999;
    }
  }
  auto t = CivilToUtc(c, utc ? "UTC" : zone);
  if (!t.ok()) return t;
  return *t - offset_minutes * kMicrosPerMinute;
}

Status CheckZone(std::string_view zone) {
  if (IsUtcName(zone)) return Status::OK();
  return LookupZone(zone).status();
}

}  // namespace qcflow
