// The iCom wire format (shared/spec/icom.md): the one definition of its layout,
// used by the encoder (encoder.h), the framer (framer.h) and the decoder
// (decoder.h) beside it, as LevelDB's log_format.h is by its reader and writer.
// The layout is an inference from public sources, not an Elekta document.
//
//   0..7   preamble (opaque on real linacs)
//   8..25  timestamp "YYYY-MM-DDhh:mm:ss" (linac wall clock, no separator)
//   26     counter (wraps 255 -> 0)
//   27..   elements: group u16 LE | element u16 LE | VR (2 ASCII) | 0x00 |
//          part ('P'|'S'|'R') | length u32 LE | value (ASCII)
#ifndef QCFLOW_INGEST_ICOM_ICOM_FORMAT_H_
#define QCFLOW_INGEST_ICOM_ICOM_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "store/time_util.h"

namespace qcflow::icom {

inline constexpr size_t kPreambleSize = 8;
inline constexpr size_t kTimestampOffset = 8;
inline constexpr size_t kTimestampSize = 18;
inline constexpr size_t kCounterOffset = 26;
inline constexpr size_t kHeaderSize = 27;         // preamble + timestamp + counter
inline constexpr size_t kElementHeaderSize = 12;  // group, element, VR, 0, part, length

// The "no value" sentinel linacs send for an unset numeric field: -32767, and
// 32767 on some firmware. The decoder and the simulator both use these.
inline constexpr int kNoValueMagnitude = 32767;
inline constexpr std::string_view kNoValue = "-32767";
inline bool IsNoValueText(std::string_view v) { return v == kNoValue || v == kNoValue.substr(1); }

// Group used for RT-like elements (the decoder keys on element, VR and part,
// as PyMedPhys does; the group is carried through but not interpreted).
inline constexpr uint16_t kGroupRt = 0x300A;
inline constexpr uint16_t kGroupPatient = 0x0010;

// Element numbers from the spec's fields table.
namespace el {
inline constexpr uint16_t kPatientId = 0x0020, kPatientName = 0x0010, kRxSite = 0x1001,
                          kFieldId = 0x1003, kMachineId = 0x00B2, kRadiationType = 0x00C6,
                          kEnergy = 0x0114, kWedge = 0x0118, kSegment = 0x1007,
                          kTotalMu = 0x1009, kDeliveryMu = 0x0032, kBackupDeliveryMu = 0x0033,
                          kBeamTimer = 0x0038, kSegmentMu = 0x000B, kGantry = 0x011E,
                          kCollimator = 0x0120, kTableColumn = 0x0122, kTableIsocentric = 0x0125,
                          kTableVertical = 0x0128, kTableLongitudinal = 0x0129,
                          kTableLateral = 0x012A, kBeamDescription = 0x000C,
                          kInterlocks = 0x1016, kPreviousInterlocks = 0x1018,
                          kCollimationHeader = 0x00B8, kCollimationValue = 0x011C;
}  // namespace el

// Values of a collimation header (el::kCollimationHeader); the positions follow
// as el::kCollimationValue elements.
inline constexpr std::string_view kCollimationMlcX = "MLCX", kCollimationAsymX = "ASYMX",
                                  kCollimationAsymY = "ASYMY";

// True when s[0..17] reads "YYYY-MM-DDhh:mm:ss" with month 1-12, day 1-31,
// hour 0-23, minute 0-59, second 0-60. REQUIRES: 18 readable bytes at s.
inline bool IsIcomTimestamp(const char* s);

// The linac's wall-clock time a timestamp IsIcomTimestamp accepted names.
// REQUIRES: IsIcomTimestamp(s).
inline CivilTime ReadIcomTimestamp(const char* s);

// True when the 12 bytes at h look like an element header: two uppercase VR
// letters, a 0x00, part P/S/R. Its length is returned in *length.
// REQUIRES: 12 readable bytes at h.
inline bool IsPlausibleElementHeader(const char* h, uint32_t* length);

// Inline: the checks run once per element on the hot path.
namespace detail {

inline bool Digit(char c) { return c >= '0' && c <= '9'; }
inline int Two(const char* s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

}  // namespace detail

inline bool IsIcomTimestamp(const char* s) {
  // Cheapest rejections first: the separators.
  if (s[4] != '-' || s[7] != '-' || s[12] != ':' || s[15] != ':') return false;
  static constexpr int kDigits[] = {0, 1, 2, 3, 5, 6, 8, 9, 10, 11, 13, 14, 16, 17};
  for (int i : kDigits) {
    if (!detail::Digit(s[i])) return false;
  }
  using detail::Two;
  const int month = Two(s + 5), day = Two(s + 8), hour = Two(s + 10), minute = Two(s + 13),
            second = Two(s + 16);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
         second <= 60;
}

inline CivilTime ReadIcomTimestamp(const char* s) {
  using detail::Two;
  CivilTime c;
  c.year = Two(s) * 100 + Two(s + 2);
  c.month = Two(s + 5);
  c.day = Two(s + 8);
  c.hour = Two(s + 10);
  c.minute = Two(s + 13);
  c.second = Two(s + 16);
  return c;
}

inline bool IsPlausibleElementHeader(const char* h, uint32_t* length) {
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  if (h[6] != '\0' || !upper(h[4]) || !upper(h[5])) return false;
  if (h[7] != 'P' && h[7] != 'S' && h[7] != 'R') return false;
  const auto* u = reinterpret_cast<const unsigned char*>(h + 8);
  *length = static_cast<uint32_t>(u[0]) | (static_cast<uint32_t>(u[1]) << 8) |
            (static_cast<uint32_t>(u[2]) << 16) | (static_cast<uint32_t>(u[3]) << 24);
  return true;
}

}  // namespace qcflow::icom

#endif  // QCFLOW_INGEST_ICOM_ICOM_FORMAT_H_
