// `qcflow run` end to end: the real binary (SIGTERM drain, restart, --until-idle,
// --max-duration, status) and the Daemon in-process (sources and sinks that are
// not ready at start, token rejection, metrics), against the QATrack+ test
// server and small TDS trees written per test.
//
// No timing assertions: every wait polls for an outcome with a generous bound.
#include "cli/runtime/daemon.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "process/component/worker_state.h"
#include "cli/runtime/logging.h"
#include "store/derived.h"
#include "store/outbox.h"
#include "store/time_util.h"
#include "tests/testing/child_process.h"
#include "tests/testing/daemon_toml.h"
#include "tests/testing/mpc_runs.h"
#include "tests/testing/qatrack_test_server.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/small_disk.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::cli {
namespace {

using nlohmann::json;
using qcflow::testing::QatrackTestServer;
using qcflow::testing::TempDir;
using std::chrono::milliseconds;
using std::chrono::seconds;
using component::kDaemonSinkNs;
using component::kDaemonSourceNs;

using qcflow::testing::Eventually;
using qcflow::testing::FreePort;
using qcflow::testing::kPatience;
using qcflow::testing::ReadAll;

using qcflow::testing::WriteGeometryRun;
using qcflow::testing::WriteGeometryRunOn;
using qcflow::testing::SecondMpcSource;
using qcflow::testing::Toml;

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

// The qcflow binary as a child process; killed if a test ends early.
class Child : public qcflow::testing::ChildProcess {
 public:
  Child(const std::vector<std::string>& args, const std::string& output)
      : ChildProcess(QCFLOW_BIN, args, output) {}
};

// What `qcflow <args>` prints (stdout and stderr together).
std::string Capture(const std::string& args) { return testing::RunQcflow(QCFLOW_BIN, args).out; }

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    QatrackTestServer::Options o;
    o.zone = "Europe/Berlin";
    auto s = QatrackTestServer::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    toml_.store = dir_.Sub("store");
    toml_.tds = dir_.Sub("TDS");
    toml_.url = server_->base_url();
    toml_.log_file = dir_.Sub("logs/qcflow.log");
    // In-process daemons log into log_ (the binary logs to its file).
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  }
  void TearDown() override {
    if (runner_.joinable()) Stop();  // before the logger goes: daemon threads log through it
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("off"));
  }

  std::string WriteConfig() {
    const std::string path = dir_.Sub("qcflow.toml");
    qcflow::testing::WriteFile(path, toml_.Text());
    chmod(path.c_str(), 0600);  // it holds the token
    return path;
  }

  json Stored() {
    auto s = server_->Stored();
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? json::parse(*s) : json{{"count", -1}, {"results", json::array()}};
  }
  int StoredCount() { return Stored()["count"].get<int>(); }
  // Every stored user_key, and that none is stored twice.
  std::set<std::string> StoredKeysOnce() {
    json stored = Stored();
    std::set<std::string> keys;
    for (const json& r : stored["results"]) {
      EXPECT_TRUE(keys.insert(r["user_key"].get<std::string>()).second) << "stored twice: " << r["user_key"];
    }
    return keys;
  }

  // An in-process daemon on toml_, run on a thread until Stop().
  void StartInProcess(DaemonOptions extra = {}) {
    auto cfg = config::ParseConfig(toml_.Text(), "test.toml");
    ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
    extra.config = *cfg;
    extra.config.log.file.clear();
    auto d = Daemon::Create(std::move(extra));
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    daemon_ = std::move(*d);
    store_ = daemon_->store();
    runner_ = std::thread([this] { summary_ = daemon_->Run(); });
  }
  Result<RunSummary> Stop() {
    daemon_->RequestStop("test done");
    runner_.join();
    store_ = nullptr;
    return summary_;
  }
  // The state a worker persisted, or "" (in-process daemons only).
  std::string WorkerState(const char* ns, const std::string& name) {
    auto v = store_->derived().Get(ns, name);
    if (!v.ok() || !v->has_value()) return "";
    auto j = json::parse(**v, nullptr, false);
    return j.is_object() ? j.value("state", "") : "";
  }

  TempDir dir_;
  std::unique_ptr<QatrackTestServer> server_;
  Toml toml_;
  std::ostringstream log_;
  std::unique_ptr<Daemon> daemon_;
  Store* store_ = nullptr;
  std::thread runner_;
  Result<RunSummary> summary_ = Status::Internal("not run");
};

