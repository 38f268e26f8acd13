// End-to-end tests of `qcflow query deliveries` and `qcflow query icom`: the
// real binary over a store filled from the simulator's generator (known truth)
// and processed by IcomTransform.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "ingest/icom/decoder.h"
#include "process/icom/icom_transform.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/icom_journal.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

testing::Run Qcflow(const std::string& args) { return testing::RunQcflow(QCFLOW_BIN, args); }

// One store for the suite: building it is the slow part.
class QueryIcomTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    auto store = Store::Open(dir_->Sub("store"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    icom::LinacGeneratorConfig c;
    c.seed = 5;
    c.messages = 1500;
    c.fields_per_patient = 3;
    auto truth = testing::AppendGeneratedIcom(&(*store)->journal(), "LA1", c);
    ASSERT_TRUE(truth.ok());
    truth_ = new icom::GeneratorTruth(*truth);
    c.seed = 6;
    ASSERT_TRUE(testing::AppendGeneratedIcom(&(*store)->journal(), "LA2", c).ok());
    icom::IcomTransform t(store->get(), {});
    ASSERT_TRUE(t.RunUntilCaughtUp().ok());
  }
  static void TearDownTestSuite() {
    delete truth_;
    delete dir_;
  }

  static std::string Query(const std::string& args) {
    return "--store " + dir_->Sub("store") + " query " + args;
  }
  // Runs a query with --format json (times in UTC unless `args` names a
  // zone) and parses its document: a list's items, or the one object.
  static nlohmann::json Json(const std::string& args) {
    const std::string zone = args.find("--tz") == std::string::npos ? " --tz UTC" : "";
    testing::Run r = Qcflow(Query(args + zone + " --format json"));
    EXPECT_EQ(r.exit_code, 0) << r.out;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    EXPECT_EQ(j.value("v", 0), 1) << r.out;
    return j.contains("items") ? j["items"] : j;
  }

  static testing::TempDir* dir_;
  static icom::GeneratorTruth* truth_;
};
testing::TempDir* QueryIcomTest::dir_ = nullptr;
icom::GeneratorTruth* QueryIcomTest::truth_ = nullptr;

TEST_F(QueryIcomTest, DeliveriesOfALinacMatchTheTruth) {
  nlohmann::json all = Json("deliveries --linac LA1");
  ASSERT_EQ(all.size(), truth_->fields.size());
  ASSERT_GE(all.size(), 4u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i]["patient_id"], truth_->fields[i].patient_id);
    EXPECT_EQ(all[i]["field"], truth_->fields[i].field_id);
    EXPECT_NEAR(all[i]["mu"].get<double>(), truth_->fields[i].mu, 1e-6);
    EXPECT_EQ(all[i]["linac"], "LA1");
    EXPECT_FALSE(all[i].contains("last_delivery_mu"));
  }
}

TEST_F(QueryIcomTest, FiltersByPatientFieldAndTime) {
  const icom::DeliveredField& pick = truth_->fields.at(1);
  size_t by_patient = 0, by_field = 0, both = 0;
  for (const auto& f : truth_->fields) {
    by_patient += f.patient_id == pick.patient_id;
    by_field += f.field_id == pick.field_id;
    both += f.patient_id == pick.patient_id && f.field_id == pick.field_id;
  }
  nlohmann::json p = Json("deliveries --linac LA1 --patient " + pick.patient_id);
  EXPECT_EQ(p.size(), by_patient);
  for (const auto& d : p) EXPECT_EQ(d["patient_id"], pick.patient_id);
  nlohmann::json f = Json("deliveries --linac LA1 --field " + pick.field_id);
  EXPECT_EQ(f.size(), by_field);
  for (const auto& d : f) EXPECT_EQ(d["field"], pick.field_id);
  nlohmann::json pf =
      Json("deliveries --linac LA1 --patient " + pick.patient_id + " --field " + pick.field_id);
  EXPECT_EQ(pf.size(), both);

  nlohmann::json all = Json("deliveries --linac LA1");
  const std::string third = all.at(2)["start"];  // with its offset: that instant
  nlohmann::json since = Json("deliveries --linac LA1 --since " + third);
  EXPECT_EQ(since.size(), all.size() - 2);
  EXPECT_EQ(since.at(0)["id"], all.at(2)["id"]);
  nlohmann::json until = Json("deliveries --linac LA1 --until " + third);
  EXPECT_EQ(until.size(), 2u);
  nlohmann::json limited = Json("deliveries --linac LA1 --limit 1");
  EXPECT_EQ(limited.size(), 1u);
  EXPECT_EQ(Json("deliveries --linac LA1 --patient nobody").size(), 0u);
}

