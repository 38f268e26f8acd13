#include "process/common/qc_session.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cstring>
#include <functional>
#include <cmath>
#include <limits>

namespace qcflow {
namespace {

QcSession Sample() {
  QcSession s;
  s.source_kind = "mpc";
  s.source_id = "/mnt/VA_Transfer/TDS";
  s.machine.serial = "1234";
  s.test_list_name = "MPC: Beam and Geometry Checks";
  s.machine_names = {"1234"};
  s.test_list_vars = {{"check_type", "Beam and Geometry Checks"}, {"serial", "1234"}};
  s.work_started = 1593069090000000;    // 2020-06-25T07:11:30Z
  s.work_completed = 1593069150000000;  // +1 min
  s.user_key = "QCPump/MPC/1234/2020-06-25-07-11/Beam and Geometry Checks";
  s.tests = {
      {"a_number", 0.1, std::nullopt, false, ""},
      {"b_text", std::nullopt, std::string("jdoe \"quoted\"\n\ttab \xC3\xA9"), false, ""},
      {"c_skipped", std::nullopt, std::nullopt, true, "Threshold: N/A,Result: "},
      {"d_commented", -0.17, std::nullopt, false, "Threshold: 2.000,Result: Pass"},
  };
  s.comment = "Fileset:\n\t/tds/a/Results.csv\n\t/tds/b/Results.csv";
  s.source_files = {"/tds/a/Results.csv", "/tds/b/Results.csv"};
  s.source_seqs = {7, 18446744073709551615ull};
  s.amendment = true;
  s.machine = {"1234", "TrueBeam 1", "M7", "linac", "Varian", "TrueBeam"};
  s.device = {"Daily QA 3", "DQ-42"};
  s.procedure = "Beam and Geometry Checks";
  s.performer = "jdoe";
  s.zone = "Europe/Berlin";
  TestResult& a = s.tests[0];
  a.name = "BeamGroup/BeamOutputChange";
  a.unit = "%";
  a.reference = 100.5;
  a.tolerance = 2.0;
  a.evaluation = "Pass";
  a.parameters = {{"beam", "6X"}, {"energy", "6 MV"}};
  s.tests[3].role = TestRole::kDeviation;
  s.tests[3].measure = "a_number";
  s.tests[3].unit = "\xC2\xB0";
  s.tests[1].role = TestRole::kContext;
  TestResult upload{"e_upload", std::nullopt, std::nullopt, false, ""};
  upload.file = FileValue{"caf\xC3\xA9 report.pdf", "base64", "JVBERi0xLjQK"};
  s.tests.push_back(upload);
  return s;
}

void ExpectSame(const QcSession& a, const QcSession& b) {
  EXPECT_EQ(a.source_kind, b.source_kind);
  EXPECT_EQ(a.source_id, b.source_id);
  EXPECT_EQ(a.machine.serial, b.machine.serial);
  EXPECT_EQ(a.machine.name, b.machine.name);
  EXPECT_EQ(a.machine.id, b.machine.id);
  EXPECT_EQ(a.machine.type, b.machine.type);
  EXPECT_EQ(a.machine.manufacturer, b.machine.manufacturer);
  EXPECT_EQ(a.machine.model, b.machine.model);
  EXPECT_EQ(a.device.type, b.device.type);
  EXPECT_EQ(a.device.serial, b.device.serial);
  EXPECT_EQ(a.procedure, b.procedure);
  EXPECT_EQ(a.performer, b.performer);
  EXPECT_EQ(a.zone, b.zone);
  EXPECT_EQ(a.unit_name, b.unit_name);
  EXPECT_EQ(a.unit_number, b.unit_number);
  EXPECT_EQ(a.test_list_name, b.test_list_name);
  EXPECT_EQ(a.machine_names, b.machine_names);
  EXPECT_EQ(a.test_list_vars, b.test_list_vars);
  EXPECT_EQ(a.work_started, b.work_started);
  EXPECT_EQ(a.work_completed, b.work_completed);
  EXPECT_EQ(a.user_key, b.user_key);
  ASSERT_EQ(a.tests.size(), b.tests.size());
  for (size_t i = 0; i < a.tests.size(); ++i) {
    SCOPED_TRACE(a.tests[i].key);
    EXPECT_EQ(a.tests[i].key, b.tests[i].key);
    ASSERT_EQ(a.tests[i].number.has_value(), b.tests[i].number.has_value());
    if (a.tests[i].number) {
      // Bit-exact, including the sign of zero.
      EXPECT_EQ(std::memcmp(&*a.tests[i].number, &*b.tests[i].number, sizeof(double)), 0)
          << *a.tests[i].number << " vs " << *b.tests[i].number;
    }
    EXPECT_EQ(a.tests[i].text, b.tests[i].text);
    EXPECT_EQ(a.tests[i].skipped, b.tests[i].skipped);
    EXPECT_EQ(a.tests[i].comment, b.tests[i].comment);
    EXPECT_EQ(a.tests[i].name, b.tests[i].name);
    EXPECT_EQ(a.tests[i].unit, b.tests[i].unit);
    EXPECT_EQ(a.tests[i].role, b.tests[i].role);
    EXPECT_EQ(a.tests[i].measure, b.tests[i].measure);
    EXPECT_EQ(a.tests[i].reference, b.tests[i].reference);
    EXPECT_EQ(a.tests[i].tolerance, b.tests[i].tolerance);
    EXPECT_EQ(a.tests[i].evaluation, b.tests[i].evaluation);
    EXPECT_EQ(a.tests[i].parameters, b.tests[i].parameters);
    EXPECT_EQ(a.tests[i].file, b.tests[i].file);
  }
  EXPECT_EQ(a.comment, b.comment);
  EXPECT_EQ(a.source_files, b.source_files);
  EXPECT_EQ(a.source_seqs, b.source_seqs);
  EXPECT_EQ(a.amendment, b.amendment);
}

TEST(QcSession, RoundTrip) {
  QcSession s = Sample();
  std::string json = EncodeQcSession(s);
  EXPECT_EQ(json.rfind("{\"v\":3,", 0), 0u) << json;
  auto d = DecodeQcSession(json);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ExpectSame(s, *d);
  EXPECT_EQ(EncodeQcSession(*d), json);  // deterministic bytes
}

TEST(QcSession, EncodingIsStable) {
  QcSession s;
  s.source_kind = "dqa3";
  s.unit_number = 12;
  s.test_list_name = "DQA3";
  s.machine_names = {"R/M", "M", "7"};
  s.test_list_vars = {{"machine_name", "M"}};
  s.work_started = 60000000;
  s.work_completed = 120000000;
  s.user_key = "k";
  s.tests = {{"dose", 99.05, std::nullopt, false, ""}, {"x", std::nullopt, std::nullopt, true, ""}};
  s.machine.name = "R/M";
  s.tests[0].role = TestRole::kReference;
  s.tests[0].measure = "d";
  s.tests[0].reference = 1.5;
  EXPECT_EQ(EncodeQcSession(s),
            "{\"v\":3,\"source_kind\":\"dqa3\",\"source_id\":\"\",\"machine\":{\"name\":\"R/M\"},"
            "\"unit_name\":\"\",\"unit_number\":12,\"test_list_name\":\"DQA3\","
            "\"machine_names\":[\"R/M\",\"M\",\"7\"],\"test_list_vars\":{\"machine_name\":\"M\"},"
            "\"work_started\":60000000,"
            "\"work_completed\":120000000,\"user_key\":\"k\",\"tests\":[{\"key\":\"dose\","
            "\"number\":99.05,\"role\":\"reference\",\"measure\":\"d\",\"reference\":1.5},"
            "{\"key\":\"x\",\"skipped\":true}],\"comment\":\"\","
            "\"source_files\":[],\"source_seqs\":[],\"amendment\":false}");
}

TEST(QcSession, DoublesRoundTripBitExactly) {
  const double values[] = {0.0,
                           -0.0,
                           0.1,
                           1.0 / 3.0,
                           -0.17,
                           1e300,
                           -1e-300,
                           DBL_MAX,
                           DBL_MIN,
                           std::numeric_limits<double>::denorm_min(),
                           123456789.123456789,
                           2.0,
                           9007199254740993.0,
                           0.30000000000000004};
  QcSession s = Sample();
  s.tests.clear();
  int i = 0;
  for (double v : values) {
    s.tests.push_back({"t" + std::to_string(100 + i++), v, std::nullopt, false, ""});
  }
  auto d = DecodeQcSession(EncodeQcSession(s));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ExpectSame(s, *d);
  EXPECT_TRUE(std::signbit(*d->tests[1].number));
}

TEST(QcSession, NonFiniteNumbersRoundTripButDoNotValidate) {
  QcSession s = Sample();
  s.tests = {{"a", std::numeric_limits<double>::infinity(), std::nullopt, false, ""},
             {"b", -std::numeric_limits<double>::infinity(), std::nullopt, false, ""},
             {"c", std::numeric_limits<double>::quiet_NaN(), std::nullopt, false, ""}};
  auto d = DecodeQcSession(EncodeQcSession(s));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d->tests[0].number, std::numeric_limits<double>::infinity());
  EXPECT_EQ(*d->tests[1].number, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(*d->tests[2].number));
  Status v = ValidateQcSession(*d);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.message().find("test 'a' has a non-finite number"), std::string::npos)
      << v.message();
}

