// End-to-end tests of the qcflow binary: exit codes and what users read.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "store/journal.h"
#include "store/outbox.h"
#include "store/store.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

testing::Run Qcflow(const std::string& args) { return testing::RunQcflow(QCFLOW_BIN, args); }

class CliTest : public ::testing::Test {
 protected:
  void Fill() {
    auto store = Store::Open(store_dir());
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 5; ++i) {
      Record r;
      r.kind = i < 3 ? Kind::kMpc : Kind::kIcom;
      r.source_id = i < 3 ? "tds-main" : "linac-1";
      r.event_time = *ParseTimeArg("2024-05-0" + std::to_string(i + 1));
      r.event_time_text = "day " + std::to_string(i + 1);
      r.dedup_key = "k" + std::to_string(i);
      r.payload = i == 4 ? std::string("\x00\x01\x02", 3) : "Name, Value\nA, " + std::to_string(i);
      if (i == 2) r.flags = kFlagQuarantined;
      ASSERT_TRUE((*store)->journal().Append(r).ok());
    }
  }
  std::string store_dir() { return dir_.Sub("store"); }
  std::string store_flag() { return "--store " + store_dir(); }
  testing::TempDir dir_;
};

TEST_F(CliTest, VersionAndHelp) {
  auto v = Qcflow("version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("qcflow 0."), std::string::npos);
  auto h = Qcflow("--help");
  EXPECT_EQ(h.exit_code, 0);
  for (const char* cmd : {"run", "status", "query", "replay", "validate", "simulate-linac", "bench"}) {
    EXPECT_NE(h.out.find(cmd), std::string::npos) << cmd;
  }
}

TEST_F(CliTest, StatusOnMissingStoreExplainsAndFails) {
  auto r = Qcflow("status " + store_flag());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("no qcflow store"), std::string::npos) << r.out;
}

TEST_F(CliTest, StatusCountsPerSource) {
  Fill();
  auto r = Qcflow("status --format json " + store_flag());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["records"], 5);
  ASSERT_EQ(j["sources"].size(), 2u);
  EXPECT_EQ(j["sources"][1]["source"], "tds-main");
  EXPECT_EQ(j["sources"][1]["records"], 3);
  EXPECT_EQ(j["sources"][1]["quarantined"], 1);
  auto t = Qcflow("status " + store_flag());
  EXPECT_NE(t.out.find("tds-main"), std::string::npos);
}

