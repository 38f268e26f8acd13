// `qcflow replay` of MPC sessions end to end: TDS run folders -> `qcflow run
// --until-idle` -> the QATrack+ test server loses them (a restore from an older
// backup) -> `qcflow replay` sends each once again; and a test list template fixed
// in the config applies to dead letters retried with `replay --dead-letters`.
// (cli/validate_replay_test.cc covers sessions of older stores, outside the
// session index; tests/daemon_dqa3_test.cc the same for DQA3.)
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/testing/child_process.h"
#include "tests/testing/mpc_runs.h"
#include "tests/testing/qatrack_test_server.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

using nlohmann::json;
using testing::QatrackTestServer;
using testing::ReadAll;

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class ReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    QatrackTestServer::Options o;
    o.zone = "Europe/Berlin";
    auto s = QatrackTestServer::Start(o);  // default seed: unit 1 = serial 1234
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    for (int i = 0; i < 3; ++i) testing::WriteGeometryRun(dir_.Sub("TDS"), i);
  }

  // One MPC source "tb" routed to the sink, its test lists named by `test_list`.
  std::string WriteConfig(const std::string& test_list) {
    const std::string path = dir_.Sub("qcflow.toml");
    testing::WriteFile(
        path, "[store]\npath = \"" + dir_.Sub("store") + "\"\n[log]\nfile = \"" + dir_.Sub("qcflow.log") +
                  "\"\n[[source.mpc]]\nname = \"tb\"\ntds = \"" + dir_.Sub("TDS") +
                  "\"\nzone = \"Europe/Berlin\"\ninterval = \"200ms\"\nsettle = \"0s\"\nwait = \"0s\"\n"
                  "history = \"all\"\ntest_list = \"" + test_list + "\"\n[[sink.qatrack]]\nname = \"qatrack\"\nurl = \"" +
                  server_->base_url() + "\"\ntoken = \"" + server_->token() +
                  "\"\nserver_zone = \"Europe/Berlin\"\ninterval = \"200ms\"\n"
                  "[[route]]\nfrom = \"tb\"\nto = [\"qatrack\"]\n");
    chmod(path.c_str(), 0600);  // it holds the token
    return path;
  }
  void RunUntilIdle(const std::string& config) {
    testing::ChildProcess run(QCFLOW_BIN, {"run", "--config", config, "--until-idle", "--max-duration", "60"},
                              dir_.Sub("out.txt"));
    EXPECT_NE(run.Wait(std::chrono::seconds(90)), -1) << ReadAll(dir_.Sub("out.txt"));
  }
  testing::Run Qcflow(const std::string& args) { return testing::RunQcflow(QCFLOW_BIN, args); }
  // user_key -> test list of every stored instance; a key stored twice fails the test.
  std::map<std::string, std::string> Stored() {
    auto s = server_->Stored();
    EXPECT_TRUE(s.ok());
    std::map<std::string, std::string> out;
    if (!s.ok()) return out;
    const json parsed = json::parse(*s);  // named: a temporary would dangle in the loop
    for (const json& r : parsed["results"]) {
      const std::string key = r["user_key"].get<std::string>();
      EXPECT_TRUE(out.emplace(key, r["test_list"].get<std::string>()).second) << "stored twice: " << key;
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<QatrackTestServer> server_;
};

TEST_F(ReplayTest, MpcSessionsTheServerLostAreSentOnceAgain) {
  const std::string config = WriteConfig("MPC: {{ check_type }}");
  RunUntilIdle(config);
  const auto before = Stored();
  ASSERT_EQ(before.size(), 3u) << ReadAll(dir_.Sub("qcflow.log"));

  ASSERT_TRUE(server_->Reset().ok());  // the server lost every instance
  auto dry = Qcflow("replay --config " + config + " --dry-run");
  EXPECT_TRUE(Has(dry.out, "would re-queue 3 sessions")) << dry.out;
  EXPECT_TRUE(Stored().empty()) << "a dry run sends nothing";
  auto replay = Qcflow("replay --config " + config);
  EXPECT_EQ(replay.exit_code, 0) << replay.out;
  EXPECT_TRUE(Has(replay.out, "sessions re-queued      3")) << replay.out;
  EXPECT_EQ(Stored(), before) << "the same sessions, each exactly once";

  auto again = Qcflow("replay --config " + config);  // the server has them: nothing new
  EXPECT_TRUE(Has(again.out, "delivered               3 (3 were already stored")) << again.out;
  EXPECT_EQ(Stored(), before);
}

TEST_F(ReplayTest, AFixedTestListTemplateAppliesToDeadLettersOnReplay) {
  RunUntilIdle(WriteConfig("MPC QA: {{ check_type }}"));  // no such test list on the server
  EXPECT_TRUE(Stored().empty());
  const std::string fixed = WriteConfig("MPC: {{ check_type }}");
  auto list = Qcflow("replay --config " + fixed + " --dead-letters --dry-run");
  EXPECT_TRUE(Has(list.out, "would re-queue 3 dead letters")) << list.out;
  EXPECT_TRUE(Has(list.out, "test list 'MPC QA: Beam and Geometry Checks'")) << list.out;

  auto retry = Qcflow("replay --config " + fixed + " --dead-letters");
  EXPECT_EQ(retry.exit_code, 0) << retry.out;
  EXPECT_TRUE(Has(retry.out, "dead letters re-queued  3")) << retry.out;
  const auto stored = Stored();
  ASSERT_EQ(stored.size(), 3u) << retry.out;
  for (const auto& [user_key, test_list] : stored) {
    EXPECT_EQ(user_key.rfind("QCPump/MPC/1234/2024-04-0", 0), 0u) << "the user_key never changes: " << user_key;
    EXPECT_EQ(test_list, "MPC: Beam and Geometry Checks");
  }
}

}  // namespace
}  // namespace qcflow
