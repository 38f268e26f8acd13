// [[sink.postgres]] through the unchanged config reader and daemon: its keys
// and errors, and an MPC source's sessions mirrored into a real PostgreSQL 15.
#include "export/postgres/postgres_component.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "cli/runtime/config.h"
#include "cli/runtime/daemon.h"
#include "export/postgres/pg_schema.h"
#include "process/component/worker_state.h"
#include "tests/testing/mpc_runs.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::postgres {
namespace {

using qcflow::testing::TempDir;

std::string Section(const std::string& body) {
  return "[[sink.postgres]]\nname = \"central\"\nconninfo = \"host=127.0.0.1 port=5432 dbname=qa user=qcflow\"\n" +
         body;
}

Result<config::Config> Parse(const std::string& text) { return config::ParseConfig(text, "q.toml"); }

std::string Error(const std::string& text) {
  auto c = Parse(text);
  EXPECT_FALSE(c.ok()) << text;
  return c.ok() ? "" : c.status().message();
}

TEST(PostgresComponent, ReadsItsKeysWithDefaults) {
  TempDir dir;
  const std::string pw = dir.Sub("pg.pw");
  qcflow::testing::WriteFile(pw, "s3cret-pw\n");
  ASSERT_EQ(::chmod(pw.c_str(), 0600), 0);
  auto c = Parse(Section("site = \"north\"\npassword_file = \"" + pw + "\"\nbatch_size = 50\n"
                         "interval = \"2s\"\nlog_level = \"debug\"\nconnect_timeout = \"1500ms\"\n"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto sinks = c->Of<PostgresComponent>();
  ASSERT_EQ(sinks.size(), 1u);
  const PostgresSinkSettings& s = sinks[0]->settings();
  EXPECT_EQ(s.sink.name, "central");
  EXPECT_EQ(s.sink.site, "north");
  EXPECT_EQ(s.sink.schema, "qcflow");
  EXPECT_EQ(s.sink.password, "s3cret-pw");
  EXPECT_EQ(s.password_origin, "password_file " + pw);
  EXPECT_TRUE(s.sink.sessions);
  EXPECT_TRUE(s.sink.deliveries) << "the default";
  EXPECT_EQ(s.sink.batch_limit, 50u);
  EXPECT_EQ(s.interval, std::chrono::milliseconds(2000));
  EXPECT_EQ(s.sink.connect_timeout_seconds, 2) << "whole seconds, rounded up";

  ::setenv("QCFLOW_TEST_PG_PW", "from-env", 1);
  auto e = Parse(Section("site = \"north\"\npassword_env = \"QCFLOW_TEST_PG_PW\"\nschema = \"mirror_2\"\n"));
  ::unsetenv("QCFLOW_TEST_PG_PW");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->Of<PostgresComponent>()[0]->settings().sink.password, "from-env");
  EXPECT_EQ(e->Of<PostgresComponent>()[0]->settings().sink.schema, "mirror_2");
}

TEST(PostgresComponent, ExplainsEveryMistakeAndNeverQuotesThePassword) {
  TempDir dir;
  const std::string pw = dir.Sub("open.pw");
  qcflow::testing::WriteFile(pw, "visible-pw\n");
  ASSERT_EQ(::chmod(pw.c_str(), 0644), 0);
  std::string open = Error(Section("site = \"n\"\npassword_file = \"" + pw + "\"\n"));
  EXPECT_NE(open.find("chmod 600"), std::string::npos) << open;
  EXPECT_EQ(open.find("visible-pw"), std::string::npos) << open;

  std::string inline_pw = Error(Section("site = \"n\"\npassword = \"hunter2\"\n"));
  EXPECT_NE(inline_pw.find("may not be written in qcflow.toml"), std::string::npos) << inline_pw;
  EXPECT_EQ(inline_pw.find("hunter2"), std::string::npos) << inline_pw;
  std::string in_conninfo = Error("[[sink.postgres]]\nname = \"c\"\nsite = \"n\"\n"
                                  "conninfo = \"postgresql://u:hunter2@db/qa\"\n");
  EXPECT_NE(in_conninfo.find("conninfo holds a password"), std::string::npos) << in_conninfo;
  EXPECT_EQ(in_conninfo.find("hunter2"), std::string::npos) << in_conninfo;

  EXPECT_NE(Error(Section("")).find("'site' is required"), std::string::npos);
  EXPECT_NE(Error("[[sink.postgres]]\nname = \"c\"\nsite = \"n\"\n").find("'conninfo' is required"),
            std::string::npos);
  EXPECT_NE(Error(Section("site = \"n\"\nschema = \"Bad-Name\"\n")).find("lowercase letters"), std::string::npos);
  EXPECT_NE(Error(Section("site = \"n\"\nsessions = false\ndeliveries = false\n")).find("nothing to mirror"),
            std::string::npos);
  EXPECT_NE(Error(Section("site = \"n\"\nbatch_size = 0\n")).find("from 1 to 10000"), std::string::npos);
  EXPECT_NE(Error(Section("site = \"n\"\nconnect_timeout = \"0s\"\n")).find("from 1s to 10m"), std::string::npos);
  std::string typo = Error(Section("site = \"n\"\nshema = \"x\"\n"));
  EXPECT_NE(typo.find("did you mean 'schema'"), std::string::npos) << typo;
}

// What `qcflow validate` prints for the sink (Checklist writes to stdout).
std::string CheckLines(const PostgresComponent& sink, int* failures) {
  component::Checklist list;
  component::CheckContext ctx;
  ctx.list = &list;
  ::testing::internal::CaptureStdout();
  sink.CheckConfig(ctx);
  sink.Check(ctx);
  *failures = list.failures();
  return ::testing::internal::GetCapturedStdout();
}

TEST(PostgresComponent, ValidateSaysTheSchemaVersionOrWhatTheFirstRunWillCreate) {
  auto server = qcflow::testing::PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  qcflow::testing::PostgresServer& pg = **server;
  ASSERT_TRUE(pg.CreateDatabase("qa").ok());
  ::setenv("QCFLOW_TEST_PG_PW", pg.password().c_str(), 1);
  auto c = Parse("[[sink.postgres]]\nname = \"central\"\nconninfo = \"" + pg.Conninfo("qa") +
                 "\"\npassword_env = \"QCFLOW_TEST_PG_PW\"\nsite = \"north\"\n");
  ::unsetenv("QCFLOW_TEST_PG_PW");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const PostgresComponent& sink = *c->Of<PostgresComponent>()[0];
  int failures = 0;
  std::string before = CheckLines(sink, &failures);
  EXPECT_EQ(failures, 0) << before;
  EXPECT_NE(before.find("sink 'central' reaches PostgreSQL"), std::string::npos) << before;
  EXPECT_NE(before.find("does not exist yet; the first run will create the tables"), std::string::npos) << before;
  EXPECT_EQ(before.find("TLS"), std::string::npos) << "loopback needs no TLS warning: " << before;
  auto ns = pg.Psql("qa", "SELECT count(*) FROM pg_namespace WHERE nspname = 'qcflow'");
  ASSERT_TRUE(ns.ok());
  EXPECT_EQ(*ns, "0")
      << "validate writes nothing";

  auto real = PostgresSink::Create(nullptr, sink.settings().sink);
  ASSERT_TRUE(real.ok());
  ASSERT_TRUE((*real)->Connect().ok());
  std::string after = CheckLines(sink, &failures);
  EXPECT_NE(after.find("schema \"qcflow\" is at version " + std::to_string(kPgSchemaVersion) + " (current)"), std::string::npos) << after;

  ASSERT_TRUE(pg.Stop().ok());
  std::string down = CheckLines(sink, &failures);
  EXPECT_EQ(failures, 1) << down;
  EXPECT_NE(down.find("FAIL"), std::string::npos) << down;
  EXPECT_EQ(down.find(pg.password()), std::string::npos) << down;

  auto remote = Parse(Section("site = \"n\"\n"));
  ASSERT_TRUE(remote.ok());
  component::Checklist list;
  component::CheckContext ctx;
  ctx.list = &list;
  ::testing::internal::CaptureStdout();
  remote->Of<PostgresComponent>()[0]->CheckConfig(ctx);
  const std::string warned = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(list.warnings(), 0) << "127.0.0.1 is loopback: " << warned;
  auto far = Parse("[[sink.postgres]]\nname = \"c\"\nsite = \"n\"\nconninfo = \"host=db.example.org dbname=qa\"\n");
  ASSERT_TRUE(far.ok());
  ::testing::internal::CaptureStdout();
  far->Of<PostgresComponent>()[0]->CheckConfig(ctx);
  const std::string tls = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(list.warnings(), 1);
  EXPECT_NE(tls.find("does not require TLS"), std::string::npos) << tls;
}

TEST(PostgresComponent, TheDaemonMirrorsAnMpcSourcesSessions) {
  auto server = qcflow::testing::PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  qcflow::testing::PostgresServer& pg = **server;
  ASSERT_TRUE(pg.CreateDatabase("qa").ok());
  TempDir dir;
  const std::string tds = dir.Sub("tds");
  for (int i = 0; i < 3; ++i) qcflow::testing::WriteGeometryRun(tds, i);
  const std::string pw = dir.Sub("pg.pw");
  qcflow::testing::WriteFile(pw, pg.password() + "\n");
  ASSERT_EQ(::chmod(pw.c_str(), 0600), 0);
  const std::string toml =
      "[store]\npath = \"" + dir.Sub("store") + "\"\n"
      "[[source.mpc]]\nname = \"tb\"\ntds = \"" + tds + "\"\nzone = \"Europe/Berlin\"\ninterval = \"200ms\"\n"
      "settle = \"0s\"\nwait = \"0s\"\nhistory = \"all\"\n"
      "[[sink.postgres]]\nname = \"central\"\nconninfo = \"" + pg.Conninfo("qa") + "\"\n"
      "password_file = \"" + pw + "\"\nsite = \"north\"\ninterval = \"200ms\"\n"
      "[[route]]\nfrom = \"tb\"\nto = [\"central\"]\n";
  auto c = config::ParseConfig(toml, "q.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  cli::DaemonOptions o;
  o.config = std::move(*c);
  o.until_idle = true;
  o.max_duration = std::chrono::milliseconds(60'000);
  auto daemon = cli::Daemon::Create(std::move(o));
  ASSERT_TRUE(daemon.ok()) << daemon.status().message();
  auto summary = (*daemon)->Run();
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->reason, cli::StopReason::kIdle);
  EXPECT_TRUE(summary->left.empty()) << summary->left[0];
  daemon->reset();

  auto store = Store::Open(dir.Sub("store"), StoreOptions{});
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto counters = (*store)->outbox().Counters("central", NowMicros());
  ASSERT_TRUE(counters.ok());
  EXPECT_GE(counters->delivered, 3u);
  EXPECT_EQ(counters->pending, 0u);
  auto rows = pg.Psql("qa", "SELECT count(*) || '|' || count(DISTINCT site) || '|' || min(machine_serial) "
                            "FROM qcflow.sessions");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, std::to_string(counters->delivered) + "|1|1234");
  auto values = pg.Psql("qa", "SELECT count(*) > 0 FROM qcflow.session_values WHERE site = 'north'");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, "t");
  auto sinks = component::LoadSinkStates(**store);
  ASSERT_TRUE(sinks.ok());
  ASSERT_EQ(sinks->size(), 1u);
  EXPECT_EQ((*sinks)[0].kind, "postgres");
  EXPECT_EQ((*sinks)[0].state, "stopped");
}

TEST(PostgresComponent, TheDaemonWaitsOutADatabaseThatIsDownAndThenMirrors) {
  auto server = qcflow::testing::PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  qcflow::testing::PostgresServer& pg = **server;
  ASSERT_TRUE(pg.CreateDatabase("qa").ok());
  ASSERT_TRUE(pg.Stop().ok());
  TempDir dir;
  const std::string tds = dir.Sub("tds");
  for (int i = 0; i < 2; ++i) qcflow::testing::WriteGeometryRun(tds, i);
  ::setenv("QCFLOW_TEST_PG_PW", pg.password().c_str(), 1);
  const std::string toml =
      "[store]\npath = \"" + dir.Sub("store") + "\"\n"
      "[[source.mpc]]\nname = \"tb\"\ntds = \"" + tds + "\"\nzone = \"Europe/Berlin\"\ninterval = \"200ms\"\n"
      "settle = \"0s\"\nwait = \"0s\"\nhistory = \"all\"\n"
      "[[sink.postgres]]\nname = \"central\"\nconninfo = \"" + pg.Conninfo("qa") + "\"\n"
      "password_env = \"QCFLOW_TEST_PG_PW\"\nsite = \"north\"\ninterval = \"200ms\"\nconnect_timeout = \"2s\"\n"
      "[[route]]\nfrom = \"tb\"\nto = [\"central\"]\n";
  auto c = config::ParseConfig(toml, "q.toml");
  ::unsetenv("QCFLOW_TEST_PG_PW");
  ASSERT_TRUE(c.ok()) << c.status().message();
  cli::DaemonOptions o;
  o.config = std::move(*c);
  o.max_duration = std::chrono::milliseconds(60'000);  // a bound only: it is stopped below
  o.max_backoff = std::chrono::milliseconds(500);
  auto daemon = cli::Daemon::Create(std::move(o));
  ASSERT_TRUE(daemon.ok()) << daemon.status().message();
  Result<cli::RunSummary> summary = Status::Unavailable("not run");
  std::thread run([&] { summary = (*daemon)->Run(); });
  auto wait_for = [&](const std::string& text) {
    std::string metrics;
    for (int i = 0; i < 400; ++i) {
      metrics = (*daemon)->RenderMetrics();
      if (metrics.find(text) != std::string::npos) return metrics;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "no " << text << " in\n" << metrics;
    return metrics;
  };
  wait_for("qcflow_sink_pending{sink=\"central\"} 2");
  std::string down = wait_for("qcflow_sink_up{sink=\"central\"} 0");
  EXPECT_EQ(down.find("qcflow_postgres_oldest_pending_age_seconds{sink=\"central\"} 0\n"), std::string::npos)
      << "the lag shows while the database is down:\n" << down;
  std::string left;
  for (const std::string& l : (*daemon)->Unfinished()) left += l + "\n";
  EXPECT_NE(left.find("sink central: 2 session(s) not delivered"), std::string::npos) << left;
  EXPECT_EQ(left.find(pg.password()), std::string::npos);

  ASSERT_TRUE(pg.Restart().ok()) << pg.Diagnostics();
  wait_for("qcflow_sink_pending{sink=\"central\"} 0");
  wait_for("qcflow_sink_up{sink=\"central\"} 1");
  (*daemon)->RequestStop("test done");
  run.join();
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  daemon->reset();
  auto rows = pg.Psql("qa", "SELECT count(*) FROM qcflow.sessions WHERE site = 'north'");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, "2");
}

}  // namespace
}  // namespace qcflow::postgres