TEST_F(CliTest, StatusListsDeadLettersWithReasonsAndLateRuns) {
  {
    auto store = Store::Open(store_dir());
    ASSERT_TRUE(store.ok());
    WriteSet ws;
    ws.PutDerived("mpc.session", "k1", "{}");
    ws.Enqueue("qatrack", "QCPump/MPC/1234/2024-05-01-07-00/Beam and Geometry Checks", "mpc.session",
               "k1", "1234");
    ws.PutDerived("mpc.late", "late-1", "{}");
    ASSERT_TRUE((*store)->Commit(ws).ok());
    auto items = (*store)->outbox().List("qatrack", 10);
    ASSERT_EQ(items->size(), 1u);
    (*items)[0].state = OutboxState::kDeadLetter;
    (*items)[0].last_error = "unit_test_collection: Invalid hyperlink - Object does not exist.";
    ASSERT_TRUE((*store)->outbox().Update((*items)[0]).ok());
  }
  auto r = Qcflow("status --format json " + store_flag());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["dead_letters"].size(), 1u);
  EXPECT_EQ(j["dead_letters"][0]["reason"], "unit_test_collection: Invalid hyperlink - Object does not exist.");
  EXPECT_EQ(j["late_mpc_runs"], 1);
  auto t = Qcflow("status " + store_flag());
  EXPECT_NE(t.out.find("Dead letters"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("Invalid hyperlink"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("1 MPC run(s) arrived after"), std::string::npos) << t.out;
}

TEST_F(CliTest, StatusShowsASinkErrorWithItsTimeAndOkAfterRecovery) {
  const MicrosUtc failed_at = *ParseTimeArg("2024-05-01 07:00");
  const MicrosUtc delivered_at = *ParseTimeArg("2024-05-01 07:10");
  {
    auto store = Store::Open(store_dir());
    ASSERT_TRUE(store.ok());
    WriteSet ws;
    ws.PutDerived("mpc.session", "k1", "{}");
    ws.Enqueue("qatrack", "key-1", "mpc.session", "k1", "1234");
    ASSERT_TRUE((*store)->Commit(ws).ok());
    ASSERT_TRUE((*store)->outbox().RecordSinkError("qatrack", "HTTP 401: token rejected", failed_at).ok());
  }
  auto failing = nlohmann::json::parse(Qcflow("status --format json --tz Europe/Berlin " + store_flag()).out);
  EXPECT_EQ(failing["v"], 1);
  EXPECT_EQ(failing["zone"], "Europe/Berlin");
  EXPECT_EQ(failing["sinks"][0]["state"], "error") << failing.dump();
  EXPECT_EQ(failing["sinks"][0]["last_error"], "2024-05-01T09:00:00+02:00: HTTP 401: token rejected");
  EXPECT_TRUE(failing["sinks"][0]["last_success"].is_null()) << "never delivered: null, not \"never\"";
  {
    auto store = Store::Open(store_dir());
    ASSERT_TRUE(store.ok());
    auto items = (*store)->outbox().List("qatrack", 10);
    ASSERT_TRUE(items.ok() && items->size() == 1u);
    ASSERT_TRUE((*store)->outbox().Ack(items->front(), delivered_at).ok());
  }
  auto r = Qcflow("status --format json --tz UTC " + store_flag());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto recovered = nlohmann::json::parse(r.out);
  EXPECT_EQ(recovered["sinks"][0]["state"], "ok") << r.out;
  EXPECT_EQ(recovered["sinks"][0]["last_error"], FormatRfc3339(failed_at, "UTC") + ": HTTP 401: token rejected; "
                                                 "delivering again since " + FormatRfc3339(delivered_at, "UTC"));
  EXPECT_EQ(recovered["sinks"][0]["last_success"], FormatRfc3339(delivered_at, "UTC"));
  auto table = Qcflow("status --tz Europe/Berlin " + store_flag());
  EXPECT_NE(table.out.find("last_success (Europe/Berlin)"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("2024-05-01T09:10:00+02:00"), std::string::npos) << table.out;
}

TEST_F(CliTest, QueryRecordsFiltersByTimeAndFormats) {
  Fill();
  auto r = Qcflow("query records --kind mpc --since 2024-05-02 --until 2024-05-03 --tz UTC --format json " +
                  store_flag());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["v"], 1);
  EXPECT_EQ(doc["zone"], "UTC");
  const auto& j = doc["items"];
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["dedup_key"], "k1");
  EXPECT_EQ(j[0]["source_time"], "day 2");
  EXPECT_EQ(j[0]["event_time"], "2024-05-02T00:00:00+00:00");
  EXPECT_EQ(j[0]["quarantined"], false);  // a boolean, not "no"

  // The same day in Berlin starts two hours earlier: the record shows there at 02:00.
  auto berlin = nlohmann::json::parse(
      Qcflow("query records --kind mpc --since 2024-05-02 --until 2024-05-03 --tz Europe/Berlin --format json " +
             store_flag()).out);
  EXPECT_EQ(berlin["zone"], "Europe/Berlin");
  ASSERT_EQ(berlin["items"].size(), 1u);
  EXPECT_EQ(berlin["items"][0]["event_time"], "2024-05-02T02:00:00+02:00");
  auto table = Qcflow("query records --kind mpc --tz Europe/Berlin " + store_flag());
  EXPECT_NE(table.out.find("event_time (Europe/Berlin)"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("2024-05-02T02:00:00+02:00"), std::string::npos) << table.out;
  EXPECT_EQ(Qcflow("query records --kind mpc --tz Berlin " + store_flag()).exit_code, 2);

  auto csv = Qcflow("query records --kind icom --payload --format csv " + store_flag());
  ASSERT_EQ(csv.exit_code, 0) << csv.out;
  EXPECT_NE(csv.out.find("base64:AAEC"), std::string::npos) << csv.out;
  // The text payload has a newline and commas: CSV must quote it.
  EXPECT_NE(csv.out.find("\"Name, Value\nA, 3\""), std::string::npos) << csv.out;
}

TEST_F(CliTest, BadArgumentsAreUsageErrors) {
  Fill();
  auto kind = Qcflow("query records --kind linac " + store_flag());
  EXPECT_EQ(kind.exit_code, 2);
  EXPECT_NE(kind.out.find("use icom, mpc"), std::string::npos);
  auto time = Qcflow("query records --kind mpc --since yesterday " + store_flag());
  EXPECT_EQ(time.exit_code, 2);
  EXPECT_NE(time.out.find("--since"), std::string::npos);
  EXPECT_EQ(Qcflow("status --format xml " + store_flag()).exit_code, 2);
  EXPECT_EQ(Qcflow("frobnicate").exit_code, 2);
}

TEST_F(CliTest, BackfillMpcIsRepeatableAndQueryable) {
  const std::string args = "backfill mpc --tds " + std::string(QCFLOW_DEMO_TDS) +
                           " --zone Europe/Berlin --settle 0 " + store_flag();
  auto first = Qcflow(args);
  EXPECT_EQ(first.exit_code, 3) << "the demo tree has one malformed folder: partly done\n" << first.out;
  EXPECT_NE(first.out.find("quarantined           1"), std::string::npos) << first.out;
  auto sessions = Qcflow("query sessions --format json --limit 1000 " + store_flag());
  ASSERT_EQ(sessions.exit_code, 0) << sessions.out;
  auto j = nlohmann::json::parse(sessions.out)["items"];
  ASSERT_GT(j.size(), 5u);
  for (const auto& s : j) {
    EXPECT_EQ(s["user_key"].get<std::string>().rfind("QCPump/MPC/", 0), 0u) << s.dump();
    EXPECT_EQ(s["source_zone"], "Europe/Berlin");
    EXPECT_TRUE(s["work_started"].is_string()) << s.dump();
  }
  auto again = Qcflow(args);
  EXPECT_NE(again.out.find("0 new"), std::string::npos) << again.out;
  auto same = nlohmann::json::parse(Qcflow("query sessions --format json --limit 1000 " + store_flag()).out)["items"];
  EXPECT_EQ(same.size(), j.size()) << "a repeated backfill adds no session";
}

TEST_F(CliTest, BackfillMpcFromConfigUsesTheDaemonsSourceAndStore) {
  const std::string config = dir_.Sub("qcflow.toml");
  testing::WriteFile(config, "[store]\npath = \"" + store_dir() + "\"\n"
                             "[[source.mpc]]\nname = \"tb\"\ntds = \"" + QCFLOW_DEMO_TDS +
                             "\"\nzone = \"Europe/Berlin\"\nsettle = \"0s\"\n");
  auto r = Qcflow("backfill mpc --config " + config);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("(source tb)"), std::string::npos) << r.out;
  auto records = Qcflow("query records --kind mpc --source tb --limit 1 --format json " + store_flag());
  ASSERT_EQ(records.exit_code, 0) << records.out;
  EXPECT_EQ(nlohmann::json::parse(records.out)["items"].size(), 1u);
  auto wrong = Qcflow("backfill mpc --config " + config + " --source nope");
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.out.find("no [[source.mpc]] named 'nope' (it has: tb)"), std::string::npos) << wrong.out;
  EXPECT_EQ(Qcflow("backfill mpc " + store_flag()).exit_code, 2) << "--tds or --config is needed";
}