// The anchor scenario: SIGTERM mid-delivery drains and exits 0; a restart
// delivers the rest and what arrived meanwhile; the server holds every
// session exactly once.
TEST_F(DaemonTest, SigtermDrainsAndRestartDeliversEverySessionOnce) {
  // More sessions than one delivery batch (8), slow enough that SIGTERM lands mid-way.
  for (int i = 0; i < 16; ++i) WriteGeometryRun(toml_.tds, i);
  toml_.throttle = "300ms";
  const std::string config = WriteConfig(), out = dir_.Sub("out.txt");
  {
    Child run({"run", "--config", config}, out);
    ASSERT_TRUE(Eventually([&] { return StoredCount() >= 2; })) << ReadAll(out);
    // status reads the store while the daemon runs.
    json status = json::parse(Capture("status --store " + toml_.store + " --format json"), nullptr, false);
    ASSERT_TRUE(status.is_object());
    EXPECT_EQ(status["daemon"]["state"], "running");
    ASSERT_EQ(status["daemon_sources"].size(), 1u);
    EXPECT_EQ(status["daemon_sources"][0]["source"], "tb");
    EXPECT_EQ(status["daemon_sources"][0]["state"], "ok");
    run.Signal(SIGTERM);
    EXPECT_EQ(run.Wait(), 0) << ReadAll(out);
  }
  const std::string log = ReadAll(toml_.log_file);
  EXPECT_NE(log.find("stopping (SIGTERM received)"), std::string::npos) << log;
  EXPECT_NE(log.find("stopped cleanly"), std::string::npos) << log;
  EXPECT_EQ(log.find(QatrackTestServer::kDefaultToken), std::string::npos);  // never logged

  // Informational (no timing assertion): how far the first run got.
  std::cout << "sessions stored before the restart: " << StoredCount() << " of 16\n";
  for (int i = 30; i < 33; ++i) WriteGeometryRun(toml_.tds, i);  // results that came in while down
  Child again({"run", "--config", config, "--until-idle", "--max-duration", "60"}, out);
  EXPECT_EQ(again.Wait(milliseconds(70000)), 0) << ReadAll(out);
  EXPECT_EQ(StoredKeysOnce().size(), 19u);
  EXPECT_EQ(StoredCount(), 19);
}

TEST_F(DaemonTest, UntilIdleDeliversEverythingAndStatusShowsTheDaemon) {
  for (int i = 0; i < 3; ++i) WriteGeometryRun(toml_.tds, i);
  const std::string config = WriteConfig(), out = dir_.Sub("out.txt");
  Child run({"run", "--config", config, "--until-idle"}, out);
  ASSERT_EQ(run.Wait(), 0) << ReadAll(out);
  EXPECT_EQ(StoredKeysOnce().size(), 3u);

  json status = json::parse(Capture("status --store " + toml_.store + " --format json"), nullptr, false);
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status["daemon"]["state"], "stopped");
  ASSERT_EQ(status["daemon_sources"].size(), 1u);
  const json& src = status["daemon_sources"][0];
  EXPECT_EQ(src["source"], "tb");
  EXPECT_EQ(src["state"], "stopped");
  EXPECT_EQ(src["last_error"], "");
  EXPECT_NE(src["last_ok"], "");
  EXPECT_EQ(src["sessions_emitted"], 3);
  ASSERT_EQ(status["daemon_sinks"].size(), 1u);
  EXPECT_EQ(status["daemon_sinks"][0]["paused"], false);
  EXPECT_EQ(status["sinks"][0]["delivered"], 3);  // existing fields stay
  EXPECT_EQ(status["sources"][0]["records"], 3);

  const std::string table = Capture("status --store " + toml_.store);
  EXPECT_NE(table.find("Sources, as `qcflow run` last saw them"), std::string::npos) << table;
  EXPECT_NE(table.find("stopped cleanly"), std::string::npos) << table;
}

