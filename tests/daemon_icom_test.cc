// `qcflow run` with [[source.icom]], end to end: the real binary against a
// linac on loopback — a test-side one that sees how qcflow closes (FIN or
// reset) and re-sends a burst after a reconnect, and `qcflow simulate-linac`.
// Checks: messages journaled byte for byte, SIGTERM exits 0 with a FIN, a
// restart appends nothing twice, `qcflow status` shows the linac.
//
// No timing assertions: every wait polls for an outcome with a generous bound.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ingest/icom/icom_record.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/child_process.h"
#include "tests/testing/icom_archives.h"
#include "tests/testing/qatrack_test_server.h"  // HttpRequest
#include "tests/testing/run_qcflow.h"
#include "tests/testing/small_disk.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

using nlohmann::json;
using testing::ChildProcess;
using testing::Eventually;
using testing::ReadAll;

// A linac's NSS on 127.0.0.1: accepts one connection at a time, sends what the
// test says, and reports how the client closed.
class TestLinac {
 public:
  TestLinac() {
    listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listen_, 4);
    socklen_t len = sizeof a;
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~TestLinac() {
    if (conn_ >= 0) ::close(conn_);
    ::close(listen_);
  }
  int port() const { return port_; }

  bool Accept() {
    pollfd p{listen_, POLLIN, 0};
    if (::poll(&p, 1, 30000) != 1) return false;
    conn_ = ::accept(listen_, nullptr, nullptr);
    return conn_ >= 0;
  }
  bool Send(const std::vector<std::string>& m, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      if (::send(conn_, m[i].data(), m[i].size(), MSG_NOSIGNAL) != ssize_t(m[i].size()))
        return false;
    }
    return true;
  }
  // "fin" when the client closed cleanly, "reset" on a TCP reset, else "timeout".
  std::string WaitForClose() {
    timeval tv{30, 0};
    ::setsockopt(conn_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(conn_, buf, sizeof buf, 0);
      if (n > 0) continue;  // a listener never sends; ignore
      std::string how = n == 0 ? "fin" : errno == ECONNRESET ? "reset" : "timeout";
      ::close(conn_);
      conn_ = -1;
      return how;
    }
  }

 private:
  int listen_ = -1, conn_ = -1, port_ = 0;
};

class DaemonIcomTest : public ::testing::Test {
 protected:
  std::string WriteConfig(int port, int metrics_port = 0) {
    const std::string path = dir_.Sub("qcflow.toml");
    const std::string metrics =
        metrics_port ? "[metrics]\nlisten = \"127.0.0.1:" + std::to_string(metrics_port) + "\"\n"
                     : "";
    testing::WriteFile(
        path, metrics + "[store]\npath = \"" + store_dir() + "\"\n[log]\nfile = \"" + log_file() +
                  "\"\n[[source.icom]]\nname = \"LA1\"\nhost = \"127.0.0.1\"\nport = " +
                  std::to_string(port) +
                  "\nzone = \"Europe/Berlin\"\ndeliveries_interval = \"200ms\"\n"
                  "backoff_min = \"50ms\"\nbackoff_max = \"500ms\"\n");
    return path;
  }
  std::string store_dir() const { return store_dir_.empty() ? dir_.Sub("store") : store_dir_; }
  std::string log_file() const { return dir_.Sub("qcflow.log"); }
  // The simulator generator's first `n` messages for `seed`.
  static std::vector<std::string> Messages(uint64_t seed, size_t n) {
    icom::LinacGeneratorConfig g;
    g.seed = seed;
    g.messages = n;
    return testing::GenerateIcomMessages(g);
  }