TEST_F(QueryIcomTest, TableAndCsvFormats) {
  testing::Run csv = Qcflow(Query("deliveries --linac LA2 --format csv --tz Europe/Berlin"));
  ASSERT_EQ(csv.exit_code, 0) << csv.out;
  std::istringstream lines(csv.out);
  std::string header, line;
  std::getline(lines, header);
  EXPECT_EQ(header.rfind("start (Europe/Berlin),end (Europe/Berlin),patient_id,patient_name,field,energy,mu", 0), 0u)
      << header;
  const nlohmann::json same = Json("deliveries --linac LA2 --tz Europe/Berlin");
  size_t rows = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ASSERT_LT(rows, same.size());
    // The CSV's instant is the JSON's text: one notion of time in every format.
    EXPECT_EQ(line.substr(0, line.find(',')), same[rows]["start"].get<std::string>()) << line;
    ++rows;
  }
  EXPECT_EQ(rows, same.size());

  testing::Run table = Qcflow(Query("deliveries --linac LA1"));
  ASSERT_EQ(table.exit_code, 0) << table.out;
  EXPECT_NE(table.out.find(truth_->fields[0].patient_id), std::string::npos);
  EXPECT_NE(table.out.find("closed (field)"), std::string::npos) << table.out;

  testing::Run none = Qcflow(Query("deliveries --linac NOPE"));
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_NE(none.out.find("No deliveries match"), std::string::npos);
}

TEST_F(QueryIcomTest, UsageErrorsExplainThemselves) {
  testing::Run no_linac = Qcflow(Query("deliveries"));
  EXPECT_EQ(no_linac.exit_code, 2) << no_linac.out;
  EXPECT_NE(no_linac.out.find("--linac"), std::string::npos);
  testing::Run bad_time = Qcflow(Query("deliveries --linac LA1 --since yesterday"));
  EXPECT_EQ(bad_time.exit_code, 2) << bad_time.out;
  EXPECT_NE(bad_time.out.find("--since"), std::string::npos);
  testing::Run help = Qcflow(Query("deliveries --help"));
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Example"), std::string::npos);
  testing::Run bad_part = Qcflow(Query("icom --linac LA1 --at 2026-01-05 --part Q"));
  EXPECT_EQ(bad_part.exit_code, 2) << bad_part.out;
  testing::Run unknown = Qcflow(Query("icom --linac NOPE --at 2026-01-05"));
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.out.find("NOPE"), std::string::npos) << unknown.out;
}

// The journal's LA1 message with `seq`, decoded.
icom::IcomMessage Decoded(const std::string& store_dir, uint64_t seq) {
  StoreOptions ro;
  ro.read_only = true;
  auto store = Store::Open(store_dir, ro);
  EXPECT_TRUE(store.ok());
  auto rec = (*store)->journal().Get(seq);
  EXPECT_TRUE(rec.ok());
  icom::IcomMessage m;
  EXPECT_TRUE(icom::DecodeMessage(rec->payload, &m).ok());
  return m;
}

