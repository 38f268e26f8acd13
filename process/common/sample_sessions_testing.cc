#include "process/common/sample_sessions_testing.h"

#include <map>
#include <utility>

namespace qcflow::testing {

TestResult NumberTest(const std::string& name, double v, TestRole role, const std::string& unit) {
  TestResult t;
  t.key = name;
  t.name = name;
  t.number = v;
  t.role = role;
  t.unit = unit;
  return t;
}

QcSession SampleMpcSession() {
  QcSession s;
  s.source_kind = "mpc";
  s.machine.serial = "H191157";
  s.machine.type = "linac";
  s.machine.manufacturer = "Varian";
  s.procedure = "BeamCheckTemplate6x";
  s.zone = "Europe/Berlin";
  s.work_started = *CivilToUtc({2024, 7, 1, 7, 30, 0, 0}, "Europe/Berlin");
  s.work_completed = s.work_started + kMicrosPerMinute;
  s.user_key = "MPC/H191157/2024-07-01";
  TestResult iso = NumberTest("IsoCenterGroup/IsoCenterSize", 0.35, TestRole::kMeasured, "mm");
  iso.key = "isocentergroup_isocentersize_mm_6x";
  iso.tolerance = 0.5;
  iso.parameters = {{"beam", "6x"}, {"energy", "6 MV"}, {"beam_type", "photon"}};
  TestResult out = NumberTest("BeamGroup/BeamOutputChange", 0.12, TestRole::kMeasured, "%");
  out.key = "beamgroup_beamoutputchange_per_6xfff";
  out.tolerance = 2.0;
  out.parameters = {{"beam", "6xFFF"}, {"energy", "6 MV"}, {"beam_type", "photon"}, {"fff", "true"}};
  iso.evaluation = out.evaluation = "Pass";
  TestResult skipped;
  skipped.key = "beamgroup_beamcenter_mm_6x";
  skipped.skipped = true;
  s.tests = {out, skipped, iso};  // sorted by key
  return s;
}

QcSession SampleDqa3Session() {
  QcSession s;
  s.source_kind = "dqa3";
  s.machine.name = "Room 1/TrueBeam";
  s.machine.id = "7";
  s.machine.type = "linac";
  s.device.type = "DQA3";
  s.device.serial = "77030074";
  s.procedure = "Daily QA3";
  s.performer = "physicist";
  s.zone = "America/Phoenix";
  s.work_started = *CivilToUtc({2015, 6, 22, 10, 1, 53, 0}, "America/Phoenix");
  s.work_completed = s.work_started;
  s.user_key = "QCPump/DQA3/7/2015-06-22 10:01:53/1";
  const std::map<std::string, std::string> beam = {{"beam_name", "6 MV"}, {"energy", "6"},
                                                   {"beam_type", "Photon"}};
  for (auto [name, v] : {std::pair{"dose", 99.0037868714}, {"axsym", -0.8701425304},
                         {"trsym", 0.4561136489}, {"qaflat", 0.886141453}, {"energy", -375.539450061},
                         {"xsize", 19.919536296}, {"ysize", 19.8906157198}}) {
    TestResult t = NumberTest(name, v);
    t.parameters = beam;
    s.tests.push_back(t);
  }
  s.tests[0].reference = 100.0;
  TestResult base = NumberTest("dose_baseline", 100.0, TestRole::kReference);
  TestResult diff = NumberTest("dose_diff", -0.99, TestRole::kDeviation);
  base.measure = diff.measure = "dose";
  base.parameters = diff.parameters = beam;
  TestResult sig;
  sig.key = sig.name = "signature";
  sig.text = "physicist";
  sig.role = TestRole::kContext;
  for (TestResult t : {base, diff, NumberTest("temperature", 21.5, TestRole::kContext),
                       NumberTest("pressure", 101.25, TestRole::kContext), sig}) {
    s.tests.push_back(std::move(t));
  }
  return s;
}

}  // namespace qcflow::testing
