// Durations as qcflow.toml writes them ("30s", "5m", "1d"), parsed and
// printed the same way for every component (implementation: config_table.cc).
#ifndef QCFLOW_PROCESS_COMPONENT_DURATION_H_
#define QCFLOW_PROCESS_COMPONENT_DURATION_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"

namespace qcflow::component {

// "5m", "30s", "1h", "250ms", "1d", "1.5m" or a bare number of seconds; at most
// kMaxDuration (so no value overflows). InvalidArgument otherwise.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);
inline constexpr std::chrono::milliseconds kMaxDuration = std::chrono::hours(24 * 3650);

// The range a duration setting accepts (each key's is in docs/configuration.md).
struct DurationBounds {
  std::chrono::milliseconds min, max;
};

// "250ms", "30s", "5m", "1h", "7d": the largest unit that divides `d` evenly.
std::string FormatDuration(std::chrono::milliseconds d);

// Levenshtein-nearest of `candidates` to `word`, or "" when none is close.
std::string NearestWord(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace qcflow::component

#endif  // QCFLOW_PROCESS_COMPONENT_DURATION_H_