TEST_F(QueryIcomTest, IcomAtShowsTheNearestMessageDecoded) {
  // LA1's messages are seqs 1..1500, 4 per second from 2026-01-05 08:00:00 UTC.
  nlohmann::json j = Json("icom --linac LA1 --at '2026-01-05 08:01:40'");
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["source_time"], "2026-01-0508:01:40");
  EXPECT_EQ(j["time"], "2026-01-05T08:01:40+00:00");
  EXPECT_EQ(j["seq"], 401);  // the first message of that second
  // The same instant asked and shown in Berlin's clock.
  nlohmann::json berlin = Json("icom --linac LA1 --at '2026-01-05 09:01:40' --tz Europe/Berlin");
  EXPECT_EQ(berlin["seq"], 401);
  EXPECT_EQ(berlin["time"], "2026-01-05T09:01:40+01:00");
  EXPECT_EQ(berlin["zone"], "Europe/Berlin");
  icom::IcomMessage want = Decoded(dir_->Sub("store"), 401);
  EXPECT_EQ(j["counter"], want.counter);
  EXPECT_DOUBLE_EQ(j["gantry_deg"].get<double>(), *want.gantry_deg);
  EXPECT_DOUBLE_EQ(j["delivery_mu"].get<double>(), *want.delivery_mu);
  EXPECT_EQ(j["patient_id"], *want.patient_id);
  EXPECT_EQ(j["machine_id"], *want.machine_id);
  ASSERT_EQ(j["mlc"].size(), 80u);
  const auto& r = want.collimation[icom::kPartR];
  EXPECT_EQ(j["mlc"][0]["leaf_pair"], 1);
  EXPECT_DOUBLE_EQ(j["mlc"][0]["a"].get<double>(), r.mlc[0]);
  EXPECT_DOUBLE_EQ(j["mlc"][79]["b"].get<double>(), r.mlc[159]);
  EXPECT_DOUBLE_EQ(j["jaws"]["x"][1].get<double>(), (*r.asym_x)[1]);
  // Nearest in both directions, and before/after the whole stream.
  EXPECT_EQ(Json("icom --linac LA1 --at '2026-01-05 08:01:39.9'")["seq"], 401);
  EXPECT_EQ(Json("icom --linac LA1 --at '2026-01-05 08:01:40.3'")["seq"], 401);
  EXPECT_EQ(Json("icom --linac LA1 --at '2026-01-05 08:01:40.7'")["seq"], 405);
  EXPECT_EQ(Json("icom --linac LA1 --at 2025-12-31")["seq"], 1);
  // The last second holds seqs 1497..1500: the first of equally near messages.
  EXPECT_EQ(Json("icom --linac LA1 --at 2026-02-01")["seq"], 1497);
  EXPECT_EQ(Json("icom --linac LA2 --at 2026-01-05")["linac"], "LA2");
  // Another part and zone: 09:01:40 in Paris is 08:01:40 UTC.
  nlohmann::json p = Json("icom --linac LA1 --at '2026-01-05 09:01:40' --tz Europe/Paris --part P");
  EXPECT_EQ(p["seq"], 401);
  EXPECT_DOUBLE_EQ(p["mlc"][0]["a"].get<double>(), want.collimation[icom::kPartP].mlc[0]);
}

TEST_F(QueryIcomTest, IcomAtTableShowsFieldsJawsAndMlcRows) {
  testing::Run t = Qcflow(Query("icom --linac LA1 --at '2026-01-05 08:01:40'"));
  ASSERT_EQ(t.exit_code, 0) << t.out;
  EXPECT_NE(t.out.find("delivery_mu"), std::string::npos);
  EXPECT_NE(t.out.find("leaf_pair"), std::string::npos);
  EXPECT_NE(t.out.find("\n80 "), std::string::npos);  // the last leaf pair's row
  testing::Run csv = Qcflow(Query("icom --linac LA1 --at '2026-01-05 08:01:40' --format csv"));
  ASSERT_EQ(csv.exit_code, 0);
  EXPECT_NE(csv.out.find("\nleaf_pair,a,b\n1,"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find("\njaw,1,2\nX,"), std::string::npos);
}

}  // namespace
}  // namespace qcflow
