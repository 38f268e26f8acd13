// `qcflow export quaac|quip|check` end to end: the binary on a backfilled MPC
// history. Every session lands in one document of its machine and day, the
// checking readers accept every document, and a second export adds nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "export/quaac/attachment_testing.h"
#include "export/quaac/quaac_reader.h"
#include "export/quaac/quaac_yaml.h"
#include "export/quip/quip_reader.h"
#include "tests/testing/child_process.h"
#include "tests/testing/mpc_runs.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

namespace fs = std::filesystem;

class ExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) testing::WriteGeometryRun(dir_.Sub("TDS"), i);
    testing::WriteGeometryRunOn(dir_.Sub("TDS"), "2024-05-01");
    testing::Run b = Qcflow("backfill mpc --tds " + dir_.Sub("TDS") + " --zone Europe/Berlin --settle 0 --wait 0");
    ASSERT_EQ(b.exit_code, 0) << b.out;
  }
  testing::Run Qcflow(const std::string& args) {
    return testing::RunQcflow(QCFLOW_BIN, "--store " + dir_.Sub("store") + " " + args);
  }
  std::vector<std::string> Files(const std::string& root) {
    std::vector<std::string> out;
    for (auto& e : fs::recursive_directory_iterator(root)) {
      if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root).string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  testing::TempDir dir_;
};

TEST_F(ExportTest, QuaacOneDocumentPerMachineAndDayAndASecondRunAddsNothing) {
  const std::string out = dir_.Sub("quaac");
  testing::Run r = Qcflow("export quaac --out " + out + " --user-email qa@clinic.org");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("Exported 4 of 4 session(s) as QuAAC into 4 document(s)"), std::string::npos) << r.out;
  EXPECT_EQ(Files(out), (std::vector<std::string>{"1234/2024-04-01.quaac.json", "1234/2024-04-02.quaac.json",
                                                  "1234/2024-04-03.quaac.json", "1234/2024-05-01.quaac.json"}));
  std::set<std::string> sessions;
  for (const std::string& f : Files(out)) {
    const std::string text = testing::ReadAll(out + "/" + f);
    EXPECT_TRUE(quaac::CheckQuaacJson(text).empty()) << f;
    auto doc = quaac::ReadQuaacJson(text);
    ASSERT_TRUE(doc.ok());
    for (const auto& dp : doc->datapoints) sessions.insert(dp.parameters.at("qcflow_session"));
  }
  EXPECT_EQ(sessions.size(), 4u);

  const std::string before = testing::ReadAll(out + "/1234/2024-04-01.quaac.json");
  testing::Run again = Qcflow("export quaac --out " + out + " --user-email qa@clinic.org");
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_NE(again.out.find("Exported 0 of 4 session(s)"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("4 already there"), std::string::npos) << again.out;
  EXPECT_EQ(testing::ReadAll(out + "/1234/2024-04-01.quaac.json"), before);

  testing::Run check = Qcflow("export check " + out + "/1234/2024-04-01.quaac.json");
  EXPECT_EQ(check.exit_code, 0) << check.out;
}

TEST_F(ExportTest, AttachSourceCarriesEveryResultsCsvByteForByte) {
  const std::string out = dir_.Sub("attached");
  testing::Run r = Qcflow("export quaac --attach-source --out " + out + " --user-email qa@clinic.org");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::set<std::string> attached, on_disk;
  for (auto& e : fs::recursive_directory_iterator(dir_.Sub("TDS"))) {
    if (e.path().filename() == "Results.csv") on_disk.insert(fs::canonical(e.path()).string());
  }
  ASSERT_FALSE(on_disk.empty());
  for (const std::string& f : Files(out)) {
    const std::string text = testing::ReadAll(out + "/" + f);
    EXPECT_TRUE(quaac::CheckQuaacJson(text).empty()) << f;
    auto doc = quaac::ReadQuaacJson(text);
    ASSERT_TRUE(doc.ok()) << f;
    for (const quaac::DataPoint& dp : doc->datapoints) EXPECT_FALSE(dp.attachments.empty()) << dp.name;
    for (const quaac::Attachment& a : doc->attachments) {
      // The name is the path the capture journaled; the bytes are that file's.
      fs::path p(a.name);
      if (p.is_relative()) p = fs::path(dir_.Sub("TDS")) / p;
      ASSERT_TRUE(fs::exists(p)) << a.name;
      EXPECT_EQ(testing::AttachmentBytes(a), testing::ReadAll(p.string())) << a.name;
      attached.insert(fs::canonical(p).string());
    }
  }
  EXPECT_EQ(attached, on_disk);
}

