#include "process/mpc/session_builder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace qcflow::mpc {
namespace {

ResultRow Row(const std::string& name, std::optional<double> value,
              std::optional<double> threshold = 0.5, const std::string& eval = "Pass",
              bool per_leaf = false) {
  ResultRow r;
  r.name = name;
  r.value = value;
  r.threshold = threshold;
  r.evaluation = eval;
  r.per_leaf = per_leaf;
  return r;
}

// A run of serial 1234 as the ingest side would hand it over.
RunResults MakeRun(uint64_t seq, CivilTime t, const std::string& beam_label,
                   std::vector<ResultRow> rows, CheckType type = CheckType::kBeamAndGeometry) {
  RunResults r;
  r.seq = seq;
  r.folder.serial = "1234";
  r.folder.run_time = t;
  r.folder.beam_label = beam_label;
  r.folder.check_type = type;
  r.folder.name = "NDS-WKS-SN1234-run-" + std::to_string(seq);
  r.path = "/tds/TB1234/MPCChecks/" + r.folder.name + "/Results.csv";
  r.table.rows = std::move(rows);
  return r;
}

RunGroup GroupOf(const std::vector<RunResults>& runs, int amendment = 0) {
  RunGroup g;
  g.serial = "1234";
  g.check_type = runs.front().folder.check_type;
  g.open = runs.front().folder.run_time;
  g.window_key = WindowKey(g.open);
  g.amendment = amendment;
  for (const RunResults& r : runs) {
    MpcRun m;
    m.serial = r.folder.serial;
    m.check_type = r.folder.check_type;
    m.run_time = r.folder.run_time;
    m.folder = r.folder.name;
    m.seq = r.seq;
    g.runs.push_back(m);
  }
  return g;
}

const TestResult* Find(const QcSession& s, const std::string& macro) {
  for (const TestResult& t : s.tests) {
    if (t.key == macro) return &t;
  }
  return nullptr;
}

std::vector<RunResults> TwoRuns() {
  return {
      MakeRun(11, {2020, 11, 6, 7, 0, 0, 0}, "6X",
              {Row("IsoCenterGroup/IsoCenterSize [mm]", 0.3),
               Row("GantryGroup/GantryAbsolute [\xC2\xB0]", -0.09, 0.3),
               Row("CollimationGroup/MLCGroup/MLCLeavesA/MLCLeaf1 [mm]", 0.01, 1.0, "Pass", true),
               Row("CouchGroup/CouchLat [mm]", std::nullopt, std::nullopt, "")}),
      MakeRun(12, {2020, 11, 6, 7, 4, 31, 0}, "6FFF",
              {Row("BeamGroup/BeamOutputChange [%]", -0.17, 2.0),
               Row("BeamGroup/BeamUniformityChange [%]", 1.25, std::nullopt, "Fail")}),
  };
}

// The neutral description a non-QATrack+ sink reads: what the row says,
// not what the slug keeps of it.
TEST(SessionBuilder, DescribesMachineAndTestsNeutrally) {
  auto runs = TwoRuns();
  runs[1].folder.energy = "6";  // as ParseRunFolder reads "...-6xFFF"
  runs[1].folder.fff = true;
  SessionOptions o;
  o.site_zone = "Europe/Berlin";
  auto s = BuildMpcSession(GroupOf(runs), runs, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->machine.serial, "1234");
  EXPECT_EQ(s->machine.type, "linac");
  EXPECT_EQ(s->machine.manufacturer, "Varian");
  EXPECT_EQ(s->procedure, "Beam and Geometry Checks");
  EXPECT_EQ(s->zone, "Europe/Berlin");
  const TestResult* output = Find(*s, "beamgroup_beamoutputchange_per_6fff");
  ASSERT_NE(output, nullptr);
  EXPECT_EQ(output->name, "BeamGroup/BeamOutputChange");
  EXPECT_EQ(output->unit, "%");
  EXPECT_EQ(output->tolerance, 2.0);
  EXPECT_EQ(output->evaluation, "Pass");
  EXPECT_EQ(output->role, TestRole::kMeasured);
  EXPECT_EQ(output->parameters.at("beam"), "6FFF");
  EXPECT_EQ(output->parameters.at("energy"), "6 MV");
  EXPECT_EQ(output->parameters.at("fff"), "true");
  const TestResult* gantry = Find(*s, "gantrygroup_gantryabsolute_deg_6x");
  ASSERT_NE(gantry, nullptr);
  EXPECT_EQ(gantry->name, "GantryGroup/GantryAbsolute");
  EXPECT_EQ(gantry->unit, "\xC2\xB0");
  EXPECT_EQ(gantry->tolerance, 0.3);
  EXPECT_EQ(gantry->parameters.count("fff"), 0u);
  EXPECT_EQ(gantry->parameters.count("energy"), 0u) << "an unknown energy is not written";
  const TestResult* uniformity = Find(*s, "beamgroup_beamuniformitychange_per_6fff");
  ASSERT_NE(uniformity, nullptr);
  EXPECT_EQ(uniformity->tolerance, std::nullopt) << "a blank threshold is no tolerance";
  EXPECT_EQ(uniformity->evaluation, "Fail");
  // It survives the journal's encoding.
  auto decoded = DecodeQcSession(EncodeQcSession(*s));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->tests[0].unit, "%");
  EXPECT_EQ(decoded->machine.manufacturer, "Varian");
}

