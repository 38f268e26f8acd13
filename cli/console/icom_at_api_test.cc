// GET /api/v1/icom/at over a real store filled by the linac simulator's
// generator: the nearest message, its time in the display zone, patient
// identity masked unless the console may show names, and the usage errors.
#include "cli/console/icom_at_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/console/api_testing.h"

#include "ingest/icom/decoder.h"
#include "store/store.h"
#include "tests/testing/icom_journal.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::console {
namespace {

using nlohmann::json;

class IcomAtApi : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::Open(dir_.Sub("store"));
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    icom::LinacGeneratorConfig c;
    c.seed = 5;
    c.messages = 400;  // 4 a second from 2026-01-05 08:00:00 UTC
    ASSERT_TRUE(testing::AppendGeneratedIcom(&store_->journal(), "LA1", c).ok());
    backend_.zone = "Europe/Berlin";
    backend_.journal = [this] { return &store_->journal(); };
  }
  std::pair<int, json> Get(const std::string& target) { return ApiGet(backend_, target); }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  ConsoleBackend backend_;
};

TEST_F(IcomAtApi, TheNearestMessageDecodedInTheDisplayZone) {
  // 09:01:10 in Berlin is 08:01:10Z: the first message of that second, seq 281.
  auto [status, j] = Get("/api/v1/icom/at?linac=LA1&at=2026-01-05T09:01:10");
  ASSERT_EQ(status, 200) << j.dump();
  EXPECT_EQ(j["seq"], 281);
  EXPECT_EQ(j["time"], "2026-01-05T09:01:10+01:00");
  EXPECT_EQ(j["source_time"], "2026-01-0508:01:10");
  EXPECT_EQ(j["part"], "R");
  auto record = store_->journal().Get(281);
  ASSERT_TRUE(record.ok());
  icom::IcomMessage m;
  ASSERT_TRUE(icom::DecodeMessage(record->payload, &m).ok());
  EXPECT_DOUBLE_EQ(j["gantry_deg"].get<double>(), *m.gantry_deg);
  ASSERT_TRUE(m.patient_id.has_value());
  const std::string id = *m.patient_id;
  EXPECT_EQ(j["patient_id"], std::string(id.size() - 3, '*') + id.substr(id.size() - 3));
  EXPECT_TRUE(j["patient_name"].is_null());
  backend_.show_patient_names = true;
  EXPECT_EQ(Get("/api/v1/icom/at?linac=LA1&at=2026-01-05T08:01:10Z").second["patient_id"], id);
}

TEST_F(IcomAtApi, UsageErrorsAndAnUnknownLinac) {
  EXPECT_EQ(Get("/api/v1/icom/at?linac=LA1").first, 400);
  EXPECT_EQ(Get("/api/v1/icom/at?at=2026-01-05").first, 400);
  EXPECT_EQ(Get("/api/v1/icom/at?linac=LA1&at=2026-01-05&part=Q").first, 400);
  EXPECT_EQ(Get("/api/v1/icom/at?linac=LA1&at=soon").first, 400);
  auto [status, j] = Get("/api/v1/icom/at?linac=NOPE&at=2026-01-05");
  EXPECT_EQ(status, 404);
  EXPECT_NE(j["error"].get<std::string>().find("NOPE"), std::string::npos);
}

}  // namespace
}  // namespace qcflow::console
