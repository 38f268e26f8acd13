#include "ingest/icom/sim/linac_generator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "ingest/icom/encoder.h"

namespace qcflow::icom {
namespace {

constexpr const char* kEnergies[] = {"6X", "10X", "6FFF", "10FFF", "15X"};
constexpr const char* kLastNames[] = {"SMITH", "JONES", "MARTIN", "DUBOIS", "MULLER", "ROSSI"};
constexpr const char* kFirstNames[] = {"ANNA", "JOHN", "MARIE", "PAUL", "LENA", "OMAR"};
constexpr const char* kSites[] = {"PROSTATE", "BREAST L", "LUNG R", "H&N", "BRAIN"};
constexpr const char* kInterlocks[] = {"DOSE RATE", "DOOR OPEN", "GANTRY SPEED", "MLC POSN",
                                       "VACUUM", "SYMMETRY"};

std::string Fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

}  // namespace

LinacGenerator::LinacGenerator(LinacGeneratorConfig config)
    : config_(std::move(config)), rng_(config_.seed), counter_(config_.first_counter) {
  if (config_.mlc_pairs <= 0) config_.mlc_pairs = 80;
  if (config_.messages_per_second <= 0) config_.messages_per_second = 1;
  if (config_.fields_per_patient <= 0) config_.fields_per_patient = 1;
  phase_ = Phase::kIdle;
  phase_left_ = 3 + static_cast<int>(Uniform(0, 10));
}

double LinacGenerator::Uniform(double lo, double hi) {
  // Not std::uniform_real_distribution: its output differs between standard
  // libraries, and the stream must be the same everywhere for a given seed.
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  return lo + (hi - lo) * u;
}

void LinacGenerator::StartSession() {
  char id[16];
  std::snprintf(id, sizeof(id), "QC%06d", static_cast<int>(Uniform(0, 999999)));
  patient_id_ = id;
  patient_name_ = std::string(kLastNames[static_cast<int>(Uniform(0, 6))]) + ", " +
                  kFirstNames[static_cast<int>(Uniform(0, 6))];
  field_ = 0;
  StartField();
}

void LinacGenerator::StartField() {
  ++field_;
  field_id_ = std::to_string(field_);
  energy_ = kEnergies[static_cast<int>(Uniform(0, 5))];
  segments_ = 1 + static_cast<int>(Uniform(0, 4));
  segment_ = 1;
  segment_mu_ = std::round(Uniform(20, 80) * 10) / 10;
  segment_done_ = 0;
  total_mu_ = segment_mu_ * segments_;
  delivered_mu_ = 0;
  gantry_ = std::round(Uniform(0, 360));
  gantry_step_ = Uniform(-4, 4);
  collimator_ = std::round(Uniform(0, 8)) * 45 / 2;  // 0, 22.5, ... 180
  jaw_x_ = std::round(Uniform(3, 10) * 10) / 10;
  jaw_y_ = std::round(Uniform(3, 10) * 10) / 10;
  field_recorded_ = false;
  phase_ = Phase::kSetup;
  phase_left_ = 3 + static_cast<int>(Uniform(0, 4));
}

void LinacGenerator::Advance() {
  switch (phase_) {
    case Phase::kIdle:
      if (--phase_left_ > 0) return;
      StartSession();
      return;
    case Phase::kSetup:
      if (--phase_left_ > 0) return;
      phase_ = Phase::kBeamOn;
      return;
    case Phase::kBeamOn: {
      // MU advances a few per message; the segment's last step lands exactly.
      const double step = std::round(Uniform(2.5, 6) * 10) / 10;
      const double d = std::min(step, segment_mu_ - segment_done_);
      segment_done_ += d;
      delivered_mu_ = std::round((delivered_mu_ + d) * 10) / 10;
      gantry_ = std::fmod(gantry_ + gantry_step_ + 360, 360);
      mlc_phase_ += 0.15;
      if (segment_done_ >= segment_mu_ - 1e-9) {
        if (segment_ < segments_) {
          ++segment_;
          segment_done_ = 0;
        } else {
          phase_ = Phase::kBeamOff;
          phase_left_ = 2 + static_cast<int>(Uniform(0, 3));
        }
      }
      return;
    }
    case Phase::kBeamOff:
      if (--phase_left_ > 0) return;
      if (field_ < config_.fields_per_patient) {
        StartField();
      } else {
        patient_id_.clear();
        phase_ = Phase::kIdle;
        phase_left_ = 20 + static_cast<int>(Uniform(0, 40));
      }
      return;
  }
}

std::string LinacGenerator::Build() {
  const int64_t t = config_.start_unix_seconds +
                    static_cast<int64_t>(index_ / config_.messages_per_second);
  MessageBuilder b(FormatIcomTimestamp(t), counter_);
  const bool session = phase_ != Phase::kIdle;

  // Prescribed part.
  if (session) {
    b.Add(kGroupPatient, el::kPatientId, "LO", 'P', patient_id_);
    b.Add(kGroupPatient, el::kPatientName, "PN", 'P', patient_name_);
    b.Add(kGroupRt, el::kRxSite, "LO", 'P', kSites[patient_id_.back() % 5]);
    b.Add(kGroupRt, el::kFieldId, "LO", 'P', field_id_);
  }
  b.Add(kGroupRt, el::kMachineId, "SH", 'P', config_.machine_id);

  // Collimation, P and S (planned = set) then R with small delivered noise.
  const int n = config_.mlc_pairs;
  std::vector<double> mlc(2 * n);
  for (int i = 0; i < n; ++i) {
    const double opening = 1.5 + std::sin(mlc_phase_ + i * 0.2) * 1.2;
    mlc[2 * i] = -std::round(opening * 100) / 100;
    mlc[2 * i + 1] = std::round((opening + 0.3) * 100) / 100;
  }
  const double jx[2] = {-jaw_x_, jaw_x_}, jy[2] = {-jaw_y_, jaw_y_};
  for (char part : {'P', 'S', 'R'}) {
    if (part == 'R') {
      for (double& v : mlc) v = std::round((v + Uniform(-0.02, 0.02)) * 100) / 100;
    }
    b.AddCollimation(part, kCollimationMlcX, mlc);
    b.AddCollimation(part, kCollimationAsymX, jx);
    b.AddCollimation(part, kCollimationAsymY, jy);
  }

  // Run part.
  b.Add(kGroupRt, el::kRadiationType, "CS", 'R', session ? "PHOTON" : "");
  b.Add(kGroupRt, el::kEnergy, "SH", 'R', session ? energy_ : "");
  b.Add(kGroupRt, el::kWedge, "CS", 'R', "NONE");
  if (session) {
    b.AddNumber(kGroupRt, el::kSegment, 'R', segment_, 0);
    b.AddNumber(kGroupRt, el::kTotalMu, 'R', total_mu_, 1);
    b.AddNumber(kGroupRt, el::kDeliveryMu, 'R', delivered_mu_, 1);
    b.AddNumber(kGroupRt, el::kBackupDeliveryMu, 'R', delivered_mu_, 1);
    b.AddNumber(kGroupRt, el::kSegmentMu, 'R', segment_mu_, 1);
  } else {
    for (uint16_t e : {el::kSegment, el::kTotalMu, el::kDeliveryMu, el::kBackupDeliveryMu,
                       el::kSegmentMu}) {
      b.AddNoValue(kGroupRt, e, 'R');
    }
  }
  b.Add(kGroupRt, el::kBeamTimer, "SH", 'R', Fixed(delivered_mu_ / 6.0, 2));
  b.AddNumber(kGroupRt, el::kGantry, 'R', gantry_, 1);
  b.AddNumber(kGroupRt, el::kCollimator, 'R', collimator_, 1);
  b.AddNumber(kGroupRt, el::kTableColumn, 'R', 0, 1);
  b.AddNumber(kGroupRt, el::kTableIsocentric, 'R', 0, 1);
  b.AddNumber(kGroupRt, el::kTableVertical, 'R', -12.5, 1);
  b.AddNumber(kGroupRt, el::kTableLongitudinal, 'R', 104.2, 1);
  b.AddNumber(kGroupRt, el::kTableLateral, 'R', 0.3, 1);
  b.Add(kGroupRt, el::kBeamDescription, "SH", 'R', session ? "ARC " + field_id_ : "");
  b.AddInterlocks(interlocks_);
  return b.Finish();
}

std::vector<std::string> LinacGenerator::GenerateAll(const LinacGeneratorConfig& config) {
  LinacGenerator g(config);
  std::vector<std::string> out;
  std::string m;
  while (g.Next(&m)) {
    out.push_back(std::move(m));
    m.clear();
  }
  return out;
}

bool LinacGenerator::Next(std::string* out) {
  if (config_.messages != 0 && index_ >= config_.messages) return false;
  // Interlocks come and go, mostly while idle.
  if (phase_ == Phase::kIdle && Chance(0.05)) {
    interlocks_.assign(1 + static_cast<int>(Uniform(0, 2)), "");
    for (std::string& s : interlocks_) s = kInterlocks[static_cast<int>(Uniform(0, 6))];
  } else if (!interlocks_.empty() && Chance(0.3)) {
    interlocks_.clear();
  }

  std::string msg = Build();
  if (phase_ == Phase::kBeamOn || phase_ == Phase::kBeamOff) {
    if (!field_recorded_ && delivered_mu_ > 0) {
      truth_.fields.push_back({patient_id_, patient_name_, field_id_, energy_, 0, index_, index_});
      field_recorded_ = true;
    }
    if (field_recorded_) {
      truth_.fields.back().mu = delivered_mu_;
      truth_.fields.back().last_message = index_;
    }
  }
  if (Chance(config_.faults.truncate_rate)) {
    msg.resize(kHeaderSize + static_cast<size_t>(Uniform(0, msg.size() - kHeaderSize)));
    truth_.truncated_messages++;
  }
  out->append(msg);
  if (Chance(config_.faults.garbage_rate)) {
    const int n = 1 + static_cast<int>(Uniform(0, 64));
    for (int i = 0; i < n; ++i) out->push_back(static_cast<char>(rng_() & 0xFF));
    truth_.garbage_bytes += n;
  }

  ++index_;
  ++counter_;
  if (Chance(config_.faults.counter_gap_rate)) {
    const int gap = 1 + static_cast<int>(Uniform(0, 3));
    counter_ = static_cast<uint8_t>(counter_ + gap);
    truth_.counter_gaps += gap;
  }
  Advance();
  return true;
}

}  // namespace qcflow::icom
