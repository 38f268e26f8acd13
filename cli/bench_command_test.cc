// `qcflow bench` smoke tests: every mode runs the real binary in a short
// configuration and must report sane numbers (positive rates, counts that
// match the input, valid JSON). No timing assertions: speed is for
// docs/benchmarks.md, not for tests.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "ingest/dqa3/connection.h"
#include "ingest/dqa3/sim/dqa3_sim.h"
#include "tests/testing/firebird_dqa3.h"
#include "tests/testing/firebird_server.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

struct BenchRun {
  int exit_code = -1;
  std::string out;  // stdout only (the report); progress goes to stderr
  nlohmann::json report;
};

class BenchCommandTest : public ::testing::Test {
 protected:
  // Runs `[env] qcflow bench <args> --format json --store <scratch>`.
  BenchRun Bench(const std::string& args, const std::string& env = "") {
    BenchRun r;
    const std::string cmd = env + " " + std::string(QCFLOW_BIN) + " bench " + args +
                            " --format json --store " + dir_.Sub("work") + " 2>" +
                            dir_.Sub("stderr.txt");
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    const int status = pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.report = nlohmann::json::parse(r.out, nullptr, false);
    return r;
  }

  // The value of the row `measurement` (and `unit`) in the report's only mode.
  static double Value(const nlohmann::json& mode, const std::string& measurement,
                      const std::string& unit) {
    for (const auto& row : mode["results"]) {
      if (row["measurement"] == measurement && row["unit"] == unit) return row["value"].get<double>();
    }
    ADD_FAILURE() << "no row '" << measurement << "' [" << unit << "] in " << mode.dump();
    return -1;
  }

  // Exit code 0, valid JSON with one mode named `name`, and the scratch
  // directory emptied again.
  nlohmann::json OneMode(const BenchRun& r, const std::string& name) {
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_FALSE(r.report.is_discarded()) << r.out;
    if (r.report.is_discarded() || !r.report.contains("modes")) return nlohmann::json::object();
    EXPECT_EQ(r.report["modes"].size(), 1u);
    EXPECT_EQ(r.report["modes"][0]["mode"], name);
    EXPECT_TRUE(r.report.contains("machine"));
    EXPECT_TRUE(std::filesystem::is_empty(dir_.Sub("work"))) << "scratch directories left behind";
    return r.report["modes"][0];
  }

  testing::TempDir dir_;
};

TEST_F(BenchCommandTest, JournalReportsPositiveRatesNextToRaw) {
  auto mode = OneMode(Bench("journal --duration 1"), "journal");
  ASSERT_TRUE(mode["available"].get<bool>());
  ASSERT_EQ(mode["results"].size(), 7u) << mode.dump();
  for (const auto& row : mode["results"]) {
    EXPECT_GT(row["value"].get<double>(), 0) << row.dump();
    EXPECT_EQ(row["unit"], "records/s");
  }
  // Journal rows are compared with their raw baseline.
  EXPECT_NE(mode["results"][1]["note"].get<std::string>().find("of raw"), std::string::npos);
}

TEST_F(BenchCommandTest, IcomCountsMatchAcrossCaptureJournalAndDeliveries) {
  auto mode = OneMode(Bench("icom --duration 2 --linacs 2 --rate 20"), "icom");
  const double journaled = Value(mode, "messages journaled", "messages");
  EXPECT_GT(journaled, 10);
  EXPECT_LE(journaled, 2 * 20 * 4);  // cannot exceed what two linacs sent in the run
  EXPECT_GT(Value(mode, "journaled", "messages/s"), 0);
  EXPECT_GT(Value(mode, "received", "MB/s"), 0);
  // Everything journaled went through decode + deliveries, cleanly.
  EXPECT_EQ(Value(mode, "messages through decode + deliveries", "messages"), journaled);
  EXPECT_EQ(Value(mode, "malformed", "messages"), 0);
  EXPECT_EQ(Value(mode, "messages lost (capture queue full)", "messages"), 0);
  EXPECT_GT(Value(mode, "deliveries written", "updates"), 0);
  EXPECT_GE(Value(mode, "capture -> delivery latency p99", "ms"),
            Value(mode, "capture -> delivery latency p50", "ms"));
  EXPECT_GT(Value(mode, "RSS at end", "MiB"), 0);
}

TEST_F(BenchCommandTest, IcomMaxImportsEveryArchivedMessage) {
  auto mode = OneMode(Bench("icom --max --duration 2 --linacs 3"), "icom");
  EXPECT_GT(Value(mode, "backfill from .xz archives", "messages/s"), 0);
  EXPECT_GT(Value(mode, "backfill from .xz archives", "MB/s"), 0);
  // 200 messages per linac, the last one kept (an archive file ends exactly).
  EXPECT_EQ(Value(mode, "messages imported", "messages"), 3 * 200);
  EXPECT_GT(Value(mode, "journal append alone", "messages/s"), 0);
  EXPECT_GT(Value(mode, "raw RocksDB WriteBatch, same bytes", "messages/s"), 0);
}

