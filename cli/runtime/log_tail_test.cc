// LogTail: per-logger rings fed through spdlog, read newest first by level.
#include "cli/runtime/log_tail.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace qcflow::cli {
namespace {

TEST(LogTail, KeepsTheLastLinesOfEachLoggerThroughItsSink) {
  LogTail tail(3);
  spdlog::logger chatty("chatty", tail.Sink());
  spdlog::logger quiet("quiet", tail.Sink());
  chatty.set_level(spdlog::level::trace);
  quiet.error("HTTP 403 from {}", "QATrack+");
  for (int i = 0; i < 10; ++i) chatty.info("pass {}", i);
  chatty.debug("detail");

  auto lines = tail.Lines("", 0);
  ASSERT_EQ(lines.size(), 4u);  // the quiet logger's error survives the chatty one's ten
  auto mine = tail.Lines("chatty", 0);
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[0].message, "detail");  // newest first
  EXPECT_EQ(mine[1].message, "pass 9");
  EXPECT_EQ(mine[2].message, "pass 8");
  EXPECT_EQ(LogLevelName(mine[0].level), "debug");

  auto errors = tail.Lines("", ParseLogLevel("error"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].component, "quiet");
  EXPECT_EQ(errors[0].message, "HTTP 403 from QATrack+");
  EXPECT_GT(errors[0].at, 0);
  EXPECT_TRUE(tail.Lines("nobody", 0).empty());
  EXPECT_EQ(tail.Components(), (std::vector<std::string>{"chatty", "quiet"}));
}

TEST(LogTail, LevelNamesRoundTrip) {
  for (const char* name : {"trace", "debug", "info", "warn", "error", "critical"}) {
    EXPECT_EQ(LogLevelName(ParseLogLevel(name)), name);
  }
  EXPECT_EQ(ParseLogLevel("warning"), ParseLogLevel("warn"));
  EXPECT_EQ(ParseLogLevel("loud"), -1);
}

}  // namespace
}  // namespace qcflow::cli