TEST(SessionBuilder, BuildsQcPumpCompatibleSession) {
  auto runs = TwoRuns();
  SessionOptions o;
  o.site_zone = "Europe/Berlin";  // UTC+1 in November
  o.source_id = "/tds";
  auto s = BuildMpcSession(GroupOf(runs), runs, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->source_kind, "mpc");
  EXPECT_EQ(s->source_id, "/tds");
  EXPECT_EQ(s->machine.serial, "1234");
  EXPECT_EQ(s->unit_name, "");
  EXPECT_EQ(s->test_list_name, "MPC: Beam and Geometry Checks");
  EXPECT_EQ(s->user_key, "QCPump/MPC/1234/2020-11-06-07-00/Beam and Geometry Checks");
  EXPECT_FALSE(s->amendment);
  EXPECT_EQ(FormatUtcIso(s->work_started), "2020-11-06T06:00:00Z");
  EXPECT_EQ(FormatUtcIso(s->work_completed), "2020-11-06T06:04:31Z");

  ASSERT_EQ(s->tests.size(), 5u);  // the per-leaf row is left out
  EXPECT_EQ(s->tests[0].key, "beamgroup_beamoutputchange_per_6fff");
  EXPECT_EQ(*s->tests[0].number, -0.17);
  EXPECT_EQ(s->tests[1].key, "beamgroup_beamuniformitychange_per_6fff");
  EXPECT_EQ(s->tests[2].key, "couchgroup_couchlat_mm_6x");
  EXPECT_TRUE(s->tests[2].skipped);
  EXPECT_FALSE(s->tests[2].number.has_value());
  EXPECT_EQ(s->tests[3].key, "gantrygroup_gantryabsolute_deg_6x");
  EXPECT_EQ(*s->tests[3].number, -0.09);
  EXPECT_EQ(s->tests[4].key, "isocentergroup_isocentersize_mm_6x");
  EXPECT_EQ(*s->tests[4].number, 0.3);
  for (const TestResult& t : s->tests) EXPECT_EQ(t.comment, "") << t.key;  // off by default
  EXPECT_EQ(s->comment, "");
  EXPECT_EQ(s->source_seqs, (std::vector<uint64_t>{11, 12}));
  ASSERT_EQ(s->source_files.size(), 2u);
  EXPECT_EQ(s->source_files[0], "/tds/TB1234/MPCChecks/NDS-WKS-SN1234-run-11/Results.csv");
  EXPECT_TRUE(ValidateQcSession(*s).ok());
  // Survives the store.
  auto d = DecodeQcSession(EncodeQcSession(*s));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(EncodeQcSession(*d), EncodeQcSession(*s));
}

