// `qcflow validate` and `qcflow replay` as users run them: the binary against the
// QATrack+ test server (loopback) and the bundled demo TDS tree.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "process/common/qc_session.h"
#include "process/mpc/mpc_transform.h"
#include "store/outbox.h"
#include "store/store.h"
#include "tests/testing/qatrack_test_server.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

using testing::QatrackTestServer;

testing::Run Qcflow(const std::string& args) { return testing::RunQcflow(QCFLOW_BIN, args); }

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class ValidateReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = QatrackTestServer::Start();  // default seed: unit 1 = serial 1234
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s.value());
  }

  // A config with one MPC source routed to one sink; `token` goes to a 0600 file.
  std::string Config(const std::string& token, const std::string& tds, const std::string& extra = "") {
    const std::string token_file = dir_.Sub("token");
    testing::WriteFile(token_file, token + "\n");
    chmod(token_file.c_str(), 0600);
    const std::string path = dir_.Sub("qcflow.toml");
    testing::WriteFile(path, "[store]\npath = \"" + store_dir() + "\"\n"
                             "[[source.mpc]]\nname = \"tds\"\ntds = \"" + tds + "\"\nzone = \"Europe/Berlin\"\n"
                             "[[sink.qatrack]]\nname = \"qatrack\"\nurl = \"" + url() + "\"\n"
                             "token_file = \"" + token_file + "\"\nserver_zone = \"America/Toronto\"\n" +
                             extra + "[[route]]\nfrom = \"tds\"\nto = [\"qatrack\"]\n");
    return path;
  }
  std::string store_dir() { return dir_.Sub("store"); }
  // The sink's url: the test server's, with `userinfo` ("user:password@") when set.
  std::string url() {
    std::string u = server_->base_url();
    return userinfo_.empty() ? u : u.insert(u.find("://") + 3, userinfo_);
  }

  // Stores one couch session of serial 1234 from source "tds", queued for "qatrack".
  void AddSession(const std::string& day) {
    QcSession s;
    s.source_kind = "mpc";
    s.source_id = "tds";
    s.machine.serial = "1234";
    s.test_list_name = "MPC: Enhanced Couch Checks";
    s.work_started = *ParseTimeArg(day + " 07:30", "Europe/Berlin");
    s.work_completed = s.work_started + kMicrosPerMinute;
    s.user_key = "QCPump/MPC/1234/" + day + "-07-30/Enhanced Couch Checks";
    for (const char* m : {"couchgroup_couchlat_mm_6x", "couchgroup_couchlng_mm_6x",
                          "couchgroup_couchrtn_deg_6x", "couchgroup_couchvrt_mm_6x"}) {
      TestResult t;
      t.key = m;
      t.number = 0.1;
      s.tests.push_back(t);
    }
    auto store = Store::Open(store_dir());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    WriteSet ws;
    ws.PutDerived(mpc::kSessionNs, s.user_key, EncodeQcSession(s));
    ws.Enqueue("qatrack", s.user_key, mpc::kSessionNs, s.user_key, s.machine.serial);
    ASSERT_TRUE((*store)->Commit(ws).ok());
  }
  size_t StoredOnServer() {
    auto s = server_->Stored();
    EXPECT_TRUE(s.ok());
    return s.ok() ? nlohmann::json::parse(*s)["count"].get<size_t>() : 0;
  }

  testing::TempDir dir_;
  std::unique_ptr<QatrackTestServer> server_;
  std::string userinfo_;
};

