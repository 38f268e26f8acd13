// LinacGenerator: a deterministic (seeded) stream of realistic iCom messages
// for one linac, encoded with MessageBuilder. Used by tests, benchmarks and
// `qcflow simulate-linac`.
//
// The stream alternates idle periods (no Patient ID; occasional interlocks)
// and patient sessions of several fields. Each field: setup messages with
// Delivery MU 0, then beam-on segments where Delivery MU ramps up (cumulative
// over the field; reset to 0 for the next field), the gantry arcs, the MLC
// moves; then a few beam-off messages. Every message carries P, S and R
// collimation (MLC + jaws), ≈8.6 KB with 80 pairs. Timestamps advance so that
// several messages share a second; the counter is +1 and wraps 255 -> 0.
//
// truth() records what was delivered, for delivery tests (faults other than
// garbage may make the stream disagree with it: compare with faults off).
#ifndef QCFLOW_INGEST_ICOM_SIM_LINAC_GENERATOR_H_
#define QCFLOW_INGEST_ICOM_SIM_LINAC_GENERATOR_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace qcflow::icom {

struct LinacFaults {
  double counter_gap_rate = 0;  // per message: skip 1-3 counter values
  double garbage_rate = 0;      // per message: 1-64 random bytes appended after it
  double truncate_rate = 0;     // per message: cut short at a random byte
};

struct LinacGeneratorConfig {
  uint64_t seed = 1;
  int64_t start_unix_seconds = 1767600000;  // 2026-01-05 08:00:00 UTC
  uint64_t messages = 1000;                 // 0 = unbounded
  int fields_per_patient = 4;
  int mlc_pairs = 80;  // 80 (Agility) or 40 (MLCi2)
  int messages_per_second = 4;
  uint8_t first_counter = 0;
  std::string machine_id = "LA1";
  LinacFaults faults;
};

// One field as delivered (sum of positive Delivery MU increments).
struct DeliveredField {
  std::string patient_id, patient_name, field_id, energy;
  double mu = 0;
  uint64_t first_message = 0, last_message = 0;  // message indexes (0-based)
};

struct GeneratorTruth {
  std::vector<DeliveredField> fields;  // only fields with MU > 0
  uint64_t counter_gaps = 0;           // counter values skipped in total
  uint64_t garbage_bytes = 0;
  uint64_t truncated_messages = 0;
};

class LinacGenerator {
 public:
  explicit LinacGenerator(LinacGeneratorConfig config);

  // Appends the next message (plus any fault bytes) to *out. Returns false,
  // appending nothing, once config.messages have been generated.
  bool Next(std::string* out);

  // Every message of `config`, one string each (tests and benchmarks).
  static std::vector<std::string> GenerateAll(const LinacGeneratorConfig& config);

  uint64_t generated() const { return index_; }
  const GeneratorTruth& truth() const { return truth_; }
  const LinacGeneratorConfig& config() const { return config_; }

 private:
  enum class Phase { kIdle, kSetup, kBeamOn, kBeamOff };

  double Uniform(double lo, double hi);
  bool Chance(double p) { return p > 0 && Uniform(0, 1) < p; }
  void Advance();  // moves the state machine one message on
  void StartSession();
  void StartField();
  std::string Build();

  LinacGeneratorConfig config_;
  std::mt19937_64 rng_;
  GeneratorTruth truth_;
  uint64_t index_ = 0;
  uint8_t counter_ = 0;

  Phase phase_ = Phase::kIdle;
  int phase_left_ = 0;  // messages left in kIdle/kSetup/kBeamOff
  std::string patient_id_, patient_name_, field_id_, energy_;
  int field_ = 0, segment_ = 0, segments_ = 0;
  double segment_mu_ = 0, segment_done_ = 0, total_mu_ = 0, delivered_mu_ = 0;
  double gantry_ = 0, gantry_step_ = 0, collimator_ = 0;
  double jaw_x_ = 10, jaw_y_ = 10, mlc_phase_ = 0;
  std::vector<std::string> interlocks_;
  bool field_recorded_ = false;
};

}  // namespace qcflow::icom

#endif  // QCFLOW_INGEST_ICOM_SIM_LINAC_GENERATOR_H_
