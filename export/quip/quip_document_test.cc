#include "export/quip/quip_document.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "export/quip/quip_reader.h"
#include "process/common/sample_sessions_testing.h"

namespace qcflow::quip {
namespace {

using json = nlohmann::json;

using testing::SampleDqa3Session;
using testing::SampleMpcSession;

TEST(QuipDocument, UnitsAndCodes) {
  EXPECT_EQ(QuipUnitOf("mm").name, "CENTIMETERS");
  EXPECT_EQ(QuipUnitOf("mm").shift, -1);
  EXPECT_EQ(QuipUnitOf("%").name, "PERCENTAGE");
  EXPECT_EQ(QuipUnitOf("°").name, "DEGREES");
  EXPECT_EQ(QuipUnitOf("cGy").name, "CENTIGRAY");
  EXPECT_EQ(QuipUnitOf("Gy").shift, 2);
  EXPECT_EQ(ShiftDecimal(0.35, -1), 0.035);  // not 0.35 * 0.1 = 0.034999999999999996
  EXPECT_EQ(ShiftDecimal(1.23, 2), 123.0);
  EXPECT_EQ(ShiftDecimal(-2.5e-300, -1), -2.5e-301);
  EXPECT_EQ(QuipUnitOf("MU").name, "MONITOR_UNIT");
  EXPECT_EQ(QuipUnitOf("°C").name, "CELSIUS");
  EXPECT_EQ(QuipUnitOf("").name, "");
  EXPECT_EQ(QuipUnitOf("nC").name, "nC");
  EXPECT_EQ(QuipCode("axialsym"), "AXIAL_SYMMETRY");
  EXPECT_EQ(QuipCode("dose"), "DOSE");
  EXPECT_EQ(QuipCode("BeamGroup/BeamOutputChange"), "BEAMGROUP_BEAMOUTPUTCHANGE");
}

TEST(QuipDocument, Dqa3SessionMapsToOneTest) {
  Document doc;
  ASSERT_TRUE(AppendSession(SampleDqa3Session(), &doc).ok());
  ASSERT_EQ(doc.machines.size(), 1u);
  const Machine& m = doc.machines[0];
  EXPECT_EQ(m.serial, "");
  EXPECT_EQ(m.alternate_keys, (std::vector<KeyValue>{{"dqa3-id", "7"}, {"linac-name", "Room 1/TrueBeam"}}));
  EXPECT_EQ(m.configuration, (std::vector<ConfigValue>{{"BEAM_NAME", "", "6 MV"},
                                                       {"BEAM_TYPE", "", "Photon"},
                                                       {"ENERGY", "MV", "6"}}));
  ASSERT_EQ(m.tests.size(), 1u);
  const MachineTest& t = m.tests[0];
  EXPECT_EQ(t.performed_on, "22 Jun 2015 10:01:53 -0700");
  EXPECT_EQ(t.device_type, "DQA3");
  EXPECT_EQ(t.device_serial, "77030074");
  EXPECT_EQ(t.temperature, (Quantity{"", 21.5}));
  EXPECT_EQ(t.pressure, (Quantity{"", 101.25}));
  ASSERT_EQ(t.data_values.size(), 9u);
  EXPECT_EQ(t.data_values[0], (DataValue{.code = "DOSE", .value = 99.0037868714}));
  EXPECT_EQ(t.data_values[7], (DataValue{.code = "DOSE", .is_baseline = true, .value = 100.0}));
  EXPECT_EQ(t.data_values[8], (DataValue{.code = "DOSE", .raw = false, .value = -0.99}));
}

TEST(QuipDocument, MpcSessionConvertsMillimetresAndKeepsBeamsAsAttributes) {
  Document doc;
  ASSERT_TRUE(AppendSession(SampleMpcSession(), &doc).ok());
  ASSERT_EQ(doc.machines.size(), 1u);
  const Machine& m = doc.machines[0];
  EXPECT_EQ(m.serial, "H191157");
  EXPECT_TRUE(m.alternate_keys.empty());
  EXPECT_EQ(m.configuration, (std::vector<ConfigValue>{{"BEAM_TYPE", "", "photon"}, {"ENERGY", "MV", "6"}}));
  const MachineTest& t = m.tests[0];
  EXPECT_EQ(t.performed_on, "01 Jul 2024 07:30:00 +0200");
  ASSERT_EQ(t.data_values.size(), 2u);  // the skipped test is not written
  EXPECT_EQ(t.data_values[0].code, "BEAMGROUP_BEAMOUTPUTCHANGE");
  EXPECT_EQ(t.data_values[0].unit, "PERCENTAGE");
  EXPECT_EQ(t.data_values[0].attributes, (std::vector<KeyValue>{{"beam", "6xFFF"}, {"fff", "true"}}));
  EXPECT_EQ(t.data_values[1].code, "ISOCENTERGROUP_ISOCENTERSIZE");
  EXPECT_EQ(t.data_values[1].unit, "CENTIMETERS");
  EXPECT_EQ(t.data_values[1].value, 0.035);
  EXPECT_EQ(t.data_values[1].attributes, (std::vector<KeyValue>{{"beam", "6x"}}));
}

TEST(QuipDocument, SessionsOfOneMachineAndConfigurationShareItsEntry) {
  Document doc;
  ASSERT_TRUE(AppendSession(SampleDqa3Session(), &doc).ok());
  ASSERT_TRUE(AppendSession(SampleDqa3Session(), &doc).ok());
  QcSession electrons = SampleDqa3Session();
  for (TestResult& t : electrons.tests) {
    if (t.parameters.count("energy")) t.parameters = {{"energy", "9"}, {"beam_type", "Electron"}};
  }
  ASSERT_TRUE(AppendSession(electrons, &doc).ok());
  ASSERT_EQ(doc.machines.size(), 2u);
  EXPECT_EQ(doc.machines[0].tests.size(), 2u);
  EXPECT_EQ(doc.machines[1].configuration.back(), (ConfigValue{"ENERGY", "MeV", "9"}));
  QcSession nameless = SampleDqa3Session();
  nameless.machine = {};
  EXPECT_FALSE(AppendSession(nameless, &doc).ok());
  EXPECT_EQ(doc.machines.size(), 2u);
}

TEST(QuipDocument, RoundTripsThroughTheReader) {
  Document doc;
  ASSERT_TRUE(AppendSession(SampleDqa3Session(), &doc).ok());
  ASSERT_TRUE(AppendSession(SampleMpcSession(), &doc).ok());
  auto back = ReadQuipJson(WriteQuipJson(doc));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, doc);
}

// Keys of every object at each level: a level's keys are the union over its
// objects; arrays descend into their elements.
using Levels = std::map<std::string, std::set<std::string>>;
void CollectKeys(const json& v, const std::string& path, Levels* out) {
  if (v.is_array()) {
    for (const json& e : v) CollectKeys(e, path + "[]", out);
  } else if (v.is_object()) {
    auto& keys = (*out)[path];
    for (const auto& [k, e] : v.items()) {
      keys.insert(k == "is-basline" ? "is-baseline" : k);  // the example's typo
      CollectKeys(e, path + "/" + k, out);
    }
  }
}

TEST(QuipDocument, Dqa3OutputHasTheExamplesShape) {
  std::ifstream in(std::string(QCFLOW_QUIP_FIXTURES) + "/JSON_data_example.json");
  ASSERT_TRUE(in) << "tests/fixtures/quip/JSON_data_example.json";
  std::stringstream example;
  example << in.rdbuf();
  Levels want, got;
  CollectKeys(json::parse(example.str()), "", &want);
  Document doc;
  ASSERT_TRUE(AppendSession(SampleDqa3Session(), &doc).ok());
  CollectKeys(json::parse(WriteQuipJson(doc)), "", &got);
  // Differences by design (docs/export-formats.md): a DQA3 machine has no
  // serial, so its alternate keys identify it; the example's "alt" unit of
  // ENERGY is not written; temperature/pressure are objects here (the example
  // has nulls); qcflow knows no field size, so the groups list is empty; the
  // DQA3 diffs are deviations, written under the spec's "test-value-code"
  // (the example holds raw values only).
  EXPECT_EQ(got["/machines[]/tests[]/data-values[]"].erase("test-value-code"), 1u);
  got["/machines[]"].erase("alternate-mapping-key-value-pairs");
  got.erase("/machines[]/alternate-mapping-key-value-pairs[]");
  want["/machines[]/configuration/machine-configuration-values[]"].erase("alt");
  got.erase("/machines[]/tests[]/temperature");
  got.erase("/machines[]/tests[]/temperature/units");
  got.erase("/machines[]/tests[]/atmospheric-pressure");
  got.erase("/machines[]/tests[]/atmospheric-pressure/units");
  want.erase("/machines[]/configuration/machine-configuration-value-groups[]");
  want.erase("/machines[]/configuration/machine-configuration-value-groups[]/machine-configuration-values[]");
  EXPECT_EQ(got, want);
  // The levels compared: root, machine, configuration, its values, test, device, data value.
  EXPECT_EQ(want.size(), 7u);
}

}  // namespace
}  // namespace qcflow::quip
