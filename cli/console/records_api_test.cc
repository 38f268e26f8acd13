// GET /api/v1/records over a fake journal: the query it passes on, paging
// without a count, and the record model (instants in the display zone).
#include "cli/console/records_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace qcflow::console {
namespace {

using nlohmann::json;

constexpr MicrosUtc kJan5_0700Z = 1767596400LL * 1000000;  // 2026-01-05T07:00:00Z

struct FakeJournal {
  std::vector<IndexQuery> queries;
  std::vector<Record> records;  // in time order
  ConsoleBackend backend;
  FakeJournal() {
    for (int i = 0; i < 5; ++i) {
      Record r;
      r.kind = Kind::kMpc;
      r.source_id = "tb";
      r.event_time = kJan5_0700Z + i * 60'000'000LL;
      r.event_time_text = "run " + std::to_string(i);
      r.capture_time = r.event_time;
      r.meta = R"({"path":"/tds/)" + std::to_string(i) + R"("})";
      r.payload = "secret payload";
      records.push_back(r);
    }
    backend.zone = "Europe/Berlin";
    backend.records = [this](const IndexQuery& q, const Journal::Visitor& visit) {
      queries.push_back(q);
      size_t n = 0;
      for (size_t i = 0; i < records.size() && n < q.limit; ++i) {
        if (records[i].event_time < q.from || records[i].event_time >= q.until) continue;
        ++n;
        if (!visit(i + 1, records[i].View())) break;
      }
      return Status::OK();
    };
  }
  std::pair<int, json> Get(const std::string& target) {
    HttpAnswer a = HandleApi(backend, HttpExchange{"GET", target, {}, ""});
    json j = json::parse(a.body, nullptr, false);
    EXPECT_EQ(j.value("v", 0), 1) << a.body;
    return {a.status, j};
  }
};

TEST(RecordsApi, PagesWithoutCountingAndShowsTheRecordModel) {
  FakeJournal f;
  auto [status, doc] = f.Get("/api/v1/records?kind=mpc&source=tb&limit=2&offset=1");
  ASSERT_EQ(status, 200) << doc.dump();
  ASSERT_EQ(f.queries.size(), 1u);
  EXPECT_EQ(f.queries[0].kind, Kind::kMpc);
  EXPECT_EQ(f.queries[0].source_id, "tb");
  EXPECT_EQ(f.queries[0].limit, 4u) << "offset + limit + 1: no more than the page is read";
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

  auto [last_status, last] = f.Get("/api/v1/records?kind=mpc&limit=2&offset=4");
  EXPECT_EQ(last_status, 200);
  EXPECT_EQ(last["items"].size(), 1u);
  EXPECT_TRUE(last["next_offset"].is_null());
}

TEST(RecordsApi, BoundsAreReadInTheDisplayZone) {
  FakeJournal f;
  // 08:02 in Berlin is 07:02Z: the records of 07:02, 07:03 and 07:04.
  auto [status, doc] = f.Get("/api/v1/records?kind=mpc&since=2026-01-05%2008:02");
  ASSERT_EQ(status, 200) << doc.dump();
  EXPECT_EQ(f.queries[0].from, kJan5_0700Z + 2 * 60'000'000LL);
  EXPECT_EQ(doc["items"].size(), 3u);
}

TEST(RecordsApi, AKindIsRequired) {
  FakeJournal f;
  for (const char* target : {"/api/v1/records", "/api/v1/records?kind=linac"}) {
    auto [status, doc] = f.Get(target);
    EXPECT_EQ(status, 400) << target;
    EXPECT_NE(doc["error"].get<std::string>().find("kind"), std::string::npos) << doc.dump();
  }
  EXPECT_TRUE(f.queries.empty());
  auto [status, doc] = f.Get("/api/v1/records?kind=mpc&until=tomorrow");
  EXPECT_EQ(status, 400) << doc.dump();
}

}  // namespace
}  // namespace qcflow::console
