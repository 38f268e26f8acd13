// GET /api/v1/deliveries over a fake backend: the query it passes on, paging,
// and patient identity masked unless the console may show names.
#include "cli/console/deliveries_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/console/api_testing.h"

namespace qcflow::console {
namespace {

using nlohmann::json;

struct FakeDeliveries {
  std::vector<icom::DeliveryQuery> queries;
  ConsoleBackend backend;
  FakeDeliveries() {
    backend.deliveries = [this](const icom::DeliveryQuery& q) {
      queries.push_back(q);
      std::vector<icom::Delivery> out;
      for (int i = 0; i < 3; ++i) {
        icom::Delivery d;
        d.linac = q.linac;
        d.first_seq = 10 + i;
        d.open = false;
        d.close_reason = icom::kCloseField;
        d.patient_id = "QC000123";
        d.patient_name = "SMITH, ANNA";
        d.rx_site = "PROSTATE";
        d.field_id = std::to_string(i + 1);
        d.energies = {"6 MV"};
        d.start = 1'767'600'000'000'000 + i * 60'000'000;  // 2026-01-05 08:00 UTC, a minute apart
        d.end = d.start + 30'000'000;
        d.start_text = "2026-01-05 09:00:00";
        d.mu = 100.5;
        d.gantry_min = 180;
        d.gantry_max = 200;
        d.messages = 40;
        out.push_back(d);
      }
      return Result<std::vector<icom::Delivery>>(out);
    };
  }
  std::pair<int, json> Get(const std::string& target) { return ApiGet(backend, target); }
};

TEST(DeliveriesApi, PassesTheFiltersAndPagesTheAnswer) {
  FakeDeliveries f;
  auto [status, doc] = f.Get("/api/v1/deliveries?linac=LA1&field=2&patient=QC000123"
                             "&since=2026-01-05&until=2026-01-06T00:00Z&limit=2&offset=1");
  ASSERT_EQ(status, 200) << doc.dump();
  ASSERT_EQ(f.queries.size(), 1u);
  const icom::DeliveryQuery& q = f.queries[0];
  EXPECT_EQ(q.linac, "LA1");
  EXPECT_EQ(q.field, "2");
  EXPECT_EQ(q.patient, "QC000123");
  EXPECT_EQ(q.since, 1'767'571'200'000'000);  // 2026-01-05 00:00 UTC
  EXPECT_EQ(q.until, 1'767'657'600'000'000);
  EXPECT_EQ(doc["total"], 3);
  EXPECT_EQ(doc["next_offset"], nullptr);
  EXPECT_EQ(doc["truncated"], false);
  ASSERT_EQ(doc["items"].size(), 2u);
  const json& d = doc["items"][0];
  EXPECT_EQ(d["id"], "LA1/11");
  EXPECT_EQ(d["start"], "2026-01-05T08:01:00+00:00");
  EXPECT_EQ(d["field"], "2");
  EXPECT_EQ(d["mu"], 100.5);
  EXPECT_EQ(d["gantry_min"], 180.0);
  EXPECT_EQ(d["collimator_min"], nullptr);
  EXPECT_EQ(d["energies"], json::array({"6 MV"}));
  EXPECT_EQ(d["close_reason"], "field");
}

TEST(DeliveriesApi, DaysAndTimesAreTheDisplayZones) {
  FakeDeliveries f;
  f.backend.zone = "Europe/Berlin";
  auto [status, doc] = f.Get("/api/v1/deliveries?linac=LA1&since=2026-01-05&until=2026-01-06");
  ASSERT_EQ(status, 200) << doc.dump();
  EXPECT_EQ(f.queries[0].since, 1'767'571'200'000'000 - 3'600'000'000);  // Berlin's midnight
  EXPECT_EQ(f.queries[0].until, 1'767'657'600'000'000 - 3'600'000'000);
  EXPECT_EQ(doc["items"][0]["start"], "2026-01-05T09:00:00+01:00");
  EXPECT_EQ(doc["items"][0]["end"], "2026-01-05T09:00:30+01:00");
}

TEST(DeliveriesApi, PatientIdentityOnlyWhenTheConsoleMayShowNames) {
  FakeDeliveries f;
  json d = f.Get("/api/v1/deliveries?linac=LA1").second["items"][0];
  EXPECT_EQ(d["patient_id"], "*****123");
  EXPECT_EQ(d["patient_name"], nullptr);
  EXPECT_EQ(d["rx_site"], nullptr);
  EXPECT_EQ(d.dump().find("SMITH"), std::string::npos);
  f.backend.show_patient_names = true;
  d = f.Get("/api/v1/deliveries?linac=LA1").second["items"][0];
  EXPECT_EQ(d["patient_id"], "QC000123");
  EXPECT_EQ(d["patient_name"], "SMITH, ANNA");
}

TEST(DeliveriesApi, ALinacIsRequiredAndBoundsAreChecked) {
  FakeDeliveries f;
  auto [status, doc] = f.Get("/api/v1/deliveries");
  EXPECT_EQ(status, 400);
  EXPECT_NE(doc["error"].get<std::string>().find("linac"), std::string::npos);
  EXPECT_EQ(f.Get("/api/v1/deliveries?linac=LA1&since=yesterday").first, 400);
  EXPECT_EQ(f.Get("/api/v1/deliveries?linac=LA1&limit=0").first, 400);
  EXPECT_TRUE(f.queries.empty());  // nothing read for a bad request
}

}  // namespace
}  // namespace qcflow::console