TEST_F(CliTest, BackfillMpcQuarantinesACutResultsCsvAndSaysWhy) {
  const std::string tds = dir_.Sub("TDS") + "/TB/MPCChecks/NDS-WKS-SN1234-2024-05-01-";
  const std::string csv = "Name [Unit], Value, Threshold, Evaluation Result\n"
                          "IsoCenterGroup/IsoCenterSize [mm], 0.3, 0.5, Pass\n";
  testing::WriteFile(tds + "07-00-00-0000-GeometryCheckTemplate6xMVkV/Results.csv", csv);
  testing::WriteFile(tds + "07-05-00-0001-BeamCheckTemplate6xMVkV/Results.csv",
                     csv + "BeamGroup/BeamOutputChange [%], 0");  // cut inside "0.027"
  auto r = Qcflow("backfill mpc --tds " + dir_.Sub("TDS") + " --zone Europe/Berlin --settle 0 " +
                  store_flag());
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("run files journaled   1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("quarantined           1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0001-BeamCheckTemplate6xMVkV/Results.csv: Results.csv is incomplete, so "
                       "none of its values is uploaded (line 3: the file ends inside the row of "
                       "'BeamGroup/BeamOutputChange [%]'"),
            std::string::npos) << r.out;
}

TEST_F(CliTest, BenchWithoutModeIsAUsageError) {
  auto r = Qcflow("bench");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("what"), std::string::npos) << r.out;
}

TEST_F(CliTest, StoreFlagAfterSubcommandAndEnvDefault) {
  Fill();
  EXPECT_EQ(Qcflow("status " + store_flag()).exit_code, 0);
  EXPECT_EQ(Qcflow("--store " + store_dir() + " status").exit_code, 0);
  EXPECT_EQ(Qcflow("").exit_code, 2);
  auto env = Qcflow("status --format json").exit_code;  // default store under cwd: absent
  EXPECT_NE(env, 0);
  std::string cmd = "QCFLOW_STORE=" + store_dir() + " ";
  FILE* p = popen((cmd + QCFLOW_BIN + " status --format json").c_str(), "r");
  char buf[256];
  std::string out;
  while (fgets(buf, sizeof buf, p)) out += buf;
  EXPECT_EQ(pclose(p), 0);
  EXPECT_NE(out.find("\"records\": 5"), std::string::npos);
}

}  // namespace
}  // namespace qcflow
