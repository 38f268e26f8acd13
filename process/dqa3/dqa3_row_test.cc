// Column -> macro mapping of every schema version. Expected values are
// computed here from the payload's own numbers with the spec's formulas.
#include "process/dqa3/dqa3_row.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "process/dqa3/dqa3_test_rows.h"

namespace qcflow::dqa3 {
namespace {

using testing::BeamSpec;
using testing::EncodeTestPayload;
using testing::MakeTestRow;
using testing::TestRow;

Dqa3Row Parse(const TestRow& t) {
  auto r = ParseDqa3Payload(EncodeTestPayload(t));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Dqa3Row{};
}

const Dqa3Column& Col(const Dqa3Row& r, const std::string& name) {
  static const Dqa3Column kMissing{"<missing>", std::nullopt, std::nullopt};
  auto it = std::find_if(r.columns.begin(), r.columns.end(),
                         [&](const Dqa3Column& c) { return c.name == name; });
  if (it != r.columns.end()) return *it;
  ADD_FAILURE() << "no column " << name;
  return kMissing;
}

double N(const Dqa3Row& r, const std::string& name) {
  const Dqa3Column& c = Col(r, name);
  EXPECT_TRUE(c.number.has_value()) << name;
  return c.number.value_or(-1e300);
}

// (macro, 01.03 diff column) for the eight quantities.
const std::pair<const char*, const char*> kQ[] = {
    {"dose", "DOSE"},   {"axsym", "AXIALSYM"}, {"trsym", "TRSYM"},   {"qaflat", "QAFLAT"},
    {"xsize", "XSIZE"}, {"ysize", "YSIZE"},    {"xshift", "XSHIFT"}, {"yshift", "YSHIFT"}};

void ExpectAbsoluteStyle(const TestRow& t, const std::string& value_prefix,
                         const std::string& diff_prefix, bool atlas_case) {
  const Dqa3Row r = Parse(t);
  for (auto [macro, col] : kQ) {
    std::string name = col;
    if (atlas_case) {  // Atlas spells "Dose", "Axialsym", ...
      for (size_t i = 1; i < name.size(); ++i) name[i] = char(std::tolower(name[i]));
    }
    const double value = t.Num(value_prefix + name);
    const double diff = t.Num(diff_prefix + name);
    const double baseline =
        std::string(macro) == "dose" ? 100 * value / (100 + diff) : value - diff;
    EXPECT_DOUBLE_EQ(N(r, macro), value) << macro;
    EXPECT_DOUBLE_EQ(N(r, std::string(macro) + "_diff"), diff) << macro;
    EXPECT_DOUBLE_EQ(N(r, std::string(macro) + "_baseline"), baseline) << macro;
  }
}

TEST(Dqa3Row, Schema0103AbsoluteColumnsAndPhotonEnergy) {
  TestRow t = MakeTestRow("01.03", BeamSpec{});
  ExpectAbsoluteStyle(t, "tr.AB_", "tr.", false);
  const Dqa3Row r = Parse(t);
  EXPECT_DOUBLE_EQ(N(r, "energy"), t.Num("tr.PENERGY"));
  EXPECT_DOUBLE_EQ(N(r, "energy_diff"), t.Num("tr.PENERGY"));
  EXPECT_EQ(N(r, "energy_baseline"), 0.0);
  EXPECT_EQ(r.columns.size(), 7u + 9 * 3);  // context + 8 quantities + energy
}

TEST(Dqa3Row, Schema0103ElectronEnergyReadsEnergyColumn) {
  BeamSpec b;
  b.beam_type = "Electron";
  b.beam_name = "9 MeV";
  TestRow t = MakeTestRow("01.03", b);
  const Dqa3Row r = Parse(t);
  EXPECT_DOUBLE_EQ(N(r, "energy"), t.Num("tr.ENERGY"));
  EXPECT_NE(t.Num("tr.ENERGY"), t.Num("tr.PENERGY"));
  EXPECT_EQ(r.vars.at("beam_type"), "E");
}

TEST(Dqa3Row, Schema0104And0106RelativeColumns) {
  for (const char* schema : {"01.04", "01.06"}) {
    for (const char* type : {"Photon", "Electron"}) {
      BeamSpec b;
      b.beam_type = type;
      TestRow t = MakeTestRow(schema, b);
      const Dqa3Row r = Parse(t);
      for (auto [macro, col] : kQ) {
        std::string q = macro;
        for (char& c : q) c = char(std::toupper(c));
        EXPECT_EQ(N(r, macro), t.Num("tr.RESULTS_" + q)) << schema << macro;
        EXPECT_EQ(N(r, std::string(macro) + "_baseline"), t.Num("tr.REL_BASELINE_" + q));
        EXPECT_EQ(N(r, std::string(macro) + "_diff"), t.Num("tr.REL_DIFF_" + q));
      }
      const std::string energy =
          std::string(type) == "Electron" ? "tr.REL_DIFF_EENERGY" : "tr.REL_DIFF_XENERGY";
      EXPECT_EQ(N(r, "energy"), t.Num(energy)) << schema << type;
      EXPECT_EQ(N(r, "energy_diff"), t.Num(energy));
      EXPECT_EQ(N(r, "energy_baseline"), 0.0);
      const bool bsc = std::string(schema) == "01.06";
      EXPECT_EQ(r.columns.size(), 7u + 9 * 3 + (bsc ? 9 : 0)) << schema;
      if (bsc) {
        for (int n = 1; n <= 3; ++n) {
          const std::string s = std::to_string(n);
          EXPECT_EQ(N(r, "bsc" + s), t.Num("tr.RESULTS_BSC" + s));
          EXPECT_EQ(N(r, "bsc" + s + "_baseline"), t.Num("tr.REL_BASELINE_BSC" + s));
          EXPECT_EQ(N(r, "bsc" + s + "_diff"), t.Num("tr.REL_DIFF_BSC" + s));
        }
      }
    }
  }
}

TEST(Dqa3Row, AtlasMixedCaseColumnsAndFffFlag) {
  BeamSpec b;
  b.beam_type = "FFF";
  b.beam_name = "6 MV FFF DQA3 Daily";
  b.machine_id = 3;
  TestRow t = MakeTestRow("1.5", b);
  ExpectAbsoluteStyle(t, "data.AB", "data.", true);
  const Dqa3Row r = Parse(t);
  EXPECT_EQ(r.beam_type, "FFF");  // BeamType 'Photon' with BeamTypeFlag = 1
  EXPECT_EQ(r.vars.at("beam_type"), "FFF");
  EXPECT_DOUBLE_EQ(N(r, "energy"), t.Num("data.PENERGY"));
  EXPECT_EQ(r.machine_id, "3");
  EXPECT_EQ(r.data_key, "1");
  EXPECT_EQ(r.comment, "morning check");
  EXPECT_EQ(Col(r, "signature").text, "physicist");
  EXPECT_EQ(Col(r, "device").text, "DQA3-0042");
}

TEST(Dqa3Row, ContextColumnsAndTemplateVariables) {
  TestRow t = MakeTestRow("01.04", testing::WedgeBeam(4711, "Dynamic", 60));
  t.Set("tmpl.WEDGEORIENT", std::string("IN"));
  const Dqa3Row r = Parse(t);
  EXPECT_EQ(Col(r, "data_key").text, "4711");
  EXPECT_EQ(Col(r, "machine_name").text, "TrueBeam 1");
  EXPECT_EQ(Col(r, "room_name").text, "Bunker A");
  EXPECT_EQ(N(r, "temperature"), 21.5);
  EXPECT_EQ(N(r, "pressure"), 101.25);
  EXPECT_EQ(r.DisplayName(), "Bunker A/TrueBeam 1");
  const std::map<std::string, std::string> vars = {
      {"beam_name", "6MV EDW60"}, {"energy", "6.0"},        {"beam_type", "X"},
      {"wedge_type", "EDW"},      {"wedge_angle", "60"},    {"wedge_orient", "IN"},
      {"device", "DQA3-0042"},    {"machine_name", "TrueBeam 1"}, {"room_name", "Bunker A"}};
  EXPECT_EQ(r.vars, vars);

  t.Set("tmpl.WEDGETYPE", std::string("Hard")).Set("tmpl.WEDGEANGLE", int64_t(0));
  t.Set("room.TREE_NAME", nullptr).Set("tmpl.BEAMENERGY", 2.5);
  const Dqa3Row s = Parse(t);
  EXPECT_EQ(s.vars.at("wedge_type"), "Static");
  EXPECT_EQ(s.vars.at("wedge_angle"), "");
  EXPECT_EQ(s.vars.at("energy"), "2.5");
  EXPECT_EQ(s.DisplayName(), "TrueBeam 1");
  t.Set("tmpl.WEDGETYPE", std::string("None")).Set("tmpl.WEDGEANGLE", std::string("none"));
  EXPECT_EQ(Parse(t).vars.at("wedge_type"), "");
  EXPECT_EQ(Parse(t).vars.at("wedge_angle"), "");
}

TEST(Dqa3Row, NullsAndImpossibleFormulasHaveNoValue) {
  TestRow t = MakeTestRow("01.03", BeamSpec{});
  t.Set("tr.AB_TRSYM", nullptr).Set("tr.DOSE", -100.0).Set("data.SIGNATURE", nullptr);
  const Dqa3Row r = Parse(t);
  EXPECT_FALSE(Col(r, "trsym").number);
  EXPECT_FALSE(Col(r, "trsym_baseline").number);
  EXPECT_TRUE(Col(r, "trsym_diff").number);
  EXPECT_FALSE(Col(r, "dose_baseline").number);  // 100 + DOSE == 0
  EXPECT_EQ(N(r, "dose_diff"), -100.0);
  EXPECT_FALSE(Col(r, "signature").text);
  EXPECT_FALSE(Col(r, "signature").number);
}

TEST(Dqa3Row, TextThatIsNotAWholeNumberIsNoValueWithAProblem) {
  TestRow t = MakeTestRow("01.04", BeamSpec{});
  t.Set("tr.RESULTS_DOSE", std::string("1.02x")).Set("tr.REL_DIFF_XSIZE", std::string("0.5"));
  t.Set("data.TEMPERATURE", std::string(""));
  const Dqa3Row r = Parse(t);
  EXPECT_FALSE(Col(r, "dose").number);   // never 1.02
  EXPECT_EQ(N(r, "xsize_diff"), 0.5);    // a decimal as text is fine
  EXPECT_FALSE(Col(r, "temperature").number);  // blank: no value, not a problem
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0], "tr.RESULTS_DOSE is '1.02x', not a number; sent as no value");
  EXPECT_TRUE(Parse(MakeTestRow("01.04", BeamSpec{})).problems.empty());
}

