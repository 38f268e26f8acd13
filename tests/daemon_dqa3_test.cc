// `qcflow run` with [[source.dqa3]], end to end: rows in a real Firebird 3
// server (tests/testing/firebird_server.h, schema and rows from
// ingest/dqa3/sim) -> `qcflow run --until-idle` -> sessions in the QATrack+
// test server, exactly once (a second run uploads nothing), in single and
// grouped mode; `qcflow status` shows the poll, the raced rows and the
// unmapped machines; `qcflow validate` checks the database and the test lists
// and macros its rows will need on the server; `qcflow replay`
// sends single and grouped sessions again after the server lost them, and a
// units map (by unit number) fixed in the config applies to dead letters.
//
// No timing assertions: every wait is bounded and polls for an outcome.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "ingest/dqa3/sim/dqa3_sim.h"
#include "store/derived.h"
#include "store/store.h"
#include "store/time_util.h"
#include "store/write_set.h"
#include "tests/testing/child_process.h"
#include "tests/testing/firebird_suite.h"
#include "tests/testing/firebird_dqa3.h"
#include "tests/testing/qatrack_test_server.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

using nlohmann::json;
using testing::ChildProcess;
using testing::FirebirdServer;
using testing::QatrackTestServer;
using testing::ReadAll;

constexpr const char* kZone = "Europe/Berlin";

