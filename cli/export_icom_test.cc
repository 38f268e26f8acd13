// `qcflow export --kind icom` end to end: the binary over a store filled from
// the simulator's generator (known truth) and processed by IcomTransform. No
// linac is routed, so the export itself turns each closed delivery into a
// session; the patient never reaches a document.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "export/quaac/quaac_reader.h"
#include "export/quip/quip_reader.h"
#include "process/icom/icom_transform.h"
#include "store/store.h"
#include "tests/testing/child_process.h"
#include "tests/testing/icom_journal.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

namespace fs = std::filesystem;

class ExportIcomTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::Open(dir_.Sub("store"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    icom::LinacGeneratorConfig c;
    c.seed = 11;
    c.messages = 1200;
    c.fields_per_patient = 2;
    auto truth = testing::AppendGeneratedIcom(&(*store)->journal(), "LA1", c);
    ASSERT_TRUE(truth.ok());
    truth_ = *truth;
    icom::IcomTransform t(store->get(), {});
    ASSERT_TRUE(t.RunUntilCaughtUp().ok());
  }
  testing::Run Qcflow(const std::string& args) {
    return testing::RunQcflow(QCFLOW_BIN, "--store " + dir_.Sub("store") + " " + args);
  }
  std::vector<std::string> Files(const std::string& root) {
    std::vector<std::string> out;
    if (!fs::exists(root)) return out;
    for (auto& e : fs::recursive_directory_iterator(root)) {
      if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root).string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  // Closed deliveries as `qcflow query deliveries` lists them.
  size_t ClosedDeliveries() {
    testing::Run q = Qcflow("query deliveries --linac LA1 --format csv");
    EXPECT_EQ(q.exit_code, 0) << q.out;
    size_t lines = std::count(q.out.begin(), q.out.end(), '\n');
    return lines > 0 ? lines - 1 : 0;
  }
  testing::TempDir dir_;
  icom::GeneratorTruth truth_;
};

TEST_F(ExportIcomTest, EveryClosedDeliveryBecomesOneSessionWithItsMuAndNoPatient) {
  const std::string out = dir_.Sub("quaac");
  testing::Run r = Qcflow("export quaac --kind icom --tz Europe/Berlin --out " + out +
                          " --user-email qa@clinic.org");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::vector<std::string> files = Files(out);
  ASSERT_FALSE(files.empty()) << r.out;

  std::map<std::string, double> mu_by_session;
  for (const std::string& f : files) {
    EXPECT_EQ(f.rfind("LA1/", 0), 0u) << f;  // no serial: the linac's name
    const std::string text = testing::ReadAll(out + "/" + f);
    EXPECT_TRUE(quaac::CheckQuaacJson(text).empty()) << f;
    for (const auto& field : truth_.fields) {
      EXPECT_EQ(text.find(field.patient_id), std::string::npos) << f << " names a patient";
      EXPECT_EQ(text.find(field.patient_name), std::string::npos) << f << " names a patient";
    }
    auto doc = quaac::ReadQuaacJson(text);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    for (const auto& dp : doc->datapoints) {
      if (dp.measurement_unit != "MU") continue;
      ASSERT_TRUE(std::holds_alternative<double>(dp.measurement_value));
      mu_by_session[dp.parameters.at("qcflow_session")] = std::get<double>(dp.measurement_value);
    }
  }
  const size_t closed = ClosedDeliveries();
  ASSERT_GT(closed, 0u);
  EXPECT_EQ(mu_by_session.size(), closed);
  std::multiset<double> exported, truth;
  for (const auto& [session, mu] : mu_by_session) exported.insert(std::round(mu * 1000));
  for (const auto& field : truth_.fields) truth.insert(std::round(field.mu * 1000));
  for (double mu : exported) EXPECT_TRUE(truth.count(mu)) << "exported MU " << mu / 1000 << " not delivered";
  EXPECT_NE(r.out.find("Exported " + std::to_string(closed) + " of " + std::to_string(closed)),
            std::string::npos) << r.out;

  testing::Run again = Qcflow("export quaac --kind icom --tz Europe/Berlin --out " + out +
                              " --user-email qa@clinic.org");
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_NE(again.out.find("Exported 0 of " + std::to_string(closed)), std::string::npos) << again.out;
}

TEST_F(ExportIcomTest, KindFiltersDeliveriesInAndOut) {
  testing::Run mpc = Qcflow("export quip --kind mpc --out " + dir_.Sub("mpc"));
  EXPECT_EQ(Files(dir_.Sub("mpc")), std::vector<std::string>{}) << mpc.out;

  testing::Run all = Qcflow("export quip --out " + dir_.Sub("quip"));
  ASSERT_EQ(all.exit_code, 0) << all.out;
  const std::vector<std::string> files = Files(dir_.Sub("quip"));
  ASSERT_FALSE(files.empty()) << all.out;
  for (const std::string& f : files) {
    auto doc = quip::ReadQuipJson(testing::ReadAll(dir_.Sub("quip") + "/" + f));
    EXPECT_TRUE(doc.ok()) << f << ": " << doc.status().ToString();
  }
}

}  // namespace
}  // namespace qcflow
