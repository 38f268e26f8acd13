// The process metrics every Prometheus client library exports by the same
// names (process_cpu_seconds_total, process_resident_memory_bytes, ...), read
// from /proc, so dashboards made for any exporter work for qcflow too.
#ifndef QCFLOW_CLI_RUNTIME_PROCESS_METRICS_H_
#define QCFLOW_CLI_RUNTIME_PROCESS_METRICS_H_

#include <optional>
#include <string_view>

#include "process/component/metric_families.h"

namespace qcflow::cli {

// The fields of /proc/<pid>/stat the metrics need, as the kernel counts them.
struct ProcStat {
  unsigned long long utime_ticks = 0, stime_ticks = 0;  // CPU time in clock ticks
  unsigned long long start_ticks = 0;                   // start, in ticks after boot
  unsigned long long vsize_bytes = 0;
  long long rss_pages = 0;
};

// Parses one /proc/<pid>/stat line; nullopt when it is not one. The command
// name (field 2) may hold spaces and ')': fields are counted after the last ')'.
std::optional<ProcStat> ParseProcStat(std::string_view line);

// Adds process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_start_time_seconds, process_open_fds
// and process_max_fds for this process. A /proc file that cannot be read
// leaves its metrics out: /metrics must answer anyway.
void AddProcessMetrics(component::MetricFamilies* m);

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_RUNTIME_PROCESS_METRICS_H_
