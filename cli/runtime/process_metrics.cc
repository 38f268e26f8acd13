#include "cli/runtime/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace qcflow::cli {
namespace {

std::string ReadFile(const char* path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The boot time (seconds since the epoch), from the "btime" line of /proc/stat.
std::optional<long long> BootTime() {
  std::istringstream in(ReadFile("/proc/stat"));
  std::string key;
  long long value = 0;
  while (in >> key) {
    if (key == "btime" && in >> value) return value;
    in.ignore(1 << 20, '\n');
  }
  return std::nullopt;
}

template <typename T>
bool Number(std::string_view text, T* out) {
  auto r = std::from_chars(text.data(), text.data() + text.size(), *out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

}  // namespace

std::optional<ProcStat> ParseProcStat(std::string_view line) {
  const size_t close = line.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::vector<std::string_view> f;  // f[0] is field 3 (state)
  for (size_t i = close + 1; i < line.size();) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\n')) ++i;
    size_t end = i;
    while (end < line.size() && line[end] != ' ' && line[end] != '\n') ++end;
    if (end > i) f.push_back(line.substr(i, end - i));
    i = end;
  }
  // Fields 14 utime, 15 stime, 22 starttime, 23 vsize, 24 rss (proc(5)).
  if (f.size() < 22) return std::nullopt;
  ProcStat s;
  if (!Number(f[11], &s.utime_ticks) || !Number(f[12], &s.stime_ticks) ||
      !Number(f[19], &s.start_ticks) || !Number(f[20], &s.vsize_bytes) || !Number(f[21], &s.rss_pages)) {
    return std::nullopt;
  }
  return s;
}

void AddProcessMetrics(component::MetricFamilies* m) {
  const double ticks = double(sysconf(_SC_CLK_TCK));
  if (auto stat = ParseProcStat(ReadFile("/proc/self/stat")); stat && ticks > 0) {
    m->Family("process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.");
    m->Sample("process_cpu_seconds_total", "", double(stat->utime_ticks + stat->stime_ticks) / ticks);
    m->Family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    m->Sample("process_resident_memory_bytes", "", double(stat->rss_pages) * double(sysconf(_SC_PAGESIZE)));
    m->Family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
    m->Sample("process_virtual_memory_bytes", "", double(stat->vsize_bytes));
    if (auto boot = BootTime()) {
      m->Family("process_start_time_seconds", "gauge", "Start time of the process since the epoch, in seconds.");
      m->Sample("process_start_time_seconds", "", double(*boot) + double(stat->start_ticks) / ticks);
    }
  }
  std::error_code ec;
  size_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
    ++fds;
  }
  if (!ec) {
    m->Family("process_open_fds", "gauge", "Open file descriptors.");
    m->Sample("process_open_fds", "", double(fds));
  }
  if (rlimit limit{}; getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    m->Family("process_max_fds", "gauge", "The limit of open file descriptors.");
    m->Sample("process_max_fds", "", double(limit.rlim_cur));
  }
}

}  // namespace qcflow::cli