TEST_F(ExportTest, QuaacAsYamlHoldsWhatTheJsonHoldsAndASecondRunAddsNothing) {
  const std::string json_out = dir_.Sub("json"), yaml_out = dir_.Sub("yaml");
  ASSERT_EQ(Qcflow("export quaac --out " + json_out + " --user-email qa@clinic.org").exit_code, 0);
  testing::Run r = Qcflow("export quaac --format yaml --out " + yaml_out + " --user-email qa@clinic.org");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::vector<std::string> expected;
  for (std::string f : Files(json_out)) expected.push_back(f.replace(f.find(".json"), 5, ".yaml"));
  ASSERT_EQ(Files(yaml_out), expected);
  for (const std::string& f : Files(yaml_out)) {
    auto yaml = quaac::ReadQuaacYaml(testing::ReadAll(yaml_out + "/" + f));
    ASSERT_TRUE(yaml.ok()) << f << ": " << yaml.status().ToString();
    std::string json_name = f;
    auto json = quaac::ReadQuaacJson(testing::ReadAll(json_out + "/" + json_name.replace(f.find(".yaml"), 5, ".json")));
    ASSERT_TRUE(json.ok());
    EXPECT_EQ(*yaml, *json) << f;
    EXPECT_FALSE(yaml->datapoints.empty()) << f;
  }
  const std::string first = yaml_out + "/" + Files(yaml_out)[0];
  const std::string before = testing::ReadAll(first);
  testing::Run again = Qcflow("export quaac --format yaml --out " + yaml_out + " --user-email qa@clinic.org");
  EXPECT_EQ(again.exit_code, 0) << again.out;
  EXPECT_NE(again.out.find("Exported 0 of"), std::string::npos) << again.out;
  EXPECT_EQ(testing::ReadAll(first), before);
  testing::Run check = Qcflow("export check " + first);
  EXPECT_EQ(check.exit_code, 0) << check.out;
}

TEST_F(ExportTest, QuipByMonthWithFiltersAndCheck) {
  const std::string out = dir_.Sub("quip");
  testing::Run r = Qcflow("export quip --out " + out + " --period month --since 2024-04-02 --kind mpc --machine 1234");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("Exported 3 of 3 session(s) as QUIP into 2 document(s)"), std::string::npos) << r.out;
  EXPECT_EQ(Files(out), (std::vector<std::string>{"1234/2024-04.quip.json", "1234/2024-05.quip.json"}));
  auto april = quip::ReadQuipJson(testing::ReadAll(out + "/1234/2024-04.quip.json"));
  ASSERT_TRUE(april.ok()) << april.status().ToString();
  size_t tests = 0;
  for (const auto& m : april->machines) tests += m.tests.size();
  EXPECT_EQ(tests, 2u);

  testing::Run none = Qcflow("export quip --out " + out + " --machine 9999");
  EXPECT_EQ(none.exit_code, 0) << none.out;
  EXPECT_NE(none.out.find("No sessions match"), std::string::npos) << none.out;

  testing::WriteFile(out + "/1234/2024-05.quip.json", "{\"machines\": [{}]}");
  testing::Run check = Qcflow("export check " + out + "/1234/2024-04.quip.json " + out + "/1234/2024-05.quip.json");
  EXPECT_EQ(check.exit_code, 1) << check.out;
  EXPECT_NE(check.out.find("ok    " + out + "/1234/2024-04.quip.json"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("FAIL  " + out + "/1234/2024-05.quip.json"), std::string::npos) << check.out;
  // A document that is not ours is left alone, and the export says so.
  testing::Run blocked = Qcflow("export quip --out " + out + " --period month");
  EXPECT_EQ(blocked.exit_code, 1) << blocked.out;
  EXPECT_NE(blocked.out.find("move it aside"), std::string::npos) << blocked.out;
  EXPECT_EQ(testing::ReadAll(out + "/1234/2024-05.quip.json"), "{\"machines\": [{}]}");
}

TEST_F(ExportTest, MistakesSayWhatToDo) {
  testing::Run no_email = Qcflow("export quaac --out " + dir_.Sub("x"));
  EXPECT_EQ(no_email.exit_code, 2) << no_email.out;
  EXPECT_NE(no_email.out.find("--user-email is required"), std::string::npos) << no_email.out;
  testing::Run yaml = Qcflow("export quip --out " + dir_.Sub("x") + " --format yaml");
  EXPECT_EQ(yaml.exit_code, 2) << yaml.out;
  EXPECT_NE(yaml.out.find("QUIP documents are JSON"), std::string::npos) << yaml.out;
  testing::Run period = Qcflow("export quip --out " + dir_.Sub("x") + " --period week");
  EXPECT_EQ(period.exit_code, 2) << period.out;
  EXPECT_FALSE(fs::exists(dir_.Sub("x")));
}

}  // namespace
}  // namespace qcflow