TEST(QcSession, InvalidUtf8IsReplacedNotThrown) {
  QcSession s = Sample();
  s.source_files = {"/tds/caf\xE9/Results.csv"};
  std::string json = EncodeQcSession(s);
  auto d = DecodeQcSession(json);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->source_files[0], "/tds/caf\xEF\xBF\xBD/Results.csv");
}

TEST(QcSession, DecodeGarbageGivesCorruption) {
  for (std::string_view bad :
       {std::string_view(""), std::string_view("not json"), std::string_view("{"),
        std::string_view("[1,2]"), std::string_view("null"), std::string_view("{\"v\":\"1\"}"),
        std::string_view("{\"user_key\":\"k\"}"), std::string_view("\xFF\xFE{}"),
        std::string_view("{\"v\":1,\"user_key\":\"k\",\"tests\":[]", 30)}) {
    auto d = DecodeQcSession(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().code(), Status::Code::kCorruption) << bad << " " << d.status().ToString();
  }
}

TEST(QcSession, DecodeWrongVersionIsIncompatible) {
  for (const char* json : {"{\"v\":4,\"user_key\":\"k\"}", "{\"v\":0,\"user_key\":\"k\"}"}) {
    auto d = DecodeQcSession(json);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.status().code(), Status::Code::kIncompatible);
    EXPECT_NE(d.status().message().find("this qcflow reads versions 1 to 3"), std::string::npos)
        << d.status().message();
  }
}

