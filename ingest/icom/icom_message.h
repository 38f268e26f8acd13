// IcomMessage: one decoded iCom message (see shared/spec/icom.md): the
// fields of the spec's table, collimation per part, and what could not be
// decoded. Plain data; the decoder reuses one instance to avoid allocations.
#ifndef QCFLOW_INGEST_ICOM_ICOM_MESSAGE_H_
#define QCFLOW_INGEST_ICOM_ICOM_MESSAGE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qcflow::icom {

// Index into per-part arrays.
enum PartIndex { kPartP = 0, kPartS = 1, kPartR = 2, kPartCount = 3 };

struct Collimation {
  // Leaf positions (cm) as sent: consecutive values form one pair, so
  // mlc.size() / 2 pairs (80 on Agility, 40 on MLCi2). Empty when absent.
  std::vector<double> mlc;
  std::optional<std::array<double, 2>> asym_x;  // jaws, cm
  std::optional<std::array<double, 2>> asym_y;
  size_t mlc_pairs() const { return mlc.size() / 2; }
};

// A part of the message that could not be decoded.
struct DecodeIssue {
  size_t offset = 0;  // byte offset in the message
  std::string what;
};

struct IcomMessage {
  std::string timestamp;  // "YYYY-MM-DDhh:mm:ss", linac clock, as sent
  uint8_t counter = 0;

  // Prescribed part. Patient ID and name are PHI: never log above debug.
  std::optional<std::string> patient_id, patient_name, rx_site, field_id, machine_id;

  // Run (delivered) part. Numbers are nullopt when absent or "no value".
  std::optional<std::string> radiation_type, energy, wedge, beam_timer, beam_description;
  std::optional<double> segment, total_mu, delivery_mu, backup_delivery_mu, segment_mu;
  std::optional<double> gantry_deg, collimator_deg, table_column_deg, table_isocentric_deg;
  std::optional<double> table_vertical, table_longitudinal, table_lateral;
  std::vector<std::string> interlocks;           // every 0x1016 occurrence, in order
  std::vector<std::string> previous_interlocks;  // every 0x1018 occurrence

  std::array<Collimation, kPartCount> collimation;  // [kPartR] is what was delivered

  size_t element_count = 0;  // elements decoded
  std::vector<DecodeIssue> issues;
};

}  // namespace qcflow::icom

#endif  // QCFLOW_INGEST_ICOM_ICOM_MESSAGE_H_
