// Test-only: sessions shaped as the transforms build them, for the tests of
// the sinks and formats that map sessions (export/quaac, export/quip).
#ifndef QCFLOW_PROCESS_COMMON_SAMPLE_SESSIONS_TESTING_H_
#define QCFLOW_PROCESS_COMMON_SAMPLE_SESSIONS_TESTING_H_

#include <string>

#include "process/common/qc_session.h"

namespace qcflow::testing {

// A test with a number, a name and a role (key = name).
TestResult NumberTest(const std::string& name, double v, TestRole role = TestRole::kMeasured,
                      const std::string& unit = "");

// As process/mpc builds one: machine by serial H191157 (Varian), zone
// Europe/Berlin, started 2024-07-01 07:30 local; tests
// IsoCenterGroup/IsoCenterSize 0.35 mm (threshold 0.5, beam 6x) and
// BeamGroup/BeamOutputChange 0.12 % (threshold 2, beam 6xFFF, fff), both
// evaluated "Pass", and one skipped test.
QcSession SampleMpcSession();

// As process/dqa3 builds a single session: machine "Room 1/TrueBeam" (id 7, no
// serial), device DQA3 77030074, signature "physicist", zone America/Phoenix,
// 2015-06-22 10:01:53 local; the values of shared/fixtures/quip's example
// (dose, axsym, trsym, qaflat, energy, xsize, ysize; beam "6 MV", energy 6,
// Photon), dose_baseline 100 (also dose's reference), dose_diff -0.99, and the
// context tests temperature 21.5, pressure 101.25 and signature (text).
QcSession SampleDqa3Session();

}  // namespace qcflow::testing

#endif  // QCFLOW_PROCESS_COMMON_SAMPLE_SESSIONS_TESTING_H_
