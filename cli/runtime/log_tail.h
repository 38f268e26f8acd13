// The last lines each logger wrote, kept in memory for the console's log page
// (GET /api/v1/log): QCPump showed each pump's live log in its window; this is
// that, per component. A bounded ring per logger name, so a chatty component
// never pushes a quiet one's last error out.
#ifndef QCFLOW_CLI_RUNTIME_LOG_TAIL_H_
#define QCFLOW_CLI_RUNTIME_LOG_TAIL_H_

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/time_util.h"

namespace spdlog::sinks {
class sink;
}

namespace qcflow::cli {

struct LogLine {
  MicrosUtc at = 0;
  int level = 0;          // spdlog's: 0 trace .. 5 critical
  std::string component;  // the logger's name: a component, or "qcflow" (the daemon)
  std::string message;
};

// "trace", "debug", "info", "warn", "error", "critical" for spdlog's levels.
std::string LogLevelName(int level);
// The level for a name as above ("warning" and "err" too), or -1.
int ParseLogLevel(const std::string& name);

class LogTail {
 public:
  // REQUIRES: per_component >= 1.
  explicit LogTail(size_t per_component);

  void Add(LogLine line);

  // Lines of `component` ("" = every one) at `min_level` or above, newest
  // first.
  std::vector<LogLine> Lines(const std::string& component, int min_level) const;
  // The logger names that wrote a line, in name order.
  std::vector<std::string> Components() const;

  // An spdlog sink feeding this tail (add it to the default logger's sinks;
  // component loggers are clones and share them).
  std::shared_ptr<spdlog::sinks::sink> Sink();

 private:
  const size_t per_component_;
  mutable std::mutex mu_;
  std::map<std::string, std::deque<LogLine>> lines_;
};

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_RUNTIME_LOG_TAIL_H_
