// GET /api/v1/records over a real store: filters, paging without a count,
// and the record model (instants in the display zone).
#include "cli/console/records_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/console/api_testing.h"

#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::console {
namespace {

using nlohmann::json;

constexpr MicrosUtc kJan5_0700Z = 1767596400LL * 1000000;  // 2026-01-05T07:00:00Z

// Five MPC records a minute apart from 07:00Z, in a real store, so the
// time index and the journal's limits are the ones the daemon uses.
class RecordsApi : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::Open(dir_.Sub("store"));
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    for (int i = 0; i < 5; ++i) {
      Record r;
      r.kind = Kind::kMpc;
      r.source_id = "tb";
      r.event_time = kJan5_0700Z + i * 60'000'000LL;
      r.event_time_text = "run " + std::to_string(i);
      r.capture_time = r.event_time;
      r.dedup_key = "k" + std::to_string(i);
      r.meta = R"({"path":"/tds/)" + std::to_string(i) + R"("})";
      r.payload = "secret payload";
      ASSERT_TRUE(store_->journal().Append(r).ok());
    }
    backend_.zone = "Europe/Berlin";
    backend_.journal = [this] {
      ++reads_;
      return &store_->journal();
    };
  }
  std::pair<int, json> Get(const std::string& target) { return ApiGet(backend_, target); }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  ConsoleBackend backend_;
  int reads_ = 0;  // how often the journal was asked for
};

TEST_F(RecordsApi, PagesWithoutCountingAndShowsTheRecordModel) {
  auto [status, doc] = Get("/api/v1/records?kind=mpc&source=tb&limit=2&offset=1");
  ASSERT_EQ(status, 200) << doc.dump();
  EXPECT_TRUE(doc["total"].is_null());
  EXPECT_EQ(doc["next_offset"], 3);
  ASSERT_EQ(doc["items"].size(), 2u);
  const json& first = doc["items"][0];
  EXPECT_EQ(first["seq"], 2);
  EXPECT_EQ(first["event_time"], "2026-01-05T08:01:00+01:00");
  EXPECT_EQ(first["source_time"], "run 1");
  EXPECT_EQ(first["meta"]["path"], "/tds/1");
  EXPECT_EQ(first["quarantined"], false);
  EXPECT_FALSE(first.contains("payload")) << "payloads stay in the journal";

  auto [last_status, last] = Get("/api/v1/records?kind=mpc&limit=2&offset=4");
  EXPECT_EQ(last_status, 200);
  EXPECT_EQ(last["items"].size(), 1u);
  EXPECT_TRUE(last["next_offset"].is_null());
  EXPECT_EQ(Get("/api/v1/records?kind=mpc&source=other").second["items"].size(), 0u);
  EXPECT_EQ(Get("/api/v1/records?kind=dqa3").second["items"].size(), 0u);
}

TEST_F(RecordsApi, BoundsAreReadInTheDisplayZone) {
  // 08:02 to 08:04 in Berlin is 07:02Z to 07:04Z: the records of 07:02 and 07:03.
  auto [status, doc] = Get("/api/v1/records?kind=mpc&since=2026-01-05%2008:02&until=2026-01-05T08:04");
  ASSERT_EQ(status, 200) << doc.dump();
  ASSERT_EQ(doc["items"].size(), 2u);
  EXPECT_EQ(doc["items"][0]["source_time"], "run 2");
  EXPECT_EQ(doc["items"][1]["source_time"], "run 3");
}

TEST_F(RecordsApi, AKindIsRequired) {
  for (const char* target : {"/api/v1/records", "/api/v1/records?kind=linac"}) {
    auto [status, doc] = Get(target);
    EXPECT_EQ(status, 400) << target;
    EXPECT_NE(doc["error"].get<std::string>().find("kind"), std::string::npos) << doc.dump();
  }
  EXPECT_EQ(reads_, 0) << "a bad request reads nothing";
  auto [status, doc] = Get("/api/v1/records?kind=mpc&until=tomorrow");
  EXPECT_EQ(status, 400) << doc.dump();
}

}  // namespace
}  // namespace qcflow::console
