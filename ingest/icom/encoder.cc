#include "ingest/icom/encoder.h"

#include <charconv>
#include <cstdio>

namespace qcflow::icom {
namespace {

void PutU16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// Howard Hinnant's civil_from_days: exact for the proleptic Gregorian calendar.
void CivilFromDays(int64_t z, int* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(yy + (*m <= 2));
}

}  // namespace

std::string FormatIcomTimestamp(int64_t unix_seconds) {
  int64_t days = unix_seconds / 86400;
  int64_t rem = unix_seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u%02d:%02d:%02d", y, m, d,
                static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
                static_cast<int>(rem % 60));
  return std::string(buf, kTimestampSize);
}

MessageBuilder::MessageBuilder(std::string_view timestamp, uint8_t counter) {
  out_.reserve(9000);
  // Preamble: opaque on real linacs; prototypes saw 00 00 04 04 inside it.
  static constexpr char kPreamble[kPreambleSize] = {0x00, 0x00, 0x04, 0x04, 0x00, 0x00, 0x00, 0x00};
  out_.append(kPreamble, kPreambleSize);
  out_.append(timestamp);
  out_.push_back(static_cast<char>(counter));
}

MessageBuilder& MessageBuilder::Add(uint16_t group, uint16_t element, std::string_view vr,
                                    char part, std::string_view value) {
  PutU16(&out_, group);
  PutU16(&out_, element);
  out_.push_back(vr.size() > 0 ? vr[0] : ' ');
  out_.push_back(vr.size() > 1 ? vr[1] : ' ');
  out_.push_back('\0');
  out_.push_back(part);
  PutU32(&out_, static_cast<uint32_t>(value.size()));
  out_.append(value);
  return *this;
}

MessageBuilder& MessageBuilder::AddNumber(uint16_t group, uint16_t element, char part,
                                          double value, int decimals) {
  char buf[48];
  auto r = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::fixed, decimals);
  return Add(group, element, "DS", part, std::string_view(buf, r.ptr - buf));
}

MessageBuilder& MessageBuilder::AddNoValue(uint16_t group, uint16_t element, char part) {
  return Add(group, element, "DS", part, kNoValue);
}

MessageBuilder& MessageBuilder::AddCollimation(char part, std::string_view kind,
                                               std::span<const double> positions) {
  Add(kGroupRt, el::kCollimationHeader, "DS", part, kind);
  for (double p : positions) AddNumber(kGroupRt, el::kCollimationValue, part, p, 2);
  return *this;
}

MessageBuilder& MessageBuilder::AddInterlocks(std::span<const std::string> interlocks,
                                              bool previous) {
  for (const std::string& s : interlocks) {
    Add(kGroupRt, previous ? el::kPreviousInterlocks : el::kInterlocks, "LO", 'R', s);
  }
  return *this;
}

MessageBuilder& MessageBuilder::AddRaw(std::string_view bytes) {
  out_.append(bytes);
  return *this;
}

}  // namespace qcflow::icom