// Stores written by earlier versions hold version 1 sessions (unit and test list
// resolved when built): they stay readable, with nothing to re-resolve.
TEST(QcSession, Version1StillDecodes) {
  auto d = DecodeQcSession(
      "{\"v\":1,\"source_kind\":\"dqa3\",\"source_id\":\"db\",\"unit_serial\":\"\","
      "\"unit_name\":\"TB1\",\"test_list_name\":\"DQA3\",\"work_started\":60000000,"
      "\"work_completed\":120000000,\"user_key\":\"k\",\"tests\":[{\"macro\":\"dose\","
      "\"number\":99.05}],\"comment\":\"\",\"source_files\":[],\"source_seqs\":[3],"
      "\"amendment\":false}");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->unit_name, "TB1");
  EXPECT_EQ(d->unit_number, std::nullopt);
  EXPECT_EQ(d->test_list_name, "DQA3");
  EXPECT_TRUE(d->machine_names.empty());
  EXPECT_TRUE(d->test_list_vars.empty());
  EXPECT_EQ(SessionGroup(*d), "TB1");
  EXPECT_TRUE(ValidateQcSession(*d).ok());
}

// Version 2 sessions (QATrack+-shaped: "unit_serial", "macro") read into the
// neutral form, with nothing descriptive.
TEST(QcSession, Version2StillDecodes) {
  auto d = DecodeQcSession(
      "{\"v\":2,\"source_kind\":\"mpc\",\"source_id\":\"/tds\",\"unit_serial\":\"1234\","
      "\"unit_name\":\"\",\"test_list_name\":\"MPC: Beam and Geometry Checks\","
      "\"machine_names\":[\"1234\"],\"test_list_vars\":{\"serial\":\"1234\"},"
      "\"work_started\":60000000,\"work_completed\":120000000,\"user_key\":\"k\","
      "\"tests\":[{\"macro\":\"a_mm_6x\",\"number\":0.3,\"name\":\"ignored in v2\"}],"
      "\"comment\":\"\",\"source_files\":[],\"source_seqs\":[3],\"amendment\":false}");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->machine.serial, "1234");
  EXPECT_EQ(d->machine.type, "");
  ASSERT_EQ(d->tests.size(), 1u);
  EXPECT_EQ(d->tests[0].key, "a_mm_6x");
  EXPECT_EQ(d->tests[0].name, "");
  EXPECT_EQ(d->tests[0].role, TestRole::kMeasured);
  EXPECT_EQ(SessionGroup(*d), "1234");
  EXPECT_TRUE(ValidateQcSession(*d).ok());
  // Re-encoded, it is a version 3 session with the same content.
  auto again = DecodeQcSession(EncodeQcSession(*d));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ExpectSame(*d, *again);
}

