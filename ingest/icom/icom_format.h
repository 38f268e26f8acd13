// The iCom wire format's constants (shared/spec/icom.md), shared by the
// encoder (sim/message_builder), the framer and the decoder (process/icom).
// The layout is an inference from public sources, not an Elekta document.
#ifndef QCFLOW_INGEST_ICOM_ICOM_FORMAT_H_
#define QCFLOW_INGEST_ICOM_ICOM_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace qcflow::icom {

inline constexpr size_t kPreambleSize = 8;
inline constexpr size_t kTimestampOffset = 8;
inline constexpr size_t kTimestampSize = 18;
inline constexpr size_t kCounterOffset = 26;
inline constexpr size_t kHeaderSize = 27;         // preamble + timestamp + counter
inline constexpr size_t kElementHeaderSize = 12;  // group, element, VR, 0, part, length

// The "no value" sentinel linacs send for an unset numeric field.
inline constexpr std::string_view kNoValue = "-32767";

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

// True when s[0..17] reads "YYYY-MM-DDhh:mm:ss" with month 1-12, day 1-31,
// hour 0-23, minute 0-59, second 0-60. REQUIRES: 18 readable bytes at s.
bool IsIcomTimestamp(const char* s);

// True when the 12 bytes at h look like an element header: two uppercase VR
// letters, a 0x00, part P/S/R. Its length is returned in *length.
// REQUIRES: 12 readable bytes at h.
bool IsPlausibleElementHeader(const char* h, uint32_t* length);

}  // namespace qcflow::icom

#endif  // QCFLOW_INGEST_ICOM_ICOM_FORMAT_H_