TEST_F(DaemonTest, MaxDurationBeforeIdleExitsThree) {
  WriteGeometryRun(toml_.tds, 0);
  toml_.url = "http://127.0.0.1:" + std::to_string(FreePort()) + "/api";  // nobody there
  const std::string config = WriteConfig(), out = dir_.Sub("out.txt");
  Child run({"run", "--config", config, "--until-idle", "--max-duration", "2s"}, out);
  EXPECT_EQ(run.Wait(), 3) << ReadAll(out);
  const std::string log = ReadAll(toml_.log_file);
  EXPECT_EQ(Count(log, "sink qatrack: QATrack+ at http://127.0.0.1:"), 1u) << log;  // said once
  EXPECT_NE(log.find("retrying in"), std::string::npos) << log;
  // What is left, and why.
  EXPECT_NE(log.find("not done: sink qatrack: 1 session(s) not delivered (0 waiting out a retry "
                     "delay): QATrack+ at http://127.0.0.1:"), std::string::npos) << log;
  // The lag: status says since when the session has waited.
  json status = json::parse(Capture("status --store " + toml_.store + " --format json"), nullptr, false);
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status["sinks"][0]["pending"], 1) << status.dump();
  ASSERT_TRUE(status["sinks"][0]["oldest_pending"].is_string()) << status.dump();
  auto queued = ParseTimeArg(status["sinks"][0]["oldest_pending"].get<std::string>());
  ASSERT_TRUE(queued.ok()) << status.dump();
  EXPECT_LE(*queued, NowMicros());
  EXPECT_GT(*queued, NowMicros() - 120 * kMicrosPerSecond);
}

const char* kUploads = "/api/qa/testlistinstances/";

// Issue 12 §2: a connection reset, then an ambiguous timeout (stored, but the
// answer came too late) leave the session waiting out a retry delay twice;
// --until-idle waits for it instead of exiting 0 with it pending.
TEST_F(DaemonTest, UntilIdleWaitsOutRetryDelaysAfterResetsAndTimeouts) {
  WriteGeometryRun(toml_.tds, 0);
  ASSERT_TRUE(server_->AddFault(json::array({
      {{"method", "POST"}, {"path_prefix", kUploads}, {"action", "reset"}, {"times", 1}},
      {{"method", "POST"}, {"path_prefix", kUploads}, {"action", "timeout_after_store"},
       {"seconds", 7}, {"times", 1}}}).dump()).ok());
  const std::string config = WriteConfig(), out = dir_.Sub("out.txt");
  Child run({"run", "--config", config, "--until-idle", "--max-duration", "100"}, out);
  EXPECT_EQ(run.Wait(seconds(110)), 0) << ReadAll(out);
  EXPECT_EQ(StoredKeysOnce().size(), 1u);
  json status = json::parse(Capture("status --store " + toml_.store + " --format json"), nullptr, false);
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status["sinks"][0]["pending"], 0) << status.dump();
  EXPECT_EQ(status["sinks"][0]["delivered"], 1) << status.dump();
  EXPECT_TRUE(status["sinks"][0]["oldest_pending"].is_null()) << status.dump();
  const std::string log = ReadAll(toml_.log_file);
  EXPECT_NE(log.find("idle (--until-idle)"), std::string::npos) << log;
  EXPECT_EQ(log.find("not done:"), std::string::npos) << log;
}

// A session the server refuses is a dead letter: --until-idle delivers the
// rest, then exits 3 and says which and why, not "everything delivered".
TEST_F(DaemonTest, UntilIdleWithADeadLetterExitsThreeAndSaysWhy) {
  for (int i = 0; i < 2; ++i) WriteGeometryRun(toml_.tds, i);
  ASSERT_TRUE(server_->AddFault(json({{"method", "POST"}, {"path_prefix", kUploads},
                                      {"action", "status"}, {"code", 403}, {"times", 1}}).dump()).ok());
  const std::string config = WriteConfig(), out = dir_.Sub("out.txt");
  Child run({"run", "--config", config, "--until-idle", "--max-duration", "60"}, out);
  EXPECT_EQ(run.Wait(seconds(70)), 3) << ReadAll(out);
  EXPECT_EQ(StoredCount(), 1);
  const std::string log = ReadAll(toml_.log_file);
  EXPECT_NE(log.find("not done: sink qatrack: 1 dead letter(s), refused by the server ("), std::string::npos)
      << log;
  EXPECT_NE(log.find("then run qcflow replay --dead-letters"), std::string::npos) << log;
}

TEST_F(DaemonTest, BadConfigExitsTwoAndSaysWhy) {
  qcflow::testing::WriteFile(dir_.Sub("bad.toml"), "[store]\npaht = \"x\"\n");
  const std::string out = dir_.Sub("out.txt");
  Child run({"run", "--config", dir_.Sub("bad.toml")}, out);
  EXPECT_EQ(run.Wait(), 2);
  EXPECT_NE(ReadAll(out).find("did you mean 'path'?"), std::string::npos) << ReadAll(out);
}

