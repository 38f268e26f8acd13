// GET /api/v1/sessions over fake stored sessions: filters, time order,
// paging, instants in the display zone and file contents left out.
#include "cli/console/sessions_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/console/api_testing.h"

namespace qcflow::console {
namespace {

using nlohmann::json;

constexpr MicrosUtc kJan5_0700Z = 1767596400LL * 1000000;  // 2026-01-05T07:00:00Z
constexpr MicrosUtc kHour = 3600LL * 1000000;

struct FakeSessions {
  std::vector<StoredSession> stored;  // deliberately not in time order (two sources)
  std::vector<MicrosUtc> froms;
  ConsoleBackend backend;
  FakeSessions() {
    auto add = [this](const char* source, const char* serial, MicrosUtc at, const char* key) {
      StoredSession s;
      s.session.source_kind = std::string(source) == "dqa" ? "dqa3" : "mpc";
      s.session.source_id = source;
      s.session.machine.serial = serial;
      s.session.work_started = s.session.work_completed = at;
      s.session.user_key = key;
      TestResult t;
      t.key = "upload";
      t.file = FileValue{"big.csv", "text", std::string(1000, 'x')};
      s.session.tests.push_back(t);
      stored.push_back(s);
    };
    add("tb", "1101", kJan5_0700Z + 2 * kHour, "tb/3");
    add("tb", "1101", kJan5_0700Z, "tb/1");
    add("dqa", "D7", kJan5_0700Z + kHour, "dqa/2");
    add("tb", "1101", kJan5_0700Z + 3 * kHour, "tb/4");
    backend.zone = "Europe/Berlin";
    backend.sessions = [this](MicrosUtc from, const std::function<bool(const StoredSession&)>& visit) {
      froms.push_back(from);
      for (const StoredSession& s : stored) {
        if (s.session.work_started >= from && !visit(s)) break;
      }
      return Status::OK();
    };
  }
  std::pair<int, json> Get(const std::string& target) { return ApiGet(backend, target); }
};

std::vector<std::string> Keys(const json& doc) {
  std::vector<std::string> keys;
  for (const json& s : doc["items"]) keys.push_back(s["user_key"]);
  return keys;
}

TEST(SessionsApi, EveryKindInTimeOrderInTheDisplayZone) {
  FakeSessions f;
  auto [status, doc] = f.Get("/api/v1/sessions");
  ASSERT_EQ(status, 200) << doc.dump();
  EXPECT_EQ(Keys(doc), (std::vector<std::string>{"tb/1", "dqa/2", "tb/3", "tb/4"}));
  EXPECT_EQ(doc["total"], 4);
  EXPECT_EQ(doc["truncated"], false);
  EXPECT_EQ(doc["items"][0]["work_started"], "2026-01-05T08:00:00+01:00");
  const json& file = doc["items"][0]["tests"][0]["file"];
  EXPECT_FALSE(file.contains("value")) << "a file's contents stay out of the API";
  EXPECT_EQ(file["bytes"], 1000);
}

TEST(SessionsApi, FiltersBySourceKindMachineAndTime) {
  FakeSessions f;
  EXPECT_EQ(Keys(f.Get("/api/v1/sessions?source=dqa").second), (std::vector<std::string>{"dqa/2"}));
  EXPECT_EQ(Keys(f.Get("/api/v1/sessions?kind=mpc").second), (std::vector<std::string>{"tb/1", "tb/3", "tb/4"}));
  EXPECT_EQ(Keys(f.Get("/api/v1/sessions?serial=1101&limit=1&offset=1").second),
            (std::vector<std::string>{"tb/3"}));
  // 09:00 to 11:00 Berlin is 08:00Z to 10:00Z.
  auto [status, doc] = f.Get("/api/v1/sessions?since=2026-01-05%2009:00&until=2026-01-05T11:00");
  ASSERT_EQ(status, 200) << doc.dump();
  EXPECT_EQ(f.froms.back(), kJan5_0700Z + kHour);
  EXPECT_EQ(Keys(doc), (std::vector<std::string>{"dqa/2", "tb/3"}));
  EXPECT_EQ(f.Get("/api/v1/sessions?since=soon").first, 400);
}

}  // namespace
}  // namespace qcflow::console
