// The daemon's operational surface: /healthz and /readyz on the metrics
// listener, /metrics checked by `promtool check metrics` (Prometheus naming
// conventions), and sd_notify READY/WATCHDOG/STOPPING on a NOTIFY_SOCKET the
// test binds itself. Everything on loopback; no timing assertions.
#include "cli/runtime/daemon.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "cli/runtime/config.h"
#include "tests/testing/child_process.h"
#include "tests/testing/mpc_runs.h"
#include "tests/testing/qatrack_test_server.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::cli {
namespace {

using testing::Eventually;
using testing::FreePort;
using testing::HttpRequest;
using testing::ReadAll;

class DaemonHealthTest : public ::testing::Test {
 protected:
  // One source or sink of most kinds, so /metrics holds most families; nothing
  // they talk to needs to exist (the linac and QATrack+ ports are closed).
  std::string Config(int metrics_port) {
    const std::string d = dir_.path();
    testing::WriteGeometryRun(d + "/TDS", 0);
    std::filesystem::create_directories(d + "/trf");
    std::filesystem::create_directories(d + "/incoming");
    testing::WriteFile(d + "/incoming/a.txt", "moved once\n");
    return "[store]\npath = \"" + d + "/store\"\n"
           "[log]\nlevel = \"warn\"\n"
           "[metrics]\nlisten = \"127.0.0.1:" + std::to_string(metrics_port) + "\"\n"
           "[[source.mpc]]\nname = \"tb\"\ntds = \"" + d + "/TDS\"\nzone = \"Europe/Berlin\"\n"
           "interval = \"200ms\"\nsettle = \"0s\"\nwait = \"0s\"\nhistory = \"all\"\n"
           "[[source.icom]]\nname = \"LA1\"\nhost = \"127.0.0.1\"\nport = " +
           std::to_string(FreePort()) + "\n"
           "[[source.trf]]\nname = \"la1-trf\"\ndir = \"" + d + "/trf\"\nlinac = \"LA1\"\n"
           "settle = \"0s\"\ninterval = \"200ms\"\n"
           "[[source.file_mover]]\nname = \"mv\"\nsource = \"" + d + "/incoming\"\ndestination = \"" +
           d + "/archive\"\nsettle = \"0s\"\ninterval = \"200ms\"\n"
           "[[sink.qatrack]]\nname = \"qatrack\"\nurl = \"http://127.0.0.1:" + std::to_string(FreePort()) +
           "/api\"\ntoken = \"" + testing::QatrackTestServer::kDefaultToken +
           "\"\nserver_zone = \"Europe/Berlin\"\ninterval = \"200ms\"\n"
           "[[sink.quaac]]\nname = \"archive\"\ndir = \"" + d + "/quaac\"\nuser_email = \"qa@clinic.org\"\n"
           "[[route]]\nfrom = \"tb\"\nto = [\"qatrack\", \"archive\"]\n";
  }
  std::string WriteConfig(int metrics_port) {
    const std::string path = dir_.Sub("qcflow.toml");
    testing::WriteFile(path, Config(metrics_port));
    std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return path;
  }
  std::string Url(int port, const char* path) { return "http://127.0.0.1:" + std::to_string(port) + path; }

  testing::TempDir dir_;
};

TEST_F(DaemonHealthTest, ReadyzWaitsForEveryPartAndMetricsPassPromtool) {
  auto cfg = config::ParseConfig(Config(FreePort()), "test.toml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  DaemonOptions o;
  o.config = *cfg;
  auto d = Daemon::Create(std::move(o));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const int port = (*d)->metrics_port();

  // Created, not running: the listener answers, but nothing has started.
  auto live = HttpRequest("GET", Url(port, "/healthz"));
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  EXPECT_EQ(live->status, 200);
  auto early = HttpRequest("GET", Url(port, "/readyz"));
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->status, 503);
  EXPECT_NE(early->body.find("starting"), std::string::npos) << early->body;

  Result<RunSummary> summary = Status::OK();
  std::thread runner([&] { summary = (*d)->Run(); });
  EXPECT_TRUE(Eventually([&] {
    auto r = HttpRequest("GET", Url(port, "/readyz"));
    return r.ok() && r->status == 200;
  }));
  // Wait until every source made a pass, so their families are in the text.
  std::string body;
  EXPECT_TRUE(Eventually([&] {
    auto r = HttpRequest("GET", Url(port, "/metrics"));
    body = r.ok() ? r->body : "";
    return body.find("qcflow_source_records_total{source=\"tb\"} 1") != std::string::npos &&
           body.find("qcflow_file_mover_files_total{source=\"mv\",action=\"moved\"} 1") != std::string::npos &&
           body.find("qcflow_trf_deliveries_total") != std::string::npos;
  })) << body;
  (*d)->RequestStop("test done");
  runner.join();
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();

  // What every Prometheus exporter has, and which qcflow this is.
  for (const char* family : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                             "process_start_time_seconds", "process_open_fds"}) {
    EXPECT_NE(body.find("\n" + std::string(family) + " "), std::string::npos) << family << "\n" << body;
  }
  const std::string version = testing::RunQcflow(QCFLOW_BIN, "--version").out;  // "qcflow X.Y.Z\n..."
  const std::string number = version.substr(7, version.find('\n') - 7);
  EXPECT_NE(body.find("qcflow_build_info{version=\"" + number + "\"} 1\n"), std::string::npos)
      << version << "\n" << body;

