// [[source.file_mover]] through the unchanged runtime: its keys and errors in
// the config reader, validate's checks, and a daemon that runs it, persists
// its totals, meters it and shows it in `qcflow status`.
#include "ingest/file_mover/file_mover_component.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "cli/runtime/config.h"
#include "cli/runtime/daemon.h"
#include "process/component/worker_state.h"
#include "store/journal.h"
#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::file_mover {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::string Toml(const std::string& store, const std::string& keys) {
  return "[store]\npath = \"" + store + "\"\n\n[[source.file_mover]]\nname = \"mv\"\n" + keys;
}

Result<config::Config> Parse(const std::string& keys) { return config::ParseConfig(Toml("s", keys), "t.toml"); }

std::string Problems(const std::string& keys) {
  auto c = Parse(keys);
  return c.ok() ? "" : c.status().message();
}

TEST(FileMoverComponent, ReadsItsKeysWithTheirDefaults) {
  auto c = Parse("source = \"/in\"\ndestination = \"/out\"\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto movers = c->Of<FileMoverComponent>();
  ASSERT_EQ(movers.size(), 1u);
  const MoverSettings& s = movers[0]->settings();
  EXPECT_EQ(s.source, "/in");
  EXPECT_EQ(s.destination, "/out");
  EXPECT_TRUE(s.move);
  EXPECT_FALSE(s.recursive);
  EXPECT_EQ(s.pattern, std::vector<std::string>{"*"});
  EXPECT_TRUE(s.ignore.empty());
  EXPECT_FALSE(s.flatten);
  EXPECT_EQ(s.on_conflict, OnConflict::kKeepBoth);
  EXPECT_EQ(s.settle, milliseconds(10'000));
  EXPECT_EQ(movers[0]->common().interval, milliseconds(60'000));

  auto all = Parse("source = \"/in\"\ndestination = \"/out\"\nmode = \"copy\"\nrecursive = true\n"
                   "pattern = [\"*.csv\", \"*.txt\"]\nignore = \"*.tmp\"\nflatten = true\n"
                   "on_conflict = \"replace-if-newer\"\nsettle = \"2s\"\ninterval = \"30s\"\n"
                   "log_level = \"debug\"\n");
  ASSERT_TRUE(all.ok()) << all.status().message();
  const MoverSettings& t = all->Of<FileMoverComponent>()[0]->settings();
  EXPECT_FALSE(t.move);
  EXPECT_TRUE(t.recursive);
  EXPECT_EQ(t.pattern, (std::vector<std::string>{"*.csv", "*.txt"}));
  EXPECT_EQ(t.ignore, std::vector<std::string>{"*.tmp"});
  EXPECT_TRUE(t.flatten);
  EXPECT_EQ(t.on_conflict, OnConflict::kReplaceIfNewer);
  EXPECT_EQ(t.settle, milliseconds(2000));
}

TEST(FileMoverComponent, ConfigErrorsSayWhatToFix) {
  EXPECT_NE(Problems("destination = \"/out\"\n").find("'source' is required"), std::string::npos);
  EXPECT_NE(Problems("source = \"/in\"\ndestination = \"/out\"\nmode = \"mv\"\n")
                .find("mode must be one of \"move\", \"copy\" (it is \"mv\")"),
            std::string::npos);
  EXPECT_NE(Problems("source = \"/in\"\ndestination = \"/out\"\non_conflict = \"overwrite\"\n")
                .find("\"keep-both\", \"skip\", \"replace-if-newer\""),
            std::string::npos);
  EXPECT_NE(Problems("source = \"/in\"\ndestination = \"/in\"\n").find("same directory"), std::string::npos);
  EXPECT_NE(Problems("source = \"/in\"\ndestination = \"/in/done\"\nrecursive = true\n").find("inside the source"),
            std::string::npos);
  EXPECT_NE(Problems("source = \"/in\"\ndestination = \"/out\"\npattern = \"\"\n").find("\"*\" takes every file"),
            std::string::npos);
  EXPECT_NE(Problems("source = \"/in\"\ndestination = \"/out\"\npattern = [1]\n").find("only globs"),
            std::string::npos);
  std::string typo = Problems("source = \"/in\"\ndestination = \"/out\"\nflaten = true\n");
  EXPECT_NE(typo.find("did you mean 'flatten'"), std::string::npos) << typo;
  std::string routed = Problems("source = \"/in\"\ndestination = \"/out\"\n\n[[route]]\nfrom = \"mv\"\nto = [\"x\"]\n");
  EXPECT_NE(routed.find("sends nothing to a sink"), std::string::npos) << routed;
}

TEST(FileMoverComponent, ValidateChecksTheDirectories) {
  testing::TempDir dir;
  fs::create_directories(dir.Sub("in"));
  testing::WriteFile(dir.Sub("in/a.txt"), "a");
  auto check = [&](const std::string& source, const std::string& destination) {
    auto c = Parse("source = \"" + source + "\"\ndestination = \"" + destination + "\"\n");
    EXPECT_TRUE(c.ok()) << c.status().message();
    component::Checklist list;
    component::CheckContext ctx;
    ctx.list = &list;
    ::testing::internal::CaptureStdout();
    c->Of<FileMoverComponent>()[0]->Check(ctx);
    std::string out = ::testing::internal::GetCapturedStdout();
    return std::pair{list.failures(), out};
  };
  auto [ok_failures, ok_out] = check(dir.Sub("in"), dir.Sub("out/new"));
  EXPECT_EQ(ok_failures, 0) << ok_out;
  EXPECT_NE(ok_out.find("will create it"), std::string::npos) << ok_out;
  EXPECT_NE(ok_out.find("1 file is in it"), std::string::npos) << ok_out;
  EXPECT_FALSE(fs::exists(dir.Sub("out"))) << "validate creates nothing";
  auto [missing, missing_out] = check(dir.Sub("none"), dir.Sub("out"));
  EXPECT_EQ(missing, 1);
  EXPECT_NE(missing_out.find("does not exist"), std::string::npos) << missing_out;
  testing::WriteFile(dir.Sub("file"), "x");
  auto [not_dir, not_dir_out] = check(dir.Sub("in"), dir.Sub("file/sub"));
  EXPECT_EQ(not_dir, 1) << not_dir_out;
  EXPECT_NE(not_dir_out.find("is not a directory"), std::string::npos) << not_dir_out;
}

TEST(FileMoverComponent, TheDaemonMovesPersistsMetersAndShowsIt) {
  testing::TempDir dir;
  const std::string store = dir.Sub("store");
  for (int i = 0; i < 5; ++i) testing::WriteFile(dir.Sub("in/f" + std::to_string(i)), "file " + std::to_string(i));
  auto c = config::ParseConfig(Toml(store, "source = \"" + dir.Sub("in") + "\"\ndestination = \"" +
                                               dir.Sub("out") + "\"\nsettle = 0\ninterval = \"100ms\"\n"),
                               "t.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  cli::DaemonOptions o;
  o.config = std::move(*c);
  o.max_duration = milliseconds(60'000);
  auto daemon = cli::Daemon::Create(std::move(o));
  ASSERT_TRUE(daemon.ok()) << daemon.status().message();
  const std::string moved = "qcflow_file_mover_files_total{source=\"mv\",action=\"moved\"} 5";
  Result<cli::RunSummary> summary = Status::Unavailable("not run");
  std::thread run([&] { summary = (*daemon)->Run(); });
  std::string metrics;  // as Prometheus would scrape them
  testing::Eventually([&] {
    metrics = (*daemon)->RenderMetrics();
    return metrics.find(moved) != std::string::npos;
  });
  (*daemon)->RequestStop("test done");
  run.join();
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_NE(metrics.find(moved), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("qcflow_file_mover_bytes_total{source=\"mv\"} 30"), std::string::npos) << metrics;
  daemon->reset();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(fs::exists(dir.Sub("out/f" + std::to_string(i))));

  auto opened = Store::Open(store, StoreOptions{});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  auto count = (*opened)->journal().Scan(0, 100, [](uint64_t, const RecordView& r) {
    EXPECT_EQ(r.kind, Kind::kFile) << "\"files\" is built in";
    EXPECT_EQ(KindName(r.kind), "files");
    return true;
  });
  ASSERT_TRUE(count.ok());
  auto states = component::LoadSourceStates(**opened);
  ASSERT_TRUE(states.ok());
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ((*states)[0].extra.Number("moved"), 5u);
  component::StatusReport report;
  ASSERT_TRUE(FileMoverSourceKind().status(**opened, &*states, &report).ok());
  ASSERT_EQ(report.tables.size(), 1u);
  ASSERT_EQ(report.tables[0].rows.size(), 1u);
  EXPECT_EQ(report.tables[0].rows[0][0].text, "mv");
  EXPECT_EQ(report.tables[0].rows[0][3].number, 5u);
  EXPECT_EQ(report.shown.count("mv"), 1u);
}

}  // namespace
}  // namespace qcflow::file_mover
