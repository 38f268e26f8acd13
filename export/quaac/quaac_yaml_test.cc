#include "export/quaac/quaac_yaml.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "export/quaac/quaac_reader.h"
#include "export/quaac/quaac_session.h"
#include "process/common/sample_sessions_testing.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::quaac {
namespace {

// MPC and DQA3 sessions, an attachment, a serial made of digits and values
// that need care in YAML (a whole float, a tiny one, a string like a number).
Document Sample() {
  Document doc;
  QcSession mpc = qcflow::testing::SampleMpcSession();
  mpc.machine.serial = "1234";
  // By key, not position: the sample's tests are sorted by key and include a
  // skipped one, which is not a datapoint.
  for (TestResult& t : mpc.tests) {
    if (t.key == "beamgroup_beamoutputchange_per_6xfff") t.number = 100.0;
    if (t.key == "isocentergroup_isocentersize_mm_6x") {
      t.number = 1e-9;
      t.comment = "yes";  // a YAML 1.1 boolean when plain
    }
  }
  auto csv = MakeGzipAttachment("Results.csv", "Name,Value\n°,1\n", "csv");
  EXPECT_TRUE(csv.ok());
  const SessionOptions options{.site_user = {"QA team", "qa@clinic.org"}};
  EXPECT_TRUE(AppendSession(mpc, options, {*csv}, &doc).ok());
  EXPECT_TRUE(AppendSession(qcflow::testing::SampleDqa3Session(), options, {}, &doc).ok());
  return doc;
}

TEST(QuaacYaml, ReadsBackAsTheSameDocumentAsItsJson) {
  const Document doc = Sample();
  auto yaml = WriteQuaacYaml(doc);
  ASSERT_TRUE(yaml.ok()) << yaml.status().ToString();
  auto json = WriteQuaacJson(doc);
  ASSERT_TRUE(json.ok());
  auto as_json = QuaacYamlToJson(*yaml);
  ASSERT_TRUE(as_json.ok()) << as_json.status().ToString();
  EXPECT_EQ(nlohmann::json::parse(*as_json), nlohmann::json::parse(*json));
  EXPECT_TRUE(CheckQuaacJson(*as_json).empty()) << "every hash of the JSON recomputes from the YAML";
  auto read = ReadQuaacYaml(*yaml);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, *ReadQuaacJson(*json));
}

TEST(QuaacYaml, StringsStayStringsAndFloatsCarryADot) {
  auto yaml = WriteQuaacYaml(Sample());
  ASSERT_TRUE(yaml.ok());
  EXPECT_NE(yaml->find("\"version\": \"1.0\""), std::string::npos) << *yaml;
  EXPECT_NE(yaml->find("\"1234\""), std::string::npos);
  EXPECT_NE(yaml->find(": 100.0\n"), std::string::npos);
  EXPECT_NE(yaml->find(": 1.0e-09\n"), std::string::npos) << "never 1e-09 (a string to the reference):\n" << *yaml;
  auto j = nlohmann::json::parse(*QuaacYamlToJson(*yaml));
  EXPECT_TRUE(j["version"].is_string());
  EXPECT_TRUE(j["equipment"][0]["serial number"].is_string());
}

// An independent reader: PyYAML (what the reference implementation loads YAML
// with; YAML 1.1, where `1e-09` and `yes` would change type) gives the same
// tree as Python's json module gives for the JSON document.
TEST(QuaacYaml, PyYamlLoadsTheSameTreeAsTheJson) {
  const Document doc = Sample();
  qcflow::testing::TempDir dir;
  qcflow::testing::WriteFile(dir.Sub("d.yaml"), *WriteQuaacYaml(doc));
  qcflow::testing::WriteFile(dir.Sub("d.json"), *WriteQuaacJson(doc));
  const qcflow::testing::Run run = qcflow::testing::RunQcflow(
      "/usr/bin/python3",
      "-c 'import json,sys,yaml\n"
      "y = yaml.safe_load(open(sys.argv[1], encoding=\"utf-8\"))\n"
      "j = json.load(open(sys.argv[2], encoding=\"utf-8\"))\n"
      "print(\"same\" if y == j else \"differ\")' " +
          dir.Sub("d.yaml") + " " + dir.Sub("d.json"));
  EXPECT_EQ(run.exit_code, 0) << run.out << " (python3-yaml is in scripts/install-deps)";
  EXPECT_EQ(run.out, "same\n");
}

TEST(QuaacYaml, NotYamlSaysWhere) {
  auto r = QuaacYamlToJson("a: [1, 2\nb: 3\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("line"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace qcflow::quaac