TEST_F(DaemonTest, SourceDirectoryAppearingLaterIsPickedUpWithoutRestart) {
  DaemonOptions o;
  o.max_backoff = milliseconds(400);
  StartInProcess(o);
  ASSERT_TRUE(Eventually([&] { return WorkerState(kDaemonSourceNs, "tb") == "unavailable"; }));
  for (int i = 0; i < 2; ++i) WriteGeometryRun(toml_.tds, i);  // the share is "mounted"
  EXPECT_TRUE(Eventually([&] { return StoredCount() == 2; }));
  EXPECT_TRUE(Eventually([&] { return WorkerState(kDaemonSourceNs, "tb") == "ok"; }));
  auto summary = Stop();
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(StoredKeysOnce().size(), 2u);
  const std::string log = log_.str();
  EXPECT_EQ(Count(log, "is not readable"), 1u) << log;  // one line per change of state
  EXPECT_NE(log.find("source tb: recovered; scanning"), std::string::npos) << log;
}

// Per-component log_level: source tb logs warnings only, its twin tb2 and the
// sink keep the [log] level (info).
TEST_F(DaemonTest, EachComponentLogsAtItsOwnLevel) {
  toml_.source_extra = "log_level = \"warn\"\n";
  const std::string tds2 = dir_.Sub("TDS2");
  toml_.sink_extra = SecondMpcSource(tds2);
  WriteGeometryRun(toml_.tds, 0);
  WriteGeometryRun(tds2, 1);
  StartInProcess();
  EXPECT_TRUE(Eventually([&] { return StoredCount() == 2; }));
  ASSERT_TRUE(Stop().ok());
  const std::string log = log_.str();
  EXPECT_NE(log.find("source tb2: journaled 1 new Results.csv"), std::string::npos) << log;
  EXPECT_NE(log.find("source tb2: scanning"), std::string::npos) << log;
  EXPECT_EQ(log.find("source tb: "), std::string::npos) << log;
  EXPECT_NE(log.find("uploaded"), std::string::npos) << log;
}

// `history` (QCPump's days of history) bounds how far back the first start
// reaches; older runs are left to backfill. The window stays anchored at the
// first start, so runs made while the daemon was down are taken at the next
// start however long it was down (a per-poll window would lose them).
TEST_F(DaemonTest, HistoryReachesBackFromTheFirstStartOnly) {
  toml_.history = "2d";
  const MicrosUtc now = NowMicros();
  const int64_t kDay = 86'400 * kMicrosPerSecond;
  auto date = [&](int days) { return *FormatInZone(now + days * kDay, "Europe/Berlin", "%Y-%m-%d"); };
  WriteGeometryRun(toml_.tds, 0);             // 2024: before the window
  WriteGeometryRunOn(toml_.tds, date(-1));    // yesterday, 07:00: inside
  StartInProcess();
  EXPECT_TRUE(Eventually([&] { return StoredCount() == 1; }));
  ASSERT_TRUE(Stop().ok());
  EXPECT_NE(log_.str().find("source tb: 1 run(s) before "), std::string::npos) << log_.str();
  EXPECT_NE(log_.str().find("qcflow backfill mpc --config"), std::string::npos) << log_.str();
  EXPECT_NE(log_.str().find("(history 2d)"), std::string::npos) << log_.str();

  // Down for ten days; the run made on day 3 is taken at the restart.
  WriteGeometryRunOn(toml_.tds, date(3));
  daemon_.reset();  // closes the store before the next daemon opens it
  DaemonOptions later;
  later.clock = [&] { return NowMicros() + 10 * kDay; };
  StartInProcess(later);
  EXPECT_TRUE(Eventually([&] { return StoredCount() == 2; }));
  ASSERT_TRUE(Stop().ok());
  const std::set<std::string> keys = StoredKeysOnce();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(Count(*keys.begin() + *keys.rbegin(), "2024-"), 0u) << "the 2024 run stays for backfill";
}