TEST_F(BenchCommandTest, MpcEmitsEverySyntheticSession) {
  auto mode = OneMode(Bench("mpc --run-folders 200"), "mpc");
  EXPECT_GT(Value(mode, "first scan", "folders/s"), 0);
  EXPECT_GT(Value(mode, "transform to sessions", "sessions/s"), 0);
  EXPECT_GT(Value(mode, "sessions", "sessions"), 10);
  // The floors are measured beside the figures they bound, and the ratios shown.
  EXPECT_GT(Value(mode, "floor: stat of every file", "ms"), 0);
  EXPECT_GT(Value(mode, "floor: read every file, one thread", "ms"), 0);
  for (const auto& row : mode["results"]) {
    if (row["measurement"] == "re-scan, unchanged tree") {
      EXPECT_NE(row["note"].get<std::string>().find("x the stat walk"), std::string::npos) << row;
    }
    if (row["measurement"] == "backfill (first scan + transform)") {
      EXPECT_NE(row["note"].get<std::string>().find("x the read"), std::string::npos) << row;
    }
  }
  for (const auto& row : mode["results"]) {
    if (row["measurement"] == "sessions") {
      EXPECT_EQ(row["note"], "expected " + std::to_string(row["value"].get<int>()));
    }
  }
}

TEST_F(BenchCommandTest, ExportDeliversEverySessionToTheTestServer) {
  auto mode = OneMode(Bench("export --uploads 20"), "export");
  ASSERT_TRUE(mode["available"].get<bool>()) << mode.dump();
  EXPECT_GT(Value(mode, "uploads, no throttle", "uploads/s"), 0);
  EXPECT_GT(Value(mode, "uploads, throttle 10 ms", "uploads/s"), 0);
  EXPECT_EQ(Value(mode, "sessions stored by the server", "sessions"), 20 + 10 + 2);  // + warm-ups
}

TEST_F(BenchCommandTest, Dqa3JournalsEverySyntheticRow) {
  auto mode = OneMode(Bench("dqa3 --dqa3-rows 600"), "dqa3");
  ASSERT_TRUE(mode["available"].get<bool>()) << mode.dump();
  EXPECT_GT(Value(mode, "rows journaled", "rows/s"), 0);
  EXPECT_GT(Value(mode, "re-poll, every row known", "rows/s"), 0);
  const double rows = Value(mode, "rows read", "rows");
  EXPECT_GE(rows, 600);
  for (const auto& row : mode["results"]) {
    if (row["measurement"] == "rows read") {
      EXPECT_EQ(row["note"], "expected " + std::to_string(int(rows)));
    }
  }
}

// --firebird-*: polls an existing database (here a real Firebird 3 server on a
// loopback port, filled by the DQA3 simulator) without writing to it.
TEST_F(BenchCommandTest, Dqa3ReadsAnExistingFirebirdDatabase) {
  auto server = testing::FirebirdServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto path = (*server)->CreateDatabase("dqa3.fdb", "UTF8");
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  dqa3::Dqa3Connection c = testing::FirebirdDqa3Connection(**server, *path);
  dqa3::sim::Dqa3SimOptions o;
  ASSERT_TRUE(dqa3::sim::CreateDqa3Schema(c, o.version).ok());
  auto sum = dqa3::sim::WriteDqa3Rows(c, o);
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();

  auto mode = OneMode(Bench("dqa3 --firebird-database " + *path + " --firebird-port " +
                                std::to_string((*server)->port()),
                            "QCFLOW_FIREBIRD_PASSWORD='" + (*server)->password() + "'"),
                      "dqa3");
  EXPECT_EQ(Value(mode, "rows read", "rows"), double(sum->trend_rows));
  EXPECT_GT(Value(mode, "rows journaled", "rows/s"), 0);
  EXPECT_EQ(mode["notes"].dump().find((*server)->password()), std::string::npos)
      << "the password must never be printed";
}

// SIGTERM (or Ctrl-C) ends a long run early and still removes its scratch store.
TEST_F(BenchCommandTest, InterruptedRunRemovesItsScratchDirectory) {
  const std::string work = dir_.Sub("work");
  const std::string cmd = "( " + std::string(QCFLOW_BIN) +
                          " bench icom --duration 120 --linacs 2 --rate 20 --store " + work +
                          " >/dev/null 2>&1 & pid=$!; sleep 2; ls " + work +
                          " | wc -l; kill -TERM $pid; wait $pid; echo exit=$? )";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[256];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  EXPECT_EQ(out, "1\nexit=1\n") << "one scratch directory while running, exit code 1 after";
  EXPECT_TRUE(std::filesystem::is_empty(work));
}

TEST_F(BenchCommandTest, BadFormatIsAUsageError) {
  const std::string cmd = std::string(QCFLOW_BIN) + " bench journal --format xml 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[1024];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(out.find("--format must be table or json"), std::string::npos) << out;
}

}  // namespace
}  // namespace qcflow