TEST(SessionBuilder, CommentsWhenEnabled) {
  auto runs = TwoRuns();
  SessionOptions o;
  o.include_test_comments = true;
  o.include_fileset_comment = true;
  auto s = BuildMpcSession(GroupOf(runs), runs, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(Find(*s, "isocentergroup_isocentersize_mm_6x")->comment, "Threshold: 0.500,Result: Pass");
  EXPECT_EQ(Find(*s, "beamgroup_beamoutputchange_per_6fff")->comment,
            "Threshold: 2.000,Result: Pass");
  EXPECT_EQ(Find(*s, "beamgroup_beamuniformitychange_per_6fff")->comment,
            "Threshold: N/A,Result: Fail");
  EXPECT_EQ(Find(*s, "couchgroup_couchlat_mm_6x")->comment, "Threshold: N/A,Result: ");
  EXPECT_EQ(s->comment,
            "Fileset:\n"
            "\t/tds/TB1234/MPCChecks/NDS-WKS-SN1234-run-11/Results.csv\n"
            "\t/tds/TB1234/MPCChecks/NDS-WKS-SN1234-run-12/Results.csv");
}

TEST(SessionBuilder, TestCommentFormatsLikePythonPercentThreeF) {
  EXPECT_EQ(TestComment(Row("x", 1, 0.5)), "Threshold: 0.500,Result: Pass");
  EXPECT_EQ(TestComment(Row("x", 1, 1.2345, "Fail")), "Threshold: 1.234,Result: Fail");  // binary < .5
  EXPECT_EQ(TestComment(Row("x", 1, 0.0625)), "Threshold: 0.062,Result: Pass");  // exact tie: even
  EXPECT_EQ(TestComment(Row("x", 1, 100)), "Threshold: 100.000,Result: Pass");
  EXPECT_EQ(TestComment(Row("x", 1, -0.0005)), "Threshold: -0.001,Result: Pass");
  EXPECT_EQ(TestComment(Row("x", 1, std::nullopt, "")), "Threshold: N/A,Result: ");
  EXPECT_EQ(TestComment(Row("x", 1, std::numeric_limits<double>::quiet_NaN())),
            "Threshold: N/A,Result: Pass");
}

TEST(SessionBuilder, LaterRunWinsForSameMacroButBlankDoesNotErase) {
  // Fed out of order on purpose: run time decides, not vector order.
  std::vector<RunResults> runs = {
      MakeRun(31, {2020, 11, 6, 7, 10, 0, 0}, "6X",
              {Row("IsoCenterGroup/IsoCenterSize [mm]", 0.35, 0.5, "Pass"),
               Row("GantryGroup/GantryAbsolute [\xC3\x82\xC2\xB0]", std::nullopt, 0.3, "")}),
      MakeRun(30, {2020, 11, 6, 7, 0, 0, 0}, "6X",
              {Row("IsoCenterGroup/IsoCenterSize [mm]", 0.3, 0.5, "Pass"),
               Row("GantryGroup/GantryAbsolute [\xC2\xB0]", -0.09, 0.3, "Pass"),
               Row("CouchGroup/CouchVrt [mm]", std::nullopt)}),
      MakeRun(32, {2020, 11, 6, 7, 10, 0, 0}, "6X",  // same time: higher seq is later
              {Row("CouchGroup/CouchVrt [mm]", 0.4, 0.5, "Fail")}),
  };
  SessionOptions o;
  o.include_test_comments = true;
  auto s = BuildMpcSession(GroupOf(runs), runs, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->tests.size(), 3u);
  const TestResult* iso = Find(*s, "isocentergroup_isocentersize_mm_6x");
  EXPECT_EQ(*iso->number, 0.35);
  // "Â°" and "°" are the same macro; the later blank keeps the earlier value.
  const TestResult* gantry = Find(*s, "gantrygroup_gantryabsolute_deg_6x");
  ASSERT_TRUE(gantry->number.has_value());
  EXPECT_EQ(*gantry->number, -0.09);
  EXPECT_EQ(gantry->comment, "Threshold: 0.300,Result: Pass");
  // A value replaces an earlier blank.
  const TestResult* vrt = Find(*s, "couchgroup_couchvrt_mm_6x");
  EXPECT_EQ(*vrt->number, 0.4);
  EXPECT_FALSE(vrt->skipped);
  EXPECT_EQ(vrt->comment, "Threshold: 0.500,Result: Fail");
  EXPECT_EQ(s->source_seqs, (std::vector<uint64_t>{30, 31, 32}));
  EXPECT_EQ(FormatUtcIso(s->work_started), "2020-11-06T07:00:00Z");
  EXPECT_EQ(FormatUtcIso(s->work_completed), "2020-11-06T07:10:00Z");
}

TEST(SessionBuilder, SingleRunLastsAtLeastOneMinute) {
  std::vector<RunResults> runs = {MakeRun(1, {2021, 3, 1, 7, 0, 0, 0}, "6FFF",
                                          {Row("BeamGroup/BeamOutputChange [%]", 0.1)},
                                          CheckType::kEnhancedCouch)};
  auto s = BuildMpcSession(GroupOf(runs), runs, {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->work_completed - s->work_started, kMicrosPerMinute);
  EXPECT_EQ(s->test_list_name, "MPC: Enhanced Couch Checks");
  EXPECT_EQ(s->user_key, "QCPump/MPC/1234/2021-03-01-07-00/Enhanced Couch Checks");
  // Runs 30 s apart: still one minute.
  runs.push_back(MakeRun(2, {2021, 3, 1, 7, 0, 30, 0}, "6FFF", {}, CheckType::kEnhancedCouch));
  s = BuildMpcSession(GroupOf(runs), runs, {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->work_completed - s->work_started, kMicrosPerMinute);
}

TEST(SessionBuilder, AmbiguousLocalTimeAtDstFallBack) {
  // 02:30 and 02:45 on 2020-10-25 happen twice in Berlin: the earlier (CEST) is used.
  std::vector<RunResults> runs = {
      MakeRun(1, {2020, 10, 25, 2, 30, 0, 0}, "6X", {Row("A [mm]", 1)}),
      MakeRun(2, {2020, 10, 25, 2, 45, 0, 0}, "6X", {Row("B [mm]", 2)})};
  SessionOptions o;
  o.site_zone = "Europe/Berlin";
  auto s = BuildMpcSession(GroupOf(runs), runs, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(FormatUtcIso(s->work_started), "2020-10-25T00:30:00Z");
  EXPECT_EQ(FormatUtcIso(s->work_completed), "2020-10-25T00:45:00Z");
  EXPECT_EQ(s->user_key, "QCPump/MPC/1234/2020-10-25-02-30/Beam and Geometry Checks");
}

TEST(SessionBuilder, NonFiniteValueIsSkipped) {
  std::vector<RunResults> runs = {MakeRun(
      1, {2021, 3, 1, 7, 0, 0, 0}, "10X",
      {Row("A [mm]", std::numeric_limits<double>::infinity()),
       Row("B [mm]", std::numeric_limits<double>::quiet_NaN())})};
  auto s = BuildMpcSession(GroupOf(runs), runs, {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->tests.size(), 2u);
  EXPECT_EQ(s->tests[0].key, "a_mm_10x");
  EXPECT_TRUE(s->tests[0].skipped);
  EXPECT_TRUE(s->tests[1].skipped);
}

TEST(SessionBuilder, AmendmentAndTemplateWithSerial) {
  auto runs = TwoRuns();
  SessionOptions o;
  o.test_list_template = "{{serial}} MPC: {{ check_type }}";
  auto s = BuildMpcSession(GroupOf(runs, 3), runs, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->amendment);
  EXPECT_EQ(s->user_key, "QCPump/MPC/1234/2020-11-06-07-00/Beam and Geometry Checks/amend-3");
  EXPECT_EQ(s->test_list_name, "1234 MPC: Beam and Geometry Checks");
}

TEST(SessionBuilder, RejectsInconsistentInput) {
  auto runs = TwoRuns();
  RunGroup group = GroupOf(runs);
  EXPECT_EQ(BuildMpcSession(group, {}, {}).status().code(), Status::Code::kInvalidArgument);

  auto other_serial = runs;
  other_serial[1].folder.serial = "9999";
  auto r = BuildMpcSession(group, other_serial, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("has serial '9999'"), std::string::npos);

  auto other_type = runs;
  other_type[0].folder.check_type = CheckType::kEnhancedMlc;
  r = BuildMpcSession(group, other_type, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("is a Enhanced MLC Checks run"), std::string::npos);

  auto stranger = runs;
  stranger[1].seq = 99;
  r = BuildMpcSession(group, stranger, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("(seq 99) is not in the group"), std::string::npos);

  SessionOptions bad_tmpl;
  bad_tmpl.test_list_template = "MPC: {{ check }}";
  r = BuildMpcSession(group, runs, bad_tmpl);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown variable 'check'"), std::string::npos);

  SessionOptions bad_zone;
  bad_zone.site_zone = "Mars/Base";
  EXPECT_FALSE(BuildMpcSession(group, runs, bad_zone).ok());

  SessionOptions empty_name;
  empty_name.test_list_template = "";
  r = BuildMpcSession(group, runs, empty_name);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("test_list_name is empty"), std::string::npos);

  auto bad_time = runs;
  bad_time[0].folder.run_time.month = 13;
  EXPECT_EQ(BuildMpcSession(group, bad_time, {}).status().code(), Status::Code::kInvalidArgument);
}

TEST(SessionBuilder, ValidateOptions) {
  EXPECT_TRUE(ValidateSessionOptions({}).ok());
  SessionOptions o;
  o.test_list_template = "MPC {{ energy }}";
  Status s = ValidateSessionOptions(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "MPC test list name: template 'MPC {{ energy }}': unknown variable 'energy'; known "
            "variables: check_type, serial");
  o = {};
  o.site_zone = "Europe/Nowhere";
  s = ValidateSessionOptions(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("MPC site time zone"), std::string::npos);
  EXPECT_EQ(MpcTemplateVariables(), (std::vector<std::string>{"check_type", "serial"}));
}

}  // namespace
}  // namespace qcflow::mpc