  json Status() {
    auto r = testing::RunQcflow(QCFLOW_BIN, "status --store " + store_dir() + " --format json");
    return json::parse(r.out, nullptr, false);
  }
  // Journal records of kind icom for LA1, per `qcflow status`.
  int64_t Records() {
    json s = Status();
    if (!s.is_object()) return -1;
    for (const json& row : s["sources"]) {
      if (row["kind"] == "icom" && row["source"] == "LA1") return row["records"].get<int64_t>();
    }
    return 0;
  }
  json Linac() {
    json s = Status();
    if (s.is_object()) {
      for (const json& src : s["daemon_sources"]) {
        if (src["source"] == "LA1") return src;
      }
    }
    return json::object();
  }
  // Payloads of the journal's icom records (the daemon must have exited).
  std::vector<std::string> Payloads() {
    StoreOptions o;
    o.read_only = true;
    o.create_if_missing = false;
    auto store = Store::Open(store_dir(), o);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    std::vector<std::string> out;
    if (!store.ok()) return out;
    auto r = (*store)->journal().Scan(1, 1 << 20, [&](uint64_t, const RecordView& v) {
      if (v.kind == Kind::kIcom) out.emplace_back(v.payload);
      return true;
    });
    EXPECT_TRUE(r.ok());
    return out;
  }

  testing::TempDir dir_;
  std::string store_dir_;  // "" = dir_/store
};

TEST_F(DaemonIcomTest, SigtermClosesWithAFinAndARestartAbsorbsTheResentBurst) {
  icom::LinacGeneratorConfig g;
  g.seed = 5;
  g.messages = 100;
  const std::vector<std::string> m = testing::GenerateIcomMessages(g);
  TestLinac linac;
  const int metrics_port = testing::FreePort();
  const std::string config = WriteConfig(linac.port(), metrics_port), out = dir_.Sub("out.txt");
  {
    ChildProcess run(QCFLOW_BIN, {"run", "--config", config}, out);
    ASSERT_TRUE(linac.Accept()) << ReadAll(out);
    ASSERT_TRUE(linac.Send(m, 0, 60));
    // The 60th message's end is not known until the next one starts.
    ASSERT_TRUE(Eventually([&] { return Records() == 59; })) << Records() << "\n"
                                                             << ReadAll(log_file());
    ASSERT_TRUE(Eventually([&] { return Linac().value("messages", 0) == 59; })) << Linac().dump();
    EXPECT_EQ(Linac()["connected"], true);
    EXPECT_EQ(Linac()["state"], "ok");
    auto metrics = testing::HttpRequest(
        "GET", "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics");
    ASSERT_TRUE(metrics.ok()) << metrics.status().ToString();
    for (const char* line :
         {"qcflow_icom_connected{linac=\"LA1\"} 1", "qcflow_icom_messages_total{linac=\"LA1\"} 59",
          "qcflow_icom_reconnects_total{linac=\"LA1\"} 0",
          "qcflow_icom_dropped_total{linac=\"LA1\"} 0",
          "qcflow_icom_sequence_gaps_total{linac=\"LA1\"} 0",
          "qcflow_icom_bytes_total{linac=\"LA1\"} ",
          "qcflow_icom_last_message_timestamp_seconds{linac=\"LA1\"} ",
          "qcflow_icom_deliveries{linac=\"LA1\"} "}) {
      EXPECT_NE(metrics->body.find(line), std::string::npos) << line << "\n" << metrics->body;
    }
    run.Signal(SIGTERM);
    EXPECT_EQ(linac.WaitForClose(), "fin");
    EXPECT_EQ(run.Wait(), 0) << ReadAll(out);
  }
  EXPECT_NE(ReadAll(log_file()).find("stopped cleanly"), std::string::npos) << ReadAll(log_file());
  std::vector<std::string> got = Payloads();
  EXPECT_EQ(got, std::vector<std::string>(m.begin(), m.begin() + 59));  // byte for byte, in order

  {
    ChildProcess again(QCFLOW_BIN, {"run", "--config", config}, out);
    ASSERT_TRUE(linac.Accept()) << ReadAll(out);
    // A linac re-sends its last 32 messages to a listener that reconnects.
    ASSERT_TRUE(linac.Send(m, 28, 60));
    ASSERT_TRUE(linac.Send(m, 60, 100));
    ASSERT_TRUE(Eventually([&] { return Linac().value("messages", 0) == 71; })) << Linac().dump();
    ASSERT_TRUE(Eventually([&] { return Records() == 99; })) << Records();
    again.Signal(SIGTERM);
    EXPECT_EQ(linac.WaitForClose(), "fin");
    EXPECT_EQ(again.Wait(), 0) << ReadAll(out);
  }
  got = Payloads();
  ASSERT_EQ(got.size(), 99u);
  std::multiset<std::string> seen(got.begin(), got.end());
  for (size_t i = 0; i < 99; ++i) EXPECT_EQ(seen.count(m[i]), 1u) << "message " << i;
  json la1 = Linac();
  EXPECT_EQ(la1["state"], "stopped") << la1.dump();
  EXPECT_EQ(la1["connected"], false);
  EXPECT_EQ(la1["dropped"], 0);
  EXPECT_EQ(la1["gaps"], 0);
  EXPECT_TRUE(la1.contains("deliveries")) << la1.dump();
  const std::string table = testing::RunQcflow(QCFLOW_BIN, "status --store " + store_dir()).out;
  EXPECT_NE(table.find("iCom linacs"), std::string::npos) << table;
}