TEST(QcSession, SameMeasurementsIgnoresTheDescription) {
  QcSession a = Sample();
  QcSession b = a;
  b.machine.name.clear();
  b.procedure.clear();
  for (TestResult& t : b.tests) {
    TestResult bare{t.key, t.number, t.text, t.skipped, t.comment};
    bare.file = t.file;  // a value, not a description
    t = bare;
  }
  EXPECT_TRUE(SameMeasurements(a, b));  // a format 2 session is the re-derived one
  b.tests[0].number = 0.2;
  EXPECT_FALSE(SameMeasurements(a, b));
  b = a;
  b.tests[4].file->value = "JVBERi0xLjUK";  // a changed file is another measurement
  EXPECT_FALSE(SameMeasurements(a, b));
}

TEST(QcSession, SameMeasurementsIgnoresWhatTheConfigResolves) {
  QcSession a = Sample();
  QcSession b = a;
  b.unit_name = "other";
  b.unit_number = 4;
  b.test_list_name = "other";
  b.machine_names.clear();
  b.test_list_vars.clear();
  b.comment = "";
  EXPECT_TRUE(SameMeasurements(a, b));
  b.tests[0].number = 0.2;
  EXPECT_FALSE(SameMeasurements(a, b));
  b = a;
  b.source_seqs.push_back(99);
  EXPECT_FALSE(SameMeasurements(a, b));
}

TEST(QcSession, DecodeNamesTheBadField) {
  const std::string base = "{\"v\":1,\"user_key\":\"k\",\"work_started\":1,\"work_completed\":2,";
  const std::string v3 = "{\"v\":3,\"user_key\":\"k\",\"work_started\":1,\"work_completed\":2,";
  struct Case {
    std::string json, expect;
  } cases[] = {
      {base + "\"tests\":{}}", "field 'tests' is not an array"},
      {base + "\"tests\":[1]}", "field 'tests[0]' is not an object"},
      {base + "\"tests\":[{\"number\":1}]}", "tests[0]: QcSession: field 'macro' is missing"},
      {base + "\"tests\":[{\"macro\":\"m\",\"number\":\"x\"}]}", "is not a number"},
      {base + "\"tests\":[{\"macro\":\"m\",\"skipped\":1}]}", "field 'skipped' is not true/false"},
      {base + "\"tests\":[],\"source_seqs\":[-1]}", "field 'source_seqs' holds something"},
      {base + "\"tests\":[],\"source_files\":[3]}", "field 'source_files' holds a non-string"},
      {base + "\"tests\":[],\"unit_serial\":1234}", "field 'unit_serial' is not a string"},
      {base + "\"tests\":[],\"unit_number\":\"12\"}", "field 'unit_number' is not an integer"},
      {base + "\"tests\":[],\"machine_names\":[1]}", "field 'machine_names' holds a non-string"},
      {base + "\"tests\":[],\"test_list_vars\":[]}", "field 'test_list_vars' is not an object"},
      {v3 + "\"tests\":[{\"macro\":\"m\"}]}", "tests[0]: QcSession: field 'key' is missing"},
      {v3 + "\"tests\":[{\"key\":\"m\",\"role\":\"baseline\"}]}",
       "field 'role' is 'baseline', not a known role"},
      {v3 + "\"tests\":[{\"key\":\"m\",\"reference\":\"1\"}]}", "field 'reference' is not a number"},
      {v3 + "\"tests\":[{\"key\":\"m\",\"parameters\":{\"beam\":6}}]}",
       "field 'parameters' holds a non-string"},
      {v3 + "\"tests\":[],\"machine\":\"1234\"}", "field 'machine' is not an object"},
      {v3 + "\"tests\":[],\"machine\":{\"serial\":1234}}", "field 'serial' is not a string"},
      {v3 + "\"tests\":[],\"device\":[]}", "field 'device' is not an object"},
      {v3 + "\"tests\":[{\"key\":\"m\",\"file\":{\"filename\":\"a\",\"encoding\":\"text\"}}]}",
       "field 'value' is missing"},
      {"{\"v\":1,\"user_key\":\"k\",\"work_started\":1.5,\"work_completed\":2,\"tests\":[]}",
       "field 'work_started' is not a 64-bit integer"},
      {"{\"v\":1,\"user_key\":\"k\",\"work_completed\":2,\"tests\":[]}",
       "field 'work_started' is missing"},
  };
  for (const Case& c : cases) {
    auto d = DecodeQcSession(c.json);
    ASSERT_FALSE(d.ok()) << c.json;
    EXPECT_EQ(d.status().code(), Status::Code::kCorruption);
    EXPECT_NE(d.status().message().find(c.expect), std::string::npos)
        << c.json << " -> " << d.status().message();
  }
}

