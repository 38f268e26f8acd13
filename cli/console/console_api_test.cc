// The read API as plain functions, over a fake backend: shapes, pagination,
// errors and the write token.
#include "cli/console/console_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/console/console.h"

namespace qcflow::console {
namespace {

using nlohmann::json;

struct Fake {
  cli::StatusSnapshot snapshot;
  std::vector<cli::DeadLetter> dead;
  std::vector<std::string> retried;  // sinks retry was called with
  ConsoleBackend backend;

  Fake() {
    cli::ComponentSnapshot src;
    src.name = "tds";
    src.role = "source";
    src.kind = "source.mpc";
    src.state = "ok";
    src.last_run = "2026-01-02T03:04:05Z";
    src.records = 12;
    src.quarantined = 1;
    src.details = {{"reconnects", "2"}, {"connected", "true"}, {"last_message", "\"2026-01-02T03:04:00Z\""},
                   {"odd", "not json"}};
    cli::ComponentSnapshot sink;
    sink.name = "qatrack";
    sink.role = "sink";
    sink.kind = "sink.qatrack";
    sink.state = "paused";
    sink.paused = true;
    sink.pending = 2;
    sink.oldest_pending = "2026-01-02T03:00:00Z";
    sink.dead_letters = 3;
    sink.last_error = "HTTP 403: forbidden";
    snapshot.components = {src, sink};
    snapshot.records = 12;
    snapshot.version = "9.9";
    for (int i = 0; i < 5; ++i) dead.push_back({"qatrack", "item" + std::to_string(i), "", "HTTP 403", 1});
    backend.status = [this] { return Result<cli::StatusSnapshot>(snapshot); };
    backend.dead_letters = [this](const std::string& sink, size_t offset, size_t limit) {
      cli::DeadLetterPage p;
      for (const auto& d : dead) {
        if (!sink.empty() && d.sink != sink) continue;
        if (p.total++ >= offset && p.items.size() < limit) p.items.push_back(d);
      }
      return Result<cli::DeadLetterPage>(p);
    };
    backend.retry = [this](const std::string& sink) -> Result<size_t> {
      if (sink == "nope") return Status::NotFound("no sink is named 'nope'");
      retried.push_back(sink);
      return size_t(dead.size());
    };
    backend.trend_series = [] {
      TrendSeriesInfo a{"H191157", "output_6x", "BeamGroup/BeamOutputChange", "%", "mpc", 3,
                        1'700'000'000'000'000, 1'700'100'000'000'000};
      TrendSeriesInfo b{"Room 1/TrueBeam", "dose", "", "", "dqa3", 1, 1'600'000'000'000'000,
                        1'600'000'000'000'000};
      return Result<std::vector<TrendSeriesInfo>>(std::vector<TrendSeriesInfo>{a, b});
    };
    backend.trend = [this](const TrendQuery& q) {
      queries.push_back(q);
      TrendSeries s;
      s.machine = q.machine;
      s.test = q.test;
      s.unit = "%";
      // 2024-07-01 05:30 UTC, in Berlin's summer; then one in winter; one with no band.
      s.points.push_back({1'719'811'800'000'000, "Europe/Berlin", 0.12, std::nullopt, 2.0, "Pass", "k1"});
      s.points.push_back({1'735'716'600'000'000, "Europe/Berlin", -0.5, 0.0, 2.0, "Pass", "k2", true});
      s.points.push_back({1'735'716'600'000'000, "", 3.5, std::nullopt, std::nullopt, "", "k3"});
      return Result<TrendSeries>(s);
    };
  }
  std::vector<TrendQuery> queries;  // what trend was called with

  std::pair<int, json> Call(const std::string& method, const std::string& target,
                            const std::string& auth = "", const std::string& body = "") {
    HttpAnswer a = HandleApi(backend, HttpExchange{method, target, auth, body});
    EXPECT_EQ(a.content_type, "application/json");
    json j = json::parse(a.body, nullptr, false);
    EXPECT_TRUE(j.is_object()) << a.body;
    EXPECT_EQ(j.value("v", 0), 1) << a.body;  // every document, errors too
    return {a.status, j};
  }
};

TEST(ConsoleApi, StatusHasEveryComponentWithTypedFields) {
  Fake f;
  auto [code, j] = f.Call("GET", "/api/v1/status");
  ASSERT_EQ(code, 200) << j;
  ASSERT_EQ(j["components"].size(), 2u);
  const json& src = j["components"][0];
  EXPECT_EQ(src["name"], "tds");
  EXPECT_EQ(src["records"], 12);
  EXPECT_TRUE(src["pending"].is_null());  // not a sink's field
  EXPECT_TRUE(src["next_run"].is_null());  // never
  EXPECT_TRUE(src["paused"].is_boolean());
  const json& sink = j["components"][1];
  EXPECT_EQ(sink["paused"], true);
  EXPECT_EQ(sink["dead_letters"], 3);
  EXPECT_EQ(sink["oldest_pending"], "2026-01-02T03:00:00+00:00");
  EXPECT_TRUE(src["oldest_pending"].is_null());
  EXPECT_EQ(sink["last_error"], "HTTP 403: forbidden");
  EXPECT_EQ(j["dead_letters"], 3);
  EXPECT_EQ(j["pending"], 2);
  EXPECT_EQ(j["console"]["write_enabled"], false);
  EXPECT_EQ(j["zone"], "UTC");
  EXPECT_EQ(src["last_run"], "2026-01-02T03:04:05+00:00");
  // The part's own fields, typed as it stored them.
  EXPECT_EQ(src["details"]["reconnects"], 2);
  EXPECT_EQ(src["details"]["connected"], true);
  EXPECT_EQ(src["details"]["last_message"], "2026-01-02T03:04:00+00:00");  // an instant, as every instant
  EXPECT_EQ(src["details"]["odd"], "not json");
  EXPECT_TRUE(sink["details"].is_object() && sink["details"].empty());
}

TEST(ConsoleApi, StatusInstantsAreInTheDisplayZoneItNames) {
  Fake f;
  f.backend.zone = "Europe/Berlin";
  auto [code, j] = f.Call("GET", "/api/v1/status");
  ASSERT_EQ(code, 200) << j;
  EXPECT_EQ(j["zone"], "Europe/Berlin");
  EXPECT_EQ(j["components"][0]["last_run"], "2026-01-02T04:04:05+01:00");  // 03:04:05Z in winter
  EXPECT_TRUE(j["components"][0]["last_ok"].is_null());                    // never: still null
  EXPECT_EQ(j["components"][0]["details"]["last_message"], "2026-01-02T04:04:00+01:00");  // a kind's own instant
  std::tie(code, j) = f.Call("GET", "/api/v1/components?limit=1");
  EXPECT_EQ(j["items"][0]["last_run"], "2026-01-02T04:04:05+01:00");
}

TEST(ConsoleApi, ListsArePagedAndLimitsChecked) {
  Fake f;
  auto [code, j] = f.Call("GET", "/api/v1/dead-letters?limit=2&offset=1");
  ASSERT_EQ(code, 200) << j;
  EXPECT_EQ(j["total"], 5);
  ASSERT_EQ(j["items"].size(), 2u);
  EXPECT_EQ(j["items"][0]["item"], "item1");
  EXPECT_EQ(j["next_offset"], 3);
  std::tie(code, j) = f.Call("GET", "/api/v1/dead-letters?offset=3&limit=2");
  EXPECT_TRUE(j["next_offset"].is_null()) << j;  // the last page
  std::tie(code, j) = f.Call("GET", "/api/v1/components?limit=1&offset=1");
  ASSERT_EQ(code, 200);
  EXPECT_EQ(j["total"], 2);
  EXPECT_EQ(j["items"][0]["name"], "qatrack");
  for (const char* bad : {"limit=0", "limit=1001", "limit=x", "offset=-1"}) {
    std::tie(code, j) = f.Call("GET", std::string("/api/v1/dead-letters?") + bad);
    EXPECT_EQ(code, 400) << bad;
    EXPECT_TRUE(j["error"].is_string()) << j;
  }
}

TEST(ConsoleApi, RetryNeedsTheWriteToken) {
  Fake f;
  auto [code, j] = f.Call("POST", "/api/v1/dead-letters/retry", "Bearer anything");
  EXPECT_EQ(code, 403);  // no token configured: read-only
  EXPECT_NE(j["error"].get<std::string>().find("read-only"), std::string::npos) << j;
  f.backend.token = "s3cret";
  for (const char* auth : {"", "Bearer s3cre", "Bearer s3cret2", "Token s3cret", "s3cret"}) {
    std::tie(code, j) = f.Call("POST", "/api/v1/dead-letters/retry", auth);
    EXPECT_EQ(code, 403) << auth;
    EXPECT_EQ(j.dump().find("s3cret"), std::string::npos);
  }
  EXPECT_TRUE(f.retried.empty());
  std::tie(code, j) = f.Call("GET", "/api/v1/dead-letters/retry", "Bearer s3cret");
  EXPECT_EQ(code, 405);
  std::tie(code, j) = f.Call("POST", "/api/v1/dead-letters/retry", "Bearer s3cret");
  EXPECT_EQ(code, 200) << j;
  EXPECT_EQ(j["requeued"], 5);
  std::tie(code, j) = f.Call("POST", "/api/v1/dead-letters/retry", "Bearer s3cret", R"({"sink":"qatrack"})");
  EXPECT_EQ(code, 200) << j;
  std::tie(code, j) = f.Call("POST", "/api/v1/dead-letters/retry?sink=nope", "Bearer s3cret");
  EXPECT_EQ(code, 404) << j;
  std::tie(code, j) = f.Call("POST", "/api/v1/dead-letters/retry", "Bearer s3cret", "[1]");
  EXPECT_EQ(code, 400) << j;
  EXPECT_EQ(f.retried, (std::vector<std::string>{"", "qatrack"}));
}

TEST(ConsoleApi, UnknownEndpointsAndMethodsAreJsonErrors) {
  Fake f;
  auto [code, j] = f.Call("GET", "/api/v1/nothing");
  EXPECT_EQ(code, 404);
  EXPECT_TRUE(j["error"].is_string());
  std::tie(code, j) = f.Call("DELETE", "/api/v1/status");
  EXPECT_EQ(code, 405);
  f.backend.status = [] { return Result<cli::StatusSnapshot>(Status::IOError("disk gone")); };
  std::tie(code, j) = f.Call("GET", "/api/v1/status");
  EXPECT_EQ(code, 503);
  EXPECT_NE(j["error"].get<std::string>().find("disk gone"), std::string::npos);
}

TEST(ConsoleApi, TrendsListSeriesAndServePointsWithLocalTimes) {
  Fake f;
  f.backend.zone = "Europe/Berlin";
  auto [code, j] = f.Call("GET", "/api/v1/trends?limit=1&offset=1");
  ASSERT_EQ(code, 200) << j;
  EXPECT_EQ(j["total"], 2);
  ASSERT_EQ(j["items"].size(), 1u);
  EXPECT_EQ(j["items"][0]["machine"], "Room 1/TrueBeam");
  EXPECT_EQ(j["items"][0]["kind"], "dqa3");
  EXPECT_EQ(j["items"][0]["points"], 1);

  std::tie(code, j) = f.Call("GET", "/api/v1/trends/series?machine=H191157&test=output_6x"
                                    "&since=2024-01-01&until=2025-06-01T00:00:00Z&limit=2");
  ASSERT_EQ(code, 200) << j;
  ASSERT_EQ(f.queries.size(), 1u);
  EXPECT_EQ(f.queries[0].machine, "H191157");
  EXPECT_EQ(f.queries[0].test, "output_6x");
  EXPECT_EQ(f.queries[0].from, *ParseTimeArg("2023-12-31T23:00:00Z"));  // Berlin's midnight
  EXPECT_EQ(f.queries[0].until, *ParseTimeArg("2025-06-01T00:00:00Z"));
  EXPECT_EQ(j["unit"], "%");
  EXPECT_EQ(j["total"], 3);
  EXPECT_EQ(j["next_offset"], 2);
  ASSERT_EQ(j["items"].size(), 2u);
  const json& summer = j["items"][0];
  EXPECT_EQ(summer["at"], "2024-07-01T07:30:00+02:00");
  EXPECT_EQ(summer["value"], 0.12);
  EXPECT_TRUE(summer["reference"].is_null());
  EXPECT_EQ(summer["tolerance"], 2.0);
  EXPECT_EQ(summer["amendment"], false);
  const json& winter = j["items"][1];
  EXPECT_EQ(winter["at"], "2025-01-01T08:30:00+01:00");
  EXPECT_EQ(winter["reference"], 0.0);
  EXPECT_EQ(winter["amendment"], true);
  std::tie(code, j) = f.Call("GET", "/api/v1/trends/series?machine=H191157&test=output_6x&offset=2");
  ASSERT_EQ(j["items"].size(), 1u);
  EXPECT_EQ(j["items"][0]["at"], "2025-01-01T08:30:00+01:00");  // the display zone, not the source's
  EXPECT_TRUE(j["items"][0]["evaluation"].is_null());
  EXPECT_TRUE(j["next_offset"].is_null());
  f.backend.zone = "UTC";
  std::tie(code, j) = f.Call("GET", "/api/v1/trends/series?machine=H191157&test=output_6x&limit=1");
  EXPECT_EQ(j["items"][0]["at"], "2024-07-01T05:30:00+00:00");

  for (const char* bad : {"?machine=H191157", "?test=output_6x", "?machine=&test=x",
                          "?machine=H&test=x&since=yesterday", "?machine=H&test=x&limit=0"}) {
    std::tie(code, j) = f.Call("GET", std::string("/api/v1/trends/series") + bad);
    EXPECT_EQ(code, 400) << bad;
    EXPECT_TRUE(j["error"].is_string()) << j;
  }
  EXPECT_EQ(f.queries.size(), 3u);  // no bad request reached the store
}

TEST(ConsoleApi, LogServesAComponentAndALevelNewestFirst) {
  Fake f;
  cli::LogTail tail(10);
  tail.Add({1'000'000, 2, "tds", "scan done"});
  tail.Add({2'000'000, 4, "qatrack", "HTTP 403"});
  tail.Add({3'000'000, 2, "qatrack", "uploaded 1 session"});
  f.backend.log_lines = [&tail](const std::string& c, int level) { return tail.Lines(c, level); };
  auto [code, j] = f.Call("GET", "/api/v1/log?level=warn");
  ASSERT_EQ(code, 200) << j;
  ASSERT_EQ(j["total"], 1);
  EXPECT_EQ(j["items"][0]["component"], "qatrack");
  EXPECT_EQ(j["items"][0]["level"], "error");
  EXPECT_EQ(j["items"][0]["message"], "HTTP 403");
  EXPECT_EQ(j["items"][0]["at"], "1970-01-01T00:00:02+00:00");
  f.backend.zone = "Asia/Kolkata";
  EXPECT_EQ(f.Call("GET", "/api/v1/log?level=warn").second["items"][0]["at"], "1970-01-01T05:30:02+05:30");
  std::tie(code, j) = f.Call("GET", "/api/v1/log?component=qatrack&limit=1");
  ASSERT_EQ(code, 200) << j;
  EXPECT_EQ(j["total"], 2);
  EXPECT_EQ(j["items"][0]["message"], "uploaded 1 session");
  EXPECT_EQ(j["next_offset"], 1);
  EXPECT_EQ(f.Call("GET", "/api/v1/log").second["total"], 3);
  EXPECT_EQ(f.Call("GET", "/api/v1/log?level=loud").first, 400);
}

TEST(ConsoleApi, TargetsAreDecoded) {
  ParsedTarget t = ParseTarget("/api/v1/dead-letters?sink=my%20sink&limit=5&x&sink2=a+b&bad=%zz");
  EXPECT_EQ(t.path, "/api/v1/dead-letters");
  EXPECT_EQ(t.query["sink"], "my sink");
  EXPECT_EQ(t.query["limit"], "5");
  EXPECT_EQ(t.query["x"], "");
  EXPECT_EQ(t.query["sink2"], "a b");
  EXPECT_EQ(t.query["bad"], "%zz");
}

}  // namespace
}  // namespace qcflow::console