TEST_F(ValidateReplayTest, ValidateAllWellWithWarningsExitsZero) {
  auto r = Qcflow("validate --config " + Config(server_->token(), QCFLOW_DEMO_TDS));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(Has(r.out, "fast search sees 49 run folders")) << r.out;
  // The demo runs are of 2024, far beyond the default history of 1d (the 49th
  // folder is not named like a run folder: it has no time).
  EXPECT_TRUE(Has(r.out, "48 run folders are older than history = 1d: a first qcflow run leaves them to "
                         "`qcflow backfill mpc --config <this file> --source tds`")) << r.out;
  EXPECT_TRUE(Has(r.out, "accepts the token")) << r.out;
  EXPECT_TRUE(Has(r.out, "will be journaled as quarantined")) << r.out;
  EXPECT_TRUE(Has(r.out, "the token's user may upload")) << r.out;
  // The default seed has no unit with the demo serials: warnings naming the sessions.
  for (const char* serial : {"1101", "1102", "1201"}) {
    EXPECT_TRUE(Has(r.out, "has 0 units with serial number '" + std::string(serial) + "'")) << r.out;
  }
  EXPECT_TRUE(Has(r.out, "Enhanced Couch Checks sessions of serial 1101 from 'tds'")) << r.out;
  EXPECT_TRUE(Has(r.out, "all checks passed (4 warnings)")) << r.out;
  EXPECT_FALSE(Has(r.out, server_->token()));
}

// QCPump's inactive pumps: a disabled source is neither checked nor run, and
// validate says so. This one would fail every check (no database, port 1).
TEST_F(ValidateReplayTest, ValidateSkipsDisabledComponentsAndSaysSo) {
  const std::string disabled =
      "[[source.dqa3]]\nname = \"old-dqa3\"\nenabled = false\nbackend = \"firebird\"\n"
      "host = \"127.0.0.1\"\nport = 1\n"
      "[[source.icom]]\nname = \"linac-off\"\nenabled = false\nhost = \"127.0.0.1\"\nport = 1\n";
  auto r = Qcflow("validate --config " + Config(server_->token(), QCFLOW_DEMO_TDS, disabled));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(Has(r.out, "skip  [[source.dqa3]] 'old-dqa3' (")) << r.out;
  EXPECT_TRUE(Has(r.out, "skip  [[source.icom]] 'linac-off' (")) << r.out;
  EXPECT_TRUE(Has(r.out, "is disabled (enabled = false): not checked, not run")) << r.out;
  EXPECT_FALSE(Has(r.out, "source 'old-dqa3'")) << r.out;
  EXPECT_FALSE(Has(r.out, "linac-off':")) << r.out;
  EXPECT_TRUE(Has(r.out, "all checks passed (4 warnings)")) << r.out;
}

// A source that exists to send sessions warns when routed nowhere; an iCom
// linac, whose routes to archives are optional, does not.
TEST_F(ValidateReplayTest, ValidateWarnsOfUnroutedSessionSourcesOnly) {
  const std::string unrouted = "[[source.mpc]]\nname = \"tds2\"\ntds = \"" + std::string(QCFLOW_DEMO_TDS) +
                               "\"\n[[source.icom]]\nname = \"LA9\"\nhost = \"127.0.0.1\"\nport = 1\n";
  auto r = Qcflow("validate --config " + Config(server_->token(), QCFLOW_DEMO_TDS, unrouted));
  EXPECT_TRUE(Has(r.out, "source 'tds2' is not routed to any sink")) << r.out;
  EXPECT_FALSE(Has(r.out, "source 'LA9' is not routed")) << r.out;
  EXPECT_FALSE(Has(r.out, "source 'tds' is not routed")) << r.out;
}

TEST_F(ValidateReplayTest, ValidateReportsUnreachableThingsWithExitOne) {
  const std::string wrong = "ffffffffffffffffffffffffffffffffffffffff";
  auto r = Qcflow("validate --config " + Config(wrong, dir_.Sub("no-such-tds")));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(Has(r.out, "FAIL  source 'tds': the TDS directory")) << r.out;
  EXPECT_TRUE(Has(r.out, "rejected the token (HTTP 401")) << r.out;
  EXPECT_TRUE(Has(r.out, "check that token_file " + dir_.Sub("token"))) << r.out;
  EXPECT_TRUE(Has(r.out, "2 problems")) << r.out;
  EXPECT_FALSE(Has(r.out, wrong)) << "the token is never printed";
}