TEST_F(DaemonTest, SinkDownAtStartDeliversOnceItComesUp) {
  for (int i = 0; i < 3; ++i) WriteGeometryRun(toml_.tds, i);
  // Every API request is answered with a TCP reset: the server is "down".
  ASSERT_TRUE(server_->AddFault(R"({"action":"reset","times":-1})").ok());
  DaemonOptions o;
  o.max_backoff = milliseconds(400);
  StartInProcess(o);
  ASSERT_TRUE(Eventually([&] { return WorkerState(kDaemonSinkNs, "qatrack") == "unreachable"; }));
  ASSERT_TRUE(Eventually([&] {
    auto c = store_->outbox().Counters("qatrack", NowMicros());
    return c.ok() && c->pending == 3;
  }));
  EXPECT_FALSE(daemon_->IsIdle());  // sessions are due and cannot be sent
  ASSERT_TRUE(server_->ClearFaults().ok());
  EXPECT_TRUE(Eventually([&] { return StoredCount() == 3; }));
  ASSERT_TRUE(Stop().ok());
  EXPECT_EQ(StoredKeysOnce().size(), 3u);
  EXPECT_EQ(Count(log_.str(), "; retrying in"), 1u) << log_.str();
  EXPECT_NE(log_.str().find("accepts the token; delivering"), std::string::npos);
}

TEST_F(DaemonTest, RejectedTokenPausesTheSinkUntilAccepted) {
  for (int i = 0; i < 2; ++i) WriteGeometryRun(toml_.tds, i);
  ASSERT_TRUE(server_->AddFault(R"({"action":"status","code":401,"times":-1})").ok());
  StartInProcess();
  ASSERT_TRUE(Eventually([&] { return WorkerState(kDaemonSinkNs, "qatrack") == "paused"; }));
  EXPECT_EQ(StoredCount(), 0);
  ASSERT_TRUE(server_->ClearFaults().ok());  // the administrator fixed the token
  EXPECT_TRUE(Eventually([&] { return StoredCount() == 2; }));
  EXPECT_TRUE(Eventually([&] { return WorkerState(kDaemonSinkNs, "qatrack") == "ok"; }));
  ASSERT_TRUE(Stop().ok());
  const std::string log = log_.str();
  EXPECT_EQ(Count(log, "uploads are paused"), 1u) << log;
  EXPECT_EQ(log.find(QatrackTestServer::kDefaultToken), std::string::npos);
}

// RadAuthorization sent to QATrack+ (radmachine = true by mistake): GET /api/auth/
// answers 200 anyway, so a re-check there said "accepts the token" every 5 s between
// 401s. The re-check asks units/ and the sink stays paused, saying so once.
TEST_F(DaemonTest, RadmachineMismatchStaysPausedInsteadOfFlipping) {
  WriteGeometryRun(toml_.tds, 0);
  toml_.sink_extra = "radmachine = true\n";
  StartInProcess();
  ASSERT_TRUE(Eventually([&] { return WorkerState(kDaemonSinkNs, "qatrack") == "paused"; }));
  std::this_thread::sleep_for(milliseconds(1500));  // several 200 ms re-checks
  EXPECT_EQ(WorkerState(kDaemonSinkNs, "qatrack"), "paused");
  ASSERT_TRUE(Stop().ok());
  const std::string log = log_.str();
  EXPECT_EQ(Count(log, "accepts the token"), 0u) << log;
  EXPECT_EQ(Count(log, "uploads are paused"), 1u) << log;
  EXPECT_EQ(StoredCount(), 0);
}

TEST_F(DaemonTest, MetricsEndpointServesPrometheusText) {
  for (int i = 0; i < 2; ++i) WriteGeometryRun(toml_.tds, i);
  toml_.metrics = "127.0.0.1:" + std::to_string(FreePort());
  StartInProcess();
  const int port = daemon_->metrics_port();
  ASSERT_GT(port, 0);
  ASSERT_TRUE(Eventually([&] { return StoredCount() == 2; }));
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::string body;
  ASSERT_TRUE(Eventually([&] {  // the ack is counted right after the server stored it
    auto r = qcflow::testing::HttpRequest("GET", base + "/metrics");
    body = r.ok() && r->status == 200 ? r->body : "";
    return body.find("qcflow_sink_delivered_total{sink=\"qatrack\"} 2") != std::string::npos;
  })) << body;
  for (const char* name :
       {"qcflow_source_records_total{source=\"tb\"} 2", "qcflow_source_quarantined_total{source=\"tb\"} 0",
        "qcflow_source_last_success_timestamp_seconds{source=\"tb\"}", "qcflow_source_up{source=\"tb\"} 1",
        "qcflow_sink_pending{sink=\"qatrack\"} 0", "qcflow_sink_in_backoff{sink=\"qatrack\"}",
        "qcflow_sink_dead_letters{sink=\"qatrack\"} 0", "qcflow_sink_last_success_timestamp_seconds",
        "qcflow_sink_paused{sink=\"qatrack\"} 0", "qcflow_journal_last_seq 2", "qcflow_store_bytes",
        "# TYPE qcflow_sink_delivered_total counter"}) {
    EXPECT_NE(body.find(name), std::string::npos) << name << "\n" << body;
  }
  auto other = qcflow::testing::HttpRequest("GET", base + "/");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->status, 404);
  ASSERT_TRUE(Stop().ok());
  EXPECT_FALSE(qcflow::testing::HttpRequest("GET", base + "/metrics", "", {}, milliseconds(2000)).ok())
      << "the metrics socket is closed after a stop";
}

