#include "bench/sample_histories.h"

#include <algorithm>

#include "process/common/sample_sessions_testing.h"
#include "process/icom/delivery_session.h"

namespace qcflow::bench {
namespace {

constexpr MicrosUtc kDay = 24 * 3600LL * kMicrosPerSecond;

}  // namespace

std::vector<QcSession> MpcHistory(int count, int per_day) {
  std::vector<QcSession> out;
  const QcSession base = testing::SampleMpcSession();
  for (int i = 0; i < count; ++i) {
    QcSession s = base;
    s.user_key = base.user_key + "/" + std::to_string(i);
    s.work_started = base.work_started + (i / per_day) * kDay + (i % per_day) * 60 * kMicrosPerSecond;
    s.work_completed = s.work_started + 30 * kMicrosPerSecond;
    // As a sink resolves them at delivery (the sample leaves them to the config).
    if (s.unit_name.empty()) s.unit_name = "TrueBeam " + s.machine.serial;
    if (s.test_list_name.empty()) s.test_list_name = "MPC " + s.procedure;
    for (TestResult& t : s.tests) {
      if (t.number) *t.number += 0.001 * (i % 97);
    }
    std::sort(s.tests.begin(), s.tests.end(),  // in key order, as the transforms write them
              [](const TestResult& a, const TestResult& b) { return a.key < b.key; });
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<QcSession> DeliveryHistory(int count, int per_day, const std::string& linac) {
  std::vector<QcSession> out;
  const MicrosUtc day0 = *ParseTimeArg("2024-01-01T07:00:00Z");
  for (int i = 0; i < count; ++i) {
    icom::Delivery d;
    d.linac = linac;
    d.machine_id = "2001";
    d.open = false;
    d.close_reason = icom::kCloseField;
    d.first_seq = uint64_t(i) * 60 + 1;
    d.last_seq = d.first_seq + 59;
    d.field_id = std::to_string(1 + i % 4);
    d.radiation_type = "PHOTON";
    d.beam_description = "Arc " + d.field_id;
    d.energies = {"6 MV"};
    d.start = day0 + (i / per_day) * kDay + (i % per_day) * 120 * kMicrosPerSecond;
    d.end = d.start + 90 * kMicrosPerSecond;
    d.mu = 100 + 0.1 * (i % 1000);
    d.prescribed_mu = d.mu;
    d.gantry_min = 0.5;
    d.gantry_max = 359.5;
    d.collimator_min = d.collimator_max = 30;
    d.segments = 1 + i % 120;
    out.push_back(icom::DeliverySession(d, "Europe/Berlin"));
  }
  return out;
}

}  // namespace qcflow::bench