TEST(Dqa3Row, RaceFlagAndTimes) {
  BeamSpec b;
  b.measured = "2024-05-01 07:12:33.250000";
  TestRow t = MakeTestRow("01.04", b);
  t.set_key_mismatch = true;
  const Dqa3Row r = Parse(t);
  EXPECT_TRUE(r.set_key_mismatch);
  EXPECT_EQ(r.work_started.micros, 250000);
  EXPECT_EQ(FormatCivil(r.work_started), "2024-05-01 07:12:33.250000");
  EXPECT_EQ(FormatCivil(CivilTime{2024, 5, 1, 7, 2, 3, 0}), "2024-05-01 07:02:03");
  EXPECT_EQ(PythonFloat(6.0), "6.0");
  EXPECT_EQ(PythonFloat(10.5), "10.5");
}

TEST(Dqa3Row, UnreadablePayloadsSayWhy) {
  EXPECT_FALSE(ParseDqa3Payload("not json").ok());
  EXPECT_FALSE(ParseDqa3Payload(R"({"v":1,"row":{}})").ok());
  EXPECT_FALSE(ParseDqa3Payload(R"({"v":2,"schema":"01.04","row":{}})").ok());
  TestRow t = MakeTestRow("01.04", BeamSpec{});
  t.schema = "02.00";
  auto bad = ParseDqa3Payload(EncodeTestPayload(t));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("02.00"), std::string::npos);
  t = MakeTestRow("01.04", BeamSpec{});
  t.Set("tr.DATA_KEY", nullptr);
  EXPECT_FALSE(ParseDqa3Payload(EncodeTestPayload(t)).ok());
  t = MakeTestRow("01.04", BeamSpec{});
  t.Set("tr.DATA_KEY", std::string(""));  // found by fuzz.dqa3_row: an empty id was accepted
  auto empty = ParseDqa3Payload(EncodeTestPayload(t));
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("has no tr.DATA_KEY"), std::string::npos) << empty.status().message();
  t = MakeTestRow("01.04", BeamSpec{});
  t.Set("mach.MACH_KEY", std::string(""));
  EXPECT_FALSE(ParseDqa3Payload(EncodeTestPayload(t)).ok());
  t = MakeTestRow("01.04", BeamSpec{});
  t.Set("tr.MEASURED_DATETIME", std::string("yesterday"));
  EXPECT_FALSE(ParseDqa3Payload(EncodeTestPayload(t)).ok());
}

}  // namespace
}  // namespace qcflow::dqa3
