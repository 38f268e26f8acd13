// Delivery: what one linac delivered for one beam (field) of one patient
// session, summarised from its iCom messages, plus its versioned JSON
// encoding and the keys it is stored and indexed under.
//
// A delivery's identity is (linac, journal seq of its first message): stable
// across restarts and re-runs, so derived keys are deterministic.
//
// PHI: patient_id and patient_name are protected health information. They are
// stored (queries may show them to local authorised users) but must never be
// logged above debug or put into problem sentences.
#ifndef QCFLOW_PROCESS_ICOM_DELIVERY_H_
#define QCFLOW_PROCESS_ICOM_DELIVERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"
#include "store/time_util.h"

namespace qcflow::icom {

// Grouping options (shared by DeliveryBuilder and IcomTransform).
struct DeliveryOptions {
  // A delivery continues across a pause or reconnect (counter gap, capture
  // loss, messages missing) when the next message has the same patient, field
  // and energy and its timestamp is at most this many seconds after the last
  // one; beyond it (or when time runs backwards by more) a new delivery starts.
  int64_t max_gap_seconds = 120;
  // Delivery MU decreases smaller than this are read noise, not a reset.
  double mu_epsilon = 0.05;
  // Keep deliveries during which no MU was delivered (setup only). PyMedPhys
  // drops them; so does qcflow by default.
  bool keep_zero_mu = false;
};

// InvalidArgument naming the bad option.
Status ValidateDeliveryOptions(const DeliveryOptions& options);

// Why a delivery closed ("" while open). Persisted: never rename.
inline constexpr const char* kCloseIdle = "idle";            // message without Patient ID
inline constexpr const char* kClosePatient = "patient";      // another Patient ID
inline constexpr const char* kCloseField = "field";          // another Field ID
inline constexpr const char* kCloseEnergy = "energy";        // another energy after MU
inline constexpr const char* kCloseMuReset = "mu-reset";     // Delivery MU went back
inline constexpr const char* kCloseTimeGap = "time-gap";     // > max_gap_seconds apart

struct Delivery {
  std::string linac;
  uint64_t first_seq = 0, last_seq = 0;  // journal seqs of its first and last message
  bool open = true;
  std::string close_reason;  // one of kClose*; "" while open

  // Prescribed part (constant over a delivery, except rx_site/machine_id: the last seen).
  std::string patient_id, patient_name, rx_site, field_id, machine_id;
  std::string radiation_type, beam_description;  // last seen
  std::vector<std::string> energies;             // distinct, in order seen

  MicrosUtc start = 0, end = 0;        // event times (UTC) of first and last message
  std::string start_text, end_text;    // the linac clock's own text

  double mu = 0;                        // sum of positive Delivery MU increments
  std::optional<double> prescribed_mu;  // Total MU (last seen)
  std::optional<double> gantry_min, gantry_max, collimator_min, collimator_max;
  std::vector<std::string> interlocks;  // distinct, in order seen
  int segments = 0;                     // highest Segment number seen

  uint64_t messages = 0;
  uint8_t first_counter = 0, last_counter = 0;
  uint64_t counter_gaps = 0;      // counter values missing between its messages
  uint64_t continuations = 0;     // times it continued across a gap or reconnect
  uint64_t capture_losses = 0;    // capture-loss events seen while it was open
  uint64_t malformed = 0;         // its messages that had decode issues

  // Builder state, persisted so a restart continues exactly.
  std::optional<double> last_delivery_mu;
  std::optional<double> last_segment;

  // "<linac>/<first_seq>": how people and the CLI name a delivery.
  std::string Id() const;
};

// Compact JSON {"v":1,...}. Decode returns Corruption for bad JSON and
// Incompatible for another version.
std::string EncodeDelivery(const Delivery& d);
Result<Delivery> DecodeDelivery(std::string_view json);

// ---- Keys. Layouts (bytewise ordered; be64 = big-endian u64; time = start
// as an order-preserving be64; text with '\0' replaced by ' ' so that a
// separator is never ambiguous):
//   delivery key      linac \0 be64(first_seq)
//   by-time index     linac \0 time \0 be64(first_seq)
//   by-patient index  linac \0 patient_id \0 time \0 be64(first_seq)
//   by-field index    linac \0 field_id \0 time \0 be64(first_seq)
std::string DeliveryKey(std::string_view linac, uint64_t first_seq);
std::string DeliveryTimeIndexKey(const Delivery& d);
std::string DeliveryPatientIndexKey(const Delivery& d);
std::string DeliveryFieldIndexKey(const Delivery& d);

// [from, until) bounds of an index range: entries of `linac` (and `value`, the
// patient or field, when given) whose start lies in [since, until).
struct IndexRange {
  std::string from, until;
};
IndexRange DeliveryIndexRange(std::string_view linac, const std::optional<std::string>& value,
                              MicrosUtc since, MicrosUtc until);

}  // namespace qcflow::icom

#endif  // QCFLOW_PROCESS_ICOM_DELIVERY_H_