// QATrack+ answers /api/auth/ without credentials: only a route that needs the token
// shows that RadAuthorization (radmachine = true) is not what this server reads.
TEST_F(ValidateReplayTest, ValidateRefusesARadmachineMismatchedToken) {
  auto r = Qcflow("validate --config " + Config(server_->token(), QCFLOW_DEMO_TDS, "radmachine = true\n"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(Has(r.out, "FAIL  sink 'qatrack': QATrack+ at " + server_->base_url() +
                             " rejected the token (HTTP 401: token rejected (Authentication credentials "
                             "were not provided.))")) << r.out;
  EXPECT_TRUE(Has(r.out, "radmachine = true is right (qcflow sends the RadAuthorization header")) << r.out;
  EXPECT_FALSE(Has(r.out, "accepts the token")) << r.out;
}

TEST_F(ValidateReplayTest, ValidateRefusesATokenWithoutUploadPermission) {
  const std::string read_only = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
  ASSERT_TRUE(server_->Configure(R"({"read_only_tokens": [")" + read_only + "\"]}").ok());
  auto r = Qcflow("validate --config " + Config(read_only, QCFLOW_DEMO_TDS));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(Has(r.out, "accepts the token (GET units/units/)")) << r.out;
  EXPECT_TRUE(Has(r.out, "FAIL  sink 'qatrack': QATrack+ at " + server_->base_url() +
                             " does not let the token's user upload (HTTP 403")) << r.out;
  EXPECT_TRUE(Has(r.out, "every session would become a dead letter")) << r.out;
  EXPECT_FALSE(Has(r.out, read_only));
  EXPECT_EQ(StoredOnServer(), 0u);
}

// One run folder with a Results.csv of the given rows under <tds>/<machine>/MPCChecks/.
void AddRun(const std::string& tds, const std::string& serial, const std::string& folder_tail,
            const std::vector<std::string>& rows) {
  const std::string dir = tds + "/TrueBeam" + serial + "/MPCChecks/NDS-WKS-SN" + serial +
                          "-2024-05-06-07-30-00-0000-" + folder_tail;
  std::string csv = "Name [Unit], Value, Threshold, Evaluation Result\n";
  for (const std::string& row : rows) csv += row + ", 0.1, 0.5, Pass\n";
  std::filesystem::create_directories(dir);
  testing::WriteFile(dir + "/Results.csv", csv);
}

// For each serial in the TDS: the unit, the test list's assignment and its macros,
// each named with what would become dead letters, and nothing created on the server.
TEST_F(ValidateReplayTest, ValidateNamesAMissingUnitAssignmentAndMacro) {
  const std::string tds = dir_.Sub("tds");
  const std::string couch = "GeometryCheckTemplate6xMVkVEnhancedCouch";
  const std::vector<std::string> all_couch = {"CouchGroup/CouchLat [mm]", "CouchGroup/CouchLng [mm]",
                                              "CouchGroup/CouchVrt [mm]", "CouchGroup/CouchRtn [deg]"};
  AddRun(tds, "9999", couch, all_couch);  // no unit has this serial
  AddRun(tds, "5678", couch, all_couch);  // unit 2: its couch assignment is inactive
  AddRun(tds, "5678", "EnhancedMLCCheckTemplate6xMVkV", {"CollimationGroup/MLCGroup/MLCMaxOffsetA [mm]"});
  // Unit 1: no CouchRtn measured, and a value its test list has no test for.
  AddRun(tds, "1234", couch, {"CouchGroup/CouchLat [mm]", "CouchGroup/CouchLng [mm]",
                              "CouchGroup/CouchVrt [mm]", "CouchGroup/CouchPitch [deg]"});
  auto r = Qcflow("validate --config " + Config(server_->token(), tds));
  EXPECT_EQ(r.exit_code, 0) << r.out;  // warnings: the clinic may fix QATrack+ later
  EXPECT_TRUE(Has(r.out, "warn  sink 'qatrack': QATrack+ at " + server_->base_url() +
                             " has 0 units with serial number '9999' (exactly one is needed): Enhanced "
                             "Couch Checks sessions of serial 9999 from 'tds' would become dead letters"))
      << r.out;
  EXPECT_TRUE(Has(r.out, "warn  sink 'qatrack': test list 'MPC: Enhanced Couch Checks' on unit 2 is assigned "
                         "but the assignment is inactive: Enhanced Couch Checks sessions of serial 5678 "
                         "from 'tds' would become dead letters")) << r.out;
  EXPECT_TRUE(Has(r.out, "test list 'MPC: Enhanced MLC Checks' on unit 2 is not assigned: Enhanced MLC "
                         "Checks sessions of serial 5678 from 'tds' would become dead letters")) << r.out;
  EXPECT_TRUE(Has(r.out, "test list 'MPC: Enhanced Couch Checks' on unit 1 is assigned, but its macros do "
                         "not match Enhanced Couch Checks sessions of serial 1234 from 'tds': missing from "
                         "the data (uploaded as skipped): couchgroup_couchrtn_deg_6x; not in the test list "
                         "(QATrack+ silently drops these values): couchgroup_couchpitch_deg_6x;")) << r.out;
  EXPECT_TRUE(Has(r.out, "all checks passed (4 warnings)")) << r.out;
  // Read-only: the only POST is the permission probe, and nothing was stored.
  auto log = server_->Requests();
  ASSERT_TRUE(log.ok());
  const nlohmann::json requests = nlohmann::json::parse(*log);
  size_t posts = 0;
  for (const auto& e : requests["results"]) posts += e["method"] == "POST";
  EXPECT_EQ(posts, 1u);
  EXPECT_EQ(StoredOnServer(), 0u);
}

TEST_F(ValidateReplayTest, ValidateConfigErrorsExitTwoWithLineNumbers) {
  const std::string path = Config(server_->token(), QCFLOW_DEMO_TDS, "timeuot = \"5s\"\n");
  auto r = Qcflow("validate --config " + path);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_TRUE(Has(r.out, path + ":12: unknown key 'timeuot'")) << r.out;
  EXPECT_TRUE(Has(r.out, "did you mean 'timeout'?")) << r.out;
  EXPECT_FALSE(Has(r.out, "accepts the token")) << "no reachability checks on a broken file";
}

// Issue 12 §4: a URL's user:password@ is redacted in everything validate and
// replay print, as in the run log (one function: qatrack::SafeUrl).
TEST_F(ValidateReplayTest, CredentialsInTheSinkUrlAreNeverPrinted) {
  userinfo_ = "qcuser:hunter2pw@";
  const std::string config = Config(server_->token(), QCFLOW_DEMO_TDS);
  auto v = Qcflow("validate --config " + config);
  EXPECT_TRUE(Has(v.out, "QATrack+ at " + server_->base_url() + " is reachable")) << v.out;
  EXPECT_FALSE(Has(v.out, "hunter2pw")) << v.out;
  AddSession("2024-05-06");
  auto r = Qcflow("replay --config " + config);
  EXPECT_TRUE(Has(r.out, "Replay to sink qatrack (" + server_->base_url() + ")")) << r.out;
  EXPECT_FALSE(Has(r.out, "hunter2pw")) << r.out;
  // Unreachable: the failure message names the server without the password too.
  ASSERT_TRUE(server_->AddFault(R"({"action":"reset","times":-1})").ok());
  auto down = Qcflow("validate --config " + config);
  EXPECT_EQ(down.exit_code, 1) << down.out;
  EXPECT_TRUE(Has(down.out, "QATrack+ at " + server_->base_url() + " is not reachable")) << down.out;
  EXPECT_FALSE(Has(down.out, "hunter2pw")) << down.out;
}

TEST_F(ValidateReplayTest, ReplaySendsDeliveredSessionsAgainWithoutDuplicates) {
  const std::string config = Config(server_->token(), QCFLOW_DEMO_TDS);
  AddSession("2024-05-02");
  AddSession("2024-05-06");
  auto first = Qcflow("replay --config " + config + " --since 2024-05-03");
  EXPECT_EQ(first.exit_code, 0) << first.out;
  // Both are queued already (never delivered): nothing to re-queue, and both go out.
  EXPECT_TRUE(Has(first.out, "sessions re-queued      0 (work started from 2024-05-03); 1 already in the queue"))
      << first.out;
  EXPECT_TRUE(Has(first.out, "delivered               2 (0 were already stored")) << first.out;
  EXPECT_EQ(StoredOnServer(), 2u);

  // QATrack+ lost the later one (restored from a backup): replay it.
  ASSERT_TRUE(server_->Reset().ok());
  auto second = Qcflow("replay --config " + config + " --since 2024-05-03");
  EXPECT_EQ(second.exit_code, 0) << second.out;
  EXPECT_TRUE(Has(second.out, "sessions re-queued      1")) << second.out;
  EXPECT_EQ(StoredOnServer(), 1u);
  auto all = Qcflow("replay --config " + config);
  EXPECT_EQ(all.exit_code, 0) << all.out;
  EXPECT_TRUE(Has(all.out, "delivered               2 (1 were already stored")) << all.out;
  EXPECT_EQ(StoredOnServer(), 2u);
}

TEST_F(ValidateReplayTest, ReplayRetriesDeadLettersAndListsWhy) {
  const std::string config = Config(server_->token(), QCFLOW_DEMO_TDS);
  AddSession("2024-05-06");
  ASSERT_TRUE(server_->AddFault(R"({"method":"POST","path_prefix":"/api/qa/testlistinstances/",)"
                                R"("action":"status","code":403,"times":1})").ok());
  auto refused = Qcflow("replay --config " + config);
  EXPECT_EQ(refused.exit_code, 3) << refused.out;
  EXPECT_TRUE(Has(refused.out, "new dead letters        1")) << refused.out;
  EXPECT_EQ(StoredOnServer(), 0u);

  auto list = Qcflow("replay --config " + config + " --dead-letters --dry-run");
  EXPECT_EQ(list.exit_code, 0) << list.out;
  EXPECT_TRUE(Has(list.out, "QCPump/MPC/1234/2024-05-06-07-30/Enhanced Couch Checks")) << list.out;
  EXPECT_TRUE(Has(list.out, "HTTP 403: You do not have permission")) << list.out;
  EXPECT_TRUE(Has(list.out, "would re-queue 1 dead letter ")) << list.out;

  auto retry = Qcflow("replay --config " + config + " --dead-letters");
  EXPECT_EQ(retry.exit_code, 0) << retry.out;
  EXPECT_TRUE(Has(retry.out, "dead letters re-queued  1")) << retry.out;
  EXPECT_EQ(StoredOnServer(), 1u);
}

TEST_F(ValidateReplayTest, ReplaySaysWhenTheDaemonHoldsTheStore) {
  const std::string config = Config(server_->token(), QCFLOW_DEMO_TDS);
  AddSession("2024-05-06");
  auto daemon = Store::Open(store_dir());  // this process is "the daemon" now
  ASSERT_TRUE(daemon.ok());
  auto r = Qcflow("replay --config " + config);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(Has(r.out, "is in use by the running qcflow daemon. Stop the service first")) << r.out;
  auto v = Qcflow("validate --config " + config);
  EXPECT_TRUE(Has(v.out, "in use by a running qcflow (pid ")) << v.out;
}

TEST_F(ValidateReplayTest, ReplayRejectsAnUnknownSink) {
  auto r = Qcflow("replay --config " + Config(server_->token(), QCFLOW_DEMO_TDS) + " --sink nope");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_TRUE(Has(r.out, "no [[sink.qatrack]] named 'nope'")) << r.out;
}

}  // namespace
}  // namespace qcflow