TEST_F(DaemonTest, TwoMpcSourcesShareOneStoreEachWithItsOwnRuns) {
  // Two TDS shares; each source's transform consumes only its own records.
  for (int i = 0; i < 3; ++i) WriteGeometryRun(toml_.tds, i);
  const std::string tds2 = dir_.Sub("TDS2");
  for (int i = 3; i < 5; ++i) WriteGeometryRun(tds2, i);
  const std::string config = dir_.Sub("two.toml");
  qcflow::testing::WriteFile(config, toml_.Text() + SecondMpcSource(tds2));
  chmod(config.c_str(), 0600);
  const std::string out = dir_.Sub("out.txt");
  Child run({"run", "--config", config, "--until-idle"}, out);
  ASSERT_EQ(run.Wait(), 0) << ReadAll(out);
  EXPECT_EQ(StoredKeysOnce().size(), 5u);
  json status = json::parse(Capture("status --store " + toml_.store + " --format json"), nullptr, false);
  ASSERT_TRUE(status.is_object());
  ASSERT_EQ(status["daemon_sources"].size(), 2u);
  for (const json& src : status["daemon_sources"]) {
    EXPECT_EQ(src["sessions_emitted"], src["source"] == "tb" ? 3 : 2) << src.dump();
  }
}

// issue 12 §1: a Results.csv cut inside a value ("0.027" -> "0") is quarantined,
// never uploaded; the other runs of its window still make the session.
TEST_F(DaemonTest, CutResultsCsvIsQuarantinedAndTheRestOfItsSessionUploaded) {
  const std::string runs = toml_.tds + "/TrueBeam1234/MPCChecks/NDS-WKS-SN1234-2024-04-01-";
  const std::string header = "Name [Unit], Value, Threshold, Evaluation Result\r\n";
  qcflow::testing::WriteFile(runs + "07-00-00-0000-GeometryCheckTemplate6xMVkV/Results.csv",
                             header + "IsoCenterGroup/IsoCenterSize [mm], 0.3, 0.5, Pass\r\n"
                                      "BeamGroup/BeamOutputChange [%], -0.17, 2, Pass\r\n");
  qcflow::testing::WriteFile(runs + "07-05-00-0001-BeamCheckTemplate6xFFFMVkV/Results.csv",
                             header + "BeamGroup/BeamOutputChange [%], 0.4, 2, Pass\r\n");
  // The latest run's value would win for the 6X macro: 0 instead of -0.17.
  const std::string cut_path = runs + "07-10-00-0002-BeamCheckTemplate6xMVkV/Results.csv";
  const std::string cut = header + "BeamGroup/BeamUniformityChange [%], 0.1, 2, Pass\r\n"
                                   "BeamGroup/BeamOutputChange [%], 0";
  qcflow::testing::WriteFile(cut_path, cut);
  const std::string config = WriteConfig(), out = dir_.Sub("out.txt");
  {
    Child run({"run", "--config", config, "--until-idle"}, out);
    ASSERT_EQ(run.Wait(), 0) << ReadAll(out);
  }
  const std::string key = "QCPump/MPC/1234/2024-04-01-07-00/Beam and Geometry Checks";
  auto tests_of = [&](const std::string& user_key) {
    const json stored = Stored();
    for (const json& r : stored["results"]) {
      if (r["user_key"] == user_key) return r["tests"];
    }
    return json();
  };
  EXPECT_EQ(StoredKeysOnce(), std::set<std::string>{key});
  json tests = tests_of(key);
  ASSERT_TRUE(tests.is_object()) << Stored().dump();
  EXPECT_EQ(tests["beamgroup_beamoutputchange_per_6x"]["value"], -0.17) << tests.dump();
  EXPECT_EQ(tests["beamgroup_beamoutputchange_per_6fff"]["value"], 0.4) << tests.dump();
  EXPECT_EQ(tests["beamgroup_beamuniformitychange_per_6x"]["skipped"], true)
      << "nothing of the cut run is uploaded: " << tests.dump();

  const std::string log = ReadAll(toml_.log_file);
  EXPECT_NE(log.find("Results.csv is incomplete, so none of its values is uploaded (line 3: the "
                     "file ends inside the row of 'BeamGroup/BeamOutputChange [%]'"),
            std::string::npos) << log;
  json status = json::parse(Capture("status --store " + toml_.store + " --format json"), nullptr, false);
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status["sources"][0]["records"], 3);
  EXPECT_EQ(status["sources"][0]["quarantined"], 1);
  EXPECT_EQ(status["daemon_sources"][0]["quarantined_total"], 1) << status.dump();

  // The copy is completed later: read again, a late run of the uploaded window.
  qcflow::testing::WriteFile(cut_path, cut + ".027, 2, Pass\r\n");
  {
    Child run({"run", "--config", config, "--until-idle"}, out);
    ASSERT_EQ(run.Wait(), 0) << ReadAll(out);
  }
  status = json::parse(Capture("status --store " + toml_.store + " --format json"), nullptr, false);
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status["sources"][0]["records"], 4);
  EXPECT_EQ(status["sources"][0]["quarantined"], 1);
  EXPECT_EQ(status["late_mpc_runs"], 1) << status.dump();
  EXPECT_EQ(StoredKeysOnce(), std::set<std::string>{key});
  EXPECT_EQ(tests_of(key)["beamgroup_beamoutputchange_per_6x"]["value"], -0.17);
}

