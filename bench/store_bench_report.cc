#include "bench/store_bench_report.h"

#include <cstdio>
#include <utility>

namespace qcflow {

void RatioReporter::ReportRuns(const std::vector<Run>& runs) {
  ConsoleReporter::ReportRuns(runs);
  for (const Run& run : runs) {
    if (run.error_occurred) continue;
    const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
    if (run.run_type == Run::RT_Aggregate && !median) continue;
    auto it = run.counters.find("records/s");
    if (it == run.counters.end()) continue;
    std::string name = run.run_name.function_name;
    if (median || !rates_.count(name)) rates_[name] = it->second.value;
  }
}

void RatioReporter::Finalize() {
  ConsoleReporter::Finalize();
  auto split = [](const std::string& name) {
    size_t slash = name.rfind('/');
    return std::make_pair(name.substr(0, slash), name.substr(slash + 1));
  };
  std::map<std::string, double> raw, raw3;  // by "<shape>/<size>/<sync>"
  for (const auto& [name, rate] : rates_) {
    auto [prefix, variant] = split(name);
    if (variant == "raw_put" || variant == "raw_writebatch") raw[prefix] = rate;
    if (variant == "raw_writebatch_3kv") raw3[prefix] = rate;
  }
  if (raw.empty()) return;
  std::printf("\n%-50s %11s %11s %8s %11s %8s\n", "records/s (same run)", "this", "raw",
              "vs raw", "raw 3 kv", "vs 3 kv");
  for (const auto& [name, rate] : rates_) {
    auto [prefix, variant] = split(name);
    if (variant.rfind("journal_", 0) != 0 && variant != "raw_writebatch_3kv") continue;
    auto r = raw.find(prefix);
    if (r == raw.end() || r->second <= 0) continue;
    std::printf("%-50s %11.0f %11.0f %7.0f%%", name.c_str(), rate, r->second,
                100.0 * rate / r->second);
    auto r3 = raw3.find(prefix);
    if (r3 != raw3.end() && r3->second > 0 && variant != "raw_writebatch_3kv") {
      std::printf(" %11.0f %7.0f%%", r3->second, 100.0 * rate / r3->second);
    }
    std::printf("\n");
  }
  std::fflush(stdout);
}

}  // namespace qcflow