class DaemonDqa3Test : public testing::FirebirdSuite {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(FirebirdSuite::SetUp());
    QatrackTestServer::Options o;
    o.zone = kZone;
    o.seed = "empty";
    auto q = QatrackTestServer::Start(o);
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    qatrack_ = std::move(*q);
  }

  // A 01.04 database with `machines` machines x 2 beams ("6 MV", "6 FFF") x 3
  // days ending yesterday (the database's clock), one raced pair.
  void MakeDatabase(const std::string& name, int machines) {
    auto path = firebird()->CreateDatabase(name, "UTF8");
    ASSERT_TRUE(path.ok()) << path.status().ToString();
    conn_ = testing::FirebirdDqa3Connection(*firebird(), *path);
    ASSERT_TRUE(dqa3::sim::CreateDqa3Schema(conn_, "01.04").ok());
    dqa3::sim::Dqa3SimOptions o;
    o.machines = machines;
    o.beams_per_machine = 2;
    o.days = 3;
    auto today = UtcToCivil(NowMicros() - 3 * 86'400 * kMicrosPerSecond, kZone);
    ASSERT_TRUE(today.ok());
    o.first_day = CivilTime{today->year, today->month, today->day};
    auto summary = dqa3::sim::WriteDqa3Rows(conn_, o);
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    sim_ = *summary;
  }

  // QATrack+ units "U<machine id>" and the test lists both modes upload to.
  void SeedQatrack() {
    json seed = {{"sites", {{{"name", "Main"}}}},
                 {"units", json::array()},
                 {"test_lists", json::array()},
                 {"utcs", json::array()}};
    auto test = [](const std::string& slug) { return json{{"slug", slug}, {"type", "simple"}}; };
    seed["test_lists"].push_back({{"name", "Daily QA3 Results: 6 MV"}, {"tests", {test("dose")}}});
    seed["test_lists"].push_back({{"name", "Daily QA3 Results: 6 FFF"}, {"tests", {test("dose")}}});
    seed["test_lists"].push_back(
        {{"name", "Daily QA3 Results"}, {"tests", {test("dose_6_mv"), test("dose_6_fff")}}});
    int number = 1;
    for (const auto& m : sim_.machines) {
      const std::string unit = "U" + std::to_string(m.id);
      seed["units"].push_back({{"number", number},
                               {"name", unit},
                               {"serial_number", unit},
                               {"site", "Main"},
                               {"active", true}});
      for (const char* tl :
           {"Daily QA3 Results: 6 MV", "Daily QA3 Results: 6 FFF", "Daily QA3 Results"}) {
        seed["utcs"].push_back({{"unit", number}, {"test_list", tl}, {"active", true}});
      }
      ++number;
    }
    ASSERT_TRUE(qatrack_->Seed(seed.dump()).ok());
  }

  // qcflow.toml: one [[source.dqa3]] (password from a 0600 file) routed to the sink.
  // `extra`: more TOML appended (another source, a route).
  std::string WriteConfig(const std::string& mode, size_t mapped, const std::string& extra = "") {
    const std::string pw = dir_.Sub("dqa3.password");
    testing::WriteFile(pw, conn_.firebird.password + "\n");
    chmod(pw.c_str(), 0600);
    std::string units;
    for (size_t i = 0; i < sim_.machines.size() && i < mapped; ++i) {
      const std::string unit = unit_numbers_from_ > 0
                                   ? std::to_string(unit_numbers_from_ + int(i))
                                   : "\"U" + std::to_string(sim_.machines[i].id) + "\"";
      units += (units.empty() ? "" : ", ") + json(sim_.machines[i].display_name).dump() + " = " + unit;
    }
    const std::string path = dir_.Sub("qcflow.toml");
    testing::WriteFile(
        path, "[store]\npath = \"" + store() + "\"\n[log]\nfile = \"" + log_file() + "\"\n" +
                  "[[source.dqa3]]\nname = \"dqa3\"\nbackend = \"firebird\"\nhost = \"" +
                  conn_.firebird.host + "\"\nport = " + std::to_string(conn_.firebird.port) +
                  "\ndatabase = \"" + conn_.firebird.database + "\"\nuser = \"" +
                  conn_.firebird.user + "\"\npassword_file = \"" + pw + "\"\nzone = \"" + kZone +
                  "\"\nhistory_days = " + std::to_string(history_days_) + "\ninterval = \"300ms\"\nmode = \"" + mode +
                  "\"\nwait = \"1s\"\nunits = { " + units + " }\n" + source_extra_ +
                  "[[sink.qatrack]]\nname = \"qatrack\"\nurl = \"" + qatrack_->base_url() +
                  "\"\ntoken = \"" + QatrackTestServer::kDefaultToken + "\"\nserver_zone = \"" +
                  kZone + "\"\ninterval = \"300ms\"\n" +
                  "[[route]]\nfrom = \"dqa3\"\nto = [\"qatrack\"]\n" + extra);
    chmod(path.c_str(), 0600);  // it holds the token
    return path;
  }
  std::string store() const { return dir_.Sub("store"); }
  std::string log_file() const { return dir_.Sub("qcflow.log"); }

  // Runs `qcflow run --until-idle` to completion; returns its exit code.
  int RunUntilIdle(const std::string& config) {
    ChildProcess run(QCFLOW_BIN,
                     {"run", "--config", config, "--until-idle", "--max-duration", "90"},
                     dir_.Sub("out.txt"));
    return run.Wait(std::chrono::seconds(120));
  }
  // Every stored user_key, failing the test when one is stored twice.
  std::multiset<std::string> StoredKeys() {
    auto s = qatrack_->Stored();
    EXPECT_TRUE(s.ok());
    std::multiset<std::string> keys;
    if (!s.ok()) return keys;
    const json stored = json::parse(*s);
    for (const json& r : stored["results"]) keys.insert(r["user_key"].get<std::string>());
    for (const std::string& k : keys) EXPECT_EQ(keys.count(k), 1u) << "stored twice: " << k;
    return keys;
  }
  json Daemon(const std::string& name = "dqa3") {
    auto r = testing::RunQcflow(QCFLOW_BIN, "status --store " + store() + " --format json");
    json s = json::parse(r.out, nullptr, false);
    if (s.is_object()) {
      for (const json& src : s["daemon_sources"]) {
        if (src["source"] == name) return src;
      }
    }
    return json::object();
  }

  // Uploads, loses every instance on the server, replays: all back exactly once.
  void ExpectReplayRestores(const std::string& mode) {
    MakeDatabase(mode + ".fdb", 2);
    SeedQatrack();
    const std::string config = WriteConfig(mode, 2);
    ASSERT_EQ(RunUntilIdle(config), 0) << ReadAll(dir_.Sub("out.txt")) << ReadAll(log_file());
    const std::multiset<std::string> before = StoredKeys();
    ASSERT_FALSE(before.empty());
    ASSERT_TRUE(qatrack_->Reset().ok());  // a restore from an older backup
    auto replay = testing::RunQcflow(QCFLOW_BIN, "replay --config " + config);
    EXPECT_EQ(replay.exit_code, 0) << replay.out;
    EXPECT_NE(replay.out.find("sessions re-queued      " + std::to_string(before.size())),
              std::string::npos) << replay.out;
    EXPECT_EQ(StoredKeys(), before);
  }

  testing::TempDir dir_;
  std::unique_ptr<QatrackTestServer> qatrack_;
  int history_days_ = 7;
  int unit_numbers_from_ = 0;  // > 0: units map by number, machine i -> this + i
  std::string source_extra_;   // more keys of the [[source.dqa3]] table
  dqa3::Dqa3Connection conn_;
  dqa3::sim::Dqa3SimSummary sim_;
};