  // promtool's linter: counters end in _total, no type in a name, units spelled out, HELP.
  const std::string file = dir_.Sub("metrics.txt");
  testing::WriteFile(file, body);
  const std::string out = dir_.Sub("promtool.txt");
  const int rc = std::system(("promtool check metrics < " + file + " > " + out + " 2>&1").c_str());
  ASSERT_NE(WEXITSTATUS(rc), 127) << "promtool missing: install the Debian package prometheus "
                                     "(scripts/install-deps)";
  EXPECT_EQ(rc, 0) << ReadAll(out) << "\n" << body;
  EXPECT_EQ(ReadAll(out), "") << "promtool has remarks";
}

// A datagram socket where systemd would listen: what qcflow run tells it.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    bound_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tick{0, 100'000};  // reads return within 100 ms when nothing came
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
  }
  ~NotifySocket() {
    if (fd_ >= 0) close(fd_);
    unlink(path_.c_str());
  }
  bool bound() const { return bound_; }
  // Every message received so far, in order, appended to `got`.
  void Drain(std::vector<std::string>* got) {
    char buf[4096];
    for (ssize_t n; (n = recv(fd_, buf, sizeof buf, 0)) > 0;) got->emplace_back(buf, size_t(n));
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

size_t CountStarting(const std::vector<std::string>& got, const std::string& prefix) {
  size_t n = 0;
  for (const std::string& m : got) n += m.rfind(prefix, 0) == 0;
  return n;
}

TEST_F(DaemonHealthTest, TellsSystemdReadyWatchdogAndStopping) {
  const int port = FreePort();
  const std::string config = WriteConfig(port), out = dir_.Sub("out.txt");
  NotifySocket systemd(dir_.Sub("notify.sock"));
  ASSERT_TRUE(systemd.bound());
  std::vector<std::string> got;
  // The child inherits what systemd would set: the socket and a 400 ms watchdog.
  setenv("NOTIFY_SOCKET", dir_.Sub("notify.sock").c_str(), 1);
  setenv("WATCHDOG_USEC", "400000", 1);
  testing::ChildProcess run(QCFLOW_BIN, {"run", "--config", config}, out);
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");

  ASSERT_TRUE(Eventually([&] {
    systemd.Drain(&got);
    return CountStarting(got, "WATCHDOG=1") >= 3;
  })) << ReadAll(out);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.front().rfind("READY=1\nSTATUS=running: 4 source(s), 2 sink(s)", 0), 0u) << got.front();
  EXPECT_EQ(CountStarting(got, "READY=1"), 1u);
  auto ready = HttpRequest("GET", Url(port, "/readyz"));
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 200) << "READY=1 is sent when /readyz turns ready";

  run.Signal(SIGTERM);
  EXPECT_EQ(run.Wait(), 0) << ReadAll(out);
  systemd.Drain(&got);
  ASSERT_EQ(CountStarting(got, "STOPPING=1"), 1u);
  EXPECT_NE(got.back().find("SIGTERM"), std::string::npos) << got.back();
  EXPECT_EQ(got.back().rfind("STOPPING=1", 0), 0u) << "nothing after STOPPING=1";
}

TEST_F(DaemonHealthTest, WithoutAWatchdogOnlyReadyAndStoppingAreSent) {
  const std::string config = WriteConfig(FreePort()), out = dir_.Sub("out.txt");
  NotifySocket systemd(dir_.Sub("notify.sock"));
  ASSERT_TRUE(systemd.bound());
  setenv("NOTIFY_SOCKET", dir_.Sub("notify.sock").c_str(), 1);
  testing::ChildProcess run(QCFLOW_BIN, {"run", "--config", config, "--max-duration", "1s"}, out);
  unsetenv("NOTIFY_SOCKET");
  run.Wait();
  std::vector<std::string> got;
  systemd.Drain(&got);
  ASSERT_EQ(got.size(), 2u) << ReadAll(out);
  EXPECT_EQ(CountStarting(got, "READY=1"), 1u);
  EXPECT_EQ(got[1].rfind("STOPPING=1\nSTATUS=stopping (--max-duration", 0), 0u) << got[1];
}

}  // namespace
}  // namespace qcflow::cli