TEST(QcSession, DecodeIgnoresUnknownFieldsAndDefaultsOptionalOnes) {
  auto d = DecodeQcSession(
      "{\"v\":1,\"user_key\":\"k\",\"work_started\":5,\"work_completed\":6,\"tests\":[],"
      "\"future_field\":{\"x\":[1,2]}}");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->user_key, "k");
  EXPECT_EQ(d->work_started, 5);
  EXPECT_TRUE(d->source_kind.empty());
  EXPECT_FALSE(d->amendment);
}

TEST(QcSession, ValidateAcceptsSample) {
  QcSession s = Sample();
  EXPECT_TRUE(ValidateQcSession(s).ok()) << ValidateQcSession(s).ToString();
  s.work_completed = s.work_started;  // equal is fine
  EXPECT_TRUE(ValidateQcSession(s).ok());
  s.tests.clear();  // an empty session is legal (the sink decides)
  EXPECT_TRUE(ValidateQcSession(s).ok());
}

TEST(QcSession, ValidateNamesFirstProblem) {
  struct Case {
    std::function<void(QcSession*)> mutate;
    std::string expect;
  } cases[] = {
      {[](QcSession* s) { s->user_key = ""; }, "session has an empty user_key"},
      {[](QcSession* s) { s->user_key = " \t"; }, "session user_key is only whitespace"},
      {[](QcSession* s) { s->user_key = std::string(256, 'k'); }, "longer than 255"},
      {[](QcSession* s) { s->machine.serial.clear(); }, "names no unit"},
      {[](QcSession* s) { s->test_list_name.clear(); }, "test_list_name is empty"},
      {[](QcSession* s) { s->work_completed = s->work_started - 1; },
       "work_completed (2020-06-25T07:11:29.999999Z) is before work_started "
       "(2020-06-25T07:11:30Z)"},
      {[](QcSession* s) { s->tests[0].key.clear(); }, "test #0 has no key"},
      {[](QcSession* s) { s->tests[0].skipped = true; }, "test 'a_number' must have exactly one"},
      {[](QcSession* s) { s->tests[2].skipped = false; }, "(has 0)"},
      {[](QcSession* s) { s->tests[1].key = "z"; }, "not sorted by key at test 'c_skipped'"},
      {[](QcSession* s) { s->tests[1].key = "a_number"; }, "test 'a_number' appears twice"},
      {[](QcSession* s) { s->tests[4].number = 1.0; }, "test 'e_upload' must have exactly one"},
      {[](QcSession* s) { s->tests[4].file->encoding = "latin-1"; }, "encoding other than text/base64"},
      {[](QcSession* s) { s->tests[4].file->filename.clear(); }, "a file without a name"},
  };
  for (const Case& c : cases) {
    QcSession s = Sample();
    c.mutate(&s);
    Status v = ValidateQcSession(s);
    ASSERT_FALSE(v.ok()) << c.expect;
    EXPECT_EQ(v.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(v.message().find(c.expect), std::string::npos) << v.message();
  }
  // 255 multi-byte characters are within the limit.
  QcSession s = Sample();
  s.user_key.clear();
  for (int i = 0; i < 255; ++i) s.user_key += "\xC3\xA9";
  EXPECT_TRUE(ValidateQcSession(s).ok());
  s.machine.serial.clear();
  s.unit_name = "TB1";
  EXPECT_TRUE(ValidateQcSession(s).ok());
}

}  // namespace
}  // namespace qcflow