TEST_F(DaemonDqa3Test, SingleModeUploadsEveryRowOnceAndHoldsUnmappedMachines) {
  MakeDatabase("single.fdb", 3);
  SeedQatrack();
  // The third machine has no unit yet: its rows are journaled and held.
  const std::string config = WriteConfig("single", 2);
  ASSERT_EQ(RunUntilIdle(config), 0) << ReadAll(dir_.Sub("out.txt")) << ReadAll(log_file());
  const std::multiset<std::string> keys = StoredKeys();
  const std::string held = "QCPump/DQA3/" + std::to_string(sim_.machines[2].id) + "/";
  for (const std::string& k : keys) EXPECT_NE(k.rfind(held, 0), 0u) << k;
  // 2 beams x 3 days for each mapped machine, plus the raced row when it is theirs.
  EXPECT_GE(keys.size(), 12u);
  const json src = Daemon();
  EXPECT_EQ(src["kind"], "dqa3") << src.dump();
  EXPECT_EQ(src["state"], "stopped");
  EXPECT_EQ(src["schema"], "01.04");
  EXPECT_EQ(src["race_flagged"], sim_.raced_set_key >= 0 ? 1 : 0) << src.dump();
  EXPECT_EQ(src["unmapped"], json::array({sim_.machines[2].display_name})) << src.dump();
  EXPECT_EQ(src["sessions_emitted"], keys.size()) << src.dump();
  const std::string log = ReadAll(log_file());
  EXPECT_EQ(log.find(conn_.firebird.password), std::string::npos) << "the password is never logged";

  // Map the third machine: its held rows go out; nothing already stored goes again.
  const std::string all = WriteConfig("single", 3);
  ASSERT_EQ(RunUntilIdle(all), 0) << ReadAll(log_file());
  const std::multiset<std::string> after = StoredKeys();
  EXPECT_EQ(after.size(), sim_.trend_rows);
  ASSERT_EQ(RunUntilIdle(all), 0);
  EXPECT_EQ(StoredKeys().size(), sim_.trend_rows) << "a second run uploads nothing";
}