// Issue 12 §2: --max-duration while the linac is still streaming stops at the
// time asked; with nothing lost that is exit 0 (iCom streams never end).
TEST_F(DaemonIcomTest, MaxDurationWhileStreamingExitsZero) {
  const std::vector<std::string> m = Messages(/*seed=*/6, 400);
  TestLinac linac;
  const std::string config = WriteConfig(linac.port()), out = dir_.Sub("out.txt");
  ChildProcess run(QCFLOW_BIN, {"run", "--config", config, "--max-duration", "2s"}, out);
  ASSERT_TRUE(linac.Accept()) << ReadAll(out);
  // One message every 20 ms until qcflow closes the socket at the deadline.
  size_t sent = 0;
  while (sent < m.size() && linac.Send(m, sent, sent + 1)) {
    ++sent;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_LT(sent, m.size()) << "qcflow did not stop at --max-duration";
  EXPECT_EQ(run.Wait(), 0) << ReadAll(out) << ReadAll(log_file());
  const std::string log = ReadAll(log_file());
  EXPECT_NE(log.find("--max-duration reached"), std::string::npos) << log;
  EXPECT_EQ(log.find("not done:"), std::string::npos) << log;
}

// A full store disk: before, RocksDB aborted the daemon (SIGABRT) and the
// queued capture was lost. Now one clear log line, the socket stays open, the
// capture waits in its queue, and everything is journaled once space returns.
TEST_F(DaemonIcomTest, AFullStoreDiskBuffersTheCaptureAndResumesWhenSpaceReturns) {
  testing::SmallDisk disk(dir_.Sub("disk"), 16u << 20);
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  store_dir_ = disk.dir() + "/store";
  icom::LinacGeneratorConfig g;
  g.seed = 7;
  g.messages = 400;
  const std::vector<std::string> m = testing::GenerateIcomMessages(g);
  TestLinac linac;
  const std::string config = WriteConfig(linac.port()), out = dir_.Sub("out.txt");
  ChildProcess run(QCFLOW_BIN, {"run", "--config", config}, out);
  ASSERT_TRUE(linac.Accept()) << ReadAll(out);
  ASSERT_TRUE(linac.Send(m, 0, 10));
  ASSERT_TRUE(Eventually([&] { return Records() == 9; })) << ReadAll(log_file());
  // Fill the disk, then keep streaming until the journal refuses a write.
  ASSERT_GT(disk.FreeBytes(), 256u << 10);
  ASSERT_TRUE(disk.Reserve(disk.FreeBytes() - (128u << 10)));
  size_t sent = 10;
  const std::string full_line = "store disk full at " + store_dir() + ": ";
  ASSERT_TRUE(Eventually([&] {
    if (sent < 300 && linac.Send(m, sent, sent + 10)) sent += 10;
    return ReadAll(log_file()).find(full_line) != std::string::npos;
  })) << ReadAll(log_file());
  const std::string log = ReadAll(log_file());
  EXPECT_NE(log.find("capture is buffered up to 4096 messages / 64 MiB per linac and then "
                     "counted as loss"),
            std::string::npos)
      << log;
  ASSERT_TRUE(linac.Send(m, sent, 300));  // the socket is still open: more is read and queued
  disk.Release();
  ASSERT_TRUE(linac.Send(m, 300, 400));
  ASSERT_TRUE(Eventually([&] { return Records() == 399; })) << Records() << "\n"
                                                              << ReadAll(log_file());
  // The daemon notices the recovery on its next health check, after the writes resumed.
  EXPECT_TRUE(Eventually([&] { return ReadAll(log_file()).find("is writable again") != std::string::npos; }))
      << ReadAll(log_file());
  run.Signal(SIGTERM);
  EXPECT_EQ(linac.WaitForClose(), "fin");
  EXPECT_EQ(run.Wait(), 0) << ReadAll(out);
  EXPECT_EQ(Payloads(), std::vector<std::string>(m.begin(), m.begin() + 399));
  EXPECT_EQ(Linac()["dropped"], 0) << Linac().dump();
}

// SIGTERM while a linac is still streaming (it does not close at our FIN, as
// a linac mid-beam would not): the log says the source stopped, not that the
// linac was lost and is being reconnected.
TEST_F(DaemonIcomTest, SigtermLogsThatTheSourceStoppedNotThatItIsReconnecting) {
  icom::LinacGeneratorConfig g;
  g.messages = 20;
  const std::vector<std::string> m = testing::GenerateIcomMessages(g);
  TestLinac linac;
  const std::string config = WriteConfig(linac.port()), out = dir_.Sub("out.txt");
  ChildProcess run(QCFLOW_BIN, {"run", "--config", config}, out);
  ASSERT_TRUE(linac.Accept()) << ReadAll(out);
  ASSERT_TRUE(linac.Send(m, 0, 20));
  ASSERT_TRUE(Eventually([&] {
    return ReadAll(log_file()).find("source LA1: connected to") != std::string::npos;
  })) << ReadAll(log_file());
  run.Signal(SIGTERM);
  // No close on our side for a while: qcflow drains, then closes by itself.
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(linac.WaitForClose(), "fin");
  EXPECT_EQ(run.Wait(), 0) << ReadAll(out);
  const std::string log = ReadAll(log_file());
  EXPECT_NE(log.find("source LA1: stopped; the connection to 127.0.0.1:"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("not connected"), std::string::npos) << log;
}

TEST_F(DaemonIcomTest, AgainstSimulateLinacEveryMessageIsJournaledOnceAcrossARestart) {
  const std::string sim_out = dir_.Sub("sim.txt");
  ChildProcess sim(
      QCFLOW_BIN,
      {"simulate-linac", "--port", "0", "--rate", "100", "--seed", "9", "--fault", "resend-burst"},
      sim_out);
  int port = 0;
  ASSERT_TRUE(Eventually([&] {
    const std::string text = ReadAll(sim_out);
    const size_t at = text.find("listening on 127.0.0.1:");
    if (at == std::string::npos) return false;
    port = std::atoi(text.c_str() + at + 23);
    return port > 0;
  })) << ReadAll(sim_out);
  const std::string config = WriteConfig(port), out = dir_.Sub("out.txt");
  for (int round = 1; round <= 2; ++round) {
    const int64_t before = std::max<int64_t>(Records(), 0);
    ChildProcess run(QCFLOW_BIN, {"run", "--config", config}, out);
    ASSERT_TRUE(Eventually([&] { return Records() >= before + 40; })) << ReadAll(log_file());
    run.Signal(SIGTERM);
    EXPECT_EQ(run.Wait(), 0) << ReadAll(out);
    const json la1 = Linac();
    std::cout << "round " << round << ": framed " << la1.value("messages", 0) << ", journal now "
              << Records() << " (the difference from the previous round is what was new)\n";
  }
  // Every record is a message of the simulator's stream (same seed, same
  // bytes), each at most once, although the second connection began with a
  // re-sent burst.
  icom::LinacGeneratorConfig g;
  g.seed = 9;
  g.messages = 0;
  icom::LinacGenerator gen(g);
  std::set<std::string> stream;
  std::string msg;
  for (int i = 0; i < 20000 && gen.Next(&msg); ++i) {
    stream.insert(msg);
    msg.clear();
  }
  const std::vector<std::string> got = Payloads();
  ASSERT_GE(got.size(), 80u);
  std::set<std::string> unique(got.begin(), got.end());
  EXPECT_EQ(unique.size(), got.size()) << "a message was journaled twice";
  for (const std::string& p : got) EXPECT_TRUE(stream.count(p)) << "not a simulator message";
}

// `qcflow backfill icom` end to end: import, idempotent repeat, damaged files,
// overlap with what `qcflow run` captured, and the errors users meet first.
TEST_F(DaemonIcomTest, BackfillImportsOnceReportsDamageAndDedupsWithCapture) {
  icom::LinacGeneratorConfig g;
  g.seed = 5;
  g.messages = 100;
  const std::vector<std::string> m = testing::GenerateIcomMessages(g);
  // Capture the first 40 live (39 journaled: the 40th's end is never seen).
  TestLinac linac;
  const std::string config = WriteConfig(linac.port()), out = dir_.Sub("out.txt");
  {
    ChildProcess run(QCFLOW_BIN, {"run", "--config", config}, out);
    ASSERT_TRUE(linac.Accept()) << ReadAll(out);
    ASSERT_TRUE(linac.Send(m, 0, 40));
    ASSERT_TRUE(Eventually([&] { return Records() == 39; })) << Records();
    run.Signal(SIGTERM);
    EXPECT_EQ(linac.WaitForClose(), "fin");
    ASSERT_EQ(run.Wait(), 0) << ReadAll(out);
  }
  // The archive pymedphys wrote meanwhile: all 100, in two deliveries, plus its live ring.
  const std::string archive = dir_.Sub("icom");
  testing::WriteXzArchive(archive + "/patients/123_DOE, JANE/20260105_080000.xz", m, 0, 60);
  testing::WriteXzArchive(archive + "/patients/123_DOE, JANE/20260105_081500.xz", m, 60, 100);
  testing::WriteLiveRing(archive, "127.0.0.1", m, 90, 100);
  const std::string backfill =
      "backfill icom --config " + config + " --linac LA1 --from '" + archive + "'";
  auto first = testing::RunQcflow(QCFLOW_BIN, backfill);
  EXPECT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("appended              61"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("duplicates            49"), std::string::npos) << first.out;  // 39 + 10
  EXPECT_NE(first.out.find("files                 12 (2 .xz, 10 live .txt)"), std::string::npos)
      << first.out;
  EXPECT_EQ(first.out.find("DOE"), std::string::npos) << "no patient names in the output";
  EXPECT_EQ(Records(), 100);
  auto again = testing::RunQcflow(QCFLOW_BIN, backfill);
  EXPECT_EQ(again.exit_code, 0) << again.out;
  EXPECT_NE(again.out.find("appended              0"), std::string::npos) << again.out;
  EXPECT_EQ(Records(), 100);

  // A damaged file: reported (exit 3), the good file next to it still imported.
  const std::string more = dir_.Sub("icom2");
  icom::LinacGeneratorConfig g2 = g;
  g2.seed = 6;
  g2.messages = 20;
  const std::vector<std::string> m2 = testing::GenerateIcomMessages(g2);
  std::string bad = testing::XzCompress(m2[0] + m2[1]);
  testing::WriteFile(more + "/patients/9_ROE/1.xz", bad.substr(0, bad.size() / 2));
  testing::WriteXzArchive(more + "/patients/9_ROE/2.xz", m2, 2, 20);
  auto damaged =
      testing::RunQcflow(QCFLOW_BIN, "backfill icom --config " + config + " --from " + more);
  EXPECT_EQ(damaged.exit_code, 3) << damaged.out;
  EXPECT_NE(damaged.out.find("! patients/<patient>/1.xz: the file is cut short"), std::string::npos)
      << damaged.out;
  EXPECT_NE(damaged.out.find("appended              18"), std::string::npos) << damaged.out;
  EXPECT_EQ(damaged.out.find("ROE"), std::string::npos) << damaged.out;

  // A linac only imported into a fresh store: status lists it with its deliveries.
  const std::string fresh = dir_.Sub("fresh-store");
  auto imported = testing::RunQcflow(
      QCFLOW_BIN, "backfill icom --linac LA9 --store " + fresh + " --from '" + archive + "'");
  EXPECT_EQ(imported.exit_code, 0) << imported.out;
  const std::string table = testing::RunQcflow(QCFLOW_BIN, "status --store " + fresh).out;
  EXPECT_NE(table.find("LA9    not captured by qcflow run"), std::string::npos) << table;

  auto missing = testing::RunQcflow(QCFLOW_BIN, "backfill icom --linac LA1 --store " + store_dir() +
                                                    " --from " + dir_.Sub("nowhere"));
  EXPECT_EQ(missing.exit_code, 2) << missing.out;
  EXPECT_NE(missing.out.find("not a directory"), std::string::npos) << missing.out;
  testing::WriteFile(dir_.Sub("empty/readme"), "x");
  auto empty = testing::RunQcflow(QCFLOW_BIN, "backfill icom --linac LA1 --store " + store_dir() +
                                                  " --from " + dir_.Sub("empty"));
  EXPECT_EQ(empty.exit_code, 2) << empty.out;
  EXPECT_NE(empty.out.find("no iCom archives under"), std::string::npos) << empty.out;
  auto no_linac =
      testing::RunQcflow(QCFLOW_BIN, "backfill icom --store " + store_dir() + " --from " + archive);
  EXPECT_EQ(no_linac.exit_code, 2) << no_linac.out;
  EXPECT_NE(no_linac.out.find("--linac NAME is required"), std::string::npos) << no_linac.out;
}

// `qcflow validate` listens to each linac briefly and closes with a FIN.
TEST_F(DaemonIcomTest, ValidateListensToTheLinacAndClosesCleanly) {
  icom::LinacGeneratorConfig g;
  g.messages = 10;
  const std::vector<std::string> m = testing::GenerateIcomMessages(g);
  TestLinac linac;
  const std::string config = WriteConfig(linac.port());
  testing::Run result;
  std::thread validate(
      [&] { result = testing::RunQcflow(QCFLOW_BIN, "validate --config " + config); });
  ASSERT_TRUE(linac.Accept());
  ASSERT_TRUE(linac.Send(m, 0, 10));
  EXPECT_EQ(linac.WaitForClose(), "fin");
  validate.join();
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_NE(result.out.find("linac 'LA1': 127.0.0.1:" + std::to_string(linac.port()) +
                            " streams iCom (9 message(s)"),
            std::string::npos)
      << result.out;

  const std::string refused = WriteConfig(testing::FreePort());
  auto r = testing::RunQcflow(QCFLOW_BIN, "validate --config " + refused);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("FAIL  linac 'LA1': cannot connect to 127.0.0.1:"), std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace qcflow
