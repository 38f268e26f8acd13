// Two sites, one central history, through the binary: each site's store
// (MPC runs backfilled by `qcflow backfill mpc`, site south also an iCom linac
// routed to the central sink) is mirrored by `qcflow backfill postgres` into
// one real PostgreSQL 15; a second run writes nothing; and `qcflow query
// sessions|deliveries --db postgres --site S` answers what `qcflow query` on
// that site's own store answers. Both sites hold the same MPC serial: `site`
// keeps their rows apart.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "process/icom/icom_transform.h"
#include "store/store.h"
#include "tests/testing/child_process.h"
#include "tests/testing/icom_journal.h"
#include "tests/testing/mpc_runs.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

using nlohmann::json;

constexpr char kDb[] = "central";
constexpr char kPasswordEnv[] = "QCFLOW_TEST_CENTRAL_PW";

class CentralQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::PostgresServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    pg_ = std::move(*server);
    ASSERT_TRUE(pg_->CreateDatabase(kDb).ok()) << pg_->Diagnostics();
    ::setenv(kPasswordEnv, pg_->password().c_str(), 1);

    // South's linac, routed to the central sink: its closed deliveries are sessions.
    {
      auto store = Store::Open(dir_.Sub("south"));
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      icom::LinacGeneratorConfig c;
      c.seed = 3;
      c.messages = 900;
      c.fields_per_patient = 2;
      ASSERT_TRUE(testing::AppendGeneratedIcom(&(*store)->journal(), "LA1", c).ok());
      icom::IcomTransformConfig config;
      config.routes["LA1"] = {.zone = "Europe/Berlin", .sinks = {"central"}};
      icom::IcomTransform icom(store->get(), config);
      ASSERT_TRUE(icom.RunUntilCaughtUp().ok());
    }
    // The same MPC serial at both sites; south has a day north has not.
    for (int i = 0; i < 3; ++i) testing::WriteGeometryRun(dir_.Sub("north-TDS"), i);
    for (int i = 0; i < 2; ++i) testing::WriteGeometryRun(dir_.Sub("south-TDS"), i);
    testing::WriteGeometryRunOn(dir_.Sub("south-TDS"), "2024-05-01");
    for (const char* site : {"north", "south"}) {
      testing::Run b = Local(site, "backfill mpc --tds " + dir_.Sub(std::string(site) + "-TDS") +
                                       " --zone Europe/Berlin --settle 0 --wait 0");
      ASSERT_EQ(b.exit_code, 0) << b.out;
    }
  }
  void TearDown() override { ::unsetenv(kPasswordEnv); }

  testing::Run Local(const std::string& site, const std::string& args) {
    return testing::RunQcflow(QCFLOW_BIN, "--store " + dir_.Sub(site) + " " + args);
  }
  std::string Central() const {
    return " --conninfo '" + pg_->Conninfo(kDb) + "' --password-env " + kPasswordEnv;
  }
  testing::Run Mirror(const std::string& site) {
    return Local(site, "backfill postgres --site " + site + Central());
  }
  // The items of a JSON query, without the central answer's "site".
  json Items(const testing::Run& q) {
    EXPECT_EQ(q.exit_code, 0) << q.out;
    json doc = json::parse(q.out, nullptr, false);
    EXPECT_TRUE(doc.is_object()) << q.out;
    if (!doc.is_object()) return json::array();
    for (json& item : doc["items"]) item.erase("site");
    return doc["items"];
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::PostgresServer> pg_;
};

TEST_F(CentralQueryTest, EachSiteQueriedCentrallyAnswersWhatItsStoreAnswers) {
  for (const char* site : {"north", "south"}) {
    testing::Run m = Mirror(site);
    ASSERT_EQ(m.exit_code, 0) << m.out;
    EXPECT_NE(m.out.find("Site " + std::string(site)), std::string::npos) << m.out;
  }
  // A repeat writes nothing.
  testing::Run again = Mirror("south");
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_NE(again.out.find(" 0 new, 0 changed"), std::string::npos) << again.out;

  const std::string sessions = "query sessions --tz Europe/Berlin --limit 0 --format json";
  const std::string deliveries = "query deliveries --linac LA1 --tz Europe/Berlin --limit 0 --format json";
  size_t local_total = 0;
  for (const char* site : {"north", "south"}) {
    json local = Items(Local(site, sessions));
    json central = Items(Local(site, sessions + " --db postgres --site " + site + Central()));
    ASSERT_FALSE(local.empty()) << site;
    local_total += local.size();
    EXPECT_EQ(central.size(), local.size()) << site;
    for (size_t i = 0; i < std::min(local.size(), central.size()); ++i) {
      EXPECT_EQ(central[i], local[i]) << site << " session " << i << "\ncentral: " << central[i].dump()
                                      << "\nlocal:   " << local[i].dump();
    }
  }
  // Every site's sessions, none merged although the serials are the same.
  json all = Items(Local("north", sessions + " --db postgres" + Central()));
  EXPECT_EQ(all.size(), local_total);

  json local = Items(Local("south", deliveries));
  json central = Items(Local("south", deliveries + " --db postgres --site south" + Central()));
  std::vector<json> closed;
  for (const json& d : local) {
    if (!d["open"].get<bool>()) closed.push_back(d);
  }
  ASSERT_FALSE(closed.empty());
  ASSERT_EQ(central.size(), closed.size()) << "only closed deliveries are mirrored";
  // Every local key, equal where the centre knows it (null where no site sends it: the patient,
  // the stream's counters).
  for (size_t i = 0; i < closed.size(); ++i) {
    const json& c = central[i];
    size_t known = 0;
    for (const auto& [key, value] : closed[i].items()) {
      ASSERT_TRUE(c.contains(key)) << key;
      if (c[key].is_null()) continue;
      ++known;
      EXPECT_EQ(c[key], value) << "delivery " << closed[i]["id"] << ": " << key;
    }
    EXPECT_GE(known, 14u) << c.dump();
    EXPECT_TRUE(c["patient_id"].is_null() && c["patient_name"].is_null()) << "a patient left the site";
    EXPECT_EQ(c["user_key"], "qcflow/icom/" + closed[i]["id"].get<std::string>());
  }
  EXPECT_TRUE(Items(Local("north", deliveries + " --db postgres --site north" + Central())).empty());
}

}  // namespace
}  // namespace qcflow