// `backfill mpc` into a full disk: before, RocksDB aborted it (exit 134).
// Now exit 1 with what to do; what was journaled is kept, and the same
// command after space returns journals the rest exactly once.
TEST_F(DaemonTest, BackfillIntoAFullDiskExitsOneAndTheRerunFinishesIt) {
  qcflow::testing::SmallDisk disk(dir_.Sub("disk"), 32u << 20);
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  const int runs = 40;
  std::string padding;  // ~60 KiB of well-formed rows per Results.csv: 2.4 MiB in all
  for (int k = 0; padding.size() < (60u << 10); ++k) {
    padding += "PadGroup/Pad" + std::to_string(k) + " [mm], 0.1, 0.5, Pass\r\n";
  }
  for (int i = 0; i < runs; ++i) WriteGeometryRun(toml_.tds, i);
  for (const auto& e : std::filesystem::recursive_directory_iterator(toml_.tds)) {
    if (e.path().filename() == "Results.csv") std::ofstream(e.path(), std::ios::app) << padding;
  }
  const std::string store = disk.dir() + "/store";
  const std::string backfill = "backfill mpc --tds " + toml_.tds + " --store " + store +
                               " --zone Europe/Berlin --settle 0";
  ASSERT_TRUE(disk.Reserve(disk.FreeBytes() - (1u << 20)));  // 1 MiB left
  auto full = testing::RunQcflow(QCFLOW_BIN, backfill);
  EXPECT_EQ(full.exit_code, 1) << full.out;
  EXPECT_NE(full.out.find("store disk full at " + store + ": "), std::string::npos) << full.out;
  EXPECT_NE(full.out.find("run the same command again"), std::string::npos) << full.out;
  disk.Release();
  auto rest = testing::RunQcflow(QCFLOW_BIN, backfill);
  EXPECT_NE(rest.out.find("run files journaled   "), std::string::npos) << rest.out;
  json status = json::parse(Capture("status --store " + store + " --format json"), nullptr, false);
  ASSERT_TRUE(status.is_object()) << Capture("status --store " + store);
  int64_t records = -1;
  for (const json& row : status["sources"]) {
    if (row["kind"] == "mpc") records = row["records"].get<int64_t>();
  }
  EXPECT_EQ(records, runs) << status.dump();
}

}  // namespace
}  // namespace qcflow::cli
