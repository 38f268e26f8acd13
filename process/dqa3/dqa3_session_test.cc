#include "process/dqa3/dqa3_session.h"

#include <gtest/gtest.h>

#include "process/dqa3/dqa3_test_rows.h"

namespace qcflow::dqa3 {
namespace {

using testing::BeamSpec;
using testing::EncodeTestPayload;
using testing::MakeTestRow;
using testing::TestRow;

constexpr const char* kZone = "Europe/Berlin";  // UTC+2 in May

SeqRow Row(const TestRow& t, uint64_t seq) {
  auto r = ParseDqa3Payload(EncodeTestPayload(t));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return {seq, r.ok() ? *r : Dqa3Row{}};
}

Dqa3SessionOptions Options(const std::string& tmpl) {
  Dqa3SessionOptions o;
  o.test_list_template = tmpl;
  o.zone = kZone;
  o.source_id = "dqa3-main";
  return o;
}

const TestResult* Find(const QcSession& s, const std::string& macro) {
  for (const TestResult& t : s.tests) {
    if (t.key == macro) return &t;
  }
  return nullptr;
}

MicrosUtc Berlin(int h, int m, int s) { return *CivilToUtc({2024, 5, 1, h, m, s, 0}, kZone); }

TEST(Dqa3Session, SingleRowIsOneQcpumpCompatibleSession) {
  TestRow t = MakeTestRow("01.04", testing::WedgeBeam(123, "EDW", 60));
  t.Set("data.COMMENTS", std::string("chamber warm"));
  auto s = BuildSingleSession(
      Row(t, 9), UnitRef::Named("TB1"),
      Options("DQA3 {{ energy }}{{ beam_type }} {{ wedge_type }}{{ wedge_angle }} @ {{ room_name }}"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->user_key, "QCPump/DQA3/7/2024-05-01 07:12:33/123");
  EXPECT_EQ(s->test_list_name, "DQA3 6.0X EDW60 @ Bunker A");
  EXPECT_EQ(s->unit_name, "TB1");
  EXPECT_EQ(s->source_kind, "dqa3");
  EXPECT_EQ(s->source_id, "dqa3-main");
  EXPECT_EQ(s->work_started, Berlin(7, 12, 33));  // 05:12:33 UTC
  EXPECT_EQ(s->work_completed, Berlin(7, 13, 33));
  EXPECT_EQ(s->comment, "chamber warm");
  EXPECT_EQ(s->source_seqs, std::vector<uint64_t>{9});
  ASSERT_NE(Find(*s, "dose"), nullptr);
  EXPECT_EQ(Find(*s, "dose")->number, t.Num("tr.RESULTS_DOSE"));
  EXPECT_EQ(Find(*s, "data_key")->text, "123");
  EXPECT_EQ(Find(*s, "device")->text, "DQA3-0042");
  EXPECT_EQ(Find(*s, "energy_baseline")->number, 0.0);
  EXPECT_TRUE(std::is_sorted(s->tests.begin(), s->tests.end(),
                             [](const TestResult& a, const TestResult& c) { return a.key < c.key; }));
}

// The neutral description: machine, device, performer, and which columns are
// measures, their baselines and deviations, or context.
TEST(Dqa3Session, DescribesMeasuresBaselinesAndContext) {
  TestRow t = MakeTestRow("01.04", testing::WedgeBeam(123, "EDW", 60));
  auto s = BuildSingleSession(Row(t, 9), UnitRef::Named("TB1"), Options("DQA3"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->machine.name, "Bunker A/TrueBeam 1");
  EXPECT_EQ(s->machine.id, "7");
  EXPECT_EQ(s->machine.type, "linac");
  EXPECT_EQ(s->device.serial, "DQA3-0042");
  EXPECT_EQ(s->device.type, "Daily QA 3");
  EXPECT_EQ(s->performer, "physicist");
  EXPECT_EQ(s->procedure, "Daily QA3");
  EXPECT_EQ(s->zone, kZone);
  const TestResult* dose = Find(*s, "dose");
  ASSERT_NE(dose, nullptr);
  EXPECT_EQ(dose->role, TestRole::kMeasured);
  EXPECT_EQ(dose->name, "dose");
  EXPECT_EQ(dose->reference, Find(*s, "dose_baseline")->number);
  EXPECT_EQ(dose->parameters.at("beam_name"), s->test_list_vars.at("beam_name"));
  EXPECT_EQ(dose->parameters.at("wedge_angle"), "60");
  EXPECT_EQ(Find(*s, "dose_baseline")->role, TestRole::kReference);
  EXPECT_EQ(Find(*s, "dose_baseline")->measure, "dose");
  EXPECT_EQ(Find(*s, "dose_diff")->role, TestRole::kDeviation);
  EXPECT_EQ(Find(*s, "dose_diff")->measure, "dose");
  for (const char* context : {"data_key", "signature", "device", "temperature", "pressure"}) {
    ASSERT_NE(Find(*s, context), nullptr) << context;
    EXPECT_EQ(Find(*s, context)->role, TestRole::kContext) << context;
    EXPECT_TRUE(Find(*s, context)->parameters.empty()) << context;
  }
  // Grouped: the measure of a baseline is the measure's key with the beam.
  auto g = BuildGroupedSession({Row(t, 9)}, "2024-05-01-07-00", 0, UnitRef::Named("TB1"),
                               Options("DQA3"));
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const TestResult* baseline = nullptr;
  for (const TestResult& test : g->tests) {
    if (test.name == "dose_baseline") baseline = &test;
  }
  ASSERT_NE(baseline, nullptr);
  EXPECT_NE(Find(*g, baseline->measure), nullptr) << baseline->measure;
  EXPECT_EQ(Find(*g, baseline->measure)->name, "dose");
}

// What a sink needs to resolve unit and test list again from the current config.
TEST(Dqa3Session, KeepsTheMachineNamesAndTemplateInputsForDelivery) {
  const SeqRow row = Row(MakeTestRow("01.04", BeamSpec{}), 1);
  auto s = BuildSingleSession(row, UnitRef::Numbered(12), Options("Daily QA3 Results: {{ beam_name }}"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->unit_number, 12);
  EXPECT_EQ(s->unit_name, "") << "a number is not a name";
  EXPECT_EQ(s->machine_names, (std::vector<std::string>{"Bunker A/TrueBeam 1", "TrueBeam 1", "7"}));
  EXPECT_EQ(s->test_list_vars, row.row.vars);
  EXPECT_EQ(s->test_list_vars.at("beam_name"), "6 MV");
  auto g = BuildGroupedSession({row}, "2024-05-01-07-00", 0, UnitRef::Named("TB1"),
                               Options("DQA3 {{ room_name }}"));
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->unit_name, "TB1");
  EXPECT_EQ(g->machine_names, s->machine_names);
  EXPECT_EQ(g->test_list_vars,
            (std::map<std::string, std::string>{{"machine_name", "TrueBeam 1"}, {"room_name", "Bunker A"}}));
}

TEST(Dqa3Session, NullIsSkippedAndRaceWarningLeadsTheComment) {
  TestRow t = MakeTestRow("01.03", BeamSpec{});
  t.Set("tr.AB_XSIZE", nullptr).Set("data.COMMENTS", std::string("ok"));
  t.set_key_mismatch = true;
  auto s = BuildSingleSession(Row(t, 1), UnitRef::Named("TB1"), Options("Daily QA3 Results: {{ beam_name }}"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->test_list_name, "Daily QA3 Results: 6 MV");
  ASSERT_NE(Find(*s, "xsize"), nullptr);
  EXPECT_TRUE(Find(*s, "xsize")->skipped);
  EXPECT_FALSE(Find(*s, "xsize")->number);
  EXPECT_EQ(s->comment.rfind("WARNING", 0), 0u) << s->comment;
  EXPECT_NE(s->comment.find("temperature, pressure, comment, signature and device"),
            std::string::npos);
  EXPECT_EQ(s->comment.substr(s->comment.size() - 3), "\nok");
}

TEST(Dqa3Session, GroupedSlugsMacrosAndLastMeasurementOfABeamWins) {
  BeamSpec edw;
  edw.data_key = 11;
  edw.beam_name = "6 MV EDW60";
  edw.measured = "2024-05-01 07:00:10";
  BeamSpec fff;
  fff.data_key = 12;
  fff.beam_name = "6 FFF";
  fff.beam_type = "FFF";
  fff.measured = "2024-05-01 07:05:00";
  BeamSpec again = edw;  // the EDW beam measured a second time
  again.data_key = 13;
  again.measured = "2024-05-01 07:09:30";
  TestRow t_edw = MakeTestRow("01.06", edw);
  const TestRow t_fff = MakeTestRow("01.06", fff);
  TestRow t_again = MakeTestRow("01.06", again);
  t_edw.Set("data.SIGNATURE", std::string("first physicist"));
  t_again.Set("data.SIGNATURE", std::string("later physicist"));
  // Fed out of time order: time decides, not the order given.
  auto s = BuildGroupedSession({Row(t_again, 30), Row(t_fff, 20), Row(t_edw, 10)},
                               "2024-05-01-07-00", 0, UnitRef::Named("TB1"), Options("DQA3 {{ machine_name }}"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->user_key, "QCPump/DQA3/7/2024-05-01-07-00");
  EXPECT_EQ(s->test_list_name, "DQA3 TrueBeam 1");
  EXPECT_EQ(s->work_started, Berlin(7, 0, 10));
  EXPECT_EQ(s->work_completed, Berlin(7, 9, 30));
  EXPECT_EQ(s->source_seqs, (std::vector<uint64_t>{10, 20, 30}));
  EXPECT_EQ(s->performer, "first physicist") << "the earliest row's, not the first given";
  ASSERT_NE(Find(*s, "dose_6_mv_edw60"), nullptr);
  EXPECT_EQ(Find(*s, "dose_6_mv_edw60")->number, t_again.Num("tr.RESULTS_DOSE"));
  EXPECT_NE(t_again.Num("tr.RESULTS_DOSE"), t_edw.Num("tr.RESULTS_DOSE"));
  EXPECT_EQ(Find(*s, "data_key_6_mv_edw60")->text, "13");
  ASSERT_NE(Find(*s, "bsc2_6_fff"), nullptr);
  EXPECT_EQ(Find(*s, "bsc2_6_fff")->number, t_fff.Num("tr.RESULTS_BSC2"));
  EXPECT_EQ(Find(*s, "bsc2_baseline_6_fff")->number, t_fff.Num("tr.REL_BASELINE_BSC2"));
  // two beams x (7 context + 27 results + 9 bsc)
  EXPECT_EQ(s->tests.size(), 2u * 43);
  EXPECT_FALSE(s->amendment);
}

TEST(Dqa3Session, GroupedCompletedIsAtLeastOneMinuteAndAmendmentsAreNumbered) {
  BeamSpec b;
  b.measured = "2024-05-01 07:00:00";
  auto s = BuildGroupedSession({Row(MakeTestRow("01.04", b), 1)}, "2024-05-01-07-00", 2, UnitRef::Named("TB1"),
                               Options("Daily QA3 Results"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->work_completed, Berlin(7, 1, 0));
  EXPECT_EQ(s->user_key, "QCPump/DQA3/7/2024-05-01-07-00/amend-2");
  EXPECT_TRUE(s->amendment);
  BeamSpec other = b;
  other.machine_id = 8;
  EXPECT_FALSE(BuildGroupedSession({Row(MakeTestRow("01.04", b), 1),
                                    Row(MakeTestRow("01.04", other), 2)},
                                   "2024-05-01-07-00", 0, UnitRef::Named("TB1"), Options("x"))
                   .ok());
}

}  // namespace
}  // namespace qcflow::dqa3
