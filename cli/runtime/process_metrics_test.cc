#include "cli/runtime/process_metrics.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <map>
#include <sstream>
#include <vector>

namespace qcflow::cli {
namespace {

// Every sample of the text, name -> value (these families have no labels).
std::map<std::string, double> Samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.find(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

std::map<std::string, double> Now() {
  component::MetricFamilies m;
  AddProcessMetrics(&m);
  return Samples(m.Render());
}

TEST(ParseProcStat, CountsFieldsAfterTheLastParenthesis) {
  // A command name with a space and a ')' in it; fields 14/15 = 250/50, 22 = 1000,
  // 23 = 4096000, 24 = 300 (proc(5)).
  const std::string line =
      "4242 (qc flow) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 9 0 1000 4096000 300 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  auto s = ParseProcStat(line);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->utime_ticks, 250u);
  EXPECT_EQ(s->stime_ticks, 50u);
  EXPECT_EQ(s->start_ticks, 1000u);
  EXPECT_EQ(s->vsize_bytes, 4096000u);
  EXPECT_EQ(s->rss_pages, 300);
  EXPECT_FALSE(ParseProcStat("4242 (cut) S 1 2 3").has_value());
  EXPECT_FALSE(ParseProcStat("no parenthesis at all").has_value());
}

TEST(AddProcessMetrics, FollowThisProcess) {
  const std::map<std::string, double> before = Now();
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_virtual_memory_bytes", "process_start_time_seconds",
                           "process_open_fds", "process_max_fds"}) {
    EXPECT_EQ(before.count(name), 1u) << name;
  }
  // Open fds: ten more files open, ten more counted.
  std::vector<int> fds;
  for (int i = 0; i < 10; ++i) fds.push_back(open("/dev/null", O_RDONLY));
  const std::map<std::string, double> opened = Now();
  for (int fd : fds) close(fd);
  EXPECT_EQ(opened.at("process_open_fds") - before.at("process_open_fds"), 10);

  // Resident memory: 64 MiB touched shows as at least 32 MiB more.
  std::vector<char> block(64 << 20);
  std::memset(block.data(), 1, block.size());
  const std::map<std::string, double> grown = Now();
  EXPECT_GE(grown.at("process_resident_memory_bytes") - before.at("process_resident_memory_bytes"),
            double(32 << 20));
  EXPECT_EQ(block[block.size() / 2], 1);

  // The start lies between the boot and now, and CPU time is counted.
  EXPECT_LE(before.at("process_start_time_seconds"), double(std::time(nullptr)) + 1);
  EXPECT_GT(before.at("process_start_time_seconds"), 1e9);
  EXPECT_GE(grown.at("process_cpu_seconds_total"), before.at("process_cpu_seconds_total"));
}

}  // namespace
}  // namespace qcflow::cli
