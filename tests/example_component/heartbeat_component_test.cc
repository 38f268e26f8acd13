// The contract's proof: a kind that exists only in this folder is read,
// run, persisted, metered and shown by the unchanged runtime.
#include "tests/example_component/heartbeat_component.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "cli/runtime/config.h"
#include "cli/runtime/daemon.h"
#include "process/component/worker_state.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::example {
namespace {

using cli::Daemon;
using cli::DaemonOptions;
using cli::StopReason;
using std::chrono::milliseconds;

const component::Registry& WithTestKinds() { return component::BuiltInAndTestComponents(); }

std::string Toml(const std::string& store, const std::string& extra = "") {
  return "[store]\npath = \"" + store + "\"\n\n[[source.heartbeat]]\nname = \"hb\"\n"
         "interval = \"100ms\"\nmessage = \"hello\"\n" + extra;
}

TEST(HeartbeatComponent, TheConfigReaderReadsItsKeysAndCommonOptions) {
  auto c = config::ParseConfig(Toml("s"), "t.toml", 0600, WithTestKinds());
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto beats = c->Of<HeartbeatComponent>();
  ASSERT_EQ(beats.size(), 1u);
  EXPECT_EQ(beats[0]->name(), "hb");
  EXPECT_EQ(beats[0]->settings().message, "hello");
  EXPECT_EQ(beats[0]->common().interval, milliseconds(100));
  EXPECT_EQ(c->Sources().size(), 1u);
}

TEST(HeartbeatComponent, ItsOwnErrorsAndUnknownKeysGoThroughTheCommonReader) {
  auto typo = config::ParseConfig(Toml("s", "mesage = \"x\"\n"), "t.toml", 0600, WithTestKinds());
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("t.toml:8: unknown key 'mesage'"), std::string::npos) << typo.status().message();
  EXPECT_NE(typo.status().message().find("did you mean 'message'"), std::string::npos)
      << typo.status().message();
  auto empty = config::ParseConfig("[[source.heartbeat]]\nname = \"hb\"\nmessage = \"\"\n", "t.toml",
                                   0600, WithTestKinds());
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("must not be empty"), std::string::npos);
  auto routed = config::ParseConfig(Toml("s", "\n[[route]]\nfrom = \"hb\"\nto = [\"x\"]\n"), "t.toml",
                                    0600, WithTestKinds());
  ASSERT_FALSE(routed.ok());
  EXPECT_NE(routed.status().message().find("nothing to send"), std::string::npos)
      << routed.status().message();
}

TEST(HeartbeatComponent, TheProductDoesNotKnowATestOnlyKind) {
  auto c = config::ParseConfig(Toml("s"), "t.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("source.heartbeat"), std::string::npos) << c.status().message();
}

TEST(HeartbeatComponent, TheDaemonRunsPersistsMetersAndShowsIt) {
  testing::TempDir dir;
  const std::string store = dir.path() + "/store";
  auto c = config::ParseConfig(Toml(store), "t.toml", 0600, WithTestKinds());
  ASSERT_TRUE(c.ok()) << c.status().message();
  DaemonOptions o;
  o.config = std::move(*c);
  o.max_duration = milliseconds(60'000);  // a bound only: it is stopped below
  auto daemon = Daemon::Create(std::move(o));
  ASSERT_TRUE(daemon.ok()) << daemon.status().message();
  Result<cli::RunSummary> summary = Status::Unavailable("not run");
  std::thread run([&] { summary = (*daemon)->Run(); });
  // Metered by the daemon's endpoint text, as Prometheus would scrape it.
  std::string metrics;
  for (int i = 0; i < 400; ++i) {
    metrics = (*daemon)->RenderMetrics();
    if (metrics.find("qcflow_heartbeat_beats_total{source=\"hb\"} 2") != std::string::npos) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  (*daemon)->RequestStop("test done");
  run.join();
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->reason, StopReason::kRequested);
  EXPECT_NE(metrics.find("qcflow_heartbeat_beats_total{source=\"hb\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("qcflow_source_up{source=\"hb\"} 1"), std::string::npos) << metrics;
  daemon->reset();

  auto opened = Store::Open(store, StoreOptions{});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  auto states = component::LoadSourceStates(**opened);
  ASSERT_TRUE(states.ok());
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ((*states)[0].kind, "heartbeat");
  EXPECT_EQ((*opened)->format_version(), kStoreFormatVersion) << "its record kind is registered";
  EXPECT_TRUE(ParseKind("heartbeat").has_value());
  EXPECT_EQ((*states)[0].state, "stopped");
  EXPECT_GE((*states)[0].extra.Number("beats"), 2u);
  EXPECT_EQ((*states)[0].extra.Text("message"), "hello");

  component::StatusReport report;
  ASSERT_TRUE(HeartbeatSourceKind().status(**opened, &*states, &report).ok());
  ASSERT_EQ(report.tables.size(), 1u);
  ASSERT_EQ(report.tables[0].rows.size(), 1u);
  EXPECT_EQ(report.tables[0].rows[0][0].text, "hb");
  EXPECT_EQ(report.tables[0].rows[0][2].number, (*states)[0].extra.Number("beats"));
  EXPECT_EQ(report.shown.count("hb"), 1u);
}

}  // namespace
}  // namespace qcflow::example