// history_days reaches back from the latest successful poll, not from now: a
// daemon that was down for longer still takes the rows of its downtime.
TEST_F(DaemonDqa3Test, HistoryReachesBackFromTheLatestSuccessfulPoll) {
  MakeDatabase("downtime.fdb", 2);
  SeedQatrack();
  history_days_ = 1;
  const std::string config = WriteConfig("single", 2);
  ASSERT_EQ(RunUntilIdle(config), 0) << ReadAll(dir_.Sub("out.txt")) << ReadAll(log_file());
  ASSERT_LT(StoredKeys().size(), sim_.trend_rows) << "the first start reaches back one day only";
  {  // As if that poll had been five days ago, and the daemon down since.
    auto db = Store::Open(store());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto state = (*db)->derived().Get("daemon.source", "dqa3");
    ASSERT_TRUE(state.ok() && state->has_value());
    json j = json::parse(**state);
    j["last_ok"] = FormatUtcIso(NowMicros() - 5 * 86'400 * kMicrosPerSecond);
    WriteSet ws;
    ws.ReplaceDerived("daemon.source", "dqa3", j.dump());
    ASSERT_TRUE((*db)->Commit(ws).ok());
  }
  ASSERT_EQ(RunUntilIdle(config), 0) << ReadAll(log_file());
  EXPECT_EQ(StoredKeys().size(), sim_.trend_rows) << ReadAll(log_file()) << Daemon().dump();
}

TEST_F(DaemonDqa3Test, GroupedModeUploadsOneSessionPerMachineMorningOnce) {
  MakeDatabase("grouped.fdb", 2);
  SeedQatrack();
  const std::string config = WriteConfig("grouped", 2);
  ASSERT_EQ(RunUntilIdle(config), 0) << ReadAll(dir_.Sub("out.txt")) << ReadAll(log_file());
  const std::multiset<std::string> keys = StoredKeys();
  EXPECT_GE(keys.size(), 6u);  // 2 machines x 3 mornings (a raced row may open its own window)
  auto stored = qatrack_->Stored();
  ASSERT_TRUE(stored.ok());
  size_t with_both = 0;
  const json results = json::parse(*stored)["results"];
  for (const json& r : results) {
    const json& tests = r["tests"];
    with_both += tests.contains("dose_6_mv") && tests.contains("dose_6_fff");
  }
  EXPECT_GE(with_both, 6u) << results.size() << " sessions stored";
  ASSERT_EQ(RunUntilIdle(config), 0);
  EXPECT_EQ(StoredKeys().size(), keys.size()) << "a second run uploads nothing";
}

TEST_F(DaemonDqa3Test, ReplaySendsSingleSessionsTheServerLostOnceAgain) {
  ExpectReplayRestores("single");
}

TEST_F(DaemonDqa3Test, ReplaySendsGroupedSessionsTheServerLostOnceAgain) {
  ExpectReplayRestores("grouped");
}

// units = { "<machine>" = 12 } names unit number 12 (?number=), not a unit named
// "12"; dead letters from a wrong number are delivered once the config is fixed.
TEST_F(DaemonDqa3Test, UnitsByNumberAndAUnitsMapFixedAfterDeadLetters) {
  MakeDatabase("numbers.fdb", 2);
  SeedQatrack();  // units 1 and 2
  unit_numbers_from_ = 90;
  RunUntilIdle(WriteConfig("single", 2));  // every session a dead letter: no unit 90 or 91
  EXPECT_TRUE(StoredKeys().empty());
  unit_numbers_from_ = 1;
  const std::string fixed = WriteConfig("single", 2);
  auto list = testing::RunQcflow(QCFLOW_BIN, "replay --config " + fixed + " --dead-letters --dry-run");
  EXPECT_NE(list.out.find("0 units with number 90"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("would re-queue " + std::to_string(sim_.trend_rows) + " dead letters"),
            std::string::npos) << list.out;

  auto retry = testing::RunQcflow(QCFLOW_BIN, "replay --config " + fixed + " --dead-letters");
  EXPECT_EQ(retry.exit_code, 0) << retry.out;
  EXPECT_EQ(StoredKeys().size(), sim_.trend_rows) << retry.out;
  auto log = qatrack_->Requests();
  ASSERT_TRUE(log.ok());
  size_t by_number = 0;
  const json requests = json::parse(*log);  // named: a temporary would dangle in the loop
  for (const json& r : requests["results"]) {
    if (r["path"] != "/api/units/units/") continue;
    const std::string query = r["query"].get<std::string>();
    if (query == "limit=1") continue;  // the token check
    EXPECT_EQ(query.rfind("number=", 0), 0u) << "units are looked up by number: " << query;
    by_number += query == "number=1" || query == "number=2";
  }
  EXPECT_GE(by_number, 2u);
}

// validate builds the newest row of each beam into the sessions `run` would send
// and checks their test lists on the server: missing, unassigned, macros.
TEST_F(DaemonDqa3Test, ValidateChecksTheTestListsAndMacrosTheRowsWillNeed) {
  MakeDatabase("lists.fdb", 1);
  const std::string machine = sim_.machines[0].display_name;
  const std::string dead = "DQA3 sessions of machine '" + machine + "' from 'dqa3' would become dead letters";
  auto validate = [&](const std::string& mode) {
    return testing::RunQcflow(QCFLOW_BIN, "validate --config " + WriteConfig(mode, 1)).out;
  };
  ASSERT_TRUE(qatrack_->SeedBuiltin("dqa3").ok());  // unit 1, "Daily QA3 Results: 6 MV" only
  unit_numbers_from_ = 1;
  std::string out = validate("single");
  EXPECT_NE(out.find("has no test list 'Daily QA3 Results: 6 FFF': " + dead), std::string::npos) << out;
  EXPECT_EQ(out.find("test list 'Daily QA3 Results: 6 MV' on unit 1 is not"), std::string::npos) << out;

  // Only the photon beam: its test list is there, so nothing would become a dead
  // letter; the values the seed's test list lacks are named.
  source_extra_ = "beam_types = [\"Photon\"]\n";
  out = validate("single");
  EXPECT_EQ(out.find("would become dead letters"), std::string::npos) << out;
  EXPECT_NE(out.find("test list 'Daily QA3 Results: 6 MV' on unit 1 is assigned, but its macros do not "
                     "match DQA3 sessions of machine '" + machine + "' from 'dqa3': not in the test list "
                     "(QATrack+ silently drops these values): axsym"),
            std::string::npos) << out;
  EXPECT_EQ(out.find("missing from the data"), std::string::npos) << out;

  // A test the data does not carry, and a test list that is not assigned.
  source_extra_.clear();
  auto test = [](const std::string& slug) { return json{{"slug", slug}, {"type", "simple"}}; };
  json seed = {{"sites", {{{"name", "Main"}}}},
               {"units", {{{"number", 1}, {"name", "Versa HD"}, {"serial_number", "1"}, {"site", "Main"}}}},
               {"test_lists", {{{"name", "Daily QA3 Results: 6 MV"}, {"tests", {test("dose"), test("output_6x")}}},
                               {{"name", "Daily QA3 Results: 6 FFF"}, {"tests", {test("dose")}}}}},
               {"utcs", {{{"unit", 1}, {"test_list", "Daily QA3 Results: 6 MV"}}}}};
  ASSERT_TRUE(qatrack_->Seed(seed.dump()).ok());
  out = validate("single");
  EXPECT_NE(out.find("test list 'Daily QA3 Results: 6 FFF' on unit 1 is not assigned: " + dead), std::string::npos)
      << out;
  EXPECT_NE(out.find("missing from the data (uploaded as skipped): output_6x;"), std::string::npos) << out;

  // Grouped: one test list per machine, macros "<column>_<beam>".
  out = validate("grouped");
  EXPECT_NE(out.find("has no test list 'Daily QA3 Results': " + dead), std::string::npos) << out;
  unit_numbers_from_ = 0;
  SeedQatrack();  // "Daily QA3 Results" with dose_6_mv and dose_6_fff, on unit U<id>
  out = validate("grouped");
  EXPECT_EQ(out.find("would become dead letters"), std::string::npos) << out;
  EXPECT_NE(out.find("test list 'Daily QA3 Results' on unit 1 is assigned, but its macros do not match"),
            std::string::npos) << out;
  EXPECT_EQ(out.find("missing from the data"), std::string::npos) << out;
  // Both beams' values, from the grouped session builder.
  EXPECT_NE(out.find("(QATrack+ silently drops these values): axsym_6_fff, axsym_6_mv,"), std::string::npos)
      << out;
}

TEST_F(DaemonDqa3Test, ValidateChecksTheDatabaseAndADownDatabaseDoesNotHoldUpTheOthers) {
  MakeDatabase("validate.fdb", 2);
  SeedQatrack();
  const std::string config = WriteConfig("single", 1);
  auto v = testing::RunQcflow(QCFLOW_BIN, "validate --config " + config);
  EXPECT_NE(v.out.find("source 'dqa3': firebird"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("schema 01.04"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("2 machines"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find(sim_.machines[1].display_name), std::string::npos) << v.out;  // unmapped
  EXPECT_EQ(v.out.find(conn_.firebird.password), std::string::npos);
  // The mapped machine's unit is looked up in QATrack+; without it its sessions would
  // become dead letters.
  const std::string unit = "U" + std::to_string(sim_.machines[0].id);
  EXPECT_NE(v.out.find("ok    sink 'qatrack': unit 1 ('" + unit + "') has name '" + unit + "'"), std::string::npos)
      << v.out;
  ASSERT_TRUE(qatrack_->Seed("{}").ok());
  auto no_unit = testing::RunQcflow(QCFLOW_BIN, "validate --config " + config);
  EXPECT_NE(no_unit.out.find("has 0 units with name '" + unit + "' (exactly one is needed): DQA3 sessions of "
                             "machine '" + sim_.machines[0].display_name + "' from 'dqa3' would become dead letters"),
            std::string::npos) << no_unit.out;
  SeedQatrack();

  // A second database nobody answers for: validate fails it; the daemon keeps
  // going and the first database's sessions are all uploaded meanwhile.
  const std::string down_toml =
      "[[source.dqa3]]\nname = \"down\"\nbackend = \"firebird\"\nhost = \"127.0.0.1\"\nport = " +
      std::to_string(testing::FreePort()) + "\ndatabase = \"/nowhere.fdb\"\npassword = \"" +
      conn_.firebird.password + "\"\ninterval = \"300ms\"\nconnect_timeout = \"2s\"\n";
  const int metrics_port = testing::FreePort();
  const std::string down = WriteConfig(
      "single", 2,
      down_toml + "[metrics]\nlisten = \"127.0.0.1:" + std::to_string(metrics_port) + "\"\n");
  auto bad = testing::RunQcflow(QCFLOW_BIN, "validate --config " + down);
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_NE(bad.out.find("FAIL  source 'down'"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("ok    source 'dqa3'"), std::string::npos) << bad.out;
  {
    ChildProcess run(QCFLOW_BIN, {"run", "--config", down}, dir_.Sub("o.txt"));
    EXPECT_TRUE(testing::Eventually([&] { return StoredKeys().size() == sim_.trend_rows; }))
        << StoredKeys().size() << " of " << sim_.trend_rows << "\n"
        << ReadAll(log_file());
    EXPECT_TRUE(testing::Eventually([&] {
      return Daemon("down").value("state", "") == "unavailable";
    })) << Daemon("down").dump();
    std::string body;
    EXPECT_TRUE(testing::Eventually([&] {
      auto m = testing::HttpRequest(
          "GET", "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics");
      body = m.ok() ? m->body : "";
      return body.find("qcflow_source_up{source=\"dqa3\"} 1") != std::string::npos;
    })) << body;
    for (const std::string& line :
         {std::string("qcflow_source_up{source=\"down\"} 0"),
          "qcflow_source_records_total{source=\"dqa3\"} " + std::to_string(sim_.trend_rows),
          std::string("qcflow_dqa3_race_flagged{source=\"dqa3\"} ") +
              (sim_.raced_set_key >= 0 ? "1" : "0"),
          std::string("qcflow_dqa3_unmapped_machines{source=\"dqa3\"} 0")}) {
      EXPECT_NE(body.find(line), std::string::npos) << line << "\n" << body;
    }
    run.Signal(SIGTERM);
    EXPECT_EQ(run.Wait(), 0) << ReadAll(log_file());
  }
  const json src = Daemon("down");
  EXPECT_NE(src["last_error"].get<std::string>(), "");
  const std::string log = ReadAll(log_file());
  EXPECT_NE(log.find("source down: "), std::string::npos) << log;
  EXPECT_NE(log.find("retrying in"), std::string::npos) << log;
  EXPECT_EQ(log.find(conn_.firebird.password), std::string::npos) << "the password is never logged";
  EXPECT_EQ(src["last_error"].get<std::string>().find(conn_.firebird.password), std::string::npos);
  EXPECT_EQ(bad.out.find(conn_.firebird.password), std::string::npos);
}

}  // namespace
}  // namespace qcflow
